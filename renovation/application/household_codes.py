"""Household codes and tracking codes: made here, kept as digests bound to their project.

Randomness and secrets stay out of the domain; the consultation and lift areas both take a
household code where a resident votes or objects.

Digests: codes issued now are kept as HMAC-SHA256 under the server's household-code key
(``HOUSEHOLD_CODE_KEY`` or the key file in the instance folder, never in the event store), so
an event export or a database copy does not allow an offline search of the code space. Codes
issued before were kept as plain ``sha256("<project_id>:<CODE>")`` (scheme ``sha256``); their
events are never edited, so a typed code is checked against the keyed digest first and then
the legacy one, and old slips keep working.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from uuid import UUID

# No 0/O, 1/I/L: a code read aloud or typed by an older resident must not be misread.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 31**10 ≈ 2**49.5
TRACKING_ALPHABET = CODE_ALPHABET
TRACKING_LENGTH = 8


def normalise_code(code: str) -> str:
    """Upper case, without spaces or dashes: how a code is compared."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


KEYED_SCHEME = "hmac-sha256"
LEGACY_SCHEME = "sha256"
KEY_FILE = "household_code_key"


def code_digest(project_id: UUID, code: str, key: bytes | None = None) -> str:
    """A household code's digest, bound to its project: another project's code never matches.

    Keyed (HMAC-SHA256) with ``key``; without one the legacy unsalted SHA-256, which is only
    used to recognise codes issued before keyed digests.
    """
    message = f"{project_id}:{normalise_code(code)}".encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def candidate_digests(project_id: UUID, code: str, key: bytes) -> tuple[str, str]:
    """The digests a typed code may be stored under: keyed first, then legacy."""
    return code_digest(project_id, code, key), code_digest(project_id, code)


def load_code_key(instance: Path | str, configured: str | bytes | None = None) -> bytes:
    """The household-code key: ``configured`` (``HOUSEHOLD_CODE_KEY``) when given, else the
    key file in the instance folder, made (mode 0600) on first use.

    The file is written aside and linked into place, so processes starting together all read
    the one key that won.
    """
    if configured:
        return configured if isinstance(configured, bytes) else configured.encode()
    folder = Path(instance)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / KEY_FILE
    if not path.exists():
        aside = folder / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    key = path.read_text().strip()
    if not key:
        raise ValueError(f"{path} is empty")
    return key.encode()


def new_code(length: int = CODE_LENGTH) -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    return f"{raw[:5]}-{raw[5:]}" if length == CODE_LENGTH else raw

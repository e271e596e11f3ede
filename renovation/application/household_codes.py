"""Household codes and tracking codes: made here, kept as digests bound to their project.

Randomness and secrets stay out of the domain; the consultation and lift areas both take a
household code where a resident votes or objects.
"""

from __future__ import annotations

import hashlib
import secrets
from uuid import UUID

# No 0/O, 1/I/L: a code read aloud or typed by an older resident must not be misread.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 31**10 ≈ 2**49.5
TRACKING_ALPHABET = CODE_ALPHABET
TRACKING_LENGTH = 8


def normalise_code(code: str) -> str:
    """Upper case, without spaces or dashes: how a code is compared."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_digest(project_id: UUID, code: str) -> str:
    """A household code's digest, bound to its project: another project's code never matches."""
    return hashlib.sha256(f"{project_id}:{normalise_code(code)}".encode()).hexdigest()


def new_code(length: int = CODE_LENGTH) -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    return f"{raw[:5]}-{raw[5:]}" if length == CODE_LENGTH else raw

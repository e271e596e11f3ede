"""Checkpoints as C2SP signed notes (Ed25519), and the signing key's files.

The format is fixed in docs (README, "Auditors"): body ``<origin>\\n<size>\\n<root b64>\\n
time <UTC>Z\\n``, an empty line, then ``— <origin> <base64(key hash || signature)>\\n``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNATURE_DASH = "\u2014 "


class NoteError(ValueError):
    """A checkpoint note that cannot be read, or whose signature does not hold; ``code`` is a
    refusal code of the catalogue (renovation.vocabulary.refusals)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: ``size`` leaves whose tree hash is ``root``, at ``time``."""

    origin: str
    size: int
    root: bytes
    time: str
    note: str

    @property
    def root_b64(self) -> str:
        return b64(self.root)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def utc_now() -> str:
    """Now as RFC 3339 UTC with seconds, ending in Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_hash(origin: str, key: Ed25519PublicKey) -> bytes:
    """The note's 4-byte key id: SHA-256(origin || "\\n" || 0x01 || raw public key)[:4]."""
    return hashlib.sha256(origin.encode() + b"\n\x01" + raw_public_key(key)).digest()[:4]


def note_body(origin: str, size: int, root: bytes, time: str) -> str:
    return f"{origin}\n{size}\n{b64(root)}\ntime {time}\n"


def sign_checkpoint(
    key: Ed25519PrivateKey, origin: str, size: int, root: bytes, time: str | None = None
) -> Checkpoint:
    """A checkpoint of the tree at ``size`` with hash ``root``, signed now (or at ``time``)."""
    time = time or utc_now()
    body = note_body(origin, size, root, time)
    signature = key.sign(body.encode())
    line = f"{SIGNATURE_DASH}{origin} {b64(key_hash(origin, key.public_key()) + signature)}\n"
    return Checkpoint(origin, size, root, time, f"{body}\n{line}")


def open_note(note: str, key: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint a note states, once its signature by ``key`` is checked (NoteError if not)."""
    body, sep, signatures = note.partition("\n\n")
    lines = body.split("\n")
    if not sep or len(lines) != 4 or not lines[3].startswith("time "):
        raise NoteError("checkpoint_unreadable")
    origin, size_text, root_text, time_line = lines
    body += "\n"
    expected = key_hash(origin, key)
    for line in signatures.splitlines():
        prefix = f"{SIGNATURE_DASH}{origin} "
        if not line.startswith(prefix):
            continue
        try:
            blob = base64.b64decode(line[len(prefix) :], validate=True)
        except ValueError:
            continue
        if blob[:4] != expected:
            continue
        try:
            key.verify(blob[4:], body.encode())
        except InvalidSignature:
            raise NoteError("checkpoint_signature_fails") from None
        try:
            size = int(size_text)
            root = base64.b64decode(root_text, validate=True)
        except ValueError:
            raise NoteError("checkpoint_unreadable") from None
        return Checkpoint(origin, size, root, time_line[len("time ") :], note)
    raise NoteError("checkpoint_not_signed_by_key")


# ---- key files ------------------------------------------------------------------------------


def write_key_pair(path: Path) -> Ed25519PrivateKey:
    """A new key: PKCS8 PEM at ``path`` (0600, made aside and linked into place, so processes
    starting together all use the one that won) and its public key at ``path``.pub."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    try:
        os.link(aside, path)
    finally:
        aside.unlink()
    public = Path(f"{path}.pub")
    public.write_bytes(public_pem(key.public_key()))
    return key


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private_key(path: Path, *, create: bool) -> Ed25519PrivateKey:
    """The signing key in ``path``; made there first when ``create`` (the embedded default)."""
    if not path.exists():
        if not create:
            raise ValueError(f"AUDIT_SIGNING_KEY: no key file at {path} (renovation audit keygen)")
        try:
            return write_key_pair(path)
        except FileExistsError:
            pass  # another process made it meanwhile
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"AUDIT_SIGNING_KEY: {path} is not an Ed25519 private key")
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key

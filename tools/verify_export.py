#!/usr/bin/env python3
"""Check an audit export of `renovation` without the service: 独立核验审计导出文件.

    python tools/verify_export.py EXPORT.jsonl --public-key audit.pub [--checkpoint KEPT.txt]

Needs only the Python standard library and ``cryptography``; it imports nothing of the service,
so an auditor can read all of it. The formats are documented in docs/audit.md:

- the log is one Merkle tree over every stored event (RFC 9162, SHA-256, leaf prefix 0x00,
  node prefix 0x01); position p is leaf index p - 1;
- a leaf is SHA-256(0x00 || originator id (16 bytes) || version (8 bytes, big-endian)
  || topic length (4 bytes, big-endian) || topic || stored state bytes);
- a checkpoint is a signed note (origin, size, root in base64, ``time …``; an Ed25519 signature
  line ``— <origin> <base64(key hash || signature)>``).

It checks every checkpoint's signature; the events against the checkpoints (a whole-store
export: the tree recomputed at every checkpoint; a project export: each event's inclusion
proof and each checkpoint's consistency proof); versions without gaps; and, with
``--checkpoint``, that the checkpoint you kept earlier is consistent with the export (no
rollback, no rewritten history). Exit status: 0 all good, 1 something does not verify (the
first bad position or checkpoint is printed), 2 the input cannot be read.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import struct
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EXPORT_FORMAT = "renovation-audit-export/1"
SIGNATURE_DASH = "\u2014 "


class Unreadable(Exception):
    """The input is not an export, a key or a checkpoint this tool can read (exit 2)."""


class Bad(Exception):
    """Something does not verify (exit 1); the message names the first bad position."""


# ---- RFC 9162 hashing ---------------------------------------------------------------------


def leaf_hash(project_id: str, version: int, topic: str, state: bytes) -> bytes:
    topic_bytes = topic.encode("utf-8")
    data = (
        uuid.UUID(project_id).bytes
        + struct.pack(">Q", version)
        + struct.pack(">I", len(topic_bytes))
        + topic_bytes
        + state
    )
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


class Frontier:
    """The tree's right edge: perfect subtrees, largest first; the root at any size in O(log n)."""

    def __init__(self) -> None:
        self.size = 0
        self._nodes: list[tuple[int, bytes]] = []

    def append(self, leaf: bytes) -> None:
        self.size += 1
        self._nodes.append((1, leaf))
        while len(self._nodes) > 1 and self._nodes[-1][0] == self._nodes[-2][0]:
            (size, right), (_, left) = self._nodes.pop(), self._nodes.pop()
            self._nodes.append((size * 2, node_hash(left, right)))

    def root(self) -> bytes:
        if not self._nodes:
            return EMPTY_ROOT
        root = self._nodes[-1][1]
        for _, left in reversed(self._nodes[:-1]):
            root = node_hash(left, root)
        return root


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if first < 1 or first > second or not proof:
        return False
    if first & (first - 1) == 0:  # an exact power of two
        proof = [first_root, *proof]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


# ---- checkpoints (signed notes) -------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    time: str

    def describe(self) -> str:
        return f"size {self.size}, root {base64.b64encode(self.root).decode()}, {self.time}"


def key_hash(origin: str, public_key: Ed25519PublicKey) -> bytes:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(origin.encode("utf-8") + b"\n\x01" + raw).digest()[:4]


def b64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise Unreadable(f"{what}: expected base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise Unreadable(f"{what}: not base64 ({error})") from None


def parse_note(text: str, public_key: Ed25519PublicKey, what: str) -> Checkpoint:
    """Read a signed checkpoint note and check its signature; Bad if it does not verify."""
    body, sep, signatures = text.partition("\n\n")
    if not sep:
        raise Unreadable(f"{what}: not a signed note (no empty line before the signature)")
    body += "\n"
    lines = body.split("\n")[:-1]
    if len(lines) < 4 or not lines[1].isdigit() or not lines[3].startswith("time "):
        raise Unreadable(f"{what}: expected origin, size, root and time lines")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except (binascii.Error, ValueError):
        raise Unreadable(f"{what}: the root is not base64") from None
    checkpoint = Checkpoint(lines[0], int(lines[1]), root, lines[3][len("time ") :])
    wanted = key_hash(checkpoint.origin, public_key)
    for line in signatures.splitlines():
        if not line.startswith(SIGNATURE_DASH):
            continue
        name, _, signature_b64 = line[len(SIGNATURE_DASH) :].rpartition(" ")
        try:
            blob = base64.b64decode(signature_b64, validate=True)
        except (binascii.Error, ValueError):
            continue
        if name != checkpoint.origin or blob[:4] != wanted or len(blob) != 68:
            continue
        try:
            public_key.verify(blob[4:], body.encode("utf-8"))
        except InvalidSignature:
            raise Bad(f"BAD CHECKPOINT 检查点签名无效: {what} ({checkpoint.describe()})") from None
        return checkpoint
    raise Bad(f"BAD CHECKPOINT 检查点未由此公钥签名: {what} ({checkpoint.describe()})")


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as error:
        raise Unreadable(f"public key {path}: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise Unreadable(f"public key {path}: not an Ed25519 key")
    return key


# ---- the export ---------------------------------------------------------------------------


def read_export(path: Path) -> tuple[dict, list[dict], list[dict]]:
    header, events, checkpoints = None, [], []
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise Unreadable(f"line {number}: not JSON ({error})") from None
                kind = record.get("kind") if isinstance(record, dict) else None
                if kind == "header" and header is None and number == 1:
                    header = record
                elif kind == "event":
                    events.append(record)
                elif kind == "checkpoint":
                    checkpoints.append(record)
                else:
                    raise Unreadable(f"line {number}: unexpected record {kind!r}")
    except (OSError, UnicodeDecodeError) as error:
        raise Unreadable(f"{path}: {error}") from None
    if header is None or header.get("format") != EXPORT_FORMAT:
        raise Unreadable(f"{path}: the first line is not a {EXPORT_FORMAT} header")
    if header.get("scope") not in ("store", "project"):
        raise Unreadable(f"{path}: unknown scope {header.get('scope')!r}")
    if not checkpoints:
        raise Bad("BAD CHECKPOINT 缺少检查点: the export carries no checkpoint")
    return header, events, checkpoints


def event_leaf(event: dict) -> bytes:
    """The event's leaf recomputed from its stored bytes; Bad if they are gone or differ."""
    where = describe(event)
    if event.get("state") is None:
        raise Bad(f"FIRST BAD POSITION 首个异常位置: {where}: event missing from the store")
    try:
        leaf = leaf_hash(
            str(event["project_id"]),
            int(event["version"]),
            str(event["topic"]),
            b64(event["state"], f"{where} state"),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise Unreadable(f"{where}: incomplete event line ({error})") from None
    if "leaf" in event and b64(event["leaf"], f"{where} leaf") != leaf:
        raise Bad(
            f"FIRST BAD POSITION 首个异常位置: {where}: the stored bytes differ from the leaf "
            "logged when the event was recorded"
        )
    return leaf


def describe(event: dict) -> str:
    return (
        f"{event.get('position')} (project {event.get('project_id')} "
        f"version {event.get('version')})"
    )


class Sequence:
    """Positions strictly increase and each project's versions follow on 1, 2, 3… without gaps."""

    def __init__(self) -> None:
        self.last_position = 0
        self.last_version: dict[str, int] = {}

    def see(self, event: dict) -> None:
        position, project, version = (
            event.get("position"),
            event.get("project_id"),
            event.get("version"),
        )
        if not isinstance(position, int) or position <= self.last_position:
            raise Bad(f"FIRST BAD POSITION 首个异常位置: {describe(event)}: out of order")
        self.last_position = position
        expected = self.last_version.get(project, 0) + 1
        if version != expected:
            raise Bad(
                f"FIRST BAD POSITION 首个异常位置: {describe(event)}: version {version} where "
                f"{expected} was due (an event of the project is missing, moved or repeated)"
            )
        self.last_version[project] = version


def signed(checkpoints: list[dict], key: Ed25519PublicKey) -> list[tuple[dict, Checkpoint]]:
    result = []
    for line in checkpoints:
        note = parse_note(str(line.get("note", "")), key, f"checkpoint of size {line.get('size')}")
        if note.size != line.get("size") or base64.b64encode(note.root).decode() != line.get(
            "root"
        ):
            raise Bad(f"BAD CHECKPOINT 检查点与签名内容不符: size {line.get('size')}")
        result.append((line, note))
    sizes = [note.size for _, note in result]
    if sizes != sorted(set(sizes)):
        raise Bad("BAD CHECKPOINT 检查点顺序错误: sizes are not strictly increasing")
    return result


def verify_store(
    header: dict, events: list[dict], notes: list[Checkpoint], kept: Checkpoint | None
) -> str:
    size = notes[-1].size
    wanted = {note.size: note for note in notes}
    if kept is not None and kept.size <= size:
        wanted.setdefault(kept.size, kept)
    frontier, sequence, verified_up_to = Frontier(), Sequence(), 0
    for expected_position, event in enumerate(events, 1):
        if event.get("position") != expected_position:
            raise Bad(
                f"FIRST BAD POSITION 首个异常位置: {expected_position}: missing from the export "
                f"(the next line is position {event.get('position')})"
            )
        frontier.append(event_leaf(event))
        sequence.see(event)
        check_root_at(frontier, wanted, kept, verified_up_to)
        if frontier.size in wanted:
            verified_up_to = frontier.size
    if frontier.size != size:
        raise Bad(
            f"FIRST BAD POSITION 首个异常位置: {frontier.size + 1}: the export ends at position "
            f"{frontier.size} but its checkpoint covers {size}"
        )
    return f"{len(events)} events (positions 1–{size}), {len(notes)} checkpoints"


def check_root_at(
    frontier: Frontier, wanted: dict[int, Checkpoint], kept: Checkpoint | None, good: int
) -> None:
    note = wanted.get(frontier.size)
    if note is None:
        return
    if kept is not None and kept.size == frontier.size and frontier.root() != kept.root:
        raise Bad(
            f"BAD CHECKPOINT 与您保存的检查点不一致: your checkpoint ({kept.describe()}) does not "
            f"match this export's tree at size {kept.size}: history was rewritten; the first bad "
            f"position lies in {good + 1}–{kept.size}"
        )
    if frontier.root() != note.root:
        raise Bad(
            f"FIRST BAD POSITION 首个异常位置: in {good + 1}–{frontier.size}: the events do not "
            f"give the signed root of the checkpoint at size {frontier.size}"
        )


def verify_project(
    header: dict, events: list[dict], lines: list[tuple[dict, Checkpoint]], kept: Checkpoint | None
) -> str:
    final = lines[-1][1]
    for line, note in lines[:-1]:
        proof = [
            b64(h, f"consistency proof of size {note.size}") for h in line.get("consistency", [])
        ]
        if not verify_consistency(note.size, final.size, note.root, final.root, proof):
            raise Bad(
                f"BAD CHECKPOINT 检查点不一致: the checkpoint at size {note.size} is not "
                f"consistent with the one at size {final.size}"
            )
    sequence = Sequence()
    for event in events:
        leaf = event_leaf(event)
        proof = [
            b64(h, f"inclusion proof of {describe(event)}") for h in event.get("inclusion", [])
        ]
        position = event.get("position")
        if not isinstance(position, int) or not verify_inclusion(
            position - 1, final.size, leaf, proof, final.root
        ):
            raise Bad(
                f"FIRST BAD POSITION 首个异常位置: {describe(event)}: not in the signed tree of "
                f"size {final.size}"
            )
        sequence.see(event)
    if kept is not None and kept.size <= final.size:
        same = [note for _, note in lines if note.size == kept.size]
        if not same:
            raise Bad(
                f"BAD CHECKPOINT 无法核对您保存的检查点: the export carries no proof from size "
                f"{kept.size}; export again so that it includes that checkpoint"
            )
        if same[0].root != kept.root:
            raise Bad(
                f"BAD CHECKPOINT 与您保存的检查点不一致: your checkpoint ({kept.describe()}) "
                "differs from the export's: history was rewritten"
            )
    project = header.get("project_id")
    return f"{len(events)} events of project {project}, {len(lines)} checkpoints"


def verify(export: Path, public_key: Path, kept_path: Path | None) -> str:
    key = load_public_key(public_key)
    kept = None
    if kept_path is not None:
        try:
            kept = parse_note(kept_path.read_text(encoding="utf-8"), key, "your checkpoint")
        except (OSError, UnicodeDecodeError) as error:
            raise Unreadable(f"{kept_path}: {error}") from None
    header, events, checkpoint_lines = read_export(export)
    lines = signed(checkpoint_lines, key)
    final = lines[-1][1]
    if header.get("until") != final.size:
        raise Bad(
            f"BAD CHECKPOINT 检查点与导出范围不符: the export covers {header.get('until')} "
            f"positions, its last checkpoint {final.size}"
        )
    if kept is not None:
        if kept.origin != final.origin:
            raise Bad(f"BAD CHECKPOINT 日志来源不同: {kept.origin!r} vs {final.origin!r}")
        if kept.size > final.size:
            raise Bad(
                f"BAD CHECKPOINT 导出比您保存的检查点短: your checkpoint covers {kept.size} "
                f"positions, this export only {final.size} (a rollback, or export with --until)"
            )
    if header["scope"] == "store":
        summary = verify_store(header, events, [note for _, note in lines], kept)
    else:
        summary = verify_project(header, events, lines, kept)
    tail = f"; consistent with your checkpoint at size {kept.size}" if kept else ""
    return f"OK 核验通过: {summary}; root {final.describe()}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", type=Path, help="JSON Lines from `renovation audit export`")
    parser.add_argument("--public-key", type=Path, required=True, help="the log's key (PEM)")
    parser.add_argument("--checkpoint", type=Path, help="a checkpoint you kept (signed note)")
    args = parser.parse_args(argv)
    try:
        print(verify(args.export, args.public_key, args.checkpoint))
        return 0
    except Bad as problem:
        print(problem)
        return 1
    except Unreadable as problem:
        print(f"UNREADABLE 无法读取: {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

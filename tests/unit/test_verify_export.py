"""The standalone verifier, tools/verify_export.py, on exports built here from the documented
format (docs/audit.md): known RFC 6962 answers, proofs, and every kind of tampering."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from tools import verify_export as tool

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "renovation.test/淮安市住房和城乡建设局"

# RFC 6962 test data (certificate-transparency's merkle tree tests): leaf inputs and the
# tree heads of the first 1..8 of them.
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


# ---- proofs as RFC 9162 defines them (recursive, independent of the tool's iterative code) ---


def mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << (len(leaves) - 1).bit_length() - 1
    return tool.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    k = 1 << (len(leaves) - 1).bit_length() - 1
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [mth(leaves)]
    k = 1 << (n - 1).bit_length() - 1
    if m <= k:
        return [*subproof(m, leaves[:k], complete), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def consistency(m: int, leaves: list[bytes]) -> list[bytes]:
    return subproof(m, leaves, True) if 0 < m < len(leaves) else []


def test_tree_heads_match_the_rfc_6962_test_data():
    frontier = tool.Frontier()
    assert frontier.root().hex() == hashlib.sha256(b"").hexdigest()
    for data, expected in zip(CT_LEAVES, CT_ROOTS, strict=True):
        frontier.append(hashlib.sha256(b"\x00" + data).digest())
        assert frontier.root().hex() == expected


# Distinct entries: two equal leaves are interchangeable, so a proof for one proves the other.
leaf_lists = st.lists(st.binary(min_size=1, max_size=8), min_size=1, max_size=70, unique=True).map(
    lambda items: [hashlib.sha256(b"\x00" + item).digest() for item in items]
)


@settings(max_examples=150, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_inclusion_proofs_verify_and_any_change_fails(leaves, data):
    n = len(leaves)
    index = data.draw(st.integers(0, n - 1))
    proof, root = path(index, leaves), mth(leaves)
    assert tool.verify_inclusion(index, n, leaves[index], proof, root)
    assert not tool.verify_inclusion(index, n, hashlib.sha256(b"x").digest(), proof, root)
    assert not tool.verify_inclusion(n, n, leaves[index], proof, root)
    if n > 1:
        other = data.draw(st.integers(0, n - 1).filter(lambda i: i != index))
        assert not tool.verify_inclusion(other, n, leaves[index], proof, root)
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1))
        changed = [*proof[:at], bytes(32), *proof[at + 1 :]]
        assert not tool.verify_inclusion(index, n, leaves[index], changed, root)
        assert not tool.verify_inclusion(index, n, leaves[index], proof[:-1], root)
        assert not tool.verify_inclusion(index, n, leaves[index], [*proof, proof[0]], root)


@settings(max_examples=150, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_consistency_proofs_verify_and_any_change_fails(leaves, data):
    n = len(leaves)
    m = data.draw(st.integers(1, n))
    proof, old, new = consistency(m, leaves), mth(leaves[:m]), mth(leaves)
    assert tool.verify_consistency(m, n, old, new, proof)
    assert not tool.verify_consistency(m, n, hashlib.sha256(b"x").digest(), new, proof)
    assert not tool.verify_consistency(m, n, old, hashlib.sha256(b"x").digest(), proof)
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1))
        changed = [*proof[:at], bytes(32), *proof[at + 1 :]]
        assert not tool.verify_consistency(m, n, old, new, changed)
        assert not tool.verify_consistency(m, n, old, new, proof[:-1])
        assert not tool.verify_consistency(m, n, old, new, [*proof, proof[0]])


# ---- exports built from the documented format -----------------------------------------------


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def note(key: Ed25519PrivateKey, size: int, root: bytes, origin: str = ORIGIN) -> str:
    body = f"{origin}\n{size}\n{b64(root)}\ntime 2026-12-02T08:00:00Z\n"
    signature = tool.key_hash(origin, key.public_key()) + key.sign(body.encode())
    return f"{body}\n\u2014 {origin} {b64(signature)}\n"


class Store:
    """A small store of events of three projects, as the recorder would hold them."""

    def __init__(self, size: int = 23) -> None:
        self.key = Ed25519PrivateKey.generate()
        projects = [str(uuid.UUID(int=i + 1)) for i in range(3)]
        versions: dict[str, int] = {}
        self.events = []
        for position in range(1, size + 1):
            project = projects[position * 7 % 3]
            versions[project] = versions.get(project, 0) + 1
            state = json.dumps({"n": position, "text": "加装电梯"}).encode()
            topic = "events.opinions:OpinionSubmitted"
            self.events.append(
                {
                    "kind": "event",
                    "position": position,
                    "notification_id": position,
                    "project_id": project,
                    "version": versions[project],
                    "topic": topic,
                    "state": b64(state),
                    "leaf": b64(tool.leaf_hash(project, versions[project], topic, state)),
                    "recorded_at": datetime(2026, 12, 2, tzinfo=UTC).isoformat(),
                }
            )

    def leaves(self) -> list[bytes]:
        return [base64.b64decode(e["leaf"]) for e in self.events]

    def checkpoint(self, size: int, key: Ed25519PrivateKey | None = None) -> dict:
        root = mth(self.leaves()[:size])
        text = note(key or self.key, size, root)
        return {"kind": "checkpoint", "size": size, "root": b64(root), "time": "t", "note": text}

    def export(self, every: int = 10, project: str | None = None) -> list[dict]:
        n = len(self.events)
        header = {
            "kind": "header",
            "format": tool.EXPORT_FORMAT,
            "origin": ORIGIN,
            "scope": "project" if project else "store",
            "project_id": project,
            "until": n,
            "exported_at": "2026-12-02T08:00:00Z",
        }
        sizes = [*range(every, n, every), n]
        checkpoints = [self.checkpoint(size) for size in sizes]
        if project is None:
            return [header, *self.events, *checkpoints]
        leaves = self.leaves()
        events = []
        for e in self.events:
            if e["project_id"] == project:
                proof = path(e["position"] - 1, leaves)
                events.append({**e, "inclusion": [b64(h) for h in proof]})
        for line in checkpoints[:-1]:
            line["consistency"] = [b64(h) for h in consistency(line["size"], leaves)]
        return [header, *events, *checkpoints]

    def public_key(self, tmp_path: Path) -> Path:
        file = tmp_path / "audit.pub"
        file.write_bytes(
            self.key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        return file


def write(tmp_path: Path, lines: list[dict], name: str = "export.jsonl") -> Path:
    file = tmp_path / name
    file.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
    return file


def run(tmp_path: Path, store: Store, lines: list[dict], kept: str | None = None):
    args = [str(write(tmp_path, lines)), "--public-key", str(store.public_key(tmp_path))]
    if kept is not None:
        (tmp_path / "kept.txt").write_text(kept, encoding="utf-8")
        args += ["--checkpoint", str(tmp_path / "kept.txt")]
    return tool.main(args)


def test_an_untouched_store_export_verifies_as_a_separate_program(tmp_path):
    store = Store()
    kept = store.checkpoint(20)["note"]
    export = write(tmp_path, store.export())
    (tmp_path / "kept.txt").write_text(kept, encoding="utf-8")
    script, key = ROOT / "tools" / "verify_export.py", store.public_key(tmp_path)
    done = subprocess.run(
        [
            sys.executable,
            script,
            export,
            "--public-key",
            key,
            "--checkpoint",
            tmp_path / "kept.txt",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK 核验通过: 23 events (positions 1–23), 3 checkpoints")
    assert "consistent with your checkpoint at size 20" in done.stdout


def test_the_verifier_imports_nothing_of_the_service():
    source = (ROOT / "tools" / "verify_export.py").read_text(encoding="utf-8")
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports and not [line for line in imports if "renovation" in line or "events" in line]


def first_bad(capsys) -> str:
    return capsys.readouterr().out


@pytest.mark.parametrize("position", [1, 7, 23])
def test_one_changed_byte_names_its_position(tmp_path, capsys, position):
    store = Store()
    lines = store.export()
    event = lines[position]
    state = bytearray(base64.b64decode(event["state"]))
    state[3] ^= 1
    event["state"] = b64(bytes(state))
    assert run(tmp_path, store, lines) == 1
    out = first_bad(capsys)
    assert out.startswith(f"FIRST BAD POSITION 首个异常位置: {position} (project ")
    assert f"version {event['version']})" in out


def test_a_change_with_its_leaf_recomputed_is_caught_by_the_next_checkpoint(tmp_path, capsys):
    store = Store()
    lines = store.export()
    event = lines[14]
    state = b'{"n": 14, "text": "forged"}'
    event["state"] = b64(state)
    event["leaf"] = b64(
        tool.leaf_hash(event["project_id"], event["version"], event["topic"], state)
    )
    assert run(tmp_path, store, lines) == 1
    assert "in 11–20" in first_bad(capsys)


def test_a_deleted_event_is_named(tmp_path, capsys):
    store = Store()
    lines = store.export()
    del lines[9]
    assert run(tmp_path, store, lines) == 1
    assert first_bad(capsys).startswith("FIRST BAD POSITION 首个异常位置: 9: missing")


def test_an_event_gone_from_the_store_is_named(tmp_path, capsys):
    store = Store()
    lines = store.export()
    lines[5]["state"] = None
    assert run(tmp_path, store, lines) == 1
    assert "5 (project" in (out := first_bad(capsys)) and "missing from the store" in out


def test_two_swapped_events_are_named(tmp_path, capsys):
    store = Store()
    lines = store.export()
    for field in ("project_id", "version", "topic", "state", "leaf"):
        lines[4][field], lines[5][field] = lines[5][field], lines[4][field]
    assert run(tmp_path, store, lines) == 1
    assert "in 1–10" in first_bad(capsys)


def test_a_forged_event_inserted_is_named(tmp_path, capsys):
    store = Store()
    lines = store.export()
    forged = {**lines[4], "version": lines[4]["version"] + 1}
    lines.insert(5, forged)
    for position, line in enumerate(lines[1:25], start=1):
        line["position"] = position
    assert run(tmp_path, store, lines) == 1
    assert first_bad(capsys).startswith("FIRST BAD POSITION 首个异常位置: 5 (project")


def test_a_project_rolled_back_is_caught_by_the_kept_checkpoint(tmp_path, capsys):
    store = Store()
    kept = store.checkpoint(23)["note"]
    store.events = store.events[:18]
    assert run(tmp_path, store, store.export(), kept=kept) == 1
    assert "only 18" in first_bad(capsys)


def test_a_rewritten_history_is_caught_by_the_kept_checkpoint(tmp_path, capsys):
    store = Store()
    kept = store.checkpoint(15)["note"]
    forged = Store()  # the operator re-signs a different history with the same key
    forged.key = store.key
    forged.events[12]["state"] = b64(b"{}")
    event = forged.events[12]
    event["leaf"] = b64(
        tool.leaf_hash(event["project_id"], event["version"], event["topic"], b"{}")
    )
    assert run(tmp_path, forged, forged.export(), kept=kept) == 1
    assert "与您保存的检查点不一致" in first_bad(capsys)


def test_a_checkpoint_signed_by_another_key_is_refused(tmp_path, capsys):
    store = Store()
    lines = store.export()
    lines[-2] = store.checkpoint(20, key=Ed25519PrivateKey.generate())
    assert run(tmp_path, store, lines) == 1
    assert first_bad(capsys).startswith(
        "BAD CHECKPOINT 检查点未由此公钥签名: checkpoint of size 20"
    )


def test_a_checkpoint_whose_root_was_replaced_is_refused(tmp_path, capsys):
    store = Store()
    lines = store.export()
    lines[-1]["note"] = lines[-1]["note"].replace(lines[-1]["root"], b64(bytes(32)))
    assert run(tmp_path, store, lines) == 1
    assert first_bad(capsys).startswith("BAD CHECKPOINT 检查点签名无效")


def test_a_project_export_verifies_with_its_proofs_and_a_kept_checkpoint(tmp_path, capsys):
    store = Store()
    project = store.events[0]["project_id"]
    assert run(tmp_path, store, store.export(project=project), store.checkpoint(10)["note"]) == 0
    assert f"of project {project}" in first_bad(capsys)


def test_a_project_export_names_a_changed_event(tmp_path, capsys):
    store = Store()
    project = store.events[0]["project_id"]
    lines = store.export(project=project)
    event = lines[3]
    state = b"{}"
    event["state"] = b64(state)
    event["leaf"] = b64(tool.leaf_hash(project, event["version"], event["topic"], state))
    assert run(tmp_path, store, lines) == 1
    assert first_bad(capsys).startswith(f"FIRST BAD POSITION 首个异常位置: {event['position']} (")


def test_a_project_export_with_a_broken_consistency_proof_is_refused(tmp_path, capsys):
    store = Store()
    lines = store.export(project=store.events[0]["project_id"])
    lines[-3]["consistency"][0] = b64(bytes(32))
    assert run(tmp_path, store, lines) == 1
    assert first_bad(capsys).startswith("BAD CHECKPOINT 检查点不一致: the checkpoint at size 10")


@pytest.mark.parametrize(
    "text",
    ["not json\n", json.dumps({"kind": "header", "format": "other/9"}) + "\n", ""],
)
def test_unreadable_input_exits_2(tmp_path, capsys, text):
    store = Store()
    export = tmp_path / "bad.jsonl"
    export.write_text(text, encoding="utf-8")
    assert tool.main([str(export), "--public-key", str(store.public_key(tmp_path))]) == 2
    assert "UNREADABLE 无法读取" in capsys.readouterr().err

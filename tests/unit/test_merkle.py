"""RFC 9162 hashing and proofs (renovation.ledger.merkle), against a literal reading of the RFC."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from renovation.ledger.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)


def mth(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) exactly as RFC 9162 §2.1.1 writes it."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def leaves_of(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def test_hashes_carry_the_rfc_prefixes():
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert MerkleTree([]).root() == hashlib.sha256(b"").digest()


def test_known_tiles_give_the_same_root_as_the_leaves():
    leaves = leaves_of(1000)
    tiles = {(start, 256): mth(leaves[start : start + 256]) for start in (0, 256, 512)}
    sparse = {i: leaves[i] for i in range(768, 1000)}
    assert MerkleTree(sparse, size=1000, known=tiles).root() == mth(leaves)


def _altered(proof: list[bytes], index: int) -> list[bytes]:
    changed = list(proof)
    changed[index] = bytes([changed[index][0] ^ 1]) + changed[index][1:]
    return changed


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.data())
def test_inclusion_proofs_verify_and_any_alteration_fails(size, data):
    leaves = leaves_of(size)
    tree = MerkleTree(leaves)
    root = tree.root()
    assert root == mth(leaves)
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = tree.inclusion_proof(index)
    assert verify_inclusion(index, size, leaves[index], proof, root)
    # a wrong index, a wrong size, another leaf, a changed, missing or extra hash: refused
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="other") \
        if size > 1 else None
    if other is not None:
        assert not verify_inclusion(other, size, leaves[index], proof, root)
        assert not verify_inclusion(index, size, leaves[other], proof, root)
    # a size is bound to its root (a checkpoint signs both): the proof fails against the
    # checkpoint of another size
    wrong_size = data.draw(
        st.integers(index + 1, 400).filter(lambda s: s != size), label="wrong size"
    )
    assert not verify_inclusion(index, wrong_size, leaves[index], proof, mth(leaves_of(wrong_size)))
    if proof:
        spot = data.draw(st.integers(0, len(proof) - 1), label="spot")
        assert not verify_inclusion(index, size, leaves[index], _altered(proof, spot), root)
        assert not verify_inclusion(index, size, leaves[index], proof[:-1], root)
    assert not verify_inclusion(index, size, leaves[index], [*proof, root], root)
    assert not verify_inclusion(size, size, leaves[index], proof, root)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.data())
def test_consistency_proofs_verify_and_any_alteration_fails(size, data):
    leaves = leaves_of(size)
    tree = MerkleTree(leaves)
    old = data.draw(st.integers(1, size), label="old size")
    proof = tree.consistency_proof(old)
    old_root, root = mth(leaves[:old]), tree.root()
    assert tree.root(old) == old_root
    assert verify_consistency(old, size, old_root, root, proof)
    if old == size:
        assert proof == []
        return
    wrong_old = data.draw(
        st.integers(1, size).filter(lambda m: m != old), label="wrong old size"
    )
    assert not verify_consistency(wrong_old, size, mth(leaves[:wrong_old]), root, proof)
    assert not verify_consistency(old, size + 1, old_root, mth(leaves_of(size + 1)), proof)
    assert not verify_consistency(old, size, root, root, proof)
    assert not verify_consistency(old, size, old_root, old_root, proof)
    spot = data.draw(st.integers(0, len(proof) - 1), label="spot")
    assert not verify_consistency(old, size, old_root, root, _altered(proof, spot))
    assert not verify_consistency(old, size, old_root, root, proof[:-1])
    assert not verify_consistency(old, size, old_root, root, [*proof, root])


def test_proofs_outside_the_tree_are_refused():
    tree = MerkleTree(leaves_of(5))
    for call in (
        lambda: tree.inclusion_proof(5),
        lambda: tree.inclusion_proof(0, 6),
        lambda: tree.consistency_proof(0),
        lambda: tree.consistency_proof(3, 2),
    ):
        try:
            call()
        except ValueError:
            continue
        raise AssertionError("a proof outside the tree was given")

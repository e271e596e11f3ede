"""RFC 9162 Merkle tree hashing (§2.1), proofs and their verification; pure: bytes in, bytes out.

Indices here are 0-based leaf indices (the audit log's position p is leaf index p - 1).
A :class:`MerkleTree` computes the tree head and proofs from leaf hashes; the hashes of
complete subtrees (whose leaves never change in an append-only log) may be given to it
already known, so a tree of 100,000 leaves needs only a few hundred stored hashes and the
leaves of at most three 256-leaf blocks to answer any root or proof.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _complete(start: int, size: int) -> bool:
    """Whether [start, start + size) is a complete subtree: a power-of-two size, aligned."""
    return size & (size - 1) == 0 and start % size == 0


class MerkleTree:
    """The tree over ``leaves`` (leaf hashes: a sequence, or a mapping of the indices needed).

    ``known``: hashes of complete subtrees, keyed by (start index, size), e.g. stored ones;
    complete subtrees computed here are remembered too (they never change).
    """

    def __init__(
        self,
        leaves: Sequence[bytes] | Mapping[int, bytes],
        size: int | None = None,
        known: Mapping[tuple[int, int], bytes] | None = None,
        remember_from: int = 2,
    ) -> None:
        self.leaves = leaves
        self.size = len(leaves) if size is None else size
        self.known: dict[tuple[int, int], bytes] = dict(known or {})
        self.remember_from = remember_from

    def subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) of this tree's leaves."""
        size = end - start
        if size == 0:
            return EMPTY_ROOT
        if size == 1:
            return self.leaves[start]
        complete = _complete(start, size)
        if complete and (found := self.known.get((start, size))) is not None:
            return found
        k = split_point(size)
        value = node_hash(self.subtree(start, start + k), self.subtree(start + k, end))
        if complete and size >= self.remember_from:
            self.known[(start, size)] = value
        return value

    def root(self, size: int | None = None) -> bytes:
        """The tree head hash at ``size`` leaves (the whole tree by default)."""
        size = self.size if size is None else size
        self._check_size(size)
        return self.subtree(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]) (RFC 9162 §2.1.3.1)."""
        size = self.size if size is None else size
        self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} is not in a tree of size {size}")
        proof: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = split_point(end - start)
            if index < start + k:
                proof.append(self.subtree(start + k, end))
                end = start + k
            else:
                proof.append(self.subtree(start, start + k))
                start += k
        proof.reverse()
        return proof

    def consistency_proof(self, old_size: int, size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[0:size]) = SUBPROOF(old_size, D[0:size], true) (RFC 9162 §2.1.4.1)."""
        size = self.size if size is None else size
        self._check_size(size)
        if not 0 < old_size <= size:
            raise ValueError(f"no consistency proof from size {old_size} to {size}")
        proof: list[bytes] = []
        start, end, m, whole = 0, size, old_size, True
        while m != end - start:
            k = split_point(end - start)
            if m <= k:
                proof.append(self.subtree(start + k, end))
                end = start + k
            else:
                proof.append(self.subtree(start, start + k))
                start, m, whole = start + k, m - k, False
        if not whole:
            proof.append(self.subtree(start, end))
        proof.reverse()
        return proof

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} is beyond the tree's {self.size} leaves")


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes."""
    return MerkleTree(leaves).root()


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` place ``leaf`` at ``index`` of the tree ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, size: int, old_root: bytes, root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree ``old_root`` of ``old_size`` a prefix of ``root``?"""
    if not 0 < old_size <= size:
        return False
    if old_size == size:
        return not proof and old_root == root
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == root

"""The Merkle tree of RFC 9162 (Certificate Transparency v2), section 2.1, over SHA-256.

Pure functions over leaf hashes, used by the portal and by the standalone verifier (so this
module needs the standard library only). A tree over n leaves is split at the largest power of
two below n; a leaf's hash is SHA-256(0x00 || bytes), an interior node's SHA-256(0x01 || left ||
right), the empty tree's SHA-256 of nothing.

Storage keeps the hash of every *complete* subtree: node ``(level, index)`` covers leaves
``index * 2**level`` to ``(index + 1) * 2**level - 1``. Any range that the RFC's recursion
names (the proofs' sibling hashes) starts at a multiple of the smallest power of two at least
its size, so it is a handful of complete subtrees folded from the right (``range_nodes``):
a proof asks for O(log n) stored hashes, in one query (``merkle.NodeReader``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
Node = tuple[int, int]  # (level, index) of a complete subtree
Range = tuple[int, int]  # leaves [start, end)


class ProofError(ValueError):
    """A proof that does not prove what it claims, or arguments out of range."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly below ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaves(leaves: Sequence[bytes]) -> bytes:
    """The tree head over leaf hashes in O(n), with a stack of complete subtrees."""
    stack: list[bytes] = []
    for position, leaf in enumerate(leaves):
        stack.append(leaf)
        done = position + 1
        while done % 2 == 0:  # every trailing zero bit of the count completes a subtree
            right = stack.pop()
            stack[-1] = node_hash(stack[-1], right)
            done //= 2
    return fold_right(stack) if stack else EMPTY_ROOT


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """H(a1, H(a2, ... H(a_{m-1}, a_m))): the hash of a range from its complete subtrees."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def range_nodes(start: int, end: int) -> list[Node]:
    """The complete subtrees, left to right, whose right fold is MTH(D[start:end]).

    ``start`` must be a multiple of the smallest power of two >= ``end - start``, as for every
    range of the RFC's recursion.
    """
    nodes: list[Node] = []
    size = end - start
    while size & (size - 1):  # not a power of two: split as the RFC does
        k = split_point(size)
        nodes.append((k.bit_length() - 1, start // k))
        start, size = start + k, size - k
    nodes.append((size.bit_length() - 1, start // size))
    return nodes


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes form PATH(index, D[0:size]) (RFC 9162 2.1.3.1), leaf first."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index - start < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The ranges whose hashes form PROOF(first, D[0:second]) (RFC 9162 2.1.4.1)."""
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    ranges: list[Range] = []
    start, end, m, whole = 0, second, first, True
    while True:
        n = end - start
        if m == n:
            if not whole:
                ranges.append((start, end))
            break
        k = split_point(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, whole = start + k, m - k, False
    ranges.reverse()
    return ranges


def hash_ranges(ranges: Iterable[Range], read: Callable[[Iterable[Node]], Mapping[Node, bytes]]
                ) -> list[bytes]:
    """The hashes of ``ranges``, from the complete subtrees that ``read`` returns in one call."""
    pieces = [range_nodes(start, end) for start, end in ranges]
    stored = read({node for nodes in pieces for node in nodes})
    return [fold_right([stored[node] for node in nodes]) for nodes in pieces]


def complete_subtrees(leaves: Sequence[bytes]) -> dict[Node, bytes]:
    """Every complete subtree of a tree over ``leaves`` (for tests and small trees)."""
    nodes: dict[Node, bytes] = {(0, i): leaf for i, leaf in enumerate(leaves)}
    level, width = 0, len(leaves)
    while width > 1:
        for i in range(width // 2):
            nodes[(level + 1, i)] = node_hash(nodes[(level, 2 * i)], nodes[(level, 2 * i + 1)])
        level, width = level + 1, width // 2
    return nodes


def new_nodes(size: int, leaf: bytes, frontier: Mapping[Node, bytes]) -> dict[Node, bytes]:
    """The complete subtrees that appending ``leaf`` as leaf number ``size`` completes.

    ``frontier`` holds (at least) the left siblings it needs: ``frontier_nodes(size)``.
    """
    made = {(0, size): leaf}
    level, index, current = 0, size, leaf
    while index % 2 == 1:
        current = node_hash(frontier[(level, index - 1)], current)
        level, index = level + 1, index // 2
        made[(level, index)] = current
    return made


def frontier_nodes(size: int) -> list[Node]:
    """The complete subtrees along the right edge of a tree of ``size`` leaves, largest first
    (their right fold is the tree head)."""
    return range_nodes(0, size) if size else []


def root_from_frontier(size: int, frontier: Mapping[Node, bytes]) -> bytes:
    """The tree head from its right-edge subtrees."""
    if size == 0:
        return EMPTY_ROOT
    return fold_right([frontier[node] for node in frontier_nodes(size)])


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[0:n]) computed from the leaf hashes (for tests and the verifier)."""
    nodes = complete_subtrees(leaves)
    return hash_ranges(inclusion_ranges(index, len(leaves)), lambda _wanted: nodes)


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(first, D[0:n]) computed from the leaf hashes (for tests and the verifier)."""
    nodes = complete_subtrees(leaves)
    return hash_ranges(consistency_ranges(first, len(leaves)), lambda _wanted: nodes)


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that an inclusion proof leads to (RFC 9162 2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    if any(len(item) != HASH_SIZE for item in [leaf, *proof]):
        raise ProofError("a hash is not 32 bytes long")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the proof is too long")
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes],
                     root: bytes) -> None:
    """Raise ProofError unless ``proof`` shows leaf ``index`` in the tree with head ``root``."""
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError("the inclusion proof does not lead to the tree head")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """Raise ProofError unless the tree of ``second`` leaves extends the one of ``first``
    (RFC 9162 2.1.4.2)."""
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    if any(len(item) != HASH_SIZE for item in proof):
        raise ProofError("a hash is not 32 bytes long")
    if first == second:
        if proof or first_root != second_root:
            raise ProofError("equal sizes need equal heads and an empty proof")
        return
    if first == 0:
        if proof:
            raise ProofError("the empty tree needs an empty proof")
        return
    if not proof:
        raise ProofError("the proof is empty")
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first tree is a subtree
        path.insert(0, first_root)
    fr, sr = _consistency_roots(first - 1, second - 1, path)
    if fr != first_root or sr != second_root:
        raise ProofError("the consistency proof does not lead to both tree heads")


def _consistency_roots(fn: int, sn: int, path: Sequence[bytes]) -> tuple[bytes, bytes]:
    """Steps 3 to 6 of RFC 9162 2.1.4.2: the two roots a consistency path leads to."""
    while fn % 2 == 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the proof is too long")
        if fn % 2 == 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof is too short")
    return fr, sr

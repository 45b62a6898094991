"""RFC 9162 section 2.1: tree heads and proofs against published vectors and a naive tree.

The vectors are those of the Certificate Transparency reference implementations, as published
in transparency-dev/merkle (``proof/verify_test.go``: ``leaves``, ``roots``,
``inclusionProofs`` and ``consistencyProofs``; they are the same as certificate-transparency-go's
``merkle`` test vectors). Their inclusion vectors number leaves from 1; here from 0.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.transparency import merkle

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]


def h(*hexes: str) -> list[bytes]:
    return [bytes.fromhex(value) for value in hexes]


INCLUSION = [  # (index from 0, tree size, proof)
    (0, 1, []),
    (0, 8, h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (5, 8, h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 3, h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (1, 5, h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
]
CONSISTENCY = [  # (first size, second size, proof)
    (1, 1, []),
    (1, 8, h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 5, h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (6, 7, h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
]
HASHES = [merkle.leaf_hash(leaf) for leaf in LEAVES]


def naive_root(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 9162 2.1.1 writes it, recursively."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = merkle.split_point(len(leaves))
    return merkle.node_hash(naive_root(leaves[:k]), naive_root(leaves[k:]))


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1, recursively."""
    if len(leaves) == 1:
        return []
    k = merkle.split_point(len(leaves))
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_root(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_root(leaves[:k])]


def naive_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 9162 2.1.4.1, recursively."""
    n = len(leaves)
    if m == n:
        return [] if whole else [naive_root(leaves)]
    k = merkle.split_point(n)
    if m <= k:
        return [*naive_subproof(m, leaves[:k], whole), naive_root(leaves[k:])]
    return [*naive_subproof(m - k, leaves[k:], False), naive_root(leaves[:k])]


def test_the_empty_tree_is_the_hash_of_nothing():
    assert merkle.root_from_leaves([]) == bytes.fromhex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


@pytest.mark.parametrize("size", range(1, 9))
def test_tree_heads_match_the_reference_vectors(size):
    assert merkle.root_from_leaves(HASHES[:size]) == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_reference_vectors(index, size, proof):
    assert merkle.inclusion_proof(index, HASHES[:size]) == proof
    merkle.verify_inclusion(index, size, HASHES[index], proof, ROOTS[size - 1])


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_reference_vectors(first, second, proof):
    assert merkle.consistency_proof(first, HASHES[:second]) == proof
    merkle.verify_consistency(first, second, ROOTS[first - 1], ROOTS[second - 1], proof)


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION[1:])
def test_a_changed_inclusion_proof_fails(index, size, proof):
    root, leaf = ROOTS[size - 1], HASHES[index]
    bad = [bytes([proof[0][0] ^ 8]) + proof[0][1:], *proof[1:]]
    for args in ((index, size, leaf, bad, root), (index, size, leaf, proof[:-1], root),
                 (index, size, leaf, [*proof, root], root),
                 (index, size, merkle.leaf_hash(b"x"), proof, root),
                 (index, size * 2, leaf, proof, root), (index ^ 1, size, leaf, proof, root)):
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args)


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY[1:])
def test_a_changed_consistency_proof_fails(first, second, proof):
    r1, r2 = ROOTS[first - 1], ROOTS[second - 1]
    bad = [bytes([proof[0][0] ^ 16]) + proof[0][1:], *proof[1:]]
    for args in ((first, second, r1, r2, bad), (first, second, r1, r2, proof[:-1]),
                 (first, second, r1, r2, []), (first, second, r2, r1, proof),
                 (first, second, r1, r2, [*proof, r1])):
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=300))
def test_heads_and_appends_agree_with_the_recursive_definition(n):
    leaves = _leaves(n)
    assert merkle.root_from_leaves(leaves) == naive_root(leaves)
    stored: dict = {}
    for size, leaf in enumerate(leaves):
        stored.update(merkle.new_nodes(size, leaf, stored))
    assert stored == merkle.complete_subtrees(leaves)
    assert merkle.root_from_frontier(n, stored) == naive_root(leaves)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=300).flatmap(
    lambda n: st.tuples(st.just(n), st.integers(min_value=0, max_value=n - 1))))
def test_inclusion_proofs_agree_with_the_recursive_definition(args):
    n, m = args
    leaves = _leaves(n)
    proof = merkle.inclusion_proof(m, leaves)
    assert proof == naive_path(m, leaves)
    merkle.verify_inclusion(m, n, leaves[m], proof, naive_root(leaves))


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=300).flatmap(
    lambda n: st.tuples(st.integers(min_value=1, max_value=n), st.just(n))))
def test_consistency_proofs_agree_with_the_recursive_definition(args):
    m, n = args
    leaves = _leaves(n)
    proof = merkle.consistency_proof(m, leaves)
    assert proof == (naive_subproof(m, leaves, True) if m < n else [])
    merkle.verify_consistency(m, n, naive_root(leaves[:m]), naive_root(leaves), proof)
    if m < n:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(m, n, naive_root(leaves[:m]),
                                      naive_root([*leaves[:-1], leaves[0]]), proof)

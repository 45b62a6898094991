"""Signed notes, verifier keys and checkpoints in Go's sumdb / C2SP format, and canonical JSON.

The known-good example is Go's own (golang.org/x/mod, ``sumdb/note/note_test.go``: TestSign,
TestNewVerifier, TestOpen): the key pair of "PeterNeumann" and the note it signs.
"""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

import pytest

from portal.transparency import note
from portal.transparency.canonical import CanonicalError, canonical_json

GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_SIG = ("\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqf"
          "qdngotpRZb6KE6RyyBwJnAM=\n")
ENOCH_SIG = ("\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01"
             "oOTGwnWLox33WWd1RvMc+QQ=\n")


def test_signing_gives_go_s_note_byte_for_byte():
    signer = note.parse_signing_key(GO_SKEY, "ignored")
    assert signer.name == "PeterNeumann"
    assert signer.verifier.vkey == GO_VKEY
    assert signer.sign(GO_TEXT) == GO_TEXT + "\n" + GO_SIG


def test_go_s_note_opens_with_its_verifier_key_and_skips_unknown_signers():
    opened = note.open_note(GO_TEXT + "\n" + GO_SIG + ENOCH_SIG, [note.parse_vkey(GO_VKEY)])
    assert opened.text == GO_TEXT
    assert opened.signed_by == ("PeterNeumann",)


@pytest.mark.parametrize("message", [
    GO_TEXT,  # no signature
    GO_TEXT + "\n",
    GO_TEXT + "\n" + GO_SIG[:-1],  # no final newline
    "\x01" + GO_TEXT + "\n" + GO_SIG,
    GO_TEXT + "\n" + GO_SIG + "Unexpected line.\n",
    GO_TEXT + "\n" + GO_SIG.replace("PeterNeumann", "Bad Name"),
    GO_TEXT + "\n" + ENOCH_SIG,  # signed, but by nobody we know
])
def test_malformed_or_unverifiable_notes_are_refused(message):
    with pytest.raises(note.NoteError):
        note.open_note(message, [note.parse_vkey(GO_VKEY)])


def test_a_forged_signature_is_refused():
    forged = GO_SIG[:60] + "ABCD" + GO_SIG[60:]
    with pytest.raises(note.NoteError, match="invalid signature"):
        note.open_note(GO_TEXT + "\n" + forged, [note.parse_vkey(GO_VKEY)])
    with pytest.raises(note.NoteError, match="invalid signature"):
        note.open_note(GO_TEXT.replace("answer", "answers") + "\n" + GO_SIG,
                       [note.parse_vkey(GO_VKEY)])


@pytest.mark.parametrize("vkey", [
    GO_VKEY[:-1], GO_VKEY.replace("c74f20a3", "c74f20a4"), "PeterNeumann+c74f20a3",
    "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # unknown algorithm
    GO_VKEY.replace("PeterNeumann", "Peter Neumann")])
def test_mangled_verifier_keys_are_refused(vkey):
    with pytest.raises(note.NoteError):
        note.parse_vkey(vkey)


def test_a_checkpoint_round_trips_through_a_signed_note():
    signer = note.signer_from_seed("example.org/log", bytes(range(32)))
    checkpoint = note.Checkpoint("example.org/log", 7, bytes(32))
    assert checkpoint.text == f"example.org/log\n7\n{base64.b64encode(bytes(32)).decode()}\n"
    opened = note.open_note(signer.sign(checkpoint.text), [signer.verifier])
    assert note.parse_checkpoint(opened.text) == checkpoint
    key_id = signer.verifier.vkey.split("+")[1]
    assert len(key_id) == 8 and int(key_id, 16) >= 0


@pytest.mark.parametrize("text", ["o\n-1\nAAAA\n", "o\n07\n" + "A" * 43 + "=\n", "o\n1\n",
                                  "o\n1\nAAAA\n"])
def test_malformed_checkpoints_are_refused(text):
    with pytest.raises(note.NoteError):
        note.parse_checkpoint(text)


def test_canonical_json_sorts_keys_and_writes_no_whitespace():
    value = {"b": [1, True, None], "a": "电价 \"x\"\n", "c": Decimal("0.5380"),
             "d": date(2024, 1, 2), "€": 1, "\U0001f600": 2, "\ufb01": 3}
    # Keys sorted by UTF-16 code units: U+1F600 (D83D DE00) sorts before U+FB01.
    assert canonical_json(value) == (
        '{"a":"电价 \\"x\\"\\n","b":[1,true,null],"c":"0.5380","d":"2024-01-02","€":1,'
        '"\U0001f600":2,"\ufb01":3}').encode()
    assert canonical_json({"x": "\x1f"}) == b'{"x":"\\u001f"}'


@pytest.mark.parametrize("value", [1.5, 2**53, {1: "a"}, "\ud800", {"\ud800": 1}, object(),
                                   Decimal("NaN")])
def test_canonical_json_refuses_what_it_does_not_support(value):
    with pytest.raises(CanonicalError):
        canonical_json(value)

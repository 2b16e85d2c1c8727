"""Signatures checked ahead (supervision.signing.ahead): an answer worked out in the
helper counts only for exactly the payload, signature and certificate bytes it was
worked out for. (The whole attack catalogue is also judged with the helper on, in
tests/test_attacks.py, and must give the same findings.)"""

from __future__ import annotations

from supervision.signing.openpgp import BAD, GOOD, Keyring, read_certs


def _signed(keyrings, name: str) -> tuple[bytes, bytes, bytes, bytes]:
    """A payload, its detached signature, and the signer's certificate twice: as made,
    and after one more user id (same key and fingerprint, other bytes)."""
    fpr = keyrings.new_key(name, f"Memo Test ({name}) <{name}@example.invalid>")
    first = keyrings.export(name, fpr)
    keyrings.gpg(name, "--quick-add-uid", fpr, f"Memo Two <{name}2@example.invalid>")
    second = keyrings.export(name, fpr)
    payload = b"tree 0000\nauthor Someone\n\nA record signed off.\n"
    signature = keyrings.gpg(name, "--armor", "--detach-sign", "--local-user", fpr,
                             input=payload).stdout
    return payload, signature, first, second


def test_an_answer_counts_only_for_the_certificate_it_was_worked_out_with(keyrings) -> None:
    payload, signature, first, second = _signed(keyrings, "memo-a")
    (cert_a,), (cert_b,) = read_certs(first), read_certs(second)
    ring_a, ring_b = Keyring([cert_a]), Keyring([cert_b])
    assert ring_a.digest(cert_a) != ring_b.digest(cert_b)
    assert cert_a.fingerprint == cert_b.fingerprint
    changed = payload.replace(b"signed off", b"signed offf")
    assert ring_a.verify(changed, signature).status == BAD
    # A wrong answer for certificate A (as a bug or a stale memo would give):
    wrong = {(changed, signature, ring_a.digest(cert_a)): True}
    assert ring_a.verify(changed, signature, known=wrong).status == GOOD  # it is used...
    assert ring_b.verify(changed, signature, known=wrong).status == BAD  # ...for A only


def test_an_answer_counts_only_for_its_payload_and_signature(keyrings) -> None:
    payload, signature, first, _second = _signed(keyrings, "memo-b")
    (cert,) = read_certs(first)
    ring = Keyring([cert])
    digest = ring.digest(cert)
    changed = payload + b"\nSupervision-Role: supervisor\n"
    other_signature = signature.replace(b"-----END", b"\n-----END", 1)
    wrong = {(payload, signature, digest): False,  # the true payload's answer, flipped
             (changed, other_signature, digest): True}
    assert ring.verify(payload, signature).status == GOOD
    assert ring.verify(changed, signature, known=wrong).status == BAD
    assert ring.verify(payload, other_signature).status == GOOD
    assert ring.verify(payload, signature, known=wrong).status == BAD  # used when exact
    assert ring.verify(payload, other_signature, known=wrong).status == GOOD

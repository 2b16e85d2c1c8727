"""A commit's signature read from its armor (supervision.signing.openpgp.read_signature).

gpg's armor is decoded in Python and only the packets handed to Sequoia (its own
armor reader takes ten times as long, once per signed commit); the packets must be
exactly what `gpg --dearmor` gives, and any other shape of armor must be judged as
Sequoia alone judges it: the same signature read, or refused the same way.
"""

from __future__ import annotations

import pysequoia
import pytest

from supervision.signing.openpgp import (
    BAD,
    GOOD,
    UNREADABLE,
    Keyring,
    _dearmored,
    read_certs,
    read_signature,
)

PAYLOAD = b"tree 0000\nauthor Someone\n\nA record signed off.\n"


@pytest.fixture(scope="module")
def signed(keyrings) -> tuple[bytes, Keyring, bytes]:
    """gpg's armored detached signature of PAYLOAD, the signer's keyring, and the same
    signature as gpg dearmors it."""
    fpr = keyrings.new_key("armor", "Armor Test <armor@example.invalid>")
    (cert,) = read_certs(keyrings.export("armor", fpr))
    signature = keyrings.gpg("armor", "--armor", "--detach-sign", "--local-user", fpr,
                             input=PAYLOAD).stdout
    binary = keyrings.gpg("armor", "--dearmor", input=signature).stdout
    return signature, Keyring([cert]), binary


def _same(one: object, other: object) -> None:
    for name in ("issuer_fingerprint", "issuer_key_id", "created", "hash_algorithm"):
        assert getattr(one, name) == getattr(other, name), name


def test_gpgs_armor_is_decoded_to_exactly_the_packets_gpg_dearmors(signed) -> None:
    signature, ring, binary = signed
    assert _dearmored(signature) == binary  # the quick way is the one taken
    _same(read_signature(signature), pysequoia.Sig.from_bytes(signature))
    assert ring.verify(PAYLOAD, signature).status == GOOD
    assert ring.verify(PAYLOAD + b"changed", signature).status == BAD


def _shapes(signature: bytes) -> dict[str, bytes]:
    lines = signature.strip().split(b"\n")
    crc = next(i for i, line in enumerate(lines) if line.startswith(b"="))
    return {
        "a header": lines[0] + b"\nComment: made by a test\n" + b"\n".join(lines[1:]),
        "CRLF line ends": b"\r\n".join(lines) + b"\r\n",
        "no checksum": b"\n".join(lines[:crc] + lines[crc + 1:]),
        "a wrong checksum": b"\n".join(lines[:crc] + [b"=AAAA"] + lines[crc + 1:]),
        "indented lines": b"\n".join(b"  " + line for line in lines),
        "text after the end": signature + b"and something else\n",
        "no blank line before the data": b"\n".join(lines[:1] + lines[2:]),
    }


@pytest.mark.parametrize("shape", ["a header", "CRLF line ends", "no checksum",
                                   "a wrong checksum", "indented lines",
                                   "text after the end", "no blank line before the data"])
def test_other_shapes_of_armor_are_judged_as_sequoia_judges_them(signed, shape) -> None:
    signature, ring, _binary = signed
    variant = _shapes(signature)[shape]
    try:
        theirs = pysequoia.Sig.from_bytes(variant)
    except Exception:  # noqa: BLE001 - Sequoia refuses it: so must we
        with pytest.raises(Exception):  # noqa: B017
            read_signature(variant)
        assert ring.verify(PAYLOAD, variant).status == UNREADABLE
        return
    _same(read_signature(variant), theirs)
    expected = GOOD if pysequoia.verify(bytes=PAYLOAD, store=lambda _ids: list(
        ring.certs.values()), signature=theirs).valid_sigs else BAD
    assert ring.verify(PAYLOAD, variant).status == expected


@pytest.mark.parametrize("bad", [
    b"-----BEGIN PGP SIGNATURE-----\n\nnot base64 at all!\n-----END PGP SIGNATURE-----\n",
    b"-----BEGIN PGP SIGNATURE-----\n\n\n-----END PGP SIGNATURE-----\n",
    b"-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n",
    b"not armor\n",
])
def test_what_is_not_a_signature_is_unreadable(signed, bad: bytes) -> None:
    _signature, ring, _binary = signed
    with pytest.raises(Exception):  # noqa: B017
        pysequoia.Sig.from_bytes(bad)
    with pytest.raises(Exception):  # noqa: B017
        read_signature(bad)
    assert ring.verify(PAYLOAD, bad).status == UNREADABLE

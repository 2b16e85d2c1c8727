"""The envelope: one random 256-bit data key per record version, AES-256-GCM.

The associated data binds a ciphertext to the record's path and to the exact
bytes of its clear part, so it cannot be moved to another record, nor its clear
fields edited, without failing to open. This is the only composition here:
the AEAD itself is ``cryptography``'s AESGCM.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
_LABEL = b"supervision-seal/1\0"


class EnvelopeError(ValueError):
    """The ciphertext does not open with this key, path and clear part."""


@dataclass(frozen=True, slots=True)
class Sealed:
    nonce: bytes
    ciphertext: bytes  # with the GCM tag at its end


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def associated_data(path: str, clear: bytes) -> bytes:
    encoded = path.encode("utf-8")
    return _LABEL + len(encoded).to_bytes(4, "big") + encoded + clear


def seal(key: bytes, plaintext: bytes, path: str, clear: bytes) -> Sealed:
    nonce = os.urandom(NONCE_BYTES)
    return Sealed(nonce, AESGCM(key).encrypt(nonce, plaintext, associated_data(path, clear)))


def open_sealed(key: bytes, sealed: Sealed, path: str, clear: bytes) -> bytes:
    if len(key) != KEY_BYTES or len(sealed.nonce) != NONCE_BYTES:
        raise EnvelopeError("the data key or nonce has the wrong length")
    try:
        return AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext,
                                   associated_data(path, clear))
    except InvalidTag:
        raise EnvelopeError("the sealed answers do not open: the record's path or clear "
                            "part changed after sealing, or the key is not this record's"
                            ) from None

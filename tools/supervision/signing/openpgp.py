"""OpenPGP in this process (pysequoia): read certificates, check signatures, and
encrypt a small secret (a sealed record's data key) to certificates.

Verification never touches anyone's GnuPG keyring or its trust settings: a
:class:`Keyring` holds exactly the certificates the caller decided to trust
(for sign-off: the ones registered in the repository at that point in its
history). Sequoia checks that the signing key was alive, not expired and not
revoked when the signature was made.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pysequoia
from pysequoia.packet import PacketPile, SignatureType, Tag

GOOD = "good"
BAD = "bad"
UNREADABLE = "unreadable"
UNKNOWN_KEY = "unknown-key"
EXPIRED = "expired"
REVOKED = "revoked"
BACKDATED = "backdated"
FUTURE = "future"  # dated after the verifying machine's clock (set by the verifier)
WEAK_KEY = "weak-key"  # RSA, DSA or ElGamal under MIN_BITS
WEAK_HASH = "weak-hash"  # SHA-1, MD5 or RIPEMD-160
NOT_SIGNING = "not-signing"  # made by a (sub)key whose binding does not allow signing

#: How far ahead of the verifying machine's clock a signature may be dated.
FUTURE_SKEW = 5 * 60
#: The smallest RSA, DSA or ElGamal key accepted (NIST SP 800-131A; Sequoia's policy).
MIN_BITS = 2048
_WEAK_HASHES = frozenset({"MD5", "SHA1", "RipeMD"})
_FIELD_SIZE_ALGORITHMS = frozenset({"RSAEncryptSign", "RSASign", "RSAEncrypt", "DSA",
                                    "ElGamalEncrypt", "ElGamalEncryptSign"})

_SELF_SIGS = (SignatureType.DirectKey, SignatureType.PositiveCertification,
              SignatureType.GenericCertification, SignatureType.CasualCertification,
              SignatureType.PersonaCertification, SignatureType.SubkeyBinding)


_ARMOR_BEGIN = b"-----BEGIN PGP SIGNATURE-----"
_ARMOR_END = b"-----END PGP SIGNATURE-----"


def read_signature(signature: bytes) -> Any:
    """A signature (a commit's ``gpgsig``) as a ``pysequoia.Sig``; raises on bytes that
    are not one.

    Armor as gpg and Sequoia write it (the label, optional headers, a blank line,
    base64 lines, an optional checksum line, the end label) is decoded here and the
    packets handed to Sequoia, which reads them a tenth of the time it takes to read
    the armor itself (about 6 against 64 microseconds, once per signed commit). Any
    other shape is left to Sequoia's own armor reader. The checksum is not checked:
    Sequoia ignores it too (RFC 9580), and the signature is judged on its packets.
    """
    binary = _dearmored(signature)
    if binary is not None:
        try:
            return pysequoia.Sig.from_bytes(binary)
        except Exception:  # noqa: BLE001 - Sequoia says what is wrong with the armor
            pass
    return pysequoia.Sig.from_bytes(signature)


def _dearmored(signature: bytes) -> bytes | None:
    lines = signature.strip().split(b"\n")
    if len(lines) < 3 or lines[0].rstrip() != _ARMOR_BEGIN or \
            lines[-1].rstrip() != _ARMOR_END:
        return None
    body = [line.strip() for line in lines[1:-1]]
    try:
        body = body[body.index(b"") + 1:]  # after the headers
    except ValueError:
        return None
    if body and body[-1][:1] == b"=":
        body.pop()  # the checksum
    try:
        return base64.b64decode(b"".join(body), validate=True) or None
    except (binascii.Error, ValueError):
        return None


class CertError(ValueError):
    """The bytes are not an OpenPGP certificate."""


@dataclass(frozen=True, slots=True)
class KeyInfo:
    fingerprint: str  # upper case, no spaces
    created: dt.datetime | None
    expires: dt.datetime | None
    revoked: bool
    can_sign: bool
    has_secret: bool
    user_ids: tuple[str, ...]
    #: e.g. "RSA 1024 bits" when the key is too weak to be trusted, else None.
    weakness: str | None = None


@dataclass(frozen=True, slots=True)
class _Component:
    created: dt.datetime | None
    expires: dt.datetime | None
    can_sign: bool = False
    weakness: str | None = None


def _attr(obj: Any, name: str, default: Any = None) -> Any:
    """A certificate property, or ``default`` when Sequoia's policy refuses to compute it
    (it raises for a key it rejects, e.g. RSA-1024): never an exception to the caller."""
    try:
        return getattr(obj, name)
    except Exception:
        return default


def _name(value: Any) -> str:
    return str(value).rsplit(".", 1)[-1]


def _weakness(packet: Any) -> str | None:
    """'RSA 1024 bits' for a key packet whose algorithm is too weak to trust, else None."""
    algorithm = _name(packet.key_algorithm)
    if algorithm not in _FIELD_SIZE_ALGORITHMS:
        return None
    body = bytes(packet.body)
    # v4: version, 4 bytes of creation time, algorithm, then the first MPI's bit count;
    # v6 adds a 4-byte length of the key material before it.
    start = 6 if body[:1] == b"\x04" else 10
    bits = int.from_bytes(body[start:start + 2], "big") if len(body) >= start + 2 else 0
    if bits >= MIN_BITS:
        return None
    family = "RSA" if algorithm.startswith("RSA") else algorithm.replace(
        "EncryptSign", "").replace("Encrypt", "")
    return f"{family} {bits} bits"


def read_certs(data: bytes) -> list[Any]:
    """Every certificate in ``data`` (armored or binary); CertError if unreadable."""
    try:
        return list(pysequoia.Cert.split_bytes(data))
    except Exception as exc:  # pysequoia raises RuntimeError with a Rust backtrace
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CertError(f"not an OpenPGP key: {first}") from None


def _components(cert: Any) -> tuple[dict[str, _Component], bool]:
    """Key handles (fingerprints and key ids, lower case) -> creation, expiry, whether
    its latest binding allows signing, and any weakness; plus whether any can sign."""
    out: dict[str, _Component] = {}
    can_sign = False
    current: list[str] = []
    created: dt.datetime | None = None
    latest: dt.datetime | None = None
    validity: dt.timedelta | None = None
    signs = False
    weak: str | None = None

    def close() -> None:
        expires = created + validity if created is not None and validity else None
        for handle in current:
            out[handle] = _Component(created, expires, signs, weak)

    for packet in PacketPile.from_bytes(bytes(cert)):
        tag = packet.tag
        if tag in (Tag.PublicKey, Tag.PublicSubkey, Tag.SecretKey, Tag.SecretSubkey):
            close()
            current = [h for h in (packet.fingerprint, packet.key_id) if h]
            created, latest, validity, signs = packet.key_created, None, None, False
            weak = _weakness(packet)
        elif tag == Tag.Signature and packet.signature_type in _SELF_SIGS:
            made = packet.signature_created
            if made is not None and (latest is None or made >= latest):
                latest, validity = made, packet.key_validity_period
                flags = packet.key_flags
                signs = flags is not None and bool(flags.signing)
                can_sign = can_sign or signs
    close()
    return out, can_sign


def can_encrypt(cert: Any) -> bool:
    """Whether the certificate has a live (sub)key whose latest binding allows
    encryption (``keys create`` adds a cv25519 one; sign-only keys have none)."""
    latest: dict[str, tuple[dt.datetime | None, bool]] = {}
    current = ""
    for packet in PacketPile.from_bytes(bytes(cert)):
        if packet.tag in (Tag.PublicKey, Tag.PublicSubkey, Tag.SecretKey, Tag.SecretSubkey):
            current = str(packet.fingerprint or "")
        elif packet.tag == Tag.Signature and packet.signature_type in _SELF_SIGS and current:
            made = packet.signature_created
            before = latest.get(current)
            if before is None or (made is not None and (before[0] is None or made >= before[0])):
                flags = packet.key_flags
                latest[current] = (made, flags is not None and bool(
                    flags.transport_encryption or flags.storage_encryption))
    if bool(_attr(cert, "is_revoked", False)):
        return False
    expiry = _attr(cert, "expiration")
    if expiry is not None and expiry <= dt.datetime.now(dt.UTC):
        return False
    return any(encrypts for _made, encrypts in latest.values())


def encrypt_to(certs: Iterable[Any], data: bytes) -> bytes:
    """A standard OpenPGP message (one PKESK per certificate's encryption subkey)
    holding ``data``, ASCII-armored; CertError when a certificate cannot receive it."""
    recipients = list(certs)
    try:
        return bytes(pysequoia.encrypt(data, recipients=recipients, armor=True))
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CertError(f"cannot encrypt to these keys: {first}") from None


def key_info(cert: Any) -> KeyInfo:
    components, can_sign = _components(cert)
    primary = components.get(cert.fingerprint.lower())
    weak = sorted({c.weakness for c in components.values() if c.weakness})
    return KeyInfo(
        fingerprint=cert.fingerprint.upper(),
        created=primary.created if primary else None,
        expires=_attr(cert, "expiration") or (primary.expires if primary else None),
        revoked=bool(_attr(cert, "is_revoked", False)),
        can_sign=can_sign,
        has_secret=bool(_attr(cert, "has_secret_keys", False)),
        user_ids=tuple(str(u) for u in _attr(cert, "user_ids", ()) or ()),
        weakness=", ".join(weak) or None,
    )


def armored(cert: Any) -> str:
    """The public certificate, ASCII-armored (never secret key material)."""
    return str(cert)


@dataclass(frozen=True, slots=True)
class Verdict:
    status: str
    fingerprint: str | None = None  # the certificate's (primary) fingerprint, upper case
    created: int | None = None  # when the signature says it was made (Unix time)
    #: the signing certificate's expiry (Unix time), and whether it is revoked
    expires: int | None = None
    revoked: bool = False
    detail: str | None = None  # e.g. "RSA 1024 bits", "SHA1"


class Keyring:
    """The certificates trusted at one point in a repository's history."""

    def __init__(self, certs: Iterable[Any]) -> None:
        self.certs: dict[str, Any] = {}
        self._handles: dict[str, tuple[Any, _Component]] = {}
        self._digests: dict[str, bytes] = {}
        for cert in certs:
            self.certs[cert.fingerprint.upper()] = cert
            components, _can_sign = _components(cert)
            for handle, component in components.items():
                self._handles[handle] = (cert, component)

    def __contains__(self, fingerprint: str) -> bool:
        return fingerprint in self.certs

    def holder(self, issuer: str) -> Any:
        """The certificate holding the (sub)key a signature names as its issuer, or None."""
        found = self._handles.get(issuer.lower())
        return found[0] if found is not None else None

    def digest(self, cert: Any) -> bytes:
        """The SHA-256 of one of these certificates' exact bytes (what names it in the
        memo of signatures checked ahead, :mod:`supervision.signing.ahead`)."""
        fingerprint = cert.fingerprint.upper()
        found = self._digests.get(fingerprint)
        if found is None:
            found = self._digests[fingerprint] = hashlib.sha256(bytes(cert)).digest()
        return found

    def verify(self, payload: bytes, signature: bytes, now: int | None = None,
               known: Mapping[tuple[bytes, bytes, bytes], bool] | None = None) -> Verdict:
        """The signature's status against these certificates only.

        Before the cryptography, what cannot be judged is said plainly: a hash or a key
        too weak to trust, or a (sub)key not allowed to sign, each gets its own status
        rather than the misleading "changed after signing". ``known``: Sequoia's answers
        worked out ahead in another process, by payload, signature and certificate
        digest; used only for exactly this payload, signature and certificate.
        """
        try:
            sig = read_signature(signature)
            issuer = sig.issuer_fingerprint or sig.issuer_key_id
            made = sig.created
            hash_name = _name(sig.hash_algorithm)
        except Exception:
            return Verdict(UNREADABLE)
        created = int(made.timestamp()) if made is not None else None
        found = self._handles.get((issuer or "").lower())
        if found is None:
            return Verdict(UNKNOWN_KEY, (issuer or "").upper() or None, created)
        cert, component = found
        fingerprint = cert.fingerprint.upper()
        expiry = component.expires or _attr(cert, "expiration")
        expires = int(expiry.timestamp()) if expiry is not None else None
        revoked = bool(_attr(cert, "is_revoked", False))

        def verdict(status: str, detail: str | None = None) -> Verdict:
            return Verdict(status, fingerprint, created, expires, revoked, detail)

        if hash_name in _WEAK_HASHES:
            return verdict(WEAK_HASH, hash_name)
        primary = self._handles.get(cert.fingerprint.lower())
        weak = component.weakness or (primary[1].weakness if primary else None)
        if weak:
            return verdict(WEAK_KEY, weak)
        if not component.can_sign:
            return verdict(NOT_SIGNING)
        valid = known.get((payload, signature, self.digest(cert))) if known else None
        if valid is None:
            valid = sequoia_valid(payload, sig, cert)
        if valid:
            return verdict(GOOD)
        if revoked:
            return verdict(REVOKED)
        if created is not None and now is not None and created > now + FUTURE_SKEW:
            return verdict(FUTURE)  # Sequoia judges a signature at the time it claims
        if made is not None:
            if expiry is not None and made >= expiry:
                return verdict(EXPIRED)
            if component.created is not None and made < component.created:
                return verdict(BACKDATED)
        return verdict(BAD)


def sequoia_valid(payload: bytes, sig: Any, cert: Any) -> bool:
    """Whether Sequoia finds ``sig`` a valid signature of ``payload`` by ``cert`` (at the
    time the signature claims); False where it refuses ("no valid signatures found":
    :meth:`Keyring.verify` works out why)."""
    try:
        return bool(pysequoia.verify(bytes=payload, store=lambda _ids: [cert],
                                     signature=sig).valid_sigs)
    except Exception:
        return False

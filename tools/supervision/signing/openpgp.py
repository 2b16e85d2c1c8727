"""OpenPGP in this process (pysequoia): read certificates, check signatures.

Verification never touches anyone's GnuPG keyring or its trust settings: a
:class:`Keyring` holds exactly the certificates the caller decided to trust
(for sign-off: the ones registered in the repository at that point in its
history). Sequoia checks that the signing key was alive, not expired and not
revoked when the signature was made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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

_SELF_SIGS = (SignatureType.DirectKey, SignatureType.PositiveCertification,
              SignatureType.GenericCertification, SignatureType.CasualCertification,
              SignatureType.PersonaCertification, SignatureType.SubkeyBinding)


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


@dataclass(frozen=True, slots=True)
class _Component:
    created: dt.datetime | None
    expires: dt.datetime | None


def read_certs(data: bytes) -> list[Any]:
    """Every certificate in ``data`` (armored or binary); CertError if unreadable."""
    try:
        return list(pysequoia.Cert.split_bytes(data))
    except Exception as exc:  # pysequoia raises RuntimeError with a Rust backtrace
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CertError(f"not an OpenPGP key: {first}") from None


def _components(cert: Any) -> tuple[dict[str, _Component], bool]:
    """Key handles (fingerprints and key ids, lower case) -> creation and expiry."""
    out: dict[str, _Component] = {}
    can_sign = False
    current: list[str] = []
    created: dt.datetime | None = None
    latest: dt.datetime | None = None
    validity: dt.timedelta | None = None

    def close() -> None:
        expires = created + validity if created is not None and validity else None
        for handle in current:
            out[handle] = _Component(created, expires)

    for packet in PacketPile.from_bytes(bytes(cert)):
        tag = packet.tag
        if tag in (Tag.PublicKey, Tag.PublicSubkey, Tag.SecretKey, Tag.SecretSubkey):
            close()
            current = [h for h in (packet.fingerprint, packet.key_id) if h]
            created, latest, validity = packet.key_created, None, None
        elif tag == Tag.Signature and packet.signature_type in _SELF_SIGS:
            flags = packet.key_flags
            if flags is not None and flags.signing:
                can_sign = True
            made = packet.signature_created
            if made is not None and (latest is None or made >= latest):
                latest, validity = made, packet.key_validity_period
    close()
    return out, can_sign


def key_info(cert: Any) -> KeyInfo:
    components, can_sign = _components(cert)
    primary = components.get(cert.fingerprint.lower())
    return KeyInfo(
        fingerprint=cert.fingerprint.upper(),
        created=primary.created if primary else None,
        expires=cert.expiration,
        revoked=bool(cert.is_revoked),
        can_sign=can_sign,
        has_secret=bool(cert.has_secret_keys),
        user_ids=tuple(str(u) for u in cert.user_ids),
    )


def armored(cert: Any) -> str:
    """The public certificate, ASCII-armored (never secret key material)."""
    return str(cert)


@dataclass(frozen=True, slots=True)
class Verdict:
    status: str
    fingerprint: str | None = None  # the certificate's (primary) fingerprint, upper case
    created: int | None = None  # when the signature says it was made (Unix time)


class Keyring:
    """The certificates trusted at one point in a repository's history."""

    def __init__(self, certs: Iterable[Any]) -> None:
        self.certs: dict[str, Any] = {}
        self._handles: dict[str, tuple[Any, _Component]] = {}
        for cert in certs:
            self.certs[cert.fingerprint.upper()] = cert
            components, _can_sign = _components(cert)
            for handle, component in components.items():
                self._handles[handle] = (cert, component)

    def __contains__(self, fingerprint: str) -> bool:
        return fingerprint in self.certs

    def verify(self, payload: bytes, signature: bytes) -> Verdict:
        try:
            sig = pysequoia.Sig.from_bytes(signature)
            issuer = sig.issuer_fingerprint or sig.issuer_key_id
            made = sig.created
        except Exception:
            return Verdict(UNREADABLE)
        created = int(made.timestamp()) if made is not None else None
        found = self._handles.get((issuer or "").lower())
        if found is None:
            return Verdict(UNKNOWN_KEY, (issuer or "").upper() or None, created)
        cert, component = found
        fingerprint = cert.fingerprint.upper()
        try:
            result = pysequoia.verify(bytes=payload, store=lambda _ids: [cert], signature=sig)
            if result.valid_sigs:
                return Verdict(GOOD, fingerprint, created)
        except Exception:  # "no valid signatures found": work out why below
            pass
        if cert.is_revoked:
            return Verdict(REVOKED, fingerprint, created)
        if made is not None:
            expires = component.expires or cert.expiration
            if expires is not None and made >= expires:
                return Verdict(EXPIRED, fingerprint, created)
            if component.created is not None and made < component.created:
                return Verdict(BACKDATED, fingerprint, created)
        return Verdict(BAD, fingerprint, created)

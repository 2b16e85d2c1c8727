"""The readers' keys, behind two small interfaces.

:class:`Wrapper` wraps a data key to certificates (in process, pysequoia, from the
certificates the repository registered); :class:`Unwrapper` opens wrapped keys with
the person's own GnuPG (the private key never leaves gpg-agent), many at once, so a
checkout of many records starts one gpg, not one per record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from supervision.signing import keyring, openpgp


class Wrapper(Protocol):
    def wrap(self, data_key: bytes, certs: Iterable[Any]) -> bytes: ...


class Unwrapper(Protocol):
    def unwrap(self, messages: list[bytes]) -> list[bytes | None]: ...


class SequoiaWrapper:
    def wrap(self, data_key: bytes, certs: Iterable[Any]) -> bytes:
        return openpgp.encrypt_to(certs, data_key)


class GpgUnwrapper:
    """The person's GnuPG home (GNUPGHOME or ~/.gnupg)."""

    def __init__(self, home: str | None = None) -> None:
        self.home = home

    def unwrap(self, messages: list[bytes]) -> list[bytes | None]:
        return keyring.decrypt_many(messages, self.home)

"""The user's own GnuPG keyring (python-gnupg): create, export and find signing keys.

Only ``keys create``, ``keys import`` / ``keys list`` (is the private key here?)
and ``sign`` (which key will git use?) touch the user's keyring. Verification
never does: see :mod:`supervision.signing.openpgp`.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from typing import Any

_FPR = re.compile(r"[0-9A-F]{40}\Z")


class GpgError(Exception):
    """gpg is missing or refused; ``str()`` says what happened."""


@dataclass(frozen=True, slots=True)
class SecretKey:
    fingerprint: str
    user_ids: tuple[str, ...]
    expires: str  # Unix time as text, '' for never
    usable: bool


class UserKeyring:
    """The keyring gpg uses for this user (GNUPGHOME, or ~/.gnupg)."""

    def __init__(self, home: str | None = None) -> None:
        import gnupg

        if shutil.which("gpg") is None:
            raise GpgError("gpg (GnuPG) is not installed; install it first (e.g. apt install "
                           "gnupg, or Gpg4win / GPG Suite)")
        home = home or os.environ.get("GNUPGHOME") or None
        if home is not None:
            os.makedirs(home, mode=0o700, exist_ok=True)
        self.gpg: Any = gnupg.GPG(gnupghome=home)

    def create(self, name: str, email: str, comment: str, expires: str,
               passphrase: str | None) -> str:
        """A new ed25519 signing key; returns its fingerprint."""
        params: dict[str, Any] = dict(
            key_type="EDDSA", key_curve="ed25519", key_usage="sign",
            name_real=name, name_email=email, name_comment=comment, expire_date=expires,
        )
        if passphrase:
            params["passphrase"] = passphrase
        else:
            params["no_protection"] = True
        result = self.gpg.gen_key(self.gpg.gen_key_input(**params))
        fpr = str(getattr(result, "fingerprint", "") or "").upper()
        if not _FPR.match(fpr):
            said = (getattr(result, "stderr", "") or "").strip().splitlines()
            raise GpgError("gpg could not create the key: " + (said[-1] if said else "no reason "
                                                               "given"))
        return fpr

    def export_public(self, fpr: str) -> bytes:
        data = self.gpg.export_keys([fpr], armor=True)
        if not data:
            raise GpgError(f"gpg could not export the public key {fpr}")
        return data.encode("ascii") if isinstance(data, str) else data

    def secret_keys(self) -> list[SecretKey]:
        out = []
        for key in self.gpg.list_keys(secret=True):
            fpr = str(key.get("fingerprint", "")).upper()
            validity = key.get("trust", "")  # 'e' expired, 'r' revoked, 'd' disabled
            out.append(SecretKey(fpr, tuple(key.get("uids", ())), key.get("expires", ""),
                                 validity not in ("e", "r", "d", "i")))
        return out

    def find_secret(self, spec: str) -> SecretKey | None:
        """The secret key ``spec`` names: a fingerprint, a key id or an email address."""
        wanted = spec.replace(" ", "").upper().removeprefix("0X")
        for key in self.secret_keys():
            if key.fingerprint == wanted or (len(wanted) >= 8 and key.fingerprint.endswith(
                    wanted)):
                return key
        lowered = spec.strip().lower()
        matches = [k for k in self.secret_keys() if any(lowered in u.lower() for u in k.user_ids)]
        return matches[0] if len(matches) == 1 else None

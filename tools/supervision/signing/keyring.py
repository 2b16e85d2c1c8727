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
               passphrase: str | None, protect: bool = True) -> str:
        """A new ed25519 signing key with a cv25519 encryption subkey (what sealed
        records are encrypted to); returns the primary key's fingerprint.

        With ``passphrase`` None and ``protect``, gpg asks for one through its own
        pinentry (and fails when none can open); only ``protect=False`` makes a key
        without one (throwaway test keys).
        """
        params: dict[str, Any] = dict(
            key_type="EDDSA", key_curve="ed25519", key_usage="sign",
            # the encryption subkey sealed records are encrypted to (issue 19)
            subkey_type="ECDH", subkey_curve="cv25519", subkey_usage="encrypt",
            name_real=name, name_email=email, name_comment=comment, expire_date=expires,
        )
        if passphrase:
            params["passphrase"] = passphrase
        elif not protect:
            params["no_protection"] = True
        result = self.gpg.gen_key(self.gpg.gen_key_input(**params))
        fpr = str(getattr(result, "fingerprint", "") or "").upper()
        if not _FPR.match(fpr):
            said = (getattr(result, "stderr", "") or "").strip().splitlines()
            raise GpgError("gpg could not create the key: " + (said[-1] if said else "no reason "
                                                               "given"))
        return fpr

    def protection(self) -> dict[str, bool | None]:
        """fingerprint -> whether its private key is protected by a passphrase (None:
        gpg-agent cannot say, e.g. a smartcard), for every secret key here."""
        import subprocess

        home = self.gpg.gnupghome
        base = ["--homedir", home] if home else []
        try:
            listing = subprocess.run(["gpg", *base, "--batch", "--with-colons", "--with-keygrip",
                                      "--list-secret-keys"], capture_output=True, text=True,
                                     timeout=60).stdout
            agent = subprocess.run(["gpg-connect-agent", *base, "keyinfo --list", "/bye"],
                                   capture_output=True, text=True, timeout=60).stdout
        except (OSError, subprocess.SubprocessError):
            return {}
        flags = {}
        for line in agent.splitlines():
            parts = line.split()
            if len(parts) >= 8 and parts[:2] == ["S", "KEYINFO"]:
                flags[parts[2]] = {"P": True, "C": False}.get(parts[7])
        out: dict[str, bool | None] = {}
        fpr = None
        primary = True
        for line in listing.splitlines():
            fields = line.split(":")
            if fields[0] in ("sec", "ssb"):
                primary = fields[0] == "sec"
            elif fields[0] == "fpr" and primary and len(fields) > 9:
                fpr = fields[9].upper()
            elif fields[0] == "grp" and primary and fpr and len(fields) > 9:
                out[fpr] = flags.get(fields[9])
        return out

    def add_encryption_subkey(self, fpr: str, expires: str,
                              passphrase: str | None = None) -> None:
        """A cv25519 encryption subkey on the key ``fpr`` (what sealed records are
        encrypted to); gpg asks for the passphrase unless one is given."""
        import subprocess

        home = self.gpg.gnupghome
        base = ["--homedir", home] if home else []
        extra = (["--pinentry-mode", "loopback", "--passphrase", passphrase]
                 if passphrase is not None else [])
        done = subprocess.run(["gpg", *base, "--batch", *extra, "--quick-add-key", fpr,
                               "cv25519", "encr", expires or "0"],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            said = done.stderr.strip().splitlines()
            raise GpgError("gpg could not add an encryption key: " + (
                said[-1] if said else "no reason given"))

    def delete(self, fpr: str) -> None:
        """Remove a key this command just made (public and private halves)."""
        self.gpg.delete_keys(fpr, secret=True, expect_passphrase=False)
        self.gpg.delete_keys(fpr)

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


def decrypt_many(messages: list[bytes], home: str | None = None) -> list[bytes | None]:
    """Each OpenPGP message opened with the person's own GnuPG (keys stay in
    gpg-agent; pinentry asks for the passphrase as for signing), in one gpg run:
    ``--decrypt-files`` in a private temporary folder (mode 0700) that is removed
    straight away. None for a message this keyring cannot open."""
    import subprocess
    import tempfile

    if not messages:
        return []
    home = home or os.environ.get("GNUPGHOME") or None
    base = ["--homedir", home] if home else []
    with tempfile.TemporaryDirectory(prefix="svseal-") as folder:
        os.chmod(folder, 0o700)
        names = []
        for index, message in enumerate(messages):
            name = os.path.join(folder, f"{index}.asc")
            with open(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
                fh.write(message)
            names.append(name)
        try:
            subprocess.run(["gpg", *base, "--batch", "--yes", "--quiet", "--no-tty",
                            "--decrypt-files", *names], capture_output=True, timeout=600,
                           stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as exc:
            raise GpgError(f"gpg could not be run: {exc}") from None
        out: list[bytes | None] = []
        for name in names:
            plain = name[:-4]
            try:
                with open(plain, "rb") as handle:
                    out.append(handle.read())
            except OSError:
                out.append(None)
        return out

"""Can gpg ask for the passphrase while the page signs? Or must the terminal do it?

Signing from the page means gpg-agent asks for the passphrase in a window of its
own (a graphical *pinentry*). On Windows (Gpg4win) and macOS (GPG Suite) it does.
On Linux it can only if the pinentry program the agent uses is a graphical one and
there is a display (``DISPLAY`` or ``WAYLAND_DISPLAY``); ``pinentry-curses`` and
``pinentry-tty`` ask in a terminal, which the page does not have. A key without a
passphrase needs no pinentry at all. When the page cannot sign, it says to run
``supervision submit PATH`` in the terminal instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from supervision.signing.gitio import Git
from supervision.signing.keyring import GpgError, UserKeyring

_TERMINAL_ONLY = ("curses", "tty")


def configured_program(env: Mapping[str, str]) -> str:
    """The pinentry-program gpg-agent is set to use (default: ``pinentry``)."""
    try:
        done = subprocess.run(["gpgconf", "--list-options", "gpg-agent"], capture_output=True,
                              text=True, timeout=30, env=dict(env))
        for line in done.stdout.splitlines():
            parts = line.split(":")
            if parts[0] == "pinentry-program" and len(parts) > 9 and parts[9]:
                return parts[9].strip('"')
    except (OSError, subprocess.SubprocessError):
        pass
    home = Path(env.get("GNUPGHOME") or Path.home() / ".gnupg")
    try:
        for line in (home / "gpg-agent.conf").read_text(encoding="utf-8").splitlines():
            words = line.split(None, 1)
            if len(words) == 2 and words[0] == "pinentry-program":
                return words[1].strip()
    except OSError:
        pass
    return "pinentry"


def is_graphical(program: str, env: Mapping[str, str]) -> bool:
    found = shutil.which(program) or program
    name = Path(os.path.realpath(found)).name.lower()
    if any(word in name for word in _TERMINAL_ONLY):
        return False
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def needs_no_passphrase(root: Path) -> bool:
    """The repository's signing key has no passphrase (throwaway and test keys)."""
    spec = Git(root).config_get("user.signingkey")
    if not spec:
        return False
    try:
        keyring = UserKeyring()
        found = keyring.find_secret(spec)
        return found is not None and keyring.protection().get(found.fingerprint) is False
    except (GpgError, OSError):
        return False


def terminal_needed(root: Path, env: Mapping[str, str] | None = None,
                    platform: str | None = None) -> bool:
    """True when gpg here can ask for the passphrase only in a terminal."""
    env = os.environ if env is None else env
    platform = platform or sys.platform
    if platform in ("win32", "darwin"):
        return False
    if is_graphical(configured_program(env), env):
        return False
    return not needs_no_passphrase(root)

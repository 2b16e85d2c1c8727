"""Remember each record's findings and facts until the file or the rules change.

The cache lives inside ``.git`` (never committed, one per clone) or, outside
git, in ``.supervision-cache/``. An entry is reused only when the file's size
and modification time match *and* the cache's salt matches: the salt covers the
package's own code, the profiles and the configuration files, so changing a
rule or people.yml re-checks everything. A missing, corrupt or unwritable
cache only costs time.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import supervision

CACHE_FORMAT = 3


def cache_dir(root: Path) -> Path:
    git = root / ".git"
    if git.is_dir():
        return git / "supervision"
    if git.is_file():  # a worktree or submodule: .git names the real folder
        text = git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            real = Path(text.split(":", 1)[1].strip())
            return (root / real if not real.is_absolute() else real) / "supervision"
    return root / ".supervision-cache"


def code_fingerprint() -> str:
    """Changes whenever the installed package's code or built-in profiles change."""
    digest = hashlib.sha256(f"{supervision.__version__}:{CACHE_FORMAT}:{sys.version}".encode())
    package = Path(supervision.__file__).parent
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "skeleton"))
        for name in sorted(files):
            if name.endswith((".py", ".yml")):
                st = os.stat(os.path.join(folder, name))
                rel = os.path.relpath(os.path.join(folder, name), package)
                digest.update(f"{rel}:{st.st_size}:{st.st_mtime_ns};".encode())
    return digest.hexdigest()


def salt(root: Path, extra_files: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256(code_fingerprint().encode())
    digest.update(extra.encode())
    for path in extra_files:
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


class Cache:
    """A dict of key -> [stamp, value] kept as JSON.

    Loading runs with the cyclic garbage collector paused: building ~10^6 small
    objects otherwise triggers it hundreds of times (0.45 s instead of 0.12 s for
    10,000 records), and plain JSON data holds no cycles to collect.
    """

    def __init__(self, root: Path, name: str, salt_value: str,
                 folder: Path | None = None) -> None:
        # ``folder``: somewhere other than the repository's own cache folder (the
        # server hook keeps its cache inside the bare repository).
        self.path = (folder or cache_dir(root)) / f"{name}.json"
        self.salt = salt_value
        self.entries: dict[str, Any] = {}
        self.dirty = False
        paused = gc.isenabled()
        gc.disable()
        try:
            with open(self.path, "rb") as handle:
                data = json.loads(handle.read())
        except (OSError, ValueError):
            return
        finally:
            if paused:
                gc.enable()
        if isinstance(data, dict) and data.get("salt") == salt_value:
            entries = data.get("entries")
            if isinstance(entries, dict):
                self.entries = entries

    def get(self, key: str, stamp: list[int]) -> Any:
        entry = self.entries.get(key)
        if entry is not None and entry[0] == stamp:
            return entry[1]
        return None

    def put(self, key: str, stamp: list[int], value: Any) -> None:
        self.entries[key] = [stamp, value]
        self.dirty = True

    def prune(self, keep: set[str]) -> None:
        for key in [k for k in self.entries if k not in keep]:
            del self.entries[key]
            self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-")
            try:
                # json.dumps, not json.dump: only the one-shot call uses the C encoder
                # (json.dump to a file encodes in pure Python, ~10x slower here).
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(json.dumps({"salt": self.salt, "entries": self.entries},
                                            separators=(",", ":")))
                os.replace(tmp, self.path)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        self.dirty = False


def stamp(path: str) -> list[int] | None:
    """What must be unchanged for a cached result to be reused."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]

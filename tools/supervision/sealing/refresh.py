"""After the filter opened records, let git settle its index once, not on every command.

git writes a checked-out file and then its index. A file whose time is the index's own
second is *racily clean*: git cannot tell from the time alone that it did not change
since, so every command that compares the working tree with the index without
writing the index (``diff-index``, ``diff-files``: what check and status ask) hashes
it again, through the clean filter. Unsealed that is a quick hash; sealed it starts
the filter process and answers every such record again, each time, until a command
that writes the index (``git status``, ``git add``) runs a second later. After a
fresh checkout of a trust's records that is thousands of records on every check.

The filter leaves :data:`FLAG` when it opened records or was asked to clean records
that had not changed; :func:`settle_index` (called before check's own questions to
git) then runs ``git status`` once, which refreshes the index and writes it, so the
records are no longer racy. Outside a sealing clone the flag never exists and this
costs one ``stat``. Inside a commit's hooks (``GIT_INDEX_FILE`` set) the index is
git's to write, so nothing is done.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

FLAG = "refresh"  # in .git/supervision/seal/, beside the filter's map


def flag_path(store: Path) -> Path:
    """The flag in ``store`` (the repository's .git/supervision)."""
    return store / "seal" / FLAG


def note(seal_folder: Path) -> None:
    """The filter's part: the index may now hold racily clean records."""
    try:
        seal_folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        (seal_folder / FLAG).touch()
    except OSError:
        pass


def settle_index(root: Path, dirs: tuple[str, ...]) -> bool:
    """``git status`` once when the filter left the flag (so git writes its index and
    stops cleaning unchanged records again); True when it ran. Never fails a command."""
    from supervision.cache import cache_dir

    flag = flag_path(cache_dir(root))
    if os.environ.get("GIT_INDEX_FILE") or not flag.exists():
        return False
    try:
        subprocess.run(["git", "status", "--porcelain", "--untracked-files=no",
                        "--ignore-submodules=all", "--", *dirs], cwd=root,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       stdin=subprocess.DEVNULL, timeout=600)
    except (OSError, subprocess.SubprocessError):
        return False
    # The status ran the filter too (and so left the flag again): settled now. Had its
    # write fallen in the records' own second, the next diff-index leaves it once more.
    with contextlib.suppress(OSError):
        flag.unlink()
    return True

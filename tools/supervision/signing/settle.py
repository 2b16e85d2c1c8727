"""git's index settled once, so a check does not re-read unchanged records each time.

git trusts a file's recorded size and time to say it is unchanged, except for a file
whose time is not older than the index file's own: that one is *racily clean*, and git
reads it again to be sure. A checkout, a pull or a script that writes records and
commits them in the same second leaves thousands of such records; every command that
compares the working tree with the index without writing the index (``diff-index``,
``diff-files``: what check and status ask) reads them all again, every time, until a
command that writes the index (``git status``, ``git add``, a commit) runs later. On
thirty thousand records that was 0.27 s of each one-record check against 0.06 s once
settled. In a sealing clone each such read runs the clean filter, which is worse still.

So before a check or status outside a commit asks git anything, :func:`settle_index`
runs ``git status`` once when the index may be racy:

* the sealing filter left its flag (:data:`INDEX_FLAG`, see
  :mod:`supervision.sealing.refresh`) because it opened or re-cleaned records; or
* the index file is not the one this module last saw settled (its stamp beside the store,
  :data:`STAMP`): a commit, checkout or pull wrote it since. After a commit that costs one
  ``git status`` on the next check, not one per check.

Inside a commit's hooks (``GIT_INDEX_FILE`` set) the index is git's to write, so nothing
is done. Nothing here ever fails a command, and only the standard library is imported,
so :mod:`supervision.signing.head_start` can ask :func:`needs_settling` before importing
anything else.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

#: Left in the store's ``seal/`` folder by the sealing filter when git's index may hold
#: racily clean records.
INDEX_FLAG = "refresh"
#: Beside the store: the index file as it was when last settled (inode, size, time).
STAMP = "index-settled"


def _index_stamp(store: Path) -> tuple[str, int] | None:
    """(the index file's identity as text, its whole-second time); None without one.
    The store is the git folder's ``supervision`` folder, so the index is beside it."""
    try:
        seen = os.stat(store.parent / "index")
    except OSError:
        return None
    return f"{seen.st_ino} {seen.st_size} {seen.st_mtime_ns}", int(seen.st_mtime)


def _stamp_seen(store: Path) -> str | None:
    try:
        return (store / STAMP).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def needs_settling(store: Path) -> bool:
    """True when a check should let git write its index before asking it anything."""
    if os.environ.get("GIT_INDEX_FILE"):
        return False
    if (store / "seal" / INDEX_FLAG).exists():
        return True
    now = _index_stamp(store)
    return now is not None and now[0] != _stamp_seen(store)


def settle_index(root: Path, dirs: tuple[str, ...], store: Path) -> bool:
    """``git status`` once when :func:`needs_settling`; True when it ran."""
    if not needs_settling(store):
        return False
    before = _index_stamp(store)
    try:
        subprocess.run(["git", "status", "--porcelain", "--untracked-files=no",
                        "--ignore-submodules=all", "--", *dirs], cwd=root,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       stdin=subprocess.DEVNULL, timeout=600)
    except (OSError, subprocess.SubprocessError):
        return False
    # The status ran the sealing filter too (and so left the flag again): settled now.
    with contextlib.suppress(OSError):
        (store / "seal" / INDEX_FLAG).unlink()
    after = _index_stamp(store)
    # Settled unless git wrote the index in the same second as it stood before (records
    # written in that second may still be racy: the next check lets git write it again).
    if after is not None and (before is None or after[0] == before[0] or after[1] > before[1]):
        _remember(store, after[0])
    return True


def _remember(store: Path, stamp: str) -> None:
    partial = store / f".{STAMP}.{os.getpid()}"
    with contextlib.suppress(OSError):
        store.mkdir(parents=True, exist_ok=True)
        partial.write_text(stamp + "\n", encoding="ascii")
        os.replace(partial, store / STAMP)

"""A head start for the one question a check always asks git first.

A check or ``status`` in a person's clone first asks git which records differ from the
commit the store was last marked at (:func:`supervision.signing.worktree.differing_from`:
``git diff-index``, which looks at every record git knows, some 50 ms for thirty
thousand records). A fresh process used to ask it only after importing the package and
loading the settings (about 150 ms more), one after the other. The question needs none
of that: only the marked commit. So, when the store is marked, that commit is also
written to a small file beside the store (:func:`remember`), and a ``check`` or
``status`` typed as a command starts the same ``git diff-index`` before importing
anything else (:func:`started`); ``differing_from`` takes its answer when the question
it would ask is exactly the one started in this folder, and asks git itself otherwise.

Nothing is decided from this file: it only says which git command to start early, and
the command is built here (a commit id checked to be hex, the record folders), never read
from it. An answer not taken (the mark was void, the folder was not the repository's
top, settings changed) is stopped when the command ends. Only the standard library is
imported, so starting it costs a millisecond or two.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from pathlib import Path

from supervision.signing.settle import needs_settling

#: The file beside the store (``.git/supervision``) naming the marked commit.
FILE = "head-start"
#: The folders whose records are asked about (as :data:`supervision.repo.RECORD_DIRS`;
#: a test keeps the two equal, since importing repo here would cost what this saves).
DIRS = ("records", "contracts")
GIT = ("git", "-c", "core.quotePath=false", "--literal-pathspecs")
#: Commands that ask the question first, so are worth starting it for.
COMMANDS = frozenset({"check", "status"})

_HEX = frozenset("0123456789abcdef")
#: The git process started for this command, with its folder and arguments.
_STARTED: ContextVar[tuple[str, tuple[str, ...], subprocess.Popen[bytes]] | None] = \
    ContextVar("supervision_head_start", default=None)


def diff_command(commit: str, dirs: Sequence[str]) -> tuple[str, ...]:
    """The ``git diff-index`` that says which files under ``dirs`` differ from ``commit``."""
    return (*GIT, "diff-index", "--raw", "-z", "--no-renames", "--relative", commit,
            "--", *dirs)


def _store(root: Path) -> Path | None:
    """The store's folder when ``root`` is the top of an ordinary clone (``.git`` a
    folder), else None: a head start is never worth more than it risks elsewhere."""
    git = root / ".git"
    return git / "supervision" if git.is_dir() else None


def remember(store: Path, commit: str) -> None:
    """Beside the store: the commit it was marked at (written whole, or not at all)."""
    if not _is_commit_id(commit):
        return
    partial = store / f".{FILE}.{os.getpid()}"
    with contextlib.suppress(OSError):
        partial.write_text(commit + "\n", encoding="ascii")
        os.replace(partial, store / FILE)


def _is_commit_id(text: str) -> bool:
    return len(text) in (40, 64) and set(text) <= _HEX


def _marked_commit(store: Path) -> str | None:
    try:
        text = (store / FILE).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if _is_commit_id(text) else None


@contextlib.contextmanager
def started(command: str | None, folder: Path | None = None) -> Iterator[None]:
    """Within this block, for ``check`` and ``status`` run at the top of a clone whose
    store was marked, ``git diff-index`` runs already (see the module's text); it is
    stopped at the end if nothing took it."""
    root = Path.cwd() if folder is None else folder
    store = _store(root) if command in COMMANDS and _STARTED.get() is None else None
    commit = _marked_commit(store) if store is not None else None
    # git's index about to be settled first (see settle): asked later, as before
    if commit is None or store is None or needs_settling(store):
        yield
        return
    args = diff_command(commit, DIRS)
    try:
        process = subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    except OSError:
        yield
        return
    token = _STARTED.set((os.path.realpath(root), args, process))
    try:
        yield
    finally:
        _STARTED.reset(token)
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def take(root: Path, args: Sequence[str]) -> subprocess.Popen[bytes] | None:
    """The git process started early for exactly ``args`` in ``root``, once; None when
    none was (the caller starts its own)."""
    found = _STARTED.get()
    if found is None:
        return None
    folder, started_args, process = found
    if started_args != tuple(args) or folder != os.path.realpath(root):
        return None
    _STARTED.set(None)  # taken: whoever took it reads and waits for it
    return process

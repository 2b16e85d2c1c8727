"""The days each record was committed, from one ``git log``.

The time rules need, per record, the day it was first committed (case notes
and contracts "sent"), the first commit on or after a session's date (the
session's record "sent", even when a planned booking was committed earlier)
and the day it last changed. Asking git once per file would cost a
process per record; instead one ``git log --name-status`` walks the history of
``records/`` and ``contracts/`` and the result is kept in the store
(:mod:`supervision.cache`, namespace ``history``: one row per record, read only
when asked for) with the commit at HEAD it describes. When HEAD has moved on from
it, only the new commits are read, and only the records they touched rewritten.

Dates are committer dates (``%cs``: the calendar day in the committer's own
time zone). Renames carry the first-committed day over to the new path, so
``git mv`` to fix a PATH-MISMATCH does not make a record look late; deleting a
record keeps its days (a deleted path is simply never asked about). A folder
that is not a git repository, or has no commits yet, simply has no history:
every record counts as not yet committed. A records repository kept in a folder
of a larger git repository works too (paths are read relative to it).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import subprocess
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from supervision.cache import Cache
from supervision.repo import RECORD_DIRS
from supervision.signing.gitio import LEAN_PACKS

HISTORY_FORMAT = 2  # 2: rows in the store
_DATE_MARK = "\x01"
_HEAD = "#head"


class StoredDays(MutableMapping[str, list[str]]):
    """Path -> days, read from the store row by row when asked for; changes are kept
    until :meth:`save`."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.known: dict[str, list[str] | None] = {}
        self.changed: set[str] = set()
        self._all = False

    def _fetch(self, path: str) -> list[str] | None:
        if path not in self.known:
            self.known[path] = self.cache.get(path, "")
        return self.known[path]

    def __getitem__(self, path: str) -> list[str]:
        found = self._fetch(path)
        if found is None:
            raise KeyError(path)
        return found

    def __setitem__(self, path: str, days: list[str]) -> None:
        self.known[path] = days
        self.changed.add(path)

    def __delitem__(self, path: str) -> None:  # pragma: no cover - days are never removed
        raise TypeError("a record's days are never removed")

    def setdefault(self, path: str, default: list[str] | None = None) -> list[str]:
        found = self._fetch(path)
        if found is None:
            found = self.known[path] = [] if default is None else default
        self.changed.add(path)  # the caller appends to it
        return found

    def _load_all(self) -> None:
        if not self._all:
            self.cache.preload()
            for path in self.cache.stamps():
                if path != _HEAD:
                    self._fetch(path)
            self._all = True

    def __iter__(self) -> Iterator[str]:
        self._load_all()
        return iter([p for p, days in self.known.items() if days is not None])

    def __len__(self) -> int:
        self._load_all()
        return sum(1 for days in self.known.values() if days is not None)

    def save(self, head: str) -> None:
        for path in self.changed:
            days = self.known.get(path)
            if days is not None:
                self.cache.put(path, "", days)
        self.cache.put(_HEAD, "", head)
        self.cache.save()
        self.changed.clear()


@dataclass
class RecordHistory:
    """Per record path, the sorted distinct days of the commits that changed it."""

    head: str | None = None
    days: MutableMapping[str, list[str]] = field(default_factory=dict)

    def first_committed(self, path: str) -> dt.date | None:
        days = self.days.get(path)
        return dt.date.fromisoformat(days[0]) if days else None

    def last_changed(self, path: str) -> dt.date | None:
        days = self.days.get(path)
        return dt.date.fromisoformat(days[-1]) if days else None

    def committed_since(self, path: str, day: dt.date) -> dt.date | None:
        """The first day on or after ``day`` on which a commit changed the record."""
        wanted = day.isoformat()
        for found in self.days.get(path, ()):
            if found >= wanted:
                return dt.date.fromisoformat(found)
        return None

    def committed(self, path: str) -> bool:
        return path in self.days

    def apply_log(self, text: str) -> None:
        """Fold ``git log --reverse --format=%x01%cs --name-status -z`` output in."""
        for chunk in text.split(_DATE_MARK):
            if not chunk:
                continue
            parts = chunk.split("\0")
            day = parts[0].strip()
            tokens = [t.lstrip("\n") for t in parts[1:]]
            index = 0
            while index < len(tokens):
                status = tokens[index]
                if not status:
                    index += 1
                    continue
                if status[0] in "RC" and index + 2 < len(tokens):
                    old, new = tokens[index + 1], tokens[index + 2]
                    index += 3
                    if status[0] == "R":  # a move keeps the record's history
                        for earlier in self.days.get(old, ()):
                            self._changed(new, earlier)
                    self._changed(new, day)
                    continue
                if index + 1 >= len(tokens):
                    break
                path = tokens[index + 1]
                index += 2
                if status[0] != "D":
                    self._changed(path, day)

    def _changed(self, path: str, day: str) -> None:
        days = self.days.setdefault(path, [])
        if not days or day > days[-1]:
            days.append(day)
        elif day not in days:
            days.append(day)
            days.sort()


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *LEAN_PACKS, "-c", "core.quotePath=false", *args], cwd=root,
                          capture_output=True, text=True, encoding="utf-8",
                          errors="surrogateescape", check=False)


def _head(root: Path) -> str | None:
    try:
        done = _git(root, "rev-parse", "-q", "--verify", "HEAD^{commit}")
    except OSError:  # git missing: no history
        return None
    head = done.stdout.strip()
    return head if done.returncode == 0 and head else None


#: Inside :func:`one_head`: each repository's HEAD, once git has been asked.
_HEADS: contextvars.ContextVar[dict[str, str | None] | None] = contextvars.ContextVar(
    "supervision_heads", default=None)


@contextlib.contextmanager
def one_head() -> Iterator[None]:
    """Within this block :func:`head_commit` asks git once per repository. Used around
    one command that only reads (check, status, verify; never one that commits): it
    then sees one HEAD throughout, even if a commit lands meanwhile, and a one-record
    check runs git once for it instead of three times."""
    if _HEADS.get() is not None:
        yield
        return
    token = _HEADS.set({})
    try:
        yield
    finally:
        _HEADS.reset(token)


def head_commit(root: Path) -> str | None:
    """The commit at HEAD, or None outside git or before the first commit."""
    heads = _HEADS.get()
    if heads is None:
        return _head(root)
    key = str(root)
    if key not in heads:
        heads[key] = _head(root)
    return heads[key]


def _log(root: Path, revs: str) -> str | None:
    # --relative: paths relative to the records repository, even when it is a folder
    # inside a larger git repository.
    done = _git(root, "log", "--reverse", f"--format={_DATE_MARK}%cs", "--name-status",
                "--find-renames", "--relative", "-z", revs, "--", *RECORD_DIRS)
    return done.stdout if done.returncode == 0 else None


def _store(root: Path) -> Cache:
    return Cache(root, "history", f"history{HISTORY_FORMAT}")


def read_history(root: Path, use_cache: bool = True) -> RecordHistory:
    """The history of every record under ``root``; never raises."""
    head = head_commit(root)
    if head is None:
        return RecordHistory()
    if not use_cache:
        whole = _log(root, head)
        if whole is None:
            return RecordHistory()
        fresh = RecordHistory(head=head)
        fresh.apply_log(whole)
        return fresh
    cache = _store(root)
    stored = cache.get(_HEAD, "")
    days = StoredDays(cache)
    if stored == head:
        return RecordHistory(head=head, days=days)
    text: str | None = None
    if isinstance(stored, str) and _git(root, "merge-base", "--is-ancestor", stored,
                                        head).returncode == 0:
        text = _log(root, f"{stored}..{head}")
    if text is None:  # first time, or history rewritten: read it all again
        cache.clear()
        days = StoredDays(cache)
        days._all = True
        text = _log(root, head)
        if text is None:
            return RecordHistory()
    history = RecordHistory(head=head, days=days)
    history.apply_log(text)
    days.save(head)
    return history

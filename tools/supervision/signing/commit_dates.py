"""The days each record was committed, from one ``git log``.

The time rules need, per record, the day it was first committed (case notes
and contracts "sent"), the first commit on or after a session's date (the
session's record "sent", even when a planned booking was committed earlier)
and the day it last changed. Asking git once per file would cost a
process per record; instead one ``git log --name-status`` walks the history of
``records/`` and ``contracts/`` and the result is cached under
:func:`supervision.cache.cache_dir` keyed by the commit at HEAD. When HEAD has
moved on from the cached commit, only the new commits are read.

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
import datetime as dt
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from supervision.cache import cache_dir
from supervision.repo import RECORD_DIRS

HISTORY_FORMAT = 1
_DATE_MARK = "\x01"


@dataclass
class RecordHistory:
    """Per record path, the sorted distinct days of the commits that changed it."""

    head: str | None = None
    days: dict[str, list[str]] = field(default_factory=dict)

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
    return subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=root,
                          capture_output=True, text=True, encoding="utf-8",
                          errors="surrogateescape", check=False)


def _head(root: Path) -> str | None:
    try:
        done = _git(root, "rev-parse", "-q", "--verify", "HEAD^{commit}")
    except OSError:  # git missing: no history
        return None
    head = done.stdout.strip()
    return head if done.returncode == 0 and head else None


def head_commit(root: Path) -> str | None:
    """The commit at HEAD, or None outside git or before the first commit."""
    return _head(root)


def _log(root: Path, revs: str) -> str | None:
    # --relative: paths relative to the records repository, even when it is a folder
    # inside a larger git repository.
    done = _git(root, "log", "--reverse", f"--format={_DATE_MARK}%cs", "--name-status",
                "--find-renames", "--relative", "-z", revs, "--", *RECORD_DIRS)
    return done.stdout if done.returncode == 0 else None


def _cache_file(root: Path) -> Path:
    return cache_dir(root) / "history.json"


def _load_cached(root: Path) -> RecordHistory | None:
    try:
        data = json.loads(_cache_file(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != HISTORY_FORMAT:
        return None
    days = data.get("days")
    if not isinstance(days, dict):
        return None
    return RecordHistory(head=data.get("head"), days=days)


def _save(root: Path, history: RecordHistory) -> None:
    path = _cache_file(root)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(json.dumps({"format": HISTORY_FORMAT, "head": history.head,
                                         "days": history.days}, separators=(",", ":")))
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def read_history(root: Path, use_cache: bool = True) -> RecordHistory:
    """The history of every record under ``root``; never raises."""
    head = _head(root)
    if head is None:
        return RecordHistory()
    cached = _load_cached(root) if use_cache else None
    if cached is not None and cached.head == head:
        return cached
    history = RecordHistory(head=head)
    text: str | None = None
    if cached is not None and cached.head:
        ancestor = _git(root, "merge-base", "--is-ancestor", cached.head, head)
        if ancestor.returncode == 0:
            text = _log(root, f"{cached.head}..{head}")
            if text is not None:
                history = RecordHistory(head=head, days={
                    k: list(v) for k, v in cached.days.items()})
    if text is None:
        text = _log(root, head)
    if text is None:
        return RecordHistory()
    history.apply_log(text)
    if use_cache:
        _save(root, history)
    return history

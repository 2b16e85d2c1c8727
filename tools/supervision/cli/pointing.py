"""What ``chronology done`` and ``escalate`` share: the records they point at, and the rules.

A later fact about a record (entered on a chronology, escalated) is a record of its own
that names the record's path and the version it is about (its git blob id). So the
record must exist, be a record this repository checks, and be committed as it is: the
version named must be one git holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from supervision.cli import Refused, UsageError
from supervision.cli.paths import in_repo


def committed_record(repo: Any, given: str) -> tuple[str, str, dict[str, Any]]:
    """(repository-relative path, blob id of the committed version, facts) of the record
    named ``given``; refuses, changing nothing, when it is not a committed record."""
    from supervision.checker import check_record
    from supervision.signing.gitio import Git
    from supervision.signing.signoff import is_record_path

    relpath = in_repo(repo, given)
    if not is_record_path(relpath) or not (repo.root / relpath).is_file():
        raise Refused(f"{relpath} is not a record in this repository; nothing was written",
                      "Give the path of a record under records/ or contracts/ (`supervision "
                      "chronology` lists the records with decisions still to enter).")
    git = Git(repo.root)
    if not git.is_repository():
        raise UsageError(f"{repo.root} is not a git repository",
                         "The record's version is its git object id: the records must be in "
                         "git.")
    if not git.is_tracked(relpath) or git.uncommitted(relpath):
        raise Refused(f"{relpath} is not committed as it is now, so there is no version of it "
                      "to point at; nothing was written",
                      f"Commit it first (git add {relpath} && git commit), or `supervision "
                      "submit` it.")
    _found, facts = check_record(repo, relpath)
    if facts is None:
        raise Refused(f"{relpath} cannot be read as a record; nothing was written",
                      f"Run `supervision check {relpath}` and fix what it says.")
    return relpath, git.blob_id(repo.root / relpath), facts


def rule_context(repo: Any, day: dt.date) -> Any:
    """The time rules' shared context over every record (a ``RuleContext``)."""
    from supervision.checker import Checker, CrossContext
    from supervision.deadlines.context import RuleContext

    facts = Checker(repo, today=day).records(repo.record_files()).facts
    return RuleContext(CrossContext(repo, facts, None, day))


def value_at(data: Any, keypath: list[Any] | tuple[Any, ...]) -> Any:
    """The value at a key path of parsed YAML (list items by index), or None."""
    for part in keypath:
        if isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data):
            data = data[part]
        elif isinstance(part, str) and isinstance(data, dict):
            data = data.get(part)
        else:
            return None
    return data


def written(path: Any, then: str) -> str:
    """The path of a record just written (relative to the current folder when inside it),
    then what to do next."""
    import os
    from pathlib import Path

    shown = os.path.relpath(path) if Path.cwd() in path.parents else str(path)
    return f"{shown}\n{then}"

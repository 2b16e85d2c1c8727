"""Who has signed a record, and when: the interface the time rules read.

The time rules (:mod:`supervision.timerules`) and ``supervision status`` never
ask git or gpg directly; they ask a :class:`SignoffSource`:

* ``signoffs(path)``: the sign-offs of a record, each ``(role, person, date)``;
* ``first_committed(path)``: the day the record first entered the history
  (None while it is only in the working folder);
* ``sees(form, role)``: whether this source can see that role's sign-off on
  that kind of record. A rule about a sign-off the source cannot see stays
  silent rather than guessing.

:class:`CommitDateSignoffs` is the implementation used until verified sign-offs
exist: committing a record counts as its first signer's sign-off (the
supervisor sending a session record or a contract, the supervisee sending case
notes, the reviewer a QA review), dated with the commit date; the other
signer's sign-off is unknown. For a session, only a commit on or after the
session's date counts (an earlier commit was the booking of a planned session).

Where verified sign-offs plug in: ``supervision verify`` (GPG-signed sign-off
commits, issue 3) reports per record its sign-offs (role, person, commit,
date) and a status. A ``VerifiedSignoffs`` class implementing this protocol
from that report (``sees`` true for every signer) replaces :class:`CommitDateSignoffs`
in :func:`signoff_source`; no rule changes.

A record that is in the working folder but not committed yet counts, for the
deadline rules, as being sent today: the commit that the pre-commit hook is
checking is the one that sends it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from supervision.history import RecordHistory

#: Who signs each kind of record, first signer first (mirrors core.yml ``signers``).
SIGNERS: dict[str, tuple[str, ...]] = {
    "contract": ("supervisor", "supervisee"),
    "session": ("supervisor", "supervisee"),
    "group-session": ("supervisor",),
    "case-notes": ("supervisee",),
    "qa-review": ("reviewer",),
    "informal": ("supervisee",),
}


@dataclass(frozen=True, slots=True)
class Signoff:
    role: str
    person: str | None
    date: dt.date


class SignoffSource(Protocol):
    def sees(self, form: str, role: str) -> bool: ...

    def signoffs(self, path: str) -> list[Signoff]: ...

    def first_committed(self, path: str) -> dt.date | None: ...


def person_in_role(facts: dict[str, Any], role: str) -> str | None:
    if role == "supervisee":
        people = facts.get("supervisees") or []
        return people[0] if len(people) == 1 else None
    value = facts.get(role)
    return value if isinstance(value, str) else None


class CommitDateSignoffs:
    """Sign-offs read from commit dates: the first signer's only (see module doc)."""

    def __init__(self, history: RecordHistory, facts: dict[str, dict[str, Any]]) -> None:
        self.history = history
        self.facts = facts

    def first_committed(self, path: str) -> dt.date | None:
        return self.history.first_committed(path)

    def signoffs(self, path: str) -> list[Signoff]:
        facts = self.facts.get(path)
        if facts is None:
            return []
        roles = SIGNERS.get(facts.get("form", ""), ())
        if not roles or facts.get("status") in ("planned", "cancelled"):
            return []
        day = self.history.first_committed(path)
        if facts.get("kind") == "session" and isinstance(facts.get("date"), str):
            try:
                held = dt.date.fromisoformat(facts["date"])
            except ValueError:
                held = None
            if held is not None:
                day = self.history.committed_since(path, held)
        if day is None:
            return []
        return [Signoff(roles[0], person_in_role(facts, roles[0]), day)]

    def sees(self, form: str, role: str) -> bool:
        roles = SIGNERS.get(form, ())
        return bool(roles) and roles[0] == role


def signoff_source(repo: Any, facts: dict[str, dict[str, Any]],
                   use_cache: bool = True) -> SignoffSource:
    """The best sign-off source available for ``repo`` (commit dates, for now)."""
    from supervision.history import read_history

    return CommitDateSignoffs(read_history(repo.root, use_cache), facts)

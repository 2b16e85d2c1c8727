"""What a time rule finds: an :class:`Item` with a state, and the words shared by rules.

Each item has a *state*:

``overdue``   should have been done by now and is not (or the record is wrong);
``due``       must be done by ``due`` (status lists it when that is soon);
``awaiting``  a record or sign-off is awaited from ``people``;
``history``   done late, or missed in an earlier half term: a fact for quality
              assurance, not a to-do.

and, when ``supervision check`` should show it, a severity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from supervision.problems import Problem
from supervision.rules import problem

OVERDUE, DUE, AWAITING, HISTORY = "overdue", "due", "awaiting", "history"
OPEN_ACTION = ("open", "carried-forward")
DSL_ROLES = ("dsl", "ddsl")
HISTORY_HINT = ("Nothing in the file needs changing: this notes, for quality assurance, "
                "that it was done late.")
PAST_HINT = ("That half term is over: this is noted for quality assurance. Make sure the "
             "current half term is on track (`supervision status`).")
#: People with this role are supervised outside the organisation.
EXTERNAL_ROLE = "external-supervisor"


@dataclass(frozen=True, slots=True)
class Item:
    """One obligation found by a time rule: who, what, by when, where."""

    rule: str
    state: str
    path: str
    line: int
    col: int
    message: str
    people: tuple[str, ...] = ()
    due: dt.date | None = None
    school: str | None = None
    severity: str | None = None  # shown by `supervision check`; None: status only
    hint: str | None = None
    #: about a record not sent yet (not committed, or not signed off): a check of
    #: particular paths (the pre-commit hook) shows it as a warning, so it never blocks
    #: the commit that sends the record
    until_sent: bool = False

    def problem(self) -> Problem:
        return problem(self.rule, self.path, self.line, self.col, self.message, self.hint,
                       self.severity)

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "state": self.state, "due": iso(self.due),
                "path": self.path, "line": self.line, "col": self.col,
                "message": self.message, "people": list(self.people), "school": self.school,
                "severity": self.severity}


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, dt.date) else None

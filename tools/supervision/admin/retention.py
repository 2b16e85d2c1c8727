"""How long each record is kept, and which are past it (``supervision retention``).

The school keeps supervision records for ``retention_years`` (supervision.yml),
counted from the later of:

* the record's date, and
* the day its supervisee left (``left`` in people.yml), when people.yml gives one
  (for a group session: the latest day any of its members left).

A contract is kept while it is in force: its period counts from the later of those
and the day the supervisee's next contract began; the latest contract of someone who
has not left is in force, so it is never due. A record that cannot be read (no
facts) cannot be judged and is listed as such. Nothing here changes a file.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from supervision.deadlines.school_year import add_months
from supervision.repo import RecordsRepo

CONTRACT = "contract"


@dataclass(frozen=True)
class Kept:
    """One record's retention: from when it counts, why, and until when it is kept."""

    path: str
    form: str
    date: dt.date
    counted_from: dt.date
    because: str  # "the record's date", "Sam Sample (dsl-sample) left", ...
    kept_until: dt.date
    people: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "form": self.form, "date": self.date.isoformat(),
                "counted_from": self.counted_from.isoformat(), "because": self.because,
                "kept_until": self.kept_until.isoformat(), "people": list(self.people)}


@dataclass
class Review:
    years: int
    today: dt.date
    due: list[Kept]  # past the retention period, oldest first
    kept: int  # how many records are still within it
    in_force: list[str]  # contracts still in force (kept whatever their age)
    unreadable: list[str]  # records whose retention cannot be worked out


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def kept_until(start: dt.date, years: int) -> dt.date:
    return add_months(start, 12 * years)


class Retention:
    """Retention of the records whose facts ``facts`` holds (path -> facts)."""

    def __init__(self, repo: RecordsRepo, facts: dict[str, dict[str, Any]]) -> None:
        self.repo = repo
        self.years = repo.config.retention_years if repo.config else 7
        self.facts = facts
        #: supervisee -> their contracts' dates, sorted
        self.contracts: dict[str, list[dt.date]] = defaultdict(list)
        for f in facts.values():
            day = _day(f.get("date"))
            if f.get("form") == CONTRACT and day is not None:
                for person in f.get("supervisees") or ():
                    self.contracts[person].append(day)
        for days in self.contracts.values():
            days.sort()

    def _left(self, people: list[str]) -> tuple[dt.date, str] | None:
        found = [(p.left, p) for pid in people
                 if (p := self.repo.people.get(pid)) is not None and p.left is not None]
        if not found:
            return None
        day, person = max(found, key=lambda item: item[0])
        return day, f"{person.name} ({person.id}) left"

    def of(self, path: str, facts: dict[str, Any] | None = None) -> Kept | None:
        """The retention of one record; None when it cannot be worked out or, for a
        contract, while it is in force."""
        f = self.facts.get(path) if facts is None else facts
        if f is None:
            return None
        day = _day(f.get("date"))
        if day is None:
            return None
        people = list(f.get("supervisees") or ())
        start, because = day, "the record's date"
        left = self._left(people)
        if f.get("form") == CONTRACT:
            later = [d for p in people for d in self.contracts.get(p, ()) if d > day]
            if later:
                start, because = min(later), "the next contract began"
            elif left is None:
                return None  # the contract in force
        if left is not None and left[0] > start:
            start, because = left
        everyone = tuple(dict.fromkeys([*people, *(x for x in (f.get("supervisor"),
                                                                f.get("reviewer")) if x)]))
        return Kept(path, str(f.get("form")), day, start, because,
                    kept_until(start, self.years), everyone)


def review(repo: RecordsRepo, facts: dict[str, dict[str, Any]], today: dt.date) -> Review:
    """Every record of the repository (``repo.record_files()``) against the period."""
    retention = Retention(repo, facts)
    due: list[Kept] = []
    kept = 0
    in_force: list[str] = []
    unreadable: list[str] = []
    for path in repo.record_files():
        f = facts.get(path)
        if f is None or _day(f.get("date")) is None:
            unreadable.append(path)
            continue
        found = retention.of(path)
        if found is None:
            in_force.append(path)
        elif found.kept_until <= today:
            due.append(found)
        else:
            kept += 1
    due.sort(key=lambda k: (k.kept_until, k.path))
    return Review(retention.years, today, due, kept, in_force, unreadable)


@dataclass(frozen=True)
class Deleted:
    """A signed record deleted from the records, as verify tells it."""

    path: str
    commit: str
    person: str | None
    date: str
    reason: str | None
    kept_until: dt.date | None  # None: its retention cannot be worked out

    @property
    def early(self) -> bool:
        """Deleted before its retention period ended."""
        return self.kept_until is not None and self.date[:10] < self.kept_until.isoformat()

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "commit": self.commit, "person": self.person,
                "date": self.date, "reason": self.reason,
                "kept_until": self.kept_until.isoformat() if self.kept_until else None,
                "early": self.early}


def deletions(repo: RecordsRepo, facts: dict[str, dict[str, Any]],
              analysis: Any) -> list[Deleted]:
    """Every signed record deleted on the line (verify's ``deleted`` status), with the
    day its retention period ended, so a deletion made before it stands out."""
    retention = Retention(repo, facts)
    ledger = analysis.ledger
    out = []
    for status in analysis.records:
        if status.status != "deleted":
            continue
        gone = status.deleted_by or {}
        last = ledger.facts(status.blob) if ledger is not None else None
        until = None
        if last is not None and last.form is not None:
            subjects = [p for name, p in last.people if name in ("supervisee", "supervisees")]
            kept = retention.of(status.path, {"form": last.form, "date": last.date,
                                              "supervisees": subjects})
            until = kept.kept_until if kept is not None else None
        out.append(Deleted(status.path, str(gone.get("commit", "")), gone.get("person"),
                           str(gone.get("date", "")), gone.get("reason"), until))
    out.sort(key=lambda d: (d.date, d.path))
    return out

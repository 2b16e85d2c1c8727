"""What each person has overdue, due soon and awaiting their signature.

Builds the report behind ``supervision status`` from the time rules' items
(:mod:`supervision.deadlines.time_rules`): every item goes to each person who must act on
it; items nobody in particular owns (the policy's review date, a missing
calendar) go to the organisation. People are listed most urgent first, and
within a person, overdue before awaiting signature before due soon, oldest
first.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from supervision.deadlines.items import AWAITING, DUE, OVERDUE, Item
from supervision.reporters import plural

SECTIONS = {OVERDUE: "overdue", AWAITING: "awaiting_signature", DUE: "due_soon"}
LABELS = {"overdue": "overdue", "awaiting_signature": "to sign", "due_soon": "due soon"}
_RANK = {"overdue": 0, "awaiting_signature": 1, "due_soon": 2}


@dataclass
class Person:
    id: str
    name: str
    school: str | None
    sections: dict[str, list[Item]] = field(
        default_factory=lambda: {name: [] for name in SECTIONS.values()})

    @property
    def empty(self) -> bool:
        return not any(self.sections.values())

    def urgency(self) -> tuple[int, dt.date, str]:
        for name in ("overdue", "awaiting_signature", "due_soon"):
            items = self.sections[name]
            if items:
                return _RANK[name], items[0].due or dt.date.min, self.id
        return 3, dt.date.max, self.id

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "school": self.school,
                **{name: [_item_dict(i) for i in items] for name, items in self.sections.items()}}


@dataclass
class Report:
    organisation: str
    today: dt.date
    due_within: int | None
    people: list[Person]
    organisation_items: Person
    focus: Person | None = None  # set by --person

    def counts(self) -> dict[str, int]:
        out = {}
        for section in SECTIONS.values():
            seen: set[tuple[Any, ...]] = set()
            for person in [*self.people, self.organisation_items]:
                seen.update(_key(i) for i in person.sections[section])
            out[section] = len(seen)
        return out

    def summary(self) -> str:
        counts = self.counts()
        who = self.focus.name + f" ({self.focus.id})" if self.focus else self.organisation
        if not any(counts.values()):
            return f"{who}, {self.today}: nothing overdue, due soon or awaiting signature."
        listed = len([p for p in self.people if not p.empty])
        people = "" if self.focus else f", for {plural(listed, 'person', 'people')}"
        return (f"{who}, {self.today}: {counts['overdue']} overdue, {counts['due_soon']} due "
                f"soon, {counts['awaiting_signature']} awaiting signature{people}.")

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "today": self.today.isoformat(),
            "due_within_days": self.due_within,
            "summary": {**self.counts(), "text": self.summary()},
            "people": [p.as_dict() for p in self.people if not p.empty or p is self.focus],
            "organisation_items": {name: [_item_dict(i) for i in items]
                                   for name, items in self.organisation_items.sections.items()},
        }


def _key(item: Item) -> tuple[Any, ...]:
    return (item.rule, item.path, item.line, item.col, item.message)


def _item_dict(item: Item) -> dict[str, Any]:
    data = item.as_dict()
    data.pop("state", None)
    return data


def _sort_key(section: str, item: Item) -> tuple[Any, ...]:
    if section == "awaiting_signature":
        return (item.due or dt.date.max, item.path, item.line)
    return (item.due or dt.date.min, item.path, item.line)


def build(repo: Any, items: list[Item], today: dt.date, due_within: int | None,
          person: str | None = None, school: str | None = None) -> Report:
    """Group ``items`` by person (only ``person``'s, or one ``school``'s, if given)."""
    people: dict[str, Person] = {}
    organisation = Person("", "Organisation", None)

    def entry(pid: str) -> Person:
        if pid not in people:
            known = repo.people.get(pid)
            people[pid] = Person(pid, known.name if known else pid,
                                 known.school if known else None)
        return people[pid]

    for item in items:
        section = SECTIONS.get(item.state)
        if section is None:
            continue
        if school is not None and item.school != school:
            continue
        if person is not None and person not in item.people:
            continue
        owners = [pid for pid in item.people if person is None or pid == person]
        if not owners:
            organisation.sections[section].append(item)
        for pid in owners:
            entry(pid).sections[section].append(item)
    focus = entry(person) if person is not None else None
    for who in [*people.values(), organisation]:
        for section, listed in who.sections.items():
            listed.sort(key=functools.partial(_sort_key, section))
    ordered = sorted(people.values(), key=Person.urgency)
    config = repo.config
    return Report(config.organisation if config else "", today, due_within, ordered,
                  organisation, focus)


# -- kept in the store -------------------------------------------------------------------
#: The store's namespace for the time-rule items of the whole repository, by state key.
ITEMS_NAMESPACE = "status"


def kept_items(root: Any, key: str, due_within: int | None) -> list[Item] | None:
    """The items stored under ``key`` (see ``Checker.state_key``), or None."""
    from supervision.cache import Cache

    cache = Cache(root, ITEMS_NAMESPACE, f"{key}|{due_within}")
    try:
        stored = cache.get("items", [])
    finally:
        cache.close()
    if stored is None:
        return None
    return [Item(rule, state, path, line, col, message, tuple(people),
                 dt.date.fromisoformat(due) if due else None, school, severity, hint,
                 until_sent)
            for (rule, state, path, line, col, message, people, due, school, severity, hint,
                 until_sent) in stored]


def keep_items(root: Any, key: str, due_within: int | None, items: list[Item]) -> None:
    """Store the whole repository's items under ``key``, replacing older ones."""
    from supervision.cache import Cache

    cache = Cache(root, ITEMS_NAMESPACE, f"{key}|{due_within}")
    try:
        cache.clear()
        cache.put("items", [], [
            [i.rule, i.state, i.path, i.line, i.col, i.message, list(i.people),
             i.due.isoformat() if i.due else None, i.school, i.severity, i.hint, i.until_sent]
            for i in items])
        cache.save()
    finally:
        cache.close()

"""Counts with their base (held of due, agreed of held...), published together.

Each share is split into what it counts and what is left of its base (held and
not held), so a table that shows both the count and the base also protects the
difference: "13 held of 14 due" would otherwise give away the one session
missed even with the percentage hidden. Each share gives two tables:

* trust-wide, by period: rows are the count and the rest, columns the half
  terms (or terms); the column totals are the base;
* over the year, by group (cluster or phase, :mod:`grouping`): rows are groups,
  columns the count and the rest; rows about fewer than ``min_people`` are pooled.

The two share the year's totals, and shares with the same base (written up and
agreed, both of the sessions held) share the base, so every table of a page is
protected with :func:`~supervision.site.disclosure.protect_linked`: a number
hidden in one table is hidden wherever else it appears.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from supervision.site.disclosure import (
    SUPPRESSED,
    TOTAL,
    Link,
    Protected,
    Spec,
    percent,
    pool_rows,
    protect_linked,
)
from supervision.site.grouping import Grouping
from supervision.site.metrics import Counts
from supervision.site.tables import Settings, Value


@dataclass
class Share:
    """One published share: its trust-wide table by period and its group table."""

    width: int
    trust: Protected | None = None
    groups: Protected | None = None
    threshold: int = 5

    def part(self) -> list[Value]:
        return list(self.trust.cells[0][:-1]) if self.trust else [SUPPRESSED] * self.width

    def base(self) -> list[Value]:
        return list(self.trust.cells[-1][:-1]) if self.trust else [SUPPRESSED] * self.width

    def part_year(self) -> Value:
        return self.trust.cells[0][-1] if self.trust else SUPPRESSED

    def base_year(self) -> Value:
        return self.trust.cells[-1][-1] if self.trust else SUPPRESSED

    def rates(self) -> list[Value]:
        return [percent(p, b, self.threshold) for p, b in zip(self.part(), self.base(),
                                                              strict=True)]

    def rate_year(self) -> str:
        return percent(self.part_year(), self.base_year(), self.threshold)

    def group_labels(self) -> list[str]:
        return list(self.groups.rows[:-1]) if self.groups else []

    def group(self, label: str) -> tuple[Value, Value, str]:
        """A group's count, base and share over the year (TOTAL for the trust)."""
        if self.groups is None or label not in self.groups.rows:
            return SUPPRESSED, SUPPRESSED, SUPPRESSED
        row = self.groups.cells[self.groups.rows.index(label)]
        return row[0], row[-1], percent(row[0], row[-1], self.threshold)


@dataclass
class _Entry:
    key: str
    part: Counts
    base: Counts
    names: tuple[str, str]
    base_key: str | None
    part_key: str | None
    by_group: bool


@dataclass
class Shares:
    """Collects a page's shares, then publishes them all at once (:meth:`publish`)."""

    grouping: Grouping
    settings: Settings
    entries: list[_Entry] = field(default_factory=list)

    def add(self, key: str, part: Counts, base: Counts, names: tuple[str, str],
            base_key: str | None = None, part_key: str | None = None,
            by_group: bool = True) -> None:
        """``part`` and ``base``: school x period counts with the same rows and columns.
        Counts given the same key (``base_key`` or ``part_key``) in two shares are the
        same numbers (the sessions held: counted in one, the base of another)."""
        self.entries.append(_Entry(key, part, base, names, base_key, part_key, by_group))

    def _trust(self, e: _Entry) -> Spec | None:
        people = sum(e.base.people.values()) if e.base.people else self.settings.min_people
        if people < self.settings.min_people or not e.base.rows:
            return None
        width = len(e.base.cols)
        part = [e.part.total(i) for i in range(width)]
        rest = [e.base.total(i) - part[i] for i in range(width)]
        return list(e.names), list(e.base.cols), [part, rest]

    def _groups(self, e: _Entry) -> Spec | None:
        if not e.by_group or self.grouping.kind is None:
            return None
        part, base = self.grouping.regroup(e.part), self.grouping.regroup(e.base)
        rows = {label: [sum(p), sum(b) - sum(p)] for label, p, b in
                zip(base.rows, part.values, base.values, strict=True)}
        kept = pool_rows(rows, base.people, self.settings.min_people, self.grouping.pooled)
        if len(kept) < 2:
            return None
        return list(kept), list(e.names), [kept[label] for label in kept]

    def publish(self) -> dict[str, Share]:
        specs: list[Spec] = []
        where: dict[str, tuple[int | None, int | None]] = {}
        for e in self.entries:
            found: list[int | None] = []
            for spec in (self._trust(e), self._groups(e) if self._trust(e) else None):
                if spec is None:
                    found.append(None)
                else:
                    specs.append(spec)
                    found.append(len(specs) - 1)
            where[e.key] = (found[0], found[1])
        links: list[Link] = []
        for e in self.entries:
            t, g = where[e.key]
            if t is not None and g is not None:
                links += [((t, e.names[0], TOTAL), (g, TOTAL, e.names[0])),
                          ((t, e.names[1], TOTAL), (g, TOTAL, e.names[1])),
                          ((t, TOTAL, TOTAL), (g, TOTAL, TOTAL))]
        for a, b in combinations(self.entries, 2):
            for role_a, role_b in (("part", "part"), ("part", "base"), ("base", "part"),
                                   ("base", "base")):
                if _key(a, role_a) is not None and _key(a, role_a) == _key(b, role_b):
                    links += _same(a, role_a, b, role_b, where, specs)
        out = protect_linked(specs, links, self.settings.threshold)
        shares = {}
        for e in self.entries:
            t, g = where[e.key]
            shares[e.key] = Share(len(e.base.cols), out[t] if t is not None else None,
                                  out[g] if g is not None else None, self.settings.threshold)
        return shares


def _key(e: _Entry, role: str) -> str | None:
    return e.part_key if role == "part" else e.base_key


def _same(a: _Entry, role_a: str, b: _Entry, role_b: str,
          where: dict[str, tuple[int | None, int | None]], specs: list[Spec]) -> list[Link]:
    """Links between the cells of two shares that hold the same numbers: period by period
    in the trust tables, group by group in the group tables."""
    links: list[Link] = []
    (ta, ga), (tb, gb) = where[a.key], where[b.key]
    # the part is a row of a trust table and a column of a group table; the base a total
    line_a = a.names[0] if role_a == "part" else TOTAL
    line_b = b.names[0] if role_b == "part" else TOTAL
    if ta is not None and tb is not None and list(a.base.cols) == list(b.base.cols):
        links += [((ta, line_a, col), (tb, line_b, col)) for col in [*a.base.cols, TOTAL]]
    if ga is not None and gb is not None and specs[ga][0] == specs[gb][0]:
        links += [((ga, row, line_a), (gb, row, line_b)) for row in [*specs[ga][0], TOTAL]]
    return links

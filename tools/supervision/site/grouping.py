"""Which rows the reports break the trust into: clusters, phases, or none.

Per-school rows are almost all ``c`` when a school has two to four DSLs, so the
reports never show single schools. When schools in ``supervision.yml`` give a
``cluster``, rows are clusters; otherwise, when they give a ``phase``, rows are
phases; otherwise there is no breakdown and every table is trust-wide. Schools
without the chosen field share one row. Rows about fewer than ``min_people``
people are still pooled later (:func:`supervision.site.disclosure.pool_rows`).

Only one breakdown is ever published: two overlapping ones (clusters and phases,
or clusters and schools) could be subtracted from each other to give a single
school's numbers, including a school too small to have a row of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from supervision.config import Config
from supervision.site.metrics import Counts

ALL_SCHOOLS = "All schools"


@dataclass(frozen=True)
class Grouping:
    """School name -> the label of its row; ``kind`` is None when tables are trust-wide."""

    kind: str | None
    of_school: dict[str, str] = field(default_factory=dict)

    @property
    def pooled(self) -> str:
        return f"Other {self.kind}s (combined)" if self.kind else "Other schools (combined)"

    @property
    def heading(self) -> str:
        return f"By {self.kind}" if self.kind else ""

    def labels(self) -> list[str]:
        seen: list[str] = []
        for label in self.of_school.values():
            if label not in seen:
                seen.append(label)
        return seen

    def regroup(self, counts: Counts) -> Counts:
        """Rows of schools summed into rows of groups; other rows are kept as they are.

        A group's people are the sum of its schools' (each the fewest in any column),
        which is never more than the group's own fewest, so pooling stays safe.
        """
        order: list[str] = []
        values: dict[str, list[int]] = {}
        people: dict[str, int] = {}
        for label, row in zip(counts.rows, counts.values, strict=True):
            group = self.of_school.get(label, label)
            if group not in values:
                order.append(group)
                values[group] = [0] * len(counts.cols)
                people[group] = 0
            values[group] = [a + b for a, b in zip(values[group], row, strict=True)]
            people[group] += counts.people.get(label, 0)
        return Counts(order, list(counts.cols), [values[g] for g in order],
                      people if counts.people else {})


def whole(counts: Counts) -> Counts:
    """Every row added into one, about everyone the rows are about."""
    width = len(counts.cols)
    people = {ALL_SCHOOLS: sum(counts.people.values())} if counts.people else {}
    return Counts([ALL_SCHOOLS], list(counts.cols),
                  [[counts.total(i) for i in range(width)]] if counts.rows else [[0] * width],
                  people)


def _phase_label(value: str) -> str:
    return value.replace("-", " ").capitalize()


def grouping(config: Config | None) -> Grouping:
    """Clusters when any school gives one, else phases, else trust-wide."""
    schools = list(config.schools.values()) if config else []
    if any(s.cluster for s in schools):
        return Grouping("cluster", {s.name: s.cluster or "No cluster given" for s in schools})
    if any(s.phase for s in schools):
        return Grouping("phase", {s.name: _phase_label(s.phase) if s.phase else
                                  "No phase given" for s in schools})
    return Grouping(None, {s.name: ALL_SCHOOLS for s in schools})

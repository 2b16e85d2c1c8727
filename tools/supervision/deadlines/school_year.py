"""School years and calendar months: pure date arithmetic, no files read.

An English school year runs from 1 September to 31 August and is named like
``2026-27``; it has six half terms. Record paths (``records/<school>/<year>/``),
the school calendar and the time rules all use these helpers, so they live apart
from :mod:`supervision.deadlines.school_calendar`, which reads calendar files.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

_YEAR = re.compile(r"(\d{4})-(\d{2})\Z")


@dataclass(frozen=True, slots=True)
class HalfTerm:
    year: str          # "2026-27"
    term: str          # "Autumn"
    name: str          # "Autumn 1"
    index: int         # 1..6 within the year
    start: dt.date
    end: dt.date

    @property
    def key(self) -> str:
        """Stable id used in reports and JSON, e.g. ``2026-27-1``."""
        return f"{self.year}-{self.index}"

    @property
    def term_key(self) -> str:
        """The term this half term belongs to, e.g. ``2026-27 Autumn``."""
        return f"{self.year} {self.term}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class SchoolYear:
    year: str
    half_terms: tuple[HalfTerm, ...]
    closures: dict[dt.date, str] = field(default_factory=dict)
    path: str = ""

    @property
    def start(self) -> dt.date:
        return self.half_terms[0].start

    @property
    def end(self) -> dt.date:
        return self.half_terms[-1].end


def year_bounds(year: str) -> tuple[dt.date, dt.date] | None:
    """'2026-27' -> (2026-09-01, 2027-08-31); None if not a valid year name."""
    match = _YEAR.match(year)
    if not match:
        return None
    first = int(match.group(1))
    if (first + 1) % 100 != int(match.group(2)):
        return None
    return dt.date(first, 9, 1), dt.date(first + 1, 8, 31)


def academic_year(day: dt.date) -> str:
    """2026-11-22 -> '2026-27'; the year turns on 1 September."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later (31 Jan + 1 -> 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has 28 days

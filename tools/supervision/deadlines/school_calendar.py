"""The school calendar: academic years, terms, half terms, closures, working days.

Term dates are set by each local authority or trust, so they are configuration:
one file per academic year, ``calendar/2026-27.yml``, checked like a record.
Bank holidays come from the ``holidays`` package for the nation in
``supervision.yml`` (England by default: plain "GB" would miss Easter Monday and
the August bank holiday in England). How working days are counted is a setting:

* ``weekdays``: Monday to Friday, minus bank holidays (the common reading);
* ``school-days``: days inside a half term, minus weekends, bank holidays and
  closure days.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from functools import cached_property
from pathlib import Path
from typing import Any

from supervision.deadlines.school_year import HalfTerm, SchoolYear, academic_year, year_bounds
from supervision.forms.definition import load_core
from supervision.forms.validate import Context, validate
from supervision.forms.yamlparse import parse_file
from supervision.problems import Problem
from supervision.reporters import plural
from supervision.rules import problem

SUBDIVISIONS = {"ENG": "ENG", "WLS": "WLS", "SCT": "SCT", "NIR": "NIR"}
HALF_TERMS_PER_YEAR = 6


class SchoolCalendar:
    """Loaded calendar files plus bank holidays, with working-day arithmetic."""

    def __init__(self, years: dict[str, SchoolYear], problems: list[Problem],
                 working_days: str = "weekdays", nation: str = "ENG",
                 cache_folder: Path | None = None) -> None:
        self.years = years
        self.problems = problems
        self.working_days = working_days
        self.nation = nation
        #: Where bank holiday dates are remembered between runs (None: not at all).
        self.cache_folder = cache_folder
        self._half_terms = sorted((h for y in years.values() for h in y.half_terms),
                                  key=lambda h: h.start)
        self._working: dict[dt.date, bool] = {}
        self._counts_for: dict[dt.date, HalfTerm | None] = {}
        self._terms: dict[str, list[HalfTerm]] = {}

    # -- lookups -------------------------------------------------------------------
    def year(self, name: str) -> SchoolYear | None:
        return self.years.get(name)

    def year_of(self, day: dt.date) -> SchoolYear | None:
        return self.years.get(academic_year(day))

    def half_terms(self, year: str | None = None) -> list[HalfTerm]:
        if year is None:
            return list(self._half_terms)
        found = self.years.get(year)
        return list(found.half_terms) if found else []

    def half_term_of(self, day: dt.date) -> HalfTerm | None:
        """The half term whose dates include ``day`` (None in a holiday)."""
        for half in self._half_terms:
            if half.start <= day <= half.end:
                return half
        return None

    def next_half_term(self, day: dt.date) -> HalfTerm | None:
        """The half term containing ``day`` or, in a holiday, the next one."""
        for half in self._half_terms:
            if day <= half.end:
                return half
        return None

    def half_term_counting(self, day: dt.date) -> HalfTerm | None:
        """The half term a session on ``day`` counts for.

        The half term containing the day or, in a holiday, the half term just
        before it (a catch-up held in the holiday counts for the half term that
        ended). None before the first half term of the calendar, or when the
        day's academic year has no calendar.
        """
        if day in self._counts_for:
            return self._counts_for[day]
        found: HalfTerm | None = None
        if self.year_of(day) is not None or self.half_term_of(day) is not None:
            for half in self._half_terms:
                if half.start > day:
                    break
                found = half
        self._counts_for[day] = found
        return found

    def half_term_after(self, half: HalfTerm) -> HalfTerm | None:
        for candidate in self._half_terms:
            if candidate.start > half.end:
                return candidate
        return None

    def term_half_terms(self, half: HalfTerm) -> list[HalfTerm]:
        """Both half terms of the term ``half`` belongs to."""
        found = self._terms.get(half.term_key)
        if found is None:
            found = [h for h in self._half_terms if h.term_key == half.term_key]
            self._terms[half.term_key] = found
        return list(found)

    def soon_until(self, day: dt.date) -> dt.date | None:
        """End of the half term after the one ``day`` is in (or, in a holiday, follows).

        "Due within a half term" warnings use it: whatever falls due before then
        needs arranging now. None when the calendar does not reach that far.
        """
        current = self.next_half_term(day)
        if current is None:
            return None
        following = self.half_term_after(current)
        return (following or current).end

    def why_closed(self, day: dt.date) -> str | None:
        """Why ``day`` is not a school day, in words; None on a school day."""
        bank = self.bank_holiday(day)
        if bank:
            return f"{bank}, a bank holiday"
        if day.weekday() >= 5:
            return f"a {day.strftime('%A')}"
        if self.closure(day) is not None:
            return "a closure day in the school calendar"
        if self.year_of(day) is not None and self.half_term_of(day) is None:
            before = [h for h in self._half_terms if h.end < day]
            after = self.next_half_term(day)
            if before and after and before[-1].year == after.year:
                return f"in the school holiday between {before[-1].name} and {after.name}"
            return "in the school holidays"
        return None

    def closure(self, day: dt.date) -> str | None:
        year = self.year_of(day)
        return year.closures.get(day) if year else None

    @cached_property
    def _bank(self) -> dict[dt.date, str]:
        years = sorted({y for h in self._half_terms for y in (h.start.year, h.end.year)})
        if not years:
            years = [dt.date.today().year]
        return bank_holidays(self.nation, years[0] - 1, years[-1] + 1, self.cache_folder)

    def bank_holiday(self, day: dt.date) -> str | None:
        name = self._bank.get(day)
        return str(name) if name else None

    def is_school_day(self, day: dt.date) -> bool:
        return (day.weekday() < 5 and self.half_term_of(day) is not None
                and self.bank_holiday(day) is None and self.closure(day) is None)

    def school_day_from(self, day: dt.date, limit: int = 60) -> dt.date:
        """``day`` if the school is open then, else the next school day (within ``limit``
        days; ``day`` itself when there is none, e.g. outside every calendar)."""
        for offset in range(limit):
            candidate = day + dt.timedelta(days=offset)
            if self.is_school_day(candidate):
                return candidate
        return day

    def is_working_day(self, day: dt.date) -> bool:
        known = self._working.get(day)
        if known is None:
            if self.working_days == "school-days":
                known = self.is_school_day(day)
            else:
                known = day.weekday() < 5 and self.bank_holiday(day) is None
            self._working[day] = known
        return known

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The date ``count`` working days after ``day`` (``day`` itself not counted)."""
        if count < 0:
            raise ValueError("count must not be negative")
        current = day
        limit = day + dt.timedelta(days=count * 7 + 400)  # guard against an empty calendar
        while count:
            current += dt.timedelta(days=1)
            if current > limit:
                return limit
            if self.is_working_day(current):
                count -= 1
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
        count = 0
        current = start
        while current < end:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


def _check_year(name: str, typed: dict[str, Any], path: str, positions: Any,
                problems: list[Problem]) -> SchoolYear | None:
    def report(rule: str, keypath: tuple[Any, ...], message: str) -> None:
        line, col = positions(keypath)
        problems.append(problem(rule, path, line, col, message))

    bounds = year_bounds(name)
    if bounds is None:
        report("CALENDAR-INVALID", (), f"the file name {name}.yml is not an academic year "
               "written like 2026-27")
        return None
    if typed.get("year") != name:
        report("CALENDAR-INVALID", ("year",),
               f"'year' must be {name}, to match the file name")
    halves: list[HalfTerm] = []
    for t_index, term in enumerate(typed.get("terms", [])):
        for h_index, half in enumerate(term.get("half_terms", [])):
            where = ("terms", t_index, "half_terms", h_index)
            if "start" not in half or "end" not in half:
                continue
            if half["end"] < half["start"]:
                report("CALENDAR-INVALID", where + ("end",),
                       f"{half.get('name', 'this half term')} ends before it starts")
                continue
            if half["start"] < bounds[0] or half["end"] > bounds[1]:
                report("CALENDAR-INVALID", where,
                       f"{half.get('name', 'this half term')} falls outside the {name} "
                       f"academic year ({bounds[0]} to {bounds[1]})")
            halves.append(HalfTerm(name, term.get("name", f"Term {t_index + 1}"),
                                   half.get("name", f"Half term {len(halves) + 1}"),
                                   len(halves) + 1, half["start"], half["end"]))
    if len(halves) != HALF_TERMS_PER_YEAR:
        report("CALENDAR-INVALID", ("terms",),
               f"the year has {plural(len(halves), 'usable half term')}; it needs "
               f"{HALF_TERMS_PER_YEAR} (three terms of two)")
        return None
    for before, after in zip(halves, halves[1:], strict=False):
        if after.start <= before.end:
            report("CALENDAR-OVERLAP", ("terms",),
                   f"{after.name} starts on {after.start}, before {before.name} ends on "
                   f"{before.end}")
            return None
    closures: dict[dt.date, str] = {}
    for index, item in enumerate(typed.get("closures", [])):
        day = item.get("date")
        if day is None:
            continue
        if not any(h.start <= day <= h.end for h in halves):
            report("CALENDAR-INVALID", ("closures", index, "date"),
                   f"the closure on {day} is not inside a half term")
        closures[day] = item.get("reason", "closed")
    return SchoolYear(name, tuple(halves), closures, path)


def load_calendar(root: Path, folder: str = "calendar", working_days: str = "weekdays",
                  nation: str = "ENG") -> SchoolCalendar:
    """Read every ``<folder>/<year>.yml``; problems are collected, never raised."""
    _kinds, forms, problems = load_core()
    years: dict[str, SchoolYear] = {}
    base = root / folder
    files = sorted(base.glob("*.yml")) + sorted(base.glob("*.yaml")) if base.is_dir() else []
    for file in files:
        rel = file.relative_to(root).as_posix()
        doc, found = parse_file(str(file), rel)
        problems += found
        if doc is None:
            continue
        typed, found = validate(doc, forms["calendar"], Context(check_people=False))
        problems += found
        if found:
            continue
        name = file.stem
        year = _check_year(name, typed, rel, doc.where, problems)
        if year is not None:
            years[name] = year
    ordered = sorted(years.values(), key=lambda y: y.start)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.start <= before.end:
            line, col = 1, 1
            problems.append(problem("CALENDAR-OVERLAP", after.path, line, col,
                                    f"{after.year} starts before {before.year} ends"))
    return SchoolCalendar(years, problems, working_days, nation)


def calendar_for(repo: Any) -> SchoolCalendar:
    """The calendar of a :class:`~supervision.repo.RecordsRepo`, per its settings."""
    from supervision.cache import cache_dir

    config = repo.config
    if config is None:
        found = load_calendar(repo.root)
    else:
        found = load_calendar(repo.root, config.calendar, config.working_days,
                              config.bank_holidays)
    found.cache_folder = cache_dir(repo.root)
    return found


def _holidays_installed() -> str:
    """Which copy of the ``holidays`` package is installed, without importing it or
    reading every package's metadata (importlib.metadata costs as much as the rest of
    a one-record check's calendar): its folder and its files' sizes and times."""
    import importlib.util

    spec = importlib.util.find_spec("holidays")
    if spec is None or not spec.origin:
        return "missing"
    folder = Path(spec.origin).parent
    parts = [str(folder)]
    for name in ("__init__.py", "holiday_base.py", "countries/united_kingdom.py"):
        with contextlib.suppress(OSError):
            st = (folder / name).stat()
            parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def bank_holidays(nation: str, first_year: int, last_year: int,
                  cache_folder: Path | None = None) -> dict[dt.date, str]:
    """Bank holidays of one UK nation from the ``holidays`` package, remembered on disk.

    Importing ``holidays`` and building the dates takes about 0.2 s, as long as the
    rest of a warm ``supervision check``; the dates for a nation and span of years
    only change with the package's version, which is part of the cache key.
    """
    subdiv = SUBDIVISIONS.get(nation, "ENG")
    key = f"GB-{subdiv}:{first_year}-{last_year}:holidays-{_holidays_installed()}"
    path = cache_folder / "bank-holidays.json" if cache_folder is not None else None
    if path is not None:
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("key") == key:
                return {dt.date.fromisoformat(d): n for d, n in stored["dates"].items()}
    import holidays

    found = holidays.country_holidays("GB", subdiv=subdiv,
                                      years=range(first_year, last_year + 1))
    dates = {day: str(name) for day, name in found.items()}
    if path is not None:
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps({"key": key, "dates": {
                d.isoformat(): n for d, n in sorted(dates.items())}}), encoding="utf-8")
            os.replace(tmp, path)
    return dates

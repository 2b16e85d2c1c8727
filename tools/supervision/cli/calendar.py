"""``supervision calendar show [YEAR]``: one school year's terms, closures and bank holidays."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from supervision.cli import EXIT_FINDINGS, EXIT_OK, Refused, UsageError, open_repo, today

WORKING_DAYS = {
    "weekdays": "Monday to Friday, except bank holidays",
    "school-days": "school days only: term time, except weekends, bank holidays and closures",
}
NATIONS = {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "calendar", parents=[common],
        help="show the school calendar: half terms, closures, bank holidays",
        description="Show one academic year from calendar/<year>.yml: its terms and half "
        "terms, closure days, the bank holidays that fall in it, and how working days are "
        "counted. Exit code 1 if the year's calendar file has problems.",
    )
    actions = p.add_subparsers(dest="calendar_action", metavar="ACTION", required=True)
    show = actions.add_parser("show", parents=[common], help="show one school year")
    show.add_argument("year", nargs="?", metavar="YEAR",
                      help="academic year written like 2026-27 (default: the current one)")
    show.add_argument("--format", choices=("text", "json"), default="text",
                      help="text for people (default) or json")
    show.set_defaults(run=run)


def _day(day: dt.date) -> str:
    return f"{day.strftime('%a')} {day.day} {day.strftime('%b %Y')}"


def run(args: argparse.Namespace) -> int:
    from supervision import reporters
    from supervision.deadlines.school_calendar import calendar_for
    from supervision.deadlines.school_year import academic_year, year_bounds

    repo = open_repo(args)
    year = args.year or academic_year(today(args))
    bounds = year_bounds(year)
    if bounds is None:
        raise UsageError(f"{year!r} is not an academic year",
                         "Write the year like 2026-27 (September 2026 to August 2027).")
    calendar = calendar_for(repo)
    folder = repo.config.calendar if repo.config else "calendar"
    found = calendar.year(year)
    if found is None:
        own = [p for p in calendar.problems if p.path.startswith(f"{folder}/{year}.")]
        if own:
            reporters.text(own, sys.stdout,
                           f"{folder}/{year}.yml has problems; fix them to see the calendar.")
            return EXIT_FINDINGS
        have = ", ".join(sorted(calendar.years)) or "none"
        raise Refused(f"there is no {folder}/{year}.yml (calendar years here: {have})",
                      f"Copy an existing year to {folder}/{year}.yml and put in the term dates "
                      "your local authority or trust published.")
    bank = [(day, name) for day, name in _bank_holidays(calendar, *bounds)]
    if args.format == "json":
        json.dump({
            "year": year, "file": found.path, "working_days": calendar.working_days,
            "bank_holidays_for": calendar.nation,
            "half_terms": [{"key": h.key, "term": h.term, "name": h.name,
                            "start": h.start.isoformat(), "end": h.end.isoformat(),
                            "school_days": _school_days(calendar, h.start, h.end)}
                           for h in found.half_terms],
            "closures": [{"date": d.isoformat(), "reason": found.closures[d]}
                         for d in sorted(found.closures)],
            "bank_holidays": [{"date": d.isoformat(), "name": n,
                               "in_term": calendar.half_term_of(d) is not None}
                              for d, n in bank],
        }, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return EXIT_OK
    out = sys.stdout
    out.write(f"School year {year} ({found.path})\n")
    out.write(f"Working days: {WORKING_DAYS.get(calendar.working_days, calendar.working_days)}"
              f"; bank holidays for {NATIONS.get(calendar.nation, calendar.nation)}.\n")
    term = None
    for half in found.half_terms:
        if half.term != term:
            term = half.term
            out.write(f"\n{term} term\n")
        days = _school_days(calendar, half.start, half.end)
        out.write(f"  {half.name:<12} {_day(half.start):<16} to {_day(half.end):<16} "
                  f"{days:>3} school days\n")
    out.write("\nClosure days in term time\n")
    if not found.closures:
        out.write("  none\n")
    for day in sorted(found.closures):
        out.write(f"  {_day(day):<16} {found.closures[day]}\n")
    out.write("\nBank holidays\n")
    for day, name in bank:
        where = "" if calendar.half_term_of(day) is not None else " (school holiday)"
        out.write(f"  {_day(day):<16} {name}{where}\n")
    return EXIT_OK


def _school_days(calendar: Any, start: dt.date, end: dt.date) -> int:
    count = 0
    day = start
    while day <= end:
        if calendar.is_school_day(day):
            count += 1
        day += dt.timedelta(days=1)
    return count


def _bank_holidays(calendar: Any, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    out = []
    day = start
    while day <= end:
        name = calendar.bank_holiday(day)
        if name:
            out.append((day, name))
        day += dt.timedelta(days=1)
    return out

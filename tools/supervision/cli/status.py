"""``supervision status``: per person, what is overdue, due soon and awaiting signature."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from supervision.cli import EXIT_OK, known_id, open_repo, require_settings, today


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if value < 0 or value > 3660:
        raise argparse.ArgumentTypeError("give a number of days from 0 to 3660")
    return value


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "status", parents=[common],
        help="what is overdue, due soon and awaiting signature, per person",
        description="List, for each person, what is overdue, what is due soon and which "
        "records await their signature, most urgent first, with a one-line summary at the "
        "top. With no options: the whole organisation. Works from the cache that "
        "`supervision check` keeps, so it is quick on a large repository. Always exits 0 "
        "unless the command itself is wrong (2).",
    )
    p.add_argument("--person", metavar="ID", help="only this person's own list")
    p.add_argument("--school", metavar="ID", help="only this school's records and people")
    p.add_argument("--due-within", type=_days, metavar="DAYS",
                   help="how many days ahead counts as due soon (default: the profile's "
                   "due_soon_days, 14 in the built-in profiles)")
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="table for people (default; coloured on a terminal) or json")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from supervision.checker import Checker
    from supervision.deadlines.status import build

    repo = open_repo(args)
    require_settings(repo, "worked out")
    if args.person:
        known_id(args.person, list(repo.people), "person", "people.yml")
    if args.school:
        known_id(args.school, list(repo.config.schools), "school", "supervision.yml")
    day = today(args)
    items = _items(repo, Checker(repo, today=day), args.due_within)
    shown = args.due_within
    if shown is None:
        profile = repo.profiles.get(repo.config.profile)
        shown = profile.rules.due_soon_days if profile else None
    report = build(repo, items, day, shown, args.person, args.school)
    if args.format == "json":
        json.dump(report.as_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _table(report)
    return EXIT_OK


def _items(repo: Any, checker: Any, due_within: int | None) -> list[Any]:
    """Every time-rule item for today, kept in the store while nothing they depend on
    changed (records, settings, calendar, HEAD, the date: ``Checker.state_key``), so a
    status after a check (which keeps them too) or another status is quick."""
    from supervision.checker import CrossContext
    from supervision.deadlines.status import keep_items, kept_items
    from supervision.deadlines.time_rules import evaluate

    key = checker.state_key()
    if key is not None:
        stored = kept_items(repo.root, key, due_within)
        if stored is not None:
            return stored
    result = checker.all_records(verified=True)  # the time rules count verified sign-offs
    items = evaluate(CrossContext(repo, result.facts, None, checker.today), due_within)
    if key is not None:
        keep_items(repo.root, key, due_within, items)
    return items


STYLES = {"overdue": "bold red", "awaiting_signature": "cyan", "due_soon": "yellow"}
#: What rich removes from text it prints (bell, backspace, vertical tab, form feed, CR).
_CONTROL = dict.fromkeys((7, 8, 11, 12, 13))

Line = list[tuple[str, str]]  # (text, rich style; "" for none)


def _lines(report: Any) -> list[Line]:
    """The report as lines of styled pieces (one layout for the terminal and for a file)."""
    from supervision.deadlines.status import LABELS

    lines: list[Line] = [[(report.summary(), "bold")]]
    people = [report.focus] if report.focus else [p for p in report.people if not p.empty]
    if not report.focus and not report.organisation_items.empty:
        people.append(report.organisation_items)
    for person in people:
        lines.append([])
        where = f", {person.school}" if person.school else ""
        title = f"{person.name} ({person.id}{where})" if person.id else person.name
        lines.append([(title, "bold")])
        if person.empty:
            lines.append([("  nothing overdue, due soon or awaiting signature", "")])
        for section in ("overdue", "awaiting_signature", "due_soon"):
            for item in person.sections[section]:
                when = item.due.isoformat() if item.due else ""
                lines.append([("  ", ""), (f"{LABELS[section]:<9}", STYLES[section]),
                              (f" {when:<10}  ", ""), (item.message, ""),
                              (f"  {item.path}:{item.line}", "dim")])
    return lines


def _styled() -> bool:
    """Whether rich would colour the output: a terminal, or colour forced (rich reads
    FORCE_COLOR and TTY_COMPATIBLE)."""
    import os

    forced = os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1"
    return bool(forced) or sys.stdout.isatty()


def _table(report: Any) -> None:
    lines = _lines(report)
    if not _styled():
        # Into a file or a pipe (a script, the benchmark, a saved report): the same text
        # rich would print without colour, written at once. rich's rendering of a
        # trust's thousand lines took most of the command's time there.
        text = "\n".join("".join(piece for piece, _style in line) for line in lines)
        sys.stdout.write(text.expandtabs(8).translate(_CONTROL) + "\n")
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    # One print of the whole report: rich's cost is per print, and a trust's status is
    # a thousand lines.
    console.print(Text("\n").join(Text.assemble(*line) for line in lines))

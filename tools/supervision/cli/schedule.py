"""``supervision schedule --year YEAR``: propose a session per half term for each contract.

A dry run by default: it prints the proposed dates and writes nothing. With
``--write`` it creates each proposed session as a planned record (never
overwriting a file) and, with ``--ics FILE``, an iCalendar file of every
planned session in that year for people to import.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path
from typing import Any

from supervision.cli import EXIT_OK, Refused, UsageError, open_repo, require_settings, today

_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]\Z")


def _time(text: str) -> str:
    if not _TIME.match(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a time; write it as HH:MM, e.g. 14:00")
    return text


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "schedule", parents=[common],
        help="propose a session each half term for every contract",
        description="Propose one one-to-one session per half term for each supervisee with a "
        "contract, on school days (no weekends, bank holidays, closures or holidays) when "
        "neither person already has a session. Half terms that already have a held or "
        "planned session are skipped. When the supervisee's last session agreed the date of "
        "the next meeting, that date (and time) is proposed for its half term if it is a "
        "school day. A dry run unless --write is given: then each proposal "
        "becomes a planned session record (existing files are never overwritten) and --ics "
        "FILE writes an iCalendar file to import into Outlook, Google or Apple calendars.",
    )
    p.add_argument("--year", required=True, metavar="YEAR",
                   help="academic year written like 2026-27")
    p.add_argument("--ics", metavar="FILE",
                   help="also write the year's planned sessions as an iCalendar (.ics) file; "
                   "cancelled ones are in it as cancelled, so calendars drop them")
    p.add_argument("--time", type=_time, default="14:00", metavar="HH:MM",
                   help="start time for proposed sessions (default 14:00)")
    p.add_argument("--write", action="store_true",
                   help="create the planned session records (and the .ics file); without "
                   "it nothing is written")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from supervision.checker import Checker
    from supervision.deadlines.planning import Planned, ics, planned_sessions, propose
    from supervision.deadlines.school_calendar import calendar_for
    from supervision.deadlines.school_year import year_bounds
    from supervision.forms.scaffold import RecordExists, planned_path, write_new
    from supervision.reporters import plural

    repo = open_repo(args)
    require_settings(repo, "scheduled")
    if year_bounds(args.year) is None:
        raise UsageError(f"{args.year!r} is not an academic year",
                         "Write the year like 2026-27 (September 2026 to August 2027).")
    ics_path = Path(args.ics).resolve() if args.ics else None
    if ics_path is not None and ics_path.suffix.lower() != ".ics":
        raise UsageError("the --ics file name must end in .ics",
                         "For example: --ics supervision-2026-27.ics")
    calendar = calendar_for(repo)
    if calendar.year(args.year) is None:
        folder = repo.config.calendar
        raise Refused(f"there is no usable {folder}/{args.year}.yml, so no dates can be "
                      "proposed", f"Add the term dates for {args.year} to "
                      f"{folder}/{args.year}.yml and run `supervision check` on it.")
    day = today(args)
    facts = Checker(repo, today=day).all_records().facts
    proposals, notes = propose(repo, calendar, facts, args.year, day, args.time)
    out = sys.stdout
    forms = {p: repo.form(p.school, "session") for p in proposals}
    for proposal in proposals:
        form = forms[proposal]
        values = _values(proposal)
        where = planned_path(form, values) if form is not None else "?"
        out.write(f"{proposal.day} {proposal.day.strftime('%a')} {proposal.start_time}  "
                  f"{proposal.supervisee} with {proposal.supervisor}  "
                  f"({proposal.half.name})  {where}\n")
        if proposal.reason:
            out.write(f"    reason: {proposal.reason}\n")
    for note in notes:
        out.write(f"note: {note}\n")
    if not args.write:
        also = f" and {args.ics}" if args.ics else ""
        out.write(f"{plural(len(proposals), 'session')} proposed for {args.year}. This was a "
                  "dry run: "
                  f"nothing was written. Run again with --write to create them as planned "
                  f"sessions{also}.\n")
        return EXIT_OK
    written: list[Planned] = []
    skipped = 0
    for proposal in proposals:
        form = forms[proposal]
        profile = repo.profile_for(proposal.school)
        if form is None or profile is None:
            continue
        try:
            path = write_new(repo, form, profile, _values(proposal))
        except RecordExists as exc:
            out.write(f"skipped: {exc.relpath} already exists\n")
            skipped += 1
            continue
        relpath = repo.relative(path)
        written.append(Planned(relpath, proposal.supervisee, proposal.supervisor,
                               proposal.day, proposal.start_time, proposal.minutes))
        out.write(f"wrote {relpath}\n")
    out.write(f"{plural(len(written), 'planned session')} written"
              + (f", {skipped} skipped" if skipped else "") + ".\n")
    if ics_path is not None:
        existing = planned_sessions(repo, facts, calendar, args.year, args.time)
        known = {p.path for p in existing}
        events = existing + [p for p in written if p.path not in known]
        events.sort(key=lambda p: (p.day, p.path))
        stamp = dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)
        ics_path.parent.mkdir(parents=True, exist_ok=True)
        ics_path.write_bytes(ics(repo, events, stamp))
        gone = sum(1 for p in events if p.cancelled)
        cancelled = f" and {plural(gone, 'cancelled session')}" if gone else ""
        out.write(f"wrote {args.ics} with {plural(len(events) - gone, 'planned session')}"
                  f"{cancelled} for {args.year}\n")
    if written:
        out.write("Next: check and commit them, e.g. `supervision check && git add records "
                  f"&& git commit -m 'Planned sessions for {args.year}'`.\n")
    return EXIT_OK


def _values(proposal: Any) -> dict[str, Any]:
    return {"kind": "session", "format": "one-to-one", "school": proposal.school,
            "date": proposal.day, "supervisee": proposal.supervisee,
            "supervisor": proposal.supervisor, "status": "planned",
            "start_time": proposal.start_time}

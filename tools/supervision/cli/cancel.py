"""``supervision cancel PATH --by ID --rebook DATE``: record a cancellation and rebook it."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from supervision.cli import (
    EXIT_OK,
    Refused,
    UsageError,
    date_arg,
    known_id,
    open_repo,
    require_settings,
    today,
)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "cancel", parents=[common],
        help="record that a session was cancelled and book its new date",
        description="Mark a planned session as cancelled (who cancelled it, why, and the new "
        "date), changing only those lines of the file, and create the rebooked session as a "
        "planned record. Refuses a new date before the cancelled one or on a day the school "
        "is closed, an unknown person, a file that is not a session, and a session already "
        "held and signed.",
    )
    p.add_argument("path", metavar="PATH", help="the session record to cancel")
    p.add_argument("--by", required=True, metavar="ID",
                   help="id of the person who cancelled (people.yml)")
    p.add_argument("--rebook", required=True, type=date_arg, metavar="YYYY-MM-DD",
                   help="the new date")
    p.add_argument("--reason", metavar="TEXT", help="a short reason (one line)")
    p.set_defaults(run=run)


def _relpath(repo: Any, given: str) -> str:
    path = Path(given)
    absolute = (path if path.is_absolute() else Path.cwd() / path).resolve()
    try:
        return absolute.relative_to(repo.root).as_posix()
    except ValueError:
        raise UsageError(f"{given} is outside the records repository at {repo.root}",
                         "Give the path of a session record inside the repository.") from None


def run(args: argparse.Namespace) -> int:
    from supervision.checker import check_record
    from supervision.deadlines.school_calendar import calendar_for
    from supervision.forms.scaffold import RecordExists, planned_path, write_new, yaml_scalar
    from supervision.forms.yamledit import EditRefused, cancel_edit, prove, write_atomically
    from supervision.forms.yamlparse import parse_file
    from supervision.signing.signoff_dates import signoff_source

    repo = open_repo(args)
    require_settings(repo, "changed")
    relpath = _relpath(repo, args.path)
    file = repo.root / relpath
    if not file.is_file():
        raise UsageError(f"{relpath} does not exist", "Give the path of a session record.")
    known_id(args.by, list(repo.people), "person", "people.yml")
    reason = args.reason
    if reason is not None and ("\n" in reason or "\r" in reason or not reason.strip()):
        raise UsageError("--reason must be one non-empty line of text")
    doc, problems = parse_file(str(file), relpath)
    if doc is None or not isinstance(doc.data, dict):
        raise Refused(f"{relpath} cannot be read as a record; nothing was changed",
                      f"Run `supervision check {relpath}` and fix what it says first.")
    _found, facts = check_record(repo, relpath)
    if doc.data.get("kind") != "session" or facts is None or facts.get("kind") != "session":
        raise Refused(f"{relpath} is not a session record; only sessions can be cancelled",
                      "Give the path of a file made by `supervision new session`.")
    status = facts.get("status")
    if not facts.get("date"):
        raise Refused(f"{relpath} has no valid date; nothing was changed",
                      f"Run `supervision check {relpath}` and fix the date first.")
    day = dt.date.fromisoformat(facts["date"])
    if status == "cancelled":
        raise Refused(f"the session on {day} is already cancelled; nothing was changed",
                      "To change its new date, edit 'cancellation.rebooked_to' in the file.")
    if status == "held":
        signed = signoff_source(repo, {relpath: facts}).signoffs(relpath)
        if signed:
            raise Refused(f"the session on {day} was held and its record is signed "
                          f"({signed[0].role}, {signed[0].date}); it cannot be cancelled",
                          "If the record is wrong, correct it and have it signed again.")
    rebook: dt.date = args.rebook
    if rebook < day:
        raise Refused(f"the new date {rebook} is before the cancelled session's date {day}; "
                      "nothing was changed", "Give a new date on or after the cancelled one.")
    calendar = calendar_for(repo)
    if calendar.year_of(rebook) is None:
        folder = repo.config.calendar
        raise Refused(f"there is no usable calendar for {rebook}, so the new date cannot be "
                      "checked; nothing was changed",
                      f"Add the term dates to {folder}/ (see `supervision calendar show`).")
    closed = calendar.why_closed(rebook)
    if closed:
        following = rebook + dt.timedelta(days=1)
        while not calendar.is_school_day(following) and following < rebook + dt.timedelta(
                days=120):
            following += dt.timedelta(days=1)
        raise Refused(f"{rebook} is not a school day ({closed}); nothing was changed",
                      f"The next school day is {following}.")
    school = facts.get("school")
    profile = repo.profile_for(school)
    group = facts.get("form") == "group-session"
    form = repo.form(school, "session", group)
    if profile is None or form is None:
        raise Refused(f"no session form is available for school '{school}'")
    details = {"by": args.by}
    if reason is not None:
        details["reason"] = yaml_scalar(reason.strip())
    details["rebooked_to"] = rebook.isoformat()
    text = file.read_text(encoding="utf-8")
    try:
        edited = cancel_edit(text, doc, details)
        prove(doc, edited, relpath, {"status", "cancellation"})
    except EditRefused as exc:
        raise Refused(f"{relpath} could not be changed safely: {exc}; nothing was changed",
                      "Record the cancellation by hand: set 'status: cancelled' and add "
                      "'cancellation:' with by, reason and rebooked_to.") from None
    values: dict[str, Any] = {"kind": "session", "school": school, "date": rebook,
                              "supervisor": facts.get("supervisor"), "status": "planned"}
    if group:
        values.update(format="group", supervisees=facts.get("supervisees"))
    else:
        values.update(format="one-to-one", supervisee=(facts.get("supervisees") or [None])[0])
    if facts.get("start_time"):
        values["start_time"] = facts["start_time"]
    new_path = repo.root / planned_path(form, values)
    if new_path.exists():
        raise Refused(f"{repo.relative(new_path)} already exists; nothing was changed",
                      "Pick another new date, or cancel with the existing record in mind.")
    write_atomically(file, edited)
    try:
        made = write_new(repo, form, profile, values)
    except RecordExists as exc:  # appeared in the meantime
        raise Refused(f"{relpath} is now cancelled, but {exc.relpath} already exists, so no "
                      "new session was written", "Check that file is the rebooked session."
                      ) from None
    out = sys.stdout
    out.write(f"cancelled {relpath}\n")
    out.write(f"wrote {repo.relative(made)} (planned for {rebook})\n")
    limit = profile.rules.rebook_within_working_days
    if limit is not None:
        latest = calendar.add_working_days(day, limit)
        if rebook > latest:
            out.write(f"warning: the policy asks for the new date within {limit} working days "
                      f"of {day} (by {latest}); `supervision check` will note it (REBOOK-DATE)\n")
    if today(args) > rebook:
        out.write("note: the new date is in the past; record the session as held when you "
                  "fill it in\n")
    return EXIT_OK

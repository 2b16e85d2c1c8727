"""A cancelled session's new date: not before it, within the rebooking limit, and recorded."""

from __future__ import annotations

from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import (
    DUE,
    HISTORY,
    OVERDUE,
    parse_date,
)
from supervision.problems import ERROR, WARNING
from supervision.reporters import plural

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"REBOOK-DATE", "REBOOKED-SESSION"})


def check(ctx: RuleContext) -> None:
    for rec in ctx.index.all_sessions:
        if rec.status != "cancelled":
            continue
        details = rec.facts.get("cancellation") or {}
        new = parse_date(details.get("rebooked_to"))
        if new is None:
            continue  # SESSION-CANCELLED-NO-DETAILS says so
        where = (rec.path, rec.at("cancellation.rebooked_to", "cancellation", "status"))
        people = (rec.supervisor, *rec.supervisees)
        if new < rec.day:
            ctx.add("REBOOK-DATE", OVERDUE, where,
                     f"the new date {new} is before the cancelled session's date {rec.day}",
                     (rec.supervisor,), school=rec.school, severity=ERROR)
            continue
        limit = ctx.rebook_limit(rec)
        rules = ctx.rules(rec.school)
        if limit is not None and rules is not None and new > limit:
            days = ctx.cal.working_days_between(rec.day, new)
            ctx.add("REBOOK-DATE", HISTORY, where,
                     f"the new date {new} is {plural(days, 'working day')} after the "
                     f"cancelled session; the policy asks for a new date within "
                     f"{plural(rules.rebook_within_working_days or 0, 'working day')} (by "
                     f"{limit})",
                     people, school=rec.school, severity=WARNING,
                     hint="If no earlier date was possible, say why in the rebooked "
                     "session's record; nothing here needs changing.")
        others = [o for o in ctx.series(rec) if rec.day < o.day <= max(new, limit or new)]
        if others:
            continue  # held, booked, or cancelled again: other rules follow it up
        if new < ctx.today:
            ctx.add("REBOOKED-SESSION", OVERDUE, where,
                     f"the session was rebooked for {new}, but there is no record of a "
                     "session on or soon after that date", people, due=new,
                     school=rec.school, severity=ERROR)
        else:
            ctx.add("REBOOKED-SESSION", DUE, where,
                     f"the session rebooked for {new} has no session record yet",
                     people, due=new, school=rec.school,
                     hint=f"Book it with `supervision new session --status planned "
                     f"--date {new}`.")

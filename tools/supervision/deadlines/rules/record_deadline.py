"""The supervisor's record of a session is sent within the policy's working days."""

from __future__ import annotations

from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import (
    AWAITING,
    HISTORY,
    HISTORY_HINT,
    OVERDUE,
)
from supervision.problems import ERROR, WARNING
from supervision.reporters import plural

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"RECORD-DEADLINE"})


def check(ctx: RuleContext) -> None:
    for rec in ctx.index.all_sessions:
        if rec.status == "cancelled" or rec.day > ctx.today or not ctx.judging(rec.path):
            continue
        rules = ctx.rules(rec.school)
        if rules is None:
            continue
        n = rules.record_due_working_days
        deadline = ctx.cal.add_working_days(rec.day, n) if n is not None else None
        first = ctx.signed(rec, "supervisor")
        people = (rec.supervisor,)
        policy = f"the policy asks for it within {plural(n or 0, 'working day')}"
        if rec.status == "planned":
            if rec.day == ctx.today:
                continue
            if deadline is None or deadline < ctx.today:
                late = f"; its record was due by {deadline}" if deadline else ""
                ctx.add("RECORD-DEADLINE", OVERDUE, (rec.path, rec.at("status", "date")),
                         f"the session on {rec.day} is still marked planned{late}",
                         people, due=deadline, school=rec.school,
                         severity=ERROR if deadline else WARNING,
                         hint="Record the session (status: held, and fill in the form), "
                         "or if it did not take place, `supervision cancel` it.")
            else:
                ctx.add("RECORD-DEADLINE", AWAITING, (rec.path, rec.at("status", "date")),
                         f"the record of the session on {rec.day} is due by {deadline}",
                         people, due=deadline, school=rec.school)
            continue
        if first is None:
            if (ctx.signoffs.from_signatures
                    and ctx.signoffs.first_committed(rec.path) is not None):
                # Committed, but its supervisor has not signed it off.
                late, waiting = ("is not signed off by its supervisor yet",
                                 "awaits the supervisor's sign-off")
                hint = f"The supervisor signs it: supervision sign {rec.path}"
            else:  # written, not committed yet
                late, waiting = "is not committed yet", "is written but not committed yet"
                hint = "Commit the record now; the supervisee then signs it."
            if deadline is not None and deadline < ctx.today:
                days = ctx.cal.working_days_between(rec.day, ctx.today)
                ctx.add("RECORD-DEADLINE", OVERDUE, (rec.path, rec.at("date")),
                         f"the record of the session on {rec.day} {late}, "
                         f"{plural(days, 'working day')} after the session; {policy} (by "
                         f"{deadline})", people,
                         due=deadline, school=rec.school, severity=ERROR, hint=hint,
                         until_sent=True)
            else:
                ctx.add("RECORD-DEADLINE", AWAITING, (rec.path, rec.at("date")),
                         f"the record of the session on {rec.day} {waiting}"
                         + (f"; due by {deadline}" if deadline else ""),
                         people, due=deadline, school=rec.school)
        elif deadline is not None and first > deadline:
            days = ctx.cal.working_days_between(rec.day, first)
            done = "signed off by its supervisor" if ctx.signoffs.from_signatures else "committed"
            ctx.add("RECORD-DEADLINE", HISTORY, (rec.path, rec.at("date")),
                     f"the record of the session on {rec.day} was {done} on {first}, "
                     f"{plural(days, 'working day')} after the session; {policy} (by "
                     f"{deadline})",
                     people, due=deadline, school=rec.school, severity=WARNING,
                     hint=HISTORY_HINT)

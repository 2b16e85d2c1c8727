"""Case notes are sent the policy's number of days before the session."""

from __future__ import annotations

import datetime as dt

from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import (
    AWAITING,
    DUE,
    HISTORY,
    HISTORY_HINT,
    OVERDUE,
)
from supervision.problems import ERROR, WARNING
from supervision.reporters import plural

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"CASE-NOTES-DEADLINE"})


def check(ctx: RuleContext) -> None:
    for (pid, day), notes in sorted(ctx.index.case_notes.items()):
        for rec in notes:
            rules = ctx.rules(rec.school)
            if rules is None or rules.case_notes_days_before is None:
                continue
            before = rules.case_notes_days_before
            deadline = day - dt.timedelta(days=before)
            first = ctx.signed(rec, "supervisee")
            policy = (f"the policy asks for at least {plural(before, 'day')} before (by "
                      f"{deadline})")
            where = (rec.path, rec.at("date"))
            if first is None:
                if (ctx.signoffs.from_signatures
                        and ctx.signoffs.first_committed(rec.path) is not None):
                    # Committed, but the supervisee has not signed them: not sent yet.
                    late = waiting = "are committed but not signed by the supervisee yet"
                    hint = f"The supervisee signs them: supervision sign {rec.path}"
                else:  # written, not committed yet (committing them sends them)
                    late, waiting = "are not committed yet", "are written but not committed yet"
                    hint = None
                if deadline < ctx.today:
                    ctx.add("CASE-NOTES-DEADLINE", OVERDUE, where,
                             f"these case notes for the session on {day} {late}; {policy}",
                             (pid,), due=deadline, school=rec.school, severity=ERROR,
                             hint=hint, until_sent=True)
                else:
                    ctx.add("CASE-NOTES-DEADLINE", AWAITING, where,
                             f"these case notes for the session on {day} {waiting}; due by "
                             f"{deadline}", (pid,), due=deadline, school=rec.school,
                             hint=hint)
            elif first > deadline:
                done = ("signed by the supervisee" if ctx.signoffs.from_signatures
                        else "committed")
                ctx.add("CASE-NOTES-DEADLINE", HISTORY, where,
                         f"these case notes were {done} on {first}, "
                         f"{plural((day - first).days, 'day')} before the session on {day}; "
                         f"{policy}",
                         (pid,), due=deadline, school=rec.school, severity=WARNING,
                         hint=HISTORY_HINT)
    for pid, sessions in sorted(ctx.index.sessions.items()):
        for rec in sessions:
            rules = ctx.rules(rec.school)
            if rec.status != "planned" or rules is None or \
                    rules.case_notes_days_before is None or rec.day < ctx.today:
                continue
            deadline = rec.day - dt.timedelta(days=rules.case_notes_days_before)
            if (pid, rec.day) in ctx.index.case_notes or deadline > ctx.soon(rec.school):
                continue
            state = OVERDUE if deadline < ctx.today else DUE
            ctx.add("CASE-NOTES-DEADLINE", state, (rec.path, rec.at("date")),
                     f"case notes for the pupils {pid} will bring to the session on "
                     f"{rec.day} are due by {deadline}", (pid,), due=deadline,
                     school=rec.school,
                     hint="Write one file per pupil with `supervision new case-notes "
                     f"--case REF --date {rec.day}` and commit it; if you bring no pupils, "
                     "nothing is needed.")

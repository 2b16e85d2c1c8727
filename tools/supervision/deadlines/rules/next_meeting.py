"""The next meeting agreed in a session is booked: a session on (or near) that date.

Each one-to-one session form records the date of the next meeting (agenda:
``next_meeting``; reflective: ``next_session``). For each supervisee's latest held
session, once that date is near (within the "due soon" window of ``status``) or has
passed, some later session of theirs (held or planned) should fall within
``next_meeting_within_days`` days of it; otherwise NEXT-MEETING-NOT-BOOKED is a warning
for the supervisor and the supervisee. Earlier sessions are not judged: what happened
next is already in the records, and the half-term rules judge it.
"""

from __future__ import annotations

from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import DUE, parse_date
from supervision.problems import WARNING
from supervision.reporters import plural

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"NEXT-MEETING-NOT-BOOKED"})


def check(ctx: RuleContext) -> None:
    for pid, sessions in sorted(ctx.index.sessions.items()):
        held = [r for r in sessions if r.status == "held"]
        if not held or not ctx.active(pid, ctx.today):
            continue
        last = held[-1]
        rules = ctx.rules(last.school)
        window = rules.next_meeting_within_days if rules is not None else None
        agreed = parse_date((last.facts.get("next_meeting") or {}).get("date"))
        if window is None or agreed is None or agreed > ctx.soon(last.school):
            continue
        later = [r for r in sessions if r.day > last.day and r.status in ("held", "planned")]
        if any(abs((r.day - agreed).days) <= window for r in later):
            continue
        booked = f"; the next one booked is on {later[0].day}" if later else ""
        ctx.add("NEXT-MEETING-NOT-BOOKED", DUE,
                (last.path, last.at("next_meeting", "next_session", "date")),
                f"the session on {last.day} agreed to meet next on {agreed}, but no session "
                f"is booked within {plural(window, 'day')} of it{booked}",
                (last.supervisor, pid), due=agreed, school=last.school, severity=WARNING)

"""Supervision each half term "or sooner if requested": an extra session asked for is held.

When a session records that either person asked for an extra session (a yes/no field
named ``extra_session_requested``), and the profile allows requests
(``sooner_on_request``) with a limit (``sooner_within_working_days``), the supervisee's
next one-to-one session is held within that many working days: due until then (listed in
``status``), an error once the limit has passed with none held (SOONER-SESSION-DUE), and
a warning for quality assurance when the next session came later than the limit.
"""

from __future__ import annotations

from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import DUE, HISTORY, HISTORY_HINT, OVERDUE
from supervision.problems import ERROR, WARNING
from supervision.reporters import plural

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"SOONER-SESSION-DUE"})

REQUEST_FIELD = "extra_session_requested"


def check(ctx: RuleContext) -> None:
    for pid, sessions in sorted(ctx.index.sessions.items()):
        for rec in sessions:
            if rec.status != "held" or (rec.facts.get("answers") or {}).get(
                    REQUEST_FIELD) is not True:
                continue
            rules = ctx.rules(rec.school)
            if rules is None or not rules.sooner_on_request or \
                    rules.sooner_within_working_days is None:
                continue
            days = rules.sooner_within_working_days
            limit = ctx.cal.add_working_days(rec.day, days)
            later = [s for s in sessions if s.day > rec.day and s.status in ("held", "planned")]
            following = later[0] if later else None
            where = (rec.path, rec.at("next_session", "next_meeting", "date"))
            asked = (f"the session on {rec.day} records a request for an extra session, to be "
                     f"held within {plural(days, 'working day')} (by {limit})")
            people = (rec.supervisor, pid)
            if following is not None and following.day <= limit:
                if following.status == "held":
                    continue
                ctx.add("SOONER-SESSION-DUE", DUE, where,
                        f"{asked}; it is booked for {following.day}", people, due=limit,
                        school=rec.school)
            elif limit >= ctx.today:
                ctx.add("SOONER-SESSION-DUE", DUE, where, f"{asked}; none is booked yet",
                        people, due=limit, school=rec.school)
            elif following is not None and following.status == "held":
                ctx.add("SOONER-SESSION-DUE", HISTORY, where,
                        f"{asked}; the next session was on {following.day}", people,
                        due=limit, school=rec.school, severity=WARNING, hint=HISTORY_HINT)
            else:
                ctx.add("SOONER-SESSION-DUE", OVERDUE, where,
                        f"{asked}; no session has been held since", people, due=limit,
                        school=rec.school, severity=ERROR)

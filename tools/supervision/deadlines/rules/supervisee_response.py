"""The supervisee signs each record, or records a disagreement, before the next session."""

from __future__ import annotations

from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import (
    AWAITING,
    OVERDUE,
)
from supervision.problems import ERROR

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"SUPERVISEE-RESPONSE"})


def check(ctx: RuleContext) -> None:
    source = ctx.signoffs
    if not source.sees("session", "supervisee"):
        return  # commit dates cannot show the supervisee's sign-off (see signing/signoff_dates.py)
    for pid, sessions in sorted(ctx.index.sessions.items()):
        for rec in sessions:
            if rec.status != "held" or rec.facts.get("disagreement"):
                continue
            mine = [s for s in source.signoffs(rec.path) if s.role == "supervisee"]
            if any(s.current for s in mine):
                continue
            following = ctx.next_session(rec)
            where = (rec.path, rec.at("date"))
            if following is not None and following.day < ctx.today:
                what = (f"the record of the session on {rec.day} was changed after {pid} "
                        "signed it, and they have not signed the new version"
                        if mine else
                        f"{pid} has not signed the record of the session on {rec.day}")
                ctx.add("SUPERVISEE-RESPONSE", OVERDUE, where,
                         f"{what} or recorded a disagreement, and the next session was on "
                         f"{following.day}", (pid,), due=following.day,
                         school=rec.school, severity=ERROR,
                         hint="`supervision history PATH` shows what changed; then sign "
                         "with `supervision sign`, or `supervision sign --disagree`."
                         if mine else None)
            else:
                due = following.day if following is not None else None
                ctx.add("SUPERVISEE-RESPONSE", AWAITING, where,
                         f"the record of the session on {rec.day} awaits {pid}'s "
                         "signature" + (f" (by the next session on {due})" if due else ""),
                         (pid,), due=due, school=rec.school)

"""A session recorded as held on a date that has not come yet.

Usually a session booked for later whose status was left at ``held`` (the default),
or a mistyped date. Either way the record is wrong now, so it is an error, in the
pre-commit hook too; it needs "today", which is why it is a time rule.
"""

from __future__ import annotations

from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import OVERDUE
from supervision.problems import ERROR

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"SESSION-HELD-IN-FUTURE"})


def check(ctx: RuleContext) -> None:
    for rec in ctx.index.all_sessions:
        if rec.status != "held" or rec.day <= ctx.today:
            continue
        ctx.add("SESSION-HELD-IN-FUTURE", OVERDUE, (rec.path, rec.at("date")),
                f"the session is recorded as held on {rec.day}, which is after today "
                f"({ctx.today})", (rec.supervisor,), school=rec.school, severity=ERROR)

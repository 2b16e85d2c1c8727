"""The policy's implementation and effectiveness is assessed every year (trust model).

A profile with ``policy_assessment_months`` (the reflective profile: 12) asks for a
*policy assessment* record that often, written by the trust's strategic safeguarding lead
(role ``trust-lead``). One without a school covers every school; one with a school covers
that school. The first is due that many months after the policy was adopted
(``policy: adopted`` in supervision.yml). POLICY-ASSESSMENT-DUE is located at the policy
settings in supervision.yml, like the policy's review date: an error once due, a warning
when due within the next half term.
"""

from __future__ import annotations

import datetime as dt

from supervision.config import CONFIG_FILE
from supervision.deadlines.context import Rec, RuleContext
from supervision.deadlines.items import DUE, OVERDUE
from supervision.deadlines.school_year import add_months
from supervision.problems import ERROR, WARNING

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"POLICY-ASSESSMENT-DUE"})

ASSESSOR_ROLE = "trust-lead"


def check(ctx: RuleContext) -> None:
    config = ctx.repo.config
    assert config is not None
    assessments = ctx.index.by_kind.get("policy-assessment", [])
    due_for: dict[tuple[dt.date, str | None], list[str]] = {}
    for sid in sorted(config.schools):
        rules = ctx.rules(sid)
        if rules is None or rules.policy_assessment_months is None:
            continue
        covering: list[Rec] = [a for a in assessments if a.school in (None, sid)]
        last = covering[-1] if covering else None
        since = last.day if last is not None else config.policy_adopted
        if since is None:
            continue
        due = add_months(since, rules.policy_assessment_months)
        due_for.setdefault((due, last.path if last else None), []).append(sid)
    for (due, last_path), schools in sorted(due_for.items(), key=lambda kv: kv[0][0]):
        if due > ctx.warn_until(None):
            continue
        before = (f"the last one: {last_path}" if last_path
                  else "none is recorded since it was adopted")
        who = tuple(ctx.people_with_role(ASSESSOR_ROLE, None))
        where = (CONFIG_FILE, ctx.config_at("policy"))
        cover = ", ".join(schools)
        if due < ctx.today:
            ctx.add("POLICY-ASSESSMENT-DUE", OVERDUE, where,
                    f"the yearly assessment of how the supervision policy works ({cover}) was "
                    f"due on {due} ({before})", who, due=due, severity=ERROR)
        else:
            warn = due <= (ctx.cal.soon_until(ctx.today) or ctx.today)
            ctx.add("POLICY-ASSESSMENT-DUE", DUE, where,
                    f"the yearly assessment of how the supervision policy works ({cover}) is "
                    f"due on {due} ({before})", who, due=due,
                    severity=WARNING if warn else None)

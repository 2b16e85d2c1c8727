"""DSLs and deputies renew their DSL training in time."""

from __future__ import annotations

from supervision.config import PEOPLE_FILE
from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import (
    DSL_ROLES,
    DUE,
    OVERDUE,
)
from supervision.deadlines.school_year import add_months
from supervision.problems import ERROR, WARNING

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"DSL-TRAINING-DUE"})


def check(ctx: RuleContext) -> None:
    for pid, person in sorted(ctx.repo.people.items()):
        if not ctx.active(pid, ctx.today):
            continue
        is_dsl = any(role in DSL_ROLES for role in person.roles)
        if not is_dsl and person.dsl_training is None:
            continue
        rules = ctx.rules(person.school)
        if rules is None:
            continue
        if person.dsl_training is None:
            ctx.add("DSL-TRAINING-DUE", OVERDUE, (PEOPLE_FILE, ctx.person_at(pid)),
                     f"{pid} is a designated safeguarding lead but people.yml has no date "
                     "of their last DSL training ('dsl_training')", (pid,),
                     school=person.school, severity=WARNING)
            continue
        renewal = add_months(person.dsl_training, rules.dsl_training_renewal_months)
        where = (PEOPLE_FILE, ctx.person_at(pid, "dsl_training"))
        if renewal < ctx.today:
            ctx.add("DSL-TRAINING-DUE", OVERDUE, where,
                     f"{pid}'s DSL training was due for renewal on {renewal} (every "
                     f"{rules.dsl_training_renewal_months} months)", (pid,), due=renewal,
                     school=person.school, severity=ERROR)
        elif renewal <= ctx.warn_until(person.school):
            warn = renewal <= (ctx.cal.soon_until(ctx.today) or ctx.today)
            ctx.add("DSL-TRAINING-DUE", DUE, where,
                     f"{pid}'s DSL training is due for renewal on {renewal}", (pid,),
                     due=renewal, school=person.school, severity=WARNING if warn else None)

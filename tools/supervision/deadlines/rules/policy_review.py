"""The supervision policy is reviewed by its review date."""

from __future__ import annotations

from supervision.config import CONFIG_FILE
from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import (
    DUE,
    HISTORY,
    OVERDUE,
)
from supervision.deadlines.school_year import add_months
from supervision.problems import ERROR, WARNING

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"POLICY-REVIEW-DUE"})


def check(ctx: RuleContext) -> None:
    config = ctx.repo.config
    assert config is not None
    profile = ctx.repo.profiles.get(config.profile)
    if profile is None:
        return
    rules = profile.rules
    review = config.policy_review
    if review is None:
        ctx.add("POLICY-REVIEW-DUE", OVERDUE, (CONFIG_FILE, ctx.config_at("policy")),
                 "supervision.yml sets no review date for the supervision policy "
                 "(policy: review_date)", severity=WARNING)
        return
    where = (CONFIG_FILE, ctx.config_at("policy", "review_date"))
    if config.policy_adopted is not None:
        furthest = add_months(config.policy_adopted, rules.policy_review_months)
        if review > furthest:
            ctx.add("POLICY-REVIEW-DUE", HISTORY, where,
                     f"the policy's review date {review} is more than "
                     f"{rules.policy_review_months} months after it was adopted; review "
                     f"it by {furthest}", due=furthest, severity=WARNING)
            review = furthest
    if review < ctx.today:
        ctx.add("POLICY-REVIEW-DUE", OVERDUE, where,
                 f"the supervision policy was due for review on {review}", due=review,
                 severity=ERROR)
    elif review <= ctx.warn_until(None):
        warn = review <= (ctx.cal.soon_until(ctx.today) or ctx.today)
        ctx.add("POLICY-REVIEW-DUE", DUE, where,
                 f"the supervision policy is due for review on {review}", due=review,
                 severity=WARNING if warn else None)

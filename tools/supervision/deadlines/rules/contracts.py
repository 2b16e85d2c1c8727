"""Everyone with sessions has a contract; it is signed and reviewed in time."""

from __future__ import annotations

from supervision.config import PEOPLE_FILE
from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import (
    AWAITING,
    DUE,
    HISTORY,
    OVERDUE,
    parse_date,
)
from supervision.deadlines.school_year import add_months
from supervision.problems import ERROR, WARNING
from supervision.reporters import plural

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"CONTRACT-MISSING", "CONTRACT-REVIEW-DUE", "CONTRACT-UNSIGNED"})


def check(ctx: RuleContext) -> None:
    source = ctx.signoffs
    for pid, sessions in sorted(ctx.index.sessions.items()):
        if pid not in ctx.index.contracts and pid in ctx.repo.people and \
                ctx.active(pid, ctx.today):
            first = sessions[0]
            ctx.add("CONTRACT-MISSING", OVERDUE, (PEOPLE_FILE, ctx.person_at(pid)),
                     f"{pid} has {plural(len(sessions), 'session record')}, the first on "
                     f"{first.day}, but no supervision contract", (first.supervisor, pid),
                     school=first.school, severity=ERROR)
    for pid, contracts in sorted(ctx.index.contracts.items()):
        if not ctx.active(pid, ctx.today):
            continue
        latest = contracts[-1]
        rules = ctx.rules(latest.school)
        people = (latest.supervisor, pid)
        signed = {s.role for s in source.signoffs(latest.path) if s.current}
        missing = [role for role in ("supervisor", "supervisee")
                   if source.sees("contract", role) and role not in signed]
        committed = source.first_committed(latest.path) is not None
        if missing and committed:
            held_since = [r for r in ctx.index.sessions.get(pid, [])
                          if r.status == "held" and r.day >= latest.day]
            who = tuple(str(latest.supervisor) if r == "supervisor" else pid
                        for r in missing)
            if held_since:
                ctx.add("CONTRACT-UNSIGNED", OVERDUE, (latest.path, latest.at("date")),
                         f"the contract agreed on {latest.day} is not signed by "
                         f"{' and '.join(who)}, and {plural(len(held_since), 'session')} "
                         f"{'has' if len(held_since) == 1 else 'have'} been held since", who, school=latest.school, severity=ERROR)
            else:
                ctx.add("CONTRACT-UNSIGNED", AWAITING, (latest.path, latest.at("date")),
                         f"the contract agreed on {latest.day} awaits signing by "
                         f"{' and '.join(who)}", who, school=latest.school)
        elif not committed:
            ctx.add("CONTRACT-UNSIGNED", AWAITING, (latest.path, latest.at("date")),
                     f"the contract agreed on {latest.day} is written but not committed "
                     "yet, so it cannot be signed", people, school=latest.school)
        review = parse_date(latest.facts.get("review_date"))
        if review is None or rules is None:
            continue
        where = (latest.path, latest.at("review_date"))
        furthest = add_months(latest.day, rules.contract_review_months)
        if review > furthest:
            ctx.add("CONTRACT-REVIEW-DUE", HISTORY, where,
                     f"the review date {review} is more than {rules.contract_review_months} "
                     f"months after the contract was agreed; the policy asks for a review "
                     f"by {furthest}", people, due=furthest, school=latest.school,
                     severity=WARNING)
            review = furthest
        if review < ctx.today:
            ctx.add("CONTRACT-REVIEW-DUE", OVERDUE, where,
                     f"{pid}'s contract was due for review on {review}", people,
                     due=review, school=latest.school, severity=ERROR)
        elif review <= ctx.warn_until(latest.school):
            ctx.add("CONTRACT-REVIEW-DUE", DUE, where,
                     f"{pid}'s contract is due for review on {review}", people,
                     due=review, school=latest.school,
                     severity=WARNING if review <= (ctx.cal.soon_until(ctx.today)
                                                    or ctx.today) else None)

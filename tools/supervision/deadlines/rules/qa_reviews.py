"""Quality assurance of supervision: due on the profile's cadence, by the right person,
with answers that match the records.

* QA-REVIEW-DUE: each supervisee with a contract has their supervision quality-assured
  every ``qa_review_months`` (from their first contract, then from their last valid QA
  review): due soon is listed for the school's QA reviewers, past due is an error,
  located at the contract in force.
* QA-REVIEWER-INVALID: a QA review counts only when its reviewer has the ``qa-reviewer``
  role in people.yml and is not the supervisee's supervisor under the contract in force
  (the same test ``supervision sign`` applies).
* QA-COUNTS-DIFFER: a warning at each answer of a QA review that differs from what the
  records show for its period (:mod:`supervision.deadlines.qa_records`); silent when the
  repository holds no contract for the supervisee.
"""

from __future__ import annotations

from supervision.deadlines.context import Rec, RuleContext
from supervision.deadlines.items import DUE, HISTORY, OVERDUE
from supervision.deadlines.qa_records import ANSWERS, from_records
from supervision.deadlines.school_year import add_months
from supervision.problems import ERROR, WARNING

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"QA-REVIEW-DUE", "QA-REVIEWER-INVALID", "QA-COUNTS-DIFFER"})

QA_ROLE = "qa-reviewer"


def _word(value: object) -> str:
    return "yes" if value is True else "no" if value is False else str(value)


def reviewer_problem(ctx: RuleContext, rec: Rec) -> str | None:
    """Why this QA review's reviewer may not quality-assure it, or None."""
    reviewer = rec.facts.get("reviewer")
    pid = rec.supervisees[0] if rec.supervisees else None
    if not isinstance(reviewer, str) or pid is None:
        return None
    person = ctx.repo.people.get(reviewer)
    if person is not None and QA_ROLE not in person.roles:
        return f"people.yml does not give {reviewer} the {QA_ROLE} role"
    contract = ctx.contract_on(pid, rec.day)
    if contract is not None and contract.supervisor == reviewer:
        return (f"{reviewer} is {pid}'s supervisor under the contract in force "
                f"({contract.path}), and supervision is quality-assured by someone else")
    return None


def check(ctx: RuleContext) -> None:
    reviews = ctx.index.by_kind.get("qa-review", [])
    valid: dict[str, list[Rec]] = {}
    for rec in reviews:
        why = reviewer_problem(ctx, rec)
        if why is not None:
            ctx.add("QA-REVIEWER-INVALID", OVERDUE, (rec.path, rec.at("reviewer")),
                    f"this QA review does not count: {why}",
                    (rec.facts.get("reviewer"),), school=rec.school, severity=ERROR)
        elif rec.supervisees:
            valid.setdefault(rec.supervisees[0], []).append(rec)
        if ctx.judging(rec.path):  # its findings sit at the review itself
            _compare(ctx, rec)
    for pid, contracts in sorted(ctx.index.contracts.items()):
        _cadence(ctx, pid, contracts, valid.get(pid, []))


def _cadence(ctx: RuleContext, pid: str, contracts: list[Rec], done: list[Rec]) -> None:
    first = contracts[0]
    rules = ctx.rules(first.school)
    profile = ctx.repo.profile_for(first.school)
    if (rules is None or rules.qa_review_months is None or profile is None
            or "qa-review" not in profile.forms or not ctx.active(pid, ctx.today)):
        return
    last = done[-1] if done else None
    since = last.day if last is not None else first.day
    due = add_months(since, rules.qa_review_months)
    if due > ctx.warn_until(first.school):
        return
    contract = ctx.contract_on(pid, ctx.today) or first
    supervisor = contract.supervisor
    reviewers = [p for p in ctx.people_with_role(QA_ROLE, contract.school) if p != supervisor]
    where = (contract.path, contract.at("supervisee"))
    before = (f"last quality-assured on {last.day}" if last is not None
              else f"not quality-assured since the contract of {first.day}")
    if due < ctx.today:
        ctx.add("QA-REVIEW-DUE", OVERDUE, where,
                f"{pid}'s supervision was due for a QA review by {due} ({before}; the "
                f"policy asks for one every {rules.qa_review_months} months)",
                tuple(reviewers), due=due, school=contract.school, severity=ERROR)
    else:
        ctx.add("QA-REVIEW-DUE", DUE, where,
                f"{pid}'s supervision is due for a QA review by {due} ({before})",
                tuple(reviewers), due=due, school=contract.school)


def _compare(ctx: RuleContext, rec: Rec) -> None:
    if not rec.supervisees:
        return
    found = from_records(ctx, rec.supervisees[0], rec.day)
    stated = rec.facts.get("answers") or {}
    if found is None:
        return
    expected = found.answers()
    for name in ANSWERS:
        if name not in stated or stated[name] == expected[name]:
            continue
        said, real = _word(stated[name]), _word(expected[name])
        ctx.add("QA-COUNTS-DIFFER", HISTORY, (rec.path, rec.at(f"answers.{name}", "date")),
                f"'{name}' says {said}, but the records show {real} for {found.start} to "
                f"{found.end}", (rec.facts.get("reviewer"),), school=rec.school,
                severity=WARNING)

"""The registry of time rules: one module per rule, run in this order.

Each module has ``RULE_IDS`` (the rule ids it may report; their rows are in
:mod:`supervision.rules`) and ``check(ctx)``, which adds items to the shared
:class:`~supervision.deadlines.context.RuleContext`. Adding a rule means adding
a module here and one line in :data:`REGISTRY`.
"""

from __future__ import annotations

from types import ModuleType

from supervision.deadlines.rules import (
    action_due,
    actions_reviewed,
    calendar_dates,
    cancellations,
    case_notes,
    chronology,
    contracts,
    escalations,
    half_terms,
    held_in_future,
    key_confirmation,
    next_meeting,
    policy_assessment,
    policy_review,
    qa_reviews,
    record_deadline,
    referrals,
    signoff_awaited,
    sooner,
    supervisee_response,
    supervisors,
    term_minutes,
    training,
)

REGISTRY: tuple[ModuleType, ...] = (
    calendar_dates,
    held_in_future,
    cancellations,
    half_terms,
    term_minutes,
    record_deadline,
    case_notes,
    supervisee_response,
    actions_reviewed,
    action_due,
    referrals,
    sooner,
    next_meeting,
    chronology,
    contracts,
    qa_reviews,
    training,
    supervisors,
    policy_review,
    policy_assessment,
    escalations,
    key_confirmation,
    signoff_awaited,  # last: it skips people the rules above already ask
)

#: Every rule id a time rule reports.
RULE_IDS = frozenset(rule_id for module in REGISTRY for rule_id in module.RULE_IDS)

"""The policies' time rules, across records: half terms, deadlines, renewals.

Every rule reads the cached facts of all records (:mod:`supervision.forms.facts`),
the school calendar (:mod:`supervision.deadlines.school_calendar`), people.yml, and
who signed what and when (:mod:`supervision.signing.signoff_dates`), and takes every
number from the school's profile (:class:`~supervision.forms.definition.PolicyRules`).
Nothing here reads a record's YAML again. Each rule is a module of
:mod:`supervision.deadlines.rules`, run in the order of its registry over one shared
:class:`~supervision.deadlines.context.RuleContext`.

The rules produce :class:`~supervision.deadlines.items.Item` s rather than findings, because two commands
show them:

* ``supervision check`` shows the items that have a check severity: errors for
  what is overdue now or impossible, warnings for what was done late or is
  due within about a half term (training, reviews);
* ``supervision status`` shows, per person, what is overdue, what is due soon
  and what awaits their signature.

Each item has a *state* (overdue, due, awaiting, history; see
:mod:`supervision.deadlines.items`).

Only half terms that have ended are judged, plus, for the current half term,
what is already late. A missed half term is an error while it is the most
recent one and a warning (history) after that, so ``supervision check`` can be
clean again once supervision is back on track.

A record in the working folder that is not committed yet counts as being sent
today (the commit the pre-commit hook is checking sends it). A record still not
sent after its deadline (RECORD-DEADLINE, CASE-NOTES-DEADLINE) is overdue now: an
error in the whole-repository check, a warning when particular paths are checked
(the pre-commit hook), so it never blocks the commit that sends it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from supervision.config import CONFIG_FILE, PEOPLE_FILE
from supervision.problems import ERROR, WARNING, Problem
from supervision.rules import problem

#: Rules that mark items ``until_sent`` (shown as warnings when paths are checked). The
#: results cache of ``check`` does not answer a path-limited run holding their errors.
UNTIL_SENT_RULES = frozenset({"RECORD-DEADLINE", "CASE-NOTES-DEADLINE",
                              "CHRONOLOGY-ENTRY-DUE"})

if TYPE_CHECKING:
    from supervision.checker import CrossContext
    from supervision.deadlines.items import Item


def evaluate(ctx: CrossContext, horizon_days: int | None = None) -> list[Item]:
    """Every time-rule item for the repository in ``ctx``, rule by rule."""
    # Imported here, not with the module: a check answered from the store (nothing
    # changed) names this module's rules without running them, and need not import the
    # twenty rule modules.
    from supervision.deadlines.context import RuleContext
    from supervision.deadlines.rules import REGISTRY

    if ctx.repo.config is None:
        return []
    shared = RuleContext(ctx, horizon_days)
    for module in REGISTRY:
        first = len(shared.items)
        module.check(shared)
        for item in shared.items[first:]:
            assert item.rule in module.RULE_IDS, (module.__name__, item.rule)
            assert not item.until_sent or item.rule in UNTIL_SENT_RULES, item.rule
    return shared.items


def time_rules(ctx: CrossContext) -> list[Problem]:
    """The cross-record rule ``supervision check`` runs: items with a check severity.

    When particular files are checked (the pre-commit hook), overdue items located in
    people.yml or supervision.yml (a DSL's training, a supervisor's own supervision,
    the policy's review) are shown as warnings: they are about people and the policy,
    not about the change being committed, and must not block, say, adding a new starter.
    So are overdue items about a record not sent yet (``Item.until_sent``: a session
    record not committed or not signed off, case notes likewise): the commit being
    checked may be the one that sends it. The whole-repository check and ``supervision
    status`` still count them as errors.
    """
    found = []
    settings = (PEOPLE_FILE, CONFIG_FILE)
    items = evaluate(ctx)
    if ctx.wanted is None and ctx.keep_items is not None:
        ctx.keep_items(items)  # status needs no run of its own after this
    for item in items:
        if item.severity is None:
            continue
        problem_ = item.problem()
        if ctx.wanted is not None and item.severity == ERROR and (
                item.path in settings or item.until_sent):
            problem_ = problem(item.rule, item.path, item.line, item.col, item.message,
                               item.hint, WARNING)
        found.append(problem_)
    return found

"""Every open action of a session is reviewed in the next one's review of previous actions.

One-to-one sessions follow each supervisee; group sessions follow each facilitator (when
the group form has a review of previous actions).
"""

from __future__ import annotations

from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import (
    OPEN_ACTION,
    OVERDUE,
)
from supervision.problems import ERROR
from supervision.reporters import plural

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"ACTIONS-NOT-REVIEWED"})


def check(ctx: RuleContext) -> None:
    series = [[r for r in sessions if r.status == "held"]
              for _pid, sessions in sorted(ctx.index.sessions.items())]
    series += [[r for r in led if r.group and r.status == "held" and "review" in (
        r.facts.get("at") or {})] for _pid, led in sorted(ctx.index.led.items())]
    for held in series:
        for before, after in zip(held, held[1:], strict=False):
            reviewed = {d for d, _outcome in after.facts.get("reviewed") or []}
            carried = [d for d, outcome in before.facts.get("reviewed") or []
                       if outcome == "carried-forward"]
            expected: dict[str, str | None] = {}
            for digest, _owner, _due, status, fieldname in before.facts.get("actions") or []:
                if status in OPEN_ACTION:
                    expected.setdefault(digest, fieldname)
            for digest in carried:
                expected.setdefault(digest, None)
            missing = [name for digest, name in expected.items() if digest not in reviewed]
            if not missing:
                continue
            places = sorted({f"'{name}'" for name in missing if name})
            if None in missing:
                places.append("carried forward at that session")
            ctx.add("ACTIONS-NOT-REVIEWED", OVERDUE,
                     (after.path, after.at("review", "status", "date")),
                     f"{plural(len(missing), 'action')} from the "
                     f"{'group session' if before.group else 'session'} on {before.day} ("
                     f"{', '.join(places)}) {'is' if len(missing) == 1 else 'are'} not in this "
                     "record's review of previous actions",
                     (after.supervisor,), school=after.school, severity=ERROR)

"""A held one-to-one session (and group session) every half term since the contract began."""

from __future__ import annotations

from collections import defaultdict

from supervision.deadlines.context import Rec, RuleContext
from supervision.deadlines.items import (
    DUE,
    HISTORY,
    OVERDUE,
    PAST_HINT,
)
from supervision.problems import ERROR, WARNING
from supervision.reporters import plural

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"HALF-TERM-GROUP", "HALF-TERM-SESSION"})


def check(ctx: RuleContext) -> None:
    for pid in sorted(ctx.index.contracts):
        halves = ctx.judged_half_terms(pid)
        if not halves:
            continue
        counted, pending = ctx.counted_sessions(pid)
        groups: dict[str, int] = defaultdict(int)
        for rec in ctx.index.groups.get(pid, []):
            half = ctx.cal.half_term_counting(rec.day)
            if rec.status == "held" and half is not None:
                groups[half.key] += 1
        by_half: dict[str, list[Rec]] = defaultdict(list)
        for rec in ctx.index.sessions.get(pid, []):
            counting = ctx.cal.half_term_counting(rec.day)
            if counting is not None:
                by_half[counting.key].append(rec)
        for half in halves:
            contract = ctx.contract_on(pid, half.end)
            assert contract is not None
            rules = ctx.rules(contract.school)
            if rules is None:
                continue
            people = (contract.supervisor, pid)
            in_half = by_half.get(half.key, [])
            booked = counted.get(half.key, []) + [r for r in in_half
                                                  if r.status == "planned"]
            cancelled = [r for r in in_half if r.status == "cancelled"]
            held = len(counted.get(half.key, []))
            label = f"{half.name} {half.year} ({half.start} to {half.end})"
            if half.end < ctx.today:
                if half.key in pending or held >= rules.sessions_per_half_term:
                    pass
                else:
                    recent = half == ctx.last_ended
                    if cancelled:
                        where = (cancelled[-1].path, cancelled[-1].at("status"))
                        what = ("the only session was cancelled and not made up within "
                                "the rebooking limit" if not held else
                                "a cancelled session was not made up")
                    else:
                        where = (contract.path, contract.at("supervisee"))
                        what = (f"{held} of {rules.sessions_per_half_term} sessions were "
                                "held" if held else "no session was held")
                    ctx.add("HALF-TERM-SESSION", OVERDUE if recent else HISTORY, where,
                             f"{pid}: {what} in {label}", people, due=half.end,
                             school=contract.school, severity=ERROR if recent else WARNING,
                             hint=None if recent else PAST_HINT)
                need_groups = rules.group_sessions_per_half_term
                if need_groups and groups.get(half.key, 0) < need_groups:
                    recent = half == ctx.last_ended
                    ctx.add("HALF-TERM-GROUP", OVERDUE if recent else HISTORY,
                             (contract.path, contract.at("supervisee")),
                             f"{pid} took part in {groups.get(half.key, 0)} of "
                             f"{plural(need_groups, 'group session')} in {label}", people,
                             due=half.end, school=contract.school,
                             severity=ERROR if recent else WARNING,
                             hint=None if recent else PAST_HINT)
            elif half.start <= ctx.soon(contract.school) and not booked and \
                    held < rules.sessions_per_half_term:
                ctx.add("HALF-TERM-SESSION", DUE, (contract.path, contract.at("supervisee")),
                         f"{pid}: no session is held or booked yet in {label}", people,
                         due=half.end, school=contract.school,
                         hint="Book one with `supervision schedule --year "
                         f"{half.year}` or `supervision new session --status planned`.")

"""Supervisors are trained in supervision and are supervised themselves."""

from __future__ import annotations

from collections import defaultdict

from supervision.config import PEOPLE_FILE
from supervision.deadlines.context import Rec, RuleContext
from supervision.deadlines.items import (
    DUE,
    EXTERNAL_ROLE,
    HISTORY,
    OVERDUE,
    PAST_HINT,
)
from supervision.deadlines.school_year import HalfTerm
from supervision.problems import ERROR, WARNING

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"SUPERVISOR-SUPERVISED", "SUPERVISOR-TRAINING"})


def check(ctx: RuleContext) -> None:
    supervisors: dict[str, Rec] = {}
    for pid, contracts in ctx.index.contracts.items():
        latest = contracts[-1]
        if latest.supervisor and ctx.active(pid, ctx.today):
            supervisors.setdefault(latest.supervisor, latest)
    for sid, contract in sorted(supervisors.items()):
        rules = ctx.rules(contract.school)
        person = ctx.repo.people.get(sid)
        if rules is None or person is None or not rules.supervisor_training_required:
            continue
        if person.supervision_training is None and ctx.active(sid, ctx.today):
            ctx.add("SUPERVISOR-TRAINING", OVERDUE, (PEOPLE_FILE, ctx.person_at(sid)),
                     f"{sid} supervises others but people.yml has no date of their "
                     "supervision training ('supervision_training')", (sid,),
                     school=contract.school, severity=ERROR)
    for sid, led in sorted(ctx.index.led.items()):
        person = ctx.repo.people.get(sid)
        if person is None or EXTERNAL_ROLE in person.roles:
            continue
        rules = ctx.rules(led[0].school)
        if rules is None or not rules.supervisor_supervised_each_half_term:
            continue
        received: dict[str, list[Rec]] = defaultdict(list)
        for rec in ctx.index.sessions.get(sid, []) + ctx.index.groups.get(sid, []):
            half = ctx.cal.half_term_counting(rec.day)
            if half is not None and rec.status in ("held", "planned"):
                received[half.key].append(rec)
        gave: dict[str, HalfTerm] = {}
        for rec in led:
            half = ctx.cal.half_term_counting(rec.day)
            if half is not None and rec.status == "held":
                gave.setdefault(half.key, half)
        if ctx.current is not None and ctx.active(sid, ctx.today) and any(
                r.status in ("held", "planned") and r.day <= ctx.current.end
                and r.day >= ctx.current.start for r in led):
            gave.setdefault(ctx.current.key, ctx.current)
        for key, half in sorted(gave.items(), key=lambda kv: kv[1].start):
            had = received.get(key, [])
            where = (PEOPLE_FILE, ctx.person_at(sid))
            if half.end < ctx.today:
                if any(r.status == "held" for r in had):
                    continue
                recent = half == ctx.last_ended
                ctx.add("SUPERVISOR-SUPERVISED", OVERDUE if recent else HISTORY, where,
                         f"{sid} supervised others in {half.name} {half.year} but has no "
                         "held session as a supervisee in that half term", (sid,),
                         due=half.end, school=led[0].school,
                         severity=ERROR if recent else WARNING,
                         hint=None if recent else PAST_HINT)
            elif not had and half.end <= ctx.soon(led[0].school):
                ctx.add("SUPERVISOR-SUPERVISED", DUE, where,
                         f"{sid} supervises others in {half.name} {half.year} but has no "
                         f"session of their own held or booked before it ends on "
                         f"{half.end}", (sid,), due=half.end, school=led[0].school)

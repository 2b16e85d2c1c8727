"""Minutes of supervision per term, and the share of them in groups."""

from __future__ import annotations

from collections import defaultdict

from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import (
    DUE,
    HISTORY,
    OVERDUE,
    PAST_HINT,
)
from supervision.deadlines.school_year import HalfTerm
from supervision.problems import ERROR, WARNING
from supervision.reporters import plural

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"GROUP-SHARE", "TERM-MINUTES"})


def check(ctx: RuleContext) -> None:
    for pid in sorted(ctx.index.contracts):
        halves = ctx.judged_half_terms(pid)
        terms: dict[str, list[HalfTerm]] = defaultdict(list)
        for half in halves:
            terms[half.term_key].append(half)
        minutes: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # 1:1, group, planned
        for recs, slot in ((ctx.index.sessions.get(pid, []), 0),
                           (ctx.index.groups.get(pid, []), 1)):
            for rec in recs:
                counts = ctx.cal.half_term_counting(rec.day)
                length = rec.facts.get("duration_minutes")
                if counts is None or not isinstance(length, int):
                    continue
                if rec.status == "held":
                    minutes[counts.term_key][slot] += length
                elif rec.status == "planned":
                    minutes[counts.term_key][2] += length
        last_term = ctx.last_ended.term_key if ctx.last_ended else None
        for term, parts in terms.items():
            whole = ctx.cal.term_half_terms(parts[0])
            if len(parts) < len(whole):
                continue  # the contract began mid-term
            contract = ctx.contract_on(pid, whole[-1].end)
            assert contract is not None
            rules = ctx.rules(contract.school)
            if rules is None:
                continue
            one, group, planned = minutes[term]
            total = one + group
            ended = whole[-1].end < ctx.today
            recent = term == last_term
            where = (contract.path, contract.at("supervisee"))
            people = (contract.supervisor, pid)
            need = rules.term_minutes_min
            if ended and need is not None and total < need:
                ctx.add("TERM-MINUTES", OVERDUE if recent else HISTORY, where,
                         f"{pid} had {plural(total, 'minute')} of supervision in the {term} "
                         "term; "
                         f"the policy asks for at least {need}", people,
                         due=whole[-1].end, school=contract.school,
                         severity=ERROR if recent else WARNING,
                         hint=None if recent else PAST_HINT)
            elif not ended and need is not None and total + planned < need and \
                    whole[-1].end <= ctx.soon(contract.school):
                ctx.add("TERM-MINUTES", DUE, where,
                         f"{pid} has {plural(total, 'minute')} held and {planned} booked in the "
                         f"{term} term, which ends on {whole[-1].end}; the policy asks for "
                         f"at least {need}", people, due=whole[-1].end,
                         school=contract.school)
            share = rules.group_share_max_percent
            if ended and share is not None and total and group * 100 > share * total:
                ctx.add("GROUP-SHARE", OVERDUE if recent else HISTORY, where,
                         f"{round(group * 100 / total)}% of {pid}'s supervision in the "
                         f"{term} term was in groups; the policy allows at most {share}%",
                         people, due=whole[-1].end, school=contract.school,
                         severity=ERROR if recent else WARNING,
                         hint=None if recent else PAST_HINT)

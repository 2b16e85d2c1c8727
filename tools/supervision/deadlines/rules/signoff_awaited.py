"""A record someone has signed awaits another signature: it changed, or a signer is missing.

``supervision verify`` calls such a record ``stale`` (changed after it was signed) or
``awaiting-<role>`` (some roles have signed this version, not all). This rule lists,
for ``supervision status`` only (no check severity: nothing in the file is wrong),
each signer whose sign-off of the record as it is now is missing, with the command
that signs it.

Other rules already ask some of these people, and a person is asked once per record:
SUPERVISEE-RESPONSE asks the supervisee of a held one-to-one session, RECORD-DEADLINE
a session's supervisor who has not signed it at all, CONTRACT-UNSIGNED both people of
the contract in force (and any rule's item awaiting a signature). This rule runs after
them and skips anyone they already list for that record; an item asking the same person
for something else about it (an action due, a decision to enter on a chronology) does
not count. Planned and cancelled sessions are not signed, so they are skipped.
Needs verified sign-offs: with commit dates alone it stays silent.
"""

from __future__ import annotations

from typing import Any

from supervision.deadlines.context import Rec, RuleContext
from supervision.deadlines.items import AWAITING, DUE, OVERDUE, parse_date
from supervision.signing.signoff import signers_of
from supervision.signing.signoff_dates import person_in_role

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"SIGNOFF-AWAITED"})

#: Item states that ask a person to do something about a record.
_ASKING = (OVERDUE, DUE, AWAITING)
#: Rules whose items ask for the record to be written, sent or signed: a person they
#: already ask about a record is not asked again here. Other items about the same record
#: (an action due, a decision to enter on a chronology) ask for something else.
_SIGNING_RULES = frozenset({"RECORD-DEADLINE", "SUPERVISEE-RESPONSE", "CASE-NOTES-DEADLINE",
                            "CONTRACT-UNSIGNED"})


def describe(facts: dict[str, Any], day: object) -> str:
    """How a message names the record (never its text)."""
    form = facts.get("form")
    return {
        "session": f"the record of the session on {day}",
        "group-session": f"the record of the group session on {day}",
        "contract": f"the contract agreed on {day}",
        "case-notes": f"the case notes for the session on {day}",
        "qa-review": f"the QA review of {day}",
        "informal": f"the informal supervision notes of {day}",
        "chronology-entry": f"the chronology entry of {day}",
        "escalation": f"the escalation of {day}",
        "policy-assessment": f"the policy assessment of {day}",
    }.get(str(form), f"the record dated {day}")


def check(ctx: RuleContext) -> None:
    source = ctx.signoffs
    if not source.from_signatures:
        return
    asked = {(item.path, person) for item in ctx.items if item.state in _ASKING
             and (item.rule in _SIGNING_RULES or item.state == AWAITING)
             for person in item.people}
    for path, facts in sorted(ctx.ctx.facts.items()):
        if facts.get("status") in ("planned", "cancelled") or not ctx.judging(path):
            continue
        signoffs = source.signoffs(path)
        if not signoffs:
            continue  # nobody has signed it: a draft, followed up by the deadline rules
        current = {s.role for s in signoffs if s.current}
        earlier = {s.role: s for s in signoffs}
        day = parse_date(facts.get("date"))
        where = (path, Rec(path, day, facts).at("date") if day is not None else (1, 1))
        what = describe(facts, day or "an unknown date")
        for role in signers_of(str(facts.get("form") or "")):
            if role in current:
                continue
            before = earlier.get(role)
            person = person_in_role(facts, role) or (before.person if before else None)
            if person is None or (path, person) in asked:
                continue
            if before is not None:
                since = (f"{person} signed it" if before.person == person
                         else "it was signed")
                message = (f"{what} has changed since {since} as {role}; sign the new "
                           f"version with `supervision sign {path}`")
                hint = (f"`supervision history {path}` shows what changed; then sign it "
                        f"with `supervision sign {path}`.")
            else:
                by = sorted(f"{s.role} {s.person}" for s in signoffs if s.current)
                signed_by = f" is signed by {', '.join(by)} and" if by else ""
                message = (f"{what}{signed_by} awaits {person}'s signature as {role}; "
                           f"sign it with `supervision sign {path}`")
                hint = f"Read it, then sign it with `supervision sign {path}`."
            ctx.add("SIGNOFF-AWAITED", AWAITING, where, message, (person,),
                    school=facts.get("school"), hint=hint)
            asked.add((path, person))

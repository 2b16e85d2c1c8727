"""A disagreement that cannot be resolved is escalated, and the escalation is resolved in time.

Both policies name who hears a disagreement supervisor and supervisee cannot resolve
(the profile's ``escalation`` steps: the Headteacher; the Deputy CEO, then the CEO). An
*escalation* is its own record (``supervision escalate``) pointing at the disputed record
and version; its ``resolution`` is filled in later and signed by the person it went to
(the ``mediator``) and by both parties.

* ESCALATION-OPEN: an escalation not resolved yet is listed for its mediator with its
  age; once it has been open longer than ``dispute_open_days`` it is a warning. A
  resolution written but not signed by all three awaits their signatures.
* ESCALATION-INVALID: it must point at a record of the same supervisor and supervisee
  with a disagreement recorded, its step must be one of the profile's, and its mediator
  must hold that step's role in people.yml (and be neither party).
"""

from __future__ import annotations

import datetime as dt

from supervision.deadlines.context import Rec, RuleContext
from supervision.deadlines.items import AWAITING, DUE, OVERDUE
from supervision.problems import ERROR, WARNING
from supervision.reporters import plural
from supervision.signing.signoff import signers_of

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"ESCALATION-OPEN", "ESCALATION-INVALID"})


def disputed_record(ctx: RuleContext, rec: Rec) -> str | None:
    """The path of the disputed record an escalation points at, if it is a record of the
    same two people with a disagreement recorded (else None)."""
    path, _version = (rec.facts.get("disputed") or [None, None])[:2]
    facts = ctx.ctx.facts.get(str(path)) if path else None
    if facts is None or not facts.get("disagreement"):
        return None
    if facts.get("supervisor") != rec.supervisor or list(facts.get("supervisees") or ()) != \
            list(rec.supervisees):
        return None
    return str(path)


def problem_with(ctx: RuleContext, rec: Rec) -> tuple[str, str] | None:
    """(position key, why) when the escalation is not valid; None when it is."""
    path = (rec.facts.get("disputed") or [None])[0]
    if disputed_record(ctx, rec) is None:
        who = " and ".join(p for p in (rec.supervisor, *rec.supervisees) if p)
        if not path:
            return "disputed", "does not name the disputed record"
        return "disputed", (f"names {path}, which is not a record of {who} with a "
                            "disagreement recorded")
    rules = ctx.rules(rec.school)
    step = rec.facts.get("step")
    if rules is not None and step is not None and step not in rules.escalation:
        return "date", (f"goes to the step '{step}', which is not one of the policy's: "
                        f"{', '.join(rules.escalation) or 'none'}")
    mediator = rec.facts.get("mediator")
    if mediator in (rec.supervisor, *rec.supervisees):
        return "mediator", f"goes to {mediator}, one of the two people who disagree"
    person = ctx.repo.people.get(str(mediator))
    if person is not None and step is not None and step not in person.roles:
        return "mediator", (f"goes to {mediator}, whom people.yml does not give the role "
                            f"{step}")
    return None


def check(ctx: RuleContext) -> None:
    for rec in ctx.index.by_kind.get("escalation", []):
        found = problem_with(ctx, rec)
        if found is not None:
            key, why = found
            ctx.add("ESCALATION-INVALID", OVERDUE, (rec.path, rec.at(key, "date")),
                    f"this escalation {why}", (rec.supervisor, *rec.supervisees),
                    school=rec.school, severity=ERROR)
            continue
        mediator = rec.facts.get("mediator")
        about = (rec.facts.get("disputed") or [None])[0]
        if not rec.facts.get("resolved"):
            _open(ctx, rec, str(mediator), str(about))
        elif ctx.signoffs.from_signatures:
            current = {s.role for s in ctx.signoffs.signoffs(rec.path) if s.current}
            for role in signers_of("escalation"):
                person = mediator if role == "mediator" else (
                    rec.supervisor if role == "supervisor" else
                    (rec.supervisees[0] if rec.supervisees else None))
                if role not in current and person:
                    ctx.add("ESCALATION-OPEN", AWAITING, (rec.path, rec.at("resolution")),
                            f"the resolution of the disagreement about {about} awaits "
                            f"{person}'s signature as {role}; sign it with `supervision sign "
                            f"{rec.path}`", (person,), school=rec.school)


def _open(ctx: RuleContext, rec: Rec, mediator: str, about: str) -> None:
    rules = ctx.rules(rec.school)
    limit = rules.dispute_open_days if rules is not None else None
    age = (ctx.today - rec.day).days
    opened = (f"the disagreement about {about}, escalated to {mediator} on {rec.day}, is "
              f"still open after {plural(age, 'day')}")
    due = rec.day + dt.timedelta(days=limit) if limit is not None else None
    where = (rec.path, rec.at("mediator", "date"))
    if due is not None and due < ctx.today:
        ctx.add("ESCALATION-OPEN", OVERDUE, where,
                f"{opened}; the policy expects it resolved within {plural(limit or 0, 'day')}",
                (mediator,), due=due, school=rec.school, severity=WARNING)
    else:
        ctx.add("ESCALATION-OPEN", DUE, where, f"{opened}: resolve it with both of them",
                (mediator,), due=due, school=rec.school)

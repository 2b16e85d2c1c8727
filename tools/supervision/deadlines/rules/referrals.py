"""A referral agreed in a session has its outcome recorded by the next session.

When a session (or an informal note) agrees a referral to children's social care or the
police (the immediate-risk section's ``referral``), the supervisee's next one-to-one
session records what has happened to it (a text field named ``referral_outcome``).
That next session's record without one is an error (REFERRAL-FOLLOW-UP); until it is
held, the follow-up is listed in ``status`` as due at the next session booked.
"""

from __future__ import annotations

from supervision.deadlines.context import Rec, RuleContext
from supervision.deadlines.items import DUE, OVERDUE
from supervision.problems import ERROR

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"REFERRAL-FOLLOW-UP"})

REFERRAL_WORDS = {"childrens-social-care": "children's social care", "police": "the police",
                  "both": "children's social care and the police"}


def _agreed(ctx: RuleContext) -> list[Rec]:
    """Held one-to-one sessions and informal notes that agreed a referral."""
    found = [r for r in ctx.index.by_kind.get("session", []) if not r.group]
    found += ctx.index.by_kind.get("informal", [])
    return sorted((r for r in found if r.status == "held" and r.facts.get("referral")
                   and r.supervisees), key=lambda r: (r.day, r.path))


def check(ctx: RuleContext) -> None:
    for rec in _agreed(ctx):
        pid = rec.supervisees[0]
        to = REFERRAL_WORDS.get(str(rec.facts.get("referral")), "another agency")
        what = "session" if rec.facts.get("kind") == "session" else "informal note"
        later = [s for s in ctx.index.sessions.get(pid, [])
                 if s.day > rec.day and s.status in ("held", "planned")]
        following = later[0] if later else None
        if following is not None and following.status == "held":
            if following.facts.get("referral_outcome"):
                continue
            ctx.add("REFERRAL-FOLLOW-UP", OVERDUE,
                    (following.path, following.at("review", "date")),
                    f"the {what} on {rec.day} agreed a referral to {to}, and this record of "
                    "the next session does not say what has happened to it "
                    "('referral_outcome')", (following.supervisor, pid), due=following.day,
                    school=following.school, severity=ERROR)
        else:
            when = f" on {following.day}" if following is not None else ""
            ctx.add("REFERRAL-FOLLOW-UP", DUE, (rec.path, rec.at("immediate_risk", "date")),
                    f"the referral to {to} agreed in the {what} on {rec.day} needs its outcome "
                    f"recorded at the next session{when}", (rec.supervisor, pid),
                    due=following.day if following is not None else None, school=rec.school)

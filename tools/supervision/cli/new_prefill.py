"""What ``supervision new`` fills in from the records for a QA review and a group session.

* A QA review's answers the repository knows (contract agreed and signed at the start of
  the period, sessions completed, written and signed records), each with a comment saying
  it was taken from the records (:mod:`supervision.deadlines.qa_records`).
* A group session's review of previous actions: the open actions of the facilitator's
  last group session, as a one-to-one session gets its supervisee's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from supervision.cli import Refused


def qa_answers(repo: Any, supervisee: str, reviewer: str,
               day: dt.date) -> tuple[dict[str, Any], dict[str, str]]:
    """(answers, notes) for a QA review of ``supervisee`` dated ``day``; refuses a reviewer
    who may not quality-assure this supervision."""
    from supervision.cli.pointing import rule_context
    from supervision.deadlines.qa_records import from_records
    from supervision.deadlines.rules.qa_reviews import QA_ROLE

    person = repo.people[reviewer]
    if QA_ROLE not in person.roles:
        raise Refused(f"{reviewer} does not have the {QA_ROLE} role in people.yml, so their "
                      "QA review would not count; nothing was written",
                      "Ask the records admin to give them the role, or choose a QA reviewer.")
    ctx = rule_context(repo, day)
    contract = ctx.contract_on(supervisee, day)
    if contract is not None and contract.supervisor == reviewer:
        raise Refused(f"{reviewer} supervises {supervisee} ({contract.path}), and supervision "
                      "is quality-assured by someone else; nothing was written",
                      "Choose a QA reviewer who is not the supervisee's supervisor.")
    found = from_records(ctx, supervisee, day)
    if found is None:
        return {}, {}
    return found.answers(), found.notes()


def group_actions(repo: Any, school: str, supervisor: str, day: dt.date) -> list[dict]:
    """Open actions from the facilitator's last group session before ``day``."""
    from supervision.forms.record_rules import walk
    from supervision.forms.validate import validate
    from supervision.forms.yamlparse import parse_file

    base = repo.root / "records" / school
    form = repo.form(school, "session", group=True)
    profile = repo.profile_for(school)
    if not base.is_dir() or form is None or profile is None:
        return []
    candidates = sorted(
        (p for p in base.glob(f"*/groups/*-{supervisor}-group-session.yaml")
         if p.name[:10] < day.isoformat()), key=lambda p: p.name, reverse=True)
    for path in candidates:
        doc, _ = parse_file(str(path), path.name)
        if doc is None or not isinstance(doc.data, dict) or doc.data.get("status", "held") \
                != "held":
            continue
        typed, _ = validate(doc, form.fields, repo.context(profile))
        return [{"action": a["action"]} for _kp, f, value in walk(form.fields, typed)
                if f.type == "actions" for a in value
                if a.get("action") and a.get("status", "open") in ("open", "carried-forward")]
    return []

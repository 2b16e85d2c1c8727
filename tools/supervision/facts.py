"""The structured facts of one record, without its free text.

Cross-record rules (calendar, status) and the staff site's reports work from
these facts, and the check cache stores them, so no command after ``check``
needs to re-read thousands of YAML files. Free text never enters the facts:
actions are kept as a short digest of their wording (enough to match an action
with its review next time), case references only as references.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from supervision.forms import Form
from supervision.record_rules import walk

FACTS_VERSION = 1
ANSWER_DATES = frozenset({"next_session", "next_meeting.date", "dsl_training_renewal"})


def action_digest(text: str) -> str:
    """Stable id for an action's wording: case and spacing do not matter."""
    normal = " ".join(text.lower().split())
    return hashlib.sha1(normal.encode("utf-8")).hexdigest()[:12]


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def extract(form: Form, typed: dict[str, Any]) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "kind": form.kind,
        "form": form.key,
        "school": typed.get("school"),
        "date": _iso(typed.get("date")),
        "status": typed.get("status", "held"),
        "supervisor": typed.get("supervisor"),
        "supervisees": (
            list(typed.get("supervisees") or ())
            if form.key == "group-session"
            else [typed["supervisee"]] if typed.get("supervisee") else []
        ),
    }
    for key in ("reviewer", "case_ref", "duration_minutes", "start_time"):
        if key in typed:
            facts[key] = typed[key]
    if "review_date" in typed:
        facts["review_date"] = _iso(typed["review_date"])
    cancellation = typed.get("cancellation")
    if isinstance(cancellation, dict):
        facts["cancellation"] = {k: _iso(v) for k, v in cancellation.items() if k != "reason"}
    if typed.get("themes"):
        facts["themes"] = sorted(set(typed["themes"]))
    cases: dict[str, str | None] = {}
    actions: list[list[Any]] = []
    reviewed: list[list[Any]] = []
    answers: dict[str, Any] = {}
    for keypath, f, value in walk(form.fields, typed):
        if f.type == "case_ref":
            cases.setdefault(value, None)
        elif f.name == "case_status" and f.type == "choice" and keypath[-2:-1]:
            parent = _parent(typed, keypath)
            ref = parent.get("case_ref") if isinstance(parent, dict) else None
            if ref is not None:
                cases[ref] = value
        elif f.type == "actions":
            dotted = _dotted(keypath)
            for item in value:
                if item.get("action"):
                    actions.append([action_digest(item["action"]), item.get("owner"),
                                    _iso(item.get("due")), item.get("status", "open"), dotted])
        elif f.type == "review":
            for item in value:
                if item.get("action"):
                    reviewed.append([action_digest(item["action"]), item.get("outcome")])
        elif f.type == "risk":
            facts["immediate_risk"] = bool(value.get("raised"))
        elif f.type in ("yesno", "integer") and not any(isinstance(p, int) for p in keypath):
            answers[_dotted(keypath)] = value
        elif f.type == "date" and _dotted(keypath) in ANSWER_DATES:
            answers[_dotted(keypath)] = _iso(value)
        elif f.name == "disagreement" and f.type == "text":
            facts["disagreement"] = True
    if "case_ref" in typed and "case_status" in typed:
        cases[typed["case_ref"]] = typed["case_status"]
    if cases:
        facts["cases"] = [[ref, status] for ref, status in cases.items()]
    if actions:
        facts["actions"] = actions
    if reviewed:
        facts["reviewed"] = reviewed
    if answers:
        facts["answers"] = answers
    return facts


def _dotted(keypath: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in keypath if not isinstance(p, int))


def _parent(typed: dict[str, Any], keypath: tuple[Any, ...]) -> Any:
    value: Any = typed
    for part in keypath[:-1]:
        value = value[part]
    return value

"""Answers the page fills in before anyone types: last time's actions, the policy's wording.

* A one-to-one session's review of the previous session's actions: every open or
  carried-forward action of the supervisee's last one-to-one before this one, as
  ``supervision new session`` copies them in (the function is shared with it).
* A contract's clauses: where the profile's own contract field holds the policy's
  wording as its guidance (what the scaffold writes as the comment above it), an
  empty clause starts with that wording, for the two people to change.

Nothing here writes a file: the page shows the filled answers, marked, and saving
writes them like any other answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from supervision.forms.definition import Form, load_core
from supervision.forms.validate import is_empty, parse_date
from supervision.forms.yamlparse import KeyPath
from supervision.repo import RecordsRepo


def previous_actions(repo: RecordsRepo, school: str, supervisee: str,
                     day: dt.date) -> list[dict[str, Any]]:
    """Open actions from the supervisee's last one-to-one before ``day``."""
    from supervision.forms.record_rules import walk
    from supervision.forms.validate import validate
    from supervision.forms.yamlparse import parse_file

    base = repo.root / "records" / school
    if not base.is_dir():
        return []
    candidates = sorted(
        (p for p in base.glob(f"*/{supervisee}/*-session.yaml") if p.name[:10] < day.isoformat()),
        key=lambda p: p.name, reverse=True)
    for path in candidates:
        doc, _ = parse_file(str(path), path.name)
        if doc is None or not isinstance(doc.data, dict):
            continue
        form = repo.form(school, "session")
        profile = repo.profile_for(school)
        if form is None or profile is None:
            return []
        typed, _ = validate(doc, form.fields, repo.context(profile))
        out = []
        for _kp, f, value in walk(form.fields, typed):
            if f.type == "actions":
                out += [{"action": a["action"]} for a in value
                        if a.get("action") and a.get("status", "open") in ("open",
                                                                            "carried-forward")]
        return out
    return []


def review_keypath(form: Form) -> KeyPath | None:
    """The form's first review-of-actions field outside any list."""
    for keypath, f in form.walk():
        if f.type == "review" and not any(isinstance(p, int) for p in keypath):
            return keypath
    return None


def set_review(form: Form, values: dict[str, Any], items: list[dict[str, Any]]) -> None:
    """Put ``items`` into the form's first action-review field."""
    keypath = review_keypath(form)
    if keypath is None:
        return
    target = values
    for part in keypath[:-1]:
        name = str(part)
        if not isinstance(target.get(name), dict):
            target[name] = {}
        target = target[name]
    target[str(keypath[-1])] = items


def _value(data: dict[str, Any], kp: KeyPath) -> Any:
    target: Any = data
    for part in kp:
        if not isinstance(target, dict):
            return None
        target = target.get(part)
    return target


def review(repo: RecordsRepo, form: Form, data: dict[str, Any]) -> KeyPath | None:
    """Fill an empty review of last time's actions in ``data``; returns where, or None."""
    keypath = review_keypath(form)
    if form.key != "session" or keypath is None or not is_empty(_value(data, keypath)):
        return None
    day, school, supervisee = parse_date(data.get("date")), data.get("school"), \
        data.get("supervisee")
    if day is None or not isinstance(school, str) or not isinstance(supervisee, str):
        return None
    items = previous_actions(repo, school, supervisee, day)
    parent = _value(data, keypath[:-1]) if len(keypath) > 1 else data
    if not items or not (isinstance(parent, dict) or parent is None):
        return None
    set_review(form, data, items)
    return keypath


def contract_clauses(form: Form, data: dict[str, Any]) -> list[KeyPath]:
    """Fill each empty clause of a contract with the profile's wording; returns where."""
    if form.key != "contract":
        return []
    core = {f.name for f in load_core()[0].get("contract", {}).get("fields", ())}
    filled: list[KeyPath] = []
    for f in form.fields:
        if f.name in core or f.type not in ("text", "line") or not f.guidance:
            continue
        if is_empty(data.get(f.name)):
            data[f.name] = f.guidance + "\n" if f.type == "text" else f.guidance
            filled.append((f.name,))
    return filled

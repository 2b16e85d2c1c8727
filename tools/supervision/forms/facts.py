"""The structured facts of one record, without its free text.

Cross-record rules (calendar, status) and the staff site's reports work from
these facts, and the check cache stores them, so no command after ``check``
needs to re-read thousands of YAML files. Free text never enters the facts:
actions are kept as a short digest of their wording (enough to match an action
with its review next time), case references only as references.

``at`` holds the line and column of the keys the cross-record rules point at
(``date``, ``status``, ``review_date``, ``cancellation.rebooked_to``, the first
action-review field as ``review``, the disagreement field) and, under
``action_at``, of each action in the same order as ``actions``.

``next_meeting`` holds the date (and time, when the form asks for one) of the next
meeting a session agreed, wherever the form keeps it (see :func:`next_meeting`).

``chronology_items`` lists what must also go on a child's chronology (fields marked
``chronology: true``): per item its stable id (see :func:`extract`), its place
(``case_management.decisions[1]``), the case references it concerns, its line and column
and its key path (so ``supervision chronology`` can read its text from the record
itself). A chronology entry's facts (``chronology``) list, per record it covers, the
record, the version, the outcome and the item ids (an id that is not a stable random one
also as its place's id, :func:`covers`); an escalation's, the disputed record and
version, the step, the mediator and the day it was resolved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from supervision.forms.definition import Form
from supervision.forms.record_rules import walk

FACTS_VERSION = 5  # 5: chronology item ids from the clear part of sealed records
ANSWER_DATES = frozenset({"next_session", "next_meeting.date", "dsl_training_renewal"})
#: Names of a session form's field for the next meeting agreed in it: a date
#: (``next_session``), or a group holding a date and perhaps a time (``next_meeting``).
NEXT_MEETING_FIELDS = ("next_meeting", "next_session")

#: Keys whose position the cross-record rules report (see :mod:`supervision.deadlines.time_rules`).
POSITION_KEYS = ("date", "status", "supervisee", "supervisor", "review_date",
                 "duration_minutes", "cancellation", "reviewer", "mediator", "assessor",
                 "disputed", "resolution", "entries", "next_meeting", "next_session")

Where = Callable[[tuple[Any, ...]], tuple[int, int]]


def people_of(facts: dict[str, Any] | None) -> list[str]:
    """The people a record's facts name (the store finds records by them): its
    supervisor, reviewer, mediator, assessor and supervisees."""
    if not facts:
        return []
    out = [p for p in (facts.get("supervisor"), facts.get("reviewer"), facts.get("mediator"),
                       facts.get("assessor")) if isinstance(p, str)]
    return out + [p for p in facts.get("supervisees") or () if isinstance(p, str)]


def action_digest(text: str) -> str:
    """Stable id for an action's wording: case and spacing do not matter."""
    normal = " ".join(text.lower().split())
    return hashlib.sha1(normal.encode("utf-8")).hexdigest()[:12]


_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
#: The prefixes of the stable random ids a sealed record's clear part gives its actions
#: and decisions (``sealing/split.py`` makes them).
RANDOM_ID_PREFIXES = ("a-", "d-")


def place_id(where: str) -> str:
    """The id of a chronology item by its place (``cases[1].next_steps``): ``p-`` and 10
    base32 characters. The place is in the clear part, so anyone computes the same id."""
    digest = hashlib.sha256(b"place\0" + where.encode("utf-8")).digest()
    return "p-" + "".join(_BASE32[b % 32] for b in digest[:10])


def covers(done: set[str] | frozenset[str], item_id: str, where: str) -> bool:
    """Whether the ids chronology entries name (``done``) cover the item ``item_id`` at
    place ``where``. A stable random id is also covered by its place's id: an entry made
    before the record was sealed (or sealed with ids) names its items by wording digest,
    and its facts add each one's place id."""
    return item_id in done or (item_id.startswith(RANDOM_ID_PREFIXES)
                               and place_id(where) in done)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def extract(form: Form, typed: dict[str, Any], where: Where | None = None,
            ids: dict[tuple[Any, ...], str] | None = None) -> dict[str, Any]:
    """The record's facts; ``where`` (``Document.where``) adds key positions.

    ``ids``: for a sealed record (or a reader's readable copy of one), the stable random
    ids its clear part gives its actions and decisions, by key path; its chronology
    items are then named by those ids (by place when one has none, and for a text
    answer), never by anything of their wording, so a reader's facts and a non-reader's
    name the same items the same way. None (a repository that does not seal): by a
    digest of their wording, as the wording is in clear beside it; a reworded item is a
    new one. A yes (a conversation about a child) is named by its field either way.
    """
    at: dict[str, list[int]] = {}
    action_at: list[list[int]] = []

    def mark(name: str, keypath: tuple[Any, ...]) -> None:
        if where is not None and name not in at:
            at[name] = list(where(keypath))

    for key in POSITION_KEYS:
        if key in typed:
            mark(key, (key,))
    if isinstance(typed.get("cancellation"), dict) and "rebooked_to" in typed["cancellation"]:
        mark("cancellation.rebooked_to", ("cancellation", "rebooked_to"))
    for keypath, f in form.walk():  # the review field, or where it would go when empty
        if f.type == "review" and not any(isinstance(p, int) for p in keypath):
            mark("review", keypath)
            break
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
    for key in ("reviewer", "case_ref", "duration_minutes", "start_time", "mediator",
                "assessor", "step"):
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
    chronology: list[list[Any]] = []
    for keypath, f, value in walk(form.fields, typed):
        if f.chronology:
            chronology += _chronology_items(typed, keypath, f, value, where, ids)
        if f.type == "case_ref":
            cases.setdefault(value, None)
        elif f.name == "case_status" and f.type == "choice" and keypath[-2:-1]:
            parent = _parent(typed, keypath)
            ref = parent.get("case_ref") if isinstance(parent, dict) else None
            if ref is not None:
                cases[ref] = value
        elif f.type == "actions":
            dotted = _dotted(keypath)
            for index, item in enumerate(value):
                if item.get("action"):
                    actions.append([action_digest(item["action"]), item.get("owner"),
                                    _iso(item.get("due")), item.get("status", "open"), dotted])
                    if where is not None:
                        action_at.append(list(where(keypath + (index,))))
        elif f.type == "review":
            for item in value:
                if item.get("action"):
                    reviewed.append([action_digest(item["action"]), item.get("outcome")])
        elif f.type == "risk":
            facts["immediate_risk"] = bool(value.get("raised"))
            if value.get("referral") not in (None, "none"):
                facts["referral"] = value["referral"]
                mark("immediate_risk", keypath)
        elif f.type in ("yesno", "integer") and not any(isinstance(p, int) for p in keypath):
            answers[_dotted(keypath)] = value
            if form.key == "qa-review":
                mark("answers." + _dotted(keypath), keypath)
        elif f.type == "date" and _dotted(keypath) in ANSWER_DATES:
            answers[_dotted(keypath)] = _iso(value)
        elif f.name == "disagreement" and f.type == "text":
            facts["disagreement"] = True
            mark("disagreement", keypath)
        elif f.name == "referral_outcome" and f.type == "text":
            facts["referral_outcome"] = True
    agreed = next_meeting(form, typed) if form.kind == "session" else None
    if agreed:
        facts["next_meeting"] = agreed
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
    if chronology:
        facts["chronology_items"] = chronology
    facts.update(_pointers(form, typed))
    if at:
        facts["at"] = at
    if action_at:
        facts["action_at"] = action_at
    return facts


def entry_items(form: Form, data: dict[str, Any]) -> list[dict[str, str]]:
    """What a chronology entry lists for a record: ``{"id", "place"}`` of each of its
    chronology items; none for a record that is not held (a planned session)."""
    if data.get("status", "held") != "held":
        return []
    found = extract(form, data).get("chronology_items") or []
    return [{"id": digest, "place": place} for digest, place, *_rest in found]


def _chronology_items(typed: dict[str, Any], keypath: tuple[Any, ...], f: Any, value: Any,
                      where: Where | None, ids: dict[tuple[Any, ...], str] | None
                      ) -> list[list[Any]]:
    """The items of one field marked ``chronology: true`` (see the module docstring)."""
    found: list[tuple[tuple[Any, ...], str]] = []
    if f.type in ("decisions", "actions"):
        wording = "decision" if f.type == "decisions" else "action"
        for index, item in enumerate(value):
            if isinstance(item, dict) and item.get(wording):
                here = keypath + (index,)
                found.append((here, action_digest(str(item[wording])) if ids is None
                              else ids.get(here) or place_id(place(here))))
    elif f.type == "text" and isinstance(value, str) and value.strip():
        found.append((keypath, action_digest(value) if ids is None
                      else place_id(place(keypath))))
    elif f.type == "yesno" and value is True:
        found.append((keypath, action_digest(_dotted(keypath))))
    if not found:
        return []
    refs = _case_refs(_parent(typed, keypath)) or _case_refs(typed)
    out = []
    for here, digest in found:
        line, col = where(here) if where is not None else (1, 1)
        out.append([digest, place(here), refs, line, col, list(here)])
    return out


def place(keypath: tuple[Any, ...]) -> str:
    """``('cases', 0, 'next_steps')`` -> ``cases[1].next_steps`` (items counted from 1)."""
    out = ""
    for part in keypath:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _case_refs(scope: Any) -> list[str]:
    """Every case reference inside ``scope`` (a record, a section or a list item), in order."""
    refs: list[str] = []

    def visit(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                visit(v, k)
        elif isinstance(value, list):
            for v in value:
                visit(v, key)
        elif key == "case_ref" and isinstance(value, str) and value not in refs:
            refs.append(value)

    visit(scope)
    return refs


def _pointers(form: Form, typed: dict[str, Any]) -> dict[str, Any]:
    """What a chronology entry or an escalation says about the record it points at."""
    out: dict[str, Any] = {}
    if form.kind == "chronology-entry":
        out["chronology"] = [
            [e.get("record"), e.get("version"), e.get("outcome", "entered"),
             _entered(e.get("items") or ())]
            for e in typed.get("entries") or () if isinstance(e, dict)]
    elif form.kind == "escalation":
        disputed = typed.get("disputed") or {}
        out["disputed"] = [disputed.get("record"), disputed.get("version")]
        resolution = typed.get("resolution")
        if isinstance(resolution, dict) and isinstance(resolution.get("date"), dt.date):
            out["resolved"] = resolution["date"].isoformat()
    return out


def _entered(items: Any) -> list[str]:
    """The ids one entry covers: each item's id, and for an id by wording (12 hex
    characters) also its place's id (see :func:`covers`)."""
    out: list[str] = []
    for item in items:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        out.append(str(item["id"]))
        if "-" not in str(item["id"]) and isinstance(item.get("place"), str):
            out.append(place_id(item["place"]))
    return out


def _dotted(keypath: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in keypath if not isinstance(p, int))


def _parent(typed: dict[str, Any], keypath: tuple[Any, ...]) -> Any:
    value: Any = typed
    for part in keypath[:-1]:
        value = value[part]
    return value


def next_meeting(form: Form, typed: dict[str, Any]) -> dict[str, str] | None:
    """The next meeting a session agreed: ``{"date": ..., "time": ...}`` (time if any).

    Found by the field's name (:data:`NEXT_MEETING_FIELDS`, or any top-level field
    named ``next_...``): a date field, or a group whose first date and time fields
    hold it. Profiles name and shape it differently (agenda: ``next_meeting: {date,
    time}``; reflective: ``next_session``, a date).
    """
    for f in form.fields:
        if f.name not in NEXT_MEETING_FIELDS and not f.name.startswith("next_"):
            continue
        value = typed.get(f.name)
        if f.type == "date" and isinstance(value, dt.date):
            return {"date": value.isoformat()}
        if f.type == "group" and isinstance(value, dict):
            day = next((value.get(sub.name) for sub in f.fields if sub.type == "date"), None)
            time = next((value.get(sub.name) for sub in f.fields if sub.type == "time"), None)
            if isinstance(day, dt.date):
                found = {"date": day.isoformat()}
                if isinstance(time, str):
                    found["time"] = time
                return found
    return None

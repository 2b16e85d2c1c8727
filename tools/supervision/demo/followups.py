"""What the demo's later records say about its earlier ones, planned once the story is told.

:func:`follow_up` runs after :meth:`~supervision.demo.story._Planner.story` and, in
memory, before anything is committed:

* a referral to children's social care agreed in one supervisee's session, whose next
  session records no outcome (planted: ``referral``);
* every held session's next meeting set to the date of the supervisee's next session,
  the latest one booked as a planned session in the next half term;
* each QA review answering what the records show for its period;
* a chronology entry, written and signed by the supervisee (the DSL) two days after each
  session (with its case notes), group session and informal note, except one session's
  (planted: ``chronology``);
* the disputed session escalated by its supervisor to the Deputy CEO, still open
  (planted: ``escalation``).

A chronology entry's or escalation's ``version`` is left empty here: the replay fills it
with the blob id of the record on disk when it is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from supervision.deadlines.school_calendar import SchoolCalendar
from supervision.demo.story import PLANTED, Record, _Planner, moment
from supervision.forms.facts import NEXT_MEETING_FIELDS, entry_items
from supervision.forms.record_rules import expected_path, first_free_path
from supervision.repo import RecordsRepo

ESCALATION_REASON = ("We could not agree whether the plan for the second case was settled "
                     "before the early help review.")


def follow_up(planner: _Planner, repo: RecordsRepo, calendar: SchoolCalendar) -> None:
    _referral(planner)
    _next_meetings(planner, repo, calendar)
    _qa_answers(planner)
    _chronology(planner, repo)
    _escalation(planner, repo)


def _one_to_one(planner: _Planner, pid: str) -> list[Record]:
    return sorted((r for r in planner.records if r.data.get("kind") == "session"
                   and r.data.get("format") == "one-to-one" and r.data.get("supervisee") == pid),
                  key=lambda r: (str(r.data["date"]), r.path))


def _day(rec: Record) -> dt.date:
    return dt.date.fromisoformat(str(rec.data["date"]))


def _referral(planner: _Planner) -> None:
    assert planner.ended is not None
    before_last, _last = planner.ended
    pid = PLANTED["referral"][0]
    held = [r for r in _one_to_one(planner, pid) if r.data.get("status") == "held"]
    source = next((r for r in held if before_last.start <= _day(r) <= before_last.end), None)
    later = [r for r in held if source is not None and _day(r) > _day(source)]
    if source is None or not later:
        return
    source.data["immediate_risk"] = {
        "raised": True, "action": "A referral to children's social care, made the same day.",
        "owner": pid, "referral": "childrens-social-care"}
    planner.planted["referral"] = later[0].path


def _next_meetings(planner: _Planner, repo: RecordsRepo, calendar: SchoolCalendar) -> None:
    people = {str(r.data.get("supervisee")) for r in planner.records
              if r.data.get("kind") == "session" and r.data.get("format") == "one-to-one"}
    for pid in sorted(people):
        sessions = _one_to_one(planner, pid)
        for index, rec in enumerate(sessions):
            if rec.data.get("status") != "held":
                continue
            if index + 1 < len(sessions):
                _agree(repo, rec, _day(sessions[index + 1]))
                continue
            after = [h for h in calendar.half_terms() if h.start > _day(rec)]
            if not after:
                continue
            day = calendar.school_day_from(after[0].start + dt.timedelta(days=10))
            _agree(repo, rec, day)
            if day > planner.today:
                _book(planner, repo, rec, day)


def _agree(repo: RecordsRepo, rec: Record, day: dt.date) -> None:
    """Write ``day`` into the session's next-meeting field, whatever the form calls it."""
    form = repo.form(rec.data["school"], "session")
    assert form is not None
    for f in form.fields:
        if f.name in NEXT_MEETING_FIELDS:
            if f.type == "date":
                rec.data[f.name] = day.isoformat()
            elif isinstance(rec.data.get(f.name), dict):
                rec.data[f.name]["date"] = day.isoformat()


def _book(planner: _Planner, repo: RecordsRepo, rec: Record, day: dt.date) -> None:
    school = rec.data["school"]
    profile = repo.profile_for(school)
    form = repo.form(school, "session")
    assert profile is not None and form is not None
    header = {"kind": "session", "format": "one-to-one", "school": school,
              "supervisee": rec.data["supervisee"], "supervisor": rec.data["supervisor"],
              "date": day, "status": "planned"}
    planner.record(profile, form, header, rec.author, rec.written + dt.timedelta(hours=1))


def _signed_by(rec: Record, roles: tuple[str, ...], day: dt.date) -> bool:
    done = {role for role, _person, when in rec.signoffs if when.date() <= day}
    return set(roles) <= done


def _qa_answers(planner: _Planner) -> None:
    """Each QA review answers what the records show for its period (as `new` fills it in)."""
    reviews = sorted((r for r in planner.records if r.data.get("kind") == "qa-review"),
                     key=lambda r: str(r.data["date"]))
    for rec in reviews:
        pid, day = rec.data["supervisee"], _day(rec)
        contracts = sorted((r for r in planner.records if r.data.get("kind") == "contract"
                            and r.data.get("supervisee") == pid), key=_day)
        if not contracts:
            continue
        earlier = [r for r in reviews if r.data["supervisee"] == pid and _day(r) < day]
        start = _day(earlier[-1]) + dt.timedelta(days=1) if earlier else _day(contracts[0])
        in_force = [c for c in contracts if _day(c) <= start] or contracts[:1]
        contract = in_force[-1] if _day(in_force[-1]) <= day else None
        held = [r for r in _one_to_one(planner, pid)
                if r.data.get("status") == "held" and start <= _day(r) <= day]
        both = ("supervisor", "supervisee")
        rec.data["contract_agreed"] = contract is not None and _signed_by(contract, both, day)
        rec.data["sessions_completed"] = len(held)
        rec.data["written_records"] = bool(held) and all(_signed_by(r, both, day) for r in held)


def _items(repo: RecordsRepo, rec: Record) -> list[dict[str, str]]:
    data = rec.data
    form = repo.form(data.get("school"), str(data.get("kind")), data.get("format") == "group")
    return entry_items(form, data) if form is not None else []


def _chronology(planner: _Planner, repo: RecordsRepo) -> None:
    assert planner.ended is not None
    before_last, _last = planner.ended
    used: set[str] = set()
    for rec in list(planner.records):
        kind = rec.data.get("kind")
        if kind not in ("session", "informal") or not _items(repo, rec):
            continue
        group = rec.data.get("format") == "group"
        pid = str((rec.data.get("supervisees") or [None])[0] if group
                  else rec.data.get("supervisee"))
        sources = [rec]
        if kind == "session" and not group:
            sources += [r for r in planner.records if r.data.get("kind") == "case-notes"
                        and r.data.get("supervisee") == pid and r.data["date"] == rec.data["date"]
                        and _items(repo, r)]
        if (pid == PLANTED["chronology"][0] and kind == "session" and not group
                and before_last.start <= _day(rec) <= before_last.end):
            planner.planted["chronology"] = rec.path
            sources = sources[1:]  # the case notes are entered; the session's decisions not
        when = moment(rec.written.date() + dt.timedelta(days=2), 17)
        if not sources or when > planner.now:
            continue
        _entry(planner, repo, pid, str(rec.data["school"]), when, sources, used)


def _entry(planner: _Planner, repo: RecordsRepo, pid: str, school: str, when: dt.datetime,
           sources: list[Record], used: set[str]) -> None:
    form = repo.form(school, "chronology-entry")
    assert form is not None
    data: dict[str, Any] = {
        "kind": "chronology-entry", "school": school, "date": when.date().isoformat(),
        "supervisee": pid,
        "entries": [{"record": s.path, "version": None, "outcome": "entered",
                     "items": _items(repo, s)} for s in sources]}
    first = expected_path(form, {**data, "date": when.date()})
    assert first is not None
    path = first_free_path(first, used.__contains__)
    used.add(path)
    planner.records.append(Record(path, data, pid, when, signed_on_write="supervisee"))


def _escalation(planner: _Planner, repo: RecordsRepo) -> None:
    path = planner.planted.get("dispute")
    rec = next((r for r in planner.records if r.path == path), None)
    if rec is None or not rec.signoffs:
        return
    when = moment(rec.signoffs[-1][2].date() + dt.timedelta(days=3), 11)
    if when > planner.now:
        return
    data = {"kind": "escalation", "school": rec.data["school"], "date": when.date().isoformat(),
            "disputed": {"record": rec.path, "version": None},
            "supervisee": rec.data["supervisee"], "supervisor": rec.data["supervisor"],
            "mediator": "dceo", "reason": ESCALATION_REASON, "step": "deputy-ceo"}
    form = repo.form(str(data["school"]), "escalation")
    assert form is not None
    target = expected_path(form, {**data, "date": when.date()})
    assert target is not None
    planner.records.append(Record(target, data, str(rec.data["supervisor"]), when))
    planner.planted["escalation"] = target

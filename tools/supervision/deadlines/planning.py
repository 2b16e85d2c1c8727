"""Proposing session dates for a school year, and writing them as an iCalendar file.

``supervision schedule`` asks :func:`propose` for one one-to-one session per
half term for each supervisee with a contract, then writes them as planned
sessions and (optionally) an ``.ics`` file people import into their calendar.

A proposed date is a school day (not a weekend, bank holiday, closure day or
holiday) in the half term, far enough ahead for the supervisee to prepare (the
profile's ``case_notes_days_before`` or ``agenda_days_before``), about a third
of the way into the half term so there is room to rebook, and on a day when
neither person already has a session. Half terms in which the supervisee
already has a held or planned session are left alone.

When the supervisee's latest held session agreed the date of the next meeting
(the session form's ``next_meeting`` or ``next_session``, in the record's facts)
and that date falls in the half term being planned, it is proposed instead, at
the agreed time if the form records one, provided it is a school day on which
the supervisor has no other session; otherwise the usual date is proposed and
the proposal's ``reason`` says why the agreed one was not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from supervision.deadlines.school_calendar import SchoolCalendar
from supervision.deadlines.school_year import HalfTerm
from supervision.reporters import plural


@dataclass(frozen=True, slots=True)
class Proposal:
    supervisee: str
    supervisor: str
    school: str
    day: dt.date
    half: HalfTerm
    start_time: str
    minutes: int
    #: why this date: the meeting agreed last time, or why that date could not be used
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Agreed:
    """The next meeting a supervisee's latest held session agreed."""

    at: dt.date  # the session that agreed it
    day: dt.date
    time: str | None


@dataclass(frozen=True, slots=True)
class Planned:
    """A session for the iCalendar file: planned (in the repository or just proposed),
    or cancelled (sent again as cancelled, so calendars drop the invitation)."""

    path: str
    supervisee: str
    supervisor: str
    day: dt.date
    start_time: str
    minutes: int
    cancelled: bool = False
    rebooked_to: dt.date | None = None


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def session_minutes(rules: Any) -> int | None:
    return rules.session_minutes_max or rules.session_minutes_min


def _spread(pid: str) -> int:
    """A stable 0-4 day offset per supervisee, so one supervisor's sessions spread out."""
    return int(hashlib.sha1(pid.encode("utf-8")).hexdigest()[:4], 16) % 5


def propose(repo: Any, calendar: SchoolCalendar, facts: dict[str, dict[str, Any]],
            year: str, today: dt.date, start_time: str) -> tuple[list[Proposal], list[str]]:
    """Proposed sessions for ``year``, and notes on what could not be proposed."""
    halves = calendar.half_terms(year)
    notes: list[str] = []
    if not halves:
        return [], notes
    contracts: dict[str, tuple[dt.date, dict[str, Any]]] = {}
    sessions: dict[str, list[tuple[dt.date, str]]] = {}
    busy: set[tuple[str, dt.date]] = set()
    latest: dict[str, tuple[dt.date, dict[str, Any]]] = {}  # latest held one-to-one
    for f in sorted(facts.values(), key=lambda f: str(f.get("date"))):
        day = _day(f.get("date"))
        if day is None:
            continue
        people = list(f.get("supervisees") or [])
        if f.get("kind") == "contract" and people and day <= halves[-1].end:
            known = contracts.get(people[0])
            if known is None or day >= known[0]:
                contracts[people[0]] = (day, f)
        elif f.get("kind") == "session":
            status = str(f.get("status") or "held")
            if f.get("form") == "session" and people:
                sessions.setdefault(people[0], []).append((day, status))
                busy.add((people[0], day))  # the file path is taken, whatever its status
                if status == "held" and day <= today:
                    latest[people[0]] = (day, f)
            if status != "cancelled":
                for pid in [*people, f.get("supervisor")]:
                    if pid:
                        busy.add((pid, day))
    agreed_next = {pid: found for pid, (day, f) in latest.items()
                   if (found := _agreed(day, f)) is not None}
    # Agreed dates go first: no other supervisee's usual date may take one.
    reserved = {(contracts[pid][1].get("supervisor"), a.day): pid
                for pid, a in agreed_next.items() if pid in contracts}
    proposals: list[Proposal] = []
    for pid in sorted(contracts):
        agreed, contract = contracts[pid]
        supervisor, school = contract.get("supervisor"), contract.get("school")
        profile = repo.profile_for(school)
        person = repo.people.get(pid)
        if not supervisor or not school or profile is None:
            continue
        rules = profile.rules
        lead = rules.case_notes_days_before or rules.agenda_days_before or 1
        minutes = session_minutes(rules)
        if minutes is None:
            notes.append(f"{pid}: the {profile.id} profile sets no session length")
            continue
        for half in halves:
            if person is not None and person.left is not None and person.left <= half.start:
                continue
            if half.end < agreed:
                continue
            if any(calendar.half_term_counting(day) == half and status in ("held", "planned")
                   for day, status in sessions.get(pid, [])):
                continue
            earliest = max(half.start, agreed, today + dt.timedelta(days=lead))
            days = [half.start + dt.timedelta(days=n)
                    for n in range((half.end - half.start).days + 1)]
            options = [d for d in days if d >= earliest and calendar.is_school_day(d)]
            if not options:
                if half.end >= today:
                    notes.append(f"{pid}: no school day is left in {half.name} {half.year} "
                                 f"at least {plural(lead, 'day')} from {today}")
                continue
            agreed_here = agreed_next.get(pid)
            if agreed_here is not None and _half_for(halves, agreed_here.day) != half:
                agreed_here = None
            reason = None
            if agreed_here is not None:
                day, why_not = agreed_here.day, None
                closed = calendar.why_closed(day)
                if day < today:
                    why_not = "that date has passed"
                elif closed is not None:
                    why_not = f"it is not a school day ({closed})"
                elif (supervisor, day) in busy:
                    why_not = f"{supervisor} already has a session that day"
                if why_not is None:
                    busy.update({(pid, day), (supervisor, day)})
                    proposals.append(Proposal(
                        pid, supervisor, school, day, half, agreed_here.time or start_time,
                        minutes, f"the next meeting agreed at the session on {agreed_here.at}"))
                    continue
                reason = (f"the next meeting agreed at the session on {agreed_here.at} was "
                          f"{day}, but {why_not}; this is the usual date instead")
            ideal = half.start + dt.timedelta(days=(half.end - half.start).days // 3
                                              + _spread(pid))
            options.sort(key=lambda d: (abs((d - ideal).days), d))
            chosen = next((d for d in options
                           if (pid, d) not in busy and (supervisor, d) not in busy
                           and reserved.get((supervisor, d), pid) == pid), None)
            if chosen is None:
                notes.append(f"{pid}: every school day left in {half.name} {half.year} already "
                             f"has a session for {pid} or {supervisor}")
                continue
            busy.update({(pid, chosen), (supervisor, chosen)})
            proposals.append(Proposal(pid, supervisor, school, chosen, half, start_time,
                                      minutes, reason))
    proposals.sort(key=lambda p: (p.day, p.supervisor, p.supervisee))
    return proposals, notes


def _agreed(held: dt.date, f: dict[str, Any]) -> Agreed | None:
    """The next meeting the session with facts ``f`` (held on ``held``) agreed, if any."""
    found = f.get("next_meeting")
    day = _day(found.get("date")) if isinstance(found, dict) else None
    if day is None or day <= held:
        return None
    time = found.get("time") if isinstance(found, dict) else None
    return Agreed(held, day, time if isinstance(time, str) else None)


def _half_for(halves: list[HalfTerm], day: dt.date) -> HalfTerm | None:
    """The half term a meeting on ``day`` belongs to: the one it falls in, or the one
    after the holiday it falls in (so a date in the holidays is said not to be used)."""
    return next((h for h in halves if day <= h.end), None)


def planned_sessions(repo: Any, facts: dict[str, dict[str, Any]], calendar: SchoolCalendar,
                     year: str, default_time: str) -> list[Planned]:
    """One-to-one sessions already in the repository for ``year``: the planned ones and
    the cancelled ones (a cancelled session was booked, and may be in people's
    calendars: the file says it is cancelled)."""
    out: list[Planned] = []
    halves = calendar.half_terms(year)
    if not halves:
        return out
    for path, f in facts.items():
        day = _day(f.get("date"))
        people = list(f.get("supervisees") or [])
        status = f.get("status")
        if day is None or f.get("kind") != "session" or f.get("form") != "session" or \
                status not in ("planned", "cancelled") or not people or \
                not f.get("supervisor"):
            continue
        if not halves[0].start <= day <= halves[-1].end:
            continue
        profile = repo.profile_for(f.get("school"))
        minutes = f.get("duration_minutes") or (session_minutes(profile.rules) if profile
                                                else None) or 0
        details = f.get("cancellation") if status == "cancelled" else None
        rebooked = _day(details.get("rebooked_to")) if isinstance(details, dict) else None
        out.append(Planned(path, people[0], f["supervisor"], day,
                           str(f.get("start_time") or default_time), int(minutes),
                           status == "cancelled", rebooked))
    return sorted(out, key=lambda p: (p.day, p.path))


def ics(repo: Any, sessions: list[Planned], stamp: dt.datetime) -> bytes:
    """An iCalendar file with one event per planned or cancelled session (UK time).

    Each event's UID comes from the record's path (which ``supervision cancel`` keeps),
    so importing a newer file updates the events instead of duplicating them. A
    cancelled session is sent as the same event with ``STATUS:CANCELLED`` and a higher
    ``SEQUENCE`` (planned: 0, cancelled: 1): one file cannot mix ``METHOD:CANCEL`` with
    the planned events, so this is the cancellation calendar apps apply on import.
    Only names and email addresses from people.yml go in: nothing from a record's text.
    """
    import zoneinfo

    import icalendar

    london = zoneinfo.ZoneInfo("Europe/London")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//supervision records//schedule//EN")
    cal.add("version", "2.0")
    org = repo.config.organisation if repo.config else "Supervision"
    cal.add("x-wr-calname", f"{org}: supervision sessions")
    for planned in sessions:
        hour, minute = (int(part) for part in planned.start_time.split(":"))
        start = dt.datetime.combine(planned.day, dt.time(hour, minute), tzinfo=london)
        event = icalendar.Event()
        uid = hashlib.sha1(planned.path.encode("utf-8")).hexdigest()[:20]
        event.add("uid", f"{uid}@supervision-records.invalid")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        if planned.minutes:
            event.add("dtend", start + dt.timedelta(minutes=planned.minutes))
        names = [_name(repo, planned.supervisee), _name(repo, planned.supervisor)]
        title = f"Supervision: {names[0]} with {names[1]}"
        if planned.cancelled:
            event.add("status", "CANCELLED")
            event.add("sequence", 1)
            event.add("summary", f"Cancelled: {title}")
            moved = f" Rebooked for {planned.rebooked_to}." if planned.rebooked_to else ""
            event.add("description", f"This one-to-one supervision session was cancelled."
                      f"{moved} Record: {planned.path}")
        else:
            event.add("status", "CONFIRMED")
            event.add("sequence", 0)
            event.add("summary", title)
            event.add("description", f"Planned one-to-one supervision. Record: {planned.path}")
        for pid, role in ((planned.supervisor, ""), (planned.supervisee, "REQ-PARTICIPANT")):
            person = repo.people.get(pid)
            if person is not None and person.email:
                address = icalendar.vCalAddress(f"mailto:{person.email}")
                address.params["cn"] = icalendar.vText(person.name)
                if role:
                    address.params["role"] = icalendar.vText(role)
                event.add("attendee" if role else "organizer", address)
        cal.add_component(event)
    if sessions:  # VTIMEZONE for the years the events span, not 1970 to 2038
        first = min(p.day for p in sessions)
        last = max(p.day for p in sessions)
        cal.add_missing_timezones(first_date=dt.date(first.year, 1, 1),
                                  last_date=dt.date(last.year + 1, 1, 1))
    return bytes(cal.to_ical())


def _name(repo: Any, pid: str) -> str:
    person = repo.people.get(pid)
    return person.name if person is not None else pid

"""The demo trust's story: its people, records and sign-offs, planned in memory.

:func:`plan` writes the trust's settings, people and two fictional calendars into
a folder made by ``supervision init`` and works out, for three fictional schools
(two on the ``agenda`` profile, one on ``reflective``), a year and a bit of
supervision up to today: contracts, one-to-one and group sessions, case notes,
QA reviews, informal notes, the school supervisors' own supervision, chronology
entries, and who signs what and when. Nine problems are planted on purpose
(:data:`PLANTED`); :mod:`supervision.demo.followups` adds what later records say
about earlier ones (chronology entries, the escalated dispute, QA answers).
Randomness is seeded, so a given "today" always gives the same story.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from supervision.deadlines.school_calendar import SchoolCalendar, load_calendar
from supervision.deadlines.school_year import HalfTerm, academic_year, add_months
from supervision.demo.fictional_trust import write_calendars
from supervision.demo.synthetic import fill
from supervision.forms.definition import Form, Profile
from supervision.forms.record_rules import expected_path, walk
from supervision.repo import RecordsRepo

ORG = "Fernhill Learning Trust (fictional)"
SEED = 11

#: (id, name, profile, short code for people ids)
SCHOOLS = (
    ("northwind", "Northwind Primary (fictional)", "agenda", "nw"),
    ("hollowbrook", "Hollowbrook Academy (fictional)", "reflective", "hb"),
    ("wendle", "Little Wendle School (fictional)", "agenda", "lw"),
)
_FIRST = ("Ada", "Ben", "Cleo", "Dev", "Eve", "Finn", "Gia", "Hal", "Ivy", "Jay", "Kit",
          "Lou", "Max", "Nia", "Oli", "Pip")
_LAST = ("Example", "Placeholder", "Madeup", "Imaginary", "Sample", "Notreal", "Pretend",
         "Invented")

#: The deliberate problems: key -> (who, what the tools should find).
PLANTED = {
    "unsigned": ("dsl-nw-1", "a session record nobody has signed, past the sign-off deadline"),
    "late-rebook": ("dsl-nw-2", "a cancelled session rebooked beyond the policy's limit"),
    "dispute": ("dsl-hb-1", "a session the supervisee signed with a disagreement"),
    "stale": ("dsl-hb-2", "an agreed session edited after both had signed it"),
    "missed-half-term": ("dsl-lw-1", "no session at all in the last half term"),
    "chronology": ("dsl-nw-2", "a session whose case decisions were never entered on the "
                   "chronology"),
    "qa-due": ("dsl-nw-2", "a supervisee whose supervision is overdue for a QA review"),
    "escalation": ("dsl-hb-1", "the disputed session escalated to the Deputy CEO and still "
                   "open"),
    "referral": ("dsl-lw-2", "a referral agreed in a session, with no outcome recorded at the "
                 "next one"),
}
DISAGREEMENT = ("I do not agree that the plan for the second case was settled: we agreed to "
                "review it with the early help lead first.")
STALE_EDIT = " Corrected after sign-off: the review meeting was moved to the following week."


class DemoError(Exception):
    """The demo cannot be built; the message says why and what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass
class Person:
    id: str
    name: str
    roles: list[str]
    school: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def entry(self, fingerprint: str) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "roles": self.roles}
        if self.school:
            out["school"] = self.school
        out["email"] = f"{self.id}@example.invalid"
        out["fingerprints"] = [fingerprint]
        out.update(self.extra)
        return out


@dataclass
class Record:
    path: str
    data: dict[str, Any]
    author: str
    written: dt.datetime
    #: (role, person, when); a disagreement text makes that sign-off a dispute
    signoffs: list[tuple[str, str, dt.datetime]] = field(default_factory=list)
    disagree_as: str | None = None
    edited: dt.datetime | None = None  # the stale record's later, unsigned-off edit
    #: written and signed in one commit by its author (a chronology entry)
    signed_on_write: str | None = None


@dataclass(order=True)
class Event:
    when: dt.datetime
    seq: int
    kind: str = field(compare=False)  # "write", "sign", "edit"
    record: Record = field(compare=False)
    role: str = field(default="", compare=False)
    person: str = field(default="", compare=False)


@dataclass
class Plan:
    first_year: int
    people: list[Person]
    records: list[Record]
    #: PLANTED key -> the record's path (for the missed half term: who and when)
    planted: dict[str, str]

    def events(self) -> list[Event]:
        out: list[Event] = []
        for rec in self.records:
            out.append(Event(rec.written, len(out), "write", rec, person=rec.author))
            for role, person, when in rec.signoffs:
                out.append(Event(when, len(out), "sign", rec, role, person))
            if rec.edited is not None:
                out.append(Event(rec.edited, len(out), "edit", rec, person=rec.author))
        return sorted(out)


def moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), dt.UTC)


class _Planner:
    """Builds the :class:`Plan`; randomness is seeded, so a given 'today' gives one story."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.now = moment(today, 18)
        self.rng = random.Random(SEED)
        self.first_year = int(academic_year(today)[:4]) - 1
        self.people: list[Person] = []
        self.records: list[Record] = []
        self.planted: dict[str, str] = {}
        self.previous: dict[str, list[str]] = {}  # supervisee -> open action texts to review
        self.actions_made = 0
        self.staff: dict[str, dict[str, Any]] = {}
        self.ended: tuple[HalfTerm, HalfTerm] | None = None  # the two last ended half terms

    # -- people ------------------------------------------------------------------------
    def cast(self) -> None:
        names = iter(f"{first} {_LAST[n % len(_LAST)]} (fictional)"
                     for n, first in enumerate(_FIRST))
        self.people.append(Person("records-admin", next(names), ["admin", "staff"]))
        self.people.append(Person("trust-lead", next(names), ["trust-lead",
                                                              "external-supervisor"],
                                  extra={"supervision_training": "2022-06-14"}))
        for sid, _name, _profile, code in SCHOOLS:
            head = Person(f"head-{code}", next(names), ["headteacher", "qa-reviewer"], sid)
            deputy = Person(f"deputy-{code}", next(names), ["deputy-head", "supervisor"], sid,
                            {"supervision_training": "2023-03-09"})
            dsls = []
            for n in (1, 2):
                trained = self.today - dt.timedelta(days=120 + 170 * n + self.rng.randint(0, 60))
                dsls.append(Person(f"dsl-{code}-{n}", next(names), ["dsl" if n == 1 else "ddsl"],
                                   sid, {"dsl_training": trained.isoformat()}))
            self.people += [head, deputy, *dsls]
            self.staff[sid] = {"head": head.id, "deputy": deputy.id,
                               "dsls": [d.id for d in dsls]}
        # Who a disagreement in the trust's school goes to (the reflective profile's steps).
        self.people.append(Person("dceo", next(names), ["deputy-ceo"]))
        self.people.append(Person("ceo", next(names), ["ceo"]))

    # -- records ---------------------------------------------------------------------
    def record(self, profile: Profile, form: Form, header: dict[str, Any], author: str,
               written: dt.datetime, review: list[str] | None = None) -> Record | None:
        """A filled record, or None when it would be written after today."""
        if written > self.now:
            return None
        school = header["school"]
        pool = [self.staff[school]["deputy"], *self.staff[school]["dsls"]]
        data = fill(form, profile, header, pool, self.rng)
        data.pop("disagreement", None)
        data.pop("referral_outcome", None)  # no referral was agreed the time before
        day = dt.date.fromisoformat(str(data["date"]))
        self._actions(form, data, day)
        if review is not None:
            self._review(form, data, review)
        path = expected_path(form, {**data, "date": day})
        assert path is not None, header
        rec = Record(path, data, author, written)
        self.records.append(rec)
        return rec

    def _actions(self, form: Form, data: dict[str, Any], day: dt.date) -> None:
        """Distinct wording, owners from the record, due by the next half term's session."""
        owners = [p for p in (data.get("supervisor"), data.get("supervisee")) if p]
        due = day + dt.timedelta(days=42)
        if due >= self.today:  # the latest actions: not due within the next few weeks
            due = max(due, self.today + dt.timedelta(days=20))
        for _keypath, f, value in walk(form.fields, data):
            if f.type == "actions" and isinstance(value, list):
                for item in value:
                    self.actions_made += 1
                    item["action"] = f"{item['action'].rstrip('.')} (action {self.actions_made})."
                    if owners:
                        item["owner"] = self.rng.choice(owners)
                    item["due"] = due.isoformat()

    @staticmethod
    def _open_actions(form: Form, data: dict[str, Any]) -> list[str]:
        return [item["action"] for _k, f, value in walk(form.fields, data)
                if f.type == "actions" and isinstance(value, list)
                for item in value if item.get("status") == "open"]

    @staticmethod
    def _review(form: Form, data: dict[str, Any], texts: list[str]) -> None:
        """Fill the form's review of previous actions: every one done."""
        for keypath, f in form.walk():
            if f.type == "review" and not any(isinstance(p, int) for p in keypath):
                target = data
                for part in keypath[:-1]:
                    target = target.setdefault(str(part), {})
                target[str(keypath[-1])] = [{"action": t, "outcome": "done"} for t in texts]
                return

    # -- the story -------------------------------------------------------------------
    def story(self, repo: RecordsRepo, calendar: SchoolCalendar) -> None:
        years = [academic_year(dt.date(y, 9, 1)) for y in (self.first_year, self.first_year + 1)]
        halves = [h for year in years for h in calendar.half_terms(year)]
        ended = [h for h in halves if h.end < self.today]
        if len(ended) < 2:
            raise DemoError("the demo calendar has fewer than two finished half terms")
        last, before_last = ended[-1], ended[-2]
        self.ended = (before_last, last)
        for sid, _name, _profile, _code in SCHOOLS:
            profile = repo.profile_for(sid)
            assert profile is not None
            for year in years:
                year_halves = calendar.half_terms(year)
                if year_halves and year_halves[0].start <= self.today:
                    self.contracts(profile, sid, calendar.school_day_from(year_halves[0].start))
            for half in halves:
                if half.start > self.today:
                    break
                self.half_term(profile, sid, half, calendar, last, before_last)

    def contracts(self, profile: Profile, sid: str, day: dt.date) -> None:
        staff = self.staff[sid]
        form = profile.forms["contract"]
        pairs = [(d, staff["deputy"]) for d in staff["dsls"]]
        if profile.rules.supervisor_supervised_each_half_term:
            pairs.append((staff["deputy"], "trust-lead"))
        for supervisee, supervisor in pairs:
            header = {"kind": "contract", "school": sid, "supervisee": supervisee,
                      "supervisor": supervisor, "date": day}
            rec = self.record(profile, form, header, supervisor, moment(day, 15))
            if rec is not None:
                self.sign_both(rec, supervisor, supervisee, moment(day, 15, 30), 1)

    def half_term(self, profile: Profile, sid: str, half: HalfTerm, calendar: SchoolCalendar,
                  last: HalfTerm, before_last: HalfTerm) -> None:
        staff = self.staff[sid]
        session = profile.forms["session"]
        if profile.rules.supervisor_supervised_each_half_term:
            day = calendar.school_day_from(half.start + dt.timedelta(days=4))
            self.session(profile, session, sid, staff["deputy"], "trust-lead", day, calendar)
        for n, dsl in enumerate(staff["dsls"]):
            day = calendar.school_day_from(half.start + dt.timedelta(days=10 + 3 * n))
            if half == last and dsl == PLANTED["missed-half-term"][0]:
                self.planted["missed-half-term"] = f"{dsl} in {half.name} {half.year}"
                continue
            if half == last and dsl == PLANTED["late-rebook"][0]:
                day = self._late_rebook(profile, session, sid, staff["deputy"], dsl, day,
                                        calendar)
            plant = None
            if half == last and dsl in (PLANTED["unsigned"][0], PLANTED["dispute"][0]):
                plant = "unsigned" if dsl == PLANTED["unsigned"][0] else "dispute"
            elif half == before_last and dsl == PLANTED["stale"][0]:
                plant = "stale"
            self.session(profile, session, sid, dsl, staff["deputy"], day, calendar, plant)
        group = profile.forms.get("group-session")
        if group is not None and profile.rules.group_sessions_per_half_term:
            day = calendar.school_day_from(half.start + dt.timedelta(days=20))
            if day < self.today:
                header = {"kind": "session", "format": "group", "school": sid, "date": day,
                          "supervisor": staff["deputy"], "supervisees": list(staff["dsls"]),
                          "status": "held"}
                written = moment(calendar.add_working_days(day, 1), 16)
                rec = self.record(profile, group, header, staff["deputy"], written,
                                  review=self.previous.get(f"group:{sid}", []))
                if rec is not None:
                    self.previous[f"group:{sid}"] = self._open_actions(group, rec.data)
                    self.sign(rec, "supervisor", staff["deputy"], written + dt.timedelta(
                        minutes=20))
        self.extras(profile, sid, half, calendar)

    def session(self, profile: Profile, form: Form, sid: str, supervisee: str, supervisor: str,
                day: dt.date, calendar: SchoolCalendar, plant: str | None = None) -> None:
        header: dict[str, Any] = {"kind": "session", "format": "one-to-one", "school": sid,
                                  "supervisee": supervisee, "supervisor": supervisor,
                                  "date": day}
        if day >= self.today:  # booked for later this half term
            header["status"] = "planned"
            booked = moment(max(day - dt.timedelta(days=21), self.today - dt.timedelta(days=10)),
                         9)
            self.record(profile, form, header, supervisor, booked)
            return
        header["status"] = "held"
        if "case-notes" in profile.forms:
            self.case_notes(profile, sid, supervisee, supervisor, day)
        written = moment(calendar.add_working_days(day, self.rng.choice((0, 1, 2))), 16)
        if written > self.now:
            return
        rec = self.record(profile, form, header, supervisor, written,
                          review=self.previous.get(supervisee, []))
        if rec is None:
            return
        self.previous[supervisee] = self._open_actions(form, rec.data)
        if plant is not None:
            self.planted[plant] = rec.path
        if plant == "unsigned":
            return
        days = self.rng.choice((1, 2, 3))
        self.sign_both(rec, supervisor, supervisee, written + dt.timedelta(minutes=30), days)
        if plant == "dispute":  # the supervisor then signs the record with the disagreement
            rec.disagree_as = "supervisee"
            self.sign(rec, "supervisor", supervisor, rec.signoffs[-1][2] + dt.timedelta(days=1))
        elif plant == "stale":
            rec.edited = rec.signoffs[-1][2] + dt.timedelta(days=12)

    def _late_rebook(self, profile: Profile, form: Form, sid: str, supervisor: str,
                     supervisee: str, day: dt.date, calendar: SchoolCalendar) -> dt.date:
        """Cancel the session on ``day``; it is held two weeks later: beyond the limit."""
        new = calendar.school_day_from(day + dt.timedelta(days=14))
        data = {"kind": "session", "format": "one-to-one", "school": sid, "date": day.isoformat(),
                "supervisee": supervisee, "supervisor": supervisor, "status": "cancelled",
                "cancellation": {"by": supervisor, "reason": "Called to an urgent meeting.",
                                 "rebooked_to": new.isoformat()}}
        path = expected_path(form, {**data, "date": day})
        assert path is not None
        rec = Record(path, data, supervisor, moment(day, 12))
        self.sign_both(rec, supervisor, supervisee, moment(day, 12, 30), 1)
        self.records.append(rec)
        self.planted["late-rebook"] = path
        return new

    def case_notes(self, profile: Profile, sid: str, supervisee: str, supervisor: str,
                   day: dt.date) -> None:
        form = profile.forms["case-notes"]
        for _case in range(self.rng.choice((1, 1, 2))):
            written = moment(day - dt.timedelta(days=self.rng.choice((8, 9, 10))), 17)
            header = {"kind": "case-notes", "school": sid, "supervisee": supervisee,
                      "supervisor": supervisor, "date": day}
            rec = self.record(profile, form, header, supervisee, written)
            if rec is not None:
                self.sign(rec, "supervisee", supervisee, written + dt.timedelta(minutes=10))

    def extras(self, profile: Profile, sid: str, half: HalfTerm,
               calendar: SchoolCalendar) -> None:
        """A QA review in each Summer 1 (agenda), an informal note in each Spring 1."""
        staff = self.staff[sid]
        if half.name == "Summer 1" and "qa-review" in profile.forms:
            day = calendar.school_day_from(half.start + dt.timedelta(days=15))
            for dsl in staff["dsls"]:
                if dsl == PLANTED["qa-due"][0] and half.year == academic_year(
                        dt.date(self.first_year, 9, 1)):
                    self.planted["qa-due"] = f"{dsl}: no QA review in {half.name} {half.year}"
                    continue
                header = {"kind": "qa-review", "school": sid, "supervisee": dsl,
                          "supervisor": staff["deputy"], "reviewer": staff["head"], "date": day}
                rec = self.record(profile, profile.forms["qa-review"], header, staff["head"],
                                  moment(day, 16))
                if rec is not None:
                    self.sign(rec, "reviewer", staff["head"], moment(day, 16, 20))
        if half.name == "Spring 1" and "informal" in profile.forms:
            day = calendar.school_day_from(half.start + dt.timedelta(days=17))
            dsl = staff["dsls"][0]
            header = {"kind": "informal", "school": sid, "supervisee": dsl,
                      "supervisor": staff["deputy"], "date": day}
            rec = self.record(profile, profile.forms["informal"], header, dsl, moment(day, 16))
            if rec is not None:
                self.sign(rec, "supervisee", dsl, moment(day, 16, 15))

    # -- sign-offs ---------------------------------------------------------------------
    def sign(self, rec: Record, role: str, person: str, when: dt.datetime) -> None:
        if when <= self.now:
            rec.signoffs.append((role, person, when))

    def sign_both(self, rec: Record, supervisor: str, supervisee: str, first: dt.datetime,
                  days: int) -> None:
        self.sign(rec, "supervisor", supervisor, first)
        self.sign(rec, "supervisee", supervisee, first + dt.timedelta(days=days, hours=-1))


def plan(root: Path, today: dt.date,
         after: Callable[[_Planner, RecordsRepo, SchoolCalendar], None] | None = None) -> Plan:
    """Write the trust's settings, people and calendars into ``root`` (made by
    ``supervision init``) and work out every record and sign-off up to ``today``;
    ``after`` then adds what later records say about earlier ones
    (:func:`supervision.demo.followups.follow_up`)."""
    planner = _Planner(today)
    planner.cast()
    write_calendars(root, planner.first_year, 2)
    config = yaml.safe_load((root / "supervision.yml").read_text(encoding="utf-8"))
    schools = [{"id": sid, "name": name, "profile": prof} for sid, name, prof, _c in SCHOOLS]
    config.update({"organisation": ORG, "profile": "agenda", "schools": schools})
    adopted = today - dt.timedelta(days=150)
    config["policy"] = {"adopted": adopted.isoformat(),
                        "review_date": (add_months(adopted, 12) - dt.timedelta(days=1)).isoformat()}
    # Everyone in the demo is fictional: there are no pupils' names to deny, so name
    # checking is turned off on purpose (a real school points at its list instead).
    config.setdefault("privacy", {})["deny_list"] = "none"
    text = yaml.safe_dump(config, sort_keys=False).replace(
        "  deny_list: none\n", "  # A fictional trust: no pupils' names to check.\n"
        "  deny_list: none\n", 1)
    (root / "supervision.yml").write_text(text, encoding="utf-8")
    # people.yml is written once keys exist; the forms need to know who exists now.
    write_people(root, planner.people, {})
    repo = RecordsRepo.load(root)
    calendar = load_calendar(root)
    planner.story(repo, calendar)
    if after is not None:
        after(planner, repo, calendar)
    return Plan(planner.first_year, planner.people, planner.records, planner.planted)


def write_people(root: Path, people: list[Person], fingerprints: dict[str, str]) -> None:
    entries = [p.entry(fingerprints.get(p.id, "")) for p in people]
    for entry in entries:
        if not entry["fingerprints"][0]:
            del entry["fingerprints"]
    text = ("# The demo trust's people. Every one is fictional; their keys are throwaway keys\n"
            "# in the demo's own keyring.\n") + yaml.safe_dump({"people": entries},
                                                              sort_keys=False)
    (root / "people.yml").write_text(text, encoding="utf-8")

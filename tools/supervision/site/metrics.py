"""Raw counts for the staff site's reports, from record facts. Nothing is published here.

Everything works on the free-text-free facts of :mod:`supervision.forms.facts` and
returns :class:`Counts`: labelled grids of whole numbers plus, for each row, how
many people it is about (so :mod:`supervision.site.disclosure` can pool rows about too
few people). Person ids and case references are used only to count distinct
people and cases; they never leave this module.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from supervision.deadlines.school_calendar import SchoolCalendar
from supervision.deadlines.school_year import HalfTerm
from supervision.repo import RecordsRepo
from supervision.signing.signoff_dates import SignOffs

CASE_STATUSES = ("CP Plan", "CiN", "EHA", "other")
TRAINING_STATES = ("Overdue", "Due within a half term", "In date", "Not known")
SUPERVISEE_ROLES = frozenset({"dsl", "ddsl"})
DEFAULT_RECORD_DAYS = 10
#: The facts the reports count. A record's other facts (where each answer sits in the
#: file, chronology items, actions...) are never read here, so :func:`counted_facts`
#: leaves them out: a trust's every record, whole, is most of the build's memory.
FACT_KEYS = ("form", "school", "date", "status", "supervisees", "duration_minutes",
             "cancellation", "cases", "themes", "answers")


def counted_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """The facts of one record that the reports count (:data:`FACT_KEYS`). Strings
    repeated across thousands of records (schools, forms, people, dates) are interned,
    so each is held once."""
    out: dict[str, Any] = {}
    for key in FACT_KEYS:
        if key in facts:
            value = facts[key]
            if isinstance(value, str):
                value = sys.intern(value)
            elif key == "supervisees" and isinstance(value, list):
                value = [sys.intern(v) if isinstance(v, str) else v for v in value]
            out[key] = value
    return out


@dataclass
class Counts:
    """A grid of counts: ``values[row][col]``; ``people[row]`` is who the row is about."""

    rows: list[str]
    cols: list[str]
    values: list[list[int]]
    people: dict[str, int] = field(default_factory=dict)  # empty: rows are not about people

    def total(self, col: int) -> int:
        return sum(row[col] for row in self.values)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    return day


@dataclass
class Record:
    path: str
    facts: dict[str, Any]
    day: dt.date
    half: HalfTerm | None


class RecordIndex:
    """Every counted record (with a date and a known school) once, by form, and the
    contracts by school: the same for every year's :class:`Metrics`, so worked out once
    per build. Also holds what is worked out from them for any year (who was in
    scope when, the cases of each half term)."""

    def __init__(self, facts: dict[str, dict[str, Any]], calendar: SchoolCalendar,
                 schools: Iterable[str]) -> None:
        known = set(schools)
        self.records: list[Record] = []
        self.by_form: dict[str, list[Record]] = defaultdict(list)
        self.contracts: dict[str, list[tuple[dt.date, str]]] = defaultdict(list)
        #: half-term key -> its records (a year's counts read only their own)
        self.by_half: dict[str, list[Record]] = defaultdict(list)
        halves = sorted(calendar.half_terms(), key=lambda h: h.start)
        half_of: dict[dt.date, HalfTerm | None] = {}
        for path, item in sorted(facts.items()):
            day = _date(item.get("date"))
            if day is None or item.get("school") not in known:
                continue
            if day not in half_of:
                half_of[day] = next((h for h in halves if h.start <= day <= h.end), None)
            record = Record(path, item, day, half_of[day])
            self.records.append(record)
            self.by_form[str(item.get("form"))].append(record)
            if record.half is not None:
                self.by_half[record.half.key].append(record)
            if item.get("form") == "contract":
                for person in item.get("supervisees") or ():
                    self.contracts[item["school"]].append((day, person))
        self.scope: dict[tuple[str, dt.date, dt.date], set[str]] = {}
        self.cases: dict[tuple[str, str], dict[str, str]] | None = None


class Metrics:
    """Counts over one repository's records, by school and half term (of ``year``, or
    of every year when None). ``index``: the records, shared by every year's counts
    (made from ``facts`` when not given)."""

    def __init__(self, repo: RecordsRepo, facts: dict[str, dict[str, Any]],
                 calendar: SchoolCalendar, today: dt.date,
                 signoffs: SignOffs | None = None, year: str | None = None,
                 index: RecordIndex | None = None) -> None:
        self.repo = repo
        self.calendar = calendar
        self.today = today
        self.signoffs = signoffs
        config = repo.config
        self.school_names = {s.id: s.name for s in config.schools.values()} if config else {}
        self.half_terms = [h for h in calendar.half_terms(year) if h.start <= today]
        self.index = index or RecordIndex(facts, calendar, self.school_names)
        self.records = self.index.records
        self.by_form = self.index.by_form
        self.contracts = self.index.contracts

    # -- helpers ------------------------------------------------------------------
    def schools(self) -> list[str]:
        return list(self.school_names)

    def rules(self, school: str) -> Any:
        profile = self.repo.profile_for(school)
        return profile.rules if profile else None

    def of_form(self, *forms: str) -> Iterable[Record]:
        for form in forms:
            yield from self.by_form.get(form, ())

    def in_half_terms(self, *forms: str) -> Iterable[Record]:
        """The records of these forms (all forms when none is named) dated in one of
        :attr:`half_terms`, half term by half term."""
        for half in self.half_terms:
            for record in self.index.by_half.get(half.key, ()):
                if not forms or record.facts.get("form") in forms:
                    yield record

    def _left_before(self, person: str, day: dt.date) -> bool:
        found = self.repo.people.get(person)
        return bool(found and found.left and found.left < day)

    def in_scope(self, school: str, start: dt.date, end: dt.date) -> set[str]:
        """Supervisees of ``school`` with a contract agreed by ``end``, not gone by ``start``."""
        key = (school, start, end)
        found = self.index.scope.get(key)
        if found is None:
            found = {person for day, person in self.contracts.get(school, ())
                     if day <= end and not self._left_before(person, start)}
            self.index.scope[key] = found
        return found

    def _grid(self, cells: dict[tuple[str, str], int], rows: list[str],
              cols: list[str]) -> list[list[int]]:
        return [[cells.get((r, c), 0) for c in cols] for r in rows]

    def _by_school_half(self, count: dict[tuple[str, str], int]) -> Counts:
        """School x half-term counts, rows labelled by school name, about supervisees."""
        cols = [h.key for h in self.half_terms]
        rows = self.schools()
        people = {}
        for school in rows:
            sizes = [len(self.in_scope(school, h.start, h.end)) for h in self.half_terms]
            people[self.school_names[school]] = min(sizes) if sizes else 0
        return Counts([self.school_names[s] for s in rows], [h.name for h in self.half_terms],
                      self._grid(count, rows, cols), people)

    # -- the measures ----------------------------------------------------------------
    def sessions_due(self) -> Counts:
        count: dict[tuple[str, str], int] = {}
        for school in self.schools():
            rules = self.rules(school)
            per_half = rules.sessions_per_half_term if rules else 1
            for half in self.half_terms:
                count[(school, half.key)] = per_half * len(
                    self.in_scope(school, half.start, half.end))
        return self._by_school_half(count)

    def group_sessions_held(self) -> Counts:
        count: dict[tuple[str, str], int] = defaultdict(int)
        for record in self.in_half_terms("group-session"):
            if record.half and record.facts.get("status") == "held":
                count[(record.facts["school"], record.half.key)] += 1
        return self._by_school_half(count)

    def record_deadline(self, school: str) -> int:
        rules = self.rules(school)
        days = rules.record_due_working_days if rules else None
        return days if days is not None else DEFAULT_RECORD_DAYS

    def cancellations(self) -> tuple[Counts, Counts]:
        """Cancelled sessions, and those rebooked within the profile's limit."""
        cancelled: dict[tuple[str, str], int] = defaultdict(int)
        rebooked: dict[tuple[str, str], int] = defaultdict(int)
        for record in self.in_half_terms("session", "group-session"):
            if not record.half or record.facts.get("status") != "cancelled":
                continue
            key = (record.facts["school"], record.half.key)
            cancelled[key] += 1
            new_day = _date((record.facts.get("cancellation") or {}).get("rebooked_to"))
            rules = self.rules(record.facts["school"])
            limit = rules.rebook_within_working_days if rules else None
            if new_day is not None and new_day >= record.day and (
                    limit is None
                    or self.calendar.working_days_between(record.day, new_day) <= limit):
                rebooked[key] += 1
        return self._by_school_half(cancelled), self._by_school_half(rebooked)

    # -- terms: minutes against the target -----------------------------------------
    def terms(self) -> list[tuple[str, dt.date, dt.date]]:
        out: dict[str, tuple[dt.date, dt.date]] = {}
        for half in self.half_terms:
            start, end = out.get(half.term_key, (half.start, half.end))
            out[half.term_key] = (min(start, half.start), max(end, half.end))
        return [(key, start, end) for key, (start, end) in out.items()]

    def minutes(self) -> tuple[Counts | None, dict[str, tuple[int, int]]]:
        """Supervisees reaching the termly target (schools with a target), and group
        minutes against all minutes per term across the organisation."""
        terms = self.terms()
        per_person: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for record in self.of_form("session", "group-session"):
            if not record.half or record.facts.get("status") != "held":
                continue
            minutes = record.facts.get("duration_minutes") or 0
            group = record.facts.get("form") == "group-session"
            for person in record.facts.get("supervisees") or ():
                per_person[(person, record.half.term_key)][1 if group else 0] += minutes
        share: dict[str, tuple[int, int]] = {}
        for key, _start, _end in terms:
            group_minutes = sum(v[1] for (_p, t), v in per_person.items() if t == key)
            all_minutes = sum(v[0] + v[1] for (_p, t), v in per_person.items() if t == key)
            share[key] = (group_minutes, all_minutes)
        schools = [s for s in self.schools()
                   if self.rules(s) is not None and self.rules(s).term_minutes_min]
        if not schools:
            return None, share
        values: list[list[int]] = []
        people: dict[str, int] = {}
        for school in schools:
            target = self.rules(school).term_minutes_min
            row, sizes = [], []
            for key, start, end in terms:
                scope = self.in_scope(school, start, end)
                sizes.append(len(scope))
                row.append(sum(1 for p in scope if sum(per_person.get((p, key), (0, 0)))
                               >= target))
            values.append(row)
            people[self.school_names[school]] = min(sizes) if sizes else 0
        return Counts([self.school_names[s] for s in schools], [t[0] for t in terms],
                      values, people), share

    def supervisees_by_term(self, schools: list[str] | None = None) -> Counts:
        terms = self.terms()
        chosen = schools if schools is not None else self.schools()
        values = [[len(self.in_scope(s, start, end)) for _k, start, end in terms]
                  for s in chosen]
        people = {self.school_names[s]: min(row) if row else 0
                  for s, row in zip(chosen, values, strict=True)}
        return Counts([self.school_names[s] for s in chosen], [t[0] for t in terms],
                      values, people)

    # -- cases and themes ---------------------------------------------------------------
    def _cases(self) -> dict[tuple[str, str], dict[str, str]]:
        """(school, half-term key) -> case -> latest status (case ids stay in here)."""
        if self.index.cases is not None:
            return self.index.cases
        out: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
        for record in self.records:
            if not record.half or record.facts.get("status") in ("planned", "cancelled"):
                continue
            for ref, status in record.facts.get("cases") or ():
                known = status if status in CASE_STATUSES else "other"
                out[(record.facts["school"], record.half.key)][ref] = known
        self.index.cases = out
        return out

    def case_mix_by_half_term(self) -> Counts:
        cases = self._cases()
        values = []
        for status in CASE_STATUSES:
            row = []
            for half in self.half_terms:
                row.append(sum(1 for (_s, key), found in cases.items() if key == half.key
                               for value in found.values() if value == status))
            values.append(row)
        return Counts(list(CASE_STATUSES), [h.name for h in self.half_terms], values)

    def case_mix_by_school(self) -> Counts:
        """Distinct cases per school over these half terms, by their latest status."""
        keys = {h.key for h in self.half_terms}
        values: list[list[int]] = []
        people: dict[str, int] = {}
        halves = self.half_terms
        latest_by_school: dict[str, dict[str, str]] = defaultdict(dict)
        for (s, key), found in sorted(self._cases().items()):
            if key in keys:
                latest_by_school[s].update(found)
        for school in self.schools():
            latest = latest_by_school.get(school, {})
            values.append([sum(1 for v in latest.values() if v == status)
                           for status in CASE_STATUSES])
            sizes = [len(self.in_scope(school, h.start, h.end)) for h in halves]
            people[self.school_names[school]] = min(sizes) if sizes else 0
        return Counts([self.school_names[s] for s in self.schools()], list(CASE_STATUSES),
                      values, people)

    def themes(self) -> Counts:
        allowed: list[str] = []
        for profile in self.repo.profiles.values():
            allowed += [t for t in profile.themes if t not in allowed]
        count: dict[tuple[str, str], int] = defaultdict(int)
        for record in self.in_half_terms():
            if not record.half or record.facts.get("status") in ("planned", "cancelled"):
                continue
            for theme in record.facts.get("themes") or ():
                if theme in allowed:
                    count[(theme, record.half.key)] += 1
        used = [t for t in allowed if any(count.get((t, h.key)) for h in self.half_terms)]
        return Counts(used, [h.name for h in self.half_terms],
                      self._grid(count, used, [h.key for h in self.half_terms]))

    # -- people: DSL training -----------------------------------------------------------
    def dsl_training(self) -> Counts:
        """DSLs and deputies by school and whether their DSL training is in date today."""
        soon = self.calendar.next_half_term(self.today)
        horizon = soon.end if soon else self.today + dt.timedelta(days=56)
        if soon and soon.start <= self.today:  # inside a half term: look to the next one's end
            after = self.calendar.next_half_term(soon.end + dt.timedelta(days=1))
            horizon = after.end if after else soon.end
        renewal: dict[str, dt.date] = {}
        for record in self.of_form("session"):
            stated = _date((record.facts.get("answers") or {}).get("dsl_training_renewal"))
            for person in record.facts.get("supervisees") or ():
                if stated and (person not in renewal or record.day >= renewal[person]):
                    renewal[person] = stated
        rows: dict[str, list[int]] = {}
        for person in self.repo.people.values():
            if not SUPERVISEE_ROLES & set(person.roles) or (
                    person.left and person.left <= self.today):
                continue
            school = person.school if person.school in self.school_names else None
            label = self.school_names[school] if school else "Trust-wide staff"
            months = 24
            rules = self.rules(school) if school else None
            if rules is not None:
                months = rules.dsl_training_renewal_months
            due = renewal.get(person.id)
            if due is None and person.dsl_training:
                due = _add_months(person.dsl_training, months)
            if due is None:
                state = 3
            elif due < self.today:
                state = 0
            elif due <= horizon:
                state = 1
            else:
                state = 2
            rows.setdefault(label, [0] * len(TRAINING_STATES))[state] += 1
        labels = sorted(rows)
        return Counts(labels, list(TRAINING_STATES), [rows[r] for r in labels],
                      {r: sum(rows[r]) for r in labels})

    # -- quality assurance ----------------------------------------------------------------
    def qa_evidence(self) -> tuple[Counts, int]:
        """Yes and no answers per QA question in these half terms; and the number of reviews."""
        questions: list[tuple[str, str]] = []
        for profile in self.repo.profiles.values():
            form = profile.forms.get("qa-review")
            if form is None:
                continue
            for keypath, f in form.walk():
                if f.type != "yesno" or any(isinstance(p, int) for p in keypath):
                    continue
                key = ".".join(str(p) for p in keypath)
                if key not in [q[0] for q in questions]:
                    questions.append((key, f.title))
        values = [[0, 0] for _ in questions]
        reviews = 0
        people: set[str] = set()
        for record in self.of_form("qa-review"):
            if not record.half or record.half not in self.half_terms:
                continue
            reviews += 1
            people.update(record.facts.get("supervisees") or ())
            answers = record.facts.get("answers") or {}
            for index, (key, _label) in enumerate(questions):
                if answers.get(key) is True:
                    values[index][0] += 1
                elif answers.get(key) is False:
                    values[index][1] += 1
        return Counts([q[1] for q in questions], ["Yes", "No"], values,
                      {q[1]: len(people) for q in questions}), reviews

    def years(self) -> list[str]:
        seen: list[str] = []
        for half in self.half_terms:
            if half.year not in seen:
                seen.append(half.year)
        return seen

"""The policies' time rules, across records: half terms, deadlines, renewals.

Every rule reads the cached facts of all records (:mod:`supervision.facts`),
the school calendar (:mod:`supervision.schoolyear`), people.yml, and who
signed what and when (:mod:`supervision.signoffs`), and takes every number from
the school's profile (:class:`~supervision.forms.PolicyRules`). Nothing here
reads a record's YAML again.

The rules produce :class:`Item` s rather than findings, because two commands
show them:

* ``supervision check`` shows the items that have a check severity: errors for
  what is overdue now or impossible, warnings for what was done late or is
  due within about a half term (training, reviews);
* ``supervision status`` shows, per person, what is overdue, what is due soon
  and what awaits their signature.

Each item has a *state*:

``overdue``   should have been done by now and is not (or the record is wrong);
``due``       must be done by ``due`` (status lists it when that is soon);
``awaiting``  a record or sign-off is awaited from ``people``;
``history``   done late, or missed in an earlier half term: a fact for quality
              assurance, not a to-do.

Only half terms that have ended are judged, plus, for the current half term,
what is already late. A missed half term is an error while it is the most
recent one and a warning (history) after that, so ``supervision check`` can be
clean again once supervision is back on track.

A record in the working folder that is not committed yet counts as being sent
today (the commit the pre-commit hook is checking sends it), so a late record
gives a warning and never blocks its own commit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from supervision.config import CONFIG_FILE, PEOPLE_FILE
from supervision.forms import PolicyRules
from supervision.problems import ERROR, WARNING, Problem
from supervision.rules import problem
from supervision.schoolyear import HalfTerm, academic_year, add_months

if TYPE_CHECKING:
    from supervision.checker import CrossContext

OVERDUE, DUE, AWAITING, HISTORY = "overdue", "due", "awaiting", "history"
OPEN_ACTION = ("open", "carried-forward")
DSL_ROLES = ("dsl", "ddsl")
HISTORY_HINT = ("Nothing in the file needs changing: this notes, for quality assurance, "
                "that it was done late.")
PAST_HINT = ("That half term is over: this is noted for quality assurance. Make sure the "
             "current half term is on track (`supervision status`).")
#: Every rule id this module reports (their table rows are in supervision.rules).
RULE_IDS = frozenset({
    "CALENDAR-YEAR-MISSING", "SESSION-DATE", "REBOOK-DATE", "REBOOKED-SESSION",
    "HALF-TERM-SESSION", "HALF-TERM-GROUP", "TERM-MINUTES", "GROUP-SHARE", "RECORD-DEADLINE",
    "CASE-NOTES-DEADLINE", "SUPERVISEE-RESPONSE", "ACTIONS-NOT-REVIEWED", "ACTION-DUE",
    "CONTRACT-MISSING", "CONTRACT-UNSIGNED", "CONTRACT-REVIEW-DUE", "DSL-TRAINING-DUE",
    "SUPERVISOR-TRAINING", "SUPERVISOR-SUPERVISED", "POLICY-REVIEW-DUE",
})
#: People with this role are supervised outside the organisation.
EXTERNAL_ROLE = "external-supervisor"


@dataclass(frozen=True, slots=True)
class Item:
    """One obligation found by a time rule: who, what, by when, where."""

    rule: str
    state: str
    path: str
    line: int
    col: int
    message: str
    people: tuple[str, ...] = ()
    due: dt.date | None = None
    school: str | None = None
    severity: str | None = None  # shown by `supervision check`; None: status only
    hint: str | None = None

    def problem(self) -> Problem:
        return problem(self.rule, self.path, self.line, self.col, self.message, self.hint,
                       self.severity)

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "state": self.state, "due": _iso(self.due),
                "path": self.path, "line": self.line, "col": self.col,
                "message": self.message, "people": list(self.people), "school": self.school,
                "severity": self.severity}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, dt.date) else None


class Rec:
    """A record as the time rules see it."""

    __slots__ = ("path", "day", "facts", "status", "school", "supervisor", "supervisees",
                 "group")

    def __init__(self, path: str, day: dt.date, facts: dict[str, Any]) -> None:
        self.path = path
        self.day = day
        self.facts = facts
        self.status: str = str(facts.get("status") or "held")
        self.school: str | None = facts.get("school")
        self.supervisor: str | None = facts.get("supervisor")
        self.supervisees: tuple[str, ...] = tuple(facts.get("supervisees") or ())
        self.group: bool = facts.get("form") == "group-session"

    def at(self, *keys: str) -> tuple[int, int]:
        where = self.facts.get("at") or {}
        for key in keys:
            found = where.get(key)
            if found:
                return int(found[0]), int(found[1])
        return 1, 1


@dataclass
class _Index:
    sessions: dict[str, list[Rec]] = field(default_factory=lambda: defaultdict(list))
    groups: dict[str, list[Rec]] = field(default_factory=lambda: defaultdict(list))
    led: dict[str, list[Rec]] = field(default_factory=lambda: defaultdict(list))
    contracts: dict[str, list[Rec]] = field(default_factory=lambda: defaultdict(list))
    case_notes: dict[tuple[str, dt.date], list[Rec]] = field(
        default_factory=lambda: defaultdict(list))
    with_actions: list[Rec] = field(default_factory=list)
    all_sessions: list[Rec] = field(default_factory=list)


class TimeRules:
    """Runs every time rule once over a :class:`~supervision.checker.CrossContext`."""

    def __init__(self, ctx: CrossContext, horizon_days: int | None = None) -> None:
        self.ctx = ctx
        self.repo = ctx.repo
        self.today = ctx.today
        self.cal = ctx.calendar
        self.horizon_days = horizon_days
        self.items: list[Item] = []
        self.index = self._build_index(ctx.facts)
        ended = [h for h in self.cal.half_terms() if h.end < self.today]
        self.last_ended: HalfTerm | None = ended[-1] if ended else None
        self.current: HalfTerm | None = self.cal.half_term_of(self.today)
        self._rules: dict[str | None, PolicyRules | None] = {}

    # -- set-up --------------------------------------------------------------------
    @staticmethod
    def _build_index(facts: dict[str, dict[str, Any]]) -> _Index:
        index = _Index()
        for path, f in facts.items():
            day = _date(f.get("date"))
            if day is None:
                continue
            rec = Rec(path, day, f)
            kind = f.get("kind")
            if kind == "session":
                index.all_sessions.append(rec)
                if rec.supervisor:
                    index.led[rec.supervisor].append(rec)
                if rec.group:
                    for person in rec.supervisees:
                        index.groups[person].append(rec)
                elif rec.supervisees:
                    index.sessions[rec.supervisees[0]].append(rec)
            elif kind == "contract" and rec.supervisees:
                index.contracts[rec.supervisees[0]].append(rec)
            elif kind == "case-notes" and rec.supervisees:
                index.case_notes[(rec.supervisees[0], day)].append(rec)
            if f.get("actions"):
                index.with_actions.append(rec)
        for table in (index.sessions, index.groups, index.led, index.contracts):
            for recs in table.values():
                recs.sort(key=lambda r: (r.day, r.path))
        index.all_sessions.sort(key=lambda r: (r.day, r.path))
        index.with_actions.sort(key=lambda r: (r.day, r.path))
        return index

    def rules(self, school: str | None) -> PolicyRules | None:
        if school not in self._rules:
            profile = self.repo.profile_for(school)
            self._rules[school] = profile.rules if profile is not None else None
        return self._rules[school]

    def soon(self, school: str | None) -> dt.date:
        """Last day that counts as "due soon" for ``supervision status``."""
        days = self.horizon_days
        if days is None:
            rules = self.rules(school)
            days = rules.due_soon_days if rules is not None else 0
        return self.today + dt.timedelta(days=days)

    def warn_until(self, school: str | None) -> dt.date:
        """Renewals and reviews due by this day are warned about in ``check``."""
        until = self.cal.soon_until(self.today)
        return max(until or self.today, self.soon(school))

    def active(self, pid: str, day: dt.date) -> bool:
        person = self.repo.people.get(pid)
        return person is None or person.left is None or person.left > day

    @cached_property
    def signoffs(self) -> Any:
        return self.ctx.signoffs

    def signed(self, rec: Rec, role: str) -> dt.date | None:
        """When ``role`` signed (with commit dates: sent) the record; None if not yet."""
        for signoff in self.signoffs.signoffs(rec.path):
            if signoff.role == role:
                return signoff.date
        return None

    @cached_property
    def _people_doc(self) -> Any:
        from supervision.yamlparse import parse_file

        doc, _ = parse_file(str(self.repo.root / PEOPLE_FILE), PEOPLE_FILE)
        return doc

    @cached_property
    def _people_rows(self) -> dict[str, int]:
        doc = self._people_doc
        rows: dict[str, int] = {}
        if doc is not None and isinstance(doc.data, dict):
            for index, entry in enumerate(doc.data.get("people") or []):
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    rows.setdefault(entry["id"], index)
        return rows

    def person_at(self, pid: str, key: str = "id") -> tuple[int, int]:
        row = self._people_rows.get(pid)
        if row is None or self._people_doc is None:
            return 1, 1
        return self._people_doc.where(("people", row, key))

    def config_at(self, *keypath: str) -> tuple[int, int]:
        from supervision.yamlparse import parse_file

        doc, _ = parse_file(str(self.repo.root / CONFIG_FILE), CONFIG_FILE)
        return doc.where(keypath) if doc is not None else (1, 1)

    # -- output --------------------------------------------------------------------
    def add(self, rule: str, state: str, where: tuple[str, tuple[int, int]], message: str,
            people: tuple[str | None, ...] = (), due: dt.date | None = None,
            school: str | None = None, severity: str | None = None,
            hint: str | None = None) -> None:
        assert rule in RULE_IDS, rule
        path, (line, col) = where
        who = tuple(dict.fromkeys(p for p in people if p))
        self.items.append(Item(rule, state, path, line, col, message, who, due, school,
                               severity, hint))

    def run(self) -> list[Item]:
        if self.repo.config is None:
            return []
        self.calendar_dates()
        self.cancellations()
        self.half_terms()
        self.term_minutes()
        self.record_deadlines()
        self.case_notes()
        self.supervisee_response()
        self.actions_reviewed()
        self.actions_due()
        self.contracts()
        self.dsl_training()
        self.supervisors()
        self.policy_review()
        return self.items

    # -- the calendar and session dates ---------------------------------------------
    def calendar_dates(self) -> None:
        folder = self.repo.config.calendar if self.repo.config else "calendar"
        missing: dict[str, bool] = {}

        def year_missing(day: dt.date) -> str | None:
            year = academic_year(day)
            if year not in missing:
                missing[year] = self.cal.year(year) is None
            if not missing[year]:
                return None
            exists = any((self.repo.root / folder / f"{year}{ext}").is_file()
                         for ext in (".yml", ".yaml"))
            if exists:
                return (f"{folder}/{year}.yml has problems, so the half-term rules cannot "
                        "be checked for this date (run `supervision check "
                        f"{folder}/{year}.yml`)")
            return f"there is no {folder}/{year}.yml, so the half-term rules cannot be checked " \
                   "for this date"

        for rec in self.index.all_sessions:
            why = year_missing(rec.day)
            if why is not None:
                self.add("CALENDAR-YEAR-MISSING", OVERDUE, (rec.path, rec.at("date")), why,
                         (rec.supervisor,), school=rec.school, severity=ERROR)
                continue
            if rec.status == "cancelled":
                continue
            closed = self.cal.why_closed(rec.day)
            if closed:
                verb = "was held" if rec.status == "held" else "is booked"
                state = HISTORY if rec.status == "held" else OVERDUE
                self.add("SESSION-DATE", state, (rec.path, rec.at("date")),
                         f"the session {verb} on {rec.day} ({closed}), not a school day",
                         (rec.supervisor,), school=rec.school, severity=WARNING)
        if self.index.contracts and academic_year(self.today) not in missing:
            why = year_missing(self.today)
            if why is not None:
                self.add("CALENDAR-YEAR-MISSING", OVERDUE, (CONFIG_FILE, self.config_at(
                    "calendar")), why.replace("this date", f"today ({self.today})"),
                    severity=ERROR)

    # -- cancellations -----------------------------------------------------------------
    def rebook_limit(self, rec: Rec) -> dt.date | None:
        rules = self.rules(rec.school)
        if rules is None or rules.rebook_within_working_days is None:
            return None
        return self.cal.add_working_days(rec.day, rules.rebook_within_working_days)

    def _series(self, rec: Rec) -> list[Rec]:
        """The sessions a rebooked session of ``rec`` would be among."""
        if rec.group:
            return [r for r in self.index.led.get(rec.supervisor or "", []) if r.group]
        return self.index.sessions.get(rec.supervisees[0], []) if rec.supervisees else []

    def rebooked(self, rec: Rec) -> tuple[dt.date | None, Rec | None, bool]:
        """(new date, the session that redeems the cancellation, whether it was in time)."""
        details = rec.facts.get("cancellation") or {}
        new = _date(details.get("rebooked_to"))
        if new is None or new < rec.day:
            return new, None, False
        limit = self.rebook_limit(rec)
        last = max(new, limit) if limit is not None else new
        for other in self._series(rec):
            if rec.day < other.day <= last and other.status == "held":
                return new, other, limit is None or other.day <= limit
        return new, None, False

    def cancellations(self) -> None:
        for rec in self.index.all_sessions:
            if rec.status != "cancelled":
                continue
            details = rec.facts.get("cancellation") or {}
            new = _date(details.get("rebooked_to"))
            if new is None:
                continue  # SESSION-CANCELLED-NO-DETAILS says so
            where = (rec.path, rec.at("cancellation.rebooked_to", "cancellation", "status"))
            people = (rec.supervisor, *rec.supervisees)
            if new < rec.day:
                self.add("REBOOK-DATE", OVERDUE, where,
                         f"the new date {new} is before the cancelled session's date {rec.day}",
                         (rec.supervisor,), school=rec.school, severity=ERROR)
                continue
            limit = self.rebook_limit(rec)
            rules = self.rules(rec.school)
            if limit is not None and rules is not None and new > limit:
                days = self.cal.working_days_between(rec.day, new)
                self.add("REBOOK-DATE", HISTORY, where,
                         f"the new date {new} is {days} working days after the cancelled "
                         f"session; the policy asks for a new date within "
                         f"{rules.rebook_within_working_days} working days (by {limit})",
                         people, school=rec.school, severity=WARNING,
                         hint="If no earlier date was possible, say why in the rebooked "
                         "session's record; nothing here needs changing.")
            others = [o for o in self._series(rec) if rec.day < o.day <= max(new, limit or new)]
            if others:
                continue  # held, booked, or cancelled again: other rules follow it up
            if new < self.today:
                self.add("REBOOKED-SESSION", OVERDUE, where,
                         f"the session was rebooked for {new}, but there is no record of a "
                         "session on or soon after that date", people, due=new,
                         school=rec.school, severity=ERROR)
            else:
                self.add("REBOOKED-SESSION", DUE, where,
                         f"the session rebooked for {new} has no session record yet",
                         people, due=new, school=rec.school,
                         hint=f"Book it with `supervision new session --status planned "
                         f"--date {new}`.")

    # -- half terms ------------------------------------------------------------------
    def contract_start(self, pid: str) -> Rec | None:
        contracts = self.index.contracts.get(pid)
        return contracts[0] if contracts else None

    def contract_on(self, pid: str, day: dt.date) -> Rec | None:
        """The contract in force on ``day`` (the latest agreed by then), else the first."""
        contracts = self.index.contracts.get(pid) or []
        before = [c for c in contracts if c.day <= day]
        return before[-1] if before else (contracts[0] if contracts else None)

    def judged_half_terms(self, pid: str) -> list[HalfTerm]:
        """Half terms since the contract began (and before the person left)."""
        first = self.contract_start(pid)
        if first is None:
            return []
        return [h for h in self.cal.half_terms()
                if h.start >= first.day and self.active(pid, h.start)]

    def counted_sessions(self, pid: str) -> tuple[dict[str, list[Rec]], set[str]]:
        """Held one-to-one sessions per half term, and half terms awaiting a rebooking.

        A held session that makes up for a cancelled one (held within the
        policy's rebooking limit) counts for the cancelled session's half term.
        """
        counted: dict[str, list[Rec]] = defaultdict(list)
        pending: set[str] = set()
        moved: dict[str, str] = {}
        sessions = self.index.sessions.get(pid, [])
        for rec in sessions:
            if rec.status != "cancelled":
                continue
            half = self.cal.half_term_counting(rec.day)
            if half is None:
                continue
            new, redeemed, in_time = self.rebooked(rec)
            if redeemed is not None and in_time:
                moved[redeemed.path] = half.key
            elif new is not None and new >= rec.day and new >= self.today:
                pending.add(half.key)
        for rec in sessions:
            if rec.status != "held":
                continue
            key = moved.get(rec.path)
            if key is None:
                half = self.cal.half_term_counting(rec.day)
                key = half.key if half else None
            if key is not None:
                counted[key].append(rec)
        return counted, pending

    def half_terms(self) -> None:
        for pid in sorted(self.index.contracts):
            halves = self.judged_half_terms(pid)
            if not halves:
                continue
            counted, pending = self.counted_sessions(pid)
            groups: dict[str, int] = defaultdict(int)
            for rec in self.index.groups.get(pid, []):
                half = self.cal.half_term_counting(rec.day)
                if rec.status == "held" and half is not None:
                    groups[half.key] += 1
            by_half: dict[str, list[Rec]] = defaultdict(list)
            for rec in self.index.sessions.get(pid, []):
                counting = self.cal.half_term_counting(rec.day)
                if counting is not None:
                    by_half[counting.key].append(rec)
            for half in halves:
                contract = self.contract_on(pid, half.end)
                assert contract is not None
                rules = self.rules(contract.school)
                if rules is None:
                    continue
                people = (contract.supervisor, pid)
                in_half = by_half.get(half.key, [])
                booked = counted.get(half.key, []) + [r for r in in_half
                                                      if r.status == "planned"]
                cancelled = [r for r in in_half if r.status == "cancelled"]
                held = len(counted.get(half.key, []))
                label = f"{half.name} {half.year} ({half.start} to {half.end})"
                if half.end < self.today:
                    if half.key in pending or held >= rules.sessions_per_half_term:
                        pass
                    else:
                        recent = half == self.last_ended
                        if cancelled:
                            where = (cancelled[-1].path, cancelled[-1].at("status"))
                            what = ("the only session was cancelled and not made up within "
                                    "the rebooking limit" if not held else
                                    "a cancelled session was not made up")
                        else:
                            where = (contract.path, contract.at("supervisee"))
                            what = (f"{held} of {rules.sessions_per_half_term} sessions were "
                                    "held" if held else "no session was held")
                        self.add("HALF-TERM-SESSION", OVERDUE if recent else HISTORY, where,
                                 f"{pid}: {what} in {label}", people, due=half.end,
                                 school=contract.school, severity=ERROR if recent else WARNING,
                                 hint=None if recent else PAST_HINT)
                    need_groups = rules.group_sessions_per_half_term
                    if need_groups and groups.get(half.key, 0) < need_groups:
                        recent = half == self.last_ended
                        self.add("HALF-TERM-GROUP", OVERDUE if recent else HISTORY,
                                 (contract.path, contract.at("supervisee")),
                                 f"{pid} took part in {groups.get(half.key, 0)} of "
                                 f"{need_groups} group session(s) in {label}", people,
                                 due=half.end, school=contract.school,
                                 severity=ERROR if recent else WARNING,
                                 hint=None if recent else PAST_HINT)
                elif half.start <= self.soon(contract.school) and not booked and \
                        held < rules.sessions_per_half_term:
                    self.add("HALF-TERM-SESSION", DUE, (contract.path, contract.at("supervisee")),
                             f"{pid}: no session is held or booked yet in {label}", people,
                             due=half.end, school=contract.school,
                             hint="Book one with `supervision schedule --year "
                             f"{half.year}` or `supervision new session --status planned`.")

    def term_minutes(self) -> None:
        for pid in sorted(self.index.contracts):
            halves = self.judged_half_terms(pid)
            terms: dict[str, list[HalfTerm]] = defaultdict(list)
            for half in halves:
                terms[half.term_key].append(half)
            minutes: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # 1:1, group, planned
            for recs, slot in ((self.index.sessions.get(pid, []), 0),
                               (self.index.groups.get(pid, []), 1)):
                for rec in recs:
                    counts = self.cal.half_term_counting(rec.day)
                    length = rec.facts.get("duration_minutes")
                    if counts is None or not isinstance(length, int):
                        continue
                    if rec.status == "held":
                        minutes[counts.term_key][slot] += length
                    elif rec.status == "planned":
                        minutes[counts.term_key][2] += length
            last_term = self.last_ended.term_key if self.last_ended else None
            for term, parts in terms.items():
                whole = self.cal.term_half_terms(parts[0])
                if len(parts) < len(whole):
                    continue  # the contract began mid-term
                contract = self.contract_on(pid, whole[-1].end)
                assert contract is not None
                rules = self.rules(contract.school)
                if rules is None:
                    continue
                one, group, planned = minutes[term]
                total = one + group
                ended = whole[-1].end < self.today
                recent = term == last_term
                where = (contract.path, contract.at("supervisee"))
                people = (contract.supervisor, pid)
                need = rules.term_minutes_min
                if ended and need is not None and total < need:
                    self.add("TERM-MINUTES", OVERDUE if recent else HISTORY, where,
                             f"{pid} had {total} minutes of supervision in the {term} term; "
                             f"the policy asks for at least {need}", people,
                             due=whole[-1].end, school=contract.school,
                             severity=ERROR if recent else WARNING,
                             hint=None if recent else PAST_HINT)
                elif not ended and need is not None and total + planned < need and \
                        whole[-1].end <= self.soon(contract.school):
                    self.add("TERM-MINUTES", DUE, where,
                             f"{pid} has {total} minutes held and {planned} booked in the "
                             f"{term} term, which ends on {whole[-1].end}; the policy asks for "
                             f"at least {need}", people, due=whole[-1].end,
                             school=contract.school)
                share = rules.group_share_max_percent
                if ended and share is not None and total and group * 100 > share * total:
                    self.add("GROUP-SHARE", OVERDUE if recent else HISTORY, where,
                             f"{round(group * 100 / total)}% of {pid}'s supervision in the "
                             f"{term} term was in groups; the policy allows at most {share}%",
                             people, due=whole[-1].end, school=contract.school,
                             severity=ERROR if recent else WARNING,
                             hint=None if recent else PAST_HINT)

    # -- records and sign-offs -------------------------------------------------------
    def record_deadlines(self) -> None:
        for rec in self.index.all_sessions:
            if rec.status == "cancelled" or rec.day > self.today:
                continue
            rules = self.rules(rec.school)
            if rules is None:
                continue
            n = rules.record_due_working_days
            deadline = self.cal.add_working_days(rec.day, n) if n is not None else None
            first = self.signed(rec, "supervisor")
            people = (rec.supervisor,)
            policy = f"the policy asks for it within {n} working days"
            if rec.status == "planned":
                if rec.day == self.today:
                    continue
                if deadline is None or deadline < self.today:
                    late = f"; its record was due by {deadline}" if deadline else ""
                    self.add("RECORD-DEADLINE", OVERDUE, (rec.path, rec.at("status", "date")),
                             f"the session on {rec.day} is still marked planned{late}",
                             people, due=deadline, school=rec.school,
                             severity=ERROR if deadline else WARNING,
                             hint="Record the session (status: held, and fill in the form), "
                             "or if it did not take place, `supervision cancel` it.")
                else:
                    self.add("RECORD-DEADLINE", AWAITING, (rec.path, rec.at("status", "date")),
                             f"the record of the session on {rec.day} is due by {deadline}",
                             people, due=deadline, school=rec.school)
                continue
            if first is None:
                if (self.signoffs.from_signatures
                        and self.signoffs.first_committed(rec.path) is not None):
                    # Committed, but its supervisor has not signed it off.
                    late, waiting = ("is not signed off by its supervisor yet",
                                     "awaits the supervisor's sign-off")
                    hint = f"The supervisor signs it: supervision sign {rec.path}"
                else:  # written, not committed yet
                    late, waiting = "is not committed yet", "is written but not committed yet"
                    hint = "Commit the record now; the supervisee then signs it."
                if deadline is not None and deadline < self.today:
                    days = self.cal.working_days_between(rec.day, self.today)
                    self.add("RECORD-DEADLINE", OVERDUE, (rec.path, rec.at("date")),
                             f"the record of the session on {rec.day} {late}, {days} working "
                             f"days after the session; {policy} (by {deadline})", people,
                             due=deadline, school=rec.school, severity=WARNING, hint=hint)
                else:
                    self.add("RECORD-DEADLINE", AWAITING, (rec.path, rec.at("date")),
                             f"the record of the session on {rec.day} {waiting}"
                             + (f"; due by {deadline}" if deadline else ""),
                             people, due=deadline, school=rec.school)
            elif deadline is not None and first > deadline:
                days = self.cal.working_days_between(rec.day, first)
                done = "signed off by its supervisor" if self.signoffs.from_signatures else "committed"
                self.add("RECORD-DEADLINE", HISTORY, (rec.path, rec.at("date")),
                         f"the record of the session on {rec.day} was {done} on {first}, "
                         f"{days} working days after the session; {policy} (by {deadline})",
                         people, due=deadline, school=rec.school, severity=WARNING,
                         hint=HISTORY_HINT)

    def case_notes(self) -> None:
        for (pid, day), notes in sorted(self.index.case_notes.items()):
            for rec in notes:
                rules = self.rules(rec.school)
                if rules is None or rules.case_notes_days_before is None:
                    continue
                before = rules.case_notes_days_before
                deadline = day - dt.timedelta(days=before)
                first = self.signed(rec, "supervisee")
                policy = f"the policy asks for at least {before} days before (by {deadline})"
                where = (rec.path, rec.at("date"))
                if first is None:
                    if deadline < self.today:
                        self.add("CASE-NOTES-DEADLINE", OVERDUE, where,
                                 f"these case notes for the session on {day} are not committed "
                                 f"yet; {policy}", (pid,), due=deadline, school=rec.school,
                                 severity=WARNING)
                    else:
                        self.add("CASE-NOTES-DEADLINE", AWAITING, where,
                                 f"these case notes for the session on {day} are written but "
                                 f"not committed yet; due by {deadline}", (pid,),
                                 due=deadline, school=rec.school)
                elif first > deadline:
                    self.add("CASE-NOTES-DEADLINE", HISTORY, where,
                             f"these case notes were committed on {first}, "
                             f"{(day - first).days} days before the session on {day}; {policy}",
                             (pid,), due=deadline, school=rec.school, severity=WARNING,
                             hint=HISTORY_HINT)
        for pid, sessions in sorted(self.index.sessions.items()):
            for rec in sessions:
                rules = self.rules(rec.school)
                if rec.status != "planned" or rules is None or \
                        rules.case_notes_days_before is None or rec.day < self.today:
                    continue
                deadline = rec.day - dt.timedelta(days=rules.case_notes_days_before)
                if (pid, rec.day) in self.index.case_notes or deadline > self.soon(rec.school):
                    continue
                state = OVERDUE if deadline < self.today else DUE
                self.add("CASE-NOTES-DEADLINE", state, (rec.path, rec.at("date")),
                         f"case notes for the pupils {pid} will bring to the session on "
                         f"{rec.day} are due by {deadline}", (pid,), due=deadline,
                         school=rec.school,
                         hint="Write one file per pupil with `supervision new case-notes "
                         f"--case REF --date {rec.day}` and commit it; if you bring no pupils, "
                         "nothing is needed.")

    def next_session(self, rec: Rec) -> Rec | None:
        for other in self._series(rec):
            if other.day > rec.day and other.status in ("held", "planned"):
                return other
        return None

    def supervisee_response(self) -> None:
        source = self.signoffs
        if not source.sees("session", "supervisee"):
            return  # commit dates cannot show the supervisee's sign-off (see signoffs.py)
        for pid, sessions in sorted(self.index.sessions.items()):
            for rec in sessions:
                if rec.status != "held" or rec.facts.get("disagreement"):
                    continue
                mine = [s for s in source.signoffs(rec.path) if s.role == "supervisee"]
                if any(s.current for s in mine):
                    continue
                following = self.next_session(rec)
                where = (rec.path, rec.at("date"))
                if following is not None and following.day < self.today:
                    what = (f"the record of the session on {rec.day} was changed after {pid} "
                            "signed it, and they have not signed the new version"
                            if mine else
                            f"{pid} has not signed the record of the session on {rec.day}")
                    self.add("SUPERVISEE-RESPONSE", OVERDUE, where,
                             f"{what} or recorded a disagreement, and the next session was on "
                             f"{following.day}", (pid,), due=following.day,
                             school=rec.school, severity=ERROR,
                             hint="`supervision history PATH` shows what changed; then sign "
                             "with `supervision sign`, or `supervision sign --disagree`."
                             if mine else None)
                else:
                    due = following.day if following is not None else None
                    self.add("SUPERVISEE-RESPONSE", AWAITING, where,
                             f"the record of the session on {rec.day} awaits {pid}'s "
                             "signature" + (f" (by the next session on {due})" if due else ""),
                             (pid,), due=due, school=rec.school)

    # -- actions ---------------------------------------------------------------------
    def actions_reviewed(self) -> None:
        for _pid, sessions in sorted(self.index.sessions.items()):
            held = [r for r in sessions if r.status == "held"]
            for before, after in zip(held, held[1:], strict=False):
                reviewed = {d for d, _outcome in after.facts.get("reviewed") or []}
                carried = [d for d, outcome in before.facts.get("reviewed") or []
                           if outcome == "carried-forward"]
                expected: dict[str, str | None] = {}
                for digest, _owner, _due, status, fieldname in before.facts.get("actions") or []:
                    if status in OPEN_ACTION:
                        expected.setdefault(digest, fieldname)
                for digest in carried:
                    expected.setdefault(digest, None)
                missing = [name for digest, name in expected.items() if digest not in reviewed]
                if not missing:
                    continue
                places = sorted({f"'{name}'" for name in missing if name})
                if None in missing:
                    places.append("carried forward at that session")
                self.add("ACTIONS-NOT-REVIEWED", OVERDUE,
                         (after.path, after.at("review", "status", "date")),
                         f"{len(missing)} action(s) from the session on {before.day} ("
                         f"{', '.join(places)}) are not in this record's review of previous "
                         "actions",
                         (after.supervisor,), school=after.school, severity=ERROR)

    def actions_due(self) -> None:
        # Later mentions of an action (by digest) per person: reviews and re-listings.
        closed: dict[tuple[str, str], dt.date] = {}
        relisted: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
        for rec in self.index.with_actions + [
                r for r in self.index.all_sessions if r.facts.get("reviewed")]:
            for pid in rec.supervisees:
                for digest, outcome in rec.facts.get("reviewed") or []:
                    if outcome in ("done", "dropped"):
                        key = (pid, digest)
                        closed[key] = max(closed.get(key, rec.day), rec.day)
                for digest, _owner, _due, status, _field in rec.facts.get("actions") or []:
                    if status in ("done", "dropped"):
                        key = (pid, digest)
                        closed[key] = max(closed.get(key, rec.day), rec.day)
                    relisted[(pid, digest)].append(rec.day)
        for rec in self.index.with_actions:
            # Only one-to-one sessions' actions are chased: the next session reviews them.
            if rec.facts.get("form") != "session" or rec.status != "held":
                continue
            positions = rec.facts.get("action_at") or []
            for index, (digest, owner, due_text, status, fieldname) in enumerate(
                    rec.facts.get("actions") or []):
                due = _date(due_text)
                if status not in OPEN_ACTION or due is None:
                    continue
                keys = [(pid, digest) for pid in rec.supervisees]
                if any(closed.get(k, dt.date.min) >= rec.day for k in keys):
                    continue
                if any(day > rec.day for k in keys for day in relisted.get(k, [])):
                    continue  # listed again later, with its own due date
                if due >= self.today and due > self.soon(rec.school):
                    continue
                line, col = positions[index] if index < len(positions) else rec.at("date")
                who = (owner,) if owner else tuple(rec.supervisees)
                where = (rec.path, (int(line), int(col)))
                if due < self.today:
                    self.add("ACTION-DUE", OVERDUE, where,
                             f"an action in '{fieldname}' was due on {due} and is still open",
                             who, due=due, school=rec.school, severity=ERROR)
                else:
                    self.add("ACTION-DUE", DUE, where,
                             f"an action in '{fieldname}' is due on {due}", who, due=due,
                             school=rec.school)

    # -- contracts and people ----------------------------------------------------------
    def contracts(self) -> None:
        source = self.signoffs
        for pid, sessions in sorted(self.index.sessions.items()):
            if pid not in self.index.contracts and pid in self.repo.people and \
                    self.active(pid, self.today):
                first = sessions[0]
                self.add("CONTRACT-MISSING", OVERDUE, (PEOPLE_FILE, self.person_at(pid)),
                         f"{pid} has {len(sessions)} session record(s), the first on "
                         f"{first.day}, but no supervision contract", (first.supervisor, pid),
                         school=first.school, severity=ERROR)
        for pid, contracts in sorted(self.index.contracts.items()):
            if not self.active(pid, self.today):
                continue
            latest = contracts[-1]
            rules = self.rules(latest.school)
            people = (latest.supervisor, pid)
            signed = {s.role for s in source.signoffs(latest.path) if s.current}
            missing = [role for role in ("supervisor", "supervisee")
                       if source.sees("contract", role) and role not in signed]
            committed = source.first_committed(latest.path) is not None
            if missing and committed:
                held_since = [r for r in self.index.sessions.get(pid, [])
                              if r.status == "held" and r.day >= latest.day]
                who = tuple(str(latest.supervisor) if r == "supervisor" else pid
                            for r in missing)
                if held_since:
                    self.add("CONTRACT-UNSIGNED", OVERDUE, (latest.path, latest.at("date")),
                             f"the contract agreed on {latest.day} is not signed by "
                             f"{' and '.join(who)}, and {len(held_since)} session(s) have "
                             "been held since", who, school=latest.school, severity=ERROR)
                else:
                    self.add("CONTRACT-UNSIGNED", AWAITING, (latest.path, latest.at("date")),
                             f"the contract agreed on {latest.day} awaits signing by "
                             f"{' and '.join(who)}", who, school=latest.school)
            elif not committed:
                self.add("CONTRACT-UNSIGNED", AWAITING, (latest.path, latest.at("date")),
                         f"the contract agreed on {latest.day} is written but not committed "
                         "yet, so it cannot be signed", people, school=latest.school)
            review = _date(latest.facts.get("review_date"))
            if review is None or rules is None:
                continue
            where = (latest.path, latest.at("review_date"))
            furthest = add_months(latest.day, rules.contract_review_months)
            if review > furthest:
                self.add("CONTRACT-REVIEW-DUE", HISTORY, where,
                         f"the review date {review} is more than {rules.contract_review_months} "
                         f"months after the contract was agreed; the policy asks for a review "
                         f"by {furthest}", people, due=furthest, school=latest.school,
                         severity=WARNING)
                review = furthest
            if review < self.today:
                self.add("CONTRACT-REVIEW-DUE", OVERDUE, where,
                         f"{pid}'s contract was due for review on {review}", people,
                         due=review, school=latest.school, severity=ERROR)
            elif review <= self.warn_until(latest.school):
                self.add("CONTRACT-REVIEW-DUE", DUE, where,
                         f"{pid}'s contract is due for review on {review}", people,
                         due=review, school=latest.school,
                         severity=WARNING if review <= (self.cal.soon_until(self.today)
                                                        or self.today) else None)

    def dsl_training(self) -> None:
        for pid, person in sorted(self.repo.people.items()):
            if not self.active(pid, self.today):
                continue
            is_dsl = any(role in DSL_ROLES for role in person.roles)
            if not is_dsl and person.dsl_training is None:
                continue
            rules = self.rules(person.school)
            if rules is None:
                continue
            if person.dsl_training is None:
                self.add("DSL-TRAINING-DUE", OVERDUE, (PEOPLE_FILE, self.person_at(pid)),
                         f"{pid} is a designated safeguarding lead but people.yml has no date "
                         "of their last DSL training ('dsl_training')", (pid,),
                         school=person.school, severity=WARNING)
                continue
            renewal = add_months(person.dsl_training, rules.dsl_training_renewal_months)
            where = (PEOPLE_FILE, self.person_at(pid, "dsl_training"))
            if renewal < self.today:
                self.add("DSL-TRAINING-DUE", OVERDUE, where,
                         f"{pid}'s DSL training was due for renewal on {renewal} (every "
                         f"{rules.dsl_training_renewal_months} months)", (pid,), due=renewal,
                         school=person.school, severity=ERROR)
            elif renewal <= self.warn_until(person.school):
                warn = renewal <= (self.cal.soon_until(self.today) or self.today)
                self.add("DSL-TRAINING-DUE", DUE, where,
                         f"{pid}'s DSL training is due for renewal on {renewal}", (pid,),
                         due=renewal, school=person.school, severity=WARNING if warn else None)

    def supervisors(self) -> None:
        supervisors: dict[str, Rec] = {}
        for pid, contracts in self.index.contracts.items():
            latest = contracts[-1]
            if latest.supervisor and self.active(pid, self.today):
                supervisors.setdefault(latest.supervisor, latest)
        for sid, contract in sorted(supervisors.items()):
            rules = self.rules(contract.school)
            person = self.repo.people.get(sid)
            if rules is None or person is None or not rules.supervisor_training_required:
                continue
            if person.supervision_training is None and self.active(sid, self.today):
                self.add("SUPERVISOR-TRAINING", OVERDUE, (PEOPLE_FILE, self.person_at(sid)),
                         f"{sid} supervises others but people.yml has no date of their "
                         "supervision training ('supervision_training')", (sid,),
                         school=contract.school, severity=ERROR)
        for sid, led in sorted(self.index.led.items()):
            person = self.repo.people.get(sid)
            if person is None or EXTERNAL_ROLE in person.roles:
                continue
            rules = self.rules(led[0].school)
            if rules is None or not rules.supervisor_supervised_each_half_term:
                continue
            received: dict[str, list[Rec]] = defaultdict(list)
            for rec in self.index.sessions.get(sid, []) + self.index.groups.get(sid, []):
                half = self.cal.half_term_counting(rec.day)
                if half is not None and rec.status in ("held", "planned"):
                    received[half.key].append(rec)
            gave: dict[str, HalfTerm] = {}
            for rec in led:
                half = self.cal.half_term_counting(rec.day)
                if half is not None and rec.status == "held":
                    gave.setdefault(half.key, half)
            if self.current is not None and self.active(sid, self.today) and any(
                    r.status in ("held", "planned") and r.day <= self.current.end
                    and r.day >= self.current.start for r in led):
                gave.setdefault(self.current.key, self.current)
            for key, half in sorted(gave.items(), key=lambda kv: kv[1].start):
                had = received.get(key, [])
                where = (PEOPLE_FILE, self.person_at(sid))
                if half.end < self.today:
                    if any(r.status == "held" for r in had):
                        continue
                    recent = half == self.last_ended
                    self.add("SUPERVISOR-SUPERVISED", OVERDUE if recent else HISTORY, where,
                             f"{sid} supervised others in {half.name} {half.year} but has no "
                             "held session as a supervisee in that half term", (sid,),
                             due=half.end, school=led[0].school,
                             severity=ERROR if recent else WARNING,
                             hint=None if recent else PAST_HINT)
                elif not had and half.end <= self.soon(led[0].school):
                    self.add("SUPERVISOR-SUPERVISED", DUE, where,
                             f"{sid} supervises others in {half.name} {half.year} but has no "
                             f"session of their own held or booked before it ends on "
                             f"{half.end}", (sid,), due=half.end, school=led[0].school)

    def policy_review(self) -> None:
        config = self.repo.config
        assert config is not None
        profile = self.repo.profiles.get(config.profile)
        if profile is None:
            return
        rules = profile.rules
        review = config.policy_review
        if review is None:
            self.add("POLICY-REVIEW-DUE", OVERDUE, (CONFIG_FILE, self.config_at("policy")),
                     "supervision.yml sets no review date for the supervision policy "
                     "(policy: review_date)", severity=WARNING)
            return
        where = (CONFIG_FILE, self.config_at("policy", "review_date"))
        if config.policy_adopted is not None:
            furthest = add_months(config.policy_adopted, rules.policy_review_months)
            if review > furthest:
                self.add("POLICY-REVIEW-DUE", HISTORY, where,
                         f"the policy's review date {review} is more than "
                         f"{rules.policy_review_months} months after it was adopted; review "
                         f"it by {furthest}", due=furthest, severity=WARNING)
                review = furthest
        if review < self.today:
            self.add("POLICY-REVIEW-DUE", OVERDUE, where,
                     f"the supervision policy was due for review on {review}", due=review,
                     severity=ERROR)
        elif review <= self.warn_until(None):
            warn = review <= (self.cal.soon_until(self.today) or self.today)
            self.add("POLICY-REVIEW-DUE", DUE, where,
                     f"the supervision policy is due for review on {review}", due=review,
                     severity=WARNING if warn else None)


def evaluate(ctx: CrossContext, horizon_days: int | None = None) -> list[Item]:
    """Every time-rule item for the repository in ``ctx``."""
    return TimeRules(ctx, horizon_days).run()


def time_rules(ctx: CrossContext) -> list[Problem]:
    """The cross-record rule ``supervision check`` runs: items with a check severity.

    When particular files are checked (the pre-commit hook), overdue items located in
    people.yml or supervision.yml (a DSL's training, a supervisor's own supervision,
    the policy's review) are shown as warnings: they are about people and the policy,
    not about the change being committed, and must not block, say, adding a new starter.
    The whole-repository check and ``supervision status`` still count them as errors.
    """
    found = []
    settings = (PEOPLE_FILE, CONFIG_FILE)
    for item in evaluate(ctx):
        if item.severity is None:
            continue
        problem_ = item.problem()
        if ctx.wanted is not None and item.path in settings and item.severity == ERROR:
            problem_ = problem(item.rule, item.path, item.line, item.col, item.message,
                               item.hint, WARNING)
        found.append(problem_)
    return found

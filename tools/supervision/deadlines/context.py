"""What every time rule shares: one :class:`RuleContext` per run.

It holds the records as the rules see them (:class:`Rec`, indexed once by person
and kind), the school calendar, the policy numbers per school, who signed what
(through the signing wing's sign-off dates), positions in people.yml and
supervision.yml, and the items found so far. Helpers that more than one rule
needs (the contract in force on a day, the half terms judged for a person, how a
cancelled session was made up) live here, so each rule module stays one rule.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from supervision.config import CONFIG_FILE, PEOPLE_FILE
from supervision.deadlines.items import Item, parse_date
from supervision.deadlines.school_year import HalfTerm
from supervision.forms.definition import PolicyRules

if TYPE_CHECKING:
    from supervision.checker import CrossContext


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
    #: every record by its kind (chronology entries, escalations, QA reviews...), by date
    by_kind: dict[str, list[Rec]] = field(default_factory=lambda: defaultdict(list))


class RuleContext:
    """The state one run of the time rules shares (see the module docstring)."""

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

    @staticmethod
    def _build_index(facts: dict[str, dict[str, Any]]) -> _Index:
        index = _Index()
        for path, f in facts.items():
            day = parse_date(f.get("date"))
            if day is None:
                continue
            rec = Rec(path, day, f)
            kind = f.get("kind")
            index.by_kind[str(kind)].append(rec)
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
        for table in (index.sessions, index.groups, index.led, index.contracts,
                      index.by_kind):
            for recs in table.values():
                recs.sort(key=lambda r: (r.day, r.path))
        index.all_sessions.sort(key=lambda r: (r.day, r.path))
        index.with_actions.sort(key=lambda r: (r.day, r.path))
        return index

    def judging(self, path: str) -> bool:
        """Whether findings at ``path`` are wanted (every path is in a whole run). A rule
        whose findings sit at the record it judges skips the others: checking one
        record then judges that record, not every record of its people."""
        wanted = self.ctx.wanted
        return wanted is None or path in wanted

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
        return self._settings_doc(PEOPLE_FILE)

    def _settings_doc(self, name: str) -> Any:
        """A settings file as parsed when the repository was loaded (read again only
        for a repository object made without it)."""
        doc = self.repo.documents.get(name)
        if doc is None:
            from supervision.forms.yamlparse import parse_file

            doc, _ = parse_file(str(self.repo.root / name), name)
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
        if not self.judging(PEOPLE_FILE):
            return 1, 1  # an item there is not shown (people.yml was not asked about)
        row = self._people_rows.get(pid)
        if row is None or self._people_doc is None:
            return 1, 1
        return self._people_doc.where(("people", row, key))

    def config_at(self, *keypath: str) -> tuple[int, int]:
        if not self.judging(CONFIG_FILE):
            return 1, 1  # as in person_at
        doc = self._settings_doc(CONFIG_FILE)
        return doc.where(keypath) if doc is not None else (1, 1)

    def add(self, rule: str, state: str, where: tuple[str, tuple[int, int]], message: str,
            people: tuple[str | None, ...] = (), due: dt.date | None = None,
            school: str | None = None, severity: str | None = None,
            hint: str | None = None, until_sent: bool = False) -> None:
        """Record one item; ``where`` is (path, (line, col)). ``until_sent``: see
        :attr:`Item.until_sent`."""
        path, (line, col) = where
        who = tuple(dict.fromkeys(p for p in people if p))
        self.items.append(Item(rule, state, path, line, col, message, who, due, school,
                               severity, hint, until_sent))

    def rebook_limit(self, rec: Rec) -> dt.date | None:
        rules = self.rules(rec.school)
        if rules is None or rules.rebook_within_working_days is None:
            return None
        return self.cal.add_working_days(rec.day, rules.rebook_within_working_days)

    def series(self, rec: Rec) -> list[Rec]:
        """The sessions a rebooked session of ``rec`` would be among."""
        if rec.group:
            return [r for r in self.index.led.get(rec.supervisor or "", []) if r.group]
        return self.index.sessions.get(rec.supervisees[0], []) if rec.supervisees else []

    def rebooked(self, rec: Rec) -> tuple[dt.date | None, Rec | None, bool]:
        """(new date, the session that redeems the cancellation, whether it was in time)."""
        details = rec.facts.get("cancellation") or {}
        new = parse_date(details.get("rebooked_to"))
        if new is None or new < rec.day:
            return new, None, False
        limit = self.rebook_limit(rec)
        last = max(new, limit) if limit is not None else new
        for other in self.series(rec):
            if rec.day < other.day <= last and other.status == "held":
                return new, other, limit is None or other.day <= limit
        return new, None, False

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

    def people_with_role(self, role: str, school: str | None,
                         day: dt.date | None = None) -> list[str]:
        """Ids of people.yml's people with ``role`` at ``school`` or trust-wide (no school),
        who had not left by ``day`` (default today)."""
        when = day or self.today
        return sorted(pid for pid, person in self.repo.people.items()
                      if role in person.roles and person.school in (None, school)
                      and self.active(pid, when))

    def first_signed(self, rec: Rec) -> dt.date | None:
        """When the record was first signed (or, without signatures, committed)."""
        days = [s.date for s in self.signoffs.signoffs(rec.path)]
        return min(days) if days else None

    def agreed(self, rec: Rec, roles: tuple[str, ...]) -> bool:
        """Whether everyone in ``roles`` has signed the record as it is now (with commit
        dates only: whether its first signer committed it)."""
        found = self.signoffs.signoffs(rec.path)
        if not self.signoffs.from_signatures:
            return bool(found)
        current = {s.role for s in found if s.current}
        return all(role in current for role in roles)

    def next_session(self, rec: Rec) -> Rec | None:
        for other in self.series(rec):
            if other.day > rec.day and other.status in ("held", "planned"):
                return other
        return None

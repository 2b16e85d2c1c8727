"""The compliance measures of the reports: what was due against what was done.

:class:`Compliance` is :class:`~supervision.site.metrics.Metrics` with the counts
the compliance summary needs, each a part of a base (so the reports can protect
the two together, :mod:`supervision.site.shares`): the sessions due that were
held, the records of those sessions signed within the deadline (by the
supervisor, and by every signer), and the supervisees with every half term held.
Nothing is published here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from supervision.signing.signoff import signers_of
from supervision.signing.signoff_dates import RECORDED, signed_on
from supervision.site.metrics import Counts, Metrics, Record


class Compliance(Metrics):
    _counted: list[Record] | None = None

    def counted(self) -> list[Record]:
        """The held one-to-one sessions that meet what is due: for each supervisee with
        a contract, the first sessions of each half term, up to the number due (extra
        sessions, and sessions of someone without a contract, are not counted)."""
        if self._counted is not None:
            return self._counted
        by_person: dict[tuple[str, str, str], list[Record]] = defaultdict(list)
        for record in self.in_half_terms("session"):
            if record.half and record.facts.get("status") == "held":
                for person in record.facts.get("supervisees") or ():
                    by_person[(record.facts["school"], person, record.half.key)].append(record)
        out: list[Record] = []
        seen: set[str] = set()
        for school in self.schools():
            rules = self.rules(school)
            per_half = rules.sessions_per_half_term if rules else 1
            for half in self.half_terms:
                for person in sorted(self.in_scope(school, half.start, half.end)):
                    found = sorted(by_person.get((school, person, half.key), ()),
                                   key=lambda r: (r.day, r.path))
                    for record in found[:per_half]:
                        if record.path not in seen:
                            seen.add(record.path)
                            out.append(record)
        self._counted = out
        return out

    def due_sessions_held(self) -> Counts:
        """Sessions due that were held (:meth:`counted`; never more than are due)."""
        count: dict[tuple[str, str], int] = defaultdict(int)
        for record in self.counted():
            assert record.half is not None
            count[(record.facts["school"], record.half.key)] += 1
        return self._by_school_half(count)

    def signed_on_time(self) -> tuple[Counts, Counts] | None:
        """Counted sessions (:meth:`counted`) signed within the profile's deadline: by the
        supervisor (written up), and by every signer of the form (agreed).

        When the repository does not sign yet, the day a record was first committed
        stands for every signature (:func:`signed_on` falls back to it)."""
        if self.signoffs is None:
            return None
        verified = any(role != RECORDED for rows in self.signoffs.values() for role, _d in rows)
        written: dict[tuple[str, str], int] = defaultdict(int)
        agreed: dict[tuple[str, str], int] = defaultdict(int)
        roles = signers_of("session") or ("supervisor",)
        for record in self.counted():
            assert record.half is not None
            school = record.facts["school"]
            key = (school, record.half.key)
            due = self.calendar.add_working_days(record.day, self.record_deadline(school))
            signed = signed_on(self.signoffs, record.path)
            if signed is not None and signed <= due:
                written[key] += 1
            days = [self._signed_as(record.path, role, verified) for role in roles]
            if all(day is not None and day <= due for day in days):
                agreed[key] += 1
        return self._by_school_half(written), self._by_school_half(agreed)

    def _signed_as(self, path: str, role: str, verified: bool) -> dt.date | None:
        assert self.signoffs is not None
        if not verified:
            return signed_on(self.signoffs, path, role)
        return min((day for who, day in self.signoffs.get(path) or () if who == role),
                   default=None)

    def every_half_term_held(self) -> Counts:
        """Supervisees per school whose sessions were held in every half term judged so
        far (ended before today, begun on or after their first contract), and the rest."""
        ended = [h for h in self.half_terms if h.end < self.today]
        held: dict[tuple[str, str], int] = defaultdict(int)
        for record in self.in_half_terms("session"):
            if record.half and record.facts.get("status") == "held":
                for person in record.facts.get("supervisees") or ():
                    held[(person, record.half.key)] += 1
        values: list[list[int]] = []
        for school in self.schools():
            rules = self.rules(school)
            need = rules.sessions_per_half_term if rules else 1
            first: dict[str, dt.date] = {}
            for day, person in self.contracts.get(school, ()):
                first[person] = min(day, first.get(person, day))
            met = missed = 0
            for person, start in sorted(first.items()):
                judged = [h for h in ended if h.start >= start
                          and not self._left_before(person, h.start)]
                if not judged:
                    continue
                if all(held[(person, h.key)] >= need for h in judged):
                    met += 1
                else:
                    missed += 1
            values.append([met, missed])
        names = [self.school_names[s] for s in self.schools()]
        return Counts(names, ["Every half term held", "Not every half term"], values,
                      {name: sum(row) for name, row in zip(names, values, strict=True)})

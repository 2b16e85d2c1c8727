"""What the records say about one supervisee's supervision, for its quality assurance.

The school policy's QA monitoring form asks questions the repository can answer: was a
contract agreed (and signed) at the start of the supervision period, how many sessions
were completed, and is there a written (signed) record of them. :func:`from_records`
works those answers out, and a little more (half terms with a session held on time),
for the period a QA review covers: from the day after the supervisee's previous QA
review (or from their first contract) to the review's date.

``supervision new qa-review`` pre-fills the answers with a note saying they were taken
from the records; the QA rule (:mod:`supervision.deadlines.rules.qa_reviews`) compares
a review's answers with them. Both find the answers by the QA form's field names
(:data:`ANSWERS`): a profile whose QA form has other questions simply gets no pre-fill.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from supervision.deadlines.context import Rec, RuleContext
from supervision.reporters import plural

#: The QA form's questions the records answer: field name -> what it is about.
ANSWERS = ("contract_agreed", "sessions_completed", "written_records")


@dataclass
class FromRecords:
    """One supervisee's supervision over one period, as the records show it."""

    supervisee: str
    start: dt.date
    end: dt.date
    contract: Rec | None
    contract_signed: bool
    sessions: list[Rec] = field(default_factory=list)
    unsigned: list[Rec] = field(default_factory=list)  # held, but not signed by both
    half_terms: int = 0  # half terms of the period that have ended
    half_terms_held: int = 0  # ... with a one-to-one session held in them (or made up in time)

    @property
    def contract_agreed(self) -> bool:
        return self.contract is not None and self.contract_signed

    @property
    def written_records(self) -> bool:
        return bool(self.sessions) and not self.unsigned

    def answers(self) -> dict[str, object]:
        return {"contract_agreed": self.contract_agreed,
                "sessions_completed": len(self.sessions),
                "written_records": self.written_records}

    def notes(self) -> dict[str, str]:
        """One sentence per answer saying where it came from (a comment in the record)."""
        since = f"from {self.start} to {self.end}"
        if self.contract is None:
            contract = "no contract for this supervisee was in force at the start of the period"
        else:
            signed = "signed by both" if self.contract_signed else "not signed by both yet"
            contract = f"contract agreed on {self.contract.day}, {signed} ({self.contract.path})"
        held = (f"{plural(len(self.sessions), 'one-to-one session')} held {since}; "
                f"{self.half_terms_held} of {plural(self.half_terms, 'half term')} ended in "
                "that time had a session held on time")
        if not self.sessions:
            written = "no session was held in the period, so there is no written record"
        elif self.unsigned:
            written = (f"{plural(len(self.unsigned), 'session record')} of the period "
                       f"{'is' if len(self.unsigned) == 1 else 'are'} not signed by both yet "
                       f"(the first: {self.unsigned[0].path})")
        else:
            written = "every session of the period has a record signed by both"
        return {"contract_agreed": f"From the records: {contract}.",
                "sessions_completed": f"From the records: {held}.",
                "written_records": f"From the records: {written}."}


def previous_review(ctx: RuleContext, pid: str, day: dt.date) -> Rec | None:
    """The supervisee's latest QA review before ``day``."""
    before = [r for r in ctx.index.by_kind.get("qa-review", [])
              if pid in r.supervisees and r.day < day]
    return before[-1] if before else None


def from_records(ctx: RuleContext, pid: str, day: dt.date) -> FromRecords | None:
    """The answers for a QA review of ``pid`` dated ``day``; None when the repository holds
    no contract for them (it does not know their supervision, so it answers nothing)."""
    first = ctx.contract_start(pid)
    if first is None:
        return None
    previous = previous_review(ctx, pid, day)
    start = previous.day + dt.timedelta(days=1) if previous is not None else first.day
    contract = ctx.contract_on(pid, start)
    if contract is not None and contract.day > day:
        contract = None
    found = FromRecords(pid, start, day, contract,
                        contract is not None and _signed_by(ctx, contract, day))
    for rec in ctx.index.sessions.get(pid, []):
        if rec.status == "held" and start <= rec.day <= day:
            found.sessions.append(rec)
            if not _signed_by(ctx, rec, day):
                found.unsigned.append(rec)
    counted, _pending = ctx.counted_sessions(pid)
    for half in ctx.judged_half_terms(pid):
        if start <= half.start and half.end < day:
            found.half_terms += 1
            found.half_terms_held += bool(counted.get(half.key))
    return found


def _signed_by(ctx: RuleContext, rec: Rec, day: dt.date) -> bool:
    """Signed by both people by ``day`` (with commit dates only: committed by then)."""
    signoffs = [s for s in ctx.signoffs.signoffs(rec.path) if s.date <= day]
    if not ctx.signoffs.from_signatures:
        return bool(signoffs)
    roles = {s.role for s in signoffs}
    return {"supervisor", "supervisee"} <= roles

"""Decisions about a child are also entered on the child's chronology, within the policy's days.

Both policies say so: a decision about a child taken in supervision also goes on that
child's chronology in the school's safeguarding system (CPOMS, MyConcern, RecordMy...);
the supervision record is not the chronology. The forms mark what that means
(``chronology: true``: a session's case decisions and actions, the reflective form's
"what needs to happen" for each case, case notes' new actions, an informal note about a
child), and the record's facts list those items (``chronology_items``).

A *chronology entry* (its own record, signed by the supervisee: the DSL) says which items
of which version of a record are now on the chronology, or why none is needed. Items are
named by the ids the facts give them: in a repository that seals records, never by
anything of their wording, so a clone that cannot read the records matches entries to
items exactly as the DSL's own does. This
rule lists, for the DSL, every item of a held session, case notes or informal note that
no entry covers: due within ``chronology_due_working_days`` of the record's date, an
error once that has passed (CHRONOLOGY-ENTRY-DUE); an entry not signed yet is listed
for its signature. An entry that names a record that is not one of its supervisee's
records with items to enter is an error (CHRONOLOGY-ENTRY-INVALID).

:func:`outstanding` is what ``supervision chronology`` lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from supervision.deadlines.context import Rec, RuleContext
from supervision.deadlines.items import AWAITING, DUE, OVERDUE
from supervision.deadlines.rules.signoff_awaited import describe
from supervision.forms.facts import covers
from supervision.problems import ERROR

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"CHRONOLOGY-ENTRY-DUE", "CHRONOLOGY-ENTRY-INVALID"})

#: Record kinds whose decisions go on the chronology (sessions only once held).
SOURCE_KINDS = ("session", "case-notes", "informal")


@dataclass(frozen=True)
class Outstanding:
    """One decision or action of a record that is not on the chronology yet."""

    rec: Rec
    id: str
    place: str
    case_refs: tuple[str, ...]
    line: int
    col: int
    keypath: tuple[Any, ...]
    due: dt.date | None


def sources(ctx: RuleContext) -> list[Rec]:
    """Records with something to enter on a chronology, oldest first."""
    out = [rec for kind in SOURCE_KINDS for rec in ctx.index.by_kind.get(kind, [])
           if rec.facts.get("chronology_items") and rec.status == "held"
           and ctx.judging(rec.path)]
    return sorted(out, key=lambda r: (r.day, r.path))


def entries(ctx: RuleContext) -> tuple[dict[str, set[str]], list[tuple[Rec, int, str]]]:
    """(record path -> the item ids entries cover, [(entry, its index, path) that point at
    nothing of its supervisee's]). A record named by an entry counts only when it is one
    of that supervisee's (a member's, for a group session) with items to enter, so checking
    one entry alone says the same as checking every record."""
    covered: dict[str, set[str]] = {}
    invalid: list[tuple[Rec, int, str]] = []
    for entry in ctx.index.by_kind.get("chronology-entry", []):
        person = entry.supervisees[0] if entry.supervisees else None
        for index, row in enumerate(entry.facts.get("chronology") or []):
            path, _version, _outcome, ids = row
            source = ctx.ctx.facts.get(str(path))
            if (source is None or person not in (source.get("supervisees") or ())
                    or not source.get("chronology_items")):
                invalid.append((entry, index, str(path)))
                continue
            covered.setdefault(str(path), set()).update(ids)
    return covered, invalid


def due_date(ctx: RuleContext, rec: Rec) -> dt.date | None:
    rules = ctx.rules(rec.school)
    days = rules.chronology_due_working_days if rules is not None else None
    return ctx.cal.add_working_days(rec.day, days) if days is not None else None


def outstanding(ctx: RuleContext) -> list[Outstanding]:
    """Every item no chronology entry covers, oldest record first."""
    covered, _invalid = entries(ctx)
    out = []
    for rec in sources(ctx):
        rules = ctx.rules(rec.school)
        if rules is None or rules.chronology_due_working_days is None:
            continue
        done = covered.get(rec.path, set())
        due = due_date(ctx, rec)
        for digest, place, refs, line, col, keypath in rec.facts["chronology_items"]:
            if not covers(done, digest, place):
                out.append(Outstanding(rec, digest, place, tuple(refs), int(line), int(col),
                                       tuple(keypath), due))
    return out


def check(ctx: RuleContext) -> None:
    for item in outstanding(ctx):
        rec = item.rec
        if item.due is None:
            continue
        cases = f" (case {', '.join(item.case_refs)})" if item.case_refs else ""
        what = f"'{item.place}' of {describe(rec.facts, rec.day)}{cases}"
        where = (rec.path, (item.line, item.col))
        if item.due < ctx.today:
            # A record not committed yet cannot have its entry (`chronology done` points
            # at a committed version): the commit being checked may be the one that sends
            # it, so the pre-commit hook shows this as a warning (RECORD-DEADLINE chases it).
            ctx.add("CHRONOLOGY-ENTRY-DUE", OVERDUE, where,
                    f"{what} is not entered on the chronology; it was due by {item.due}",
                    rec.supervisees, due=item.due, school=rec.school, severity=ERROR,
                    until_sent=ctx.signoffs.first_committed(rec.path) is None)
        elif item.due <= ctx.soon(rec.school):
            ctx.add("CHRONOLOGY-ENTRY-DUE", DUE, where,
                    f"{what} is to be entered on the chronology by {item.due}",
                    rec.supervisees, due=item.due, school=rec.school)
    _, invalid = entries(ctx)
    for entry, index, path in invalid:
        if not ctx.judging(entry.path):
            continue
        person = entry.supervisees[0] if entry.supervisees else "its supervisee"
        ctx.add("CHRONOLOGY-ENTRY-INVALID", OVERDUE, (entry.path, entry.at("entries")),
                f"entry {index + 1} names {path}, which is not one of {person}'s records with "
                "decisions to enter on a chronology", (person,), school=entry.school,
                severity=ERROR)
    if ctx.signoffs.from_signatures:
        for entry in ctx.index.by_kind.get("chronology-entry", []):
            if (ctx.judging(entry.path) and not ctx.agreed(entry, ("supervisee",))
                    and entry.supervisees):
                ctx.add("CHRONOLOGY-ENTRY-DUE", AWAITING, (entry.path, entry.at("date")),
                        f"{describe(entry.facts, entry.day)} awaits your signature; sign it "
                        f"with `supervision sign {entry.path}`", entry.supervisees,
                        school=entry.school)

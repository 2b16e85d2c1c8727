"""An action agreed in a session (one-to-one or group) is past its due date and still open.

An action is closed by a later record of one of the session's people: a review of
previous actions with the outcome done or dropped, or the same action listed again as
done or dropped. Listed again (still open) later, it is judged there, by its new date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import (
    DUE,
    OPEN_ACTION,
    OVERDUE,
    parse_date,
)
from supervision.problems import ERROR

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"ACTION-DUE"})


def check(ctx: RuleContext) -> None:
    # Later mentions of an action (by digest) per person: reviews and re-listings.
    closed: dict[tuple[str, str], dt.date] = {}
    relisted: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for rec in ctx.index.with_actions + [
            r for r in ctx.index.all_sessions if r.facts.get("reviewed")]:
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
    for rec in ctx.index.with_actions:
        # Sessions' actions are chased (one-to-one and group): the next session reviews them.
        if (rec.facts.get("form") not in ("session", "group-session") or rec.status != "held"
                or not ctx.judging(rec.path)):
            continue
        positions = rec.facts.get("action_at") or []
        for index, (digest, owner, due_text, status, fieldname) in enumerate(
                rec.facts.get("actions") or []):
            due = parse_date(due_text)
            if status not in OPEN_ACTION or due is None:
                continue
            keys = [(pid, digest) for pid in rec.supervisees]
            if any(closed.get(k, dt.date.min) >= rec.day for k in keys):
                continue
            if any(day > rec.day for k in keys for day in relisted.get(k, [])):
                continue  # listed again later, with its own due date
            if due >= ctx.today and due > ctx.soon(rec.school):
                continue
            line, col = positions[index] if index < len(positions) else rec.at("date")
            who = (owner,) if owner else tuple(rec.supervisees)
            where = (rec.path, (int(line), int(col)))
            if due < ctx.today:
                ctx.add("ACTION-DUE", OVERDUE, where,
                         f"an action in '{fieldname}' was due on {due} and is still open",
                         who, due=due, school=rec.school, severity=ERROR)
            else:
                ctx.add("ACTION-DUE", DUE, where,
                         f"an action in '{fieldname}' is due on {due}", who, due=due,
                         school=rec.school)

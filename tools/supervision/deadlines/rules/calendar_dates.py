"""A session on a day the school is closed; a school year with no calendar file."""

from __future__ import annotations

import datetime as dt

from supervision.config import CONFIG_FILE
from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import (
    HISTORY,
    OVERDUE,
)
from supervision.deadlines.school_year import academic_year
from supervision.problems import ERROR, WARNING

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"CALENDAR-YEAR-MISSING", "SESSION-DATE"})


def check(ctx: RuleContext) -> None:
    folder = ctx.repo.config.calendar if ctx.repo.config else "calendar"
    missing: dict[str, bool] = {}

    def year_missing(day: dt.date) -> str | None:
        year = academic_year(day)
        if year not in missing:
            missing[year] = ctx.cal.year(year) is None
        if not missing[year]:
            return None
        exists = any((ctx.repo.root / folder / f"{year}{ext}").is_file()
                     for ext in (".yml", ".yaml"))
        if exists:
            return (f"{folder}/{year}.yml has problems, so the half-term rules cannot "
                    "be checked for this date (run `supervision check "
                    f"{folder}/{year}.yml`)")
        return f"there is no {folder}/{year}.yml, so the half-term rules cannot be checked " \
               "for this date"

    for rec in ctx.index.all_sessions:
        why = year_missing(rec.day)
        if why is not None:
            ctx.add("CALENDAR-YEAR-MISSING", OVERDUE, (rec.path, rec.at("date")), why,
                     (rec.supervisor,), school=rec.school, severity=ERROR)
            continue
        if rec.status == "cancelled":
            continue
        closed = ctx.cal.why_closed(rec.day)
        if closed:
            verb = "was held" if rec.status == "held" else "is booked"
            state = HISTORY if rec.status == "held" else OVERDUE
            ctx.add("SESSION-DATE", state, (rec.path, rec.at("date")),
                     f"the session {verb} on {rec.day} ({closed}), not a school day",
                     (rec.supervisor,), school=rec.school, severity=WARNING)
    if ctx.index.contracts and academic_year(ctx.today) not in missing:
        why = year_missing(ctx.today)
        if why is not None:
            ctx.add("CALENDAR-YEAR-MISSING", OVERDUE, (CONFIG_FILE, ctx.config_at(
                "calendar")), why.replace("this date", f"today ({ctx.today})"),
                severity=ERROR)

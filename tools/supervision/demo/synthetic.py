"""Synthetic, obviously fictional record content generated from a form.

Used by the tests (a "correctly filled" record for every form), by the demo
trust and by the benchmark corpus. The wording is bland on purpose and never
contains names, dates of birth or identifiers.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from supervision.forms.definition import Field, Form, Profile

CASE_REF_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: easy to read aloud

_SENTENCES = (
    "Talked through what has changed since the last session and what has helped.",
    "Reflected on the pressure of the week and agreed what can wait.",
    "Looked at the plan together and agreed the next steps in school.",
    "Noted good multi-agency working and where information sharing was slow.",
    "Considered how the staff team are recording concerns and where to give feedback.",
    "Agreed to revisit this at the next session once the review meeting has taken place.",
    "Discussed training that would help and how to fit it into the half term.",
    "Thought about workload and protected time for the safeguarding role.",
)


_WRITTEN_BY_TOOLS = {
    "record": lambda rng: f"records/example-school/2026-27/dsl-sample/2026-11-{rng.randint(10, 28)}"
                          "-session.yaml",
    "version": lambda rng: "".join(rng.choice("0123456789abcdef") for _ in range(40)),
    "item": lambda rng: "".join(rng.choice("0123456789abcdef") for _ in range(12)),
}


def case_ref(rng: random.Random) -> str:
    return "C-" + "".join(rng.choice(CASE_REF_ALPHABET) for _ in range(6))


class Filler:
    def __init__(self, profile: Profile, people: list[str], day: dt.date,
                 rng: random.Random | None = None) -> None:
        self.profile = profile
        self.people = people
        self.day = day
        self.rng = rng or random.Random(7)

    def text(self, sentences: int = 2) -> str:
        return " ".join(self.rng.choice(_SENTENCES) for _ in range(sentences))

    def fields(self, fields: tuple[Field, ...]) -> dict[str, Any]:
        return {f.name: self.value(f) for f in fields}

    def value(self, f: Field) -> Any:
        rng = self.rng
        if f.type in ("group", "risk"):
            if f.type == "risk":
                return {"raised": False, "action": "", "owner": None, "referral": "none"}
            return self.fields(f.fields)
        if f.type == "tags":
            pool = list(f.choices or self.profile.themes)
            return sorted(rng.sample(pool, k=min(2, len(pool))))
        if f.type == "actions":
            return [{"action": self.text(1), "owner": rng.choice(self.people),
                     "due": (self.day + dt.timedelta(days=rng.randint(7, 40))).isoformat(),
                     "status": "open"}]
        if f.type == "decisions":
            return [{"decision": self.text(1), "reasons": self.text(1)}]
        if f.type == "review":
            return []
        if f.is_list:
            if any(sub.type == "case_ref" for sub in f.fields):
                rules = self.profile.rules
                low = rules.cases_min
                high = rules.cases_max if rules.cases_max is not None else 3
                count = rng.randint(low, max(low, high))
            else:
                count = max(1, f.min or 0)
                if f.max is not None:
                    count = min(count, f.max)
            if f.of is not None:
                return [self.scalar(f.of, f) for _ in range(count)]
            return [self.fields(f.fields) for _ in range(count)]
        return self.scalar(f.type, f)

    def scalar(self, type_name: str, f: Field) -> Any:
        rng = self.rng
        if type_name == "text":
            return self.text(2)
        if type_name == "line":
            return "Meeting room two" if "location" in f.name or "setting" in f.name else (
                "Designated safeguarding lead" if f.name.endswith("role") else "See notes")
        if type_name == "date":
            return (self.day + dt.timedelta(days=rng.randint(30, 60))).isoformat()
        if type_name == "time":
            return f"{rng.randint(9, 15):02d}:{rng.choice(('00', '30'))}"
        if type_name == "minutes":
            low = self.profile.rules.session_minutes_min or 60
            return f.default if isinstance(f.default, int) else low
        if type_name == "integer":
            low = f.min or 0
            high = f.max if f.max is not None else low + 20
            return f.default if isinstance(f.default, int) else rng.randint(low, high)
        if type_name == "yesno":
            return f.default if isinstance(f.default, bool) else rng.random() < 0.85
        if type_name == "choice":
            return f.default if f.default in f.choices else rng.choice(f.choices)
        if type_name == "person":
            return rng.choice(self.people)
        if type_name == "case_ref":
            return case_ref(rng)
        if type_name in _WRITTEN_BY_TOOLS:  # a pointer at another record: made up, like it
            return _WRITTEN_BY_TOOLS[type_name](rng)
        raise ValueError(f"no synthetic value for {type_name}")


def fill(form: Form, profile: Profile, header: dict[str, Any], people: list[str],
         rng: random.Random | None = None) -> dict[str, Any]:
    """A complete record for ``form``: header values as given, the rest invented."""
    day = header.get("date")
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day or dt.date(2026, 11, 16)
    filler = Filler(profile, people, day, rng)
    data: dict[str, Any] = {}
    for f in form.fields:  # form order, header values first choice
        if f.name in header:
            value = header[f.name]
            data[f.name] = value.isoformat() if isinstance(value, dt.date) else value
        elif f.name not in ("start_time", "school") and not (
                f.name == "cancellation" and f.type == "group"):
            data[f.name] = filler.value(f)
    if form.kind == "contract" and "review_date" not in header:
        from supervision.deadlines.school_year import add_months

        # A realistic review date: as far ahead as the policy allows, less a day.
        review = add_months(day, profile.rules.contract_review_months) - dt.timedelta(days=1)
        data["review_date"] = review.isoformat()
    if data.get("status") == "held" and form.field("duration_minutes") is not None:
        rules = profile.rules
        data["duration_minutes"] = rules.session_minutes_min or rules.session_minutes_max or 60
    return data

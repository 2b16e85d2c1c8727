"""The words every format shares: dates, people, schools, yes/no, numbers.

English names of days and months come from tables here, not from the computer's
locale, so a record reads the same on every machine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from supervision.forms.validate import parse_date

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def long_date(day: dt.date) -> str:
    """``Monday 16 November 2026``."""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: dt.date) -> str:
    """``16 Nov 2026`` (sign-off dates)."""
    return f"{day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def date_text(value: Any) -> str:
    """A date answer written out; anything that is not a real date stays as written."""
    day = parse_date(value)
    return long_date(day) if day is not None else plain(value)


def person(person_id: str, names: Mapping[str, str]) -> str:
    """``Jo Fictional (deputy-sample)``; an id people.yml does not know says so."""
    name = names.get(person_id)
    return f"{name} ({person_id})" if name else f"{person_id} (not in people.yml)"


def school(school_id: str, names: Mapping[str, str]) -> str:
    name = names.get(school_id)
    return f"{name} ({school_id})" if name else school_id


def yes_no(value: Any) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return plain(value)


def plain(value: Any) -> str:
    """Any other value as text (a number, a time, a word; lists joined by commas)."""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, list):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{humanise(str(k))} {plain(v)}" for k, v in value.items())
    return str(value).strip("\n")


def humanise(name: str) -> str:
    """A YAML key not on the form, as a label: ``next_steps`` -> ``Next steps``."""
    return name.replace("_", " ").replace("-", " ").strip().capitalize() or name


def role_word(role: str) -> str:
    """``supervisee`` -> ``supervisee``; ``qa_reviewer`` -> ``qa reviewer``."""
    return role.replace("_", " ").replace("-", " ")


def possessive(word: str) -> str:
    return f"{word}'" if word.endswith("s") else f"{word}'s"


def join_and(parts: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]

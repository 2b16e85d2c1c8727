"""Check a parsed record against its form: shape, types, required fields, ids.

The result is the list of findings and a *typed* copy of the record (dates as
``datetime.date``) holding only the values that passed, for the policy rules.
Messages never repeat what someone typed in a free-text field: they name the
field and what is wrong with it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from supervision.forms.definition import Field
from supervision.forms.yamlparse import Document, KeyPath
from supervision.problems import Problem
from supervision.reporters import plural
from supervision.rules import problem

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_TIME = re.compile(r"(\d{1,2}):(\d{2})\Z")
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}\Z")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
_FINGERPRINT = re.compile(r"[0-9A-F]{40}\Z")
#: Values only the tools write (a record another record points at, its version, an item).
_WRITTEN_BY_TOOLS = {
    "record": (re.compile(r"(?:records|contracts)/(?!.*\.\./)[A-Za-z0-9._/-]+\.ya?ml\Z"),
               "the path of a record under records/ or contracts/"),
    "version": (re.compile(r"[0-9a-f]{40}\Z"), "a version id: 40 characters 0-9 and a-f"),
    "item": (re.compile(r"(?:[0-9a-f]{12}|[adp]-[a-z2-7]{10})\Z"),
             "an item id: 12 characters 0-9 and a-f, or a-, d- or p- and 10 letters and "
             "digits 2-7"),
}
TOOLS_HINT = ("The tools write this value (`supervision chronology done`, `supervision "
              "escalate`): run the command again rather than typing it.")


@dataclass(frozen=True, slots=True)
class Context:
    """What a record's ids and tags are checked against."""

    people: frozenset[str] = frozenset()
    schools: frozenset[str] = frozenset()
    case_ref: re.Pattern[str] = re.compile(r"^C-[0-9A-HJ-NP-Z]{6}$")
    case_ref_example: str = "C-7K3QXM"
    themes: tuple[str, ...] = ()
    check_people: bool = True


def display(keypath: KeyPath) -> str:
    """``('cases', 0, 'case_ref')`` -> ``cases[1].case_ref`` (items counted from 1)."""
    out = ""
    for part in keypath:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "the record"


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict):
        return not value
    return False


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def fingerprint(value: str) -> str:
    return value.replace(" ", "").upper()


@dataclass
class Validator:
    doc: Document
    ctx: Context
    completed: bool = True
    problems: list[Problem] = field(default_factory=list)

    def report(self, rule: str, keypath: KeyPath, message: str, hint: str | None = None) -> None:
        line, col = self.doc.where(keypath)
        self.problems.append(problem(rule, self.doc.path, line, col, message, hint))

    # -- structure -----------------------------------------------------------
    def mapping(self, data: Any, fields: tuple[Field, ...], keypath: KeyPath) -> dict[str, Any]:
        if not isinstance(data, dict):
            what = "the record" if not keypath else f"'{display(keypath)}'"
            self.report("SCHEMA-TYPE", keypath,
                        f"{what} must be a set of fields (name: value), not {_kind(data)}")
            return {}
        known = {f.name: f for f in fields}
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.6)
                tip = f"; did you mean '{close[0]}'?" if close else ""
                self.report(
                    "SCHEMA-UNKNOWN-KEY", keypath + (key,),
                    f"'{display(keypath + (key,))}' is not a field of this form{tip}",
                    hint=None if close else "Fields on this form: " + ", ".join(known) + ".",
                )
        typed: dict[str, Any] = {}
        previous: str | None = None  # the field before, in form order, that is present
        for f in fields:
            here = keypath + (f.name,)
            required = f.required == "always" or (f.required == "yes" and self.completed)
            if f.name not in data:
                if required:
                    where = f"; add it after '{previous}'" if previous else ""
                    self.report("SCHEMA-REQUIRED",
                                keypath + (previous,) if previous else keypath,
                                f"'{display(here)}' ({f.title}) is missing{where}",
                                required_hint(f))
                continue
            previous = f.name
            value = data[f.name]
            if is_empty(value):
                if required:
                    self.report("SCHEMA-REQUIRED", here,
                                f"'{display(here)}' ({f.title}) is empty", required_hint(f))
                continue
            checked = self.value(value, f, here)
            if checked is not None:
                typed[f.name] = checked
        for f in fields:
            if f.yes_when and typed.get(f.yes_when) is True and typed.get(f.name) is False:
                self.report("ANSWER-MUST-BE-YES", keypath + (f.name,),
                            f"'{display(keypath + (f.name,))}' ({f.title}) must be yes when "
                            f"'{display(keypath + (f.yes_when,))}' is yes",
                            f.guidance or None)
        return typed

    def value(self, value: Any, f: Field, keypath: KeyPath) -> Any:
        if f.type in ("group", "risk"):
            return self.mapping(value, f.fields, keypath)
        if f.type == "tags":
            return self.tags(value, f, keypath)
        if f.is_list:
            return self.items(value, f, keypath)
        return self.scalar(value, f.type, f, keypath)

    def items(self, value: Any, f: Field, keypath: KeyPath) -> list[Any] | None:
        if not isinstance(value, list):
            self.report("SCHEMA-TYPE", keypath,
                        f"'{display(keypath)}' must be a list (lines starting with '- '), "
                        f"not {_kind(value)}")
            return None
        self.count(len(value), f, keypath)
        out = []
        for index, item in enumerate(value):
            here = keypath + (index,)
            if f.of is not None:
                if is_empty(item):
                    # A planned record keeps the scaffold's blank items until it is held.
                    if self.completed or f.required == "always":
                        self.report("SCHEMA-REQUIRED", here, f"'{display(here)}' is empty")
                    continue
                checked = self.scalar(item, f.of, f, here)
            else:
                checked = self.mapping(item, f.fields, here)
            if checked is not None:
                out.append(checked)
        return out

    def count(self, n: int, f: Field, keypath: KeyPath) -> None:
        if f.min is not None and n < f.min:
            self.report("SCHEMA-RANGE", keypath,
                        f"'{display(keypath)}' needs at least {plural(f.min, 'item')}; it has {n}")
        if f.max is not None and n > f.max:
            self.report("SCHEMA-RANGE", keypath,
                        f"'{display(keypath)}' allows at most {plural(f.max, 'item')}; it has {n}")

    def tags(self, value: Any, f: Field, keypath: KeyPath) -> list[str] | None:
        allowed = f.choices or self.ctx.themes
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.report("SCHEMA-TYPE", keypath, f"'{display(keypath)}' must be a list of tags")
            return None
        out = []
        for index, tag in enumerate(value):
            if not isinstance(tag, str) or tag not in allowed:
                close = difflib.get_close_matches(str(tag), allowed, n=1) if allowed else []
                tip = f"; did you mean '{close[0]}'?" if close else ""
                self.report("SCHEMA-CHOICE", keypath + (index,),
                            f"'{display(keypath + (index,))}' is not on the list{tip}",
                            hint="Allowed: " + ", ".join(allowed) + ".")
                continue
            out.append(tag)
        return out

    # -- single values ---------------------------------------------------------
    def scalar(self, value: Any, type_name: str, f: Field, keypath: KeyPath) -> Any:
        if type_name in ("text", "line") and isinstance(value, str):  # the common case
            if type_name == "line" and "\n" in value.strip():
                self.report("SCHEMA-TYPE", keypath, f"'{display(keypath)}' must fit on one line")
            return value
        name = _Name(keypath)
        if isinstance(value, list | dict):
            self.report("SCHEMA-TYPE", keypath,
                        f"'{name}' must be a single value, not {_kind(value)}")
            return None
        if type_name in ("text", "line"):
            text = value if isinstance(value, str) else _scalar_text(value)
            if type_name == "line" and "\n" in text.strip():
                self.report("SCHEMA-TYPE", keypath, f"'{name}' must fit on one line")
            return text
        if type_name == "date":
            parsed = parse_date(value)
            if parsed is None:
                if isinstance(value, str) and _DATE.match(value):
                    message = f"'{name}' is {value}, which is not a real date"
                else:
                    message = f"'{name}' must be a date written YYYY-MM-DD"
                self.report("DATE-INVALID", keypath, message)
            return parsed
        if type_name == "time":
            match = _TIME.match(value) if isinstance(value, str) else None
            if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
                self.report("TIME-INVALID", keypath, f"'{name}' is not a time in the form HH:MM")
                return None
            return f"{int(match.group(1)):02d}:{match.group(2)}"
        if type_name in ("integer", "minutes"):
            if not isinstance(value, int) or isinstance(value, bool):
                self.report("SCHEMA-TYPE", keypath, f"'{name}' must be a whole number")
                return None
            if f.type == type_name or f.of == type_name:
                if f.min is not None and value < f.min:
                    self.report("SCHEMA-RANGE", keypath, f"'{name}' must be at least {f.min}")
                if f.max is not None and value > f.max:
                    self.report("SCHEMA-RANGE", keypath, f"'{name}' must be at most {f.max}")
            if value < 0:
                self.report("SCHEMA-RANGE", keypath, f"'{name}' cannot be negative")
                return None
            return value
        if type_name == "yesno":
            if not isinstance(value, bool):
                self.report("SCHEMA-TYPE", keypath, f"'{name}' must be yes or no")
                return None
            return value
        if type_name == "choice":
            if str(value) not in f.choices:
                self.report("SCHEMA-CHOICE", keypath,
                            f"'{name}' must be one of: {', '.join(f.choices)}")
                return None
            return str(value)
        if type_name == "person":
            if not isinstance(value, str) or not _ID.match(value):
                self.report("PERSON-UNKNOWN", keypath,
                            f"'{name}' must be a person id from people.yml")
                return None
            if self.ctx.check_people and value not in self.ctx.people:
                close = difflib.get_close_matches(value, list(self.ctx.people), n=1)
                tip = f"; did you mean '{close[0]}'?" if close else ""
                self.report("PERSON-UNKNOWN", keypath,
                            f"'{name}' names '{value}', who is not in people.yml{tip}")
            return value
        if type_name == "school":
            if not isinstance(value, str) or value not in self.ctx.schools:
                shown = f"'{value}'" if isinstance(value, str) and _ID.match(value) else "a value"
                self.report("SCHOOL-UNKNOWN", keypath,
                            f"'{name}' names {shown}, which is not a school in supervision.yml",
                            hint="Schools: " + ", ".join(sorted(self.ctx.schools)) + ".")
                return None
            return value
        if type_name == "case_ref":
            if not isinstance(value, str) or not self.ctx.case_ref.match(value):
                self.report("CASE-REF-FORMAT", keypath,
                            f"'{name}' is not a case reference in the agreed format "
                            f"(for example {self.ctx.case_ref_example})")
                return None
            return value
        if type_name == "id":
            if not isinstance(value, str) or not _ID.match(value):
                self.report("CONFIG-INVALID", keypath,
                            f"'{name}' must be a short id: lower-case letters, digits and "
                            "hyphens, starting with a letter or digit")
                return None
            return value
        if type_name == "email":
            if not isinstance(value, str) or not _EMAIL.match(value):
                self.report("CONFIG-INVALID", keypath, f"'{name}' is not an email address")
                return None
            return value
        if type_name == "fingerprint":
            text = fingerprint(value) if isinstance(value, str) else ""
            if not _FINGERPRINT.match(text):
                self.report("CONFIG-INVALID", keypath,
                            f"'{name}' must be a full key fingerprint: 40 hexadecimal characters",
                            hint="`gpg --fingerprint` or `supervision keys list` shows it.")
                return None
            return text
        if type_name in _WRITTEN_BY_TOOLS:
            pattern, what = _WRITTEN_BY_TOOLS[type_name]
            if not isinstance(value, str) or not pattern.match(value):
                self.report("SCHEMA-TYPE", keypath, f"'{name}' must be {what}", TOOLS_HINT)
                return None
            return value
        raise AssertionError(f"unhandled field type {type_name}")  # pragma: no cover


_REQUIRED_HINTS = {
    "yesno": "Answer yes or no.",
    "date": "Write the date as YYYY-MM-DD, for example 2026-11-23.",
    "time": "Write the time as HH:MM, for example 14:30.",
    "minutes": "Write the number of minutes, for example 60.",
    "integer": "Write a whole number (0 if there are none).",
    "person": "Write the person's id from people.yml.",
    "choice": "Choose one of the values listed in the comment above the field.",
    "case_ref": "Write the child's case reference (never a name).",
}


def required_hint(f: Field) -> str:
    """What to do about an empty required field, in the words its type needs."""
    if f.type in _REQUIRED_HINTS:
        return _REQUIRED_HINTS[f.type]
    if f.is_list:
        return "Add at least one entry (lines starting with '- ')."
    if f.is_mapping:
        return "Fill in the parts of this section."
    return ("Write your answer after the colon (or under the '|'). If nothing applies, "
            "write 'none' and say why.")


class _Name:
    """The display form of a key path, worked out only if a message needs it."""

    __slots__ = ("keypath",)

    def __init__(self, keypath: KeyPath) -> None:
        self.keypath = keypath

    def __format__(self, spec: str) -> str:
        return format(display(self.keypath), spec)

    def __str__(self) -> str:
        return display(self.keypath)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a set of fields"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "empty"
    return "text"


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def validate(
    doc: Document, fields: tuple[Field, ...], ctx: Context, completed: bool = True
) -> tuple[dict[str, Any], list[Problem]]:
    validator = Validator(doc, ctx, completed)
    typed = validator.mapping(doc.data, fields, ())
    return typed, validator.problems

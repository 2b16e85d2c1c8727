"""Write a blank record from its form, with the guidance as YAML comments.

The scaffold is valid YAML from the start: an unfilled one fails
``supervision check`` only because required answers are empty, and each
finding points at the field to fill in.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

from supervision.forms.definition import Field, Form, Profile

WIDTH = 88
_BARE_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    # ':' is quoted too: YAML 1.1 readers take a bare 14:30 for the number 870.
    if text and set(text) <= _BARE_SAFE and text[0].isalnum() and ":" not in text and (
            text.lower() not in ("yes", "no", "true", "false", "on", "off", "null")):
        return text
    return json.dumps(text, ensure_ascii=False)


def yaml_scalar(value: Any) -> str:
    """``value`` written as a one-line YAML scalar, quoted only when it must be."""
    return _scalar(value)


class _Writer:
    def __init__(self, profile: Profile, notes: dict[str, str] | None = None) -> None:
        self.profile = profile
        self.lines: list[str] = []
        self.notes = notes or {}

    def comment(self, indent: int, text: str) -> None:
        pad = " " * indent
        for line in textwrap.wrap(text, WIDTH - indent - 2) or [""]:
            self.lines.append(f"{pad}# {line}".rstrip())

    def describe(self, f: Field, indent: int, quiet: bool) -> None:
        if quiet:
            return
        head = f.title
        if f.required == "yes":
            head += " (required)"
        if f.type == "choice" and f.choices:
            head += ": one of " + ", ".join(f.choices)
        elif f.type == "yesno":
            head += ": yes or no"
        elif f.type == "date":
            head += ": YYYY-MM-DD"
        self.comment(indent, head)
        if f.guidance:
            self.comment(indent, f.guidance)

    def fields(self, fields: tuple[Field, ...], values: dict[str, Any], indent: int,
               first_prefix: str = "") -> None:
        for index, f in enumerate(fields):
            prefix = first_prefix if index == 0 else ""
            self.field(f, values.get(f.name, f.default), indent, prefix)

    def field(self, f: Field, value: Any, indent: int, prefix: str = "") -> None:
        """Write one field whose key sits at ``indent`` (a list item's dash sits left of it)."""
        outer = indent - len(prefix)
        key = f"{' ' * outer}{prefix}{f.name}:"
        quiet = f.name in ("kind", "format") or (bool(prefix) and f.type == "case_ref")
        self.describe(f, outer, quiet=quiet)
        if not prefix and outer == 0 and f.name in self.notes:
            self.comment(outer, self.notes[f.name])
        child = indent + 2
        if f.type in ("group", "risk"):
            self.lines.append(key)
            self.fields(f.fields, value if isinstance(value, dict) else {}, child)
        elif f.type == "tags":
            allowed = f.choices or self.profile.themes
            self.comment(outer, "Choose from: " + ", ".join(allowed))
            shown = ", ".join(_scalar(v) for v in value) if value else ""
            self.lines.append(f"{key} [{shown}]")
        elif f.is_list:
            self.list(f, value, key, child)
        elif f.type == "text":
            if value:
                self.text_block(key, str(value), child)
            else:
                self.lines.append(f"{key} |")
        else:
            self.lines.append(f"{key} {_scalar(value)}".rstrip())

    def text_block(self, key: str, value: str, indent: int) -> None:
        if "\n" not in value.strip():
            self.lines.append(f"{key} {_scalar(value.strip())}")
            return
        self.lines.append(f"{key} |")
        for line in value.strip("\n").split("\n"):
            self.lines.append(f"{' ' * indent}{line}".rstrip())

    def list(self, f: Field, value: Any, key: str, child: int) -> None:
        items = list(value) if isinstance(value, list) else []
        if not items and f.required != "no":
            count = max(1, f.min or 0)
            if any(sub.type == "case_ref" for sub in f.fields):
                count = max(count, self.profile.rules.cases_min)
            items = [None] * count
        if not items:
            if f.fields:
                shape = ", ".join(f"{sub.name}: ..." for sub in f.fields)
                self.comment(child - 2, f"Add one entry per item, e.g. - {{{shape}}}")
            self.lines.append(f"{key} []")
            return
        self.lines.append(key)
        dash = f"{' ' * child}- "
        for item in items:
            if f.of is not None:
                self.lines.append(f"{dash}{_scalar(item)}".rstrip())
            else:
                self.fields(f.fields, item if isinstance(item, dict) else {}, child + 2, "- ")


HEADER_HELP = (
    "How to fill this in: answer each field after its colon. For longer answers, write on "
    "the lines under a '|', indented two spaces more than the field name. Use case "
    "references, never children's names. When you are done, run `supervision check` on "
    "this file; it tells you what is missing."
)


def render(form: Form, profile: Profile, values: dict[str, Any], schema_ref: str,
           notes: dict[str, str] | None = None) -> str:
    """The blank record; ``notes`` (field name -> sentence) adds a comment above a
    top-level field, e.g. where `new qa-review` took an answer from the records."""
    writer = _Writer(profile, notes)
    writer.lines.append(f"# yaml-language-server: $schema={schema_ref}")
    writer.comment(0, f"{form.title}: {profile.title}.")
    if form.intro:
        writer.lines.append("#")
        writer.comment(0, form.intro)
    writer.lines.append("#")
    writer.comment(0, HEADER_HELP)
    writer.lines.append("")
    fields = form.fields
    if values.get("status") != "cancelled":
        fields = tuple(f for f in fields if f.name != "cancellation" or f.type != "group")
    later = [f for f in fields if filled_later(f) and f.name not in values]
    writer.fields(tuple(f for f in fields if f not in later), values, 0)
    for f in later:  # e.g. an escalation's resolution: shown, commented out
        writer.lines.append("")
        writer.comment(0, f"{f.title}, once there is one: remove the '# ' in front of these "
                       "lines and fill them in." + (f" {f.guidance}" if f.guidance else ""))
        writer.lines.append(f"# {f.name}:")
        writer.lines += [f"#   {sub.name}:" for sub in f.fields]
    return "\n".join(writer.lines) + "\n"


def filled_later(f: Field) -> bool:
    """An optional section whose answers are required once it is there (an escalation's
    resolution): a blank record leaves it out rather than writing it empty."""
    return (f.type == "group" and f.required == "no" and f.name != "cancellation"
            and any(sub.required != "no" for sub in f.fields))


class RecordExists(Exception):
    """``write_new`` found a file at the record's path and wrote nothing."""

    def __init__(self, relpath: str) -> None:
        super().__init__(relpath)
        self.relpath = relpath


def planned_path(form: Form, values: dict[str, Any]) -> str:
    """The standard path of a record with these header values."""
    from supervision.forms.record_rules import expected_path

    relpath = expected_path(form, values)
    if relpath is None:
        raise ValueError("the header values do not give a path")
    return relpath


def write_new(repo: Any, form: Form, profile: Profile, values: dict[str, Any],
              notes: dict[str, str] | None = None) -> Path:
    """Write a blank record at its standard path; never overwrites (RecordExists).

    Shared by ``supervision new``, ``schedule``, ``cancel``, ``chronology done`` and
    ``escalate``. A kind whose records may share a day (``numbered``) takes the first free
    ``-2``, ``-3``... instead. Refreshes the editor schemas the record's first line points at.
    """
    from supervision.forms.json_schema import schema_name, write_profile_schemas
    from supervision.forms.record_rules import first_free_path

    first = planned_path(form, values)
    path = repo.root / (first_free_path(first, lambda p: (repo.root / p).exists())
                        if form.numbered else first)
    if path.exists():
        raise RecordExists(repo.relative(path))
    case_ref = repo.config.case_ref_pattern if repo.config else ""
    write_profile_schemas(profile, repo.root / "schemas", case_ref)
    schema_file = repo.root / "schemas" / profile.id / schema_name(form)
    schema_ref = os.path.relpath(schema_file, path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite
            handle.write(render(form, profile, values, schema_ref, notes))
    except FileExistsError:
        raise RecordExists(repo.relative(path)) from None
    return path

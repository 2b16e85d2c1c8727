"""The page's controls, built from the form definition and the answers.

One :class:`Widget` per field, in the form's order: a text area for free text (line
breaks kept), a text box for a line, date and time inputs, yes/no as radios, a
choice as radios (up to four) or a select, a person as a select of names from
people.yml with their ids, a case reference as a text box with the references
already used in the repository (and a button for a new one), tags as checkboxes,
groups as fieldsets, and lists as rows with add and remove buttons (actions,
decisions, reviews and short lists as tables; lists of longer answers as numbered
fieldsets). An answer a control cannot show without changing it (a list where one
answer was expected, say) is *locked*: shown as such and kept as it is.

HTML names are key paths joined with dots (``case_management.actions.2.owner``); each
row also posts ``<list>.<n>.__row``: which item of the file it came from, or
``new``, so :mod:`supervision.editing.answers` can keep unchanged answers exactly.
"""

from __future__ import annotations

import dataclasses
import re
import string
from dataclasses import dataclass
from typing import Any

from supervision.forms.definition import Field, Form
from supervision.forms.yamlparse import KeyPath


class _Missing:
    """An answer the file does not have at all (its key is absent)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
ROW = "__row"
FIELDS = "__fields"
#: Core fields shown as text, never edited: the record kind, and what its path is made of.
ALWAYS_FIXED = frozenset({"kind", "format"})
#: A choice with at most this many options is shown as radios, more as a select.
RADIO_CHOICES = 4
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_TIME = re.compile(r"\d{2}:\d{2}\Z")
_SHORT_TYPES = frozenset({"line", "date", "time", "integer", "minutes", "yesno", "choice",
                          "person", "school", "case_ref", "id", "email", "fingerprint"})


def name_of(kp: KeyPath) -> str:
    return ".".join(str(part) for part in kp)


def parse_name(name: str) -> KeyPath:
    return tuple(int(part) if part.isdigit() else part for part in name.split("."))


def html_id(kp: KeyPath, prefix: str = "f") -> str:
    return prefix + "-" + "-".join(str(part) for part in kp)


#: Field types only the tools write (what a chronology entry or an escalation points at).
TOOL_TYPES = frozenset({"record", "version", "item"})


def _written_by_tools(f: Field) -> bool:
    return f.type in TOOL_TYPES or any(_written_by_tools(sub) for sub in f.fields)


def fixed_fields(form: Form) -> frozenset[str]:
    """Fields shown but not edited: kind, format, those the file's path is built from
    (changing one would put the record at the wrong path) and those holding what only the
    tools write (``supervision chronology done``, ``supervision escalate``)."""
    in_path = {name for _t, name, _s, _c in string.Formatter().parse(form.file) if name}
    tools = {f.name for f in form.fields if _written_by_tools(f)}
    return ALWAYS_FIXED | tools | (in_path & {f.name for f in form.fields})


def shown_fields(form: Form, data: dict[str, Any]) -> tuple[Field, ...]:
    """The top-level fields on the page: all of them, except a cancellation group on a
    session that is not cancelled and has none (``supervision cancel`` writes it)."""
    return tuple(f for f in form.fields
                 if not (f.name == "cancellation" and f.type == "group"
                         and "cancellation" not in data and data.get("status") != "cancelled"))


def item_field(f: Field) -> Field:
    """The field each item of a list of single answers (``of: person``) is."""
    return dataclasses.replace(f, type=f.of or "line", fields=(), of=None, min=None, max=None)


def fits(f: Field, value: Any) -> bool:
    """Whether ``value`` can be shown by the field's control and posted back unchanged."""
    if value is MISSING or value is None:
        return True
    if f.type in ("group", "risk"):
        return isinstance(value, dict)
    if f.type == "tags":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if f.is_list:
        if not isinstance(value, list):
            return False
        if f.of is not None:
            return all(not isinstance(v, dict | list) for v in value)
        return all(isinstance(v, dict) for v in value)
    return not isinstance(value, dict | list)


def shown_value(f: Field, value: Any) -> str:
    """The text a single-answer control shows (and posts back when nobody changes it)."""
    if value is MISSING or value is None:
        return ""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    text = str(value)
    if f.type == "text" and text.endswith("\n"):
        text = text[:-1]
    return text


def is_table(f: Field) -> bool:
    return f.type in ("actions", "decisions", "review") or all(
        sub.type in _SHORT_TYPES for sub in f.fields)


@dataclass
class Options:
    """What the controls offer: people, schools, themes, case references in use."""

    people: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (id, "Name (id)")
    schools: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    themes: tuple[str, ...] = ()
    case_refs: list[str] = dataclasses.field(default_factory=list)


@dataclass
class Widget:
    field: Field
    kp: KeyPath
    control: str  # textarea, text, number, date, time, radios, select, checkboxes,
    #               group, rows, locked
    value: str = ""
    checked: tuple[str, ...] = ()
    options: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    children: list[Widget] = dataclasses.field(default_factory=list)
    rows: list[Row] = dataclasses.field(default_factory=list)
    layout: str = ""  # rows: table, cards or single
    label: str = ""
    datalist: str = ""  # id of the case references' datalist
    prefilled: str = ""  # why the page filled this in (not saved yet)

    @property
    def name(self) -> str:
        return name_of(self.kp)

    @property
    def id(self) -> str:
        return html_id(self.kp)

    @property
    def title(self) -> str:
        return self.label or self.field.title

    @property
    def required(self) -> bool:
        return self.field.required != "no"

    @property
    def guidance(self) -> str:
        return self.field.guidance

    def lines(self, compact: bool = False) -> int:
        """How many rows a text area needs to show the answer (wrapped) and a line more."""
        width = 38 if compact else 90
        needed = sum(max(1, -(-len(line) // width)) for line in self.value.split("\n"))
        return max(2 if compact else 4, min(needed + 1, 24))


@dataclass
class Row:
    kp: KeyPath
    index: int
    origin: int | None
    widgets: list[Widget]

    @property
    def id(self) -> str:
        return html_id(self.kp, "r")

    @property
    def marker(self) -> str:
        return name_of(self.kp + (ROW,))

    @property
    def origin_text(self) -> str:
        return "new" if self.origin is None else str(self.origin)


class Builder:
    def __init__(self, options: Options, origins: dict[KeyPath, int],
                 notes: dict[KeyPath, str] | None = None) -> None:
        self.options = options
        self.origins = origins
        self.notes = notes or {}

    def fields(self, fields: tuple[Field, ...], data: Any, kp: KeyPath) -> list[Widget]:
        mapping = data if isinstance(data, dict) else {}
        return [self.widget(f, mapping.get(f.name, MISSING), kp + (f.name,)) for f in fields]

    def widget(self, f: Field, value: Any, kp: KeyPath, label: str = "",
               compact: bool = False) -> Widget:
        note = self.notes.get(kp, "")
        if not fits(f, value):
            return Widget(f, kp, "locked", label=label, prefilled=note)
        if f.type in ("group", "risk"):
            return Widget(f, kp, "group", children=self.fields(f.fields, value, kp),
                          label=label, prefilled=note)
        if f.type == "tags":
            chosen = tuple(value) if isinstance(value, list) else ()
            allowed = list(f.choices or self.options.themes)
            allowed += [v for v in chosen if v not in allowed]
            return Widget(f, kp, "checkboxes", checked=chosen, label=label,
                          options=[(v, v.replace("-", " ")) for v in allowed], prefilled=note)
        if f.is_list:
            return self.rows(f, value, kp, label, note)
        return self.single(f, value, kp, label, note, compact)

    def rows(self, f: Field, value: Any, kp: KeyPath, label: str, note: str) -> Widget:
        items = value if isinstance(value, list) else []
        layout = "single" if not f.fields else "table" if is_table(f) else "cards"
        rows = []
        for index, item in enumerate(items):
            here = kp + (index,)
            if f.fields:
                widgets = [self.widget(sub, item.get(sub.name, MISSING) if isinstance(
                    item, dict) else MISSING, here + (sub.name,), compact=layout == "table")
                    for sub in f.fields]
            else:
                widgets = [self.widget(item_field(f), item, here,
                                       label=f"{f.title}, {index + 1}")]
            rows.append(Row(here, index, self.origins.get(here), widgets))
        return Widget(f, kp, "rows", rows=rows, layout=layout, label=label, prefilled=note)

    def single(self, f: Field, value: Any, kp: KeyPath, label: str, note: str,
               compact: bool = False) -> Widget:
        text = shown_value(f, value)
        w = Widget(f, kp, "text", value=text, label=label, prefilled=note)
        kind = f.type
        if kind == "text":
            w.control = "textarea"
        elif kind == "date" and (not text or _DATE.match(text)):
            w.control = "date"
        elif kind == "time" and (not text or _TIME.match(text)):
            w.control = "time"
        elif kind in ("integer", "minutes"):
            w.control = "number"
        elif kind == "yesno" and text in ("", "yes", "no"):
            w.control = "select" if compact else "radios"
            w.options = [("yes", "Yes"), ("no", "No")]
        elif kind == "choice":
            w.options = [(c, c) for c in f.choices]
            w.control = "radios" if len(f.choices) <= RADIO_CHOICES and not compact \
                else "select"
        elif kind in ("person", "school"):
            w.control = "select"
            w.options = list(self.options.people if kind == "person" else self.options.schools)
        elif kind == "case_ref":
            w.datalist = "case-refs"
        if w.options and text and text not in {v for v, _l in w.options}:
            w.options.append((text, f"{text} (not on the list)"))
        return w


def build(form: Form, data: dict[str, Any], options: Options, origins: dict[KeyPath, int],
          notes: dict[KeyPath, str] | None = None) -> list[Widget]:
    """The editable widgets of the page, in the form's order (fixed fields left out)."""
    fixed = fixed_fields(form)
    shown = tuple(f for f in shown_fields(form, data) if f.name not in fixed)
    return Builder(options, origins, notes).fields(shown, data, ())


def identity_origins(data: Any, kp: KeyPath = ()) -> dict[KeyPath, int]:
    """Every list item of ``data`` as coming from the same place in the file."""
    out: dict[KeyPath, int] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(identity_origins(value, kp + (key,)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out[kp + (index,)] = index
            out.update(identity_origins(value, kp + (index,)))
    return out


def walk(widgets: list[Widget]) -> list[Widget | Row]:
    """Every widget and row, depth first (to find a finding's place)."""
    out: list[Widget | Row] = []
    for w in widgets:
        out.append(w)
        out += walk(w.children)
        for row in w.rows:
            out.append(row)
            out += walk(row.widgets)
    return out

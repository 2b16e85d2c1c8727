"""What the browser posted, as the record's new answers; and the page's row buttons.

:func:`read_answers` is the one path from a posted form to data, used by the page
(save, check, every button) and by the tests. It starts from the version of the
file the page was built from (the *base*) and keeps every answer the person did
not change exactly as the file had it: same type, same trailing line break, same
order of tags, same fields not on the form. An answer that changed is typed from
the form: whole numbers as numbers, yes/no as booleans, free text with the line
breaks it was typed with (several lines end with one line break, written as a
``|`` block like the scaffold's; one line has none, unless the answer was a
one-line block already), an emptied answer as empty (free text ``""``, anything
else null; in a row of a table it is left out, as in a new row). Rows say which
item of the base they came from (``__row``), so a row kept while another was
removed still keeps its own answers exactly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from supervision.editing.model import (
    FIELDS,
    MISSING,
    ROW,
    fits,
    fixed_fields,
    item_field,
    name_of,
    parse_name,
    shown_value,
)
from supervision.forms.definition import Field, Form
from supervision.forms.yamlblocks import same
from supervision.forms.yamlparse import KeyPath

Posted = Mapping[str, Sequence[str]]
_WHOLE = re.compile(r"[+-]?\d+\Z")


def norm_text(text: str) -> str:
    """Free text as compared and saved: line breaks as ``\\n``, no spaces at line ends,
    no blank lines before or after."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def typed(f: Field, raw: str, base: Any) -> Any:
    """A changed answer as the record holds it."""
    if f.type == "text":
        text = norm_text(raw)
        if not text:
            return ""
        if "\n" in text:
            return text + "\n"  # a block of text, written with ``|``
        if isinstance(base, str) and base.strip() and base.endswith("\n") and \
                base.count("\n") == 1:
            return text + "\n"  # it was a one-line block: it stays one
        return text
    value = raw.strip()
    if not value:
        return None
    if f.type in ("integer", "minutes") and _WHOLE.match(value):
        return int(value)
    if f.type == "yesno" and value in ("yes", "no"):
        return value == "yes"
    return value


class _Reader:
    def __init__(self, posted: Posted, opened: dict[str, Any] | None) -> None:
        self.posted = posted
        self.opened = opened
        self.origins: dict[KeyPath, int] = {}

    def one(self, name: str) -> str:
        values = self.posted.get(name) or ()
        return str(values[0]) if values else ""

    def field(self, f: Field, name_kp: KeyPath, data_kp: KeyPath, base: Any) -> Any:
        if not fits(f, base):
            return base  # locked: shown as such, kept as it is
        if f.type in ("group", "risk"):
            return self.group(f.fields, name_kp, data_kp, base)
        if f.type == "tags":
            return self.tags(name_kp, base)
        if f.is_list:
            return self.rows(f, name_kp, data_kp, base)
        return self.scalar(f, name_kp, base, data_kp)

    def group(self, fields: tuple[Field, ...], name_kp: KeyPath, data_kp: KeyPath,
              base: Any, row: bool = False) -> Any:
        source = base if isinstance(base, dict) else {}
        out = dict(source)
        for sub in fields:
            was = source.get(sub.name, MISSING)
            value = self.field(sub, name_kp + (sub.name,), data_kp + (sub.name,), was)
            if row and value is not was and value in (None, ""):
                value = MISSING  # a row's emptied answer goes, as in a new row
            if value is MISSING:
                out.pop(sub.name, None)
            else:
                out[sub.name] = value
        if not out and not isinstance(base, dict):
            return base
        return out

    def tags(self, name_kp: KeyPath, base: Any) -> Any:
        chosen = [str(v) for v in self.posted.get(name_of(name_kp)) or () if str(v)]
        if isinstance(base, list) and Counter(base) == Counter(chosen):
            return base
        if not chosen and not isinstance(base, list):
            return base
        # Tags kept keep their place; newly ticked ones follow, in the page's order.
        kept = [t for t in base if t in chosen] if isinstance(base, list) else []
        return kept + [t for t in chosen if t not in kept]

    def tokens(self, name: str) -> list[int]:
        found = set()
        for key in self.posted:
            if key.startswith(name + ".") and key.endswith("." + ROW):
                middle = key[len(name) + 1:-len(ROW) - 1]
                if middle.isdigit():
                    found.add(int(middle))
        return sorted(found)

    def rows(self, f: Field, name_kp: KeyPath, data_kp: KeyPath, base: Any) -> Any:
        source = base if isinstance(base, list) else []
        out: list[Any] = []
        used: set[int] = set()
        for token in self.tokens(name_of(name_kp)):
            here = name_kp + (token,)
            said = self.one(name_of(here + (ROW,)))
            origin = int(said) if said.isdigit() and int(said) < len(source) and \
                int(said) not in used else None
            item_base = source[origin] if origin is not None else MISSING
            data_here = data_kp + (len(out),)
            if origin is not None:
                used.add(origin)
                self.origins[data_here] = origin
            if f.fields:
                value = self.group(f.fields, here, data_here, item_base, row=True)
                value = {} if value is MISSING else value
            else:
                value = self.scalar(item_field(f), here, item_base, data_here)
                value = None if value is MISSING else value
            out.append(value)
        if not out and not isinstance(base, list):
            return base
        return base if same(out, base) else out

    def scalar(self, f: Field, name_kp: KeyPath, base: Any, data_kp: KeyPath) -> Any:
        raw = self.one(name_of(name_kp))
        shown = shown_value(f, base)
        if f.type == "text":
            if norm_text(raw) == norm_text(shown):
                return base
        elif raw.strip() == shown.strip():
            return base
        value = typed(f, raw, base)
        if value in (None, "") and self.opened is not None and \
                not any(isinstance(p, int) for p in data_kp):
            was = _at(self.opened, data_kp)
            if was is MISSING or was in (None, ""):
                return was  # emptied again: as it was when the page opened
        return value


def _at(data: Any, kp: KeyPath) -> Any:
    for part in kp:
        if not isinstance(data, dict) or part not in data:
            return MISSING
        data = data[part]
    return data


def read_answers(form: Form, base: dict[str, Any], posted: Posted,
                 opened: dict[str, Any] | None = None) -> tuple[dict[str, Any],
                                                               dict[KeyPath, int]]:
    """The record's answers after the form was posted, and where each row came from.

    Only the fields the page showed (its ``__fields`` list) are read; the fixed ones
    (kind, format, the path's parts) and anything not on the form keep their values.
    ``opened``: the answers when the form was first opened; an answer emptied again
    goes back to exactly how it was then (absent, null or ``""``), outside rows.
    """
    shown = set((posted.get(FIELDS) or [""])[0].split())
    fixed = fixed_fields(form)
    reader = _Reader(posted, opened)
    out = dict(base)
    for f in form.fields:
        if f.name not in shown or f.name in fixed:
            continue
        value = reader.field(f, (f.name,), (f.name,), base.get(f.name, MISSING))
        if value is MISSING:
            out.pop(f.name, None)
        else:
            out[f.name] = value
    return out, reader.origins


# -- the buttons that change the page's rows -----------------------------------------
def field_at(form: Form, kp: KeyPath) -> Field | None:
    """The field a key path names (list indexes skipped)."""
    fields = form.fields
    found: Field | None = None
    for part in kp:
        if isinstance(part, int):
            continue
        found = next((f for f in fields if f.name == part), None)
        if found is None:
            return None
        fields = found.fields
    return found


def _container(data: dict[str, Any], kp: KeyPath, leaf: type) -> Any:
    """The value at ``kp``, creating missing groups on the way (and, at the end, an
    empty ``leaf``: a list or a group)."""
    target: Any = data
    for index, part in enumerate(kp):
        if isinstance(target, list):
            if not isinstance(part, int) or part >= len(target):
                return None
            target = target[part]
            continue
        if not isinstance(target, dict) or not isinstance(part, str):
            return None
        wanted = leaf if index == len(kp) - 1 else (dict, list)
        if not isinstance(target.get(part), wanted):
            if target.get(part) is not None:
                return None
            target[part] = leaf() if index == len(kp) - 1 else {}
        target = target[part]
    return target


def add_row(form: Form, data: dict[str, Any], name: str) -> str | None:
    """Append a blank row to the list ``name``; returns the name of its first control."""
    kp = parse_name(name)
    f = field_at(form, kp)
    if f is None or not f.is_list or f.type == "tags":
        return None
    items = _container(data, kp, list)
    if not isinstance(items, list):
        return None
    if f.fields:
        items.append({sub.name: sub.default for sub in f.fields if sub.default is not None})
        return name_of(kp + (len(items) - 1, f.fields[0].name))
    items.append(None)
    return name_of(kp + (len(items) - 1,))


def remove_row(form: Form, data: dict[str, Any], origins: dict[KeyPath, int],
               name: str) -> str | None:
    """Remove row ``<list>.<n>``; rows after it move up. Returns the list's name."""
    kp = parse_name(name)
    if len(kp) < 2 or not isinstance(kp[-1], int):
        return None
    parent, index = kp[:-1], kp[-1]
    f = field_at(form, parent)
    items = _container(data, parent, list) if f is not None and f.is_list else None
    if not isinstance(items, list) or index >= len(items):
        return None
    del items[index]
    depth = len(parent)
    moved: dict[KeyPath, int] = {}
    for key, origin in origins.items():
        at = key[depth] if key[:depth] == parent and len(key) > depth else None
        if not isinstance(at, int) or at < index:
            moved[key] = origin
        elif at > index:
            moved[parent + (at - 1,) + key[depth + 1:]] = origin
    origins.clear()
    origins.update(moved)
    return name_of(parent)


def set_answer(data: dict[str, Any], name: str, value: Any) -> bool:
    """Put ``value`` at the single answer ``name`` (e.g. a new case reference)."""
    kp = parse_name(name)
    parent = _container(data, kp[:-1], dict) if len(kp) > 1 else data
    if isinstance(parent, dict) and isinstance(kp[-1], str):
        parent[kp[-1]] = value
        return True
    if isinstance(parent, list) and isinstance(kp[-1], int) and kp[-1] < len(parent):
        parent[kp[-1]] = value
        return True
    return False

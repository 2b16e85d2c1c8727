"""A record split into its clear part and the names of its sealed answers.

Driven by the record's form, never a list of field names: a ``text`` or
``line`` answer, and anything not on the form, is sealed; every other answer
(dates, people, choices, yes/no, numbers, case references, tags) stays clear.
Structured answers keep their clear sub-fields: an action keeps its owner, due
date and status plus a stable random id (``a-`` and 10 base32 characters), never
a hash of its text; a decision keeps only its stable random id (``d-``...), so a
reader's chronology entries name it and a non-reader still sees how many there are. A disagreement stays clear only as ``disagreement: true`` or
``false``. The names of the non-empty sealed answers are listed (key paths, with
``[]`` for list items) so the server can still enforce required answers.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from supervision.forms.definition import FREE_TEXT_TYPES, Field, Form

DISAGREEMENT = "disagreement"
#: The key of the sealed block in a stored record; never a form field.
SEALED_KEY = "sealed"
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


#: The structured types whose items get a stable random id in the clear part, and its prefix.
ID_PREFIXES = {"actions": "a-", "decisions": "d-"}


def new_item_id(kind: str = "actions") -> str:
    return ID_PREFIXES[kind] + "".join(secrets.choice(_BASE32) for _ in range(10))


def is_item_id(value: Any, kind: str = "actions") -> bool:
    return (isinstance(value, str) and len(value) == 12 and value.startswith(ID_PREFIXES[kind])
            and all(c in _BASE32 for c in value[2:]))


def new_action_id() -> str:
    return new_item_id("actions")


def is_action_id(value: Any) -> bool:
    return is_item_id(value, "actions")


def _default_id(kind: str, _item: dict[str, Any]) -> str:
    return new_item_id(kind)


@dataclass
class Split:
    clear: dict[str, Any]
    sealed_fields: list[str] = field(default_factory=list)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, list | dict) and not value)


def _free_text(f: Field) -> bool:
    if f.type in FREE_TEXT_TYPES:
        return True
    if f.type == "list" and not f.fields:
        return f.of is None or f.of in FREE_TEXT_TYPES
    return False


ItemId = Callable[[str, dict[str, Any]], str]


def split(data: dict[str, Any], form: Form, item_id: ItemId = _default_id) -> Split:
    """``data`` (a parsed readable record) -> its clear part and sealed field names.

    ``item_id(kind, item)`` gives each action (``kind`` "actions") and decision
    ("decisions") its id (the sealer keeps the ids an earlier version gave the same
    wording); an id already in the item is kept.
    """
    out = Split({})
    out.clear = _mapping(data, form.fields, "", out.sealed_fields, item_id, top=True)
    return out


def _mapping(data: dict[str, Any], fields: tuple[Field, ...], prefix: str, names: list[str],
             item_id: ItemId, top: bool = False, kind: str | None = None) -> dict[str, Any]:
    by_name = {f.name: f for f in fields}
    clear: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        f = by_name.get(key) if isinstance(key, str) else None
        if top and key == DISAGREEMENT and f is not None and f.type == "text":
            clear[DISAGREEMENT] = not _empty(value)
            if not _empty(value):
                names.append(name)
            continue
        if kind is not None and key == "id" and is_item_id(value, kind):
            continue  # written below, first
        if f is None or _free_text(f):
            if not _empty(value):
                names.append(str(name))
            continue
        if f.is_mapping and isinstance(value, dict):
            inner = _mapping(value, f.fields, name + ".", names, item_id)
            if inner:
                clear[key] = inner
        elif f.fields and isinstance(value, list):
            items = []
            for item in value:
                if not isinstance(item, dict):
                    names.append(name + "[]")
                    continue
                ided = f.type if f.type in ID_PREFIXES else None
                inner = _mapping(item, f.fields, name + "[].", names, item_id, kind=ided)
                if ided is not None:
                    given = item.get("id")
                    inner = {"id": given if is_item_id(given, ided) else item_id(ided, item),
                             **inner}
                items.append(inner)
            if any(items):
                clear[key] = items
        else:
            clear[key] = value
    if top:
        names[:] = list(dict.fromkeys(names))
    return clear


def item_ids(clear: dict[str, Any], form: Form,
             data: dict[str, Any] | None = None) -> dict[tuple[Any, ...], str]:
    """The stable ids of a clear part's actions and decisions, by the key path of their
    item in ``data``: the readable record the clear part was made from (its list items in
    the same order, as :func:`split` keeps them), or the clear part itself when None."""
    out: dict[tuple[Any, ...], str] = {}

    def visit(value: Any, cleared: Any, fields: tuple[Field, ...], path: tuple[Any, ...]
              ) -> None:
        if not isinstance(value, dict) or not isinstance(cleared, dict):
            return
        for f in fields:
            mine, theirs = value.get(f.name), cleared.get(f.name)
            if f.is_mapping:
                visit(mine, theirs, f.fields, path + (f.name,))
            elif f.fields and isinstance(mine, list) and isinstance(theirs, list):
                items = [(i, item) for i, item in enumerate(mine) if isinstance(item, dict)]
                for (index, item), clear_item in zip(items, theirs, strict=False):
                    here = path + (f.name, index)
                    if f.type not in ID_PREFIXES:
                        visit(item, clear_item, f.fields, here)
                    elif isinstance(clear_item, dict) and is_item_id(clear_item.get("id"),
                                                                     f.type):
                        out[here] = clear_item["id"]

    visit(data if data is not None else clear, clear, form.fields, ())
    return out

"""A record split into its clear part and the names of its sealed answers.

Driven by the record's form, never a list of field names: a ``text`` or
``line`` answer, and anything not on the form, is sealed; every other answer
(dates, people, choices, yes/no, numbers, case references, tags) stays clear.
Structured answers keep their clear sub-fields: an action keeps its owner, due
date and status plus a stable random id (``a-`` and 10 base32 characters), never
a hash of its text. A disagreement stays clear only as ``disagreement: true`` or
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


def new_action_id() -> str:
    return "a-" + "".join(secrets.choice(_BASE32) for _ in range(10))


def is_action_id(value: Any) -> bool:
    return (isinstance(value, str) and len(value) == 12 and value.startswith("a-")
            and all(c in _BASE32 for c in value[2:]))


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


def split(data: dict[str, Any], form: Form,
          action_id: Callable[[dict[str, Any]], str] = lambda _item: new_action_id()) -> Split:
    """``data`` (a parsed readable record) -> its clear part and sealed field names.

    ``action_id(item)`` gives each action its id (the sealer keeps the ids an
    earlier version gave the same action); an id already in the item is kept.
    """
    out = Split({})
    out.clear = _mapping(data, form.fields, "", out.sealed_fields, action_id, top=True)
    return out


def _mapping(data: dict[str, Any], fields: tuple[Field, ...], prefix: str, names: list[str],
             action_id: Callable[[dict[str, Any]], str], top: bool = False,
             actions: bool = False) -> dict[str, Any]:
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
        if actions and key == "id" and is_action_id(value):
            continue  # written below, first
        if f is None or _free_text(f):
            if not _empty(value):
                names.append(str(name))
            continue
        if f.is_mapping and isinstance(value, dict):
            inner = _mapping(value, f.fields, name + ".", names, action_id)
            if inner:
                clear[key] = inner
        elif f.fields and isinstance(value, list):
            items = []
            for item in value:
                if not isinstance(item, dict):
                    names.append(name + "[]")
                    continue
                inner = _mapping(item, f.fields, name + "[].", names, action_id,
                                 actions=f.type == "actions")
                if f.type == "actions":
                    given = item.get("id")
                    inner = {"id": given if is_action_id(given) else action_id(item), **inner}
                items.append(inner)
            if any(items):
                clear[key] = items
        else:
            clear[key] = value
    if top:
        names[:] = list(dict.fromkeys(names))
    return clear

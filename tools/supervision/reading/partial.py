"""Who a record is about, and the part of it that belongs to one person.

A subject access request (``supervision export``) gets every record about a person.
Most records are about two people (a supervisor and a supervisee, a reviewer and the
pair reviewed) and are that person's records in full. Two kinds are not:

* a **group session**: what was said is about everyone in the group, so its free text
  is not tied to one person;
* a record that names the person **only as the owner of an action** (or as who
  cancelled it, or who acts on an immediate issue): the record is about other people.

For those, :func:`part_for` keeps the answers that are not free text (dates, people,
status, length, themes, yes/no) and the person's own actions in full, and leaves out
every free-text answer, every list item that is not theirs and anything not on the
form. What is free text comes from the form (``text`` and ``line`` fields), as it
does for the privacy guard.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from supervision.forms.definition import FREE_TEXT_TYPES, Field, Form
from supervision.forms.validate import is_empty

#: Top-level fields that make a record wholly about the person they name (not for a
#: group session).
WHOLE_FIELDS = ("supervisee", "supervisor", "reviewer")
GROUP_FORM = "group-session"

WHOLE, PART = "whole", "part"


@dataclass(frozen=True)
class Involvement:
    """How a record names one person: the labels of the fields that name them (in the
    form's order, each once: "Supervisee", "Owner") and whether the record is theirs in full (``whole``) or in part."""

    roles: tuple[str, ...]
    copy: str

    @property
    def whole(self) -> bool:
        return self.copy == WHOLE


def _names(f: Field, value: Any, person: str) -> bool:
    if f.type == "person":
        return value == person
    if f.type == "list" and f.of == "person" and isinstance(value, list):
        return person in value
    return False


def involvement(form: Form, data: dict[str, Any], person: str) -> Involvement | None:
    """How the record names ``person`` (any field of type person, at any depth), or None
    when it does not name them at all."""
    roles: list[str] = []
    whole = False

    def visit(fields: tuple[Field, ...], value: Any, top: bool) -> None:
        nonlocal whole
        if not isinstance(value, dict):
            return
        for f in fields:
            here = value.get(f.name)
            if is_empty(here):
                continue
            if _names(f, here, person):
                if f.title not in roles:
                    roles.append(f.title)
                if top and f.name in WHOLE_FIELDS and form.key != GROUP_FORM:
                    whole = True
            if f.fields and isinstance(here, dict):
                visit(f.fields, here, False)
            elif f.fields and isinstance(here, list):
                for item in here:
                    visit(f.fields, item, False)

    visit(form.fields, data, True)
    if not roles:
        return None
    return Involvement(tuple(roles), WHOLE if whole else PART)


def _owned(fields: tuple[Field, ...], item: Any, person: str) -> bool:
    """A list item is the person's own when one of its person fields names them (an
    action's owner, an immediate issue's 'who acts')."""
    return isinstance(item, dict) and any(
        _names(f, item.get(f.name), person) for f in fields)


def _keep(fields: tuple[Field, ...], data: dict[str, Any],
          person: str) -> tuple[tuple[Field, ...], dict[str, Any]]:
    kept_fields: list[Field] = []
    kept: dict[str, Any] = {}
    for f in fields:
        value = data.get(f.name)
        if is_empty(value) or f.type in FREE_TEXT_TYPES:
            continue
        if f.fields and isinstance(value, list):
            mine = [item for item in value if _owned(f.fields, item, person)]
            if mine:
                kept_fields.append(f)
                kept[f.name] = mine
        elif f.fields and isinstance(value, dict):
            if _owned(f.fields, value, person):
                kept_fields.append(f)
                kept[f.name] = value
                continue
            sub_fields, sub = _keep(f.fields, value, person)
            if sub:
                kept_fields.append(dataclasses.replace(f, fields=sub_fields))
                kept[f.name] = sub
        elif not f.fields:
            kept_fields.append(f)
            kept[f.name] = value
    return tuple(kept_fields), kept


def part_for(form: Form, data: dict[str, Any], person: str) -> tuple[Form, dict[str, Any]]:
    """The form and answers of ``person``'s part of a record: no free text except in
    their own list items, no item that is not theirs, nothing off the form."""
    fields, kept = _keep(form.fields, data, person)
    return dataclasses.replace(form, fields=fields), kept


def left_out_note(form: Form) -> str:
    """The sentence a part copy carries, saying what was left out and why."""
    if form.key == GROUP_FORM:
        return ("This is a group record: what was said in it is about everyone in the "
                "group, so its written answers are left out of this copy. Your own "
                "actions are kept, with the dates, people and other details.")
    return ("This record is about other people and names you only in part (for example "
            "as the owner of an action), so only that part is in this copy: your own "
            "actions and the details that are not written answers.")

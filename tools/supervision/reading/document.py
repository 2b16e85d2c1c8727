"""A record's answers as blocks, in the form's order, with the form's labels.

The form says what each answer is (``forms/definition.py``): free text becomes
paragraphs, a group a headed section, a list of single answers a bullet list, a
list of short answers (actions, the review of last time's actions, cases by
reference) a table, a list of longer ones numbered items, decisions numbered
items with their reasons. The immediate-risk block and a disagreement are marked.
The record kind is left out (the title says it). Anything in the file that is
not on the form is still shown, labelled as such, so nothing in a record is
hidden from the person about to sign it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from supervision.forms.definition import Field, Form
from supervision.forms.validate import is_empty
from supervision.forms.yamlparse import KeyPath
from supervision.reading import words
from supervision.reading.model import (
    DISAGREEMENT,
    PLAIN,
    RISK,
    Answer,
    Block,
    Bullets,
    Items,
    Section,
    Table,
)
from supervision.signing.signoff import disagreement_keypath

SKIPPED = frozenset({"kind"})  # the document's title says what kind of record it is
NOT_ON_FORM = "not on the form"
#: A line starting a list item: "- ", "* ", "1. ", "a) "...
_LIST_ITEM = re.compile(r"\s*(?:[-*\u2022\u2013]\s|\(?[0-9]{1,2}[.)]\s|\(?[a-z][.)]\s)")
_WRAPPED = 50  # paragraphs whose lines are all shorter than this keep every line break
#: Types shown in one short line (so a list of them fits a table row).
_SHORT = frozenset({"line", "date", "time", "integer", "minutes", "yesno", "choice", "person",
                    "school", "case_ref", "id", "email", "fingerprint", "tags", "record",
                    "version", "item"})


class _Builder:
    def __init__(self, form: Form, people: Mapping[str, str],
                 schools: Mapping[str, str]) -> None:
        self.people = people
        self.schools = schools
        self.disagreement = disagreement_keypath(form)

    # -- single values ---------------------------------------------------------------
    def word(self, value: Any, type_name: str | None) -> str | None:
        """One answer in words, or None when it is empty."""
        if is_empty(value):
            return None
        if type_name == "person" and isinstance(value, str):
            return words.person(value, self.people)
        if type_name == "school" and isinstance(value, str):
            return words.school(value, self.schools)
        if type_name == "date":
            return words.date_text(value)
        if type_name == "yesno":
            return words.yes_no(value)
        if type_name == "text" and isinstance(value, str):
            return _paragraphs(value)
        return words.plain(value)

    # -- fields ------------------------------------------------------------------------
    def fields(self, fields: tuple[Field, ...], data: Any, keypath: KeyPath) -> list[Block]:
        mapping = data if isinstance(data, dict) else {}
        out: list[Block] = []
        for f in fields:
            if not keypath and f.name in SKIPPED:
                continue
            out.append(self.field(f, mapping.get(f.name), keypath + (f.name,)))
        known = {f.name for f in fields}
        out += [self.extra(str(k), v) for k, v in mapping.items() if k not in known]
        return out

    def field(self, f: Field, value: Any, keypath: KeyPath) -> Block:
        if f.type in ("group", "risk"):
            return self.group(f, value, keypath)
        if f.type in ("actions", "review", "decisions", "list"):
            return self.listing(f, value, keypath)
        if f.type == "tags":
            items = value if isinstance(value, list) else [value]
            shown = [words.plain(v) for v in items if not is_empty(v)]
            return Answer(f.title, ", ".join(shown) or None)
        text = self.word(value, f.type)
        if keypath == self.disagreement and text is not None:
            return Section(f.title, [Answer("", text, long=True)], DISAGREEMENT,
                           "A disagreement is recorded in this record.")
        return Answer(f.title, text, long=f.type == "text")

    def group(self, f: Field, value: Any, keypath: KeyPath) -> Block:
        if is_empty(value):
            return Section(f.title, [])
        if not isinstance(value, dict):
            return Answer(f.title, self.word(value, None))
        blocks = self.fields(f.fields, value, keypath)
        if f.type == "risk" and value.get("raised") is True:
            return Section(f.title, blocks, RISK, "An immediate safeguarding issue came to "
                           "light: see what was agreed below.")
        return Section(f.title, blocks, PLAIN)

    def listing(self, f: Field, value: Any, keypath: KeyPath) -> Block:
        items = [] if is_empty(value) else value if isinstance(value, list) else [value]
        items = [item for item in items if not is_empty(item)]
        parts = f.fields
        if not parts:  # a list of single answers, e.g. of: person
            return Bullets(f.title, [text for item in items
                                     if (text := self.word(item, f.of)) is not None])
        odd = any(not isinstance(item, dict) or set(item) - {p.name for p in parts}
                  for item in items)
        if f.type in ("actions", "review"):
            table = True  # each row: the action, then short answers about it
        else:
            table = f.type == "list" and all(p.type in _SHORT for p in parts)
        if table and not odd:
            return Table(f.title, tuple(p.title for p in parts),
                         [[self.cell(p, item.get(p.name), f.type) for p in parts]
                          for item in items])
        return Items(f.title, [
            self.fields(parts, item, keypath + (index,)) if isinstance(item, dict)
            else [Answer("", self.word(item, None), long=True)]
            for index, item in enumerate(items)])

    def cell(self, part: Field, value: Any, list_type: str) -> str | None:
        if list_type == "actions" and part.name == "status" and is_empty(value):
            return str(part.default)  # the tools count an action without a status as open
        return self.word(value, part.type)

    def extra(self, key: str, value: Any) -> Block:
        """An answer the form does not have (a misspelt or invented field)."""
        label = f"{words.humanise(key)} ({NOT_ON_FORM})"
        if isinstance(value, dict):
            return Section(label, [self.extra(str(k), v) for k, v in value.items()])
        if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
            return Bullets(label, [words.plain(v) for v in value if not is_empty(v)])
        return Answer(label, None if is_empty(value) else _paragraphs(words.plain(value)),
                      long=True)


def _paragraphs(text: str) -> str:
    """Free text with the line breaks its writer meant and none of their editor's.

    Blank lines (paragraphs) and lines starting a list ("- ", "1. ") are kept; a
    line break after a line nearly as long as the paragraph's longest is where an
    editor wrapped the text, so it becomes a space and each format wraps the text
    to its own width. Short lines keep their breaks."""
    out = []
    for para in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").strip("\n")):
        lines = [line.rstrip() for line in para.split("\n")]
        longest = max(len(line) for line in lines)
        joined = lines[0]
        item = _indent(lines[0]) if _LIST_ITEM.match(lines[0]) else None
        for before, line in zip(lines, lines[1:], strict=False):
            if _LIST_ITEM.match(line):
                item, soft = _indent(line), False
            elif item is not None and _indent(line) <= item:  # the list has ended
                item, soft = None, False
            else:  # an item's indented continuation, or a line of the paragraph
                soft = longest >= _WRAPPED and len(before) >= 0.7 * longest
            joined += f" {line.strip()}" if soft else f"\n{line}"
        out.append(joined)
    return "\n\n".join(out)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def build(form: Form, data: Any, people: Mapping[str, str],
          schools: Mapping[str, str]) -> list[Block]:
    """The record's answers as blocks. ``people`` and ``schools``: id -> name."""
    return _Builder(form, people, schools).fields(form.fields, data, ())

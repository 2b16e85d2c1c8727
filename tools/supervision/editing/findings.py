"""Each finding of `supervision check` beside the field it is about.

A finding names its place as ``line:col`` of the checked text and, nearly always,
the field as a quoted path (``'case_management.discussion' (Discussion) is
empty``). The field named in the message wins (a missing field is reported at the
line of the field before it); otherwise the line and column are mapped back
through the parsed document: a key or list item starting there, a value whose
source text holds that place (a name found inside a block of free text), or the
nearest key before it. The place then climbs to the closest control on the page;
what has none (the file as a whole, settings) is shown at the top. Messages are
the checker's own, which never repeat what was typed; hints written for someone
editing the YAML ("after the colon") are said in the page's words.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass

from supervision.editing.model import Row, Widget, walk
from supervision.forms.validate import display
from supervision.forms.yamlparse import Document, KeyPath
from supervision.problems import Problem

_QUOTED = re.compile(r"'([^']+)'")
#: Hints written for someone editing the YAML, in the page's words instead.
PAGE_HINTS = {
    "Write your answer after the colon (or under the '|'). If nothing applies, write 'none' "
    "and say why.": "Write your answer in the box. If nothing applies, write 'none' and "
                    "say why.",
    "Add at least one entry (lines starting with '- ').": "Add at least one with its Add "
                                                           "button.",
    "Choose one of the values listed in the comment above the field.": "Choose one of the "
                                                                       "options.",
}


@dataclass(frozen=True, slots=True)
class Placed:
    """A finding on the page: where it shows (a control's id, "" for the top)."""

    target: str
    label: str
    problem: Problem


def _places(widgets: list[Widget], fixed: dict[KeyPath, str]) -> dict[KeyPath, tuple[str, str]]:
    out: dict[KeyPath, tuple[str, str]] = {kp: ("", label) for kp, label in fixed.items()}
    for item in walk(widgets):
        if isinstance(item, Row):
            out[item.kp] = (item.id, f"row {item.index + 1}")
        else:
            out[item.kp] = (item.id, item.title)
    return out


def _keypath(doc: Document, line: int, col: int) -> KeyPath | None:
    exact = [kp for kp, pos in doc.positions.items() if pos == (line, col) and kp]
    if exact:
        return max(exact, key=len)
    lines = doc.text.split("\n")
    if 1 <= line <= len(lines):
        offset = sum(len(text) + 1 for text in lines[:line - 1]) + col - 1
        for start, end, _style, kp in doc.spans:
            if start <= offset < end or (start == offset == end):
                return kp
    before = sorted((pos, kp) for kp, pos in doc.positions.items() if kp)
    at = bisect.bisect_right([pos for pos, _kp in before], (line, col)) - 1
    return before[at][1] if at >= 0 else None


def place(problems: list[Problem], doc: Document | None, widgets: list[Widget],
          fixed: dict[KeyPath, str] | None = None) -> list[Placed]:
    """Each finding with the id of the control it belongs beside ("" for the top).

    ``fixed``: the fields shown as text (kind, date...): their findings go at the top,
    labelled with the field."""
    places = _places(widgets, fixed or {})
    by_name = {display(kp): kp for kp in places}
    out = []
    for p in problems:
        kp: KeyPath | None = None
        for quoted in _QUOTED.findall(p.message):
            if quoted in by_name:
                kp = by_name[quoted]
                break
        if kp is None and doc is not None and p.path == doc.path:
            kp = _keypath(doc, p.line, p.col)
        while kp and kp not in places:
            kp = kp[:-1]
        target, label = places.get(kp, ("", "")) if kp else ("", "")
        if p.hint in PAGE_HINTS:
            p = dataclasses.replace(p, hint=PAGE_HINTS[p.hint])
        out.append(Placed(target, label, p))
    return out

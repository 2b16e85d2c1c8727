"""Waivers: a stated reason to allow one privacy finding on one line.

A waiver is a YAML comment at the end of the line holding the finding::

    setting: Meeting room two, school office 01632 960000  # supervision: allow PRIVACY-PHONE - the school office number, not a family's

It names the rule (several may be given, separated by commas) and, after a dash
or colon, the reason in at least two words. It covers only findings of the rules
it names on its own line. Inside a block of text (after ``|`` or ``>``) a
``#`` is part of the text, not a comment; a waiver written there still counts,
and stays part of the text. A waiver inside a quoted value does not count.

PyYAML drops comments, so waivers are read from the raw text. A waiver without
a reason, or naming a rule that does not exist or cannot be waived, waives
nothing and is itself an error; a waiver that covers no finding is a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from supervision.forms.yamlparse import Span
from supervision.problems import Problem
from supervision.rules import RULES, problem

MARKER = "supervision:"
_WAIVER = re.compile(r"(?:^|(?<=[ \t]))#[ \t]*supervision:[ \t]*allow\b([^\n]*)", re.M)
_RULES = re.compile(r"[ \t]*([A-Za-z][A-Za-z0-9-]*(?:[ \t]*,[ \t]*[A-Za-z][A-Za-z0-9-]*)*)")
_SEPARATOR = re.compile(r"^[ \t]*[-–—:]+[ \t]*")
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True, slots=True)
class Waiver:
    line: int
    col: int
    rules: tuple[str, ...]
    reason: str
    error: str | None = None  # why it waives nothing; None when it is valid


def find(text: str, spans: Iterable[Span], waivable: frozenset[str]) -> list[Waiver]:
    """Every waiver comment in a file's text (``spans`` locate its quoted values)."""
    if MARKER not in text:
        return []
    quoted = [(start, end) for start, end, style, _kp in spans if style in ("'", '"')]
    found: list[Waiver] = []
    for m in _WAIVER.finditer(text):
        at = m.start()
        if any(start <= at < end for start, end in quoted):
            continue
        line = text.count("\n", 0, at) + 1
        col = at - text.rfind("\n", 0, at)
        found.append(_parse(m.group(1), line, col, waivable))
    return found


def _parse(body: str, line: int, col: int, waivable: frozenset[str]) -> Waiver:
    m = _RULES.match(body)
    if m is None:
        return Waiver(line, col, (), "", "the waiver names no rule; name the rule id shown "
                      "with the finding, e.g. PRIVACY-PHONE")
    rules = tuple(r.strip().upper() for r in m.group(1).split(","))
    reason = _SEPARATOR.sub("", body[m.end():]).strip()
    for rule in rules:
        if rule not in RULES:
            return Waiver(line, col, rules, reason,
                          "the waiver names a rule id that does not exist; copy the rule id "
                          "shown with the finding")
        if rule not in waivable:
            return Waiver(line, col, rules, reason,
                          f"{rule} cannot be waived; only privacy findings can")
    if len(_WORD.findall(reason)) < 2:
        return Waiver(line, col, rules, reason,
                      "the waiver gives no reason; after the rule id write why this is "
                      "not identifying, e.g. '- the school office number'")
    return Waiver(line, col, rules, reason)


def apply(path: str, waivers: list[Waiver], problems: list[Problem]) -> list[Problem]:
    """``problems`` without the waived findings, plus findings about the waivers."""
    if not waivers:
        return problems
    by_line = {w.line: w for w in reversed(waivers) if w.error is None}
    used: set[tuple[int, str]] = set()
    kept: list[Problem] = []
    for p in problems:
        waiver = by_line.get(p.line)
        if waiver is not None and p.rule in waiver.rules:
            used.add((p.line, p.rule))
            continue
        kept.append(p)
    for w in waivers:
        if w.error is not None:
            kept.append(problem("PRIVACY-WAIVER-INVALID", path, w.line, w.col,
                                f"this waiver waives nothing: {w.error}"))
            continue
        for rule in w.rules:
            if (w.line, rule) not in used:
                kept.append(problem("PRIVACY-WAIVER-UNUSED", path, w.line, w.col,
                                    f"this waiver allows {rule}, but there is no {rule} "
                                    "finding on this line"))
    return kept


def collect(root: Path, relpaths: Iterable[str], waivable: frozenset[str]) -> list[
        tuple[str, Waiver]]:
    """Every waiver in these record files, in path and line order."""
    from supervision.forms.yamlparse import parse_file

    out: list[tuple[str, Waiver]] = []
    for relpath in relpaths:
        try:
            text = (root / relpath).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if MARKER not in text:
            continue
        doc, _problems = parse_file(str(root / relpath), relpath)
        spans = doc.spans if doc is not None else []
        out += [(relpath, w) for w in find(text, spans, waivable)]
    return out

"""Print findings for people (text) or programs (JSON).

Text: one ``path:line:col: RULE-ID message`` line per finding with an indented
hint, then a one-line summary. JSON: an array of finding objects with the keys
``path, line, col, rule, severity, message, hint``.
"""

from __future__ import annotations

import json
from typing import TextIO

from supervision.problems import ERROR, WARNING, Problem


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and the noun it takes: "1 record", "2 records", "3 people".

    The one way every message and command writes a count next to a noun (never
    "record(s)"); ``many`` is the plural when it is not the noun plus "s".
    """
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def text(problems: list[Problem], out: TextIO, summary: str | None = None) -> None:
    for p in problems:
        label = "" if p.severity == ERROR else f"({p.severity}) "
        out.write(f"{p.path}:{p.line}:{p.col}: {p.rule} {label}{p.message}\n")
        if p.hint:
            out.write(f"    hint: {p.hint}\n")
    if summary:
        out.write(summary + "\n")


def json_array(problems: list[Problem], out: TextIO) -> None:
    json.dump([p.as_dict() for p in problems], out, indent=2, ensure_ascii=False)
    out.write("\n")


def summarise(problems: list[Problem], files_checked: int, noun: str = "record") -> str:
    errors = sum(1 for p in problems if p.severity == ERROR)
    warnings = sum(1 for p in problems if p.severity == WARNING)
    files = len({p.path for p in problems})
    checked = plural(files_checked, noun)
    if not problems:
        if files_checked == 0:
            return f"No {noun}s to check."
        every = "" if files_checked == 1 else "All "
        return f"{every}{checked} checked: no problems found."
    parts = []
    if errors:
        parts.append(plural(errors, "error"))
    if warnings:
        parts.append(plural(warnings, "warning"))
    what = checked if files_checked else f"no {noun}s"
    return f"{' and '.join(parts)} in {plural(files, 'file')} ({what} checked)."

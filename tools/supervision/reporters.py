"""Print findings for people (text) or programs (JSON).

Text: one ``path:line:col: RULE-ID message`` line per finding with an indented
hint, then a one-line summary. JSON: an array of finding objects with the keys
``path, line, col, rule, severity, message, hint``.
"""

from __future__ import annotations

import json
from typing import TextIO

from supervision.problems import ERROR, WARNING, Problem


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
    plural = noun if files_checked == 1 else f"{noun}s"
    if not problems:
        return f"All {files_checked} {plural} checked: no problems found."
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return (f"{' and '.join(parts)} in {files} file{'s' if files != 1 else ''} "
            f"({files_checked} {plural} checked).")

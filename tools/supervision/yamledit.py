"""Small, targeted edits to YAML text that keep every comment and line as it was.

People fill records and settings by hand and the files carry guidance
comments, so commands that must change a file (``keys`` adds a fingerprint,
``sign --disagree`` writes a disagreement) change only the lines of the one
field concerned, then re-read the result and check that nothing else moved.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from supervision.yamlparse import Document, KeyPath, parse_text


class EditError(Exception):
    """The edit cannot be made safely; the file is left alone."""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _blank(line: str) -> bool:
    return not line.strip()


def _value_end(lines: list[str], start: int, col: int, key: bool) -> int:
    """Index just past the lines belonging to the key (or list item) on line ``start``.

    They are the following lines indented deeper than ``col``, and for a key also
    its ``- item`` lines at the same indentation; trailing blank lines and
    comments at the key's own level or above are left to what follows.
    """
    end = start + 1
    last = start + 1
    while end < len(lines):
        line = lines[end]
        if _blank(line):
            end += 1
            continue
        indent = _indent(line)
        deeper = indent > col or (key and indent == col and line[indent:].startswith("- "))
        if not deeper:
            break
        end += 1
        last = end
    return last


def _scalar(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _set(data: Any, keypath: KeyPath, value: Any) -> Any:
    copied = copy.deepcopy(data)
    target = copied
    for part in keypath[:-1]:
        target = target[part]
    target[keypath[-1]] = value
    return copied


def _checked(new_text: str, doc: Document, keypath: KeyPath, value: Any) -> str:
    """Re-read the edited text: only ``keypath`` may differ, and it must hold ``value``."""
    new_doc, problems = parse_text(new_text, doc.path)
    if new_doc is None or problems or new_doc.data != _set(doc.data, keypath, value):
        raise EditError(f"could not change '{'.'.join(map(str, keypath))}' in {doc.path} "
                        "without touching other fields")
    return new_text


def _insert_point(lines: list[str], doc: Document, parent: KeyPath) -> tuple[int, int]:
    """Where a new key goes at the end of the mapping at ``parent``: (line index, indent)."""
    if not parent:
        return len(lines), 0
    line, col = doc.positions.get(parent, (0, 0))
    if not line:
        raise EditError(f"{doc.path} has no '{'.'.join(map(str, parent))}' to add to")
    if isinstance(parent[-1], int):  # a list item: "- key: ..." with keys at col
        return _value_end(lines, line - 1, col - 2, key=False), col - 1
    children = [pos for kp, pos in doc.positions.items()
                if len(kp) == len(parent) + 1 and kp[:-1] == parent]
    indent = min(c for _l, c in children) - 1 if children else col + 1
    return _value_end(lines, line - 1, col - 1, key=True), indent


def set_list(text: str, doc: Document, keypath: KeyPath, values: list[str]) -> str:
    """Write the list at ``keypath`` as ``key: [a, b]``, adding the key if missing."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    name = str(keypath[-1])
    flow = "[" + ", ".join(values) + "]"
    if keypath in doc.positions:
        line, col = doc.positions[keypath]
        start = line - 1
        end = _value_end(lines, start, col - 1, key=True)
        lines[start:end] = [" " * (col - 1) + f"{name}: {flow}\n"]
    else:
        at, indent = _insert_point(lines, doc, keypath[:-1])
        lines[at:at] = [" " * indent + f"{name}: {flow}\n"]
    return _checked("".join(lines), doc, keypath, list(values))


def set_text(text: str, doc: Document, keypath: KeyPath, value: str) -> str:
    """Write ``value`` as a literal block (``key: |``) at ``keypath``."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    name = str(keypath[-1])
    body = "\n".join(part.rstrip() for part in value.strip("\n").split("\n"))
    if keypath in doc.positions:
        line, col = doc.positions[keypath]
        start, indent = line - 1, col - 1
        end = _value_end(lines, start, indent, key=True)
    else:
        start, indent = _insert_point(lines, doc, keypath[:-1])
        end = start
    pad = " " * (indent + 2)
    if "\t" in body or "\r" in body or not body.strip():
        lines[start:end] = [" " * indent + f"{name}: {_scalar(body)}\n"]
        return _checked("".join(lines), doc, keypath, body)
    marker = "|2" if body[0] == " " else "|"
    lines[start:end] = [" " * indent + f"{name}: {marker}\n"] + [
        (pad + part if part else "") + "\n" for part in body.split("\n")]
    return _checked("".join(lines), doc, keypath, body + "\n")

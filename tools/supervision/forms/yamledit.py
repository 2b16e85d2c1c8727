"""Small, targeted edits to YAML text that keep every comment and line as it was.

People fill records and settings by hand and the files carry guidance
comments, so commands that must change a file (``keys`` adds a fingerprint,
``sign --disagree`` writes a disagreement, ``cancel`` marks a session cancelled)
change only the lines of the fields concerned, then re-read the result and
check that nothing else moved. Re-dumping through a YAML library would drop the
comments and reflow people's answers (``reassign`` changes a session's supervisor
line with :func:`set_scalar`). Anything unusual raises :class:`EditError` and nothing
is written.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from supervision.forms.yamlparse import Document, KeyPath, parse_text


class EditError(Exception):
    """The edit cannot be made safely; the file is left alone."""


#: The name ``supervision cancel`` uses for the same refusal.
EditRefused = EditError

_SCALAR_LINE = re.compile(r"^(?P<key>[^#]*?:)(?P<gap>[ \t]*)(?P<value>[^#\n]*?)"
                          r"(?P<rest>[ \t]*(#.*)?)$")


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


_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._'()-]*\Z")


def set_scalar(text: str, doc: Document, keypath: KeyPath, value: str) -> str:
    """Replace a one-line scalar's value (``supervisor: old-id`` -> ``new-id``), keeping
    the line's comment; written plain when YAML reads it back as the same text."""
    where = doc.positions.get(keypath)
    if where is None:
        raise EditError(f"{doc.path} has no '{'.'.join(map(str, keypath))}' line to change")
    nl = _newline(text)
    lines = text.split(nl)
    index = where[0] - 1
    match = _SCALAR_LINE.match(lines[index])
    current = match.group("value").strip() if match else ""
    if match is None or not current or current[0] in "|>[{&*!":
        raise EditError(f"the value of '{'.'.join(map(str, keypath))}' is not on the same "
                        "line as its name")
    lead = f"{match.group('key')}{match.group('gap') or ' '}"
    for written in ([value] if _PLAIN.match(value) else []) + [_scalar(value)]:
        lines[index] = f"{lead}{written}{match.group('rest')}"
        try:
            return _checked(nl.join(lines), doc, keypath, value)
        except EditError:
            continue  # plain text YAML reads as something else (a number, yes/no): quote it
    raise EditError(f"could not write '{'.'.join(map(str, keypath))}' in {doc.path}")


# -- cancelling a session (supervision cancel) --------------------------------------
def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _top_level_block(lines: list[str], start: int) -> int:
    """Index after the last line of the top-level entry starting at line ``start``."""
    end = start + 1
    last = start + 1
    while end < len(lines):
        line = lines[end]
        stripped = line.strip()
        if stripped and not line[:1].isspace():
            break
        if stripped:
            last = end + 1
        end += 1
    return last


def cancel_edit(text: str, doc: Document, details: dict[str, str]) -> str:
    """``status: cancelled`` plus a ``cancellation`` group holding ``details``.

    ``details`` maps sub-field names to YAML-ready scalars, in order. The status
    line keeps its comment; an existing ``cancellation`` entry is replaced; a
    new one goes straight after the status line.
    """
    nl = _newline(text)
    lines = text.split(nl)
    where = doc.positions.get(("status",))
    if where is None or where[1] != 1:
        raise EditRefused("the record has no top-level 'status' line to change")
    index = where[0] - 1
    match = _SCALAR_LINE.match(lines[index])
    if match is None or not match.group("value").strip():
        raise EditRefused("the 'status' value is not on the same line as 'status:'")
    lines[index] = (f"{match.group('key')}{match.group('gap') or ' '}cancelled"
                    f"{match.group('rest')}")
    block = ["cancellation:"] + [f"  {name}: {value}" for name, value in details.items()]
    existing = doc.positions.get(("cancellation",))
    if existing is not None:
        if existing[1] != 1:
            raise EditRefused("the 'cancellation' entry is not at the left margin")
        start = existing[0] - 1
        end = _top_level_block(lines, start)
        lines[start:end] = block
    else:
        lines[index + 1:index + 1] = block
    return nl.join(lines)


def prove(before: Document, after_text: str, path: str, changed: set[str]) -> Document:
    """Parse ``after_text``; only the top-level keys in ``changed`` may differ."""
    after, problems = parse_text(after_text, path)
    if after is None or problems or not isinstance(after.data, dict):
        raise EditRefused("the edited text would not be valid YAML")
    old: dict[str, Any] = before.data
    new: dict[str, Any] = after.data
    for key in set(old) | set(new):
        if key not in changed and old.get(key) != new.get(key):
            raise EditRefused(f"the edit would also change '{key}'")
    return after


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, keeping its permissions."""
    mode = path.stat().st_mode & 0o777
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

"""Small, careful edits to a record's YAML text that keep its comments and layout.

Re-dumping a record through a YAML library would drop the guidance comments and
reflow the answers people wrote. Instead these functions change only the lines
they must, using the positions :mod:`supervision.yamlparse` reports, and then
prove the edit: the new text is parsed again and must hold exactly the old
record plus the intended change. Anything unusual (a flow-style record, a value
split over lines) raises :class:`EditRefused` and nothing is written.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from supervision.yamlparse import Document, parse_text

_SCALAR_LINE = re.compile(r"^(?P<key>[^#]*?:)(?P<gap>[ \t]*)(?P<value>[^#\n]*?)"
                          r"(?P<rest>[ \t]*(#.*)?)$")


class EditRefused(Exception):
    """The file's layout is not one the careful edit understands."""


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

"""Give a record new answers while every other line of the file stays as it was.

``rewrite(text, doc, new)`` returns ``text`` changed so that it reads back as
``new``: any answer, including actions, decisions, the review of last time's
actions, groups and lists of mappings, which :mod:`supervision.forms.yamledit`'s
line edits do not cover. It compares the parsed document with ``new`` and changes
as little as it can:

* a one-line value that changed (plain or quoted, in block or flow style): only
  its characters; the key, a comment after it and the rest of the line stay;
* a block mapping: key by key; a key it lacks goes after its previous sibling;
* a block list: items are matched (``difflib``); a changed item is edited the same
  way, a removed item's lines are deleted, a new item is written as block lines
  at the list's indentation;
* anything else (a block scalar, an empty value, a flow collection whose shape
  changed): the lines of that one key or item are written again, and nothing else.

Guidance comments above a field always stay. The result is read back: it must
parse cleanly and give exactly ``new`` (types included: ``yes`` is not ``1``), or
:class:`~supervision.forms.yamledit.EditError` is raised and nothing should be
written. If the first attempt fails that proof, a second one writes new strings in
double quotes only. Messages name fields, never the answers.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any

from supervision.forms.yamledit import EditError
from supervision.forms.yamlparse import Document, KeyPath, parse_text, resolve_plain

#: A flow collection written again stays one line when it fits in this many columns
#: (or is at most a little longer than the line was).
FLOW_WIDTH = 100

_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # what PyYAML counts as a line break
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_NUMBERISH = re.compile(r"[-+.]?[0-9]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def same(a: Any, b: Any) -> bool:
    """Equal as data, types included (``True`` is not ``1``; dict order does not count)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


# -- writing values ------------------------------------------------------------------
def _quoted(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", out)


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or _UNSAFE.search(text) or "\t" in text:
        return False
    if "\n" in text or "\r" in text or text[0] in _INDICATORS:
        return False
    # ':' keeps times quoted (YAML 1.1 readers take a bare 14:30 for a number).
    if ":" in text or " #" in text or (flow and any(c in text for c in ",[]{}")):
        return False
    if _NUMBERISH.match(text) and not _DATE.match(text):
        return False
    if text.lower() in ("y", "n"):
        return False
    return resolve_plain(text) == text


def scalar(value: Any, flow: bool = False) -> str:
    """``value`` as a one-line YAML scalar: plain when that reads back the same, else quoted."""
    if value is None:
        return "null" if flow else ""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    return text if _plain_ok(text, flow) else _quoted(text)


def _block_ok(text: str) -> bool:
    """Whether ``text`` can be written as a literal block (``|`` or ``|-``)."""
    if "\n" not in text or "\t" in text or "\r" in text or _UNSAFE.search(text):
        return False
    body = text[:-1] if text.endswith("\n") else text
    if not body or body.endswith("\n") or body[0] in " \n":
        return False
    return all(line == line.rstrip() for line in body.split("\n"))


class _Render:
    """Block-style YAML lines (each with its indentation, without a line break)."""

    def __init__(self, safe: bool) -> None:
        self.safe = safe

    def block(self, value: Any) -> bool:
        return isinstance(value, str) and not self.safe and _block_ok(value)

    def literal(self, head: str, value: str, indent: int) -> list[str]:
        marker = "|" if value.endswith("\n") else "|-"
        body = value[:-1] if value.endswith("\n") else value
        return [f"{head} {marker}"] + [(" " * indent + line) if line else ""
                                       for line in body.split("\n")]

    def scalar(self, value: Any) -> str:
        return _quoted(value) if self.safe and isinstance(value, str) else scalar(value)

    def key(self, name: str, value: Any, indent: int) -> list[str]:
        head = f"{' ' * indent}{scalar(name)}:"
        if isinstance(value, dict) and value:
            out = [head]
            for sub, item in value.items():
                out += self.key(str(sub), item, indent + 2)
            return out
        if isinstance(value, list) and value:
            out = [head]
            for item in value:
                out += self.item(item, indent + 2)
            return out
        if isinstance(value, dict | list):
            return [f"{head} {'{}' if isinstance(value, dict) else '[]'}"]
        if self.block(value):
            return self.literal(head, value, indent + 2)
        return [f"{head} {self.scalar(value)}".rstrip()]

    def item(self, value: Any, dash: int) -> list[str]:
        pad = " " * dash
        if isinstance(value, dict | list) and value:
            lines: list[str] = []
            if isinstance(value, dict):
                for sub, item in value.items():
                    lines += self.key(str(sub), item, dash + 2)
            else:
                for item in value:
                    lines += self.item(item, dash + 2)
            lines[0] = f"{pad}- {lines[0][dash + 2:]}"
            return lines
        if isinstance(value, dict | list):
            return [f"{pad}- {'{}' if isinstance(value, dict) else '[]'}"]
        if self.block(value):
            return self.literal(f"{pad}-", value, dash + 2)
        return [f"{pad}- {self.scalar(value)}".rstrip()]

    def flow(self, value: Any) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{scalar(str(k), True)}: {self.flow(v)}"
                                   for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.flow(v) for v in value) + "]"
        if self.safe and isinstance(value, str):
            return _quoted(value)
        return scalar(value, flow=True)


# -- planning the edits ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Edit:
    start: int  # character offsets into the original text
    end: int
    text: str


class _Rewrite(Exception):
    """Inside a flow collection: the whole collection must be written again."""


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


class _Planner:
    def __init__(self, text: str, doc: Document, safe: bool) -> None:
        self.text = text
        self.doc = doc
        self.nl = "\r\n" if "\r\n" in text else "\n"
        self.starts = [0] + [m.end() for m in _BREAK.finditer(text)]
        self.ends = [m.start() for m in _BREAK.finditer(text)] + [len(text)]
        self.spans = {kp: (start, end, style) for start, end, style, kp in doc.spans}
        self.render = _Render(safe)
        self.edits: list[_Edit] = []

    # -- where things are ------------------------------------------------------------
    def line(self, index: int) -> str:
        return self.text[self.starts[index]:self.ends[index]]

    def offset(self, kp: KeyPath) -> int:
        line, col = self.where(kp)
        return self.starts[line - 1] + col - 1

    def where(self, kp: KeyPath) -> tuple[int, int]:
        found = self.doc.positions.get(kp)
        if found is None:
            raise EditError(f"cannot find '{_show(kp)}' in {self.doc.path}")
        return found

    def block_end(self, index: int, col: int, key: bool) -> int:
        """Offset just past the lines belonging to the key (or item) on line ``index``
        whose key (or dash) is at 0-based column ``col``: the lines indented deeper,
        for a key also its ``- item`` lines at the same column. Comments count when
        deeper, or when deeper lines follow them; blank lines at the end do not."""
        last = index + 1
        i = index + 1
        while i < len(self.starts):
            line = self.line(i)
            stripped = line.strip()
            if not stripped:
                i += 1
                continue
            indent = len(line) - len(line.lstrip(" "))
            if stripped.startswith("#"):
                if indent > col:
                    last = i + 1
                i += 1
                continue
            rest = line[indent:]
            item = rest.startswith("-") and (len(rest) == 1 or rest[1] in " \t")
            if not (indent > col or (key and indent == col and item)):
                break
            i += 1
            last = i
        return self.starts[last] if last < len(self.starts) else len(self.text)

    def dash(self, kp: KeyPath) -> tuple[int, int]:
        """(line index, 0-based column) of the ``-`` of the block list item at ``kp``."""
        line, col = self.where(kp)
        text = self.line(line - 1)
        i = col - 2
        while i >= 0 and text[i] == " ":
            i -= 1
        if i < 0 or text[i] != "-" or text[:i].strip(" -"):
            raise EditError(f"'{_show(kp)}' in {self.doc.path} is not a plain list item")
        return line - 1, i

    def is_flow(self, kp: KeyPath, value: dict[str, Any] | list[Any]) -> bool:
        if kp and isinstance(kp[-1], int):
            return self.text[self.offset(kp):self.offset(kp) + 1] in ("{", "[")
        if not kp:
            return False
        first: str | int = next(iter(value)) if isinstance(value, dict) else 0
        return self.where(kp + (first,))[0] == self.where(kp)[0]

    # -- the comparison ---------------------------------------------------------------
    def node(self, kp: KeyPath, old: Any, new: Any, flow: bool) -> None:
        if same(old, new):
            return
        if not isinstance(old, dict | list) and not isinstance(new, dict | list) and \
                self.in_place(kp, new, flow):
            return
        shape = type(old) is type(new) and isinstance(old, dict | list) and bool(old)
        if shape and (flow or self.is_flow(kp, old)):
            self.flow_collection(kp, old, new, flow)
        elif shape and isinstance(old, dict) and isinstance(new, dict) and new:
            self.mapping(kp, old, new)
        elif shape and isinstance(old, list) and isinstance(new, list) and new:
            self.sequence(kp, old, new)
        elif flow:
            raise _Rewrite
        else:
            self.replace(kp, new)

    def in_place(self, kp: KeyPath, new: Any, flow: bool) -> bool:
        """Replace a one-line scalar's own characters, when it has any."""
        span = self.spans.get(kp)
        if span is None or span[2] not in ("", "'", '"'):
            return False
        if _BREAK.search(self.text, span[0], span[1]):
            return False
        if not flow and (new is None or self.render.block(new)):
            return False
        written = self.render.flow(new) if flow else self.render.scalar(new)
        self.edits.append(_Edit(span[0], span[1], written))
        return True

    def flow_collection(self, kp: KeyPath, old: Any, new: Any, flow: bool) -> None:
        fits = (list(old) == list(new)) if isinstance(old, dict) else len(old) == len(new)
        mark = len(self.edits)
        try:
            if not fits:
                raise _Rewrite
            for k in (list(old) if isinstance(old, dict) else range(len(old))):
                self.node(kp + (k,), old[k], new[k], flow=True)
        except _Rewrite:
            if flow:
                raise
            del self.edits[mark:]
            self.replace(kp, new, prefer_flow=True)

    def mapping(self, kp: KeyPath, old: dict[str, Any], new: dict[str, Any]) -> None:
        gone = [k for k in old if k not in new]
        if gone and any(self.on_dash_line(kp + (k,)) for k in gone):
            if not kp:
                raise EditError(f"cannot remove fields from {self.doc.path}")
            self.replace(kp, new)
            return
        for k in gone:
            line, col = self.where(kp + (k,))
            start = self.starts[line - 1]
            self.edits.append(_Edit(start, self.block_end(line - 1, col - 1, True), ""))
        previous: str | None = None
        for k, value in new.items():
            if k in old:
                self.node(kp + (k,), old[k], value, flow=False)
                previous = k
            else:
                self.insert_key(kp, old, k, value, previous)

    def on_dash_line(self, kp: KeyPath) -> bool:
        line, col = self.where(kp)
        return "-" in self.line(line - 1)[:col - 1]

    def insert_key(self, kp: KeyPath, old: dict[str, Any], name: str, value: Any,
                   after: str | None) -> None:
        keys = list(old)
        indent = self.where(kp + (keys[0],))[1] - 1
        anchor = after if after is not None else keys[-1]
        line, col = self.where(kp + (anchor,))
        at = self.block_end(line - 1, col - 1, True)
        lines = self.render.key(name, value, indent)
        self.edits.append(_Edit(at, at, self.nl.join(lines) + self.nl))

    def sequence(self, kp: KeyPath, old: list[Any], new: list[Any]) -> None:
        _line, dash = self.dash(kp + (0,))
        matcher = difflib.SequenceMatcher(None, [_canon(v) for v in old],
                                          [_canon(v) for v in new], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
            for d in range(paired):
                self.node(kp + (i1 + d,), old[i1 + d], new[j1 + d], flow=False)
            for i in range(i1 + paired, i2):
                self.delete_item(kp + (i,))
            if j2 - j1 > paired:
                self.insert_items(kp, i1 + paired - 1, new[j1 + paired:j2], dash)

    def item_range(self, kp: KeyPath) -> tuple[int, int, int]:
        """(start of the item's first line, end of its block, dash column)."""
        index, dash = self.dash(kp)
        return self.starts[index], self.block_end(index, dash, False), dash

    def delete_item(self, kp: KeyPath) -> None:
        start, end, _dash = self.item_range(kp)
        self.edits.append(_Edit(start, end, ""))

    def insert_items(self, kp: KeyPath, after: int, items: list[Any], dash: int) -> None:
        at = self.item_range(kp + (0,))[0] if after < 0 else self.item_range(kp + (after,))[1]
        lines = [line for item in items for line in self.render.item(item, dash)]
        self.edits.append(_Edit(at, at, self.nl.join(lines) + self.nl))

    # -- writing one key or item again ----------------------------------------------
    def replace(self, kp: KeyPath, new: Any, prefer_flow: bool = False) -> None:
        if not kp:
            raise EditError(f"cannot write the whole of {self.doc.path} again")
        if isinstance(kp[-1], int):
            index, dash = self.dash(kp)
            start = self.starts[index] + dash
            end = self.block_end(index, dash, False)
            lines = self.render.item(new, dash)
            if prefer_flow and isinstance(new, dict | list):
                flow = self.render.flow(new)
                if dash + 2 + len(flow) <= self.width(index):
                    lines = [f"{' ' * dash}- {flow}"]
            self.edits.append(_Edit(start, end, self.nl.join([lines[0][dash:], *lines[1:]])
                                    + self.nl))
            return
        line, col = self.where(kp)
        indent = col - 1
        start = self.starts[line - 1] + indent
        end = self.block_end(line - 1, indent, True)
        lines = self.render.key(str(kp[-1]), new, indent)
        if prefer_flow and isinstance(new, dict | list):
            flow = f"{scalar(str(kp[-1]))}: {self.render.flow(new)}"
            if indent + len(flow) <= self.width(line - 1):
                lines = [" " * indent + flow]
        first = lines[0][indent:]
        comment = self.comment_after(kp, line - 1)
        if comment and len(lines) == 1:
            first += comment
        self.edits.append(_Edit(start, end, self.nl.join([first, *lines[1:]]) + self.nl))

    def width(self, index: int) -> int:
        """How long a flow collection written again on line ``index`` may be."""
        return max(FLOW_WIDTH, len(self.line(index).rstrip()) + 20)

    def comment_after(self, kp: KeyPath, index: int) -> str:
        """A comment at the end of a key's line holding a one-line value (kept on rewrite)."""
        span = self.spans.get(kp)
        line_end = self.ends[index]
        if span is not None:
            if span[1] > line_end or span[2] in ("|", ">"):
                return ""
            rest = self.text[span[1]:line_end]
        else:
            key_at = self.offset(kp)
            colon = self.text.find(":", key_at, line_end)
            if colon < 0:
                return ""
            rest = self.text[colon + 1:line_end]
        stripped = rest.lstrip(" ")
        if not stripped.startswith("#") or not rest[:1].isspace():
            return ""
        return "  " + stripped.rstrip()


def _show(kp: KeyPath) -> str:
    return ".".join(str(p + 1) if isinstance(p, int) else p for p in kp) or "the record"


def _apply(text: str, edits: list[_Edit], nl: str) -> str:
    ordered = sorted(enumerate(edits), key=lambda pair: (pair[1].start, pair[0]))
    out: list[str] = []
    pos = 0
    for _seq, edit in ordered:
        if edit.start < pos:
            raise EditError("two changes overlap")
        chunk = edit.text
        if chunk and edit.start == len(text) and text and not _BREAK.match(text[-1]):
            chunk = nl + chunk
        out.append(text[pos:edit.start])
        out.append(chunk)
        pos = edit.end
    out.append(text[pos:])
    return "".join(out)


def rewrite(text: str, doc: Document, new: dict[str, Any]) -> str:
    """``text`` (whose parse is ``doc``) changed to read as ``new``; see the module doc."""
    if not isinstance(doc.data, dict) or not isinstance(new, dict):
        raise EditError(f"{doc.path} is not a set of fields")
    if same(doc.data, new):
        return text
    for safe in (False, True):
        planner = _Planner(text, doc, safe)
        try:
            planner.mapping((), doc.data, new)
            out = _apply(text, planner.edits, planner.nl)
        except (EditError, _Rewrite):
            continue
        after, problems = parse_text(out, doc.path)
        if after is not None and not problems and same(after.data, new):
            return out
    raise EditError(f"could not write the answers into {doc.path} without touching "
                    "other fields; nothing was written")

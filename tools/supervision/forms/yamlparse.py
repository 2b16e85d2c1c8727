"""Read one YAML file safely and remember where every field is.

Records are parsed from PyYAML's event stream (the C parser when present), and
values are built here rather than by PyYAML's constructors, so that:

* nothing but plain mappings, lists, strings, numbers, booleans and nulls can
  come out (no tags, no Python objects);
* anchors and aliases are refused before anything is expanded, so a "billion
  laughs" file costs nothing;
* duplicate keys are reported instead of silently overwritten;
* every key and list item keeps its line and column for messages;
* every non-empty scalar value keeps where its source text starts and ends
  (character offsets into the file's text) and its quoting style, so the
  privacy scanner can point at the exact line and column of what it finds;
* dates and times stay text until the form says what they are, so 2026-02-30
  becomes a located finding instead of a crash.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from supervision.problems import Problem
from supervision.rules import problem

try:  # the C parser is ~10x faster; fall back quietly when libyaml is absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

KeyPath = tuple[str | int, ...]
#: Where a scalar value's source text is: (start, end, style, keypath). Offsets index
#: ``Document.text``; style is "" (plain), "'" or '"' (quoted), "|" or ">" (block).
Span = tuple[int, int, str, KeyPath]

DEFAULT_MAX_BYTES = 1_000_000
MAX_DEPTH = 40

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})
_FALSE = frozenset({"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"})
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)\Z")
_FLOAT = re.compile(r"[-+]?(?:[0-9][0-9_]*)?\.[0-9]+(?:[eE][-+]?[0-9]+)?\Z")
_STANDARD_TAGS = frozenset(
    {None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
)


@dataclass(slots=True)
class Document:
    """A parsed record: its data, the position of every key and item, and the
    source text with the span of every non-empty scalar value (in file order)."""

    path: str
    data: Any
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    text: str = ""
    spans: list[Span] = field(default_factory=list)

    def where(self, keypath: KeyPath) -> tuple[int, int]:
        """Line and column of ``keypath``, or of its nearest ancestor that exists."""
        while keypath:
            found = self.positions.get(keypath)
            if found is not None:
                return found
            keypath = keypath[:-1]
        return self.positions.get((), (1, 1))


class _Stop(Exception):
    """Raised inside the builder to abandon a document after a fatal finding."""


def resolve_plain(value: str) -> Any:
    """Type of an unquoted scalar: null, bool, int, float or text (dates stay text)."""
    if value in _NULLS:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    first = value[0]
    if first.isdigit() or first in "+-.":
        if _INT.match(value):
            return int(value.replace("_", ""))
        if _FLOAT.match(value):
            return float(value.replace("_", ""))
    return value


def _pos(mark: Any) -> tuple[int, int]:
    """1-based (line, column) of a PyYAML mark."""
    return mark.line + 1, mark.column + 1


class _Builder:
    def __init__(self, path: str, events: Iterator[yaml.Event]) -> None:
        self.path = path
        self.events = events
        self.positions: dict[KeyPath, tuple[int, int]] = {}
        self.spans: list[Span] = []
        self.problems: list[Problem] = []

    def fail(self, rule: str, mark: Any, message: str) -> None:
        self.problems.append(problem(rule, self.path, mark.line + 1, mark.column + 1, message))

    def node(self, event: yaml.Event, keypath: KeyPath, depth: int) -> Any:
        if isinstance(event, yaml.AliasEvent):
            self.fail("YAML-ALIAS", event.start_mark,
                      f"an alias (*{event.anchor}) is used; records must not use aliases")
            raise _Stop
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.fail("YAML-ALIAS", event.start_mark,
                      f"an anchor (&{anchor}) is defined; records must not use anchors")
            raise _Stop
        tag = getattr(event, "tag", None)
        if tag not in _STANDARD_TAGS:
            self.fail("YAML-TAG", event.start_mark, f"the tag {tag} is not allowed in a record")
            raise _Stop
        if depth > MAX_DEPTH:
            self.fail("YAML-SYNTAX", event.start_mark,
                      f"the file is nested more than {MAX_DEPTH} levels deep")
            raise _Stop
        if isinstance(event, yaml.ScalarEvent):
            if event.value:
                start, end = event.start_mark, event.end_mark
                if start is not None and end is not None:
                    self.spans.append((start.index, end.index, event.style or "", keypath))
            if event.implicit[0] and tag is None:  # plain (unquoted) scalar
                return resolve_plain(event.value)
            return event.value
        if isinstance(event, yaml.MappingStartEvent):
            return self.mapping(keypath, depth)
        if isinstance(event, yaml.SequenceStartEvent):
            return self.sequence(keypath, depth)
        self.fail("YAML-SYNTAX", event.start_mark, f"unexpected {type(event).__name__}")
        raise _Stop

    def mapping(self, keypath: KeyPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        positions = self.positions
        for key_event in self.events:
            if isinstance(key_event, yaml.MappingEndEvent):
                return result
            if not isinstance(key_event, yaml.ScalarEvent):
                self.fail("YAML-KEY-TYPE", key_event.start_mark,
                          "a field name must be a single word or phrase, not a list or mapping")
                raise _Stop
            key = key_event.value
            here = _pos(key_event.start_mark)
            child = keypath + (key,)
            value = self.node(next(self.events), child, depth + 1)
            if key in result:
                first = positions[child]
                self.problems.append(problem(
                    "YAML-DUPLICATE-KEY", self.path, here[0], here[1],
                    f"'{key}' appears again here; it was first given on line {first[0]}",
                ))
                continue
            positions[child] = here
            result[key] = value
        raise _Stop  # pragma: no cover - the parser always closes mappings

    def sequence(self, keypath: KeyPath, depth: int) -> list[Any]:
        result: list[Any] = []
        positions = self.positions
        for event in self.events:
            if isinstance(event, yaml.SequenceEndEvent):
                return result
            child = keypath + (len(result),)
            positions[child] = _pos(event.start_mark)
            result.append(self.node(event, child, depth + 1))
        raise _Stop  # pragma: no cover


def _decode(raw: bytes, path: str) -> tuple[str | None, list[Problem]]:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [problem(
            "FILE-ENCODING", path, line, col,
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8 text",
        )]


def _tab_problems(text: str, path: str) -> list[Problem]:
    if "\t" not in text:
        return []
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip(" \t")
        indent = line[: len(line) - len(stripped)]
        if "\t" in indent:
            found.append(problem("YAML-TAB", path, number, indent.index("\t") + 1,
                                 "a tab is used to indent this line"))
    return found


def _syntax_problem(exc: yaml.YAMLError, path: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    what = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"{context}, {what}" if context else what
    return problem("YAML-SYNTAX", path, line, col, message)


def parse_text(text: str, path: str) -> tuple[Document | None, list[Problem]]:
    """Parse YAML text; return the document (None when unusable) and findings."""
    tabs = _tab_problems(text, path)
    if tabs:
        return None, tabs
    loader = _Loader(text)
    try:
        events = iter(loader.get_event, None)  # a C-level iterator: no per-event frame
        builder = _Builder(path, events)
        data: Any = None
        seen_document = False
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                if seen_document:
                    builder.fail("YAML-MULTI-DOCUMENT", event.start_mark,
                                 "a second YAML document starts here")
                    return None, builder.problems
                seen_document = True
                data = builder.node(next(events), (), 0)
        builder.positions[()] = (1, 1)
    except _Stop:
        return None, builder.problems
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(exc, path)]
    finally:
        loader.dispose()
    if data is None or data == "":
        return None, [problem("FILE-EMPTY", path, 1, 1, "the file holds no fields")]
    return Document(path, data, builder.positions, text, builder.spans), builder.problems


#: The events that start a value (an alias is refused, so it is not among them).
_NODE_EVENTS = frozenset({yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent})


class _Values:
    """The values alone, for readers that need no positions (:func:`data_of_bytes`): the
    same refusals as :class:`_Builder`, in half its time (no key paths, positions or
    spans are made, and the events are told apart by their exact type)."""

    def __init__(self, events: Iterator[yaml.Event]) -> None:
        self.events = events

    def node(self, event: Any, depth: int) -> Any:  # a node event: Scalar, Mapping...
        kind = type(event)
        if kind not in _NODE_EVENTS or event.anchor is not None or \
                event.tag not in _STANDARD_TAGS or depth > MAX_DEPTH:
            raise _Stop  # an alias, anchor, tag or depth _Builder refuses
        if kind is yaml.ScalarEvent:
            if event.implicit[0] and event.tag is None:
                return resolve_plain(event.value)
            return event.value
        if kind is yaml.MappingStartEvent:
            result: dict[str, Any] = {}
            for key in self.events:
                if type(key) is yaml.MappingEndEvent:
                    return result
                if type(key) is not yaml.ScalarEvent:
                    raise _Stop
                value = self.node(next(self.events), depth + 1)
                result.setdefault(key.value, value)  # a duplicate: the first one counts
            raise _Stop  # pragma: no cover - the parser always closes mappings
        items: list[Any] = []  # a sequence
        for item in self.events:
            if type(item) is yaml.SequenceEndEvent:
                return items
            items.append(self.node(item, depth + 1))
        raise _Stop  # pragma: no cover


def data_of_bytes(raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """The data :func:`parse_bytes` gives for ``raw`` (None wherever it gives no
    document), without positions, spans or findings: for a reader that needs only the
    values of many files, such as verify reading every signed version in the history.
    tests/test_yaml_values.py compares the two on broken and odd files and on every
    form filled in."""
    if len(raw) > max_bytes:
        return None
    text, _problems = _decode(raw, "")
    if text is None or not text.strip() or _tab_problems(text, ""):
        return None
    loader = _Loader(text)
    try:
        events = iter(loader.get_event, None)
        values = _Values(events)
        data: Any = None
        seen_document = False
        for event in events:
            if type(event) is yaml.DocumentStartEvent:
                if seen_document:
                    return None
                seen_document = True
                data = values.node(next(events), 0)
    except (_Stop, yaml.YAMLError):
        return None
    finally:
        loader.dispose()
    return None if data is None or data == "" else data


def parse_bytes(
    raw: bytes, path: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[Document | None, list[Problem]]:
    if len(raw) > max_bytes:
        return None, [problem(
            "FILE-TOO-LARGE", path, 1, 1,
            f"the file is {len(raw):,} bytes; the limit is {max_bytes:,} bytes",
        )]
    text, problems = _decode(raw, path)
    if text is None:
        return None, problems
    if not text.strip():
        return None, [problem("FILE-EMPTY", path, 1, 1, "the file is empty")]
    return parse_text(text, path)


def parse_file(
    filename: str, display_path: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[Document | None, list[Problem]]:
    """Read and parse one file without ever loading more than ``max_bytes`` + 1."""
    try:
        with open(filename, "rb") as handle:
            raw = handle.read(max_bytes + 1)
            if len(raw) > max_bytes:
                handle.seek(0, 2)
                size = handle.tell()
                return None, [problem(
                    "FILE-TOO-LARGE", display_path, 1, 1,
                    f"the file is {size:,} bytes; the limit is {max_bytes:,} bytes",
                )]
    except OSError as exc:
        return None, [problem("FILE-UNREADABLE", display_path, 1, 1,
                              f"cannot read the file: {exc.strerror or exc}")]
    return parse_bytes(raw, display_path, max_bytes)

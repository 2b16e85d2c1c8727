"""The privacy guard: `supervision check` runs it on every record.

What is read, for each record:

* every free-text answer (fields of type ``text`` and ``line``), everything
  under a field that is not on the form, and every YAML comment, for
  identifiers (:mod:`.identifiers`); case references in the agreed format are
  pseudonyms and never count as identifiers, even when one happens to look
  like a postcode (C-AB12CD);
* the answers, comments and field names for names on the deny list and staff
  names from people.yml (:mod:`.names`). Names inside ids, dates and other
  checked values ("example-school") are not findings, but any other finding
  that would quote such a value has it removed.

Findings point at the exact line and column in the file: the parser keeps
where each value's source text starts and ends (:attr:`Document.spans`), and
scanning works on that source text, so plain, quoted and block values all map
back exactly (escapes in double-quoted values are decoded and aligned).

Speed: most records hold no digits in their answers and no word that starts a
listed name, so the common path is a few bytes operations per file
(:meth:`NameIndex.might_contain`, a digit map) and the detailed patterns run
only on the answers and comments that could match.

Messages name the kind of thing found and where, never the thing itself; any
other finding on the same record that happens to quote a flagged value has it
replaced by "[removed]".
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

from supervision.config import CONFIG_FILE
from supervision.forms.definition import FREE_TEXT_TYPES, Form, Profile
from supervision.forms.validate import display
from supervision.forms.yamlparse import Document, KeyPath, Span, parse_file
from supervision.privacy import denylist, waivers
from supervision.privacy.identifiers import find_identifiers
from supervision.privacy.names import NameIndex, words
from supervision.problems import Problem
from supervision.rules import problem

DENY = "PRIVACY-DENY-LIST-NAME"
STAFF = "PRIVACY-STAFF-NAME"

#: What each finding says was found (never the value itself).
KINDS = {
    "PRIVACY-UPN": "a Unique Pupil Number (UPN)",
    "PRIVACY-NHS-NUMBER": "an NHS number",
    "PRIVACY-NI-NUMBER": "a National Insurance number",
    "PRIVACY-POSTCODE": "a postcode",
    "PRIVACY-PHONE": "a phone number",
    "PRIVACY-EMAIL": "an email address",
    "PRIVACY-ADDRESS": "a street address with a house number",
    "PRIVACY-DOB": "what looks like a date of birth",
    DENY: "a name on the deny list",
    STAFF: "a staff member's name from people.yml",
}
#: The findings a waiver may allow.
WAIVABLE = frozenset(KINDS)

TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr")
SCANNED_TYPES = FREE_TEXT_TYPES
REMOVED = "[removed]"

# Where a value sits: not scanned for identifiers, a known free-text field, or a
# place the form does not have (scanned, and never named in messages).
NOT_SCANNED, KNOWN, UNKNOWN, COMMENT, KEY = 0, 1, 2, 3, 4

#: bytes map: digits and "@" become "0", so one find() says "any digit or @ here?".
_TRIGGER = bytes(48 if 48 <= c <= 57 or c == 64 else c for c in range(256))
#: Every byte but "#", newline and "0" (after _TRIGGER), for bytes.translate(None, ...).
_NOT_HASH_NL_DIGIT = bytes(c for c in range(256) if c not in (35, 10, 48))
_HASH_THEN_DIGIT = re.compile(rb"#[^\n]*0")
_COMMENT_MEMO_MAX = 20_000

#: (start, end, rule, keypath, where) of one hit, offsets into the file's text.
_Found = tuple[int, int, str, KeyPath, int]


@dataclass
class Guard:
    """Everything the scan needs for one repository, built once per check."""

    names: NameIndex
    problems: list[Problem] = field(default_factory=list)
    fingerprint: str = ""
    case_ref: re.Pattern[str] | None = None
    #: Comment lines the scaffold writes for each form (by id): never the writer's words.
    _guidance: dict[int, frozenset[str]] = field(default_factory=dict, repr=False)
    #: Each form (by id) with its profile, for working out its guidance when first needed.
    _forms: dict[int, tuple[Form, Profile]] = field(default_factory=dict, repr=False)
    _where: dict[int, dict[KeyPath, int]] = field(default_factory=dict, repr=False)
    _comments: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, root: Path, deny_list: str | None, staff_names: Iterable[str],
              case_ref_pattern: str | None, profiles: Iterable[Profile]) -> Guard:
        """The guard for one repository, from what it needs and nothing more.

        ``root`` is the repository folder (a relative deny-list path starts there);
        ``deny_list`` is the ``privacy.deny_list`` setting; ``staff_names`` the names
        in people.yml; ``profiles`` the loaded profiles (their forms' guidance
        comments are never the writer's words). The caller, :class:`RecordsRepo`,
        passes them in, so this package never imports the repository.
        """
        deny = denylist.load(root, deny_list)
        names = NameIndex()
        names.add_all(deny.names, DENY, priority=0)
        for name in staff_names:
            names.add(name, STAFF, priority=1)
            parts = words(name)
            if len(parts) >= 2:
                for title in TITLES:
                    names.add(f"{title} {parts[-1]}", STAFF, priority=1)
        problems = []
        if deny.error is not None:
            problems.append(_deny_list_problem(root, deny))
        elif deny.source == "none":
            problems.append(_deny_list_unset(root))
        digest = hashlib.sha256(
            f"{deny.source}\0{deny.path}\0{deny.digest}\0{deny.error}\0{names.count}".encode()
        ).hexdigest()
        pattern = case_ref_pattern
        case_ref = re.compile(pattern.removeprefix("^").removesuffix("$")) if pattern else None
        guard = cls(names, problems, digest, case_ref)
        for profile in profiles:
            for form in profile.forms.values():
                guard._forms[id(form)] = (form, profile)
        return guard

    # -- one record ------------------------------------------------------------------
    def review(self, doc: Document, form: Form | None, found: list[Problem]) -> list[Problem]:
        """The record's findings plus privacy findings, after waivers and redaction."""
        privacy, secrets = self.scan(doc, form)
        if secrets:
            pattern = _secret_pattern(secrets)
            found = [_redacted(p, pattern) for p in found]
        found = found + privacy
        found_waivers = waivers.find(doc.text, doc.spans, WAIVABLE)
        return waivers.apply(doc.path, found_waivers, found)

    def scan(self, doc: Document, form: Form | None) -> tuple[list[Problem], list[str]]:
        """Privacy findings for one parsed record, and the flagged text (never shown)."""
        text = doc.text
        if not text:
            return [], []
        where = self._where.setdefault(id(form), {})
        trigger = text.encode("ascii", "replace").translate(_TRIGGER)
        has_trigger = trigger.find
        hits: list[_Found] = []
        for start, end, style, keypath in doc.spans:
            if has_trigger(b"0", start, end) < 0:
                continue
            kind = where.get(keypath)
            if kind is None:
                kind = where[keypath] = _locate(form, keypath)
            if not kind:
                continue
            if style == "|" or style == ">":
                start = text.find("\n", start, end) + 1  # after the "|" line
                if not start or has_trigger(b"0", start, end) < 0:
                    continue
            for s, e, rule in self._identifiers(text[start:end]):
                hits.append((start + s, start + e, rule, keypath, kind))
        place = _Places(doc, self._guidance_of(form))
        hits += self._comments_with_digits(text, trigger, place)
        escaped = [span for span in doc.spans if span[2] == '"'
                   and text.find("\\", span[0], span[1]) >= 0] if "\\" in text else []
        if escaped or self.names.might_contain(text):
            hits += self._names(doc, form, where, place, escaped)
        return self._problems(doc, hits)

    def _guidance_of(self, form: Form | None) -> frozenset[str]:
        """The scaffold's comment lines for ``form``, worked out the first time it is met
        (a one-record check meets one or two forms, not every form of every profile)."""
        key = id(form)
        lines = self._guidance.get(key)
        if lines is None:
            known = self._forms.get(key)
            lines = _guidance_lines(*known) if known else frozenset()
            self._guidance[key] = lines
        return lines

    def _comments_with_digits(self, text: str, trigger: bytes, place: _Places) -> list[_Found]:
        """Identifiers in comments. Only lines holding a ``#`` and then a digit or ``@``
        are looked at; a bytes map of just "#", newlines and digits finds them."""
        compact = trigger.translate(None, _NOT_HASH_NL_DIGIT)
        matches = list(_HASH_THEN_DIGIT.finditer(compact))
        if not matches:
            return []
        lines = text.split("\n")
        offsets: list[int] | None = None
        out: list[_Found] = []
        for m in matches:
            number = compact.count(b"\n", 0, m.start())
            line = lines[number]
            at = line.find("#")
            while at >= 0:
                found = self._comment(line[at:])
                if found:
                    if offsets is None:
                        offsets = [0, *accumulate(len(x) + 1 for x in lines)]
                    start = offsets[number] + at
                    if place.is_user_comment(start):
                        out += [(start + s, start + e, rule, (), COMMENT)
                                for s, e, rule in found]
                        break
                at = line.find("#", at + 1)
        return out

    def _comment(self, comment: str) -> list[tuple[int, int, str]]:
        """Identifiers in one comment; the form's own guidance repeats, so remember it."""
        found = self._comments.get(comment)
        if found is None:
            if len(self._comments) > _COMMENT_MEMO_MAX:
                self._comments.clear()
            found = self._comments[comment] = self._identifiers(comment)
        return found

    def _identifiers(self, text: str) -> list[tuple[int, int, str]]:
        """Identifiers in ``text``, leaving alone case references in the agreed format."""
        hits = find_identifiers(text)
        if hits and self.case_ref is not None:
            refs = [(m.start(), m.end()) for m in self.case_ref.finditer(text)]
            hits = [h for h in hits if not any(h[0] < e and s < h[1] for s, e in refs)]
        return hits

    def _names(self, doc: Document, form: Form | None, where: dict[KeyPath, int],
               place: _Places, escaped: list[Span]) -> list[_Found]:
        text = doc.text
        spans = doc.spans
        starts = [span[0] for span in spans]
        out: list[_Found] = []
        for start, end, rule in self.names.find(text):
            index = bisect_right(starts, start) - 1
            if index >= 0 and start < spans[index][1]:
                keypath = spans[index][3]
                kind = where.get(keypath)
                if kind is None:
                    kind = where[keypath] = _locate(form, keypath)
            else:
                keypath = ()
                line_start = text.rfind("\n", 0, start) + 1
                hash_at = text.find("#", line_start, start)
                if hash_at < 0:
                    kind = KEY
                elif place.is_user_comment(hash_at):
                    kind = COMMENT
                else:
                    continue  # the form's own guidance, e.g. "who will do it"
            out.append((start, end, rule, keypath, kind))
        for start, end, _style, keypath in escaped:  # "Zo\u00eb": match the decoded value
            value = _value_at(doc.data, keypath)
            if not isinstance(value, str):
                continue
            for s, e, rule in self.names.find(value):
                at = _align(text, start + 1, end, value, s)
                out.append((at, at + (e - s), rule, keypath, where.get(keypath, UNKNOWN)))
        return out

    def _problems(self, doc: Document, hits: list[_Found]) -> tuple[list[Problem], list[str]]:
        if not hits:
            return [], []
        text = doc.text
        problems: list[Problem] = []
        secrets: list[str] = []
        seen: set[tuple[int, str]] = set()
        for start, end, rule, keypath, kind in sorted(hits):
            if (start, rule) in seen:
                continue
            seen.add((start, rule))
            secrets.append(text[start:end])
            if kind == NOT_SCANNED:
                continue  # an id or a date that contains a listed word ("example-school")
            line = text.count("\n", 0, start) + 1
            col = start - text.rfind("\n", 0, start)
            problems.append(problem(rule, doc.path, line, col,
                                    f"{KINDS[rule]} is written in {_place(keypath, kind)}"))
        return problems, secrets

    # -- other text ---------------------------------------------------------------------
    def redact(self, text: str) -> str:
        """``text`` with every identifier and listed name replaced by "[removed]"."""
        hits = [(s, e) for s, e, _rule in self._identifiers(text)]
        hits += [(s, e) for s, e, _rule in self.names.find(text)]
        for start, end in sorted(hits, reverse=True):
            text = text[:start] + REMOVED + text[end:]
        return text


class _Places:
    """Answers "is the ``#`` at this offset a comment someone wrote?" for one record:
    not inside a quoted or block value, and not a line of the form's own guidance."""

    def __init__(self, doc: Document, guidance: frozenset[str]) -> None:
        self.text = doc.text
        self.doc = doc
        self.guidance = guidance
        self._values: list[tuple[int, int]] | None = None

    def is_user_comment(self, at: int) -> bool:
        text = self.text
        if at and text[at - 1] not in " \t\n":
            return False  # "C#" or "issue#3": part of a value
        if self._values is None:
            self._values = [(s, e) for s, e, style, _kp in self.doc.spans if style]
        if _inside(self._values, at):
            return False
        line_start = text.rfind("\n", 0, at) + 1
        if text[line_start:at].strip():
            return True  # a comment after a value is always the writer's own
        end = text.find("\n", at)
        return text[at:end if end >= 0 else len(text)].rstrip() not in self.guidance


def _place(keypath: KeyPath, kind: int) -> str:
    if kind == COMMENT:
        return "a comment"
    if kind == KEY:
        return "a field name"
    if kind == UNKNOWN:
        return "a part of the record that is not on the form"
    return f"'{display(keypath)}'"


def _locate(form: Form | None, keypath: KeyPath) -> int:
    """Is the value at ``keypath`` free text (KNOWN), not (NOT_SCANNED), or off-form?"""
    if form is None:
        return UNKNOWN
    current = None
    for position, part in enumerate(keypath):
        if isinstance(part, int):
            if current is None or not current.is_list:
                return UNKNOWN
            if current.of is not None:
                if position != len(keypath) - 1:
                    return UNKNOWN
                return KNOWN if current.of in SCANNED_TYPES else NOT_SCANNED
            continue
        if current is not None and not current.fields:
            return UNKNOWN  # a single-value field holding a mapping
        container = form.fields if current is None else current.fields
        current = next((f for f in container if f.name == part), None)
        if current is None:
            return UNKNOWN
        if current.type == "tags":
            return NOT_SCANNED  # a tag not on the list is its own error, never echoed
    if current is None:
        return UNKNOWN
    if current.type in SCANNED_TYPES:
        return KNOWN
    if current.fields or current.is_list:
        return UNKNOWN  # a single value where a group or a list belongs
    return NOT_SCANNED


def _guidance_lines(form: Form, profile: Profile) -> frozenset[str]:
    """Every comment line `supervision new` writes for this form, blank or cancelled."""
    from supervision.forms.scaffold import render

    lines: set[str] = set()
    for values in ({}, {"status": "cancelled"}):
        for line in render(form, profile, values, "").splitlines():
            line = line.strip()
            if line.startswith("#") and "yaml-language-server" not in line:
                lines.add(line)
    return frozenset(lines)


def _inside(spans: list[tuple[int, int]], at: int) -> bool:
    """Is offset ``at`` inside one of ``spans`` (sorted, not overlapping)?"""
    index = bisect_right(spans, (at, float("inf"))) - 1
    return index >= 0 and spans[index][0] <= at < spans[index][1]


def _value_at(data: Any, keypath: KeyPath) -> Any:
    for part in keypath:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _align(text: str, start: int, end: int, value: str, offset: int) -> int:
    """Offset in ``text`` of ``value[offset]``, for a double-quoted value starting at
    ``start`` (after the quote): walk both, counting each escape as one character."""
    i, j = 0, start
    while j < end and i < offset:
        if text[j] == "\\":
            code = text[j + 1:j + 2]
            j += {"x": 4, "u": 6, "U": 10}.get(code, 2)
            if code == "\n":  # an escaped line break joins the lines
                while j < end and text[j] in " \t":
                    j += 1
                continue
        elif text[j] == "\n" or (text[j] in " \t" and i < len(value) and value[i] != text[j]):
            while j < end and text[j] in " \t\n":
                j += 1
        else:
            j += 1
        i += 1
    return j


def _secret_pattern(secrets: list[str]) -> re.Pattern[str]:
    alternatives = sorted({s for s in secrets if s.strip()}, key=len, reverse=True)
    body = "|".join(re.escape(s) for s in alternatives)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def _redacted(p: Problem, pattern: re.Pattern[str]) -> Problem:
    """``p`` with flagged text removed from its message and hint."""
    message = pattern.sub(REMOVED, p.message)
    hint = pattern.sub(REMOVED, p.hint)
    if message == p.message and hint == p.hint:
        return p
    return Problem(p.path, p.line, p.col, p.rule, p.severity, message, hint)


def _deny_list_unset(root: Path) -> Problem:
    """No deny list is set and none was turned off: said once per check, on the setting."""
    doc, _found = parse_file(str(root / CONFIG_FILE), CONFIG_FILE)
    line, col = doc.where(("privacy",)) if doc is not None else (1, 1)
    return problem("PRIVACY-DENY-LIST-UNSET", CONFIG_FILE, line, col,
                   "no names deny list is set, so the names of children and families are "
                   "not being checked (only staff names and identifying numbers are)")


def _deny_list_problem(root: Path, deny: denylist.DenyList) -> Problem:
    line, col = 1, 1
    if deny.source == "config":
        where = f"set in {CONFIG_FILE} (privacy: deny_list:)"
        doc, _found = parse_file(str(root / CONFIG_FILE), CONFIG_FILE)
        if doc is not None:
            line, col = doc.where(("privacy", "deny_list"))
    else:
        where = f"named by the {denylist.ENV} environment variable"
    return problem("PRIVACY-DENY-LIST", CONFIG_FILE, line, col,
                   f"the names deny list {where}, {deny.path}, {deny.error}; names of "
                   "children and families are not being checked")

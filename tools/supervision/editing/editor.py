"""The form page's logic for one record, without HTTP: open, post a button, check.

Every post carries the version of the file the page was built from (its git blob
id, in a hidden field); the editor keeps the text of each version it served, so
the answers are always read against the version the person saw
(:func:`supervision.editing.answers.read_answers`). Saving refuses, keeping the
answers on the page, when the file on disk is no longer that version: someone or
something else changed it, and their change is never overwritten.

Checking while typing writes the record as it would be saved to a temporary copy
(in a private folder, deleted straight after) and runs ``check_record`` on it: the
checks of `supervision check`, privacy guard included. After saving, the whole
`supervision check PATH` runs, time rules included.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from supervision.checker import Checker, check_record
from supervision.editing import answers, prefill
from supervision.editing.findings import Placed, place
from supervision.editing.model import (
    Options,
    Widget,
    build,
    fixed_fields,
    html_id,
    identity_origins,
    parse_name,
    shown_fields,
)
from supervision.forms.definition import Form
from supervision.forms.yamlblocks import rewrite, same
from supervision.forms.yamledit import EditError, write_atomically
from supervision.forms.yamlparse import Document, KeyPath, parse_bytes
from supervision.problems import ERROR, Problem
from supervision.reading import words
from supervision.repo import RecordsRepo

VERSION = "__version"
CONFLICT = ("Someone or something changed this file since you opened it; your answers "
            "are kept on the page.")
CONFLICT_HINT = ("Nothing was saved. Copy anything you need from the page, then press "
                 "\"Load the file as it is now\" to see the other change.")
REVIEW_NOTE = ("Copied from the open actions of the last session: say what happened to "
               "each. Not saved yet.")
CLAUSE_NOTE = "The policy's wording, for the two of you to agree or change. Not saved yet."


@dataclass
class SubmitOutcome:
    """What "Submit and sign" did: the lines `supervision submit` would print."""

    ok: bool
    lines: list[str] = field(default_factory=list)
    message: str = ""
    hint: str = ""


Submitter = Callable[[RecordsRepo, str], SubmitOutcome]


@dataclass
class Message:
    kind: str  # ok, error, info
    text: str
    hint: str = ""
    lines: list[str] = field(default_factory=list)


@dataclass
class View:
    """Everything the page template shows."""

    relpath: str
    form: Form | None = None
    header: list[tuple[str, str]] = field(default_factory=list)
    widgets: list[Widget] = field(default_factory=list)
    fields: str = ""
    version: str = ""
    placed: list[Placed] = field(default_factory=list)
    checked: bool = False
    message: Message | None = None
    focus: str = ""
    dirty: bool = False
    terminal_needed: bool = False
    conflict: bool = False
    confirm_done: bool = False
    closed: bool = False
    extra: list[str] = field(default_factory=list)
    options: Options = field(default_factory=Options)
    unreadable: list[Problem] = field(default_factory=list)

    def at(self, target: str) -> list[Placed]:
        return [p for p in self.placed if p.target == target]

    @property
    def top(self) -> list[Placed]:
        return self.at("")

    @property
    def errors(self) -> int:
        return sum(1 for p in self.placed if p.problem.severity == ERROR)

    @property
    def warnings(self) -> int:
        return len(self.placed) - self.errors


class Unreadable(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("unreadable")
        self.problems = problems


def blob_id(raw: bytes) -> str:
    """The git blob id of ``raw`` (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()  # noqa: S324 - git's id


class Editor:
    def __init__(self, repo: RecordsRepo, relpath: str, today: dt.date,
                 submitter: Submitter | None = None, terminal_needed: bool = False) -> None:
        self.repo = repo
        self.relpath = relpath
        self.path = repo.root / relpath
        self.today = today
        self.submitter = submitter
        self.terminal_needed = terminal_needed
        self.lock = threading.Lock()
        self.texts: dict[str, str] = {}
        #: The answers when the form was first opened: an answer emptied again goes back
        #: to exactly how it was then (absent, null or "").
        self.opened: dict[str, Any] | None = None
        self.folder = tempfile.mkdtemp(prefix="supervision-edit-")
        self._refs: set[str] | None = None

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- reading the file -------------------------------------------------------------
    def _read(self) -> tuple[str, Document, Form]:
        """(version, parsed document, form) of the file as it is on disk now."""
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise Unreadable([Problem(self.relpath, 1, 1, "FILE-UNREADABLE", ERROR,
                                      f"cannot read the file: {exc.strerror or exc}",
                                      "Check the path.")]) from None
        version = blob_id(raw)
        doc = self._parse(raw)
        self.texts[version] = doc.text
        return version, doc, self._form(doc)

    def _parse(self, raw: bytes) -> Document:
        limit = self.repo.config.max_record_bytes if self.repo.config else 1_000_000
        doc, problems = parse_bytes(raw, self.relpath, limit)
        if doc is None or problems or not isinstance(doc.data, dict):
            raise Unreadable(problems)
        return doc

    def _form(self, doc: Document) -> Form:
        from supervision.signing.signoff import form_of

        form = form_of(self.repo, doc.data)
        if form is None:
            raise Unreadable([Problem(self.relpath, 1, 1, "SCHEMA-KIND", ERROR,
                                      "the record's kind or school has no form here",
                                      "Run `supervision check` on it.")])
        return form

    def options(self, data: dict[str, Any]) -> Options:
        people = sorted(((pid, f"{p.name} ({pid})") for pid, p in self.repo.people.items()),
                        key=lambda pair: pair[1].lower())
        config = self.repo.config
        schools = [(sid, f"{s.name} ({sid})") for sid, s in config.schools.items()] \
            if config else []
        profile = self.repo.profile_for(data.get("school") if isinstance(
            data.get("school"), str) else None)
        return Options(people, schools, profile.themes if profile else (),
                       sorted(self.case_refs(data)))

    def case_refs(self, data: dict[str, Any]) -> set[str]:
        """The case references already used in this school's records."""
        if self._refs is None:
            from supervision.privacy.caserefs import used_references

            pattern = self.repo.config.case_ref_pattern if self.repo.config else ""
            school = data.get("school")
            prefix = f"records/{school}/" if isinstance(school, str) else "records/"
            files = [p for p in self.repo.record_files() if p.startswith(prefix)]
            self._refs = used_references(self.repo.root, pattern, files) if pattern else set()
        return self._refs

    # -- what the page shows -----------------------------------------------------------
    def _view(self, form: Form, data: dict[str, Any], origins: dict[KeyPath, int],
              version: str, **kw: Any) -> View:
        notes = kw.pop("notes", {})
        options = self.options(data)
        widgets = build(form, data, options, origins, notes)
        fixed = fixed_fields(form)
        names = {pid: p.name for pid, p in self.repo.people.items()}
        schools = {sid: s.name for sid, s in self.repo.config.schools.items()} \
            if self.repo.config else {}
        header = []
        for f in form.fields:
            if f.name not in fixed or f.name == "kind" or f.name not in data:
                continue
            value = data[f.name]
            if f.type == "person" and isinstance(value, str):
                shown = words.person(value, names)
            elif f.type == "school" and isinstance(value, str):
                shown = words.school(value, schools)
            elif f.type == "date":
                shown = words.date_text(value)
            else:
                shown = words.plain(value)
            header.append((f.title, shown))
        known = {f.name for f in form.fields}
        view = View(self.relpath, form, header, widgets,
                    " ".join(f.name for f in shown_fields(form, data) if f.name not in fixed),
                    version, extra=[str(k) for k in data if k not in known], options=options,
                    terminal_needed=self.terminal_needed, **kw)
        try:
            current = self._parse(self.path.read_bytes()).data
            view.dirty = not same(current, data)
        except (OSError, Unreadable):
            view.dirty = True
        return view

    def _fixed(self, form: Form) -> dict[KeyPath, str]:
        return {(f.name,): f.title for f in form.fields if f.name in fixed_fields(form)}

    def open(self, message: Message | None = None) -> View:
        with self.lock:
            try:
                version, doc, form = self._read()
            except Unreadable as exc:
                return View(self.relpath, unreadable=exc.problems)
            if self.opened is None:
                self.opened = copy.deepcopy(doc.data)
            data = copy.deepcopy(doc.data)
            origins = identity_origins(data)
            notes: dict[KeyPath, str] = {}
            where = prefill.review(self.repo, form, data)
            if where is not None:
                notes[where] = REVIEW_NOTE
            for kp in prefill.contract_clauses(form, data):
                notes[kp] = CLAUSE_NOTE
            return self._view(form, data, origins, version, notes=notes, message=message)

    # -- a button --------------------------------------------------------------------
    def _posted(self, posted: answers.Posted) -> tuple[str, Document, Form, dict[str, Any],
                                                        dict[KeyPath, int]]:
        version = str((posted.get(VERSION) or [""])[0])
        text = self.texts.get(version)
        if text is None:
            raise KeyError(version)
        doc = self._parse(text.encode("utf-8"))
        form = self._form(doc)
        data, origins = answers.read_answers(form, doc.data, posted, self.opened)
        return version, doc, form, data, origins

    def post(self, posted: answers.Posted) -> View:
        op = str((posted.get("op") or ["check"])[0])
        if op == "reload":
            return self.open(Message("info", "Loaded the file as it is now."))
        with self.lock:
            try:
                version, doc, form, data, origins = self._posted(posted)
            except KeyError:
                stale = True
            except Unreadable as exc:
                return View(self.relpath, unreadable=exc.problems)
            else:
                stale = False
        if stale:
            return self.open(Message("error", "This page was out of date, so it was loaded "
                                     "again from the file; anything typed since is not kept.",
                                     "Type it again, then save."))
        with self.lock:
            return self._button(op, version, doc, form, data, origins)

    def _button(self, op: str, version: str, doc: Document, form: Form,
                data: dict[str, Any], origins: dict[KeyPath, int]) -> View:
        kind, _, name = op.partition(":")
        if kind == "add":
            focus = answers.add_row(form, data, name)
            return self._view(form, data, origins, version,
                              focus=html_id(parse_name(focus)) if focus else "")
        if kind == "remove":
            parent = answers.remove_row(form, data, origins, name)
            return self._view(form, data, origins, version,
                              focus=html_id(parse_name(parent), "add") if parent else "")
        if kind == "caseref":
            return self._new_case_ref(form, data, origins, version, name)
        if kind == "save":
            return self._save(version, doc, form, data, origins)
        if kind == "submit":
            return self._submit(version, doc, form, data, origins)
        if kind in ("done", "done-anyway"):
            view = self._view(form, data, origins, version)
            if view.dirty and kind == "done":
                view.confirm_done = True
                view.message = Message("error", "Your answers on this page are not saved.",
                                       "Save them, or press \"Close without saving\".")
                view.focus = "save"
                return view
            view.closed = True
            return view
        return self._check(version, doc, form, data, origins)

    def _new_case_ref(self, form: Form, data: dict[str, Any], origins: dict[KeyPath, int],
                      version: str, name: str) -> View:
        from supervision.privacy.caserefs import CannotGenerate, issue

        pattern = self.repo.config.case_ref_pattern if self.repo.config else ""
        refs = self.case_refs(data)
        try:
            ref = issue(pattern, 1, refs)[0]
        except CannotGenerate as exc:
            return self._view(form, data, origins, version, message=Message(
                "error", f"No new case reference can be made in this format: {exc}",
                "Issue references from the school's own system."))
        refs.add(ref)
        answers.set_answer(data, name, ref)
        return self._view(form, data, origins, version, focus=html_id(parse_name(name)),
                          message=Message("info", "A new case reference was filled in. Record "
                                          "which child it is for in the school's safeguarding "
                                          "system, never here."))

    # -- checking and saving -------------------------------------------------------------
    def _text(self, doc: Document, data: dict[str, Any]) -> str:
        return rewrite(doc.text, doc, data)

    def draft_problems(self, doc: Document, data: dict[str, Any]) -> tuple[
            list[Problem], Document | None]:
        """`check_record` on the answers as they would be saved (a temporary copy)."""
        text = self._text(doc, data)
        copy_path = os.path.join(self.folder, "draft.yaml")
        with open(copy_path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        try:
            problems = check_record(self.repo, self.relpath, source=copy_path)[0]
        finally:
            os.unlink(copy_path)
        parsed, _found = parse_bytes(text.encode("utf-8"), self.relpath)
        return problems, parsed

    def _check(self, version: str, doc: Document, form: Form, data: dict[str, Any],
               origins: dict[KeyPath, int]) -> View:
        view = self._view(form, data, origins, version, checked=True)
        try:
            problems, parsed = self.draft_problems(doc, data)
        except EditError as exc:
            view.message = Message("error", str(exc), "Open the file in a text editor.")
            return view
        view.placed = place(problems, parsed, view.widgets, self._fixed(form))
        view.message = _summary(view, "Checked")
        return view

    def check_json(self, posted: answers.Posted) -> dict[str, Any]:
        """What "leaving a field" shows: each finding with the id of its control."""
        with self.lock:
            try:
                version, doc, form, data, origins = self._posted(posted)
                view = self._check(version, doc, form, data, origins)
            except (KeyError, Unreadable):
                return {"stale": True, "findings": []}
        return {"stale": False, "summary": view.message.text if view.message else "",
                "findings": [{"target": p.target, "label": p.label, "rule": p.problem.rule,
                              "severity": p.problem.severity, "message": p.problem.message,
                              "hint": p.problem.hint} for p in view.placed]}

    def _save(self, version: str, doc: Document, form: Form, data: dict[str, Any],
              origins: dict[KeyPath, int]) -> View:
        try:
            on_disk = blob_id(self.path.read_bytes())
        except OSError:
            on_disk = ""
        if on_disk != version:
            view = self._view(form, data, origins, version, conflict=True,
                              message=Message("error", CONFLICT, CONFLICT_HINT),
                              focus="message")
            view.dirty = True
            return view
        try:
            text = self._text(doc, data)
        except EditError as exc:
            return self._view(form, data, origins, version, message=Message(
                "error", str(exc), "Open the file in a text editor, or ask your records "
                "admin."), focus="message")
        if text != doc.text:
            write_atomically(self.path, text)
        new_version, saved, _form = self._read()
        fresh = copy.deepcopy(saved.data)
        view = self._view(form, fresh, identity_origins(fresh), new_version, checked=True,
                          focus="message")
        from supervision.deadlines.time_rules import time_rules

        result = Checker(self.repo, cross_rules=(time_rules,), today=self.today).run(
            [self.relpath])
        view.placed = place(result.problems, saved, view.widgets, self._fixed(form))
        view.message = _summary(view, "Saved" if text != doc.text else "Nothing had changed")
        return view

    def _submit(self, version: str, doc: Document, form: Form, data: dict[str, Any],
                origins: dict[KeyPath, int]) -> View:
        if self.terminal_needed or self.submitter is None:
            view = self._view(form, data, origins, version, focus="message")
            view.message = Message("error", "This page cannot sign here: gpg on this computer "
                                   "asks for your passphrase only in a terminal.",
                                   f"Save, then run this in the terminal: supervision submit "
                                   f"{self.relpath}")
            return view
        view = self._save(version, doc, form, data, origins)
        if view.conflict or (view.message and view.message.kind == "error" and
                             not view.checked):
            return view
        if view.errors:
            view.message = Message("error", f"Nothing was committed or signed: correct the "
                                   f"{_count(view.errors, 'error')} first.",
                                   "Each one is shown beside its answer.")
            return view
        outcome = self.submitter(self.repo, self.relpath)
        if outcome.ok:
            view.message = Message("ok", "Submitted and signed.", lines=outcome.lines)
        else:
            view.message = Message("error", outcome.message or "Submit did not finish.",
                                   outcome.hint, lines=outcome.lines)
        return view


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(view: View, done: str) -> Message:
    if view.errors:
        return Message("error", f"{done}. supervision check finds "
                       f"{_count(view.errors, 'error')}"
                       + (f" and {_count(view.warnings, 'warning')}" if view.warnings else "")
                       + ": each is shown beside its answer.")
    if view.warnings:
        return Message("ok", f"{done}. No errors; {_count(view.warnings, 'warning')} to "
                       "look at, shown beside the answers.")
    return Message("ok", f"{done}. supervision check finds no problems.")



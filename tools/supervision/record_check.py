"""One record file checked: parse, form, policy rules, facts, privacy guard.

Data flow for one record::

    bytes --yamlparse--> Document --validate(form)--> typed record + findings
          --record_rules(profile)--> more findings --facts--> small summary
          --privacy guard--> findings with flagged text removed

Many files are shared between worker processes (forked, each loading the repository
once). With ``signing`` each file also gives what sign-off needs of its version
(:func:`supervision.signing.signoff.facts_of_data`), from the same parse.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from supervision.forms.definition import KINDS, Form
from supervision.forms.facts import extract
from supervision.forms.record_rules import check_record_rules
from supervision.forms.validate import Context, validate
from supervision.forms.yamlparse import Document, parse_file
from supervision.problems import Problem
from supervision.repo import RECORD_DIRS, RECORD_SUFFIXES, RecordsRepo
from supervision.rules import problem

PARALLEL_THRESHOLD = 400
CHUNK = 250


def check_record(repo: RecordsRepo, relpath: str, privacy: bool = True,
                 source: str | None = None) -> tuple[list[Problem], dict[str, Any] | None]:
    """Check one record file; never raises on bad content.

    ``privacy=False`` skips the privacy guard; only benchmarks use it, to measure
    what the guard costs. No command offers it. ``source``: read the record's text
    from this file instead (a draft being edited, e.g. `supervision edit`'s
    temporary copy), checked exactly as if it were at ``relpath``.
    """
    found, facts, _version = _check_file(repo, relpath, privacy, signing=False, source=source)
    return found, facts


def _check_file(repo: RecordsRepo, relpath: str, privacy: bool, signing: bool,
                source: str | None = None) -> tuple[
        list[Problem], dict[str, Any] | None, list[Any] | None]:
    """:func:`check_record`, and with ``signing`` what sign-off needs of this version
    (:func:`supervision.signing.signoff.facts_of_data`, as JSON), from the same parse."""
    found: list[Problem] = []
    top = relpath.split("/", 1)[0]
    if top not in RECORD_DIRS or not relpath.endswith(RECORD_SUFFIXES):
        found.append(problem("PATH-OUTSIDE-RECORDS", relpath, 1, 1,
                             "this file is not under records/ or contracts/, so it is not "
                             "checked as a record"))
        return found, None, None
    max_bytes = repo.config.max_record_bytes if repo.config else 1_000_000
    doc, parse_problems = parse_file(source or str(repo.root / relpath), relpath, max_bytes)
    found += parse_problems
    version = None
    if signing:
        from supervision.signing.signoff import facts_of_data

        version = facts_of_data(repo, doc.data if doc is not None else None).as_json()
    if doc is None:
        return found, None, version
    form, facts, problems = _check_document(repo, relpath, doc, source)
    found += problems
    if form is not None and isinstance(doc.data, dict) and "sealed" in doc.data:
        from supervision.sealing.view import is_sealed, readable_view

        if is_sealed(doc):  # the guard reads only what is readable: nothing sealed
            doc = readable_view(doc, form)
    if privacy:
        found = repo.privacy_guard().review(doc, form, found)
    return found, facts, version


def _check_document(repo: RecordsRepo, relpath: str, doc: Document,
                    source: str | None = None) -> tuple[
        Form | None, dict[str, Any] | None, list[Problem]]:
    """The form of a parsed record (None if unknown), its facts and its findings."""
    found: list[Problem] = []
    data = doc.data
    if not isinstance(data, dict):
        found.append(problem("SCHEMA-TYPE", relpath, 1, 1,
                             "a record must be a set of fields (name: value)"))
        return None, None, found
    kind = data.get("kind")
    if kind not in KINDS:
        line, col = doc.where(("kind",))
        said = "has no 'kind' field" if kind is None else "has a 'kind' that is not a record kind"
        found.append(problem("SCHEMA-KIND", relpath, line, col,
                             f"the record {said}; kinds are: {', '.join(KINDS)}"))
        return None, None, found
    school = data.get("school") if isinstance(data.get("school"), str) else None
    profile = repo.profile_for(school)
    if profile is None:  # configuration is broken; repo.problems says why
        return None, None, found
    group = kind == "session" and data.get("format") == "group"
    form = profile.form_for(kind, group)
    if form is None:
        line, col = doc.where(("kind",))
        what = "group session" if group else kind
        found.append(problem("SCHEMA-KIND", relpath, line, col,
                             f"the {profile.id} profile has no {what} form; it has: "
                             f"{', '.join(profile.forms)}"))
        return None, None, found
    found += _sealed(repo, relpath, doc, form)
    ids = _item_ids(repo, relpath, doc, form, source)
    if isinstance(doc.data, dict) and "sealed" in doc.data:
        from supervision.sealing.view import is_sealed, readable_view

        if is_sealed(doc):  # judged on its clear part (a non-reader, the server gate)
            doc = readable_view(doc, form)
            data = doc.data
    ctx: Context = repo.context(profile)
    completed = data.get("status", "held") not in ("planned", "cancelled")
    typed, problems = validate(doc, form.fields, ctx, completed)
    found += problems
    found += check_record_rules(doc, form, profile, relpath, typed)
    return form, extract(form, typed, doc.where, ids), found


def _item_ids(repo: RecordsRepo, relpath: str, doc: Document, form: Form,
              source: str | None) -> dict[tuple[Any, ...], str] | None:
    """The stable ids of a sealed record's actions and decisions (by key path), which
    name its chronology items in a reader's facts and a non-reader's alike; None when the
    record is not sealed and the repository does not seal (items named by wording)."""
    data = doc.data
    sealed_here = isinstance(data, dict) and "sealed" in data
    if not sealed_here and not (repo.config is not None and repo.config.sealed):
        return None
    if not any(f.chronology for _keypath, f in form.walk()):
        return {}
    from supervision.sealing.view import clear_item_ids, is_sealed, stored_item_ids

    if sealed_here and is_sealed(doc):
        return clear_item_ids(data, form)
    if not isinstance(data, dict):
        return {}
    try:  # a reader's readable copy: the ids are in its stored form
        raw = Path(source or repo.root / relpath).read_bytes()
    except OSError:
        return {}
    return stored_item_ids(repo.root, relpath, raw, data, form)


def _sealed(repo: RecordsRepo, relpath: str, doc: Document, form: Form) -> list[Problem]:
    """In a sealing repository, as git stores it (the server gate): SEAL-CLEAR-TEXT."""
    if not (repo.stored and repo.config is not None and repo.config.sealed):
        return []
    from supervision.sealing.view import stored_findings

    return stored_findings(doc, form, relpath)


# -- worker processes ---------------------------------------------------------------
_WORKER_REPO: RecordsRepo | None = None
_WORKER_OPTIONS = (True, False)  # privacy, signing

#: One checked file: path, findings, facts, and sign-off's facts of this version.
Checked = tuple[str, list[Problem], dict[str, Any] | None, list[Any] | None]


def _worker_init(root: str, privacy: bool, signing: bool, stored: bool = False) -> None:
    global _WORKER_REPO, _WORKER_OPTIONS
    _WORKER_REPO = RecordsRepo.load(Path(root))
    _WORKER_REPO.stored = stored
    _WORKER_OPTIONS = (privacy, signing)


def _worker(paths: list[str]) -> list[tuple[str, list[list[Any]], dict[str, Any] | None,
                                            list[Any] | None]]:
    assert _WORKER_REPO is not None
    out = []
    for relpath in paths:
        found, facts, version = _check_file(_WORKER_REPO, relpath, *_WORKER_OPTIONS)
        out.append((relpath, [_row(p) for p in found], facts, version))
    return out


def _check_many(repo: RecordsRepo, paths: list[str], privacy: bool = True,
                signing: bool = False) -> Iterable[Checked]:
    workers = min(os.cpu_count() or 1, 8)
    if len(paths) < PARALLEL_THRESHOLD or workers < 2:
        for relpath in paths:
            yield relpath, *_check_file(repo, relpath, privacy, signing)
        return
    chunks = [paths[i:i + CHUNK] for i in range(0, len(paths), CHUNK)]
    from concurrent.futures import ProcessPoolExecutor  # only when many files are read
    from multiprocessing import get_context

    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"),
                             initializer=_worker_init,
                             initargs=(str(repo.root), privacy, signing, repo.stored)) as pool:
        for batch in pool.map(_worker, chunks):
            for relpath, rows, facts, version in batch:
                yield relpath, [Problem(*row) for row in rows], facts, version


def _row(p: Problem) -> list[Any]:
    return [p.path, p.line, p.col, p.rule, p.severity, p.message, p.hint]

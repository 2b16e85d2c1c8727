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

import json
import os
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from supervision.cache import Cache, Encoded, gc_paused
from supervision.forms.definition import KINDS, Form
from supervision.forms.facts import extract, people_of
from supervision.forms.record_rules import check_record_rules
from supervision.forms.validate import Context, validate
from supervision.forms.yamlparse import Document, parse_file
from supervision.problems import Problem
from supervision.repo import RECORD_DIRS, RECORD_SUFFIXES, RecordsRepo
from supervision.rules import problem

PARALLEL_THRESHOLD = 400
CHUNK = 250
SAVE_EVERY = 8 * CHUNK  # records checked between saves of their rows


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

#: One checked file: path, its stored row as JSON (``[findings, facts]``, what the check
#: store keeps), the people its facts name (the store's index) and sign-off's facts of
#: this version as JSON (None without ``signing``).
Checked = tuple[str, str, list[str], str | None]


def _encoded(relpath: str, found: list[Problem], facts: dict[str, Any] | None,
             version: list[Any] | None) -> Checked:
    """One checked file as it is handed on: its findings and facts only as JSON text, a
    tenth of their size as objects, so that the process reading tens of thousands of
    records holds them compact until they are wanted (see :func:`decode_rows`), and
    makes no object that outlives the reading in between the many that do not."""
    return (relpath, json.dumps([[_row(p) for p in found], facts], separators=(",", ":")),
            people_of(facts),
            None if version is None else json.dumps(version, separators=(",", ":")))


#: Checked files' stored rows held in blocks: the paths, and their rows as one JSON list
#: (``[row,row,...]``), compressed while a cold check waits for its verify.
Held = list[tuple[list[str], bytes]]


def hold_rows(rows: dict[str, str], compress: bool) -> Held:
    """``rows`` (path -> stored row, emptied as it goes) in blocks of :data:`CHUNK`,
    each block's JSON compressed when ``compress``: a tenth of the text's size, for a
    check that holds them while another process (its verify) reaches its peak."""
    held: Held = []
    paths = list(rows)
    for start in range(0, len(paths), CHUNK):
        block = paths[start:start + CHUNK]
        text = ("[" + ",".join(rows.pop(p) for p in block) + "]").encode()
        held.append((block, zlib.compress(text, 1) if compress else text))
    return held


def _give_back() -> None:
    """Memory freed so far returned to the system where the C library keeps it (glibc
    keeps the area the worker pool's result thread allocated the rows in, tens of MiB,
    after every row in it is freed): a waiting check then holds only what it uses."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError, TypeError):  # not glibc: nothing to ask
        pass


def check_and_store(repo: RecordsRepo, paths: list[str], privacy: bool,
                    stamps: dict[str, str | None], cache: Cache | None,
                    versions: Cache | None, compress: bool, stored: set[str],
                    cores_taken: int = 0) -> Held:
    """Check ``paths`` (in worker processes when many), each row put in ``cache`` at its
    stamp (its path then added to ``stored``) and sign-off's facts of the version in
    ``versions`` (saved by the caller): the rows held for :func:`decode_rows`.
    ``cores_taken``: cores another process of this command keeps busy meanwhile (a cold
    check's verify), so that many fewer workers are started.

    ``cache`` is saved every :data:`SAVE_EVERY` records and those records' rows held
    (:func:`hold_rows`, compressed when ``compress``), so the texts of every record are
    never in memory at once: the memory freed is reused by the next ones. (``versions``
    is saved once, after: a verify running meanwhile reads that store all at once when
    it first needs it, and would parse again every version saved after that.)"""
    held: Held = []
    block: dict[str, str] = {}
    for relpath, row, people, version in _check_many(repo, paths, privacy,
                                                      versions is not None, cores_taken):
        block[relpath] = row
        stamp = stamps.get(relpath)
        if cache is not None and stamp is not None:
            cache.put(relpath, stamp, Encoded(row), people=people)
            stored.add(relpath)
            if versions is not None and version is not None:
                versions.put(stamp, "", Encoded(version))
        if len(block) >= SAVE_EVERY:
            held += _saved(block, cache, compress)
    held += _saved(block, cache, compress)
    if compress:
        _give_back()
    return held


def _saved(block: dict[str, str], cache: Cache | None, compress: bool) -> Held:
    if cache is not None:
        cache.save()
    return hold_rows(block, compress)


def decode_rows(held: Held, problems: list[Problem], into: dict[str, dict[str, Any]],
                pick: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
    """The findings (onto ``problems``) and facts (into ``into``, ``pick``: what is kept
    of each) of rows held by :func:`hold_rows`, in order, each block let go of once
    read: the same values a later run reads from the store. One block is decoded at once (its dicts share their
    keys) and equal strings are made one object (the dates, people and states that
    tens of thousands of records repeat), so the facts take about half the memory."""
    same: dict[str, str] = {}
    with gc_paused(len(held) * CHUNK):
        while held:
            block, data = held.pop(0)
            text = (zlib.decompress(data) if data[:1] != b"[" else data).decode()
            for relpath, (found, facts) in zip(block, json.loads(text), strict=True):
                problems += [Problem(*row) for row in found]
                if facts is not None:
                    _share(facts, same)
                    into[relpath] = facts if pick is None else pick(facts)


def _share(value: dict[str, Any] | list[Any], same: dict[str, str]) -> None:
    """Every string inside ``value`` replaced by the first equal one seen (``same``)."""
    for key, item in (value.items() if isinstance(value, dict) else enumerate(value)):
        kind = type(item)
        if kind is str:
            value[key] = same.setdefault(item, item)  # type: ignore[index]
        elif kind is dict or kind is list:
            _share(item, same)


def _worker_init(root: str, privacy: bool, signing: bool, stored: bool = False) -> None:
    global _WORKER_REPO, _WORKER_OPTIONS
    _WORKER_REPO = RecordsRepo.load(Path(root))
    _WORKER_REPO.stored = stored
    _WORKER_OPTIONS = (privacy, signing)


def _worker(paths: list[str]) -> list[Checked]:
    assert _WORKER_REPO is not None
    return [_encoded(relpath, *_check_file(_WORKER_REPO, relpath, *_WORKER_OPTIONS))
            for relpath in paths]


def _check_many(repo: RecordsRepo, paths: list[str], privacy: bool = True,
                signing: bool = False, cores_taken: int = 0) -> Iterable[Checked]:
    # One worker per core that is free (on two cores beside a cold check's verify: none,
    # this process reads them, rather than four processes sharing two cores).
    workers = min((os.cpu_count() or 1) - cores_taken, 8)
    if len(paths) < PARALLEL_THRESHOLD or workers < 2:
        for relpath in paths:
            yield _encoded(relpath, *_check_file(repo, relpath, privacy, signing))
        return
    chunks = [paths[i:i + CHUNK] for i in range(0, len(paths), CHUNK)]
    from concurrent.futures import ProcessPoolExecutor  # only when many files are read
    from multiprocessing import get_context

    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"),
                             initializer=_worker_init,
                             initargs=(str(repo.root), privacy, signing, repo.stored)) as pool:
        for chunk, batch in zip(chunks, pool.map(_worker, chunks), strict=True):
            # this process's own path strings (the workers' copies are let go of)
            for relpath, (_path, row, people, signoff) in zip(chunk, batch, strict=True):
                yield relpath, row, people, signoff


def _row(p: Problem) -> list[Any]:
    return [p.path, p.line, p.col, p.rule, p.severity, p.message, p.hint]

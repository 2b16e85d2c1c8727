"""A sealed record as the checker sees it without a reader's key.

The stored form holds the clear fields and the names of the non-empty sealed
answers. :func:`readable_view` gives the checker data shaped like the readable
record (each sealed answer a placeholder, ``disagreement: true`` back as a text,
action and decision ids dropped: :func:`clear_item_ids` reads them first), so structure and policy rules run on the clear part
everywhere and required answers are judged from ``sealed.fields``. The view has no
source spans: the privacy guard scans nothing a non-reader cannot read.

:func:`stored_findings`: what the server gate, which holds no key, refuses in a
repository with ``privacy: sealed: true``: a record stored readable, free text
in the clear part, or a clear part changed by hand (``SEAL-CLEAR-TEXT``), and a
damaged sealed block (``SEAL-DAMAGED``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from supervision.forms.definition import Field, Form
from supervision.forms.yamlparse import Document
from supervision.problems import Problem
from supervision.rules import problem
from supervision.sealing import stored
from supervision.sealing.split import DISAGREEMENT, ID_PREFIXES, SEALED_KEY, item_ids, split

PLACEHOLDER = "(sealed)"


def is_sealed(doc: Document) -> bool:
    return isinstance(doc.data, dict) and isinstance(doc.data.get(SEALED_KEY), dict) and \
        stored.looks_sealed(doc.text.encode("utf-8"))


def _field(fields: tuple[Field, ...], name: str) -> Field | None:
    return next((f for f in fields if f.name == name), None)


def _place(data: dict[str, Any], fields: tuple[Field, ...], parts: list[str],
           placeholder: str = PLACEHOLDER) -> None:
    head, rest = parts[0], parts[1:]
    is_items = head.endswith("[]")
    name = head.removesuffix("[]")
    f = _field(fields, name)
    if f is None:
        return  # off the form: the reader's own check reports it
    if not rest:
        if is_items:
            return
        data[name] = [placeholder] if f.is_list else placeholder
        return
    if is_items:
        if f.type in ID_PREFIXES and not isinstance(data.get(name), list):
            return  # every action and decision is in the clear part, by its id: none here
        items = data.setdefault(name, [])
        if not isinstance(items, list):
            return
        if not items:
            items.append({})
        for item in items:
            if isinstance(item, dict):
                _place(item, f.fields, rest, placeholder)
    else:
        inner = data.setdefault(name, {})
        if isinstance(inner, dict):
            _place(inner, f.fields, rest, placeholder)


def _drop_item_ids(value: Any, fields: tuple[Field, ...]) -> None:
    if not isinstance(value, dict):
        return
    for f in fields:
        item = value.get(f.name)
        if f.is_mapping:
            _drop_item_ids(item, f.fields)
        elif f.fields and isinstance(item, list):
            for one in item:
                if f.type in ID_PREFIXES and isinstance(one, dict):
                    one.pop("id", None)
                else:
                    _drop_item_ids(one, f.fields)


def clear_item_ids(sealed: dict[str, Any], form: Form) -> dict[tuple[Any, ...], str]:
    """The stable ids of a sealed record's actions and decisions, by key path (the same
    key paths as in :func:`readable_data`'s view, and in the readable record)."""
    return item_ids({k: v for k, v in sealed.items() if k != SEALED_KEY}, form)


def stored_item_ids(root: Path, relpath: str, readable: bytes, data: dict[str, Any],
                    form: Form) -> dict[tuple[Any, ...], str]:
    """For a reader's readable record: the ids its stored (sealed) form gives its actions
    and decisions, by key path, so a reader's facts name them as a non-reader's do. The
    stored form is the clean filter's memory of these exact bytes (no git run); empty
    when this clone never sealed or opened them (a draft not yet added). ``data`` is
    ``readable`` parsed."""
    from supervision.cache import cache_dir
    from supervision.sealing.stablemap import StableMap

    sealed = StableMap(cache_dir(root) / "seal").find(relpath, readable)
    if sealed is None:
        return {}
    try:
        record = stored.parse(sealed)
        clear = yaml.load(record.clear_text, Loader=getattr(yaml, "CSafeLoader",
                                                            yaml.SafeLoader)) or {}
    except (stored.StoredError, yaml.YAMLError):
        return {}
    return item_ids(clear, form, data) if isinstance(clear, dict) else {}


def readable_view(doc: Document, form: Form) -> Document:
    """The sealed ``doc`` shaped as its readable record, for validation and rules."""
    return Document(doc.path, readable_data(doc.data, form), dict(doc.positions), doc.text, [])


def readable_data(sealed: dict[str, Any], form: Form,
                  placeholder: str = PLACEHOLDER) -> dict[str, Any]:
    """A sealed version's answers shaped as its readable record, each non-empty sealed
    answer ``placeholder`` (no ciphertext, no action ids)."""
    data = copy.deepcopy(sealed)
    block = data.pop(SEALED_KEY, {})
    names = block.get("fields") if isinstance(block, dict) else None
    disagreement = data.pop(DISAGREEMENT, None)
    for name in names if isinstance(names, list) else []:
        if isinstance(name, str) and name and name != DISAGREEMENT:
            _place(data, form.fields, name.split("."), placeholder)
    if disagreement is True or (isinstance(names, list) and DISAGREEMENT in names):
        data[DISAGREEMENT] = placeholder
    _drop_item_ids(data, form.fields)
    return data


def unstaged_readers(root: Path, only: list[str] | None = None) -> list[Problem]:
    """Records staged for commit in their sealed form whose readers file is not staged with
    them (``SEAL-READERS-NOT-STAGED``): committed so, nobody could open that version. The
    clean filter writes the readers file when `git add` seals a record, but only `git add`
    of that file too (or `supervision submit`) stages it. ``only``: these paths (the
    pre-commit hook's), else every staged record."""
    from supervision.sealing import sidecar as sidecars
    from supervision.signing.gitio import Git, GitError

    git = Git(root)
    try:
        listed = git.out("diff", "--cached", "--name-only", "-z", "--diff-filter=AM", "--",
                         "records", "contracts")
    except GitError:
        return []
    wanted = set(only) if only is not None else None
    paths = [p for p in listed.split("\0") if p.endswith((".yaml", ".yml"))
             and (wanted is None or p in wanted)]
    if not paths:
        return []
    found = git.read_objects([f":{p}" for p in paths] +
                             [f":{sidecars.sidecar_path(p)}" for p in paths])
    out = []
    for relpath in paths:
        blob = found.get(f":{relpath}")
        if blob is None or not stored.looks_sealed(blob.data):
            continue
        try:
            nonce = stored.parse(blob.data).nonce_id
        except stored.StoredError:
            continue
        side = sidecars.sidecar_path(relpath)
        held = found.get(f":{side}")
        try:
            entry = sidecars.load(held.data).find(nonce) if held is not None else None
        except sidecars.SidecarError:
            entry = None
        if entry is None:
            out.append(problem("SEAL-READERS-NOT-STAGED", relpath, 1, 1,
                               "this record is staged to be committed without its readers "
                               "file, so once committed nobody could open what it says: run "
                               f"`git add {side}`, then commit again"))
    return out


def stored_findings(doc: Document, form: Form | None, relpath: str) -> list[Problem]:
    """What a keyless gate refuses in a repository that seals records."""
    if not is_sealed(doc):
        return [problem("SEAL-CLEAR-TEXT", relpath, 1, 1,
                        "this record is stored readable, but this repository seals records: "
                        "its answers in words would be readable by anyone with a copy")]
    line, col = doc.where((SEALED_KEY,))
    try:
        record = stored.parse(doc.text.encode("utf-8"))
    except stored.StoredError as exc:
        return [problem("SEAL-DAMAGED", relpath, line, col, str(exc))]
    try:
        clear = yaml.safe_load(record.clear_text) or {}
    except yaml.YAMLError:
        clear = None
    if not isinstance(clear, dict) or stored.dump_clear(clear) != record.clear_text:
        return [problem("SEAL-CLEAR-TEXT", relpath, 1, 1,
                        "the readable part of this sealed record was changed by hand (a "
                        "comment or free text was added outside the sealed block)")]
    if form is None:
        return []
    leaks = [n for n in split(clear, form).sealed_fields
             if not (n == DISAGREEMENT and isinstance(clear.get(DISAGREEMENT), bool))]
    out = []
    for name in leaks:
        keypath = tuple(p.removesuffix("[]") for p in name.split("."))
        at_line, at_col = doc.where(keypath)
        out.append(problem("SEAL-CLEAR-TEXT", relpath, at_line, at_col,
                           f"'{name}' is an answer in words stored outside the sealed block"))
    return out

"""The audit trail of one record: every commit that changed or signed it, oldest first.

Built from a :class:`~supervision.signing.verify.Analysis` (so signatures are judged
exactly as ``supervision verify`` judges them). What changed is told as the
names of the fields that changed, never their text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from supervision.forms.yamlparse import parse_bytes
from supervision.signing.analysis import Analysis, describe_signature, iso
from supervision.signing.gitio import Git

_MISSING = object()
#: A sealed version's block of sealed answers (the sealing wing's ``split.SEALED_KEY``).
SEALED_KEY = "sealed"
#: Opens stored sealed versions for the person running the command: (path, stored
#: bytes, commit holding it) -> readable bytes, or None (not a reader). The sealing
#: wing's ``versions.open_versions``, given by the caller (this wing cannot import it).
Opener = Callable[[Sequence[tuple[str, bytes, str | None]]], list[bytes | None]]


def changed_fields(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted names of the fields whose values differ (lists count as one field)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in dict.fromkeys([*old, *new]):
            before, after = old.get(key, _MISSING), new.get(key, _MISSING)
            if before != after:
                name = f"{prefix}.{key}" if prefix else str(key)
                if isinstance(before, dict) and isinstance(after, dict):
                    out += changed_fields(before, after, name)
                else:
                    out.append(name)
        return out
    return [prefix or "the whole record"] if old != new else []


@dataclass
class Event:
    commit: str
    date: str
    author: str  # what the commit's author field claims (never shown as who did it)
    signature: str  # describe_signature(...)
    signer: str | None  # person id of the key's owner, when the signature is good
    by: str  # who did it as far as anyone can know: the signer, or "unsigned (...claims X)"
    role: str | None  # set for a sign-off of this record
    signoff_counts: bool | None  # None: not a sign-off
    change: str  # created / deleted / changed / none
    fields: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # rule ids found on this commit
    reason: str | None = None  # Supervision-Reason (an admin's deletion or move)
    #: the version is sealed and this person cannot open it (not one of its readers)
    sealed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


#: What history says of a sealed version it cannot open (this person is not a reader).
SEALED_CHANGED = "sealed answers changed"


def _sealed_change(old: Any, new: Any) -> list[str]:
    """Field names for a change this person cannot see inside: the clear fields that
    changed and, when the sealed block changed, ``SEALED_CHANGED``."""
    a = _clear(old) if _is_sealed(old) else old
    b = _clear(new) if _is_sealed(new) else new
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return [SEALED_CHANGED]
    both = set(a) & set(b)
    names = [n for n in changed_fields(a, b) if n.split(".", 1)[0] in both]
    old_block = old.get(SEALED_KEY) if _is_sealed(old) else None
    new_block = new.get(SEALED_KEY) if _is_sealed(new) else None
    if old_block is None or new_block is None or \
            old_block.get("ciphertext") != new_block.get("ciphertext"):
        names.append(SEALED_CHANGED)
    return names


def _is_sealed(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get(SEALED_KEY), dict)


def _clear(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != SEALED_KEY}


def _open_sealed(opener: Opener | None, path: str, data: dict[str, Any],
                 raw: dict[str, bytes], commit_of: dict[str, str]) -> set[str]:
    """Versions held sealed are opened for a reader (``data`` updated in place); the blob
    ids of those this person cannot open."""
    sealed = [oid for oid, content in raw.items() if _is_sealed(data.get(oid))]
    if not sealed:
        return set()
    opened = (opener([(path, raw[oid], commit_of.get(oid)) for oid in sealed])
              if opener is not None else [None] * len(sealed))
    closed = set()
    for oid, plain in zip(sealed, opened, strict=True):
        doc = parse_bytes(plain, path)[0] if plain is not None else None
        if doc is None:
            closed.add(oid)
        else:
            data[oid] = doc.data
    return closed


def record_history(analysis: Analysis, git: Git, path: str,
                   opener: Opener | None = None) -> list[Event]:
    steps = []
    problems: dict[str, set[str]] = {}
    for finding in analysis.findings:
        if finding.commit and finding.problem.path == path:
            problems.setdefault(finding.commit, set()).add(finding.problem.rule)
    for oid, _parents in analysis.graph:
        entry = analysis.entries[oid]
        change = next((c for c in entry.changes if c[0] == path), None)
        so = entry.signoff if entry.signoff and entry.signoff["path"] == path else None
        if change is not None or so is not None:
            steps.append((entry, change, so))
    blobs = {c[1] for _e, c, _s in steps if c is not None and c[1]}
    found = git.read_objects(blobs)
    data: dict[str, Any] = {}
    raw: dict[str, bytes] = {}
    for oid, obj in found.items():
        doc = parse_bytes(obj.data, path)[0] if obj is not None else None
        data[oid] = doc.data if doc is not None else None
        if obj is not None:
            raw[oid] = obj.data
    commit_of = {c[1]: e.id for e, c, _s in reversed(steps) if c is not None and c[1]}
    as_stored = dict(data)  # sealed versions as stored, before opening any
    closed = _open_sealed(opener, path, data, raw, commit_of)
    events: list[Event] = []
    previous: str | None = None
    for entry, change, so in steps:
        kind, names = "none", []
        if change is not None:
            new = change[1]
            if new is None:
                kind = "deleted"
            elif previous is None:
                kind = "created"
            else:
                kind = "changed"
                names = (_sealed_change(as_stored.get(previous), as_stored.get(new))
                         if previous in closed or new in closed else
                         changed_fields(data.get(previous), data.get(new)))
            previous = new
        events.append(Event(
            commit=entry.id, date=iso(entry.time), author=entry.author,
            signature=describe_signature(entry.sig), signer=entry.signer, by=entry.who(),
            role=so["role"] if so else None,
            signoff_counts=analysis.signoff_counts.get(entry.id, False) if so else None,
            change=kind, fields=names, problems=sorted(problems.get(entry.id, ())),
            reason=entry.reason,
            sealed=change is not None and change[1] in closed,
        ))
    return events

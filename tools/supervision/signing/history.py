"""The audit trail of one record: every commit that changed or signed it, oldest first.

Built from a :class:`~supervision.signing.verify.Analysis` (so signatures are judged
exactly as ``supervision verify`` judges them). What changed is told as the
names of the fields that changed, never their text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from supervision.forms.yamlparse import parse_bytes
from supervision.signing.analysis import Analysis, describe_signature, iso
from supervision.signing.gitio import Git

_MISSING = object()


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

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def record_history(analysis: Analysis, git: Git, path: str) -> list[Event]:
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
    for oid, obj in found.items():
        doc = parse_bytes(obj.data, path)[0] if obj is not None else None
        data[oid] = doc.data if doc is not None else None
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
                names = changed_fields(data.get(previous), data.get(new))
            previous = new
        events.append(Event(
            commit=entry.id, date=iso(entry.time), author=entry.author,
            signature=describe_signature(entry.sig), signer=entry.signer, by=entry.who(),
            role=so["role"] if so else None,
            signoff_counts=analysis.signoff_counts.get(entry.id, False) if so else None,
            change=kind, fields=names, problems=sorted(problems.get(entry.id, ())),
            reason=entry.reason,
        ))
    return events

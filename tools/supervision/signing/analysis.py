"""What ``supervision verify`` works out: per-commit entries, record statuses, findings.

The :class:`~supervision.signing.verify.Verifier` fills an :class:`Analysis`:
one :class:`Entry` per commit (cached by commit id), the trust states it
accepted, one :class:`RecordStatus` per record at the verified commit and the
:class:`Finding` s (a :class:`~supervision.problems.Problem` with the commit and
the person it concerns). ``supervision history`` reads the same analysis.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from supervision.problems import ERROR, Problem
from supervision.signing.openpgp import (
    BACKDATED,
    BAD,
    EXPIRED,
    GOOD,
    REVOKED,
    UNKNOWN_KEY,
    UNREADABLE,
)
from supervision.signing.trust import TrustIds, TrustLoader, TrustState

NONE = "none"  # a commit without a signature
STATUSES = ("draft", "awaiting-<role>", "agreed", "disputed", "stale")

_SIG_WORDS = {
    GOOD: "good signature",
    NONE: "no signature",
    BAD: "bad signature (the commit changed after it was signed)",
    UNREADABLE: "unreadable signature",
    UNKNOWN_KEY: "signed by an unregistered key",
    EXPIRED: "signed by an expired key",
    REVOKED: "signed by a revoked key",
    BACKDATED: "back-dated signature",
}


def describe_signature(status: str) -> str:
    return _SIG_WORDS.get(status, status)


class NotAGitRepository(Exception):
    pass


class BadRevision(Exception):
    pass


@dataclass
class Finding:
    """A Problem about history, with the commit and the person it concerns."""

    problem: Problem
    commit: str | None
    person: str | None

    def as_dict(self) -> dict[str, Any]:
        out = self.problem.as_dict()
        out.update(commit=self.commit, person=self.person)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        data = dict(data)
        commit, person = data.pop("commit"), data.pop("person")
        return cls(Problem.from_dict(data), commit, person)


@dataclass
class Entry:
    """What one commit does, as far as sign-off is concerned (cached by commit id)."""

    id: str
    parents: list[str]
    tree: str
    time: int  # committer time
    author_time: int
    author: str
    sig: str  # a Verdict status, or NONE
    fpr: str | None  # the signing certificate, when known
    signer: str | None  # its owner's person id (as people.yml said before this commit)
    admin: bool  # signed (well) by a records admin key
    changes: list[list[Any]]  # [[record path, new blob id or None]]
    signoff: dict[str, Any] | None  # {role, path, blob, person, signers, ok}
    trust: int  # index of the trust state accepted after this commit
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        """Signed well by a key registered to a person: counts as theirs."""
        return self.sig == GOOD and self.signer is not None

    def as_json(self) -> list[Any]:
        return [self.parents, self.tree, self.time, self.author_time, self.author, self.sig,
                self.fpr, self.signer, self.admin, self.changes, self.signoff, self.trust,
                self.findings]

    @classmethod
    def from_json(cls, oid: str, value: list[Any]) -> Entry:
        return cls(oid, *value)


@dataclass
class SignoffRef:
    role: str
    person: str
    commit: str
    time: int
    blob: str
    index: int  # position in history (topological)

    def as_dict(self, current_blob: str | None) -> dict[str, Any]:
        return {"role": self.role, "person": self.person, "commit": self.commit,
                "date": iso(self.time), "blob": self.blob,
                "current": self.blob == current_blob}


@dataclass
class RecordStatus:
    path: str
    status: str
    blob: str
    signers: tuple[str, ...]
    holders: dict[str, str]
    signoffs: list[SignoffRef]
    changed_by: dict[str, Any] | None = None
    #: Each role's first good sign-off of this record, whatever version it signed
    #: (deadlines count from it; ``signoffs`` holds each role's latest).
    first_signed: dict[str, SignoffRef] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path, "status": self.status,
            "signers": [{"role": r, "person": self.holders.get(r)} for r in self.signers],
            "signoffs": [s.as_dict(self.blob) for s in self.signoffs],
        }
        if self.changed_by is not None:
            out["changed_by"] = self.changed_by
        return out


@dataclass
class Track:
    """One record path followed through history."""

    blob: str | None = None
    signers: tuple[str, ...] = ()
    signed: dict[str, SignoffRef] = field(default_factory=dict)
    first: dict[str, SignoffRef] = field(default_factory=dict)
    changed: tuple[int, str, Entry] | None = None
    unsigned: list[tuple[int, Entry]] = field(default_factory=list)

    def agreed(self) -> bool:
        return bool(self.signers) and self.blob is not None and all(
            r in self.signed and self.signed[r].blob == self.blob for r in self.signers)


@dataclass
class Analysis:
    head: str | None
    graph: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)
    states: list[TrustIds] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    records: list[RecordStatus] = field(default_factory=list)
    shallow: bool = False
    checked: int = 0  # commits verified this run (not from the cache)
    loader: TrustLoader | None = None

    def trust_after(self, commit: str) -> TrustState:
        assert self.loader is not None
        return self.loader.state(self.states[self.entries[commit].trust])

    def head_trust(self) -> TrustState | None:
        return self.trust_after(self.head) if self.head and self.loader else None

    def trust_root(self) -> dict[str, Any] | None:
        if not self.graph:
            return None
        root = self.entries.get(self.graph[0][0])
        if root is None or not root.admin:
            return None
        now = self.head_trust()
        admins = [{"fingerprint": f, "person": now.person_for(f)} for f in
                  now.admins] if now is not None else []
        return {"commit": root.id, "signed_by": root.fpr, "admins": admins}

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.problem.severity == ERROR]


def iso(stamp: int) -> str:
    return dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")



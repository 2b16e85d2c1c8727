"""What ``supervision verify`` works out: per-commit entries, record statuses, findings.

The :class:`~supervision.signing.verify.Verifier` fills an :class:`Analysis`:
one :class:`Entry` per commit of the protected line (cached by commit id), the
trust states it accepted, one :class:`RecordStatus` per record at the verified
commit (and per signed record deleted on the way) and the :class:`Finding` s (a
:class:`~supervision.problems.Problem` with the commit and the person it concerns).
``supervision history`` reads the same analysis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from sys import intern
from typing import Any

from supervision.problems import ERROR, Problem
from supervision.signing.openpgp import (
    BACKDATED,
    BAD,
    EXPIRED,
    FUTURE,
    GOOD,
    NOT_SIGNING,
    REVOKED,
    UNKNOWN_KEY,
    UNREADABLE,
    WEAK_HASH,
    WEAK_KEY,
)
from supervision.signing.trust import TrustIds, TrustLoader, TrustState

NONE = "none"  # a commit without a signature
MALFORMED = "malformed"  # not a commit as git writes one: counts as unsigned

STATUSES = ("draft", "awaiting-<role>", "agreed", "disputed", "stale", "deleted", "planned",
            "cancelled")

_SIG_WORDS = {
    GOOD: "good signature",
    NONE: "no signature",
    MALFORMED: "a malformed commit object (counts as unsigned)",
    BAD: "bad signature (the commit changed after it was signed)",
    UNREADABLE: "unreadable signature",
    UNKNOWN_KEY: "signed by an unregistered key",
    EXPIRED: "signed by an expired key",
    REVOKED: "signed by a revoked key",
    BACKDATED: "back-dated signature",
    FUTURE: "signature dated in the future",
    WEAK_KEY: "signed by a key too weak to trust",
    WEAK_HASH: "signature made with a hash too weak to trust",
    NOT_SIGNING: "signed by a key that is not allowed to sign",
}


def describe_signature(status: str) -> str:
    return _SIG_WORDS.get(status, status)


class NotAGitRepository(Exception):
    pass


class BadRevision(Exception):
    pass


@dataclass(slots=True)
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


@dataclass(slots=True)
class Entry:
    """What one commit of the line does, as far as sign-off is concerned.

    Everything here depends only on the commit and the line below it, which its id
    covers, so entries are cached by commit id.
    """

    id: str
    parents: Sequence[str]  # every parent, as git reads them (more than one: a merge)
    tree: str
    time: int  # committer time (what the commit claims)
    author_time: int
    author: str  # the author field: a claim, never shown as who did it
    sig: str  # a Verdict status, NONE or MALFORMED
    fpr: str | None  # the signing certificate, when known
    signer: str | None  # its owner's person id (as the trust state before this commit says)
    admin: bool  # signed well by a records admin key of the state before it
    #: [[record path, new blob id or None (deleted), old blob id or None (added)]]
    changes: list[list[Any]]
    #: the sign-off it claims: {role, path, blob, person, signers, ok}; ``ok`` is
    #: what the commit alone shows (who may sign is judged along the line)
    signoff: dict[str, Any] | None
    trust: int  # index of the trust state accepted after this commit
    tree_trust: int  # index of the trust files' state in this commit's tree
    #: a change of who may sign waiting for more admins: [commit, state index, [people]]
    pending: list[Any] | None = None
    #: when this commit made a change of who may sign count: [commit, [people], [[fpr,
    #: person], ...] new keys of people who already had one]
    accepted: list[Any] | None = None
    clock: int = 0  # the latest good signature time on the line up to this commit
    approves: str | None = None  # the trust change this commit approves (counted or not)
    approved_by: str | None = None  # the admin (person) whose approval counted
    confirms: str | None = None  # a key this commit confirms (Supervision-Confirm-Key)
    reason: str | None = None  # Supervision-Reason
    findings: Sequence[dict[str, Any]] = field(default_factory=list)
    #: records whose readers file (``NAME.yaml.readers``, sealed records) this commit
    #: changed, by the record's path
    readers: Sequence[str] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        """Signed well by a key registered to a person: counts as theirs."""
        return self.sig == GOOD and self.signer is not None

    def who(self) -> str:
        """Who made this commit, as far as anyone can know: the verified signer, or
        what the unverified author field claims."""
        if self.trusted:
            return str(self.signer)
        return f"unsigned (author field claims {self.author or 'nobody'})" if self.sig in (
            NONE, MALFORMED) else f"not verified ({describe_signature(self.sig)}; author " \
            f"field claims {self.author or 'nobody'})"

    def as_json(self) -> list[Any]:
        return [self.parents, self.tree, self.time, self.author_time, self.author, self.sig,
                self.fpr, self.signer, self.admin, self.changes, self.signoff, self.trust,
                self.tree_trust, self.pending, self.accepted, self.clock, self.approves,
                self.approved_by, self.confirms, self.reason, self.findings, self.readers]

    @classmethod
    def from_json(cls, oid: str, value: list[Any]) -> Entry:
        """An entry as stored, its recurring strings interned as the pass makes them
        (paths, versions, signers: tens of thousands of rows decoded, each with copies)."""
        entry = cls(oid, *value)
        entry.author, entry.sig = intern(entry.author), intern(entry.sig)
        if entry.fpr is not None:
            entry.fpr = intern(entry.fpr)
        if entry.signer is not None:
            entry.signer = intern(entry.signer)
        entry.changes = [[intern(path), new and intern(new), old and intern(old)]
                         for path, new, old in entry.changes]
        so = entry.signoff
        if so is not None:
            for key in ("role", "path", "blob", "person"):
                if type(so.get(key)) is str:
                    so[key] = intern(so[key])
        entry.findings = entry.findings or ()
        entry.readers = entry.readers or ()
        return entry


@dataclass(slots=True)
class SignoffRef:
    role: str
    person: str
    commit: str
    time: int
    blob: str
    index: int  # position on the line

    def as_dict(self, current_blob: str | None) -> dict[str, Any]:
        return {"role": self.role, "person": self.person, "commit": self.commit,
                "date": iso(self.time), "blob": self.blob,
                "current": self.blob == current_blob}

    def as_json(self) -> list[Any]:
        return [self.role, self.person, self.commit, self.time, self.blob, self.index]


@dataclass(slots=True)
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
    deleted_by: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path, "status": self.status,
            "signers": [{"role": r, "person": self.holders.get(r)} for r in self.signers],
            "signoffs": [s.as_dict(self.blob) for s in self.signoffs],
        }
        if self.changed_by is not None:
            out["changed_by"] = self.changed_by
        if self.deleted_by is not None:
            out["deleted_by"] = self.deleted_by
        return out

    def as_json(self) -> list[Any]:
        return [self.path, self.status, self.blob, list(self.signers), self.holders,
                [s.as_json() for s in self.signoffs], self.changed_by,
                {r: s.as_json() for r, s in self.first_signed.items()}, self.deleted_by]

    @classmethod
    def from_json(cls, value: list[Any]) -> RecordStatus:
        path, status, blob, signers, holders, signoffs, changed, first, deleted = value
        return cls(path, status, blob, tuple(signers), holders,
                   [SignoffRef(*s) for s in signoffs], changed,
                   {r: SignoffRef(*s) for r, s in first.items()}, deleted)


class StoredEntries(dict[str, Entry]):
    """Each commit's entry, read from the store when first asked for (by ``[]``, ``get``
    or ``in``): a verify of a head verified before needs two of tens of thousands."""

    def __init__(self, load: Callable[[str], Entry | None], ids: Iterable[str]) -> None:
        super().__init__()
        self._load = load
        self._ids = frozenset(ids)

    def __missing__(self, oid: str) -> Entry:
        entry = self._load(oid) if oid in self._ids else None
        if entry is None:
            raise KeyError(oid)
        self[oid] = entry
        return entry

    def get(self, oid: str, default: Any = None) -> Any:
        try:
            return self[oid]
        except KeyError:
            return default

    def __contains__(self, oid: object) -> bool:
        return oid in self._ids or dict.__contains__(self, oid)


@dataclass
class Analysis:
    head: str | None
    #: the protected line, oldest first: (commit, parents as git reads them)
    graph: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)
    states: list[TrustIds] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    records: list[RecordStatus] = field(default_factory=list)
    shallow: bool = False
    checked: int = 0  # commits verified this run (not from the cache)
    loader: TrustLoader | None = None
    #: the trust root this repository is pinned to (commit id), if any
    pinned_root: str | None = None
    #: per sign-off commit: whether its sign-off counted (judged along the line)
    signoff_counts: dict[str, bool] = field(default_factory=dict)
    #: the walk that judged the records (signing.ledger.Ledger), for `sign` to ask
    #: who may sign now
    ledger: Any = None

    def trust_after(self, commit: str) -> TrustState:
        assert self.loader is not None
        return self.loader.state(self.states[self.entries[commit].trust])

    def head_trust(self) -> TrustState | None:
        return self.trust_after(self.head) if self.head and self.loader and \
            self.head in self.entries else None

    def trust_root(self) -> dict[str, Any] | None:
        if not self.graph:
            return None
        root = self.entries.get(self.graph[0][0])
        if root is None or not root.admin:
            return None
        now = self.head_trust()
        admins = [{"fingerprint": f, "person": now.person_for(f)} for f in
                  now.admins] if now is not None else []
        return {"commit": root.id, "signed_by": root.fpr, "admins": admins,
                "admins_required": now.ids.required if now is not None else 1,
                "pinned": self.pinned_root == root.id}

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.problem.severity == ERROR]


def iso(stamp: int) -> str:
    return dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

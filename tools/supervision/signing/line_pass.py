"""The pass over the commits of the line that the store does not hold, oldest first.

:class:`LinePass` reads each slice's commit objects, what each commit changed and the
objects its claims and trust changes name, and has :class:`~.judge.CommitJudge`
judge each commit on the line below it (the order matters: each commit's trust
state is the one accepted after its parent). With many commits, the next slice is
read, and its signatures and the versions its sign-offs name handed to a forked helper
(:mod:`~.ahead`), while one is judged. Used by :class:`~.verify.Verifier` only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from supervision.signing.ahead import Ahead, Known
from supervision.signing.analysis import Analysis, Entry
from supervision.signing.gitio import GitObject, RawCommit, parse_commit
from supervision.signing.judge import CommitJudge
from supervision.signing.openpgp import Keyring
from supervision.signing.signoff import RecordFacts, Trailers, read_trailers
from supervision.signing.trust import (
    CONFIG_FILE,
    PEOPLE_FILE,
    TrustIds,
    is_trust_path,
    parse_admins,
)

if TYPE_CHECKING:
    from supervision.signing.verify import Verifier


class LinePass:
    """Checks the commits not in the cache, oldest first."""

    def __init__(self, verifier: Verifier, analysis: Analysis,
                 todo: list[tuple[str, str, tuple[str, ...]]]) -> None:
        self.v = verifier
        self.a = analysis
        self.todo = todo
        self.git = verifier.git
        self.trees = {oid: tree for oid, tree, _p in todo}
        self.index = {s: i for i, s in enumerate(analysis.states)}
        first = todo[0][0]
        position = next(i for i, (oid, _p) in enumerate(analysis.graph) if oid == first)
        self.previous: Entry | None = (analysis.entries[analysis.graph[position - 1][0]]
                                       if position else None)
        #: Sequoia's answers for the slice being judged, worked out ahead (see run)
        self.known: Known = {}
        self._newest: TrustIds | None = None
        #: trust changes that count on the line so far (approvals may name them later)
        self.accepted: set[str] = {
            e.accepted[0] for oid, _p in analysis.graph[:position]
            if (e := analysis.entries[oid]).accepted is not None}

    def _state_index(self, ids: TrustIds) -> int:
        found = self.index.get(ids)
        if found is None:
            found = len(self.a.states)
            self.a.states.append(ids)
            self.index[ids] = found
        return found

    def run(self) -> None:
        """Judge the commits in slices of ``slice_size``, oldest first: each slice's
        commit objects and signed records are read, judged and let go before the next,
        so memory does not grow with the length of the history. With many, the next
        slice is read, and its signatures and newly signed versions handed to a helper
        process (:class:`~supervision.signing.ahead.Ahead`), while one is judged."""
        size = self.v.slice_size
        slices = [self.todo[i:i + size] for i in range(0, len(self.todo), size)]
        ahead = Ahead(self.v.repo) if len(self.todo) >= self.v.ahead_from and \
            (os.cpu_count() or 1) > 1 else None
        if ahead is not None and not ahead.start():
            ahead = None
        try:
            piece = self._read(slices[0], self.previous.tree if self.previous else None)
            if ahead is not None:
                self._send(ahead, piece)
            for number in range(len(slices)):
                following = self._read(slices[number + 1], slices[number][-1][1]) \
                    if number + 1 < len(slices) else None
                if ahead is not None:
                    self.known, versions = ahead.known()
                    for blob, facts in versions.items():
                        self.v.learn(blob, RecordFacts.from_json(facts))
                    if following is not None:
                        self._send(ahead, following)
                self._judge_slice(piece)
                if following is not None:
                    piece = following
        finally:
            if ahead is not None:
                ahead.close()
            self.known = {}

    def _read(self, todo: list[tuple[str, str, tuple[str, ...]]], before: str | None) -> Slice:
        """A slice's commit objects, what each changed (``before``: the tree of the commit
        below the slice on the line), its trailers and the objects they and its trust
        changes name."""
        git = self.git
        objects = git.read_objects(oid for oid, _t, _p in todo)
        raw = {oid: parse_commit(oid, obj.data if (obj := objects.pop(oid, None)) is not None
                                 else b"") for oid, _tree, _parents in todo}
        del objects
        pairs: list[tuple[str, str | None]] = []
        trees = self.trees
        for oid, tree, parents in todo:
            if not parents:
                pairs.append((oid, None))
            elif tree != (trees.get(parents[0]) or before):
                pairs.append((oid, parents[0]))
            before = tree
        changed = git.changes(pairs)
        trailers: dict[str, Trailers] = {}
        names: list[str] = []
        touches: set[str] = set()
        for oid, _tree, parents in todo:
            found = trailers[oid] = read_trailers(raw[oid].message)
            if found.claim is not None:
                names.append(f"{oid}:{found.claim.path}")
            if not parents or any(is_trust_path(p) for p, _n, _o in changed.get(oid, ())):
                touches.add(oid)
                names += [f"{oid}:{n}" for n in TRUST_OBJECTS]
        return Slice(todo, raw, changed, trailers, touches, git.read_objects(names))

    def _send(self, ahead: Ahead, piece: Slice) -> None:
        """A slice's signatures to check, and the versions its sign-offs name whose facts
        are not known yet, to the helper."""
        versions: dict[str, tuple[str, bytes]] = {}
        for oid, trailers in piece.trailers.items():
            claim = trailers.claim
            obj = piece.found.get(f"{oid}:{claim.path}") if claim is not None else None
            if claim is not None and obj is not None and obj.type == "blob" and \
                    obj.oid not in versions and self.v.known_facts(obj.oid) is None:
                versions[obj.oid] = (claim.path, obj.data)
        ahead.send(list(piece.raw.values()), self._guess(), versions)

    def _guess(self) -> list[Keyring]:
        """The keyrings a slice ahead is likely judged by: the trust state judged last,
        then that of the newest commit being verified (see :mod:`~.ahead`)."""
        loader = self.a.loader
        assert loader is not None
        if self._newest is None:
            newest = self.todo[-1][0]
            found = self.git.read_objects(f"{newest}:{n}" for n in TRUST_OBJECTS)
            self._newest = _trust_ids(found, newest)
            loader.prefetch([self._newest])
        rings = [loader.state(self._newest).keyring]
        if self.previous is not None:
            rings.insert(0, loader.state(self.a.states[self.previous.trust]).keyring)
        return rings

    def _judge_slice(self, piece: Slice) -> None:
        new_ids = {oid: _trust_ids(piece.found, oid) for oid in piece.touches}
        loader = self.a.loader
        assert loader is not None
        prefetch = list(new_ids.values())
        if self.previous is not None:
            prefetch.append(self.a.states[self.previous.trust])
        loader.prefetch(prefetch)
        for oid, tree, parents in piece.todo:
            entry = CommitJudge(self, piece.raw[oid], tree, parents, piece.changed.get(oid, []),
                                 piece.trailers[oid], new_ids.get(oid), piece.found).judge()
            self.a.entries[oid] = entry
            self.previous = entry
            if entry.accepted is not None:
                self.accepted.add(entry.accepted[0])


@dataclass
class Slice:
    """One slice of the line as read from git, before it is judged."""

    todo: list[tuple[str, str, tuple[str, ...]]]
    raw: dict[str, RawCommit]
    changed: dict[str, list[tuple[str, str | None, str | None]]]
    trailers: dict[str, Trailers]
    touches: set[str]  # commits whose trust state is read from their own tree
    found: dict[str, GitObject | None]  # the claimed records and trust files, by rev:path


#: What a commit's trust state is read from.
TRUST_OBJECTS = (PEOPLE_FILE, CONFIG_FILE, "keys")


def _trust_ids(found: dict[str, GitObject | None], oid: str) -> TrustIds:
    """The trust state a commit's own tree gives (its people.yml, admins and keys/)."""
    people, config, keys = (found.get(f"{oid}:{n}") for n in TRUST_OBJECTS)
    admins, required = parse_admins(config.data if config is not None else None)
    return TrustIds(people.oid if people is not None and people.type == "blob" else None,
                    keys.oid if keys is not None and keys.type == "tree" else None,
                    admins, required)

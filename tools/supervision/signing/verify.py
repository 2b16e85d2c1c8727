"""``supervision verify``: every sign-off in the history, against the repository's own keys.

One pass over the whole history, a handful of git processes however long it is::

    rev-list --topo-order --parents HEAD          the commit graph
    cat-file --batch  (commit objects)            signatures, signed payloads, trailers
    diff-tree --stdin (commits whose tree changed) which records and key files changed
    cat-file --batch  (<commit>:<path>)           the signed records, people.yml, keys/

Then, commit by commit, oldest first:

1. the *trust state* before the commit is the one accepted after its first
   parent (for the first commit: its own content, the bootstrap);
2. its signature is checked in this process (pysequoia) against exactly the
   certificates of that state; GnuPG's keyring and trust settings play no part;
3. a change to people.yml, keys/ or the admins list is accepted only if the
   commit is signed by an admin key of the state before it (a merge may also
   bring in a state its other parent had accepted); otherwise it is reported
   and does not count;
4. a sign-off (trailers, see :mod:`supervision.signing.signoff`) counts only if the
   signature is good, the key belongs to the person the record names in that
   role, and the named blob is the record in that commit.

Everything worked out for a commit depends only on the commit and its
ancestors, which its id covers, so results are cached by commit id: a second
run reads the cache and checks only new commits. Statuses per record are
worked out afresh each run from the cached results (cheap).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from supervision.cache import Cache, salt
from supervision.problems import ERROR, WARNING
from supervision.repo import RECORD_DIRS, RecordsRepo
from supervision.rules import problem
from supervision.signing.analysis import (
    NONE,
    Analysis,
    BadRevision,
    Entry,
    Finding,
    NotAGitRepository,
    RecordStatus,
    SignoffRef,
    Track,
    describe_signature,
    iso,
)
from supervision.signing.gitio import Git, RawCommit, parse_commit
from supervision.signing.openpgp import (
    BACKDATED,
    BAD,
    EXPIRED,
    GOOD,
    REVOKED,
    UNKNOWN_KEY,
    UNREADABLE,
    Verdict,
)
from supervision.signing.signoff import Claim, RecordFacts, is_record_path, read_claim, record_facts
from supervision.signing.trust import (
    CONFIG_FILE,
    NOBODY,
    PEOPLE_FILE,
    TrustIds,
    TrustLoader,
    TrustState,
    is_trust_path,
    parse_admins,
    short,
)

VERIFY_FORMAT = 2  # 2: a merge no longer "changes" a record it took from a parent
#: A signature may be at most this much older than its own commit...
SKEW = 15 * 60
#: ... or than its parent commits (clocks on different machines differ).
ORDER_SKEW = 60 * 60

#: Signature results reported on any commit: rule and message.
_SIGNATURE_PROBLEMS = {
    UNREADABLE: ("SIGNATURE-UNREADABLE", "commit {commit} carries a signature block that is "
                 "not a readable OpenPGP signature"),
    BAD: ("SIGNATURE-BAD", "commit {commit} was changed after {key} signed it: the signature "
          "does not match"),
    EXPIRED: ("KEY-EXPIRED", "commit {commit} is signed with {key}, which had expired when it "
              "signed"),
    REVOKED: ("KEY-REVOKED", "commit {commit} is signed with {key}, which has been revoked"),
    BACKDATED: ("SIGNATURE-BACKDATED", "commit {commit} is signed by {key} with a signature "
                "dated before the commit (or its parent) existed"),
}


def _how(sig: str, state: TrustState, fpr: str | None) -> str:
    """The signature a commit has, for a message: 'signed by deputy-sample (key …)'."""
    return f"signed by {state.label(fpr)}" if sig == GOOD else describe_signature(sig)


def _where(entry_changes: Iterable[list[Any]], claim: Claim | None, paths: list[str]) -> str:
    if claim is not None:
        return claim.path
    records = [c[0] for c in entry_changes]
    return (records or paths or ["."])[0]


class Verifier:
    def __init__(self, repo: RecordsRepo, git: Git | None = None,
                 use_cache: bool = True, cache_folder: Path | None = None) -> None:
        self.repo = repo
        self.git = git or Git(repo.root)
        self.use_cache = use_cache
        #: Where the cache lives when not in the repository's own .git (server hook).
        self.cache_folder = cache_folder
        self._facts: dict[str, RecordFacts] = {}
        self._new_facts = False
        self._places: dict[int, Any] = {}  # id(form) -> where it keeps disagreements

    # -- cache ---------------------------------------------------------------------
    def cache_key(self) -> str:
        """What, besides the commit, the results depend on (the profiles in use)."""
        return self._salt()

    def _salt(self) -> str:
        files = [Path(p.source) for p in self.repo.profiles.values()
                 if not p.source.startswith("<built-in>")]
        return salt(self.repo.root, files, extra=f"verify{VERIFY_FORMAT}:"
                    + ",".join(sorted(self.repo.profiles)))

    # -- the pass --------------------------------------------------------------------
    def run(self, rev: str | None = None) -> Analysis:
        """Verify the history of ``rev`` (default: HEAD), e.g. a pushed commit id."""
        git = self.git
        if not git.is_repository():
            raise NotAGitRepository(f"{self.repo.root} is not a git repository")
        if git.is_shallow():
            return Analysis(head=git.head(), shallow=True, findings=[Finding(problem(
                "SIGNOFF-SHALLOW-CLONE", ".", 1, 1,
                "this is a shallow clone: older commits are missing, so sign-offs and key "
                "changes cannot be checked back to the first commit"), None, None)])
        head = git.head() if rev is None else git.resolve(rev)
        if rev is not None and head is None:
            raise BadRevision(f"{rev} is not a commit in this repository")
        analysis = Analysis(head=head, loader=TrustLoader(git))
        if head is None:
            return analysis
        cache = Cache(self.repo.root, "verify", self._salt(),
                      self.cache_folder) if self.use_cache else None
        analysis.graph = self._graph(head, cache)
        states: list[TrustIds] = [NOBODY]
        if cache is not None:
            stored = cache.get("#states", [])
            states = [TrustIds.from_json(s) for s in stored] if stored else states
            for oid, value in cache.get("#facts", []) or []:
                self._facts[oid] = RecordFacts.from_json(value)
        analysis.states = states
        todo: list[tuple[str, tuple[str, ...]]] = []
        for oid, parents in analysis.graph:
            hit = cache.get(oid, []) if cache is not None else None
            if hit is not None:
                analysis.entries[oid] = Entry.from_json(oid, hit)
            else:
                todo.append((oid, parents))
        if todo:
            _Pass(self, analysis, todo).run()
            analysis.checked = len(todo)
        for oid, _parents in analysis.graph:
            analysis.findings += [Finding.from_dict(f) for f in analysis.entries[oid].findings]
        roots = [oid for oid, parents in analysis.graph if not parents]
        for extra in roots[1:]:
            analysis.findings.append(Finding(problem(
                "SIGNOFF-MANY-ROOTS", ".", 1, 1,
                f"commit {extra[:10]} starts a second history inside this one; its sign-offs "
                "were never checked against this repository's keys"), extra, None))
        self._statuses(analysis)
        if cache is not None:
            for oid, _parents in todo:
                cache.put(oid, [], analysis.entries[oid].as_json())
            if todo:
                cache.put("#states", [], [s.as_json() for s in analysis.states])
            if self._new_facts:
                cache.put("#facts", [], [[k, v.as_json()] for k, v in self._facts.items()])
            cache.save()
        return analysis

    def _graph(self, head: str, cache: Cache | None) -> list[tuple[str, tuple[str, ...]]]:
        """Every commit of ``head`` with its parents, oldest first. A commit id fixes its
        whole history, so the list is remembered for the last head verified: listing
        50,000 commits in order costs git up to a second on every warm run."""
        stored = cache.get("#graph", []) if cache is not None else None
        if isinstance(stored, list) and len(stored) == 2 and stored[0] == head:
            return [(ids[0], tuple(ids[1:])) for ids in stored[1]]
        graph = self.git.rev_list(head)
        if cache is not None:
            cache.put("#graph", [], [head, [[oid, *parents] for oid, parents in graph]])
        return graph

    def facts(self, oid: str, data: bytes | None, path: str) -> RecordFacts:
        found = self._facts.get(oid)
        if found is None:
            found = (record_facts(self.repo, data, path, self._places) if data is not None
                     else RecordFacts(None))
            self._facts[oid] = found
            self._new_facts = True
        return found

    # -- statuses --------------------------------------------------------------------
    def _statuses(self, analysis: Analysis) -> None:
        tracks: dict[str, Track] = {}
        for index, (oid, _parents) in enumerate(analysis.graph):
            entry = analysis.entries[oid]
            for path, blob in entry.changes:
                track = tracks.setdefault(path, Track())
                if track.agreed() and not entry.trusted:
                    track.unsigned.append((index, entry))
                track.blob = blob
                track.changed = (index, oid, entry)
            so = entry.signoff
            if so and so["ok"]:
                track = tracks.setdefault(so["path"], Track())
                track.signers = tuple(so["signers"])
                ref = SignoffRef(so["role"], so["person"], oid, entry.time, so["blob"], index)
                track.signed[so["role"]] = ref
                track.first.setdefault(so["role"], ref)
        head_files = {p: b for p, b in self.git.tree_files(
            analysis.head or "HEAD", *RECORD_DIRS).items() if is_record_path(p)}
        missing = [f"{b}" for b in head_files.values() if b not in self._facts]
        found = self.git.read_objects(missing)
        for path, blob in head_files.items():
            obj = found.get(blob)
            self.facts(blob, obj.data if obj is not None else None, path)
        for path in sorted(head_files):
            blob = head_files[path]
            facts = self._facts[blob]
            track = tracks.get(path, Track())
            analysis.records.append(_status(path, blob, facts, track))
        by_path = {r.path: r for r in analysis.records}
        for path, track in tracks.items():
            for index, entry in track.unsigned:
                record = by_path.get(path)
                current = [s for s in (record.signoffs if record else []) if s.blob == record.blob] \
                    if record else []
                settled = record is not None and record.status in ("agreed", "disputed") and all(
                    s.index > index for s in current)
                how = describe_signature(entry.sig)
                who = entry.signer or f"{entry.author} (git author; not verified)"
                analysis.findings.append(Finding(problem(
                    "RECORD-CHANGED-UNSIGNED", path, 1, 1,
                    f"commit {entry.id[:10]} changed this agreed record with {how}"
                    + ("; both have signed it again since" if settled else ""),
                    severity=WARNING if settled else ERROR), entry.id, who))


def _status(path: str, blob: str, facts: RecordFacts, track: Track) -> RecordStatus:
    signers = facts.signers
    signoffs = [track.signed[r] for r in signers if r in track.signed]
    current = {s.role for s in signoffs if s.blob == blob}
    changed_by = None
    if signers and current == set(signers):
        status = "disputed" if facts.disagreement else "agreed"
    elif current:
        status = "awaiting-" + next(r for r in signers if r not in current)
    elif track.signed:
        status = "stale"
        if track.changed is not None:
            _index, oid, entry = track.changed
            changed_by = {"commit": oid, "person": entry.signer or entry.author,
                          "date": iso(entry.time), "signature": entry.sig}
    else:
        status = "draft"
    return RecordStatus(path, status, blob, signers, dict(facts.holders), signoffs, changed_by,
                        {r: track.first[r] for r in signers if r in track.first})


class _Pass:
    """Checks the commits not in the cache, oldest first."""

    def __init__(self, verifier: Verifier, analysis: Analysis,
                 todo: list[tuple[str, tuple[str, ...]]]) -> None:
        self.v = verifier
        self.a = analysis
        self.todo = todo
        self.git = verifier.git
        self.index = {s: i for i, s in enumerate(analysis.states)}

    def _state_index(self, ids: TrustIds) -> int:
        found = self.index.get(ids)
        if found is None:
            found = len(self.a.states)
            self.a.states.append(ids)
            self.index[ids] = found
        return found

    def _tree_and_time(self, oid: str, raw: dict[str, RawCommit]) -> tuple[str, int]:
        if oid in raw:
            return raw[oid].tree, raw[oid].committer_time
        entry = self.a.entries[oid]
        return entry.tree, entry.time

    def run(self) -> None:
        git = self.git
        objects = git.read_objects(oid for oid, _p in self.todo)
        raw = {oid: parse_commit(oid, obj.data) for oid, obj in objects.items()
               if obj is not None}
        pairs: list[tuple[str, str | None]] = []
        for oid, parents in self.todo:
            if not parents:
                pairs.append((oid, None))
            elif raw[oid].tree != self._tree_and_time(parents[0], raw)[0]:
                pairs.append((oid, parents[0]))
        changed = git.changes(pairs)
        inherited = self._inherited(changed)
        claims: dict[str, tuple[Claim | None, str | None]] = {}
        names: list[str] = []
        touches: set[str] = set()
        for oid, parents in self.todo:
            claim = claims[oid] = read_claim(raw[oid].message)
            if claim[0] is not None:
                names.append(f"{oid}:{claim[0].path}")
            if not parents or any(is_trust_path(p) for p, _b in changed.get(oid, ())):
                touches.add(oid)
                names += [f"{oid}:{PEOPLE_FILE}", f"{oid}:{CONFIG_FILE}", f"{oid}:keys"]
        found = git.read_objects(names)
        new_ids: dict[str, TrustIds] = {}
        for oid in touches:
            people, config, keys = (found.get(f"{oid}:{n}") for n in (PEOPLE_FILE, CONFIG_FILE,
                                                                      "keys"))
            new_ids[oid] = TrustIds(
                people.oid if people is not None and people.type == "blob" else None,
                keys.oid if keys is not None and keys.type == "tree" else None,
                parse_admins(config.data if config is not None else None))
        loader = self.a.loader
        assert loader is not None
        loader.prefetch(list(new_ids.values()) + [
            self.a.states[self.a.entries[p].trust] for _o, ps in self.todo for p in ps[:1]
            if p in self.a.entries])
        for oid, parents in self.todo:
            self._commit(raw[oid], parents, changed.get(oid, []), claims[oid],
                         new_ids.get(oid), found, inherited.get(oid, set()))

    def _inherited(self, changed: dict[str, list[tuple[str, str | None]]]) -> dict[str, set[str]]:
        """Per merge commit, the records it holds exactly as one of its other parents does.

        Against its first parent a merge "changes" every record the merged branch
        changed. Those changes were made (signed or not) in that branch's own commits and
        are judged there; only a version no parent had is the merge's own change.
        """
        wanted: list[tuple[str, str, str | None, str]] = []
        for oid, parents in self.todo:
            if len(parents) < 2:
                continue
            for path, blob in changed.get(oid, ()):
                if is_record_path(path):
                    wanted += [(oid, path, blob, f"{p}:{path}") for p in parents[1:]]
        if not wanted:
            return {}
        found = self.git.read_objects(name for *_rest, name in wanted)
        out: dict[str, set[str]] = {}
        for oid, path, blob, name in wanted:
            obj = found.get(name)
            if (obj.oid if obj is not None else None) == blob:
                out.setdefault(oid, set()).add(path)
        return out

    def _commit(self, rc: RawCommit, parents: tuple[str, ...],
                changes: list[tuple[str, str | None]],
                claim_and_error: tuple[Claim | None, str | None],
                new_ids: TrustIds | None, found: dict[str, Any],
                inherited: set[str]) -> None:
        a = self.a
        loader = a.loader
        assert loader is not None
        oid = rc.oid
        short_id = oid[:10]
        # The first commit vouches for itself (the bootstrap); any other inherits.
        before_ids = a.states[a.entries[parents[0]].trust] if parents else new_ids or NOBODY
        state = loader.state(before_ids)
        verdict = (state.keyring.verify(rc.payload, rc.signature) if rc.signature is not None
                   else Verdict(NONE))
        sig = verdict.status
        if sig == GOOD and verdict.created is not None:
            latest_parent = max((self._tree_and_time(p, {})[1] if p in a.entries else 0
                                 for p in parents), default=0)
            if (verdict.created < rc.committer_time - SKEW
                    or verdict.created < latest_parent - ORDER_SKEW):
                sig = BACKDATED
        fpr = verdict.fingerprint
        signer = state.person_for(fpr)
        admin = sig == GOOD and fpr in state.admins
        claim, claim_error = claim_and_error
        records = [[p, b] for p, b in changes if is_record_path(p) and p not in inherited]
        where = _where(records, claim, [p for p, _b in changes])
        holder = None
        facts = None
        blob_obj = found.get(f"{oid}:{claim.path}") if claim is not None else None
        if claim is not None and blob_obj is not None and blob_obj.type == "blob":
            facts = self.v.facts(blob_obj.oid, blob_obj.data, claim.path)
            holder = facts.holder(claim.role)
        findings: list[Finding] = []

        def report(rule: str, message: str, person: str | None, path: str = where) -> None:
            findings.append(Finding(problem(rule, path, 1, 1, message), oid, person))

        key_words = f"key {short(fpr)}" if fpr else "a key"
        if sig in _SIGNATURE_PROBLEMS:  # whatever the commit is: always worth reporting
            rule, text = _SIGNATURE_PROBLEMS[sig]
            report(rule, text.format(commit=short_id, key=state.label(fpr)), signer or holder)

        # Who may sign from now on.
        if not parents:
            accepted = before_ids if admin else NOBODY
            if not admin:
                report("SIGNOFF-NO-TRUST-ROOT",
                       f"the first commit ({short_id}) is not signed by a records admin key "
                       f"that its own supervision.yml lists ({_how(sig, state, fpr)}), so no "
                       "key in this repository can be trusted", signer, path=CONFIG_FILE)
        elif new_ids is not None and new_ids != before_ids:
            others = {a.states[a.entries[p].trust] for p in parents[1:] if p in a.entries}
            if admin or new_ids in others:
                accepted = new_ids
            else:
                accepted = before_ids
                after = loader.state(new_ids)
                moved = sorted({p for f, p in after.people.items() if state.people.get(f) != p}
                               | {p for f, p in state.people.items() if after.people.get(f) != p})
                parts = []
                if new_ids.people != before_ids.people:
                    parts.append(PEOPLE_FILE)
                if new_ids.keys != before_ids.keys:
                    parts.append("keys/")
                if new_ids.admins != before_ids.admins:
                    parts.append("the admins in supervision.yml")
                for_whom = f" (keys of {', '.join(moved)})" if moved else ""
                changed_path = PEOPLE_FILE if PEOPLE_FILE in {p for p, _b in changes} else next(
                    (p for p, _b in changes if is_trust_path(p)), PEOPLE_FILE)
                report("TRUST-CHANGE-NOT-ADMIN",
                       f"commit {short_id} changed {' and '.join(parts)}{for_whom} without a "
                       f"records admin's signature ({_how(sig, state, fpr)}); "
                       "the change does not count", signer or (moved[0] if moved else None),
                       path=changed_path)
        else:
            accepted = before_ids

        # The sign-off this commit claims, if any.
        signoff = None
        if claim_error is not None:
            report("SIGNOFF-BAD-TRAILERS", f"commit {short_id} looks like a sign-off but "
                   f"{claim_error}", signer)
        elif claim is not None:
            role = claim.role
            ok = False
            if blob_obj is None or blob_obj.type != "blob" or facts is None:
                report("SIGNOFF-RECORD-MISSING", f"commit {short_id} signs {claim.path} as "
                       f"{role}, but no such record exists in that commit", signer)
            elif blob_obj.oid != claim.blob:
                report("SIGNOFF-BLOB-MISMATCH", f"commit {short_id} signs version "
                       f"{claim.blob[:10]} of this record as {role}, but the commit holds "
                       f"version {blob_obj.oid[:10]}: history was rewritten after signing",
                       signer or holder)
            elif facts.form is None or role not in facts.signers:
                roles = ", ".join(facts.signers) or "none"
                report("SIGNOFF-ROLE-UNKNOWN", f"commit {short_id} signs as '{role}', which "
                       f"is not a signing role of this record (roles: {roles})", signer)
            elif sig == NONE:
                report("SIGNOFF-UNSIGNED", f"commit {short_id} claims a sign-off as {role} "
                       f"(the record names {holder}) but carries no signature", holder)
            elif sig == UNKNOWN_KEY or (sig == GOOD and signer is None):
                listed = fpr is not None and fpr in state.people
                why = ("people.yml lists it but keys/ holds no copy of it" if listed else
                       "people.yml did not list it for anyone at that point")
                report("KEY-UNKNOWN", f"commit {short_id} signs as {role} (the record names "
                       f"{holder}) with {key_words}, but {why}", holder)
            elif sig != GOOD:
                pass  # already reported above
            elif signer != holder:
                report("SIGNOFF-WRONG-PERSON", f"commit {short_id} signs as {role} with "
                       f"{signer}'s key, but this record's {role} is {holder}", signer)
            else:
                ok = True
            signoff = {"role": role, "path": claim.path, "blob": claim.blob,
                       "person": signer if ok else holder,
                       "signers": list(facts.signers) if facts else [], "ok": ok}
        a.entries[oid] = Entry(
            id=oid, parents=list(parents), tree=rc.tree, time=rc.committer_time,
            author_time=rc.author_time, author=rc.author, sig=sig, fpr=fpr, signer=signer,
            admin=admin, changes=records, signoff=signoff,
            trust=self._state_index(accepted), findings=[f.as_dict() for f in findings])


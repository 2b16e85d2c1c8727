"""``supervision verify``: every sign-off on the protected line, against the repository's keys.

The records' history is one straight line: the first-parent line of the commit
verified (HEAD, or a pushed commit). One pass over it, a handful of git processes
however long it is::

    log --first-parent --format=%H %T %P       the line, with trees and parents as git reads them
    cat-file --batch  (commit objects)          signatures, signed payloads, trailers
    diff-tree --stdin (commits whose tree changed) which records and key files changed
    cat-file --batch  (<commit>:<path>)         the signed records, people.yml, keys/

Then, commit by commit, oldest first (this module; what it finds is cached per commit):

1. a commit object not laid out as git writes one, or read differently by git than
   by us, counts for nothing (``COMMIT-MALFORMED``); a merge is an error
   (``HISTORY-MERGE``) and is judged against its first parent like any commit;
2. the *trust state* before the commit is the one accepted after its parent on the
   line (for the first commit: its own content, the bootstrap, pinned after the
   first run); its signature is checked in this process (pysequoia) against
   exactly the certificates of that state, and also against the line itself: a key
   revoked or expired on the line cannot sign later commits, and signature times
   may not go backwards along the line nor lie ahead of this machine's clock;
3. a change to people.yml, keys/ or the admins counts once ``admins_required``
   different admins (people, not keys) have signed it, in the commit or in later
   approval commits naming it;
4. a sign-off's trailers must name the record's version in that commit, in a role
   of its form, held by the key's owner.

Then :mod:`supervision.signing.ledger` walks the line again (cheap, every run) for
what depends on the records' own history: who may sign by the contract in force and
people's roles, edits and deletions of signed records, confirmations of new keys,
and each record's status.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from supervision.cache import Cache, gc_paused, rows_for, split_rows
from supervision.problems import ERROR
from supervision.repo import RecordsRepo
from supervision.rules import problem
from supervision.signing.analysis import (
    Analysis,
    BadRevision,
    Entry,
    Finding,
    NotAGitRepository,
    RecordStatus,
    StoredEntries,
)
from supervision.signing.gitio import (
    Git,
    GitError,
    line_of,
    walk_line,
)
from supervision.signing.line_pass import LinePass
from supervision.signing.signoff import (
    FACTS_NAMESPACE,
    RecordFacts,
    facts_salt,
    record_facts,
    results_salt,
)
from supervision.signing.trust import (
    NOBODY,
    TrustIds,
    TrustLoader,
)

#: Where the trust root is pinned in a repository's git config.
PIN_KEY = "supervision.trustRoot"
#: Commits judged together (read, judged, then let go): bounds verify's memory.
PASS_SLICE = 4000
#: Commits to judge from which their signatures are checked a slice ahead in a forked
#: process (:mod:`supervision.signing.ahead`); fewer are quicker checked here.
AHEAD_FROM = 1000
#: Commits of the line stored in one row (its rows are never all encoded at once).
LINE_ROW = 5000
#: Record statuses stored in one row of the remembered result: never all of a large
#: trust's statuses encoded (or decoded) at once.
RECORDS_ROW = 1000

#: The store namespace of the reports ``supervision verify`` printed, one row per format.
REPORT_NAMESPACE = "verify-report"

#: A remembered ledger result: the statuses, the findings, which sign-offs counted.
Recalled = tuple[list[RecordStatus], list[Finding], dict[str, bool]]

class Verifier:
    def __init__(self, repo: RecordsRepo, git: Git | None = None,
                 use_cache: bool = True, cache_folder: Path | None = None,
                 trust_root: str | None = None, now: float | None = None,
                 slice_size: int = PASS_SLICE, ahead_from: int = AHEAD_FROM) -> None:
        self.repo = repo
        #: commits judged together, and how many make checking signatures ahead worth it
        self.slice_size, self.ahead_from = slice_size, ahead_from
        self.git = git or Git(repo.root)
        self.use_cache = use_cache
        #: Where the cache lives when not in the repository's own .git (server hook).
        self.cache_folder = cache_folder
        #: The first commit the history must start at (given, or pinned in git config).
        self.trust_root = trust_root
        #: The verifying machine's clock: never --today, which only moves the calendar.
        self.now = int(time.time() if now is None else now)
        self._facts: dict[str, RecordFacts] = {}
        #: each record version's facts, shared with check (by blob id), read when needed
        self._facts_store: Cache | None = None
        self._new_facts: dict[str, RecordFacts] = {}
        self._places: dict[int, Any] = {}  # id(form) -> where it keeps disagreements
        #: the line read from git this run, to be stored with the run's other rows
        self._new_line: list[tuple[str, str, tuple[str, ...]]] | None = None

    # -- cache ---------------------------------------------------------------------
    def _salt(self) -> str:
        return results_salt(self.repo)

    def report_store(self) -> tuple[Cache, list[str | None]] | None:
        """Where the report printed for this history is remembered, and the stamp a
        remembered report must carry to be printed again: the head (whose id fixes the
        whole line) and the trust root it was judged against. None without the store,
        outside git, before the first commit, in a shallow clone, and while no trust root
        is pinned (the run that pins it must run whole)."""
        if not self.use_cache:
            return None
        pinned = self.pinned_root()
        head = self.git.whole_head() if pinned is not None else None
        if head is None:
            return None
        return (Cache(self.repo.root, REPORT_NAMESPACE, self._salt(), self.cache_folder),
                report_stamp(head, pinned))

    def pinned_root(self) -> str | None:
        if self.trust_root:
            return self.trust_root.strip().split()[0].lower()
        value = self.git.config_get(PIN_KEY)
        return value.split()[0].lower() if value else None

    def pin(self, analysis: Analysis) -> bool:
        """Record the trust root in git config (never in the cache folder, which a
        rebuild may delete) when none is pinned and the history starts well."""
        root = analysis.trust_root()
        if root is None or self.pinned_root() is not None:
            return False
        try:
            self.git.config_set(PIN_KEY, f"{root['commit']} {root['signed_by']}")
        except GitError:
            return False
        return True

    # -- the pass --------------------------------------------------------------------
    def run(self, rev: str | None = None, ledger: bool = False) -> Analysis:
        """Verify the line of ``rev`` (default: HEAD), e.g. a pushed commit id.

        ``ledger``: keep the walk over the records (``analysis.ledger``) even when the
        result for this commit is remembered (``sign`` asks it who may sign).
        """
        git = self.git
        if not git.is_repository():
            raise NotAGitRepository(f"{self.repo.root} is not a git repository")
        if git.is_shallow():
            return Analysis(head=git.head(), shallow=True, findings=[Finding(problem(
                "SIGNOFF-SHALLOW-CLONE", ".", 1, 1,
                "this is a shallow clone: older commits are missing, so sign-offs and key "
                "changes cannot be checked back to the first commit"), None, None)])
        head = git.object_id("HEAD" if rev is None else rev)
        if rev is not None and head is None:
            raise BadRevision(f"{rev} is not a commit in this repository")
        analysis = Analysis(head=head, loader=TrustLoader(git),
                            pinned_root=self.pinned_root())
        if head is None:
            return analysis
        cache = Cache(self.repo.root, "verify", self._salt(),
                      self.cache_folder) if self.use_cache else None
        self._new_line = None
        line = self._line(head, cache, analysis)
        if line is None:
            return analysis
        analysis.graph = [(oid, parents) for oid, _tree, parents in line]
        if analysis.pinned_root and line and not line[0][0].startswith(analysis.pinned_root):
            analysis.findings.append(Finding(problem(
                "TRUST-ROOT-MISMATCH", ".", 1, 1,
                f"this history starts at commit {line[0][0][:10]}, but this repository's "
                f"trust root is pinned to {analysis.pinned_root[:10]}"), line[0][0], None))
        if cache is not None and not ledger and self._remembered(analysis, head, cache):
            return analysis
        if cache is not None:
            cache.preload()  # every commit's entry is read below
        states: list[TrustIds] = [NOBODY]
        if cache is not None:
            stored = cache.get("#states", [])
            states = [TrustIds.from_json(s) for s in stored] if stored else states
            self._facts_store = Cache(self.repo.root, FACTS_NAMESPACE,
                                      facts_salt(self.repo), self.cache_folder)
        analysis.states = states
        todo: list[tuple[str, str, tuple[str, ...]]] = []
        with gc_paused(len(line)):  # tens of thousands of rows decoded: none is garbage
            for item in line:
                hit = cache.take(item[0], []) if cache is not None and not todo else None
                if hit is not None:
                    entry = analysis.entries[item[0]] = Entry.from_json(item[0], hit)
                    if list(item[2]) == entry.parents:
                        entry.parents = item[2]  # the line's tuple, not a list of copies
                else:
                    todo.append(item)
        if todo:
            LinePass(self, analysis, todo).run()
            analysis.checked = len(todo)
        counted = {e.accepted[0] for e in analysis.entries.values() if e.accepted is not None}
        first = len(analysis.findings)
        for oid, _parents in analysis.graph:
            stored = analysis.entries[oid].findings
            if stored:
                analysis.findings += [
                    Finding.from_dict(f) for f in stored
                    if not (f["rule"] == "TRUST-CHANGE-PENDING" and oid in counted)]
        if any(len(parents) > 1 for _oid, parents in analysis.graph):
            self._other_roots(analysis, head)
        line_findings = [f.as_dict() for f in analysis.findings[first:]]
        self._records(analysis, head, cache, bool(todo), ledger)
        if cache is not None:
            cache.write(self._rows(analysis, head, todo, line_findings))
            cache.close()
        if self._facts_store is not None:
            new = self._new_facts
            self._facts_store.write((oid, "", facts.as_json()) for oid, facts in new.items())
            self._facts_store.close()
            new.clear()
        return analysis

    def _rows(self, analysis: Analysis, head: str, todo: list[tuple[str, str, tuple[str, ...]]],
              line_findings: list[dict[str, Any]]) -> Iterator[tuple[str, Any, Any]]:
        """The rows this run adds to the store, each made only as it is written."""
        line, self._new_line = self._new_line, None
        if line is not None:
            yield from split_rows("#line", head, line, LINE_ROW,
                                  lambda item: [item[0], item[1], *item[2]])
            yield "#line", [], [head, rows_for(line, LINE_ROW)]
        entries = analysis.entries
        for oid, _tree, _parents in todo:
            yield oid, [], entries[oid].as_json()
        if todo:
            yield "#states", [], [s.as_json() for s in analysis.states]
        yield "#summary", [], [head, line_findings]

    def _remembered(self, analysis: Analysis, head: str, cache: Cache) -> bool:
        """A head verified before, with the same code and profiles: the line's findings,
        the trust states and the records' statuses as stored then, and each commit's
        entry read only if a caller asks for it. (They depend only on the line, which
        the head's id fixes, and on the salt.) A warm verify then decodes none of the
        tens of thousands of commits' rows."""
        summary = cache.get("#summary", [])
        states = cache.get("#states", [])
        if not (isinstance(summary, list) and len(summary) == 2 and summary[0] == head
                and states):
            return False
        memo = Cache(self.repo.root, "verify-records", self._salt(), self.cache_folder)
        stored = self._recall(memo, head)
        memo.close()
        if stored is None:
            return False
        analysis.states = [TrustIds.from_json(s) for s in states]

        def load(oid: str) -> Entry | None:
            raw = cache.get(oid, [])
            return Entry.from_json(oid, raw) if raw is not None else None

        analysis.entries = StoredEntries(load, (oid for oid, _parents in analysis.graph))
        analysis.findings += [Finding.from_dict(f) for f in summary[1]]
        self._records(analysis, head, None, False, False, stored)
        return True

    def _records(self, analysis: Analysis, head: str, cache: Cache | None, changed: bool,
                 keep: bool, stored: Recalled | None = None) -> None:
        """The ledger's statuses and findings; remembered for the last head verified (they
        depend only on the line, which the head's id fixes, and on the salt). ``stored``:
        the remembered result, already read."""
        from supervision.signing.ledger import Ledger

        memo = Cache(self.repo.root, "verify-records", self._salt(), self.cache_folder) \
            if cache is not None else None
        if stored is None and memo is not None and not changed and not keep:
            stored = self._recall(memo, head)
        if stored is not None:
            analysis.records, findings, analysis.signoff_counts = stored
            analysis.findings += findings
        else:
            first = len(analysis.findings)
            Ledger(self, analysis).run()
            if memo is not None:
                memo.write(_remembered_rows(analysis, head, first), replace=True)
        if memo is not None:
            memo.close()

    @staticmethod
    def _recall(memo: Cache, head: str) -> Recalled | None:
        """The ledger's result remembered for ``head`` (statuses, findings, which sign-offs
        counted), its statuses read one row of :data:`RECORDS_ROW` at a time; None when
        none is, or a row is missing."""
        top = memo.get("head", [])
        if not (isinstance(top, list) and len(top) == 4 and top[0] == head):
            return None
        try:
            records = [RecordStatus.from_json(r) for r in memo.parts("records", int(top[3]), head)]
        except KeyError:  # a row missing: worked out again
            return None
        return records, [Finding.from_dict(f) for f in top[1]], dict(top[2])

    def _line(self, head: str, cache: Cache | None,
              analysis: Analysis) -> list[tuple[str, str, tuple[str, ...]]] | None:
        """The first-parent line of ``head``, oldest first. A commit id fixes its whole
        line, so it is remembered for the last head verified (:data:`LINE_ROW` commits to
        a row of the store). None (with a finding)
        when git cannot read a commit on it: then nothing on it can be trusted."""
        stored = cache.get("#line", []) if cache is not None else None
        if cache is not None and isinstance(stored, list) and len(stored) == 2 and \
                stored[0] == head:
            with contextlib.suppress(KeyError):  # a row missing: read from git again
                return line_of(cache.parts("#line", int(stored[1]), head))
        try:
            line = self.git.line(head)
        except GitError:
            line, broken = walk_line(self.git, head)
            analysis.findings.append(Finding(problem(
                "COMMIT-MALFORMED", ".", 1, 1,
                f"git cannot read commit {str(broken or head)[:10]} on the line of "
                f"{head[:10]} as a commit, so nothing on that line can be verified"),
                broken or head, None))
            return None
        self._new_line = line if cache is not None else None  # stored at the end of the run
        return line

    def _other_roots(self, analysis: Analysis, head: str) -> None:
        """First commits a merge brought in (reported once; the merges are errors anyway)."""
        try:
            roots = self.git.out("rev-list", "--max-parents=0", head, "--").split()
        except GitError:
            return
        first = analysis.graph[0][0] if analysis.graph else None
        for extra in roots:
            if extra != first:
                analysis.findings.append(Finding(problem(
                    "SIGNOFF-MANY-ROOTS", ".", 1, 1,
                    f"commit {extra[:10]} starts a second history brought in by a merge; its "
                    "sign-offs were never checked against this repository's keys"), extra, None))

    def facts(self, oid: str, data: bytes | None, path: str) -> RecordFacts:
        found = self.known_facts(oid)
        if found is None:
            found = (record_facts(self.repo, data, path, self._places) if data is not None
                     else RecordFacts(None))
            self.learn(oid, found)
        return found

    def learn(self, oid: str, facts: RecordFacts) -> None:
        """A version's facts, worked out here or by the helper (:mod:`~.ahead`)."""
        oid = sys.intern(oid)  # the same string as the changes' blob ids
        self._facts[oid] = facts
        self._new_facts[oid] = facts

    def known_facts(self, oid: str) -> RecordFacts | None:
        """A version's facts if this run or the store (check's or an earlier verify's)
        already has them; the store's rows are read all at once when first needed."""
        found = self._facts.get(oid)
        if found is None and self._facts_store is not None:
            self._facts_store.preload()
            value = self._facts_store.get(oid, "")
            if value is not None:
                found = self._facts[oid] = RecordFacts.from_json(value)
        return found


def report_stamp(head: str, pinned_root: str | None) -> list[str | None]:
    """What a remembered report depends on besides the salt (see ``report_store``)."""
    return [head, pinned_root]


def _remembered_rows(analysis: Analysis, head: str, first: int
                     ) -> Iterator[tuple[str, Any, Any]]:
    """The ledger's result as rows of the store: statuses :data:`RECORDS_ROW` to a row
    (stamped with the head), each made only as it is written, then the head's row."""
    records = analysis.records
    yield from split_rows("records", head, records, RECORDS_ROW, RecordStatus.as_json)
    yield "head", [], [head, [f.as_dict() for f in analysis.findings[first:]],
                       analysis.signoff_counts, rows_for(records, RECORDS_ROW)]


def error_count(analysis: Analysis) -> int:
    return sum(1 for f in analysis.findings if f.problem.severity == ERROR)

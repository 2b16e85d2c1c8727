"""The git server's gate: check and verify what a push brings, before any ref moves.

``supervision hook pre-receive`` runs this on the server. git gives a pre-receive
hook one ``<old> <new> <ref>`` line per ref being pushed; the pushed objects are
already readable (in git's quarantine) but no ref has moved yet. For each ref:

1. **What is new**: the commits reachable from the pushed commit and from no
   existing ref (``rev-list <new> --not --all``). A deletion, or a ref moved to
   commits the server already has, brings nothing new and is let through.
2. **The records as they are in the pushed commit**: a bare repository has no
   working tree, so the files are read from git (``ls-tree`` and one
   ``cat-file --batch``) into a temporary folder: everything outside
   ``records/`` and ``contracts/`` (settings, people, calendar, profiles) plus
   the records to check. Those are the records, calendar files and settings the
   new commits changed; when the settings, people.yml or a profile changed, every
   record, since a settings change can make an untouched record invalid. The
   existing :class:`~supervision.checker.Checker` checks them without the time
   rules: deadlines are about the calendar, not about what was pushed.
3. **The new commits' signatures**: the existing
   :class:`~supervision.signing.verify.Verifier` runs on the pushed commit (not HEAD,
   which has not moved), with its per-commit cache kept in the bare repository
   (``<git dir>/supervision/verify.json``), so a push costs the new commits, not
   the whole history. Only findings about new commits count: problems that were
   already in the server's history are the audit's business (``supervision
   verify`` in CI), and must not block every later push.

Any error refuses the whole push (git updates either all refs or none). Time
rules never run here. Nothing is written into the repository except the cache.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from supervision.config import CONFIG_FILE, PEOPLE_FILE
from supervision.problems import ERROR, Problem
from supervision.repo import RECORD_DIRS, RecordsRepo
from supervision.signing.gitio import ZERO, Git

#: Files a push is checked for: the pre-commit hook's pattern (records, calendar, settings).
CHECKED = re.compile(r"(?:records|contracts|calendar)/.*\.ya?ml\Z|(?:supervision|people)\.yml\Z")
_OID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?\Z")


class BadInput(ValueError):
    """A line on stdin that is not ``<old> <new> <ref>``."""


@dataclass(frozen=True)
class RefUpdate:
    old: str
    new: str
    ref: str

    @property
    def deleted(self) -> bool:
        return self.new == ZERO

    @property
    def created(self) -> bool:
        return self.old == ZERO


def parse_updates(text: str) -> list[RefUpdate]:
    """git's pre-receive input: one ``<old-id> <new-id> <ref-name>`` line per ref."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(" ", 2)
        if len(parts) != 3 or not all(_OID.match(p) for p in parts[:2]) or not parts[2]:
            raise BadInput(f"line {number} of the input is not '<old-id> <new-id> <ref-name>'")
        out.append(RefUpdate(parts[0], parts[1], parts[2]))
    return out


@dataclass
class Finding:
    """A finding, and the commit and person it concerns (None for the pushed records)."""

    problem: Problem
    commit: str | None = None
    person: str | None = None


@dataclass
class RefReport:
    update: RefUpdate
    tip: str | None = None
    new_commits: list[str] = field(default_factory=list)
    checked_files: int = 0
    whole_repository: bool = False
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None  # why nothing was looked at

    @property
    def refused(self) -> bool:
        return any(f.problem.severity == ERROR for f in self.findings)


class Gate:
    """Reviews pushed refs in one repository (bare or not) the hook runs in."""

    def __init__(self, git: Git, today: dt.date | None = None,
                 cache_folder: Path | None = None) -> None:
        self.git = git
        self.today = today
        self.cache_folder = cache_folder

    def review(self, updates: list[RefUpdate]) -> list[RefReport]:
        return [self.review_one(u) for u in updates]

    def review_one(self, update: RefUpdate) -> RefReport:
        report = RefReport(update)
        if update.deleted:
            report.skipped = "deleted (branch protection decides whether that is allowed)"
            return report
        tip = self.git.resolve(update.new)
        if tip is None:
            report.skipped = "does not point at a commit: nothing to check"
            return report
        report.tip = tip
        found = self.git.read_objects([f"{tip}:{CONFIG_FILE}", f"HEAD:{CONFIG_FILE}"])
        if all(found.get(n) is None for n in found):
            report.skipped = f"not a records repository (no {CONFIG_FILE})"
            return report
        graph = self.git.rev_list(tip, "--not", "--all")
        report.new_commits = [oid for oid, _parents in graph]
        if not graph:
            report.skipped = "brings no new commits"
            return report
        changed = self.git.changes([(oid, parents[0] if parents else None)
                                    for oid, parents in graph])
        paths = {path for items in changed.values() for path, _blob in items}
        with tempfile.TemporaryDirectory(prefix="supervision-push-") as tmp:
            root = Path(tmp).resolve()
            files = self.git.tree_files(tip)
            settings = {p: b for p, b in files.items()
                        if p.split("/", 1)[0] not in RECORD_DIRS}
            self._write(root, settings)
            repo = RecordsRepo.load(root)
            self._check(report, repo, files, set(settings), paths)
            self._verify(report, repo, tip)
        return report

    # -- the records as they are in the pushed commit ---------------------------------
    def _check(self, report: RefReport, repo: RecordsRepo, files: dict[str, str],
               settings: set[str], changed: set[str]) -> None:
        from supervision.checker import Checker

        root = repo.root
        profiles = {Path(p.source).relative_to(root).as_posix() for p in repo.profiles.values()
                    if Path(p.source).is_relative_to(root)}
        whole = bool(changed & ({CONFIG_FILE, PEOPLE_FILE} | profiles))
        wanted = None if whole else sorted(p for p in changed if p in files and CHECKED.match(p))
        if wanted == []:
            return
        self._write(root, {p: b for p, b in files.items() if p not in settings
                           and (wanted is None or p in wanted)})
        result = Checker(repo, use_cache=False, today=self.today).run(wanted)
        report.whole_repository = whole
        report.checked_files = result.checked
        report.findings += [Finding(p) for p in result.problems]

    def _write(self, root: Path, files: dict[str, str]) -> None:
        """Write these blobs under ``root``; paths git would refuse are left out."""
        blobs = self.git.read_objects(files.values())
        for path, oid in files.items():
            parts = path.split("/")
            if any(part in ("", ".", "..") or part.lower() == ".git" for part in parts):
                continue
            obj = blobs.get(oid)
            if obj is None:
                continue
            target = root.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(obj.data)

    # -- the new commits' signatures ------------------------------------------------------
    def _verify(self, report: RefReport, repo: RecordsRepo, tip: str) -> None:
        from supervision.signing.verify import Verifier

        analysis = Verifier(repo, self.git, use_cache=True,
                            cache_folder=self.cache_folder).run(tip)
        new = set(report.new_commits)
        report.findings += [Finding(f.problem, f.commit, f.person) for f in analysis.findings
                            if f.commit is None or f.commit in new]

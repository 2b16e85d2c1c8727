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
   (``<git dir>/supervision/store.sqlite``), so a push costs the new commits, not
   the whole history. Only findings about new commits count: problems that were
   already in the server's history are the audit's business (``supervision
   verify`` in CI), and must not block every later push.

Before any of that, what the server already holds is protected, whatever the
pushed commits say about themselves:

* the protected branches (git config ``supervision.protectedBranch``, one value
  per branch; by default the server's default branch and ``main``) only move
  forward: a non-fast-forward update or a deletion is refused;
* no push may bring a second first commit (a separate history), under any ref
  name, once the server holds anything;
* once the server holds records, every pushed commit must be a commit of a records
  repository (hold supervision.yml);
* the pushed line must start at the trust root pinned in the server's git config
  (``supervision.trustRoot``, pinned by the first accepted push).

Any error refuses the whole push (git updates either all refs or none). Time
rules never run here. Nothing is written into the repository except the cache and,
once, the trust root pin.
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
from supervision.rules import problem
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


#: Protected branches when the server's git config names none (with its default branch).
DEFAULT_PROTECTED = ("refs/heads/main",)
PROTECT_KEY = "supervision.protectedBranch"


class Gate:
    """Reviews pushed refs in one repository (bare or not) the hook runs in."""

    def __init__(self, git: Git, today: dt.date | None = None,
                 cache_folder: Path | None = None) -> None:
        self.git = git
        self.today = today
        self.cache_folder = cache_folder
        self._refs: dict[str, str] | None = None
        self._records: bool | None = None
        #: the trust root to pin once the whole push is accepted (first push only)
        self.pin: tuple[str, str] | None = None

    # -- what the server already holds --------------------------------------------------
    def refs(self) -> dict[str, str]:
        """Every ref on the server (name -> object id), before this push."""
        if self._refs is None:
            text = self.git.out("for-each-ref", "--format=%(refname) %(objectname)")
            self._refs = dict(line.split(" ", 1) for line in text.splitlines() if " " in line)
        return self._refs

    def protected(self) -> set[str]:
        done = self.git._run(["config", "--get-all", PROTECT_KEY], check=False)
        named = {_ref(v) for v in done.stdout.decode().split() if v}
        if named:
            return named
        head = self.git._run(["symbolic-ref", "-q", "HEAD"], check=False)
        default = head.stdout.decode().strip()
        return {*DEFAULT_PROTECTED, *([default] if default else [])}

    def holds_records(self) -> bool:
        """Whether the server already holds a records repository: then every pushed
        commit must be one (an attacker cannot make it forget: protected branches
        are never deleted or rewound)."""
        if self._records is None:
            names = [f"{oid}:{CONFIG_FILE}" for oid in self.refs().values()]
            found = self.git.read_objects(names)
            self._records = any(obj is not None for obj in found.values()) or bool(
                self.git.config_get("supervision.trustRoot"))
        return self._records

    def review(self, updates: list[RefUpdate]) -> list[RefReport]:
        reports = [self.review_one(u) for u in updates]
        if self.pin is not None and not any(r.refused for r in reports) and \
                self.git.config_get("supervision.trustRoot") is None:
            self.git.config_set("supervision.trustRoot", " ".join(self.pin))
        return reports

    def _refuse(self, report: RefReport, rule: str, message: str,
                commit: str | None = None) -> RefReport:
        report.findings.append(Finding(problem(rule, ".", 1, 1, message), commit))
        return report

    def review_one(self, update: RefUpdate) -> RefReport:
        report = RefReport(update)
        protected = update.ref in self.protected()
        if update.deleted:
            if protected:
                return self._refuse(report, "PUSH-DELETE-PROTECTED",
                                    f"the push would delete {update.ref}, a protected branch")
            report.skipped = "deleted (not a protected branch)"
            return report
        tip = self.git.resolve(update.new)
        kind = self.git._run(["cat-file", "-t", update.new], check=False).stdout.decode().strip()
        if tip is None:
            if kind == "commit":
                return self._refuse(report, "COMMIT-MALFORMED",
                                    f"{update.ref} points at {update.new[:10]}, which git cannot "
                                    "read as a commit", update.new)
            if self.holds_records():
                return self._refuse(report, "PUSH-NOT-RECORDS",
                                    f"{update.ref} points at a {kind or 'missing object'}, not "
                                    "a commit of the records")
            report.skipped = "does not point at a commit: nothing to check"
            return report
        report.tip = tip
        if protected and not update.created and not self.git.ok(
                "merge-base", "--is-ancestor", update.old, tip):
            self._refuse(report, "PUSH-NOT-FAST-FORWARD",
                         f"the push would move {update.ref} from {update.old[:10]} to "
                         f"{tip[:10]}, which does not build on it (a rewind or a rewrite)")
        found = self.git.read_objects([f"{tip}:{CONFIG_FILE}"])
        if all(found.get(n) is None for n in found):
            if self.holds_records():
                return self._refuse(report, "PUSH-NOT-RECORDS",
                                    f"commit {tip[:10]} pushed to {update.ref} holds no "
                                    f"{CONFIG_FILE}", tip)
            report.skipped = f"not a records repository (no {CONFIG_FILE})"
            return report
        roots = self.git.out("rev-list", "--max-parents=0", tip, "--not", "--all",
                             "--").split()
        if roots and self.refs():
            for first in roots:
                self._refuse(report, "PUSH-NEW-ROOT",
                             f"the push to {update.ref} brings commit {first[:10]}, a second "
                             "first commit: a separate history", first)
        graph = self.git.rev_list(tip, "--not", "--all")
        report.new_commits = [oid for oid, _parents in graph]
        if not graph:
            if not report.findings:
                report.skipped = "brings no new commits"
            return report
        changed = self.git.changes([(oid, parents[0] if parents else None)
                                    for oid, parents in graph])
        paths = {path for items in changed.values() for path, _new, _old in items}
        with tempfile.TemporaryDirectory(prefix="supervision-push-") as tmp:
            root = Path(tmp).resolve()
            files = self.git.tree_files(tip)
            settings = {p: b for p, b in files.items()
                        if p.split("/", 1)[0] not in RECORD_DIRS}
            self._write(root, settings)
            repo = RecordsRepo.load(root)
            repo.stored = True  # blobs as stored: sealed records stay sealed (issue 19)
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
                            if f.commit is None or f.commit in new
                            or f.problem.rule == "TRUST-ROOT-MISMATCH"]
        root = analysis.trust_root()
        if not self.refs() and root is not None:
            self.pin = (root["commit"], str(root["signed_by"]))


def _ref(name: str) -> str:
    return name if name.startswith("refs/") else f"refs/heads/{name}"

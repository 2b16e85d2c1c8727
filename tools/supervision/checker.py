"""``supervision check``: every record against its form and the policy rules.

One record is checked by :mod:`supervision.record_check`; results are kept in the
store per blob (see :mod:`supervision.cache`), and many files are shared between
worker processes. A cold whole check (or site build) verifies sign-offs in another
process meanwhile (:mod:`supervision.signing.background`). Cross-record rules (calendar,
deadlines) run afterwards on the facts of all records, each given a :class:`CrossContext`
(the repository, every record's facts, the paths asked for, "today", and lazily the
school calendar and the sign-off source)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supervision.cache import Cache, salt, stamp
from supervision.config import CONFIG_FILE, PEOPLE_FILE
from supervision.forms.facts import FACTS_VERSION, people_of
from supervision.problems import ERROR, Problem
from supervision.record_check import _row, check_and_store, check_record, decode_rows
from supervision.repo import RECORD_DIRS, RecordsRepo, is_record_path

if TYPE_CHECKING:
    from supervision.deadlines.school_calendar import SchoolCalendar
    from supervision.signing.signoff_dates import SignoffSource
    from supervision.signing.worktree import Changes

CACHE_MIN_FILES = 50  # below this, checking is quicker than loading the cache
#: Records to read for a few paths' cross-record rules above which the verify the time
#: rules need (when the store lacks it) runs in another process beside the reading.
ALONGSIDE_MIN = 500

__all__ = ["CACHE_MIN_FILES", "Checker", "CheckResult", "CrossContext", "check_record",
           "related_facts"]


class CrossContext:
    """What a cross-record rule sees: all facts, the date, calendar and sign-offs.

    ``wanted`` is the set of paths the user asked about (None: the whole repository);
    the checker drops findings located elsewhere, so a rule may ignore it or use it to
    skip work."""

    def __init__(self, repo: RecordsRepo, facts: dict[str, dict[str, Any]],
                 wanted: set[str] | None, today: dt.date, use_cache: bool = True,
                 calendar: SchoolCalendar | None = None) -> None:
        self.repo = repo
        self.facts = facts
        self.wanted = wanted
        self.today = today
        self.use_cache = use_cache
        #: Given the whole repository's time-rule items when a whole run makes them.
        self.keep_items: Callable[[list[Any]], None] | None = None
        if calendar is not None:
            self.__dict__["calendar"] = calendar

    @cached_property
    def calendar(self) -> SchoolCalendar:
        from supervision.deadlines.school_calendar import calendar_for

        return calendar_for(self.repo)

    @cached_property
    def signoffs(self) -> SignoffSource:
        from supervision.signing.signoff_dates import signoff_source

        return signoff_source(self.repo, self.facts, self.use_cache)


def related_facts(facts: dict[str, dict[str, Any]],
                  wanted: set[str]) -> dict[str, dict[str, Any]]:
    """The facts the cross-record rules need to judge the ``wanted`` records.

    The time rules judge a record by the records of its own people (a supervisee's
    sessions, groups, contracts and case notes; a supervisor's sessions), so the
    records that share a person with a wanted one give the same findings at the
    wanted paths as every record does, at a fraction of the cost: that is what makes
    checking one edited record quick in a trust of thousands. When settings or the
    calendar are wanted, findings may sit anywhere: then every record counts. (A test
    compares this with the whole computation for every record of the demo trust.)"""
    people: set[str] = set()
    for path in wanted:
        if path.split("/", 1)[0] not in RECORD_DIRS:
            return facts
        people.update(people_of(facts.get(path)))
    if not people:
        return {}
    return {path: f for path, f in facts.items() if people.intersection(people_of(f))}


#: A cross-record rule: the context above -> findings.
CrossRule = Callable[[CrossContext], list[Problem]]
#: What a caller keeps of each record's facts (see :meth:`Checker.records`).
FactsPick = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    checked: int = 0
    from_cache: int = 0


class Checker:
    def __init__(self, repo: RecordsRepo, use_cache: bool = True,
                 cross_rules: tuple[CrossRule, ...] = (), today: dt.date | None = None,
                 privacy: bool = True, results_cache: bool = False) -> None:
        self.repo = repo
        self.use_cache = use_cache
        self.cross_rules = cross_rules
        self.today = today or dt.date.today()
        self._files: list[str] | None = None
        self._stamps: dict[str, str | None] = {}
        self._blobs_read = False
        #: False only in benchmarks measuring what the privacy guard costs.
        self.privacy = privacy
        #: Reuse a whole run's findings while nothing changed (for `supervision check`;
        #: callers that need the facts of every record leave it off).
        self.results_cache = results_cache
        self._salt_value: str | None = None
        #: What git says may have changed since the store's mark (see _changes).
        self._flat: Changes | None = None
        self._flat_read = False
        self._refreshed: set[str] = set()  # records whose row this run wrote
        self._stale: set[str] = set()  # stored rows of records that are gone
        #: Every stored row fits its record now (this run wrote or judged every other).
        self._rows_fit = False
        self._digest: int | None = None  # every record's stamp, summed (see worktree)

    def _calendar_folder(self) -> str:
        folder = self.repo.config.calendar if self.repo.config else "calendar"
        return folder.rstrip("/") + "/"

    def _salt(self) -> str:
        if self._salt_value is None:
            self._salt_value = self._compute_salt()
        return self._salt_value

    def _compute_salt(self) -> str:
        files = [self.repo.root / CONFIG_FILE, self.repo.root / PEOPLE_FILE]
        for ref, profile in sorted(self.repo.profiles.items()):
            if not profile.source.startswith("<built-in>"):
                files.append(Path(profile.source))
            files.append(Path(ref))
        # The deny list's digest, so a changed list re-scans every record.
        guard = self.repo.privacy_guard().fingerprint if self.privacy else "off"
        return salt(self.repo.root, files, extra=f"facts{FACTS_VERSION};privacy:{guard}")

    def _stamp(self, relpath: str) -> str | None:
        """A file's blob id, found once per run (the results key and the store share it):
        from git's index for every record at once, hashed for anything else. On the flat
        path (:meth:`_changes`) only the records asked about are looked up."""
        if relpath in self._stamps:
            return self._stamps[relpath]
        if self._changes() is None and not self._blobs_read and self.use_cache:
            self._stamps.update(self.repo.record_blobs())
            self._blobs_read = True
        if relpath not in self._stamps:
            self._stamps[relpath] = stamp(str(self.repo.root) + os.sep + relpath)
        return self._stamps[relpath]

    def records(self, relpaths: list[str], keep: set[str] | None = None,
                pick: FactsPick | None = None,
                wait: Callable[[], None] | None = None) -> CheckResult:
        """Findings and facts for these record paths, reusing the store for many files.

        ``keep``: only findings at these paths are wanted (facts come for every path).
        ``pick``: what the result keeps of each record's facts, applied as each stored row
        is read (the store keeps them whole), so the whole facts are never all held.
        The facts of records checked now are held as their stored JSON until every
        record is read (``wait`` is called then: a cold check's verify ends first, so
        the two processes' peaks never add up), and decoded after."""
        result = CheckResult()
        use_cache = self.use_cache and self._record_count() >= CACHE_MIN_FILES
        cache = Cache(self.repo.root, "check", self._salt()) if use_cache else None
        if cache is not None:
            self._stamps_for(cache, relpaths)
        todo: list[str] = []
        problems, facts_by_path = result.problems, result.facts
        hits: dict[str, Any] = {}
        if cache is not None:
            stamps = {p: s for p in relpaths if (s := self._stamp(p)) is not None}
            hits = cache.get_many(relpaths, stamps, pick and (
                lambda row: (row[0], None if row[1] is None else pick(row[1]))))
        for relpath in relpaths:
            hit = hits.get(relpath)
            if hit is not None:
                found, facts = hit
                if found and (keep is None or relpath in keep):
                    problems += [Problem(*row) for row in found]
                if facts is not None:
                    facts_by_path[relpath] = facts
                result.from_cache += 1
            else:
                todo.append(relpath)
        # Sign-off's facts of each version parsed here go to the store too, so a
        # verify (the time rules run one) never parses these versions again.
        versions = self._versions_store() if cache is not None and todo else None
        # held as their stored rows (JSON) until every record is read, decoded after
        held = check_and_store(self.repo, todo, self.privacy, self._stamps, cache, versions,
                               compress=wait is not None, stored=self._refreshed,
                               cores_taken=0 if wait is None else 1)
        if versions is not None:
            versions.save()
            versions.close()
        if cache is not None:
            if self._files is not None and len(relpaths) == len(self._files):
                # a whole-repo run: forget deleted files
                cache.prune(set(relpaths))
            cache.save()
            cache.close()
        if wait is not None:
            wait()
        decode_rows(held, problems, facts_by_path, pick)
        return result

    def _verify_alongside(self, wanted: bool | None = None) -> Callable[[], None] | None:
        """A verify the store lacks, run in another process while the records are read
        (see :mod:`supervision.signing.background`) when ``wanted`` (by default, when
        the time rules run: they read the verified sign-offs): what waits for it."""
        if not ((self.cross_rules if wanted is None else wanted) and self.use_cache) or \
                self.repo.config is None:
            return None
        from supervision.signing.background import finish, start

        helper = start(self.repo)
        return None if helper is None else lambda: finish(helper)

    def _versions_store(self) -> Cache | None:
        """The shared store of sign-off's facts per record version, when the repository
        signs (see :data:`supervision.signing.signoff.FACTS_NAMESPACE`)."""
        if self.repo.config is None or not self.repo.config.admins:
            return None
        from supervision.signing.signoff import FACTS_NAMESPACE, facts_salt

        return Cache(self.repo.root, FACTS_NAMESPACE, facts_salt(self.repo))

    def related_pool(self, records: list[str]) -> list[str]:
        """The records the cross-record rules need to judge ``records`` (see
        :func:`related_facts`), found in the store by person: the records themselves,
        every stored record sharing a person with them, and every record the store does
        not hold as it is now (it may share one). Whatever is outside the pool shares no
        person with them, so the rules' findings at these paths are the same as with
        every record."""
        changes = self._changes()
        if changes is None:
            files = self.repo_files()
            if not self.use_cache or len(files) < CACHE_MIN_FILES:
                return sorted(set(files) | set(records))  # a missing or stray path too
        first = self.records(records)
        people = {p for path in records for p in people_of(first.facts.get(path))}
        cache = Cache(self.repo.root, "check", self._salt())
        try:
            sharing = cache.keys_for(people) if people else set()
            if changes is not None:  # every other stored row fits its record
                return sorted(set(records) | changes.unknown | (sharing - changes.gone))
            stored = cache.stamps()
        finally:
            cache.close()
        unknown = {p for p in files if stored.get(p) != self._stamp(p)}
        self._stale = set(stored) - set(files)
        listed = set(files)
        return sorted(set(records) | unknown | (sharing & listed))

    def repo_files(self) -> list[str]:
        if self._files is None:
            self._files = self.repo.record_files()
        return self._files

    def run(self, paths: list[str] | None = None) -> CheckResult:
        """Check the whole repository (``paths`` None) or only the given files."""
        self._stamps = {}  # files may have changed since an earlier run of this checker
        self._blobs_read = False
        self._flat, self._flat_read, self._digest = None, False, None
        self._refreshed, self._stale, self._rows_fit = set(), set(), False
        self._files = None
        if self.results_cache and self.use_cache:
            cached = self._run_with_results_cache(paths)
            if cached is not None:
                return cached
        result, always = self._compute(paths)
        result.problems += always
        result.problems.sort(key=Problem.sort_key)
        if self.use_cache:
            self._leave_mark()
        return result

    def _compute(self, paths: list[str] | None) -> tuple[CheckResult, list[Problem]]:
        """Findings for ``paths`` (None: all), and the ones shown whatever was asked."""
        repo = self.repo
        config_problems = list(repo.problems)
        school_calendar = None
        if paths is None or any(p.startswith(self._calendar_folder()) for p in paths):
            from supervision.deadlines.school_calendar import calendar_for

            school_calendar = calendar_for(repo)
            config_problems += school_calendar.problems
        if repo.config is None or not repo.profiles:
            shown = config_problems if paths is None else [
                p for p in config_problems if p.path in paths or p.path == CONFIG_FILE]
            return CheckResult(problems=shown or config_problems), []
        if paths is None:
            wanted = None
            all_records = self.repo_files()
            result = self.records(all_records, wait=self._verify_alongside())
            self._rows_fit = True
            result.problems = config_problems + result.problems
            result.checked = len(all_records)
        else:
            wanted = set(paths)
            settings = {p.path for p in config_problems} | {CONFIG_FILE, PEOPLE_FILE}
            calendar = self._calendar_folder()
            records = [p for p in paths if p not in settings and not p.startswith(calendar)]
            # Cross-record rules need the facts of every record sharing a person with
            # these; the store finds them by person without reading the others.
            if not self.cross_rules:
                pool = sorted(set(records))
            elif set(records) == set(paths):
                pool = self.related_pool(records)
                self._rows_fit = True  # the pool holds every record whose row did not fit
            else:  # settings or the calendar are asked about: findings may sit anywhere
                self._flat, self._flat_read = None, True
                pool = self.repo_files()
                self._rows_fit = True
            # a pool of (nearly) every record: the store was empty or void (a first
            # commit after an update); verified beside the reading, as a whole check is
            alongside = self._verify_alongside() if len(pool) >= ALONGSIDE_MIN else None
            result = self.records(pool, keep=wanted, wait=alongside)
            result.problems = [p for p in config_problems if p.path in wanted] + [
                p for p in result.problems if p.path in wanted]
            result.checked = len(paths)
        if self.cross_rules:
            facts = result.facts if wanted is None else related_facts(result.facts, wanted)
            ctx = CrossContext(repo, facts, wanted, self.today, self.use_cache,
                               school_calendar)
            if wanted is None and self.use_cache:
                ctx.keep_items = self._keep_items
            for rule in self.cross_rules:
                result.problems += [p for p in rule(ctx) if wanted is None or p.path in wanted]
        # e.g. an unreadable deny list: shown whatever paths were given
        always = list(repo.privacy_guard().problems) if self.privacy else []
        return result, always

    def _keep_items(self, items: list[Any]) -> None:
        """A whole run's time-rule items, kept for ``status`` (it then needs no run)."""
        key = self.state_key()
        if key is not None:
            from supervision.deadlines.status import keep_items

            keep_items(self.repo.root, key, None, items)

    # -- the results cache ------------------------------------------------------------
    def _records_digest(self) -> int | None:
        """Every record's path and stamp, summed (see :mod:`supervision.signing.worktree`);
        None if a record cannot be read."""
        if self._digest is None:
            from supervision.signing.worktree import digest_of

            changes = self._changes()
            self._digest = changes.digest if changes is not None else digest_of(
                (relpath, self._stamp(relpath)) for relpath in self.repo_files())
        return self._digest

    def state_key(self) -> str | None:
        """A key for everything derived from the whole repository today (the records,
        settings, calendar, HEAD, the date): what ``status`` keeps its items under."""
        return self._results_key(rules="status")

    def all_records(self, pick: FactsPick | None = None,
                    verified: bool = False) -> CheckResult:
        """Every record's findings and facts (for ``status`` and the site; ``pick`` as in
        :meth:`records`), leaving the store marked as matching the working folder.
        ``verified``: the caller reads the verified sign-offs next (a verify the store
        lacks then runs beside the reading, never on top of every record's facts)."""
        result = self.records(self.repo_files(), pick=pick,
                              wait=self._verify_alongside(verified))
        if self.use_cache:
            self._rows_fit = True
            self._leave_mark()
        return result

    def _results_key(self, rules: str | None = None) -> str | None:
        """Everything a run's findings depend on; None if a file cannot be read.
        ``rules``: name the rules run instead of this checker's cross rules."""
        from supervision.signing.worktree import results_key

        records = self._records_digest()
        if records is None:
            return None
        if rules is None:
            rules = ",".join(f"{r.__module__}.{r.__qualname__}" for r in self.cross_rules)
        return results_key(self.repo.root, f"{self._salt()}|{self.today}|{rules}|"
                           f"{self.privacy}", self._calendar_folder(), records)

    def _run_with_results_cache(self, paths: list[str] | None) -> CheckResult | None:
        """Whole-run findings, reused while no record, setting, commit or date changed.

        A run's findings depend on every record (the cross-record rules), so the key
        covers them all. A run limited to some records keeps the stored findings at
        those paths (identical to what it would compute); when the stored run is out
        of date it returns None, and the caller judges just the wanted records (see
        :func:`related_facts`) instead of the whole repository. Runs that name a
        setting or a missing file are never answered from here: findings in settings
        are shown as warnings when files are named (see deadlines.time_rules.time_rules)."""
        if paths is not None and not all(self._is_record_file(p) for p in paths):
            return None
        key = self._results_key()
        if key is None:
            return None
        cache = Cache(self.repo.root, "results", key)
        stored = cache.get("run", [0])
        if stored is None:
            if paths is not None:
                return None
            result, always = self._compute(None)
            stored = [[_row(p) for p in result.problems], [_row(p) for p in always],
                      result.checked]
            cache.clear()
            cache.put("run", [0], stored)
            cache.save()
            self._leave_mark()
        cache.close()
        rows, always_rows, checked = stored
        problems = [Problem(*row) for row in rows]
        if paths is not None:
            wanted = set(paths)
            problems = [p for p in problems if p.path in wanted]
            checked = len(paths)
            if self.cross_rules:
                from supervision.deadlines.time_rules import UNTIL_SENT_RULES

                if any(p.rule in UNTIL_SENT_RULES and p.severity == ERROR for p in problems):
                    return None  # possibly a warning when paths are given: judge them anew
        problems += [Problem(*row) for row in always_rows]
        problems.sort(key=Problem.sort_key)
        return CheckResult(problems=problems, checked=checked)

    # -- the flat path: what git says changed since the store last matched -------------
    def _is_record_file(self, relpath: str) -> bool:
        """Whether ``relpath`` is a record file that exists (as :meth:`repo_files` lists)."""
        return is_record_path(relpath) and os.path.isfile(self.repo.root / relpath)

    def _record_count(self) -> int:
        changes = self._changes()
        return changes.count if changes is not None else len(self.repo_files())

    def _changes(self) -> Changes | None:
        """The records that may differ from their stored rows, from the store's mark and
        git (see :mod:`supervision.signing.worktree`); None: every record's stamp must be
        read instead (no usable mark, or git cannot say)."""
        if not self._flat_read:
            self._flat_read = True
            self._flat = self._read_changes() if self.use_cache else None
        return self._flat

    def _read_changes(self) -> Changes | None:
        from supervision.signing.worktree import read_changes

        changes = read_changes(self.repo.root, self._salt(), CACHE_MIN_FILES)
        if changes is not None:
            self._stamps.update(changes.stamps)
        return changes

    def _stamps_for(self, cache: Cache, relpaths: list[str]) -> None:
        """On the flat path, the stamps of records git says are unchanged are the stored
        ones: read them in one query rather than every record's from git."""
        if self._changes() is not None:
            from supervision.signing.worktree import stored_stamps

            stored_stamps(self.repo.root, cache, relpaths, self._stamps)

    def _leave_mark(self) -> None:
        """After a run that left every record's stored row fitting its record, say so,
        so that the next run need only ask git what changed since (see
        :mod:`supervision.signing.worktree`)."""
        from supervision.signing import worktree
        from supervision.signing.commit_dates import head_commit

        changes = self._changes()
        if changes is None and not self._rows_fit:
            return
        head = head_commit(self.repo.root)
        count = self._record_count()
        digest = self._records_digest()
        if head is None or digest is None or count < CACHE_MIN_FILES:
            return
        stale = set(changes.gone) if changes is not None else set(self._stale)
        # rows this run did not write again stay in question
        unsure = changes.unknown - self._refreshed if changes is not None else set()
        # what differed from HEAD when the run began, if HEAD is still the marked commit
        same = changes if changes is not None and changes.head == head else None
        worktree.leave_mark(self.repo.root, self._salt(), head, count, digest, stale, unsure,
                            same.now if same else None, same.folders if same else None)

"""The benchmark: every command a school runs, and the tools it replaces, on one corpus.

    python benchmarks/run.py [--corpus DIR] [--fresh] [--runs 3] [--anchor-runs 1]
                             [--schools 50 --supervisees 200 --years 7]
                             [--write docs/performance.md] [--json FILE]

Makes the corpus with corpus.py (a realistic trust with a fully signed history)
unless ``--corpus`` already holds one, then times, in one run on that corpus:

* ``supervision check`` cold (the store, .git/supervision, deleted) and warm
  (nothing changed); ``supervision check --no-time-rules`` cold; the check of one
  record unchanged and just edited (what the pre-commit hook runs), and cold (the
  hook's first commit after an update voids the store);
* ``supervision verify`` cold and warm; ``supervision status``; ``supervision
  site build`` (warm caches: check or the hook has run before);
* the anchors a user would otherwise reach for: check-jsonschema with our JSON
  Schemas (one invocation per form's schema over that form's files, summed) and
  ``git log --format='%H %G?'`` with every key of the repository in a throwaway
  GNUPGHOME.

Our commands are timed ``--runs`` times and the median reported; the anchors
``--anchor-runs`` times (git log takes many minutes on tens of thousands of
commits). Peak memory is the command's whole process tree (timing.py: the larger of
the tree's sampled total and the largest single process's peak, both reported). The
Markdown table (medians, targets, ratios, whether each target is met) is printed and
written between the markers in ``--write``, with the command line, the machine and its
load at the start and the end; ``--json`` keeps the raw figures.

scaling.py uses the pieces here (ensure_corpus, measure, machine, write_section) to
run the same commands on corpora of several sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import CorpusStats, add_scale_arguments, load_stats, make_corpus  # noqa: E402
from signed_history import from_repo, import_into_gpg  # noqa: E402
from supervision.cache import cache_dir  # noqa: E402
from supervision.deadlines.rules import RULE_IDS  # noqa: E402
from supervision.repo import RecordsRepo  # noqa: E402
from timeline_corpus import TODAY  # noqa: E402
from timing import SAMPLE_SECONDS, Timing, timed, tree_method  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- benchmark:start -->"
END = "<!-- benchmark:end -->"
MEMORY_TARGET_MIB = 300  # every command of ours (the anchors have no target)
CHUNK = 2000  # files per check-jsonschema invocation (keeps the command line short)


@dataclass
class Measure:
    """One row of the table: every run's seconds and memory (see timing.py)."""

    key: str
    label: str
    seconds: list[float] = field(default_factory=list)
    #: each run's largest single process (the kernel's maximum resident set)
    largest_mib: list[int] = field(default_factory=list)
    #: each run's whole process tree at its sampled peak (empty: not sampled)
    tree_mib: list[int] = field(default_factory=list)

    def add(self, timing: Timing) -> None:
        self.add_figures(timing.seconds, timing.largest_mib, timing.tree_mib)

    def add_figures(self, seconds: float, largest_mib: int, tree_mib: int) -> None:
        self.seconds.append(round(seconds, 3))
        self.largest_mib.append(largest_mib)
        self.tree_mib.append(tree_mib)

    @property
    def peak_mib(self) -> list[int]:
        """Each run's peak: the larger of the whole tree and the largest process."""
        trees = self.tree_mib + [0] * (len(self.largest_mib) - len(self.tree_mib))
        return [max(a, b) for a, b in zip(self.largest_mib, trees, strict=True)]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> int:
        return max(self.peak_mib)


@dataclass(frozen=True)
class Target:
    """A row's target: under ``limit`` seconds, or ``speedup`` times faster than an anchor."""

    limit: float | None = None
    speedup: float | None = None
    anchor: str | None = None
    #: only the memory target: the issue sets this row no time
    memory_only: bool = False

    @property
    def is_anchor(self) -> bool:
        return self.limit is None and self.speedup is None and not self.memory_only

    def describe(self) -> str:
        """The target in words, memory included (the anchors have none)."""
        if self.is_anchor:
            return "(the anchor)"
        if self.memory_only:
            return f"< {MEMORY_TARGET_MIB} MiB (no time set)"
        if self.limit is not None:
            time = f"< {self.limit:g} s"
        else:
            time = f"≥ {self.speedup:g}x faster than {ANCHOR_NAMES.get(self.anchor or '')}"
        return f"{time}, < {MEMORY_TARGET_MIB} MiB"


ANCHOR_NAMES = {"check_jsonschema": "check-jsonschema", "git_log": "git log"}


#: The rows, in table order, with issue 18's targets.
TARGETS = {
    "check_cold": Target(speedup=10, anchor="check_jsonschema"),
    "check_cold_no_time_rules": Target(speedup=20, anchor="check_jsonschema"),
    "check_warm": Target(limit=1),
    "check_one": Target(limit=0.15),
    "check_edited": Target(limit=0.3),
    "check_one_resident": Target(limit=0.15),
    "check_edited_resident": Target(limit=0.3),
    "check_one_cold": Target(memory_only=True),
    "verify_cold": Target(speedup=30, anchor="git_log"),
    "verify_warm": Target(limit=0.5),
    "status": Target(limit=0.5),
    "status_resident": Target(limit=0.5),
    "status_cold": Target(memory_only=True),
    "site_build": Target(limit=5),
    "site_build_again": Target(limit=5),
    "site_build_cold": Target(memory_only=True),
    "check_jsonschema": Target(),
    "git_log": Target(),
}
LABELS = {
    "check_cold": "`supervision check`, cold (store deleted)",
    "check_cold_no_time_rules": "`supervision check --no-time-rules`, cold (store deleted)",
    "check_warm": "`supervision check`, warm (nothing changed)",
    "check_one": "`supervision check` of one record (unchanged)",
    "check_edited": "`supervision check` of one record just edited (the pre-commit case)",
    "check_one_resident": "`supervision check` of one record (unchanged), resident checker "
                          "running",
    "check_edited_resident": "`supervision check` of one record just edited, resident "
                             "checker running (a person's every commit after the first "
                             "in ten minutes)",
    "check_one_cold": "`supervision check` of one record, cold (store deleted: a first "
                      "commit after an update)",
    "verify_cold": "`supervision verify`, cold (store deleted)",
    "verify_warm": "`supervision verify`, warm",
    "status": "`supervision status` (warm: check has run)",
    "status_resident": "`supervision status`, resident checker running",
    "status_cold": "`supervision status`, cold (store deleted: a first one after an "
                   "update, or in a fresh clone)",
    "site_build": "`supervision site build` (warm store, charts drawn)",
    "site_build_again": "`supervision site build` again (warm store, charts drawn before)",
    "site_build_cold": "`supervision site build`, cold (store deleted: a first build "
                       "after an update, or in a fresh clone)",
    "check_jsonschema": "anchor: check-jsonschema, same records and schemas",
    "git_log": "anchor: `git log --format='%H %G?'` with gpg",
}


@dataclass
class Outcome:
    """What the commands found (so a fast wrong answer is visible)."""

    verify_statuses: dict[str, int] = field(default_factory=dict)
    verify_errors: int = 0
    check_per_record: int = 0
    check_time_rules: dict[str, int] = field(default_factory=dict)
    #: what `check --no-time-rules` found, by rule (it should be check_per_record's)
    check_no_time_rules: dict[str, int] = field(default_factory=dict)
    jsonschema_failed_invocations: int = 0
    jsonschema_invocations: int = 0
    git_log_marks: dict[str, int] = field(default_factory=dict)
    #: git log timed on the newest N commits only, its time scaled to them all (0: all)
    git_log_sample: int = 0
    git_log_sample_seconds: list[float] = field(default_factory=list)
    one_record: str = ""
    #: the resident checker's own memory between commands (VmRSS, MiB), per round
    resident_mib: list[int] = field(default_factory=list)


class Bench:
    """Runs every measurement on one corpus."""

    def __init__(self, corpus: Path, today: dt.date, gnupghome: Path,
                 runtime: Path | None = None) -> None:
        self.corpus = corpus
        self.today = today.isoformat()
        # Each command is a fresh process (the resident checker off) except in the rows
        # that say otherwise; their resident lives in ``runtime``, this run's own folder.
        self.env = dict(os.environ, GNUPGHOME=str(gnupghome), GIT_CONFIG_GLOBAL=os.devnull,
                        GIT_CONFIG_NOSYSTEM="1", SUPERVISION_TODAY=self.today,
                        SUPERVISION_RESIDENT="0")
        self.runtime = runtime
        if runtime is not None:
            self.env["XDG_RUNTIME_DIR"] = str(runtime)
        # Timed as installed: Python keeps compiled modules (some CI images turn that off).
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.measures = {key: Measure(key, LABELS[key]) for key in TARGETS}
        self.outcome = Outcome()

    def supervision(self, key: str, *args: str, record: bool = True,
                    env: dict[str, str] | None = None) -> bytes:
        """Time one `supervision` command in the corpus; returns its output. ``record``
        False: run it only to bring the store up to date (not in the table)."""
        timing = timed([sys.executable, "-m", "supervision", *args, "--today", self.today],
                       self.corpus, env or self.env)
        if record:
            self.measures[key].add(timing)
        return timing.out

    def clear_store(self) -> None:
        """Delete the tools' store (``.git/supervision``): the next command runs cold.
        The trust-root pin is in git config, never in the store, so it stays."""
        store = cache_dir(self.corpus)
        if store != self.corpus / ".git" / "supervision":
            raise SystemExit(f"the store of {self.corpus} is not in .git/supervision "
                             f"({store}); the benchmark deletes nothing else")
        shutil.rmtree(store, ignore_errors=True)

    def one_round(self) -> None:
        """Our commands once each. check runs cold first; status and the site build then
        find the store warm, as they do for a school (the hook or check has run before);
        the site is built again (its charts now in the store) and then cold; status, the
        one-record check, check --no-time-rules and then verify each run cold after the
        store is deleted again."""
        self.clear_store()
        self.read_check(self.supervision("check_cold", "check", "--format", "json"))
        self.supervision("check_warm", "check", "--format", "json")
        self.supervision("check_one", "check", self.outcome.one_record)
        self.edited_check()
        self.resident_checks()
        self.supervision("check_warm", "check", "--format", "json", record=False)
        self.supervision("status", "status")
        with tempfile.TemporaryDirectory(dir="/tmp", prefix="bench-site-") as site:
            self.supervision("site_build", "site", "build", "--site-dir", site)
            self.supervision("site_build_again", "site", "build", "--site-dir", site)
            self.clear_store()
            self.supervision("site_build_cold", "site", "build", "--site-dir", site)
        self.clear_store()
        self.supervision("status_cold", "status")
        self.clear_store()
        self.supervision("check_one_cold", "check", self.outcome.one_record)
        self.clear_store()
        self.read_no_time_rules(self.supervision("check_cold_no_time_rules", "check",
                                                 "--no-time-rules", "--format", "json"))
        self.verify_round()

    def verify_round(self) -> None:
        """verify cold (the store deleted) and then warm."""
        self.clear_store()
        self.read_verify(self.supervision("verify_cold", "verify", "--format", "json"))
        self.supervision("verify_warm", "verify", "--format", "json")

    def edited_check(self, key: str = "check_edited",
                     env: dict[str, str] | None = None) -> None:
        """The hook's case: the record was just changed, so no stored result fits it."""
        path = self.corpus / self.outcome.one_record
        original = path.read_bytes()
        try:
            path.write_bytes(original + b"# changed for the benchmark\n")
            self.supervision(key, "check", self.outcome.one_record, env=env)
        finally:
            path.write_bytes(original)

    def resident_checks(self) -> None:
        """The one-record checks and status again, answered by the resident checker
        (started by the first, as a person's first commit starts it). Its memory counts in each row: the
        sampled tree takes in the resident and the copy it forks, beside the caller."""
        if self.runtime is None:
            return
        env = dict(self.env, SUPERVISION_RESIDENT="1")
        self.supervision("check_one", "check", self.outcome.one_record, record=False,
                         env=env)
        pid = wait_for_resident(self.runtime)
        try:
            env["BENCH_ALSO_TREE"] = str(pid)
            self.supervision("check_one_resident", "check", self.outcome.one_record,
                             env=env)
            self.edited_check("check_edited_resident", env)
            # status after a whole check, as the fresh status row below
            self.supervision("check_warm", "check", "--format", "json", record=False,
                             env=env)
            self.supervision("status_resident", "status", env=env)
            self.outcome.resident_mib.append(resident_set_mib(pid))
        finally:
            with suppress(OSError):
                os.kill(pid, signal.SIGTERM)

    def read_check(self, out: bytes) -> None:
        findings = json.loads(out)
        self.outcome.check_per_record = sum(1 for f in findings if f["rule"] not in RULE_IDS)
        self.outcome.check_time_rules = dict(Counter(
            f["rule"] for f in findings if f["rule"] in RULE_IDS))

    def read_no_time_rules(self, out: bytes) -> None:
        self.outcome.check_no_time_rules = dict(Counter(f["rule"] for f in json.loads(out)))

    def read_verify(self, out: bytes) -> None:
        result = json.loads(out)
        self.outcome.verify_statuses = result["summary"]["statuses"]
        self.outcome.verify_errors = len(result["errors"])

    def check_jsonschema(self) -> None:
        """One check-jsonschema per form's schema over that form's files; times summed."""
        with tempfile.TemporaryDirectory(dir="/tmp", prefix="bench-schemas-") as folder:
            timed([sys.executable, "-m", "supervision", "schema", "--write", folder],
                  self.corpus, self.env, ok_codes=(0,))
            total, largest, tree, failed, calls = 0.0, 0, 0, 0, 0
            for schema, files in files_by_schema(self.corpus, Path(folder)).items():
                for start in range(0, len(files), CHUNK):
                    args = [check_jsonschema_command(), "--schemafile", str(schema),
                            *files[start:start + CHUNK]]
                    timing, invalid = self._timed_status(args)
                    total, calls, failed = total + timing.seconds, calls + 1, failed + invalid
                    largest = max(largest, timing.largest_mib)
                    tree = max(tree, timing.tree_mib)
            self.measures["check_jsonschema"].add_figures(total, largest, tree)
            self.outcome.jsonschema_invocations = calls
            self.outcome.jsonschema_failed_invocations = failed

    def _timed_status(self, args: list[str]) -> tuple[Timing, int]:
        """The timing, and 1 if the validator reported invalid files (else 0)."""
        try:
            return timed(args, self.corpus, self.env, ok_codes=(0,)), 0
        except SystemExit:  # exit 1: invalid instances; time it again, accepting that
            return timed(args, self.corpus, self.env), 1

    def git_log(self, sample: int = 0) -> None:
        """``git log --format='%H %G?'``: gpg runs once per commit, so its time grows with
        the number of commits; with ``sample``, only the newest ``sample`` commits are
        read and the time is scaled to the whole history (reported as such)."""
        limit = ["-n", str(sample)] if sample else []
        timing = timed(["git", "log", *limit, "--format=%H %G?"], self.corpus, self.env,
                       ok_codes=(0,))
        seconds = timing.seconds
        lines = [line for line in timing.out.decode().splitlines() if line]
        if sample:
            total = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=self.corpus,
                                       capture_output=True, text=True).stdout.strip() or 0)
            self.outcome.git_log_sample = len(lines)
            self.outcome.git_log_sample_seconds.append(round(seconds, 3))
            seconds = seconds * total / max(len(lines), 1)
            self.measures["git_log"].label = (f"{LABELS['git_log']}, timed on the newest "
                                              f"{len(lines):,} commits and scaled to all")
        self.measures["git_log"].add_figures(seconds, timing.largest_mib, timing.tree_mib)
        self.outcome.git_log_marks = dict(Counter(line.split()[1] for line in lines))


def check_jsonschema_command() -> str:
    """check-jsonschema from this Python's environment (it is a test dependency)."""
    beside = Path(sys.executable).parent / "check-jsonschema"
    return str(beside) if beside.exists() else shutil.which("check-jsonschema") or "check-jsonschema"


def form_of_path(path: str) -> str:
    """The form a record file uses, from where it lives and what it is called."""
    name = path.rsplit("/", 1)[-1]
    if path.startswith("contracts/"):
        return "contract"
    if "/groups/" in path:
        return "group-session"
    for key in ("case-notes", "qa-review", "informal", "session"):
        if f"-{key}" in name:
            return key
    if "-chronology" in name:
        return "chronology-entry"
    raise ValueError(f"no form for {path}")


def files_by_schema(corpus: Path, schemas: Path) -> dict[Path, list[str]]:
    """Every record file, grouped by the schema of its school's profile and its form."""
    repo = RecordsRepo.load(corpus)
    groups: dict[Path, list[str]] = {}
    for top in ("records", "contracts"):
        for file in sorted((corpus / top).rglob("*.yaml")):
            relpath = file.relative_to(corpus).as_posix()
            profile = repo.profile_ref(relpath.split("/")[1])
            schema = schemas / str(profile) / f"{form_of_path(relpath)}.schema.json"
            groups.setdefault(schema, []).append(relpath)
    return groups


def pick_one_record(corpus: Path) -> str:
    """A held session of a DSL in the middle of the history: what a supervisor commits
    most often (not a planned one, nor a supervisor's own, which shares the trust
    lead with every school's)."""
    sessions = sorted((corpus / "records").rglob("*-session.yaml"))
    sessions = [s for s in sessions if "/groups/" not in s.as_posix()
                and s.parent.name.startswith("dsl-")
                and "\nstatus: held\n" in s.read_text(encoding="utf-8")]
    return sessions[len(sessions) // 2].relative_to(corpus).as_posix()


def wait_for_resident(runtime: Path, seconds: float = 60) -> int:
    """The process id of the resident checker listening in ``runtime`` (the kernel names
    the process at the other end of a Unix socket), once it listens."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in sorted((runtime / "supervision").glob("check-*.sock")):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe, suppress(OSError):
                probe.connect(str(path))
                creds = probe.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                         struct.calcsize("3i"))
                return int(struct.unpack("3i", creds)[0])
        time.sleep(0.1)
    raise SystemExit(f"no resident checker started in {runtime} within {seconds:g} s")


def resident_set_mib(pid: int) -> int:
    """A process's resident set now, in MiB (0 when it cannot be read)."""
    with suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


@contextmanager
def runtime_folder() -> Iterator[Path]:
    """A private runtime folder for this run's resident checker, gone afterwards."""
    folder = Path(tempfile.mkdtemp(dir="/tmp", prefix="bench-run-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # a resident whose socket is gone ends


@contextmanager
def gnupg_home(corpus: Path) -> Iterator[Path]:
    """A throwaway GnuPG home (short path: gpg-agent's socket) holding every repo key."""
    home = Path(tempfile.mkdtemp(dir="/tmp", prefix="bench-gpg-"))
    try:
        import_into_gpg(from_repo(corpus), home)
        yield home
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"],
                       capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages now."""
    return [round(x, 2) for x in os.getloadavg()]


def cpu_model() -> str:
    """The processor's model name, as the system gives it."""
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and ":" in line:
                return line.split(":", 1)[1].strip()
    return platform.processor() or "processor model not known"


def memory_gib() -> float | None:
    """The machine's memory in GiB (None where /proc/meminfo is missing)."""
    with suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def machine() -> dict[str, Any]:
    """What the figures were measured on, and its load before the first command
    (:func:`note_end_load` adds the load after the last)."""
    def first_line(args: list[str]) -> str:
        done = subprocess.run(args, capture_output=True, text=True)
        return done.stdout.splitlines()[0] if done.stdout else "?"

    return {"cores": os.cpu_count(), "cpu": cpu_model(), "memory_gib": memory_gib(),
            "python": platform.python_version(),
            "git": first_line(["git", "--version"]), "gpg": first_line(["gpg", "--version"]),
            "system": f"{platform.system()} {platform.release()}",
            "memory_method": tree_method(), "memory_sample_seconds": SAMPLE_SECONDS,
            "load_average_at_start": load_average(),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def note_end_load(info: dict[str, Any]) -> None:
    info["load_average_at_end"] = load_average()


def machine_text(info: dict[str, Any]) -> str:
    """The machine and its load, in words (shared with scaling.py)."""
    cores = info.get("cores") or 1
    memory = f", {info['memory_gib']:g} GiB of memory" if info.get("memory_gib") else ""
    start = info["load_average_at_start"]
    end = info.get("load_average_at_end")
    load = f"{_loads(start)} at the start" + (
        f" and {_loads(end)} at the end (the end figures include the benchmark's own "
        "commands)" if end else "")
    quiet = ("The machine was not quiet at the start, so single figures can vary by tens "
             "of percent." if start[0] >= 0.25 * cores else "The machine was quiet at the start.")
    if info.get("corpus_made_now"):
        quiet = ("The corpus was made just before the first measurement, so the load at the "
                 "start includes that work. " + quiet)
    return (f"**Machine**: {info['cores']} cores ({info.get('cpu', 'model not recorded')})"
            f"{memory}, {info['system']}, Python {info['python']}, {info['git']}, "
            f"{info['gpg']}. **Load** (1, 5 and 15 minute averages): {load}. {quiet}")


def _loads(values: list[float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


def memory_text(info: dict[str, Any]) -> str:
    """How peak memory was measured, in words (shared with scaling.py)."""
    method = info.get("memory_method")
    if method is None:  # figures from before the whole tree was sampled
        return ("**Memory**: the largest single process's maximum resident set, as the "
                "kernel reports it; the whole process tree was not sampled in this run.")
    every = info.get("memory_sample_seconds", SAMPLE_SECONDS)
    what = {"pss": "each process counts its proportional set size, so a page that forked "
                   "processes share is split between them, not counted once per process",
            "rss": "each process counts its resident set size (this system has no "
                   "smaps_rollup), so a page that forked processes share is counted once per "
                   "process, which overstates the total"}
    tree = (f"*Whole tree*: the largest total of every process in the tree at one moment, "
            f"sampled from /proc every {every:g} s (a shorter peak can be missed); "
            f"{what[method]}." if method in what
            else "*Whole tree*: not sampled on this system (it has no /proc).")
    return ("**Memory**: the commands fork helpers (a cold check forks a verify process and "
            "worker processes), so peak memory is that of the command's whole process tree, "
            f"measured two ways. {tree} *Largest process*: the largest single process's "
            "maximum resident set as the kernel reports it, for the command and every child "
            "it waited for (exact). The two can differ either way: a page shared with "
            "programs outside the tree (the Python interpreter, libraries) counts in full in "
            "a resident set and in part in a proportional one. A target is judged on the "
            f"larger figure: under {MEMORY_TARGET_MIB} MiB for every command of ours; the "
            "anchors have none.")


def count(n: int, noun: str) -> str:
    """"1 school", "21,838 records"."""
    return f"{n:,} {noun if n == 1 else noun + 's'}"


def judge(key: str, measures: dict[str, Measure]) -> tuple[str, list[str]]:
    """The ratio column (speedup over the anchor, or share of the time limit) and what
    the row misses of its targets, in words (empty: every target met)."""
    target, ours = TARGETS[key], measures[key]
    misses = []
    if not target.is_anchor and ours.peak >= MEMORY_TARGET_MIB:
        misses.append(f"over {MEMORY_TARGET_MIB} MiB ({ours.peak} MiB)")
    if target.anchor:
        anchor = measures[target.anchor]
        if not anchor.seconds:
            return "(anchor not run)", misses
        speed = anchor.median / ours.median
        if speed < (target.speedup or 0):
            misses.insert(0, f"too slow ({speed:.1f}x, not {target.speedup:g}x)")
        return f"{speed:.1f}x faster", misses
    if target.limit is not None:
        share = ours.median / target.limit
        if share >= 1:
            misses.insert(0, f"too slow ({ours.median:.2f} s, not under {target.limit:g} s)")
        return f"{share:.2f} of the limit", misses
    return "", misses


def met_cell(key: str, measures: dict[str, Measure]) -> str:
    """The "Met?" column: yes, or **no** and what was missed."""
    if TARGETS[key].is_anchor:
        return "–"
    ratio, misses = judge(key, measures)
    if misses:
        return "**no**: " + "; ".join(misses)
    if ratio == "(anchor not run)":
        return "not known: the anchor was not run"
    return "yes"


def table(measures: dict[str, Measure]) -> str:
    """The Markdown table of medians, memory, targets, ratios and whether each is met."""
    lines = ["| Measurement | Median (s) | Runs | Peak, whole tree (MiB) | Largest process "
             "(MiB) | Target | Ratio | Met? |",
             "|---|---:|---:|---:|---:|---|---|---|"]
    for key, m in measures.items():
        if not m.seconds:
            lines.append(f"| {m.label} | not run | 0 | | | {TARGETS[key].describe()} | | |")
            continue
        ratio, _misses = judge(key, measures)
        tree = str(max(m.tree_mib)) if any(m.tree_mib) else "–"
        lines.append(f"| {m.label} | {m.median:.2f} | {len(m.seconds)} | {tree} | "
                     f"{max(m.largest_mib)} | {TARGETS[key].describe()} | {ratio} | "
                     f"{met_cell(key, measures)} |")
    return "\n".join(lines)


def missed_text(measures: dict[str, Measure]) -> str:
    """One sentence: which targets were missed, or that all measured ones were met."""
    missed = [f"{m.label}: {'; '.join(judge(key, measures)[1])}"
              for key, m in measures.items() if m.seconds and judge(key, measures)[1]]
    unknown = [m.label for key, m in measures.items()
               if m.seconds and judge(key, measures)[0] == "(anchor not run)"]
    not_run = [m.label for key, m in measures.items()
               if not m.seconds and not TARGETS[key].is_anchor]
    parts = [("**Targets missed**: " + "; ".join(missed) + ".") if missed
             else "**Every target measured was met.**"]
    if unknown:
        parts.append("Not known (the anchor was not run): " + "; ".join(unknown) + ".")
    if not_run:
        parts.append("Not run: " + "; ".join(not_run) + ".")
    return " ".join(parts)


def report(command: str, stats: CorpusStats, info: dict[str, Any], outcome: Outcome,
           measures: dict[str, Measure]) -> str:
    """The generated section of docs/performance.md."""
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(stats.by_kind.items()))
    time_rules = sum(outcome.check_time_rules.values())
    return "\n".join([
        f"Measured {info['date']} with:", "", "```sh", command, "```", "",
        f"**Corpus**: {count(stats.records, 'record')} ({kinds}); "
        f"{count(stats.commits, 'commit')}, of which {stats.signoffs:,} are sign-offs; "
        f"{stats.people:,} people in {count(stats.schools, 'school')}; "
        f"{count(stats.years, 'school year')}; today fixed at {stats.today}.",
        "",
        machine_text(info)
        + (f" The two anchors were measured on {info['anchors']} in an earlier run on the "
           "same corpus (`--anchors-from`)." if info.get("anchors") else ""), "",
        memory_text(info), "",
        table(measures), "",
        missed_text(measures), "",
        f"**What the commands found**: verify: {outcome.verify_errors} errors, statuses "
        f"{_counts(outcome.verify_statuses)}. check: {outcome.check_per_record} per-record "
        f"findings, {time_rules:,} time-rule findings across records "
        f"({_counts(outcome.check_time_rules)}). check --no-time-rules: "
        f"{_counts(outcome.check_no_time_rules)}. git log marks: "
        f"{_counts(outcome.git_log_marks)}"
        + (f" (git log read the newest {outcome.git_log_sample:,} commits in "
           f"{', '.join(f'{t:.1f}' for t in outcome.git_log_sample_seconds)} s; the table "
           f"scales that to all {stats.commits:,} commits, since gpg runs once per commit)"
           if outcome.git_log_sample else "") + ". check-jsonschema: "
        f"{outcome.jsonschema_invocations} invocations, "
        f"{outcome.jsonschema_failed_invocations} reported invalid files. One record: "
        f"`{outcome.one_record}`.", "",
        resident_text(outcome),
    ])


def resident_text(outcome: Outcome) -> str:
    """What the resident checker's rows measure, in words."""
    held = (f" Between commands the resident itself held {max(outcome.resident_mib)} MiB "
            "(its resident set)." if outcome.resident_mib else "")
    return ("**The resident checker**: every row is a fresh process (`SUPERVISION_RESIDENT=0`) "
            "except the three that say *resident checker running*. There, the command hands "
            "its arguments and streams to the resident checker, which the run's first "
            "one-record check started, and a copy of it that the resident forks runs the "
            "check; the memory of those rows counts the caller, the resident and that copy."
            + held + " A person's first commit in ten minutes runs as a fresh process and "
            "starts the resident; it ends after ten idle minutes.")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) or "none"


def write_section(path: Path, section: str, start: str = START, end: str = END) -> None:
    """Replace what is between the markers; a page without them gets them (and the
    section) added at its end, the rest of it kept."""
    block = f"{start}\n{section}\n{end}\n"
    text = path.read_text() if path.is_file() else ""
    if start in text and end in text:
        before, _sep, rest = text.partition(start)
        _old, _sep, after = rest.partition(end)
        text = before + block.rstrip("\n") + after
    else:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + block
    path.write_text(text)


def same_shape(stats: CorpusStats, schools: int, supervisees: int, years: int,
               today: dt.date) -> bool:
    """Whether a saved corpus was made with these sizes (supervisees where recorded)."""
    return (stats.schools, stats.years, stats.today) == (schools, years, today.isoformat()) \
        and stats.supervisees in (0, supervisees)


def ensure_corpus(folder: Path, schools: int, supervisees: int, years: int,
                  today: dt.date = TODAY, fresh: bool = False,
                  shape: bool = False) -> tuple[CorpusStats, bool]:
    """The corpus in ``folder`` and whether it was made now: reused if it holds one
    (with ``shape``, only one of these sizes), else made. Only a folder that is empty or
    holds a corpus is ever deleted."""
    stats = load_stats(folder)
    if stats is not None and shape and not same_shape(stats, schools, supervisees, years,
                                                      today):
        print(f"{folder} holds a corpus of another size: making it again", flush=True)
        fresh = True
    if stats is not None and not fresh:
        return stats, False
    if stats is None and folder.is_dir() and any(folder.iterdir()):
        raise SystemExit(f"{folder} is not empty and holds no benchmark corpus, so it was "
                         "left alone. Name a new or empty folder (if it is a corpus whose "
                         "making was interrupted, delete it yourself and run this again).")
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    print(f"making the corpus in {folder} ({schools} schools, {supervisees} supervisees, "
          f"{years} years)", flush=True)
    stats = make_corpus(folder, schools, supervisees, years, today=today)
    print(f"corpus: {stats.records} records, {stats.commits} commits in {stats.seconds} s",
          flush=True)
    return stats, True


def measure(corpus: Path, stats: CorpusStats, runs: int, anchor_runs: int = 0,
            git_log_commits: int = 0, verify_only: bool = False) -> Bench:
    """Every measurement, ours ``runs`` times, the anchors ``anchor_runs`` times."""
    with gnupg_home(corpus) as home, runtime_folder() as runtime:
        bench = Bench(corpus, dt.date.fromisoformat(stats.today), home, runtime)
        bench.outcome.one_record = pick_one_record(corpus)
        ours = bench.verify_round if verify_only else bench.one_round
        steps: list[tuple[str, Callable[[], None], int]] = [
            ("supervision commands", ours, runs),
            ("check-jsonschema", bench.check_jsonschema, anchor_runs),
            ("git log %G?", lambda: bench.git_log(git_log_commits), anchor_runs)]
        for name, step, times in steps:
            for n in range(times):
                print(f"{corpus.name}: {name}: run {n + 1} of {times}", flush=True)
                step()
    return bench


ANCHORS = ("check_jsonschema", "git_log")


def _saved(path: Path, stats: CorpusStats) -> dict[str, Any]:
    data = json.loads(path.read_text())
    saved = data["corpus"]
    if (saved["records"], saved["commits"]) != (stats.records, stats.commits):
        raise SystemExit(f"{path} was measured on another corpus ({saved['records']} records, "
                         f"{saved['commits']} commits; this one has {stats.records}, "
                         f"{stats.commits})")
    return data


def fill(measure_: Measure, saved: dict[str, Any]) -> None:
    """A measure from saved JSON (figures from before the tree was sampled: their one
    memory figure is the largest process's)."""
    measure_.label = str(saved.get("label") or measure_.label)
    measure_.seconds = list(saved["seconds"])
    measure_.largest_mib = list(saved.get("largest_mib", saved.get("peak_mib", [])))
    measure_.tree_mib = list(saved.get("tree_mib", []))


def measures_json(measures: dict[str, Measure]) -> dict[str, Any]:
    return {k: asdict(m) | {"peak_mib": m.peak_mib, "median": m.median if m.seconds else None}
            for k, m in measures.items()}


def reuse_anchors(bench: Bench, path: Path, stats: CorpusStats) -> str:
    """Put an earlier run's anchor figures into ``bench``; returns when they were measured."""
    data = _saved(path, stats)
    for key in ANCHORS:
        fill(bench.measures[key], data["measures"][key])
    for name in ("git_log_marks", "jsonschema_invocations", "jsonschema_failed_invocations",
                 "git_log_sample", "git_log_sample_seconds"):
        setattr(bench.outcome, name, data["outcome"][name])
    return str(data["machine"]["date"])


def load_results(path: Path, corpus: Path,
                 stats: CorpusStats) -> tuple[Bench, dict[str, Any], str]:
    """An earlier run's figures, to write its table again (e.g. with --anchors-from)."""
    data = _saved(path, stats)
    bench = Bench(corpus, dt.date.fromisoformat(stats.today), corpus)
    for key, saved in data["measures"].items():
        if key in bench.measures:
            fill(bench.measures[key], saved)
    bench.outcome = Outcome(**data["outcome"])
    return bench, dict(data["machine"]), str(data["command"])


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "build" / "bench-corpus",
                        help="the corpus folder (made if missing, reused if present)")
    parser.add_argument("--fresh", action="store_true", help="make the corpus again")
    add_scale_arguments(parser)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=TODAY)
    parser.add_argument("--runs", type=int, default=3, help="runs of our commands (median)")
    parser.add_argument("--anchor-runs", type=int, default=None,
                        help="runs of check-jsonschema and git log (0 skips them; default "
                        "1, or 0 with --anchors-from)")
    parser.add_argument("--write", type=Path, default=ROOT / "docs" / "performance.md",
                        help="the page whose generated section is replaced")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--git-log-commits", type=int, default=0, metavar="N",
                        help="time git log on the newest N commits and scale the time to the "
                        "whole history (0, the default: the whole history)")
    parser.add_argument("--anchors-from", type=Path, metavar="JSON",
                        help="take the two anchors' figures from an earlier run's --json on "
                        "the same corpus instead of measuring them (git log takes an hour)")
    parser.add_argument("--verify-only", action="store_true",
                        help="time only verify, cold and warm (to compare two versions of it "
                        "on one corpus); other rows are left out")
    parser.add_argument("--from-json", type=Path, metavar="JSON",
                        help="measure nothing: write the table from an earlier run's --json")
    args = parser.parse_args(argv)
    args.corpus = args.corpus.resolve()
    if args.anchor_runs is None:  # anchors taken from an earlier run are not measured again
        args.anchor_runs = 0 if args.anchors_from else 1
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    command = shlex.join(["python", "benchmarks/run.py",
                          *(sys.argv[1:] if argv is None else argv)])
    stats, made = ensure_corpus(args.corpus, args.schools, args.supervisees, args.years,
                                args.today, fresh=args.fresh)
    if args.from_json:
        bench, info, command = load_results(args.from_json, args.corpus, stats)
    else:
        info = machine() | {"corpus_made_now": made}
        bench = measure(args.corpus, stats, args.runs, args.anchor_runs,
                        args.git_log_commits, args.verify_only)
        note_end_load(info)
    if args.anchors_from:
        info["anchors"] = reuse_anchors(bench, args.anchors_from, stats)
    section = report(command, stats, info, bench.outcome, bench.measures)
    print(section)
    write_section(args.write, section)
    if args.json:
        args.json.write_text(json.dumps({
            "command": command, "corpus": asdict(stats), "machine": info,
            "outcome": asdict(bench.outcome), "measures": measures_json(bench.measures)},
            indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

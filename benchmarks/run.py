"""The benchmark: every command a school runs, and the tools it replaces, on one corpus.

    python benchmarks/run.py [--corpus DIR] [--fresh] [--runs 3] [--anchor-runs 1]
                             [--schools 50 --supervisees 200 --years 7]
                             [--write docs/performance.md] [--json FILE]

Makes the corpus with corpus.py (a realistic trust with a fully signed history)
unless ``--corpus`` already holds one, then times, in one run on that corpus:

* ``supervision check`` cold (.git/supervision deleted) and warm (nothing
  changed), and the check of one record (what the pre-commit hook runs);
* ``supervision verify`` cold and warm; ``supervision status``; ``supervision
  site build`` (warm caches: check or the hook has run before);
* the anchors a user would otherwise reach for: check-jsonschema with our JSON
  Schemas (one invocation per form's schema over that form's files, summed) and
  ``git log --format='%H %G?'`` with every key of the repository in a throwaway
  GNUPGHOME.

Our commands are timed ``--runs`` times and the median reported; the anchors
``--anchor-runs`` times (git log takes many minutes on tens of thousands of
commits). Peak memory is the child process's maximum resident set size. The
Markdown table (medians, targets, ratios) is printed and written between the
markers in ``--write``; ``--json`` keeps the raw figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import CorpusStats, add_scale_arguments, load_stats, make_corpus  # noqa: E402
from signed_history import from_repo, import_into_gpg  # noqa: E402
from supervision.deadlines.rules import RULE_IDS  # noqa: E402
from supervision.repo import RecordsRepo  # noqa: E402
from timeline_corpus import TODAY  # noqa: E402
from timing import timed  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- benchmark:start -->"
END = "<!-- benchmark:end -->"
MEMORY_TARGET_MIB = 500
CHUNK = 2000  # files per check-jsonschema invocation (keeps the command line short)


@dataclass
class Measure:
    """One row of the table: every run's seconds and peak memory."""

    key: str
    label: str
    seconds: list[float] = field(default_factory=list)
    peak_mib: list[int] = field(default_factory=list)

    def add(self, seconds: float, peak_mib: int) -> None:
        self.seconds.append(round(seconds, 3))
        self.peak_mib.append(peak_mib)

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

    def describe(self) -> str:
        if self.limit is not None:
            return f"< {self.limit:g} s"
        return f"≥ {self.speedup:g}x faster" if self.speedup else "(anchor)"


TARGETS = {
    "check_cold": Target(speedup=20, anchor="check_jsonschema"),
    "check_warm": Target(limit=1),
    "check_one": Target(limit=0.5),
    "check_edited": Target(limit=0.5),
    "verify_cold": Target(speedup=20, anchor="git_log"),
    "verify_warm": Target(limit=2),
    "status": Target(limit=2),
    "site_build": Target(limit=15),
    "check_jsonschema": Target(),
    "git_log": Target(),
}
LABELS = {
    "check_cold": "`supervision check`, cold (caches deleted)",
    "check_warm": "`supervision check`, warm (nothing changed)",
    "check_one": "`supervision check` of one record (unchanged)",
    "check_edited": "`supervision check` of one record just edited (the pre-commit case)",
    "verify_cold": "`supervision verify`, cold",
    "verify_warm": "`supervision verify`, warm",
    "status": "`supervision status` (warm: check has run)",
    "site_build": "`supervision site build` (warm caches)",
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
    jsonschema_failed_invocations: int = 0
    jsonschema_invocations: int = 0
    git_log_marks: dict[str, int] = field(default_factory=dict)
    #: git log timed on the newest N commits only, its time scaled to them all (0: all)
    git_log_sample: int = 0
    git_log_sample_seconds: list[float] = field(default_factory=list)
    one_record: str = ""


class Bench:
    """Runs every measurement on one corpus."""

    def __init__(self, corpus: Path, today: dt.date, gnupghome: Path) -> None:
        self.corpus = corpus
        self.today = today.isoformat()
        self.env = dict(os.environ, GNUPGHOME=str(gnupghome), GIT_CONFIG_GLOBAL=os.devnull,
                        GIT_CONFIG_NOSYSTEM="1", SUPERVISION_TODAY=self.today)
        # Timed as installed: Python keeps compiled modules (some CI images turn that off).
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.measures = {key: Measure(key, LABELS[key]) for key in TARGETS}
        self.outcome = Outcome()

    def supervision(self, key: str, *args: str, record: bool = True) -> bytes:
        """Time one `supervision` command in the corpus; returns its output. ``record``
        False: run it only to bring the caches up to date (not in the table)."""
        seconds, peak, out = timed([sys.executable, "-m", "supervision", *args, "--today",
                                    self.today], self.corpus, self.env)
        if record:
            self.measures[key].add(seconds, peak)
        return out

    def clear_caches(self) -> None:
        shutil.rmtree(self.corpus / ".git" / "supervision", ignore_errors=True)

    def one_round(self) -> None:
        """Our commands once each. check runs cold first; status and the site build then
        find its caches warm, as they do for a school (the hook or check has run before);
        verify runs cold after every cache is deleted again."""
        self.clear_caches()
        self.read_check(self.supervision("check_cold", "check", "--format", "json"))
        self.supervision("check_warm", "check", "--format", "json")
        self.supervision("check_one", "check", self.outcome.one_record)
        self.edited_check()
        self.supervision("check_warm", "check", "--format", "json", record=False)
        self.supervision("status", "status")
        with tempfile.TemporaryDirectory(dir="/tmp", prefix="bench-site-") as site:
            self.supervision("site_build", "site", "build", "--site-dir", site)
        self.verify_round()

    def verify_round(self) -> None:
        """verify cold (every cache deleted) and then warm."""
        self.clear_caches()
        self.read_verify(self.supervision("verify_cold", "verify", "--format", "json"))
        self.supervision("verify_warm", "verify", "--format", "json")

    def edited_check(self) -> None:
        """The hook's case: the record was just changed, so no stored result fits it."""
        path = self.corpus / self.outcome.one_record
        original = path.read_bytes()
        try:
            path.write_bytes(original + b"# changed for the benchmark\n")
            self.supervision("check_edited", "check", self.outcome.one_record)
        finally:
            path.write_bytes(original)

    def read_check(self, out: bytes) -> None:
        findings = json.loads(out)
        self.outcome.check_per_record = sum(1 for f in findings if f["rule"] not in RULE_IDS)
        self.outcome.check_time_rules = dict(Counter(
            f["rule"] for f in findings if f["rule"] in RULE_IDS))

    def read_verify(self, out: bytes) -> None:
        result = json.loads(out)
        self.outcome.verify_statuses = result["summary"]["statuses"]
        self.outcome.verify_errors = len(result["errors"])

    def check_jsonschema(self) -> None:
        """One check-jsonschema per form's schema over that form's files; times summed."""
        with tempfile.TemporaryDirectory(dir="/tmp", prefix="bench-schemas-") as folder:
            timed([sys.executable, "-m", "supervision", "schema", "--write", folder],
                  self.corpus, self.env, ok_codes=(0,))
            total, peak, failed, calls = 0.0, 0, 0, 0
            for schema, files in files_by_schema(self.corpus, Path(folder)).items():
                for start in range(0, len(files), CHUNK):
                    args = [check_jsonschema_command(), "--schemafile", str(schema),
                            *files[start:start + CHUNK]]
                    seconds, mib, _out = self._timed_status(args)
                    total, peak, calls = total + seconds, max(peak, mib), calls + 1
                    failed += _out
            self.measures["check_jsonschema"].add(total, peak)
            self.outcome.jsonschema_invocations = calls
            self.outcome.jsonschema_failed_invocations = failed

    def _timed_status(self, args: list[str]) -> tuple[float, int, int]:
        """Seconds, peak MiB and 1 if the validator reported invalid files (else 0)."""
        try:
            seconds, mib, _out = timed(args, self.corpus, self.env, ok_codes=(0,))
            return seconds, mib, 0
        except SystemExit:  # exit 1: invalid instances; time it again, accepting that
            seconds, mib, _out = timed(args, self.corpus, self.env)
            return seconds, mib, 1

    def git_log(self, sample: int = 0) -> None:
        """``git log --format='%H %G?'``: gpg runs once per commit, so its time grows with
        the number of commits; with ``sample``, only the newest ``sample`` commits are
        read and the time is scaled to the whole history (reported as such)."""
        limit = ["-n", str(sample)] if sample else []
        seconds, peak, out = timed(["git", "log", *limit, "--format=%H %G?"], self.corpus,
                                   self.env, ok_codes=(0,))
        lines = [line for line in out.decode().splitlines() if line]
        if sample:
            total = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=self.corpus,
                                       capture_output=True, text=True).stdout.strip() or 0)
            self.outcome.git_log_sample = len(lines)
            self.outcome.git_log_sample_seconds.append(round(seconds, 3))
            seconds = seconds * total / max(len(lines), 1)
            self.measures["git_log"].label = (f"{LABELS['git_log']}, timed on the newest "
                                              f"{len(lines):,} commits and scaled to all")
        self.measures["git_log"].add(seconds, peak)
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
    """A held session in the middle of the history: what a supervisor commits."""
    sessions = sorted((corpus / "records").rglob("*-session.yaml"))
    sessions = [s for s in sessions if "/groups/" not in s.as_posix()]
    return sessions[len(sessions) // 2].relative_to(corpus).as_posix()


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


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    def first_line(args: list[str]) -> str:
        done = subprocess.run(args, capture_output=True, text=True)
        return done.stdout.splitlines()[0] if done.stdout else "?"

    return {"cores": os.cpu_count(), "python": platform.python_version(),
            "git": first_line(["git", "--version"]), "gpg": first_line(["gpg", "--version"]),
            "system": f"{platform.system()} {platform.release()}",
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def ratio_and_met(key: str, measures: dict[str, Measure]) -> tuple[str, str]:
    """The ratio column (speedup over the anchor, or share of the time limit) and whether
    the row meets its targets (time and memory)."""
    target, ours = TARGETS[key], measures[key]
    memory_ok = ours.peak < MEMORY_TARGET_MIB
    if target.anchor:
        anchor = measures[target.anchor]
        if not anchor.seconds:
            return "(anchor not run)", "?"
        speed = anchor.median / ours.median
        return f"{speed:.1f}x faster", _yes(speed >= (target.speedup or 0) and memory_ok)
    if target.limit is not None:
        share = ours.median / target.limit
        return f"{share:.2f} of the limit", _yes(share < 1 and memory_ok)
    return "", _yes(memory_ok)


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def table(measures: dict[str, Measure]) -> str:
    """The Markdown table of medians, targets and ratios."""
    lines = ["| Measurement | Median (s) | Runs | Peak memory (MiB) | Target | Ratio | Met |",
             "|---|---:|---:|---:|---|---|---|"]
    for key, m in measures.items():
        if not m.seconds:
            lines.append(f"| {m.label} | not run | 0 | | {TARGETS[key].describe()} | | |")
            continue
        ratio, met = ratio_and_met(key, measures)
        lines.append(f"| {m.label} | {m.median:.2f} | {len(m.seconds)} | {m.peak} | "
                     f"{TARGETS[key].describe()}, < {MEMORY_TARGET_MIB} MiB | {ratio} | {met} |")
    return "\n".join(lines)


def report(command: str, stats: CorpusStats, info: dict[str, Any], outcome: Outcome,
           measures: dict[str, Measure]) -> str:
    """The generated section of docs/performance.md."""
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(stats.by_kind.items()))
    time_rules = sum(outcome.check_time_rules.values())
    return "\n".join([
        f"Measured {info['date']} with:", "", "```sh", command, "```", "",
        f"**Corpus**: {stats.records:,} records ({kinds}); {stats.commits:,} commits, of "
        f"which {stats.signoffs:,} are sign-offs; {stats.people:,} people in "
        f"{stats.schools} schools; {stats.years} school years; today fixed at {stats.today}.",
        "",
        f"**Machine**: {info['cores']} cores, {info['system']}, Python {info['python']}, "
        f"{info['git']}, {info['gpg']}; load average at the start "
        f"{', '.join(map(str, info['load_average_at_start']))} (a shared machine: other "
        "work was running, so single figures can vary by tens of percent)."
        + (f" The two anchors were measured on {info['anchors']} in an earlier run on the "
           "same corpus (`--anchors-from`)." if info.get("anchors") else ""), "",
        table(measures), "",
        f"**What the commands found**: verify: {outcome.verify_errors} errors, statuses "
        f"{_counts(outcome.verify_statuses)}. check: {outcome.check_per_record} per-record "
        f"findings, {time_rules:,} time-rule findings across records "
        f"({_counts(outcome.check_time_rules)}). git log marks: "
        f"{_counts(outcome.git_log_marks)}"
        + (f" (git log read the newest {outcome.git_log_sample:,} commits in "
           f"{', '.join(f'{t:.1f}' for t in outcome.git_log_sample_seconds)} s; the table "
           f"scales that to all {stats.commits:,} commits, since gpg runs once per commit)"
           if outcome.git_log_sample else "") + ". check-jsonschema: "
        f"{outcome.jsonschema_invocations} invocations, "
        f"{outcome.jsonschema_failed_invocations} reported invalid files. One record: "
        f"`{outcome.one_record}`.",
    ])


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) or "none"


def write_section(path: Path, section: str) -> None:
    """Replace what is between the markers (the whole file is the section if it has none)."""
    block = f"{START}\n{section}\n{END}\n"
    text = path.read_text() if path.is_file() else ""
    if START in text and END in text:
        before, _sep, rest = text.partition(START)
        _old, _sep, after = rest.partition(END)
        text = before + block.rstrip("\n") + after
    else:
        text = block
    path.write_text(text)


def ensure_corpus(args: argparse.Namespace) -> CorpusStats:
    """The corpus in --corpus: made now if missing (or --fresh), reused otherwise."""
    stats = None if args.fresh else load_stats(args.corpus)
    if stats is None:
        shutil.rmtree(args.corpus, ignore_errors=True)
        args.corpus.parent.mkdir(parents=True, exist_ok=True)
        stats = make_corpus(args.corpus, args.schools, args.supervisees, args.years,
                            today=args.today)
        print(f"corpus: {stats.records} records, {stats.commits} commits in {stats.seconds} s",
              flush=True)
    return stats


def measure(args: argparse.Namespace, stats: CorpusStats) -> Bench:
    """Every measurement, ours --runs times, the anchors --anchor-runs times."""
    with gnupg_home(args.corpus) as home:
        bench = Bench(args.corpus, dt.date.fromisoformat(stats.today), home)
        bench.outcome.one_record = pick_one_record(args.corpus)
        ours = bench.verify_round if args.verify_only else bench.one_round
        steps: list[tuple[str, Callable[[], None], int]] = [
            ("supervision commands", ours, args.runs),
            ("check-jsonschema", bench.check_jsonschema, args.anchor_runs),
            ("git log %G?", lambda: bench.git_log(args.git_log_commits), args.anchor_runs)]
        for name, step, times in steps:
            for n in range(times):
                print(f"{name}: run {n + 1} of {times}", flush=True)
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


def _fill(measure_: Measure, saved: dict[str, Any]) -> None:
    measure_.label = str(saved.get("label") or measure_.label)
    measure_.seconds = list(saved["seconds"])
    measure_.peak_mib = list(saved["peak_mib"])


def reuse_anchors(bench: Bench, path: Path, stats: CorpusStats) -> str:
    """Put an earlier run's anchor figures into ``bench``; returns when they were measured."""
    data = _saved(path, stats)
    for key in ANCHORS:
        _fill(bench.measures[key], data["measures"][key])
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
            _fill(bench.measures[key], saved)
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
    parser.add_argument("--anchor-runs", type=int, default=1,
                        help="runs of check-jsonschema and git log (0 skips them)")
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
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    command = shlex.join(["python", "benchmarks/run.py",
                          *(sys.argv[1:] if argv is None else argv)])
    stats = ensure_corpus(args)
    if args.from_json:
        bench, info, command = load_results(args.from_json, args.corpus, stats)
    else:
        info = machine()
        bench = measure(args, stats)
    if args.anchors_from:
        info["anchors"] = reuse_anchors(bench, args.anchors_from, stats)
    section = report(command, stats, info, bench.outcome, bench.measures)
    print(section)
    write_section(args.write, section)
    if args.json:
        args.json.write_text(json.dumps({
            "command": command, "corpus": asdict(stats), "machine": info,
            "outcome": asdict(bench.outcome),
            "measures": {k: asdict(m) | {"median": m.median if m.seconds else None}
                         for k, m in bench.measures.items()}}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

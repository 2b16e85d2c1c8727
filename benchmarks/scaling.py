"""The scaling table: the main commands on corpora of several sizes, all the same shape.

    python benchmarks/scaling.py [--sizes 12,25,50,100] [--supervisees-per-school 4]
                                 [--years 7] [--folder build] [--runs 1]
                                 [--anchors-on SCHOOLS ...] [--git-log-commits N]
                                 [--write [docs/performance.md]] [--json FILE]

For each size (a number of schools) the corpus is made with corpus.py in
``FOLDER/bench-scale-SCHOOLS`` (four supervisees a school and seven school years, the
shape of the standard corpus, which is 50 schools and 200 supervisees), or reused when
that folder already holds a corpus of that size. All corpora are made first, then
each is measured with run.py's own functions: check cold, check --no-time-rules cold,
check of one record just edited and unchanged, verify cold and warm, status and the site
build, each ``--runs`` times (median). The anchors are not run unless ``--anchors-on``
names the sizes to run them on (git log alone takes hours on the larger corpora).

The table (a row per command, a column per corpus headed by its schools, records and
commits, each cell seconds and peak MiB), with the machine, its load and a sentence on
whether the one-record check stays flat as the trust grows, is printed; with
``--write`` it also replaces what is between ``<!-- scaling:start -->`` and
``<!-- scaling:end -->`` in docs/performance.md (or the page named), the rest of the
page untouched. Run it by hand
on a quiet machine, never in CI: at the default sizes it takes hours.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import CorpusStats  # noqa: E402
from run import (  # noqa: E402
    ANCHORS,
    LABELS,
    ROOT,
    TARGETS,
    Measure,
    Outcome,
    count,
    ensure_corpus,
    fill,
    machine,
    machine_text,
    measure,
    measures_json,
    memory_text,
    note_end_load,
    write_section,
)
from timeline_corpus import TODAY  # noqa: E402

START = "<!-- scaling:start -->"
END = "<!-- scaling:end -->"
SIZES = (12, 25, 50, 100)
#: The commands of the table, in its order.
ROWS = ("check_cold", "check_cold_no_time_rules", "check_edited", "check_one",
        "check_edited_resident", "check_one_resident", "verify_cold", "verify_warm",
        "status", "site_build")
#: The one-record check "stays flat" while its time grows by less than this factor
#: from the smallest corpus to the largest.
FLAT = 1.5
PAGE = ROOT / "docs" / "performance.md"


@dataclass
class Column:
    """One corpus of the table and what was measured on it."""

    folder: str
    stats: CorpusStats
    measures: dict[str, Measure]
    outcome: Outcome = field(default_factory=Outcome)

    @property
    def heading(self) -> str:
        return (f"{count(self.stats.schools, 'school')} ({count(self.stats.records, 'record')}"
                f", {count(self.stats.commits, 'commit')})")


def cell(m: Measure | None) -> str:
    if m is None or not m.seconds:
        return "not run"
    return f"{m.median:.2f} s, {m.peak} MiB"


def table(columns: list[Column]) -> str:
    """A row per command, a column per corpus; the standard corpus's target beside."""
    keys = list(ROWS) + [k for k in ANCHORS if any(c.measures[k].seconds for c in columns)]
    lines = ["| Command | " + " | ".join(c.heading for c in columns)
             + " | Target (standard corpus) |",
             "|---|" + "---:|" * len(columns) + "---|"]
    for key in keys:
        cells = " | ".join(cell(c.measures.get(key)) for c in columns)
        lines.append(f"| {LABELS[key]} | {cells} | {TARGETS[key].describe()} |")
    return "\n".join(lines)


def flat_text(columns: list[Column]) -> str:
    """Whether the one-record checks stay flat from the smallest corpus to the largest."""
    measured = [c for c in columns if c.measures["check_edited"].seconds]
    if len(measured) < 2:
        return ("**Does the one-record check stay flat?** Not known: fewer than two corpora "
                "were measured.")
    small, large = min(measured, key=lambda c: c.stats.records), max(
        measured, key=lambda c: c.stats.records)
    grown = large.stats.records / max(small.stats.records, 1)
    sentences = []
    for key, what in (("check_edited", "The check of one just-edited record (what every "
                       "commit runs)"), ("check_one", "The check of one unchanged record"),
                      ("check_edited_resident", "With the resident checker running, the "
                       "check of one just-edited record")):
        first, last = small.measures[key], large.measures[key]
        if not (first.seconds and last.seconds):
            continue
        factor = last.median / first.median
        verdict = ("so it stays flat" if factor < FLAT else
                   "so it does not stay flat: it grows with the trust")
        limit = TARGETS[key].limit or 0
        over = [str(c.stats.schools) for c in measured
                if c.measures[key].seconds and c.measures[key].median >= limit]
        target = (f"; it is under the {limit:g} s target on every corpus" if not over else
                  f"; it is over the {limit:g} s target on the corpora of "
                  f"{_and(over)} schools")
        sentences.append(
            f"{what} took {first.median:.2f} s on the smallest corpus "
            f"({small.stats.records:,} records) and {last.median:.2f} s on the largest "
            f"({large.stats.records:,}): {factor:.1f} times as long for {grown:.1f} times "
            f"the records, {verdict}{target}.")
    return ("**Does the one-record check stay flat?** " + " ".join(sentences)
            + f" (Flat here means it grows by less than {FLAT:g} times.)")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def report(command: str, info: dict[str, Any], columns: list[Column], runs: int) -> str:
    """The scaling section of docs/performance.md."""
    shape = columns[0].stats if columns else None
    per = (count(shape.supervisees // max(shape.schools, 1), "supervisee") + " a school"
           if shape and shape.supervisees else "supervisees in proportion to the schools")
    corpora = (f"**Corpora**: made by `benchmarks/corpus.py`, {per}, "
               f"{count(shape.years, 'school year')} kept, today fixed at {shape.today}; the "
               "sizes are in the column headings." if shape else "**Corpora**: none.")
    runs_text = ("each cell is one run" if runs == 1
                 else f"each cell is the median of {runs} runs")
    return "\n".join([
        f"Measured {info['date']} with:", "", "```sh", command, "```", "",
        corpora, "", machine_text(info), "", memory_text(info), "",
        f"Each cell: seconds, and peak memory in MiB (the larger of the two figures); "
        f"{runs_text}.", "",
        table(columns), "",
        flat_text(columns),
    ])


def sizes(text: str) -> list[int]:
    """"12,25,50" (or one number): the sizes of one --sizes argument."""
    try:
        found = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers of schools: {text!r}") from None
    if not found or min(found) < 1:
        raise argparse.ArgumentTypeError(f"every size must be at least 1 school: {text!r}")
    return found


def corpus_folder(folder: Path, schools: int) -> Path:
    return folder / f"bench-scale-{schools}"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=sizes, nargs="+", default=[list(SIZES)],
                        metavar="SCHOOLS", help="the corpora, by number of schools, "
                        "separated by commas or spaces (default: 12,25,50,100)")
    parser.add_argument("--supervisees-per-school", type=int, default=4, metavar="N",
                        help="supervisees in each corpus: N times its schools (default 4, "
                        "the standard corpus's shape)")
    parser.add_argument("--years", type=int, default=7, help="school years kept (default 7)")
    parser.add_argument("--folder", type=Path, default=ROOT / "build",
                        help="where the corpora are kept, one folder each: "
                        "bench-scale-SCHOOLS (default: build)")
    parser.add_argument("--fresh", action="store_true", help="make every corpus again")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=TODAY)
    parser.add_argument("--runs", type=int, default=1,
                        help="runs of each command on each corpus (median; default 1)")
    parser.add_argument("--anchors-on", type=int, nargs="*", default=[], metavar="SCHOOLS",
                        help="also run the two anchors once on these sizes (default: none)")
    parser.add_argument("--git-log-commits", type=int, default=0, metavar="N",
                        help="with --anchors-on: time git log on the newest N commits, scaled")
    parser.add_argument("--write", type=Path, nargs="?", const=PAGE, metavar="PAGE",
                        help="also write the table between the scaling markers of PAGE "
                        "(default PAGE: docs/performance.md); without --write it is only "
                        "printed")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--from-json", type=Path, metavar="JSON",
                        help="measure nothing: write the table from an earlier run's --json")
    args = parser.parse_args(argv)
    args.sizes = sorted({n for group in args.sizes for n in group})
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    args.folder = args.folder.resolve()
    return args


def measure_all(args: argparse.Namespace) -> tuple[dict[str, Any], list[Column]]:
    """Every corpus made (or found) first, then each measured."""
    corpora = []
    made_any = False
    for schools in args.sizes:
        folder = corpus_folder(args.folder, schools)
        stats, made = ensure_corpus(folder, schools, schools * args.supervisees_per_school,
                                    args.years, args.today, fresh=args.fresh, shape=True)
        corpora.append((folder, stats))
        made_any = made_any or made
    info = machine() | {"corpus_made_now": made_any}
    columns = []
    for folder, stats in corpora:
        anchors = 1 if stats.schools in args.anchors_on else 0
        bench = measure(folder, stats, args.runs, anchors, args.git_log_commits)
        columns.append(Column(str(folder), stats, bench.measures, bench.outcome))
    note_end_load(info)
    return info, columns


def load(path: Path) -> tuple[str, dict[str, Any], list[Column], int]:
    """An earlier run's --json: its command, machine, columns and runs."""
    data = json.loads(path.read_text())
    columns = []
    for saved in data["corpora"]:
        measures = {key: Measure(key, LABELS[key]) for key in TARGETS}
        for key, figures in saved["measures"].items():
            if key in measures:
                fill(measures[key], figures)
        columns.append(Column(saved["folder"], CorpusStats(**saved["corpus"]), measures,
                              Outcome(**saved["outcome"])))
    return str(data["command"]), dict(data["machine"]), columns, int(data["runs"])


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    command = shlex.join(["python", "benchmarks/scaling.py",
                          *(sys.argv[1:] if argv is None else argv)])
    if args.from_json:
        command, info, columns, runs = load(args.from_json)
    else:
        info, columns = measure_all(args)
        runs = args.runs
    section = report(command, info, columns, runs)
    print(section)
    if args.write:
        write_section(args.write, section, START, END)
        print(f"written between {START} and {END} in {args.write}", flush=True)
    if args.json:
        args.json.write_text(json.dumps({
            "command": command, "machine": info, "runs": runs,
            "corpora": [{"folder": c.folder, "corpus": asdict(c.stats),
                         "outcome": asdict(c.outcome), "measures": measures_json(c.measures)}
                        for c in columns]}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

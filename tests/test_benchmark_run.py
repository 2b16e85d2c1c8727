"""The benchmarks run end to end at a tiny scale: corpus, every measurement, the tables.

No timings are asserted (they depend on the machine); what is asserted is that
every row and cell is there, that the signed corpus verifies without errors, that its
records pass the per-record checks, and that peak memory covers a command's whole
process tree."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import yaml

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
CELL = re.compile(r"^\d+\.\d\d s, \d+ MiB$")


def _run(script: str, *args: str, timeout: int = 120) -> str:
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], check=True,
                          capture_output=True, text=True, timeout=timeout)
    return done.stdout


def _import(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder of corpora as scaling.py keeps them, holding the two-school one."""
    folder = tmp_path_factory.mktemp("corpora")
    _run("corpus.py", str(folder / "bench-scale-2"), "--schools", "2", "--supervisees", "2",
         "--years", "1")
    yield folder


def test_corpus_and_run_make_every_row(corpora: Path, tmp_path: Path) -> None:
    corpus = corpora / "bench-scale-2"
    page = tmp_path / "performance.md"
    page.write_text("# Page\n\n<!-- benchmark:start -->\nstale table\n<!-- benchmark:end -->\nkept\n")
    raw = tmp_path / "results.json"
    _run("run.py", "--corpus", str(corpus), "--runs", "1", "--write", str(page),
         "--json", str(raw))

    text = page.read_text()
    assert text.startswith("# Page\n") and text.endswith("<!-- benchmark:end -->\nkept\n")
    assert "stale table" not in text
    run = _import("run")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    assert header[0] == "Measurement" and "Target" in header and "Ratio" in header
    for label in run.LABELS.values():
        assert sum(row.startswith(f"| {label} |") for row in rows) == 1, label
    assert any(row.startswith("| `supervision check --no-time-rules`, cold") for row in rows)
    assert "not run" not in text
    # Every row of ours says whether its target was met, in words.
    for key, label in run.LABELS.items():
        if run.TARGETS[key].is_anchor:
            continue
        row = next(row for row in rows if row.startswith(f"| {label} |"))
        met = row.rstrip(" |").rsplit("|", 1)[1].strip()
        assert met == "yes" or met.startswith("**no**: "), row
    assert "**Targets missed**" in text or "**Every target measured was met.**" in text
    assert "**Load** (1, 5 and 15 minute averages)" in text and "at the end" in text

    results = json.loads(raw.read_text())
    # Each target and ratio beside its measure, the ratio worked out from the figures
    # measured in this run (the JSON keeps them).
    medians = {key: m["median"] for key, m in results["measures"].items()}
    cells = {key: dict(zip(header, (c.strip() for c in row.strip("|").split("|")),
                           strict=True))
             for key, label in run.LABELS.items()
             for row in rows if row.startswith(f"| {label} |")}
    assert cells["check_cold"]["Target"] == "≥ 10x faster than check-jsonschema, < 300 MiB"
    assert cells["check_edited"]["Target"] == "< 0.3 s, < 300 MiB"
    assert cells["check_one"]["Target"] == "< 0.15 s, < 300 MiB"
    assert cells["verify_cold"]["Target"] == "≥ 30x faster than git log, < 300 MiB"
    speedup = medians["check_jsonschema"] / medians["check_cold"]
    assert cells["check_cold"]["Ratio"] == f"{speedup:.1f}x faster"
    assert cells["verify_cold"]["Ratio"] == f"{medians['git_log'] / medians['verify_cold']:.1f}x faster"
    assert cells["check_edited"]["Ratio"] == f"{medians['check_edited'] / 0.3:.2f} of the limit"
    assert cells["check_cold"]["Median (s)"] == f"{medians['check_cold']:.2f}"
    assert (cells["check_cold"]["Met?"] == "yes") == (
        speedup >= 10 and max(results["measures"]["check_cold"]["peak_mib"]) < 300)
    assert len(results["machine"]["load_average_at_start"]) == 3
    assert len(results["machine"]["load_average_at_end"]) == 3
    outcome = results["outcome"]
    assert outcome["verify_errors"] == 0
    assert outcome["resident_mib"] and outcome["resident_mib"][0] > 0  # it ran, and was seen
    # The sessions booked for the rest of the (only) year are planned (not drafts: they are
    # signed once held), the cancelled ones cancelled; nothing is stale.
    statuses = outcome["verify_statuses"]
    assert set(statuses) <= {"agreed", "awaiting-supervisee", "draft", "planned",
                             "cancelled"} and statuses["agreed"]
    assert outcome["check_per_record"] == 0  # PRIVACY-DENY-LIST-UNSET would count here
    config = yaml.safe_load((corpus / "supervision.yml").read_text())
    assert config["privacy"]["deny_list"] == "none"  # fictional: name checking off on purpose
    assert outcome["check_no_time_rules"] == {}  # no time rules, and nothing else to find
    assert outcome["git_log_marks"] == {"G": results["corpus"]["commits"]}
    assert results["corpus"]["signoffs"] > results["corpus"]["records"] // 2
    assert all(m["seconds"] and m["peak_mib"] for m in results["measures"].values())
    if results["machine"]["memory_method"] != "none":  # the whole tree was sampled
        assert all(m["tree_mib"] and min(m["tree_mib"]) > 0
                   for m in results["measures"].values())

    # The anchors measured on their own (git log on the newest commits, scaled), then one
    # table from both runs' saved figures.
    anchors = tmp_path / "anchors.json"
    _run("run.py", "--corpus", str(corpus), "--runs", "0", "--git-log-commits", "5",
         "--write", str(tmp_path / "anchors.md"), "--json", str(anchors))
    saved = json.loads(anchors.read_text())
    assert saved["outcome"]["git_log_sample"] == 5
    assert not saved["measures"]["check_cold"]["seconds"]
    assert "Not run: " in (tmp_path / "anchors.md").read_text()
    _run("run.py", "--corpus", str(corpus), "--from-json", str(raw), "--anchors-from",
         str(anchors), "--write", str(page))
    text = page.read_text()
    assert "newest 5 commits and scaled to all" in text and "`--anchors-from`" in text
    assert "not run" not in text


def test_scaling_table_fills_every_cell(corpora: Path, tmp_path: Path) -> None:
    """Two tiny corpora: the one-school corpus is made, the two-school one (already in
    the folder, the same size) reused; the table goes between its own markers."""
    page = tmp_path / "performance.md"
    page.write_text("# Page\n\n<!-- benchmark:start -->\nkept table\n<!-- benchmark:end -->\n\n"
                    "<!-- scaling:start -->\nstale\n<!-- scaling:end -->\nkept\n")
    out = _run("scaling.py", "--folder", str(corpora), "--sizes", "1,2",
               "--supervisees-per-school", "1", "--years", "1", "--write", str(page),
               "--json", str(tmp_path / "scaling.json"), timeout=300)
    assert f"making the corpus in {corpora / 'bench-scale-1'}" in out
    assert "bench-scale-2 (" not in out and "another size" not in out  # reused

    text = page.read_text()
    assert "kept table" in text and text.endswith("<!-- scaling:end -->\nkept\n")
    assert "stale" not in text
    section = text.split("<!-- scaling:start -->")[1].split("<!-- scaling:end -->")[0]
    lines = [line for line in section.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert re.fullmatch(r"1 school \(\d+ records, \d+ commits\)", header[1]), header
    assert re.fullmatch(r"2 schools \(\d+ records, \d+ commits\)", header[2]), header
    scaling, run = _import("scaling"), _import("run")
    rows = {line.split(" | ")[0][2:]: [c.strip() for c in line.strip("|").split("|")]
            for line in lines[1:]}
    assert set(rows) == {run.LABELS[key] for key in scaling.ROWS}
    for label, cells in rows.items():
        assert all(CELL.match(cell) for cell in cells[1:3]), (label, cells)
    assert "**Does the one-record check stay flat?** The check of one just-edited" in section
    assert "**Load** (1, 5 and 15 minute averages)" in section

    saved = json.loads((tmp_path / "scaling.json").read_text())
    assert [c["corpus"]["schools"] for c in saved["corpora"]] == [1, 2]
    assert all(c["outcome"]["verify_errors"] == 0 for c in saved["corpora"])
    # Seconds and MiB in each cell are the measured median and peak of that corpus.
    for column, saved_column in zip(header[1:3], saved["corpora"], strict=True):
        figures = saved_column["measures"]["check_edited"]
        assert (f"{figures['median']:.2f} s, {max(figures['peak_mib'])} MiB"
                == rows[run.LABELS["check_edited"]][header.index(column)])
    # The table again from the saved figures, measuring nothing; without --write it is
    # only printed.
    again = tmp_path / "again.md"
    again.write_text("untouched\n")
    printed = _run("scaling.py", "--from-json", str(tmp_path / "scaling.json"))
    assert section.strip() in printed and again.read_text() == "untouched\n"
    _run("scaling.py", "--from-json", str(tmp_path / "scaling.json"), "--write", str(again))
    assert again.read_text().startswith("untouched\n\n<!-- scaling:start -->\n")
    assert section.strip() in again.read_text()


def _measures(run: ModuleType, **figures: tuple[float, int]) -> dict:
    measures = {key: run.Measure(key, label) for key, label in run.LABELS.items()}
    for key, (seconds, mib) in figures.items():
        measures[key].add_figures(seconds, mib, mib)
    return measures


def test_anchors_taken_from_an_earlier_run_are_not_measured_again() -> None:
    """git log over a whole corpus takes over an hour: --anchors-from skips it unless
    --anchor-runs asks for it."""
    run = _import("run")
    assert run.parse(["--anchors-from", "earlier.json"]).anchor_runs == 0
    assert run.parse([]).anchor_runs == 1
    assert run.parse(["--anchors-from", "earlier.json", "--anchor-runs", "2"]).anchor_runs == 2


def test_targets_and_ratios_come_from_the_figures() -> None:
    """Made-up figures: each row's ratio and verdict follow from them."""
    run = _import("run")
    measures = _measures(run, check_cold=(4.0, 250), check_jsonschema=(60.0, 40),
                         check_edited=(0.6, 100), check_one=(0.03, 350))
    table = run.table(measures)
    row = {key: next(r for r in table.splitlines() if r.startswith(f"| {run.LABELS[key]} |"))
           for key in ("check_cold", "check_edited", "check_one", "verify_cold")}
    assert "| 15.0x faster | yes |" in row["check_cold"]  # 60 / 4
    assert "| 2.00 of the limit | **no**: too slow (0.60 s, not under 0.3 s) |" in row[
        "check_edited"]
    assert "| 0.20 of the limit | **no**: over 300 MiB (350 MiB) |" in row["check_one"]
    assert "| not run | 0 |" in row["verify_cold"]
    text = run.missed_text(measures)
    assert text.startswith("**Targets missed**: ") and "Not run: " in text


def test_flat_verdict_comes_from_the_figures() -> None:
    """The one-record check is called flat only if it grows less than FLAT times."""
    run, scaling, corpus = _import("run"), _import("scaling"), _import("corpus")

    def column(schools: int, records: int, edited: float) -> object:
        stats = corpus.CorpusStats(records=records, commits=records * 2, schools=schools)
        return scaling.Column(f"bench-scale-{schools}", stats, _measures(
            run, check_edited=(edited, 90), check_one=(0.1, 40)))

    flat = scaling.flat_text([column(12, 5000, 0.20), column(100, 44000, 0.25)])
    assert "1.2 times as long for 8.8 times the records, so it stays flat" in flat
    assert "under the 0.3 s target on every corpus" in flat
    grows = scaling.flat_text([column(12, 5000, 0.20), column(100, 44000, 0.60)])
    assert "3.0 times as long" in grows and "does not stay flat" in grows
    assert "over the 0.3 s target on the corpora of 100 schools" in grows
    assert "Not known" in scaling.flat_text([column(12, 5000, 0.2)])
    assert scaling.parse(["--sizes", "25,12", "100"]).sizes == [12, 25, 100]
    assert scaling.parse([]).sizes == [12, 25, 50, 100] and scaling.parse([]).write is None


def test_ensure_corpus_leaves_other_folders_alone(tmp_path: Path) -> None:
    """A folder that holds something other than a corpus is never deleted."""
    run = _import("run")
    folder = tmp_path / "not-a-corpus"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n")
    with pytest.raises(SystemExit, match="holds no benchmark corpus"):
        run.ensure_corpus(folder, 1, 1, 1, shape=True)
    assert (folder / "notes.txt").read_text() == "mine\n"


# Two children of a small parent hold 60 MiB each at the same time: one itself, the
# other through a child of its own (a grandchild of the command).
FORKS = """
import os, time
def hold():
    data = b"x" * (60 << 20)
    time.sleep(1.5)
    os._exit(0)
if os.fork() == 0:
    hold()
if os.fork() == 0:
    if os.fork() == 0:
        hold()
    os.wait()
    os._exit(0)
os.wait()
os.wait()
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_peak_memory_counts_the_whole_tree(tmp_path: Path) -> None:
    timing = _import("timing")
    found = timing.timed([sys.executable, "-c", FORKS], tmp_path, {}, ok_codes=(0,))
    assert 55 <= found.largest_mib < 100  # one process: the kernel's figure
    assert found.tree_mib >= 110  # the tree: both 60 MiB processes at once
    assert found.peak_mib == found.tree_mib
    # A process outside the tree (the resident checker) counts when named.
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                               "block = b\"x\" * (60 << 20)\n"
                               "print(flush=True)\ntime.sleep(60)\n"],
                              stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"\n"
        small = [sys.executable, "-c", "import time; time.sleep(0.5)"]
        alone = timing.timed(small, tmp_path, {}, ok_codes=(0,))
        beside = timing.timed(small, tmp_path, {"BENCH_ALSO_TREE": str(holder.pid)},
                              ok_codes=(0,))
    finally:
        holder.kill()
        holder.wait()
    assert alone.tree_mib < 40 and beside.tree_mib >= alone.tree_mib + 55


def test_performance_page_is_not_shipped_to_schools(tmp_path: Path) -> None:
    """docs/performance.md is about this project, not a school's records: `supervision
    init` (the skeleton) must not copy it into a records repository."""
    subprocess.run([sys.executable, "-m", "supervision", "init", str(tmp_path / "records"),
                    "--profile", "agenda", "--org", "Test Trust (fictional)", "--no-hooks"],
                   check=True, capture_output=True)
    assert (tmp_path / "records" / "docs").is_dir()
    assert not list((tmp_path / "records").rglob("performance.md"))
    assert "performance" not in (tmp_path / "records" / "mkdocs.yml").read_text()

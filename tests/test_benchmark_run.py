"""The benchmark runs end to end at a tiny scale: corpus, every measurement, the table.

No timings are asserted (they depend on the machine); what is asserted is that
every row is there, that the signed corpus verifies without errors and that its
records pass the per-record checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _run(script: str, *args: str) -> None:
    subprocess.run([sys.executable, str(BENCHMARKS / script), *args], check=True,
                   capture_output=True, timeout=120)


def test_corpus_and_run_make_every_row(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _run("corpus.py", str(corpus), "--schools", "2", "--supervisees", "2", "--years", "1")
    page = tmp_path / "performance.md"
    page.write_text("# Page\n\n<!-- benchmark:start -->\nstale table\n<!-- benchmark:end -->\nkept\n")
    raw = tmp_path / "results.json"
    _run("run.py", "--corpus", str(corpus), "--runs", "1", "--write", str(page),
         "--json", str(raw))

    text = page.read_text()
    assert text.startswith("# Page\n") and text.endswith("<!-- benchmark:end -->\nkept\n")
    assert "stale table" not in text
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from run import LABELS
    finally:
        sys.path.remove(str(BENCHMARKS))
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    for label in LABELS.values():
        assert sum(row.startswith(f"| {label} |") for row in rows) == 1, label
    assert "not run" not in text

    results = json.loads(raw.read_text())
    outcome = results["outcome"]
    assert outcome["verify_errors"] == 0
    # The sessions booked for the rest of the (only) year are planned (not drafts: they are
    # signed once held), the cancelled ones cancelled; nothing is stale.
    statuses = outcome["verify_statuses"]
    assert set(statuses) <= {"agreed", "awaiting-supervisee", "draft", "planned",
                             "cancelled"} and statuses["agreed"]
    assert outcome["check_per_record"] == 0
    assert outcome["git_log_marks"] == {"G": results["corpus"]["commits"]}
    assert results["corpus"]["signoffs"] > results["corpus"]["records"] // 2
    assert all(m["seconds"] and m["peak_mib"] for m in results["measures"].values())

    # The anchors measured on their own (git log on the newest commits, scaled), then one
    # table from both runs' saved figures.
    anchors = tmp_path / "anchors.json"
    _run("run.py", "--corpus", str(corpus), "--runs", "0", "--git-log-commits", "5",
         "--write", str(tmp_path / "anchors.md"), "--json", str(anchors))
    saved = json.loads(anchors.read_text())
    assert saved["outcome"]["git_log_sample"] == 5
    assert not saved["measures"]["check_cold"]["seconds"]
    _run("run.py", "--corpus", str(corpus), "--from-json", str(raw), "--anchors-from",
         str(anchors), "--write", str(page))
    text = page.read_text()
    assert "newest 5 commits and scaled to all" in text and "`--anchors-from`" in text
    assert "not run" not in text


def test_performance_page_is_not_shipped_to_schools(tmp_path: Path) -> None:
    """docs/performance.md is about this project, not a school's records: `supervision
    init` (the skeleton) must not copy it into a records repository."""
    subprocess.run([sys.executable, "-m", "supervision", "init", str(tmp_path / "records"),
                    "--profile", "agenda", "--org", "Test Trust (fictional)", "--no-hooks"],
                   check=True, capture_output=True)
    assert (tmp_path / "records" / "docs").is_dir()
    assert not list((tmp_path / "records").rglob("performance.md"))
    assert "performance" not in (tmp_path / "records" / "mkdocs.yml").read_text()

"""The sign-off benchmark's generator and runner work (at a tiny scale; no timings)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import git_env, per_record, run_cli

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def test_generated_history_verifies_and_gpg_agrees(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_verify
        from signed_history import generate
    finally:
        sys.path.remove(str(BENCHMARKS))
    made = generate(tmp_path / "repo", schools=1, supervisees=2, years=1, env=git_env())
    assert (made.records, made.signoffs, made.commits) == (14, 28, 1 + 14 * 3)
    result = run_cli("verify", "--format", "json", cwd=made.root, env=git_env())
    assert result.code == 0, result.out
    data = result.json()
    assert data["summary"]["statuses"] == {"agreed": 14}
    assert data["trust"]["admins"][0]["person"] == "admin-1"
    # The generated timeline is for timing verify, not a realistic school year: only the
    # cross-record time rules may fire.
    checked = run_cli("check", "--format", "json", cwd=made.root, env=git_env())
    assert per_record(checked.json()) == []

    # The runner: same repository, gpg's view (every commit G) and verify's side by side.
    out = tmp_path / "bench"
    assert bench_verify.main(["--out", str(out), "--schools", "1", "--supervisees", "1",
                              "--years", "1", "--repeat", "1"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["records"] == 7 and results["statuses"] == {"agreed": 7}
    assert results["errors"] == 0
    assert results["git_log_marks"] == {"G": results["commits"]} and results["commits"] == 22
    assert {"verify_cold_s", "verify_warm_s", "git_log_G_s", "verify_cold_peak_mib"} <= set(
        results)

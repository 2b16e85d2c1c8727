"""The signed-history generator (used by benchmarks/push_through_hook.py) makes a trust
whose every record verifies as agreed (at a tiny scale; no timings). What the removed
bench_verify.py runner measured is now in benchmarks/run.py (tests/test_benchmark_run.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import git_env, per_record, run_cli

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def test_generated_history_verifies_as_agreed(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
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


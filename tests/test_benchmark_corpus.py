"""The benchmark corpus generator makes records that pass `supervision check`,
including the prose with numbers in it that the privacy guard must leave alone."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import git_env, run_cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


def test_small_corpus_checks_clean(tmp_path: Path) -> None:
    from make_corpus import make_corpus

    corpus = make_corpus(tmp_path / "corpus", records=120, schools=2, supervisees=3, years=2,
                         numbers_share=0.5)
    assert corpus.records == 120
    files = list((corpus.root / "records").rglob("*.yaml"))
    files += list((corpus.root / "contracts").rglob("*.yaml"))
    assert len(files) == 120
    assert any("room 14" in f.read_text() for f in files)
    env = git_env()
    env.pop("SUPERVISION_DENY_LIST", None)
    result = run_cli("check", "--no-cache", "--format", "json", cwd=corpus.root, env=env)
    # The corpus is for timing the per-record checks: its dates are not a realistic
    # timeline (benchmarks/timeline_corpus.py makes one), so only time rules may fire.
    from supervision.deadlines.rules import RULE_IDS

    per_record = [f for f in result.json() if f["rule"] not in RULE_IDS]
    assert per_record == [], per_record[:5]

"""Time `supervision status` (and `check`) cold and warm on a large corpus.

    python benchmarks/bench_status.py [--corpus /tmp/status-corpus] [--runs 5]

Builds the corpus with timeline_corpus.build_corpus (10 schools, 200 supervisees,
3 school years, 10,000 records) unless it already exists. "Cold" deletes the caches
in .git/supervision first (every record is parsed and checked again, the git history
is read again); "warm" is the median of the following runs. Target: status warm < 2 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timeline_corpus import TODAY, build_corpus  # noqa: E402


def _run(corpus: Path, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "supervision", *args, "--today",
                           TODAY.isoformat()], cwd=corpus, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"supervision {' '.join(args)} failed: {done.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/status-corpus"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    corpus = args.corpus
    if not (corpus / "supervision.yml").is_file():
        stats = build_corpus(corpus)
        print(f"built {stats.records} records, {stats.people} people, {stats.commits} commits "
              f"in {stats.seconds:.1f} s")
    records = sum(1 for _ in (corpus / "records").rglob("*.yaml")) + sum(
        1 for _ in (corpus / "contracts").rglob("*.yaml"))
    print(f"corpus: {corpus} ({records} records)")
    for command in (["status"], ["status", "--format", "json"], ["check"]):
        shutil.rmtree(corpus / ".git" / "supervision", ignore_errors=True)
        cold = _run(corpus, *command)
        warm = statistics.median(_run(corpus, *command) for _ in range(args.runs))
        print(f"supervision {' '.join(command):<22} cold {cold:6.2f} s   warm {warm:5.2f} s "
              f"(median of {args.runs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

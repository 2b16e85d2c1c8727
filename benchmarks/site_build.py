"""Time `supervision site build` on a large synthetic trust.

    .venv/bin/python benchmarks/site_build.py [--schools 50] [--supervisees 4] [--years 4]
                                              [--dir benchmarks/corpus/site] [--runs 3]

Makes the corpus once (reused when it exists), then builds the site: first with an
empty check cache (cold: every record read and checked), then with the cache warm
(the usual case: `supervision check` or the pre-commit hook has already run).
Prints the medians. No assertion: this measures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
SUPERVISION = shutil.which("supervision", path=str(BIN)) or "supervision"


def make_corpus(root: Path, schools: int, supervisees: int, years: int) -> str:
    from supervision.synthetic_trust import write_trust

    stamp = root / ".corpus-today"
    if stamp.is_file():
        return stamp.read_text().strip()
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([SUPERVISION, "init", str(root), "--profile", "agenda", "--org",
                    "Benchmark Trust", "--no-hooks"], check=True, capture_output=True)
    started = time.perf_counter()
    today = write_trust(root, schools=schools, supervisees=supervisees, years=years,
                        first_year=2020).isoformat()
    print(f"corpus written and committed in {time.perf_counter() - started:.1f} s")
    stamp.write_text(today)
    return today


def build(root: Path, today: str, site: Path) -> float:
    env = dict(os.environ, SUPERVISION_TODAY=today)
    started = time.perf_counter()
    subprocess.run([SUPERVISION, "site", "build", "--site-dir", str(site)], cwd=root,
                   env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--supervisees", type=int, default=4)
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--dir", default="benchmarks/corpus/site")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(args.dir).resolve()
    today = make_corpus(root, args.schools, args.supervisees, args.years)
    records = sum(1 for top in ("records", "contracts") for _ in (root / top).rglob("*.yaml"))
    cache = root / ".git" / "supervision"
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as out:
        for run in range(args.runs):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(build(root, today, Path(out) / f"cold{run}"))
            warm.append(build(root, today, Path(out) / f"warm{run}"))
        pages = sum(1 for _ in (Path(out) / "warm0").rglob("*.html"))
    print(f"records: {records}; site pages: {pages}; cores: {os.cpu_count()}")
    print(f"site build, cold check cache: median {statistics.median(cold):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in cold)})")
    print(f"site build, warm check cache: median {statistics.median(warm):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in warm)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

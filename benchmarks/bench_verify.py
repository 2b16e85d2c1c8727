"""Time `supervision verify` (cold and warm) against `git log --format='%H %G?'`.

Both read the same generated repository (see signed_history.py) with the same
keys: git log asks gpg, whose keyring holds every public key of the repository
(fully trusted), once per commit; verify reads the history in one pass and
checks signatures in-process. Peak memory (max RSS) is taken from the operating
system for each child process.

    python benchmarks/bench_verify.py                       # 36 schools x 4 x 10 years
    python benchmarks/bench_verify.py --schools 3 --years 1 --out /tmp/small

Prints a table and writes results.json next to the repository. Not part of the
test suite (a run takes several minutes, nearly all of it git log).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from signed_history import Generated, generate, import_into_gpg
from supervision.cache import cache_dir
from supervision.openpgp import read_certs


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, bytes]:
    """Wall seconds, peak RSS in MiB and stdout of one child process."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        data = out.read()
    if child.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed with exit {child.returncode}")
    return seconds, usage.ru_maxrss // 1024, data


def run(out: Path, schools: int, supervisees: int, years: int, reuse: bool,
        repeat: int = 3) -> dict[str, Any]:
    repo = out / "repo"
    home = Path(tempfile.mkdtemp(dir="/tmp", prefix="bench-gpg-"))
    env = dict(os.environ, GNUPGHOME=str(home), GIT_CONFIG_GLOBAL=os.devnull,
               GIT_CONFIG_NOSYSTEM="1")
    try:
        if reuse and repo.exists():
            made = Generated(repo)
            made.certs = [p.read_text() for p in sorted((repo / "keys").glob("*.asc"))]
            made.fingerprints = [read_certs(c.encode())[0].fingerprint.upper()
                                 for c in made.certs]
        else:
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            made = generate(repo, schools, supervisees, years, env=env)
            print(f"generated {made.records} records, {made.signoffs} sign-offs, "
                  f"{made.commits} commits in {made.seconds:.1f} s")
        import_into_gpg(made, home)
        verify = [sys.executable, "-m", "supervision", "verify", "--format", "json"]
        colds, warms = [], []
        for _ in range(repeat):  # the median of a few runs: the machine may be shared
            (cache_dir(repo) / "verify.json").unlink(missing_ok=True)
            colds.append(timed(verify, repo, env))
            warms.append(timed(verify, repo, env))
        cold_s, cold_mb, cold_out = sorted(colds)[len(colds) // 2]
        warm_s, warm_mb, warm_out = sorted(warms)[len(warms) // 2]
        log_s, log_mb, log_out = timed(["git", "log", "--format=%H %G?"], repo, env)
        cold, warm = json.loads(cold_out), json.loads(warm_out)
        marks = Counter(line.split()[1] for line in log_out.decode().splitlines() if line)
        assert cold["records"] == warm["records"], "warm run disagrees with cold run"
        result = {
            "records": cold["summary"]["records"],
            "commits": cold["summary"]["commits"],
            "statuses": cold["summary"]["statuses"],
            "errors": len(cold["errors"]),
            "git_log_marks": dict(marks),
            "verify_cold_s": round(cold_s, 2), "verify_cold_peak_mib": cold_mb,
            "verify_warm_s": round(warm_s, 2), "verify_warm_peak_mib": warm_mb,
            "git_log_G_s": round(log_s, 2), "git_log_peak_mib": log_mb,
            "cold_speedup_vs_git_log": round(log_s / cold_s, 1),
            "verify_runs": repeat,
            "verify_cold_all_s": [round(c[0], 2) for c in colds],
            "verify_warm_all_s": [round(w[0], 2) for w in warms],
        }
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"],
                       capture_output=True)
        shutil.rmtree(home, ignore_errors=True)
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="supervision verify vs git log %G?")
    parser.add_argument("--out", type=Path, default=Path("build/bench-verify"))
    parser.add_argument("--schools", type=int, default=36)
    parser.add_argument("--supervisees", type=int, default=4)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3,
                        help="verify runs, cold and warm (the median is reported)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse a repository generated by an earlier run")
    args = parser.parse_args(argv)
    result = run(args.out.resolve(), args.schools, args.supervisees, args.years, args.reuse,
                 args.repeat)
    print(f"{result['records']} records, {result['commits']} commits, "
          f"statuses {result['statuses']}, {result['errors']} errors; git log marks "
          f"{result['git_log_marks']}")
    print(f"{'':28}{'seconds':>10}{'peak MiB':>10}")
    for label, key in (("supervision verify (cold)", "verify_cold"),
                       ("supervision verify (warm)", "verify_warm"),
                       ("git log --format='%H %G?'", "git_log")):
        seconds = result[f"{key}_s" if key != "git_log" else "git_log_G_s"]
        print(f"{label:28}{seconds:>10.2f}{result[f'{key}_peak_mib']:>10}")
    print(f"cold verify is {result['cold_speedup_vs_git_log']}x faster than git log %G? "
          f"(verify: median of {result['verify_runs']} runs; cold {result['verify_cold_all_s']}, "
          f"warm {result['verify_warm_all_s']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time `git push` of 100 commits to a bare repository guarded by the pre-receive hook.

A trust with a fully signed history is generated (signed_history.py: by default
10,080 records and 30,241 commits). Bare "server" repositories on the same disk get
the real two-line hook (deploy/git-hooks/pre-receive), and real `git push` runs
are timed, wall clock, from the client's side:

* plain:    the last 100 commits pushed to a server without the hook (git alone);
* cold:     the same push, just after the hook was installed (no cache yet);
* warm:     the usual case: the server's history (all but the last few hundred
            commits) arrived through the hook, so its cache knows it; then several
            pushes of 100 new commits each (records and sign-offs);
* settings: one commit signed by the records admin that changes people.yml, which
            makes the hook check every record in the repository.

Every push must be accepted (the generated history is valid), or the run stops.

    python benchmarks/push_through_hook.py                      # 36 schools x 4 x 10 years
    python benchmarks/push_through_hook.py --schools 3 --years 1 --out /tmp/small

Prints a table and writes results.json next to the repository. Not part of the
test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pysequoia

from signed_history import generate

ROOT = Path(__file__).resolve().parent.parent
HOOK = ROOT / "deploy" / "git-hooks" / "pre-receive"


def _git(args: list[str], cwd: Path, env: dict[str, str], input: bytes | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, input=input, capture_output=True)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {done.stderr.decode()}")
    return done.stdout.decode().strip()


def _server(path: Path, env: dict[str, str], hooked: bool) -> Path:
    _git(["init", "-q", "--bare", str(path)], path.parent, env)
    if hooked:
        install_hook(path)
    return path


def install_hook(server: Path) -> None:
    target = server / "hooks" / "pre-receive"
    shutil.copy(HOOK, target)
    target.chmod(0o755)


def push(repo: Path, server: Path, rev: str, env: dict[str, str]) -> float:
    """Wall seconds of one push of ``rev`` to the server's main branch; must be accepted."""
    started = time.perf_counter()
    done = subprocess.run(["git", "push", "--quiet", str(server), f"{rev}:refs/heads/main"],
                          cwd=repo, env=env, capture_output=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"push of {rev} was refused:\n{done.stderr.decode()}")
    return seconds


def signed_settings_commit(repo: Path, admin: Any, env: dict[str, str]) -> str:
    """A commit on top of HEAD, signed by the records admin, that changes people.yml."""
    people = repo / "people.yml"
    people.write_text(people.read_text() + "# Reviewed by the records admin.\n")
    _git(["add", "people.yml"], repo, env)
    tree = _git(["write-tree"], repo, env)
    head = _git(["rev-parse", "HEAD"], repo, env)
    now = int(time.time())
    ident = "Records Admin <admin-1@example.invalid>"
    lines = [f"tree {tree}", f"parent {head}", f"author {ident} {now} +0000",
             f"committer {ident} {now} +0000"]
    message = "Review people.yml\n"
    payload = ("\n".join(lines) + "\n\n" + message).encode()
    signature = pysequoia.sign(admin.signer(), payload, mode=pysequoia.SignatureMode.DETACHED)
    gpgsig = "gpgsig " + "\n ".join(signature.decode().strip("\n").split("\n"))
    data = ("\n".join([*lines, gpgsig]) + "\n\n" + message).encode()
    return _git(["hash-object", "-t", "commit", "-w", "--stdin"], repo, env, input=data)


def run(out: Path, schools: int, supervisees: int, years: int, batch: int,
        rounds: int) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    made = generate(out / "repo", schools, supervisees, years, env=env)
    repo = made.root
    print(f"generated {made.records} records, {made.commits} commits in {made.seconds:.1f} s")
    assert made.commits > (rounds + 2) * batch, "history too short for these settings"

    plain = _server(out / "plain.git", env, hooked=False)
    push(repo, plain, f"HEAD~{batch}", env)
    plain_s = push(repo, plain, "HEAD", env)

    cold = _server(out / "cold.git", env, hooked=False)
    push(repo, cold, f"HEAD~{batch}", env)
    install_hook(cold)
    cold_s = push(repo, cold, "HEAD", env)

    warm = _server(out / "warm.git", env, hooked=True)
    whole_s = push(repo, warm, f"HEAD~{rounds * batch}", env)
    warm_all = [push(repo, warm, f"HEAD~{k * batch}" if k else "HEAD", env)
                for k in range(rounds - 1, -1, -1)]
    settings_commit = signed_settings_commit(repo, made.admin, env)
    settings_s = push(repo, warm, settings_commit, env)

    result = {
        "records": made.records, "commits": made.commits, "batch": batch,
        "push_plain_s": round(plain_s, 2),
        "push_cold_s": round(cold_s, 2),
        "push_warm_median_s": round(sorted(warm_all)[len(warm_all) // 2], 2),
        "push_warm_max_s": round(max(warm_all), 2),
        "push_warm_all_s": [round(s, 2) for s in warm_all],
        "push_whole_history_s": round(whole_s, 2),
        "whole_history_commits": made.commits - rounds * batch,
        "push_settings_change_s": round(settings_s, 2),
    }
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="git push through the pre-receive hook")
    parser.add_argument("--out", type=Path, default=Path("build/bench-push"))
    parser.add_argument("--schools", type=int, default=36)
    parser.add_argument("--supervisees", type=int, default=4)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--batch", type=int, default=100, help="commits per push")
    parser.add_argument("--rounds", type=int, default=3, help="warm pushes to time")
    args = parser.parse_args(argv)
    r = run(args.out.resolve(), args.schools, args.supervisees, args.years, args.batch,
            args.rounds)
    print(f"{r['records']} records, {r['commits']} commits; pushes of {r['batch']} commits:")
    rows = [("no hook (git alone)", r["push_plain_s"]),
            ("hook, cache empty (first push after installing)", r["push_cold_s"]),
            (f"hook, usual case (median of {len(r['push_warm_all_s'])})",
             r["push_warm_median_s"]),
            ("hook, usual case (slowest)", r["push_warm_max_s"]),
            ("1 admin-signed commit changing people.yml (all records checked)",
             r["push_settings_change_s"]),
            (f"whole history through the hook ({r['whole_history_commits']} commits)",
             r["push_whole_history_s"])]
    for label, seconds in rows:
        print(f"  {label:66}{seconds:>7.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

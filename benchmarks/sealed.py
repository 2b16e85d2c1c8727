"""What sealing costs a reader: check and status in a reader's clone, sealed vs unsealed,
and a fresh checkout (the smudge filter opening every record) beside plain git's.

    python benchmarks/sealed.py [--schools 2] [--rounds 3]

Two copies of the same small fictional trust (``fictional_trust.write_trust``, at most
a 2-school corpus) are made in a temporary folder: one plain, one with ``privacy:
sealed: true`` whose records are sealed to a trust-wide reader (a throwaway key with
an encryption subkey, in a short GnuPG home under /tmp). Each is cloned as that
reader; then, ``--rounds`` times each, alternating: ``supervision check --no-cache``,
``supervision status`` and a fresh checkout (``git checkout`` of every record after
deleting them, which in the sealed clone runs the smudge filter). The medians and
the ratios sealed/unsealed are printed. Everything runs as real subprocesses, as a
person would run them. The gpg-agent started for the throwaway key is stopped at the
end, and the folder removed.
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

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from supervision.demo.fictional_trust import write_trust  # noqa: E402


def run(cmd: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> None:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=900)
    if done.returncode not in ok:
        sys.exit(f"{' '.join(cmd)} failed in {cwd} (exit {done.returncode}): "
                 f"{done.stderr.decode(errors='replace')[-2000:]}")


def tool(*args: str) -> list[str]:
    return [sys.executable, "-m", "supervision", *args]


def make_reader(home: Path, env: dict[str, str]) -> tuple[str, bytes]:
    gpg = ["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback",
           "--passphrase", ""]
    uid = "Bench Reader (fictional) <reader@example.invalid>"
    run([*gpg, "--quick-gen-key", uid, "ed25519", "sign", "1y"], home, env)
    listing = subprocess.run([*gpg, "--with-colons", "--list-secret-keys"], env=env,
                             capture_output=True, text=True).stdout
    fpr = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr"))
    run([*gpg, "--quick-add-key", fpr, "cv25519", "encr", "1y"], home, env)
    public = subprocess.run([*gpg, "--export", "--armor", fpr], env=env,
                            capture_output=True).stdout
    return fpr.upper(), public


def make_trust(root: Path, schools: int, env: dict[str, str], sealed: bool, fpr: str,
               public: bytes) -> None:
    run(tool("init", str(root), "--profile", "agenda", "--org", "Bench Trust (fictional)",
             "--no-hooks", "--no-seal"), root.parent, env)  # sealed below, when asked
    write_trust(root, schools=schools, supervisees=3, years=1, commit=False)
    people_file = root / "people.yml"
    people = yaml.safe_load(people_file.read_text(encoding="utf-8"))
    people["people"].append({"id": "bench-reader", "name": "Bench Reader (fictional)",
                             "roles": ["trust-lead"], "fingerprints": [fpr]})
    people_file.write_text(yaml.safe_dump(people, sort_keys=False), encoding="utf-8")
    (root / "keys").mkdir(exist_ok=True)
    (root / "keys" / "bench-reader.asc").write_bytes(public)
    if sealed:
        config_file = root / "supervision.yml"
        config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        config.setdefault("privacy", {}).update(sealed=True, readers=["trust-lead"])
        config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        run(tool("seal", "install"), root, env)
    run(["git", "add", "-A"], root, env)
    if sealed:  # the readers files the clean filter wrote while the first add ran
        run(["git", "add", "-A"], root, env)
    run(["git", "commit", "-q", "--no-gpg-sign", "--no-verify", "-m", "Bench trust"], root,
        env)


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    run(cmd, cwd, env, ok=(0, 1))
    return time.perf_counter() - started


def fresh_checkout(clone: Path, env: dict[str, str]) -> float:
    for top in ("records", "contracts"):
        shutil.rmtree(clone / top, ignore_errors=True)
    return timed(["git", "checkout", "--", "records", "contracts"], clone, env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=2, choices=(1, 2))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(dir="/tmp", prefix="svb-"))
    home = base / "g"
    home.mkdir(mode=0o700)
    env = dict(os.environ, GNUPGHOME=str(home), GIT_CONFIG_NOSYSTEM="1",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_AUTHOR_NAME="Bench",
               GIT_AUTHOR_EMAIL="bench@example.invalid", GIT_COMMITTER_NAME="Bench",
               GIT_COMMITTER_EMAIL="bench@example.invalid",
               PYTHONPATH=os.pathsep.join([str(ROOT / "tools"),
                                          os.environ.get("PYTHONPATH", "")]))
    try:
        fpr, public = make_reader(home, env)
        clones = {}
        for name in ("unsealed", "sealed"):
            origin = base / f"{name}-origin"
            make_trust(origin, args.schools, env, name == "sealed", fpr, public)
            clone = base / f"{name}-clone"
            run(["git", "clone", "-q", str(origin), str(clone)], base, env)
            if name == "sealed":
                run(tool("seal", "install"), clone, env)
            clones[name] = clone
        today = ["--today", "2026-07-31"]
        times: dict[tuple[str, str], list[float]] = {}
        for _round in range(args.rounds):
            for name, clone in clones.items():
                times.setdefault((name, "checkout"), []).append(fresh_checkout(clone, env))
                still = [p for p in (clone / "records").rglob("*.yaml")
                         if b"\nsealed:\n" in p.read_bytes()]
                if still:  # the reader must be measured reading, not on sealed forms
                    sys.exit(f"{len(still)} records are still sealed in the reader's clone")
                times.setdefault((name, "check"), []).append(
                    timed(tool("check", "--no-cache", *today), clone, env))
                times.setdefault((name, "status"), []).append(
                    timed(tool("status", *today), clone, env))
        records = sum(1 for _ in (clones["sealed"] / "records").rglob("*.yaml"))
        print(f"{records} records, {args.schools} school(s), median of {args.rounds} "
              "rounds, in a reader's clone:")
        print(f"{'':22}{'unsealed':>10}{'sealed':>10}{'ratio':>8}")
        for what, label in (("check", "check --no-cache"), ("status", "status"),
                            ("checkout", "fresh checkout")):
            plain = statistics.median(times[("unsealed", what)])
            sealed = statistics.median(times[("sealed", what)])
            print(f"{label:22}{plain:9.2f}s{sealed:9.2f}s{sealed / plain:7.2f}x")
        print("(fresh checkout: `git checkout` of every record; sealed, the smudge filter "
              "opens each with one gpg run)")
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

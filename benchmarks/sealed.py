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

    python benchmarks/sealed.py --corpus build/bench-corpus [--folder build/bench-sealed]
                                [--rounds 1] [--json FILE]

On the standard benchmark corpus (issue 19's acceptance): the same corpus is made
again, sealed from its first record (``corpus.make_corpus(..., sealing=...)``: the
same seed, so the same records, people and dates; new keys, so new fingerprints), in
``--folder``/origin, and reused on later runs. Every person's key can receive
encryption; each record is sealed to its readers as the filter would seal it (the
people it names, the school's headteacher and the trust lead by role, and a recovery
key), and its readers file is committed with it by its writer, so the sign-offs name
the sealed blobs and verify judges a real sealed history. The reader is the holder
of the recovery key (made with gpg in ``--folder``/gnupg): the worst case, since
every record is opened at checkout. Then, ``--rounds`` times each, alternating
between a plain clone of ``--corpus`` (never changed) and the reader's clone of the
sealed one (its checkout runs the smudge filter): a fresh checkout of every record,
``supervision check`` cold (the store deleted; in the sealed clone the filter's own
memory, ``.git/supervision/seal``, is kept, as a fresh clone makes it at checkout),
``supervision check`` warm and ``supervision status``, with the load average beside
every figure. The working tree of the reader's clone is compared byte for byte with
the plain corpus's records first, so both are measured on the same text. Nothing
here runs in CI.
"""

from __future__ import annotations

import argparse
import json
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from supervision.demo.fictional_trust import write_trust  # noqa: E402

#: Readers by role in the sealed corpus (with each record's own people and the recovery key).
CORPUS_READERS = ("headteacher", "trust-lead")


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


# -- the standard corpus ------------------------------------------------------------------
class CorpusSealer:
    """corpus.Sealing: each record sealed as the clean filter would seal it."""

    def __init__(self, recovery_fpr: str, recovery_public: bytes) -> None:
        self.recovery_fpr = recovery_fpr
        self.recovery_public = recovery_public
        self.repo: object = None
        self.keys: object = None

    def prepare(self, dest: Path) -> None:
        from supervision.cli.seal import ATTRIBUTES
        from supervision.repo import RecordsRepo
        from supervision.sealing.readers import KeyFiles

        config = dest / "supervision.yml"
        text = config.read_text(encoding="utf-8")
        assert "\nprivacy:\n" in text
        config.write_text(text.replace("\nprivacy:\n", (
            "\nprivacy:\n  sealed: true\n"
            f"  readers: [{', '.join(CORPUS_READERS)}]\n"
            f"  recovery_key: {self.recovery_fpr}\n"), 1), encoding="utf-8")
        (dest / "keys" / "recovery.asc").write_bytes(self.recovery_public)
        (dest / ".gitattributes").write_text(
            "# Records are sealed (benchmark corpus).\n" + "".join(f"{a}\n" for a in ATTRIBUTES),
            encoding="utf-8")
        self.repo = RecordsRepo.load(dest)
        assert self.repo.config is not None and self.repo.config.sealed
        self.keys = KeyFiles(dest)

    def seal(self, path: str, text: bytes) -> dict[str, bytes]:
        from supervision.forms.yamlparse import parse_bytes
        from supervision.sealing import sidecar
        from supervision.sealing.keys import SequoiaWrapper
        from supervision.sealing.readers import readers_for
        from supervision.sealing.seal import seal_record
        from supervision.signing.signoff import form_of
        from timeline_corpus import TODAY

        doc, _problems = parse_bytes(text, path)
        data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
        form = form_of(self.repo, data)
        readers = readers_for(self.repo, data, form, self.keys, TODAY)
        if readers.without_key or "recovery" not in readers.people:
            sys.exit(f"{path}: readers without a key: {readers.without_key}")
        version = seal_record(text, path, form, readers.certs, SequoiaWrapper())
        side = sidecar.Sidecar()
        side.put(version.entry)
        return {path: version.stored, sidecar.sidecar_path(path): side.dump()}


def scale_of(stats: object) -> tuple[int, int, int]:
    # a corpus made before its figures named the supervisees was made with the default
    return (stats.schools, stats.supervisees or 200, stats.years)  # type: ignore[attr-defined]


def corpora(folder: Path, corpus: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """(the unsealed corpus, ``folder``/origin: the same corpus sealed from its first
    record), each made once. The unsealed one is ``corpus`` when today's generator makes
    the same records; otherwise (the corpus was made by an earlier version of
    corpus.py) an unsealed twin made now in ``folder``/plain, so both sides hold exactly
    the same records."""
    from corpus import load_stats, make_corpus

    origin, home, twin = folder / "origin", folder / "gnupg", folder / "plain"
    plain = load_stats(corpus)
    if plain is None:
        sys.exit(f"{corpus} holds no benchmark corpus (benchmarks/corpus.py makes one)")
    made = load_stats(origin)
    if made is None or not (home / "reader.fpr").is_file() or scale_of(made) != scale_of(plain):
        shutil.rmtree(origin, ignore_errors=True)
        stop_agent(home)  # an agent left from an earlier run would serve the old keys
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True, mode=0o700)
        fpr, public = make_reader(home, env)
        (home / "reader.fpr").write_text(fpr + "\n")
        print(f"making the sealed corpus in {origin} (once) ...", flush=True)
        made = make_corpus(origin, *scale_of(plain), sealing=CorpusSealer(fpr, public))
        print(f"  {made.records} records, {made.commits} commits in {made.seconds:.0f} s",
              flush=True)
    if (made.records, made.commits, made.by_kind) == (plain.records, plain.commits,
                                                      plain.by_kind):
        return corpus, origin
    print(f"{corpus} ({plain.records} records, {plain.commits} commits) was made by an "
          f"earlier corpus.py than the sealed corpus ({made.records}, {made.commits}): "
          f"the unsealed side is a twin made now in {twin}", flush=True)
    same = load_stats(twin)
    if same is None or (same.records, same.commits) != (made.records, made.commits):
        shutil.rmtree(twin, ignore_errors=True)
        same = make_corpus(twin, *scale_of(plain))
    if (same.records, same.commits, same.by_kind) != (made.records, made.commits,
                                                      made.by_kind):
        sys.exit(f"the unsealed twin differs from the sealed corpus: {same} vs {made}")
    return twin, origin


def stop_agent(home: Path) -> None:
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True)


def store_deleted(clone: Path) -> None:
    """check, cold: the store deleted, but not the filter's memory (``seal/``), which a
    reader's clone makes at its checkout and which keeps the clean filter stable."""
    store = clone / ".git" / "supervision"
    if store.is_dir():
        for entry in store.iterdir():
            if entry.name != "seal":
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()


def corpus_main(args: argparse.Namespace) -> int:
    from timeline_corpus import TODAY
    from timing import timed as measured

    corpus = args.corpus.resolve()
    folder = args.folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, GNUPGHOME=str(folder / "gnupg"), GIT_CONFIG_NOSYSTEM="1",
               GIT_CONFIG_GLOBAL=os.devnull,
               PYTHONPATH=os.pathsep.join([str(ROOT / "tools"),
                                          os.environ.get("PYTHONPATH", "")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    (folder / "gnupg").mkdir(mode=0o700, exist_ok=True)
    loads: dict[str, list[float]] = {"start": [round(x, 2) for x in os.getloadavg()]}
    corpus, origin = corpora(folder, corpus, env)
    from corpus import load_stats

    made = load_stats(origin)
    assert made is not None
    print(f"{made.records} records, {made.commits} commits; unsealed: {corpus}, sealed: "
          f"{origin}; median of {args.rounds} round(s)", flush=True)
    from supervision.cli.seal import DRIVER
    filter_cmd = f"{sys.executable} -m supervision seal filter"
    clones = {"unsealed": folder / "unsealed", "sealed": folder / "sealed"}
    first: dict[str, float] = {}
    for name, clone in clones.items():
        shutil.rmtree(clone, ignore_errors=True)
        extra = (["-c", f"filter.{DRIVER}.process={filter_cmd}",
                  "-c", f"filter.{DRIVER}.required=true"] if name == "sealed" else [])
        started = time.perf_counter()
        run(["git", "clone", "-q", *extra, str(corpus if name == "unsealed" else origin),
             str(clone)], folder, env)
        first[name] = time.perf_counter() - started
    # the reader must be measured reading the same text as the plain clone
    for top in ("records", "contracts"):
        done = subprocess.run(["diff", "-rq", "--exclude=*.readers",
                               str(clones["unsealed"] / top), str(clones["sealed"] / top)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"the reader's clone does not read as the plain corpus:\n"
                     f"{done.stdout[:2000]}")
    today = ["--today", TODAY.isoformat()]
    steps = (("checkout", None), ("check-cold", ("check", *today)),
             ("check-warm", ("check", *today)), ("status", ("status", *today)))
    results: dict[str, dict[str, list[dict[str, float]]]] = {}
    for _round in range(args.rounds):
        for name, clone in clones.items():
            for step, cmd in steps:
                load = round(os.getloadavg()[0], 2)
                if step == "checkout":
                    for top in ("records", "contracts"):
                        shutil.rmtree(clone / top)
                    timing = measured(["git", "checkout", "--", "records", "contracts"], clone,
                                      env, ok_codes=(0,))
                else:
                    if step == "check-cold":
                        store_deleted(clone)
                    timing = measured(tool(*cmd), clone, env)
                figure = {"seconds": round(timing.seconds, 3), "peak_mib": timing.peak_mib,
                          "load_1min": load}
                results.setdefault(step, {}).setdefault(name, []).append(figure)
                print(f"  {name:9} {step:11} {timing.seconds:8.2f} s  {timing.peak_mib:5} MiB"
                      f"  (load {load:.2f})", flush=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=clones["sealed"], env=env,
                               capture_output=True, text=True).stdout
        if dirty.strip():
            sys.exit(f"the reader's clone is not clean after the round:\n{dirty[:2000]}")
    loads["end"] = [round(x, 2) for x in os.getloadavg()]
    print_corpus_table(results, first, loads)
    if args.json:
        args.json.write_text(json.dumps({"results": results, "clone_seconds": first,
                                         "loads": loads, "corpus": str(corpus),
                                         "records": made.records, "commits": made.commits,
                                         "rounds": args.rounds}, indent=2) + "\n")
    return 0


def print_corpus_table(results: dict[str, dict[str, list[dict[str, float]]]],
                       first: dict[str, float], loads: dict[str, list[float]]) -> None:
    labels = {"checkout": "fresh checkout of every record (sealed: the smudge filter)",
              "check-cold": "`supervision check`, cold (store deleted)",
              "check-warm": "`supervision check`, warm",
              "status": "`supervision status` (after check)"}
    print(f"\nload average at the start {loads['start']}, at the end {loads['end']}")
    print("| Measurement | unsealed (s) | sealed, reader's clone (s) | sealed / unsealed | "
          "load (1 min) at each run |")
    print("|---|---:|---:|---:|---|")
    for step, label in labels.items():
        plain = statistics.median(f["seconds"] for f in results[step]["unsealed"])
        sealed = statistics.median(f["seconds"] for f in results[step]["sealed"])
        runs = " / ".join(f"{f['load_1min']:.2f}" for name in ("unsealed", "sealed")
                          for f in results[step][name])
        print(f"| {label} | {plain:.2f} | {sealed:.2f} | {sealed / plain:.2f}x | {runs} |")
    print(f"(the clones themselves: unsealed {first['unsealed']:.1f} s, sealed "
          f"{first['sealed']:.1f} s, checkout included)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=2, choices=(1, 2))
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds of measurement (3; 1 with --corpus)")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="measure on this standard benchmark corpus (benchmarks/corpus.py)")
    parser.add_argument("--folder", type=Path, default=ROOT / "build" / "bench-sealed",
                        help="with --corpus: where the sealed corpus and the clones live")
    parser.add_argument("--json", type=Path, default=None, help="with --corpus: raw figures")
    parser.add_argument("--keep", action="store_true",
                        help="with --corpus: leave the reader's gpg-agent running")
    args = parser.parse_args()
    if args.corpus is not None:
        args.rounds = args.rounds or 1
        try:
            return corpus_main(args)
        finally:
            if not args.keep:
                stop_agent(args.folder.resolve() / "gnupg")
    args.rounds = args.rounds or 3
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

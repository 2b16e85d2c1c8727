"""The store of derived facts (.git/supervision/store.sqlite): the same findings as
working everything out again, and safe when two commands run at once."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BIN, add_planned_sessions, git_env, run_cli

ROOT = Path(__file__).resolve().parent.parent
STORE = Path(".git") / "supervision" / "store.sqlite"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small signed trust made by the benchmark's own generator."""
    folder = tmp_path_factory.mktemp("store") / "corpus"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "corpus.py"), str(folder),
                    "--schools", "2", "--supervisees", "3", "--years", "2"], check=True,
                   capture_output=True, timeout=600)
    return folder


def _findings(root: Path, *args: str) -> list[tuple]:
    result = run_cli("check", "--format", "json", *args, cwd=root, env=git_env())
    assert result.code in (0, 1), result.err
    return sorted((f["path"], f["line"], f["col"], f["rule"], f["severity"], f["message"])
                  for f in result.json())


def test_the_store_gives_the_findings_of_working_everything_out_again(corpus: Path) -> None:
    truth = _findings(corpus, "--no-cache")            # no store at all
    (corpus / STORE).unlink(missing_ok=True)
    assert _findings(corpus) == truth                  # store made now
    assert (corpus / STORE).is_file()
    assert _findings(corpus) == truth                  # store reused
    # One record just edited, as the pre-commit hook checks it: its findings are those of
    # the whole check at that path, worked out from the store's people index.
    records = sorted(str(p.relative_to(corpus)) for p in (corpus / "records").rglob("*.yaml"))
    for relpath in records[:: max(1, len(records) // 12)]:
        path = corpus / relpath
        original = path.read_bytes()
        path.write_bytes(original + b"# edited\n")
        try:
            whole = [f for f in _findings(corpus, "--no-cache") if f[0] == relpath]
            assert _findings(corpus, relpath) == whole, relpath
        finally:
            path.write_bytes(original)
    assert _findings(corpus) == truth


def test_status_and_verify_read_the_same_from_the_store(corpus: Path) -> None:
    def both(*extra: str) -> tuple[str, str]:
        status = run_cli("status", "--format", "json", *extra, cwd=corpus, env=git_env())
        verify = run_cli("verify", "--format", "json", *extra, cwd=corpus, env=git_env())
        assert status.code == 0 and verify.code in (0, 1)
        return status.out, verify.out

    (corpus / STORE).unlink(missing_ok=True)
    first = both()
    again = both()
    assert json.loads(first[0]) == json.loads(again[0])
    a, b = json.loads(first[1]), json.loads(again[1])
    assert (a["records"], a["errors"], a["warnings"]) == (b["records"], b["errors"],
                                                          b["warnings"])
    fresh = json.loads(run_cli("verify", "--format", "json", "--no-cache", cwd=corpus,
                               env=git_env()).out)
    assert fresh["records"] == a["records"] and fresh["errors"] == a["errors"]


def test_check_shares_each_versions_signing_facts_with_verify(corpus: Path) -> None:
    """Parse once: the facts sign-off needs of each record version that check wrote to the
    store are what verify would find from the version's bytes, and verify reading them
    gives what it gives with no store at all."""
    from supervision.repo import RecordsRepo
    from supervision.signing.signoff import FACTS_NAMESPACE, RecordFacts, record_facts

    (corpus / STORE).unlink(missing_ok=True)
    assert run_cli("check", "--no-time-rules", cwd=corpus, env=git_env()).code in (0, 1)
    with sqlite3.connect(corpus / STORE) as conn:
        shared = dict(conn.execute("SELECT key, value FROM rows WHERE ns = ?",
                                   (FACTS_NAMESPACE,)))
    blobs = subprocess.run(["git", "ls-files", "-s", "records", "contracts"], cwd=corpus,
                           capture_output=True, text=True, check=True).stdout.split("\n")
    heads = {line.split()[1]: line.split("\t")[1] for line in blobs
             if line.endswith((".yaml", ".yml"))}
    assert len(shared) == len(heads) > 50  # one row per record version check parsed
    repo = RecordsRepo.load(corpus)
    for blob, path in heads.items():
        raw = subprocess.run(["git", "cat-file", "blob", blob], cwd=corpus,
                             capture_output=True, check=True).stdout
        assert RecordFacts.from_json(json.loads(shared[blob])) == record_facts(repo, raw, path)
    with_store = run_cli("verify", "--format", "json", cwd=corpus, env=git_env())
    fresh = run_cli("verify", "--format", "json", "--no-cache", cwd=corpus, env=git_env())
    assert with_store.json()["records"] == fresh.json()["records"]
    assert with_store.json()["errors"] == fresh.json()["errors"]


def test_two_commands_at_once_never_corrupt_the_store(agenda_repo, tmp_path: Path) -> None:
    add_planned_sessions(agenda_repo, count=80)
    root = agenda_repo.root
    expected = _findings(root, "--no-cache")
    store = root / STORE
    for round_ in range(3):
        store.unlink(missing_ok=True)
        for leftover in store.parent.glob("store.sqlite-*"):
            leftover.unlink()
        commands = [["check", "--format", "json"], ["status", "--format", "json"],
                    ["check", "--format", "json"], ["check", "--format", "json",
                                                    "--no-time-rules"]]
        running = [subprocess.Popen([str(BIN / "supervision"), *c], cwd=root, env=git_env(),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for c in commands]
        results = [(p.communicate(timeout=300), p.returncode) for p in running]
        for (_out, err), code in results:
            assert code in (0, 1), err
            assert "Traceback" not in err and "database" not in err.lower(), err
        checked = sorted((f["path"], f["line"], f["col"], f["rule"], f["severity"],
                          f["message"]) for f in json.loads(results[0][0][0]))
        assert checked == expected, round_
        with sqlite3.connect(store) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert _findings(root) == expected

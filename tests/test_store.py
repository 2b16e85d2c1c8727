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


def test_one_record_checked_on_an_empty_store_has_the_whole_checks_findings(
        tmp_path: Path) -> None:
    """The first commit after an update finds the store void: its one-record check reads
    every record and needs the whole history verified, which then runs in another
    process beside the reading (checker.ALONGSIDE_MIN records or more, as here; the
    benchmark's cold one-record row measures its memory). Same findings either way."""
    from supervision.checker import ALONGSIDE_MIN

    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "corpus.py"), str(corpus),
                    "--schools", "4", "--supervisees", "3", "--years", "3"], check=True,
                   capture_output=True, timeout=600)
    records = sorted(str(p.relative_to(corpus)) for p in (corpus / "records").rglob("*.yaml"))
    assert len(records) >= ALONGSIDE_MIN
    truth = _findings(corpus, "--no-cache")
    # a record with a time rule's finding (they need the verify) and one without any
    due = sorted({f[0] for f in truth if f[3] == "ACTION-DUE"})
    assert due, truth
    quiet = next(r for r in records if all(f[0] != r for f in truth))
    for relpath in (due[0], quiet):
        (corpus / STORE).unlink(missing_ok=True)
        assert _findings(corpus, relpath) == [f for f in truth if f[0] == relpath], relpath
    assert _findings(corpus) == truth  # and the store it left behind holds


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
    # the second verify answers from what the first stored for this HEAD (no commit's
    # row decoded): the same trust root, admins and counts (the first run pinned it)
    assert {**a["trust"], "pinned": True} == b["trust"]
    assert {**a["summary"], "checked_now": 0} == b["summary"] and b["summary"]["checked_now"] == 0
    fresh = json.loads(run_cli("verify", "--format", "json", "--no-cache", cwd=corpus,
                               env=git_env()).out)
    assert fresh["records"] == a["records"] and fresh["errors"] == a["errors"]
    # status keeps its items in the store: a record changed since must not be answered
    # from there (the items at a deleted record's path go with it)
    paths = {i["path"] for p in json.loads(first[0])["people"]
             for section in ("overdue", "awaiting_signature", "due_soon")
             for i in p[section] if i["path"].startswith("records/")}
    # (one no chronology entry names: deleting that one is rightly reported at the entry)
    named = "".join(f.read_text() for f in (corpus / "records").rglob("*-chronology*.yaml"))
    gone = corpus / sorted(p for p in paths if p not in named)[0]
    saved = gone.read_bytes()
    gone.unlink()
    try:
        after = run_cli("status", "--format", "json", cwd=corpus, env=git_env())
        assert after.code == 0
        assert str(gone.relative_to(corpus)) not in after.out
    finally:
        gone.write_bytes(saved)
    assert json.loads(both()[0]) == json.loads(first[0])


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


def test_a_verified_head_is_answered_from_the_store_with_its_findings(
        corpus: Path, tmp_path: Path) -> None:
    """verify of a HEAD verified before reads the line's findings and the records'
    statuses as stored, not every commit's row: the same errors, warnings, statuses and
    trust root as working it out again. An unsigned change to a signed record (found by
    judging the records) and a commit with sign-off trailers but no signature (found on
    the line itself) make sure there are findings of both kinds to keep."""
    import shutil

    root = tmp_path / "trust"
    shutil.copytree(corpus, root, symlinks=True)
    record = sorted((root / "records").rglob("*-session.yaml"))[0]
    record.write_text(record.read_text() + "# changed without signing\n")
    subprocess.run(["git", "commit", "-q", "-a", "--no-verify", "--no-gpg-sign", "-m",
                    "unsigned change"], cwd=root, check=True, env=git_env())
    subprocess.run(["git", "commit", "-q", "--allow-empty", "--no-verify", "--no-gpg-sign",
                    "-m", "looks like a sign-off\n\nSupervision-Role: supervisor\n"
                    "Supervision-Record: records/nowhere.yaml"], cwd=root, check=True,
                   env=git_env())

    def verify(*extra: str) -> dict:
        done = run_cli("verify", "--format", "json", *extra, cwd=root, env=git_env())
        assert done.code == 1, done.err
        return done.json()

    first, again, fresh = verify(), verify(), verify("--no-cache")
    rules = {e["rule"] for e in first["errors"] + first["warnings"]}
    assert "SIGNOFF-BAD-TRAILERS" in rules and len(rules) > 1, rules
    assert again["summary"]["checked_now"] == 0
    for other in (again, fresh):
        assert (other["records"], other["errors"], other["warnings"]) == (
            first["records"], first["errors"], first["warnings"])
        assert other["trust"]["admins"] == first["trust"]["admins"]


def _age_folders(root: Path) -> None:
    """Every record folder's time a day back, as on a computer where nothing was added
    lately (a folder changed in the last seconds is always looked in again)."""
    import os
    import time

    old = time.time() - 86400
    for top in ("records", "contracts"):
        for folder in [root / top, *(p for p in (root / top).rglob("*") if p.is_dir())]:
            os.utime(folder, (old, old))


def test_the_flat_path_finds_new_files_by_their_folders_time(corpus: Path,
                                                             tmp_path: Path) -> None:
    """Untracked records are looked for only in folders whose time moved since the mark
    (supervision.signing.worktree): none when nothing was added, and a record added to
    an old folder or inside a new folder is still seen (the copy of a session changes
    the session's own findings, as in the test above)."""
    import os
    import shutil
    import time

    root = tmp_path / "trust"
    shutil.copytree(corpus, root, symlinks=True)
    records = sorted(str(p.relative_to(root)) for p in (root / "records").rglob("*.yaml"))
    one = [r for r in records if r.endswith("-session.yaml") and "/groups/" not in r][3]
    alone = _whole_truth_at(root, one)
    text = (root / one).read_text()
    folder = (root / one).parent
    copy = Path(one).name.replace("-session.yaml", "-session-copy.yaml")
    _age_folders(root)
    assert _findings(root) is not None  # the mark keeps the folders' (old) times
    assert "ls-files --others" not in _git_commands_of_check(root, one).replace("'", "")
    # 1. a new record in a folder that had not changed for a day
    (folder / copy).write_text(text)
    trace = _git_commands_of_check(root, one).replace("'", "")
    assert f"ls-files --others -z -- {folder.relative_to(root).as_posix()}\n" in trace
    found = _findings(root, one)
    assert found == _whole_truth_at(root, one) and found != alone
    (folder / copy).unlink()
    assert _findings(root, one) == alone
    # 2. a new record inside a new folder
    _age_folders(root)
    assert _findings(root) is not None
    inner = folder / "0-moved-here"
    inner.mkdir()
    (inner / copy).write_text(text)
    for changed in (inner, folder):  # changed, but not just now
        os.utime(changed, (time.time() - 3600, time.time() - 3600))
    found = _findings(root, one)
    assert found == _whole_truth_at(root, one) and found != alone
    # 3. the new folder is watched from now on: a file put in it is seen (its parent's
    #    time does not move)
    (inner / copy).unlink()
    (inner / copy.replace("-copy", "-copy-2")).write_text(text)
    found = _findings(root, one)
    assert found == _whole_truth_at(root, one) and found != alone


def _whole_truth_at(root: Path, relpath: str) -> list[tuple]:
    return [f for f in _findings(root, "--no-cache") if f[0] == relpath]


def _git_commands_of_check(root: Path, *args: str) -> str:
    """GIT_TRACE of a check: which git commands it ran."""
    trace = root.parent / "git-trace.txt"
    trace.unlink(missing_ok=True)
    env = {**git_env(), "GIT_TRACE": str(trace)}
    done = subprocess.run([str(BIN / "supervision"), "check", "--format", "json", *args],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return trace.read_text()


def test_the_flat_path_sees_every_change_git_can_make(corpus: Path, tmp_path: Path) -> None:
    """After a check, the next one asks git what changed since instead of reading every
    record's stamp (supervision.signing.worktree). Whatever happened in between (a new
    file, an edit, a commit, an edit undone after a check stored it, a deletion), a
    one-record check gives the whole check's findings at that path.

    The probe: a copy of a session, for the same supervisee, makes the session's own
    findings change (its actions are now "not reviewed" by the copy, the later session),
    so a check of the session that missed the copy would say less than the whole check.
    """
    import shutil

    root = tmp_path / "trust"
    shutil.copytree(corpus, root, symlinks=True)
    records = sorted(str(p.relative_to(root)) for p in (root / "records").rglob("*.yaml"))
    one = [r for r in records if r.endswith("-session.yaml") and "/groups/" not in r][3]
    copy = one.replace("-session.yaml", "-session-copy.yaml")
    others = [r for r in records if "/groups/" not in r and r.split("/")[1] != one.split("/")[1]]
    text = (root / one).read_text()
    supervisee = text.split("supervisee:", 1)[1].split()[0]
    stranger = (root / others[0]).read_text().split("supervisee:", 1)[1].split()[0]
    away = text.replace(f"supervisee: {supervisee}", f"supervisee: {stranger}")
    alone = _whole_truth_at(root, one)

    def same_as_whole(relpath: str = one) -> list[tuple]:
        found = _findings(root, relpath)
        assert found == _whole_truth_at(root, relpath), relpath
        return found

    assert _findings(root) is not None  # a whole check leaves the mark
    trace = _git_commands_of_check(root, one)
    # the flat path: git is asked what differs from the marked commit, not for every stamp
    assert "diff-index" in trace
    assert "'ls-files' '-s' '-z' '--' 'records' 'contracts'" not in trace
    # HEAD is asked of git once in a check of an edited record (signing.commit_dates.
    # one_head), not at each of the three places that need it
    (root / one).write_text(text + "# edited\n")
    edited = _git_commands_of_check(root, one)
    (root / one).write_text(text)
    asked = [line for line in edited.splitlines() if " rev-parse " in line
             and "HEAD^{commit}" in line and "is-shallow" not in line]
    assert len(asked) == 1, asked
    # the whole check left the marked commit for the next one's head start
    # (signing.head_start), and that check took the diff-index it started, not a second
    marked = (root / ".git" / "supervision" / "head-start").read_text().strip()
    assert marked == subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, text=True,
                                    capture_output=True, check=True).stdout.strip()
    assert edited.count(" diff-index ") == 1, edited
    # 1. a new file outside git
    (root / copy).write_text(text)
    assert same_as_whole() != alone
    # 2. committed: HEAD moves away from the marked commit
    subprocess.run(["git", "add", copy], cwd=root, check=True, env=git_env())
    subprocess.run(["git", "commit", "-q", "--no-verify", "--no-gpg-sign", "-m", "copy"],
                   cwd=root, check=True, env=git_env())
    assert _findings(root) is not None
    assert same_as_whole() != alone
    # 3. edited so it shares no one with the session, checked (the store keeps that
    #    version), then undone: the committed version is back, and shares again
    (root / copy).write_text(away)
    assert same_as_whole() == alone
    _findings(root, copy)  # stores the edited version (not compared: RECORD-DEADLINE is a
    # warning while the record being committed is the one checked)
    subprocess.run(["git", "checkout", "-q", "--", copy], cwd=root, check=True, env=git_env())
    assert same_as_whole() != alone
    # 4. the same after another command (status) stored the edited version
    (root / copy).write_text(away)
    assert run_cli("status", "--format", "json", cwd=root, env=git_env()).code == 0
    subprocess.run(["git", "checkout", "-q", "--", copy], cwd=root, check=True, env=git_env())
    assert same_as_whole() != alone
    # 5. deleted
    (root / copy).unlink()
    assert same_as_whole() == alone
    assert _findings(root) == _findings(root, "--no-cache")


def test_rows_written_as_they_come_are_kept_with_what_was_put(tmp_path: Path) -> None:
    """``Cache.write`` takes its rows from a generator, in the same transaction as what was
    put; with ``replace`` the namespace's other rows go, and no other namespace's.
    ``take`` reads a row like ``get``."""
    from supervision.cache import Cache

    (tmp_path / ".git").mkdir()
    store = Cache(tmp_path, "ns", "salt")
    store.put("old", [], "gone soon")
    store.save()
    other = Cache(tmp_path, "other", "salt")
    other.put("kept", [], 1)
    other.save()
    store.put("put", "s1", {"a": 1})
    store.write((f"k{i}", [], [i, "x" * i]) for i in range(5))
    again = Cache(tmp_path, "ns", "salt")
    assert again.get("put", "s1") == {"a": 1} and again.get("put", "s2") is None
    assert [again.get(f"k{i}", []) for i in range(5)] == [[i, "x" * i] for i in range(5)]
    assert again.get("old", []) == "gone soon"
    again.preload()  # take: the value, once; the row itself stays in the store
    assert again.take("k3", []) == [3, "xxx"] and again.take("k3", []) == [3, "xxx"]
    assert again.take("put", "s2") is None and Cache(tmp_path, "ns", "salt").get("k3", [])
    store.write(iter([("new", [], True)]), replace=True)
    last = Cache(tmp_path, "ns", "salt")
    assert last.stamps() == {"new": []} and last.get("new", []) is True
    assert Cache(tmp_path, "other", "salt").get("kept", []) == 1


def test_a_printed_report_is_printed_again_only_for_the_same_history(
        corpus: Path, tmp_path: Path) -> None:
    """A verify of a history verified before prints the report remembered for it (its
    statuses are not decoded and encoded again): the very same bytes, but for how many
    commits were checked now. A new commit, another trust root or a damaged row each
    mean working the report out again."""
    import shutil

    root = tmp_path / "trust"
    shutil.copytree(corpus, root, symlinks=True)
    shutil.rmtree(root / ".git" / "supervision", ignore_errors=True)

    def verify(*extra: str, code: int = 0) -> str:
        done = run_cli("verify", *extra, cwd=root, env=git_env())
        assert done.code == code, done.err
        return done.out

    def body(text: str) -> list[str]:
        return [line for line in text.splitlines() if '"checked_now"' not in line]

    def unpin() -> None:  # (another test may have verified, and so pinned, the corpus)
        subprocess.run(["git", "config", "--unset", "supervision.trustRoot"], cwd=root,
                       env=git_env())

    unpin()
    assert "pinned in this clone now" in verify()  # the first run pins the trust root
    unpin()  # and a run that must pin it again never prints a kept report
    assert "pinned in this clone now" in verify()
    shutil.rmtree(root / ".git" / "supervision")
    cold = verify("--format", "json")
    assert json.loads(cold)["summary"]["checked_now"] > 0
    kept = sqlite3.connect(root / STORE).execute(
        "SELECT key, stamp FROM rows WHERE ns = 'verify-report'").fetchall()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                          text=True, check=True).stdout.strip()
    assert [k for k, _stamp in kept] == ["json"] and head in kept[0][1]
    warm = verify("--format", "json")
    assert json.loads(warm)["summary"]["checked_now"] == 0
    assert body(warm) == body(cold) == body(verify("--format", "json", "--no-cache"))
    text = verify()
    assert verify() == text and "(0 checked now" in text and "Trust root:" in text

    other = "0" * 40  # not this history's first commit: refused, never the kept report
    mismatch = json.loads(verify("--format", "json", "--trust-root", other, code=1))
    assert "TRUST-ROOT-MISMATCH" in {e["rule"] for e in mismatch["errors"]}
    assert body(verify("--format", "json")) == body(cold)

    with sqlite3.connect(root / STORE) as db:  # a damaged row: worked out again
        db.execute("UPDATE rows SET value = '[\"not base64!\", {}]' "
                   "WHERE ns = 'verify-report' AND key = 'json'")
    again = verify("--format", "json")
    assert json.loads(again)["summary"]["checked_now"] == 0 and body(again) == body(cold)

    record = sorted((root / "records").rglob("*-session.yaml"))[0]
    record.write_text(record.read_text() + "# changed without signing\n")
    subprocess.run(["git", "commit", "-q", "-a", "--no-verify", "--no-gpg-sign", "-m",
                    "unsigned change"], cwd=root, check=True, env=git_env())
    moved = json.loads(verify("--format", "json", code=1))
    assert moved["summary"]["commits"] == json.loads(cold)["summary"]["commits"] + 1
    assert moved["summary"]["checked_now"] == 1 and moved["errors"], moved["summary"]
    assert json.loads(verify("--format", "json", code=1)) == {
        **moved, "summary": {**moved["summary"], "checked_now": 0}}


def test_remembered_statuses_span_many_rows(corpus: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The records' statuses of a verified head, and its line, are stored a few to a row:
    read back whole, and a missing row means working them out again, never a shorter
    list."""
    import shutil

    from supervision.repo import RecordsRepo
    from supervision.signing import verify

    root = tmp_path / "trust"
    shutil.copytree(corpus, root, symlinks=True)
    shutil.rmtree(root / ".git" / "supervision", ignore_errors=True)
    for key, value in git_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(verify, "RECORDS_ROW", 7)
    monkeypatch.setattr(verify, "LINE_ROW", 5)

    def statuses() -> tuple[list, list, dict, int]:
        found = verify.Verifier(RecordsRepo.load(root)).run()
        return ([r.as_json() for r in found.records], [f.as_dict() for f in found.findings],
                found.signoff_counts, found.checked)

    first = statuses()
    assert len(first[0]) > 3 * 7 and len(first[0]) % 7, len(first[0])  # rows, a short last
    rows = sqlite3.connect(root / STORE).execute(
        "SELECT key FROM rows WHERE ns = 'verify-records'").fetchall()
    assert len(rows) == 1 + -(-len(first[0]) // 7)
    with monkeypatch.context() as reading:  # the line too comes from the store's rows
        reading.setattr(verify.Git, "line", lambda *_a: pytest.fail("line read from git"))
        again = statuses()
    assert again[3] == 0 and again[:3] == first[:3]
    with sqlite3.connect(root / STORE) as db:
        db.execute("DELETE FROM rows WHERE ns = 'verify-records' AND key = 'records/2'")
    assert statuses()[:3] == first[:3]


def test_checked_rows_held_compact_decode_to_the_values_a_later_run_reads(
        tmp_path: Path) -> None:
    """A check hands each record's row on as the JSON the store keeps (``Encoded``: the
    row written is that text, byte for byte) and holds the facts as that text, in
    compressed blocks while it waits for its verify; decoded, they equal what a later
    run reads from the store, in the same order, with equal strings made one object."""
    from supervision.cache import Cache, Encoded
    from supervision.problems import Problem
    from supervision.record_check import CHUNK, _encoded, decode_rows, hold_rows

    found = [Problem("records/a.yaml", 3, 5, "RULE-X", "error", "m é", "h")]
    facts = [None if i % 7 == 3 else {
        "date": f"2026-09-{i % 28 + 1:02d}", "status": "held", "supervisees": ["dsl-a"],
        "at": {"date": [i, 1]}, "actions": [{"id": f"x{i}", "due": None, "done": i % 2 == 0}],
        "name": "Zoë", "minutes": 60.5} for i in range(2 * CHUNK + 3)]
    rows = {f"records/r{i}.yaml": _encoded(f"records/r{i}.yaml", found, f, [i])[1]
            for i, f in enumerate(facts)}
    plain = {path: json.loads(text)[1] for path, text in rows.items()
             if json.loads(text)[1] is not None}
    (tmp_path / ".git").mkdir()
    store = Cache(tmp_path, "check", "salt")
    first = next(iter(rows))
    store.put(first, "s", Encoded(rows[first]))
    assert store.get(first, "s") == json.loads(rows[first])  # before it is saved too
    store.save()
    with sqlite3.connect(tmp_path / STORE) as conn:
        assert conn.execute("SELECT value FROM rows WHERE key = ?", (first,)).fetchone() == (
            rows[first],)
    assert Cache(tmp_path, "check", "salt").get(first, "s") == json.loads(rows[first])
    for compress in (True, False):
        into: dict = {}
        problems: list = []
        decode_rows(hold_rows(dict(rows), compress), problems, into)
        assert list(into.items()) == list(plain.items()) and problems == found * len(rows)
        states = [f["status"] for f in into.values()]
        assert all(state is states[0] for state in states)  # one string, not thousands
    picked: dict = {}
    decode_rows(hold_rows(dict(rows), True), [], picked, pick=lambda f: {"date": f["date"]})
    assert picked == {path: {"date": f["date"]} for path, f in plain.items()}


def test_a_cold_site_build_reads_and_verifies_before_mkdocs_loads(
        corpus: Path, tmp_path: Path) -> None:
    """A first site build after an update (or in a fresh clone) finds no verified
    sign-offs in the store: `supervision site build` reads the records with the history
    verified beside them before MkDocs starts, so the plugin finds both in the store,
    and the site is the same as one built on a warm store. (`status` asks the same of
    `Checker.all_records`; the benchmark's cold rows measure what it saves.)"""
    import filecmp
    import shutil

    root = tmp_path / "trust"
    shutil.copytree(corpus, root, symlinks=True)
    shutil.rmtree(root / ".git" / "supervision", ignore_errors=True)
    probe = ("from pathlib import Path\n"
             "from supervision.repo import RecordsRepo\n"
             "from supervision.cli.site import _read_ahead\n"
             "from supervision.signing.background import needed\n"
             "from supervision.checker import Checker\n"
             "repo = RecordsRepo.load(Path('.'))\n"
             "Checker(repo).all_records()\n"  # records only: nothing verified
             "print(needed(repo))\n"
             "_read_ahead(repo)\n"
             "print(needed(repo))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, env=git_env(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]  # verified now, for this HEAD
    records = {str(p.relative_to(root)) for p in (root / "records").rglob("*.yaml")}
    checked = {key for (key,) in sqlite3.connect(root / STORE).execute(
        "SELECT key FROM rows WHERE ns = 'check'")}
    assert records <= checked  # every record read into the store

    shutil.rmtree(root / ".git" / "supervision")
    cold, warm = tmp_path / "cold", tmp_path / "warm"
    for site in (cold, warm):
        built = run_cli("site", "build", "--site-dir", str(site), "--today", "2026-11-22",
                        cwd=root, env=git_env(), timeout=600)
        assert built.code == 0, built.err
    compared = filecmp.dircmp(cold, warm)
    pending = [compared]
    while pending:
        here = pending.pop()
        assert not (here.left_only or here.right_only or here.diff_files), here.report()
        pending += here.subdirs.values()
    assert (cold / "reports" / "index.html").is_file()

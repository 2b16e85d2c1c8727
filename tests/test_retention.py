"""`supervision retention`: records past the retention period and what to do; `retention
delete PATH --reason`: a records admin's signed deletion that `supervision verify` and
the server's hook accept, and that nobody else can make unseen.

Real git, real gpg (tests/signing.py: an admin, a supervisor and a supervisee with
registered keys; the session is agreed by both), the real pre-receive hook on a bare
repository. The records are from 2026, so "today" is moved on with --today; signature
times are real (verify never uses --today for them).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import git_env, make_repo, run_cli
from signing import CONTRACT, SESSION, SignedRepo, finding, record

KEPT_UNTIL = "2033-11-16"  # the session of 2026-11-16, kept 7 years
AFTER = "2033-12-01"
REASON = "reviewed by the DSL and the Headteacher on 1 December 2033"
OLD_CONTRACT = "contracts/example-school/dsl-sample-2018-09-03.yaml"
OLD_SESSION = "records/example-school/2018-19/dsl-sample/2018-11-14-session.yaml"


@pytest.fixture
def agreed(signed: SignedRepo) -> SignedRepo:
    assert signed.sign("supervisor").code == 0
    assert signed.sign("supervisee").code == 0
    assert signed.status() == "agreed"
    return signed


def listing(repo: SignedRepo, day: str) -> dict[str, Any]:
    result = repo.cli("retention", "--format", "json", "--today", day)
    assert result.code == 0, result.err
    return result.json()


def delete(repo: SignedRepo, who: str, *extra: str, path: str = SESSION,
           day: str | None = AFTER) -> Any:
    """``day``: what the command takes as today (None: the real date)."""
    when = ("--today", day) if day else ()
    return repo.as_(who, "retention", "delete", path, "--key", repo.actors[who].fpr, *when,
                    *extra)


def add_old_records(repo: SignedRepo) -> None:
    """A contract and a session from 2018, agreed by both: past the period in real time,
    so a deletion's own (real) date is after the period ended."""
    for kind, day, path in (("contract", "2018-09-03", OLD_CONTRACT),
                            ("session", "2018-11-14", OLD_SESSION)):
        relpath, data = repo.filled(kind, day=day)
        assert relpath == path
        if kind == "session":
            data["disagreement"] = ""
        repo.write(relpath, data)
        repo.commit("supervisor", f"Old {kind}", relpath)
        for who in ("supervisor", "supervisee"):
            done = repo.sign(who, relpath)
            assert done.code == 0, done.out + done.err


# -- the review ---------------------------------------------------------------------------
def test_records_past_the_period_are_listed_with_what_to_do(agreed: SignedRepo) -> None:
    before = listing(agreed, "2033-11-15")
    assert before["retention_years"] == 7 and before["due"] == []
    assert before["in_force"] == [CONTRACT]  # the contract in force is always kept
    after = listing(agreed, "2033-11-16")
    assert [d["path"] for d in after["due"]] == [SESSION]
    due = after["due"][0]
    assert due["counted_from"] == "2026-11-16" and due["because"] == "the record's date"
    assert due["kept_until"] == KEPT_UNTIL
    assert due["command"].startswith(f"supervision retention delete {SESSION} --reason")
    text = agreed.cli("retention", "--today", AFTER)
    assert text.code == 0, text.err
    flat = " ".join(text.out.split())
    assert "1 record past the retention period" in flat and "1 contract in force" in flat
    assert (f"kept 7 years from 2026-11-16 (the record's date), until {KEPT_UNTIL}") in flat
    assert "may be needed by an investigation, a complaint, a legal claim or an inquiry" in flat
    assert "the git history still holds it" in flat


def test_the_period_counts_from_the_day_the_supervisee_left(agreed: SignedRepo) -> None:
    people = agreed.root / "people.yml"
    text = people.read_text()
    marker = "  - id: dsl-sample\n"
    assert marker in text
    people.write_text(text.replace(marker, marker + "    left: 2028-07-31\n"))
    assert listing(agreed, AFTER)["due"] == []
    later = listing(agreed, "2035-07-31")
    found = {d["path"]: d for d in later["due"]}
    assert set(found) == {SESSION, CONTRACT}  # a supervisee who left: no contract in force
    for path in (SESSION, CONTRACT):
        assert found[path]["counted_from"] == "2028-07-31"
        assert found[path]["because"] == "Sam Sample (dsl-sample) left"
        assert found[path]["kept_until"] == "2035-07-31"


def test_a_contract_counts_from_when_the_next_one_began(agreed: SignedRepo) -> None:
    relpath, terms = agreed.filled("contract", day="2027-09-06")
    agreed.write(relpath, terms)
    agreed.commit("supervisor", "Next year's contract", relpath)
    due = {d["path"]: d for d in listing(agreed, "2034-09-06")["due"]}
    assert due[CONTRACT]["counted_from"] == "2027-09-06"
    assert due[CONTRACT]["because"] == "the next contract began"
    assert relpath not in due and relpath in listing(agreed, "2040-01-01")["in_force"]


# -- the deletion ------------------------------------------------------------------------
def test_an_admin_deletes_a_record_past_the_period_and_verify_and_the_hook_accept_it(
        agreed: SignedRepo, tmp_path: Path) -> None:
    add_old_records(agreed)
    server = tmp_path / "server.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(agreed.root), str(server)],
                   check=True, env=git_env(), capture_output=True)
    assert run_cli("hook", "install", str(server), cwd=tmp_path).code == 0
    agreed.git(None, "remote", "add", "origin", str(server))
    agreed.git(None, "fetch", "-q", "origin")
    agreed.git(None, "branch", "-q", "--set-upstream-to=origin/main")
    head = agreed.head()
    done = delete(agreed, "admin", "--reason", REASON, path=OLD_SESSION, day=None)
    assert done.code == 0, done.out + done.err
    assert f"Deleted {OLD_SESSION} in commit" in done.out and "lists it as deleted" in done.out
    assert "not erasure" in done.out
    assert not (agreed.root / OLD_SESSION).exists()
    # one commit, on top of the old head, holding exactly that deletion
    assert agreed.git(None, "rev-parse", "HEAD^").strip() == head
    changed = agreed.git(None, "show", "--name-status", "--format=", "HEAD").split()
    assert changed == ["D", OLD_SESSION]
    message = agreed.git(None, "log", "-1", "--format=%B")
    trailer = ("Supervision-Reason: past the retention period (7 years from 2018-11-14, "
               f"kept until 2025-11-14): {REASON}")
    assert trailer in message
    result, data = agreed.verify()
    assert result.code == 0 and data["errors"] == [], data["errors"]
    gone = record(data, OLD_SESSION)
    assert gone["status"] == "deleted" and gone["deleted_by"]["person"] == "head-sample"
    assert gone["deleted_by"]["reason"] == trailer.split(": ", 1)[1]
    history = agreed.cli("history", OLD_SESSION)
    assert "deleted the record (reason: past the retention period" in history.out
    assert [(d["path"], d["early"]) for d in listing(agreed, AFTER)["deleted"]] == [
        (OLD_SESSION, False)]
    # the history still holds it: an export made afterwards includes it, marked deleted
    sar = tmp_path / "sar"
    assert agreed.cli("export", "--person", "dsl-sample", "-o", str(sar)).code == 0
    copy = (sar / OLD_SESSION.replace(".yaml", ".html")).read_text()
    assert "Deleted on" in copy and "history still holds it" in copy
    pushed = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=agreed.root,
                            env=git_env(), capture_output=True, text=True, timeout=180)
    assert pushed.returncode == 0, pushed.stderr
    assert subprocess.run(["git", "rev-parse", "main"], cwd=server, capture_output=True,
                          text=True).stdout.strip() == agreed.head()


def test_a_clock_moved_on_with_today_does_not_hide_an_early_deletion(
        agreed: SignedRepo) -> None:
    """--today moves the command's clock, not the commit's signed time: the review judges
    a deletion by the day it was really made."""
    done = delete(agreed, "admin", "--reason", REASON)
    assert done.code == 0, done.out + done.err
    result, data = agreed.verify()
    assert result.code == 0 and record(data, SESSION)["status"] == "deleted"
    assert [(d["path"], d["early"]) for d in listing(agreed, AFTER)["deleted"]] == [
        (SESSION, True)]


def test_deletion_refusals_change_nothing(agreed: SignedRepo) -> None:
    head = agreed.head()

    def refused(who: str, *args: str, code: int, **kw: Any) -> str:
        result = delete(agreed, who, *args, **kw)
        assert result.code == code, result.out + result.err
        assert result.err.startswith("supervision: ") and "    hint: " in result.err
        assert agreed.head() == head and (agreed.root / SESSION).is_file()
        return result.err

    assert f"is kept until {KEPT_UNTIL}" in refused("admin", "--reason", REASON, code=1,
                                                   day="2033-11-15")
    assert "contract in force" in refused("admin", "--reason", REASON, code=1, path=CONTRACT)
    # an insider with a registered key: not a records admin
    err = refused("supervisor", "--reason", REASON, code=1)
    assert "is not a records admin's key" in err
    assert "is not a records admin's key" in refused("outsider", "--reason", REASON, code=1)
    assert "--reason must be one line" in refused("admin", "--reason", "one\ntwo", code=2)
    assert "--reason needs a reason" in refused("admin", "--reason", "  ", code=2)
    assert "is not a record" in refused("admin", "--reason", REASON, code=2,
                                        path="people.yml")
    assert "there is no record at" in refused("admin", "--reason", REASON, code=2,
                                              path="records/nope.yaml")
    path = agreed.root / SESSION
    original = path.read_text()
    path.write_text(original.replace("duration_minutes: 60", "duration_minutes: 65"))
    assert "changes here that are not committed" in refused("admin", "--reason", REASON,
                                                            code=1)
    path.write_text(original)
    (agreed.root / "records" / "note.yaml").write_text("kind: informal\n")
    agreed.git(None, "add", "records/note.yaml")
    assert "other changes are staged" in refused("admin", "--reason", REASON, code=1)
    agreed.git(None, "rm", "-q", "--cached", "records/note.yaml")
    result, data = agreed.verify()
    assert result.code == 0 and record(data, SESSION)["status"] == "agreed"


def test_a_deletion_by_anyone_but_an_admin_shows_in_verify(agreed: SignedRepo) -> None:
    """What the command refuses, made by hand by an insider with a registered key."""
    agreed.git(None, "rm", "-q", SESSION)
    agreed.git("supervisor", "commit", "-q", "-S", "-m",
               "Retention\n\nSupervision-Reason: past the retention period\n")
    result, data = agreed.verify()
    assert result.code == 1
    assert finding(data, "RECORD-DELETED")["path"] == SESSION


def test_an_early_deletion_by_an_admin_is_marked(agreed: SignedRepo) -> None:
    """An admin may delete an agreed record with a reason (verify accepts it), but one
    deleted before its period ended stands out in the retention review."""
    agreed.git(None, "rm", "-q", SESSION)
    agreed.git("admin", "commit", "-q", "-S", "-m",
               "Tidy\n\nSupervision-Reason: past the retention period\n")
    result, data = agreed.verify()
    assert result.code == 0 and record(data, SESSION)["status"] == "deleted"
    deleted = listing(agreed, "2027-01-10")["deleted"]
    assert [(d["path"], d["early"], d["kept_until"]) for d in deleted] == [
        (SESSION, True, KEPT_UNTIL)]
    text = agreed.cli("retention", "--today", "2027-01-10").out
    assert "warning: deleted before its retention period ended (kept until 2033-11-16)" in text


def test_a_repository_that_does_not_sign_refuses_deletion(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", "agenda")
    relpath, data = repo.filled("session")
    repo.write(relpath, data)
    env = git_env()
    subprocess.run(["git", "add", "-A"], cwd=repo.root, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "--no-gpg-sign", "-m", "Records"], cwd=repo.root,
                   env=env, check=True)
    assert [d["path"] for d in repo.cli("retention", "--format", "json", "--today",
                                        AFTER).json()["due"]] == [relpath]
    result = repo.cli("retention", "delete", relpath, "--reason", REASON, "--today", AFTER)
    assert result.code == 1 and "does not sign yet" in result.err, result.err
    assert (repo.root / relpath).is_file()

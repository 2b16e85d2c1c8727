"""`supervision reassign --from ID --to ID [--supervisee ID] --reason TEXT`: a new
supervisor for a long absence.

Real git, real gpg (tests/signing.py), a fourth person (cover-sample, a supervisor)
registered by the records admin. New contracts are written for both to sign, planned
sessions move (a group session renamed), a signed record is never edited, one
admin-signed commit carries the reason, and `supervision history` shows who and why.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import digest_tree, git_env, make_repo
from signing import CONTRACT, SESSION, Actor, SignedRepo, record

TODAY = "2026-11-22"  # conftest's SUPERVISION_TODAY
NEW_CONTRACT = "contracts/example-school/dsl-sample-2026-11-22.yaml"
PLANNED = "records/example-school/2026-27/dsl-sample/2026-12-07-session.yaml"
PAST_PLANNED = "records/example-school/2026-27/dsl-sample/2026-11-18-session.yaml"
SIGNED_PLANNED = "records/example-school/2026-27/dsl-sample/2026-12-14-session.yaml"
GROUP = "records/example-school/2026-27/groups/2026-12-09-deputy-sample-group-session.yaml"
RENAMED = "records/example-school/2026-27/groups/2026-12-09-cover-sample-group-session.yaml"
REASON = "long-term absence from 23 November; the Headteacher asked cover-sample to cover"


@pytest.fixture(scope="module")
def cover_key(keyrings: Any) -> str:
    """The second supervisor's key, made once (the keyrings live for the whole session)."""
    return str(keyrings.new_key("cover", "Kit Madeup <kit@example.invalid>"))


@pytest.fixture
def absence(signed: SignedRepo, keyrings: Any, cover_key: str) -> SignedRepo:
    """The signed repository with a second supervisor registered, planned sessions (one
    signed when it was recorded as held, then put back to planned) and a planned group
    session led by the supervisor who is about to be away."""
    people = signed.root / "people.yml"
    people.write_text(people.read_text() + "\n  - id: cover-sample\n    name: Kit Madeup\n"
                      "    roles: [supervisor]\n    school: example-school\n")
    fpr = cover_key
    signed.actors["cover"] = Actor("cover-sample", keyrings.home("cover"), fpr)
    exported = signed.root.parent / "cover.asc"
    exported.write_bytes(keyrings.export("cover", fpr))
    assert signed.as_("admin", "keys", "import", str(exported), "--person",
                      "cover-sample").code == 0
    signed.commit("admin", "Register cover-sample", ".")
    for path, extra in ((PLANNED, {"day": "2026-12-07", "status": "planned"}),
                        (PAST_PLANNED, {"day": "2026-11-18", "status": "planned"}),
                        (GROUP, {"day": "2026-12-09", "status": "planned", "group": True}),
                        (SIGNED_PLANNED, {"day": "2026-12-14"})):
        relpath, data = signed.filled("session", **extra)
        assert relpath == path
        if "disagreement" in data:
            data["disagreement"] = ""
        signed.write(relpath, data)
    signed.commit("supervisor", "Sessions", PLANNED, PAST_PLANNED, GROUP, SIGNED_PLANNED)
    for who in ("supervisor", "supervisee"):
        assert signed.sign(who, SIGNED_PLANNED).code == 0
    path = signed.root / SIGNED_PLANNED
    path.write_text(path.read_text().replace("status: held", "status: planned"))
    signed.commit("supervisor", "Not held after all: planned again", SIGNED_PLANNED)
    return signed


def reassign(repo: SignedRepo, who: str = "admin", *args: str) -> Any:
    given = args or ("--from", "deputy-sample", "--to", "cover-sample", "--reason", REASON)
    return repo.as_(who, "reassign", *given, "--key", repo.actors[who].fpr)


def blobs(repo: SignedRepo, *paths: str) -> dict[str, str]:
    return {p: repo.blob(p) for p in paths}


def test_new_contracts_and_moved_sessions_in_one_signed_commit(absence: SignedRepo) -> None:
    head = absence.head()
    done = reassign(absence)
    assert done.code == 0, done.out + done.err
    assert f"new contract {NEW_CONTRACT} (replaces {CONTRACT})" in done.out
    assert f"moved planned session {PLANNED}" in done.out
    assert f"moved planned session {GROUP} -> {RENAMED}" in done.out
    assert f"supervision submit {NEW_CONTRACT}" in done.out
    assert "the moved sessions can be held but not signed by cover-sample" in done.out
    # one commit on top, signed by the records admin, holding exactly these changes
    assert absence.git(None, "rev-parse", "HEAD^").strip() == head
    listed = absence.git(None, "show", "--no-renames", "--name-status", "--format=",
                         "HEAD").split()
    changed = set(zip(listed[::2], listed[1::2], strict=True))
    assert changed == {("A", NEW_CONTRACT), ("M", PLANNED), ("D", GROUP), ("A", RENAMED)}
    assert f"Supervision-Reason: {REASON}" in absence.git(None, "log", "-1", "--format=%B")
    contract = absence.root / NEW_CONTRACT
    text = contract.read_text()
    assert "supervisor: cover-sample\n" in text and f"date: {TODAY}\n" in text
    assert "supervisee: dsl-sample\n" in text and "supervisor_role: Supervisor\n" in text
    assert "supervisor: cover-sample" in (absence.root / PLANNED).read_text()
    assert not (absence.root / GROUP).exists()
    assert "supervisor: cover-sample" in (absence.root / RENAMED).read_text()
    assert absence.check(NEW_CONTRACT, PLANNED, RENAMED).code == 0
    result, data = absence.verify()
    assert result.code == 0 and data["errors"] == [], data["errors"]
    assert record(data, NEW_CONTRACT)["status"] == "draft"
    # who and why, in the audit trail of every file it touched
    moved = absence.cli("history", PLANNED).out
    assert f"by head-sample; good signature\n    changed: supervisor (reason: {REASON})" in moved
    made = absence.cli("history", NEW_CONTRACT).out
    assert f"by head-sample; good signature\n    created the record (reason: {REASON})" in made
    assert f"deleted the record (reason: {REASON})" in absence.cli("history", GROUP).out
    # the new contract comes into force once both sign it
    assert absence.sign("cover", NEW_CONTRACT).code == 0
    done = absence.sign("supervisee", NEW_CONTRACT)
    assert done.code == 0 and "Status: agreed" in done.out, done.out + done.err
    assert absence.verify()[0].code == 0


def test_a_signed_record_is_never_edited(absence: SignedRepo) -> None:
    kept = (CONTRACT, SESSION, SIGNED_PLANNED, PAST_PLANNED)
    before = blobs(absence, *kept)
    statuses = {p: record(absence.verify()[1], p)["status"] for p in kept}
    assert statuses == {CONTRACT: "agreed", SESSION: "draft", SIGNED_PLANNED: "planned",
                        PAST_PLANNED: "planned"}
    done = reassign(absence)
    assert done.code == 0, done.out + done.err
    assert blobs(absence, *kept) == before
    assert not absence.git(None, "status", "--porcelain")
    assert (f"left as it was: {SIGNED_PLANNED}: it has been signed, and a signed record is "
            "never edited") in done.out
    assert f"left as it was: {PAST_PLANNED}: planned for 2026-11-18, before today" in done.out
    assert (f"left as it was: {SESSION}: held and awaiting deputy-sample's signature"
            in done.out)
    after = absence.verify()[1]
    assert {p: record(after, p)["status"] for p in kept} == statuses
    assert "supervisor: deputy-sample" in (absence.root / SIGNED_PLANNED).read_text()


def test_the_new_contract_starts_from_the_contract_as_the_records_hold_it(
        absence: SignedRepo) -> None:
    """The contract in force amended but not yet signed again: the new contract carries
    the amendment (both sign the new one anyway), not the text first agreed."""
    import yaml

    terms = yaml.safe_load((absence.root / CONTRACT).read_text())
    first = terms["setting"]
    terms["setting"] = "The library office, AMENDED-SETTING-MARKER, door closed"
    absence.write(CONTRACT, terms)
    absence.commit("supervisor", "Contract: a new room", CONTRACT)
    assert absence.status(CONTRACT) == "stale"
    done = reassign(absence)
    assert done.code == 0, done.out + done.err
    text = (absence.root / NEW_CONTRACT).read_text()
    assert "AMENDED-SETTING-MARKER" in text
    assert yaml.safe_load(text)["setting"] != first


def test_reassign_refusals_change_nothing(absence: SignedRepo) -> None:
    head = absence.head()
    tree = digest_tree(absence.root)

    def refused(*args: str, code: int, who: str = "admin") -> str:
        result = reassign(absence, who, *args)
        assert result.code == code, result.out + result.err
        assert result.err.startswith("supervision: ") and "    hint: " in result.err
        assert absence.head() == head and digest_tree(absence.root) == tree
        return result.err

    usual = ("--reason", REASON)
    assert "'nobody-sample' is not a person in people.yml" in refused(
        "--from", "nobody-sample", "--to", "cover-sample", *usual, code=2)
    assert "'cover-sampel' is not a person in people.yml" in refused(
        "--from", "deputy-sample", "--to", "cover-sampel", *usual, code=2)
    assert "is not a person" in refused("--from", "deputy-sample", "--to", "cover-sample",
                                        "--supervisee", "nobody", *usual, code=2)
    err = refused("--from", "deputy-sample", "--to", "ddsl-sample", *usual, code=1)
    assert "Robin Placeholder (ddsl-sample) does not have a supervisor role" in err
    assert "are the same person" in refused("--from", "deputy-sample", "--to",
                                            "deputy-sample", *usual, code=2)
    assert "names deputy-sample, not cover-sample" in refused(
        "--from", "cover-sample", "--to", "deputy-sample", "--supervisee", "dsl-sample",
        *usual, code=1)
    assert "nobody has an agreed contract in force today with head-sample" in refused(
        "--from", "head-sample", "--to", "cover-sample", *usual, code=1)
    assert "--reason must be one line" in refused(
        "--from", "deputy-sample", "--to", "cover-sample", "--reason", "a\nb", code=2)
    assert "is not a records admin's key" in refused(
        "--from", "deputy-sample", "--to", "cover-sample", *usual, code=1, who="supervisor")
    path = absence.root / PLANNED
    original = path.read_text()
    path.write_text(original.replace("status: planned", "status: planned  # moved?"))
    tree = digest_tree(absence.root)
    assert f"{PLANNED} has changes here that are not committed" in refused(
        "--from", "deputy-sample", "--to", "cover-sample", *usual, code=1)
    path.write_text(original)


def test_a_repository_that_does_not_sign_refuses_reassignment(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", "agenda")
    relpath, data = repo.filled("contract", day="2026-09-07")
    repo.write(relpath, data)
    env = git_env()
    subprocess.run(["git", "add", "-A"], cwd=repo.root, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "--no-gpg-sign", "-m", "Contract"], cwd=repo.root,
                   env=env, check=True)
    before = digest_tree(repo.root)
    result = repo.cli("reassign", "--from", "deputy-sample", "--to", "deputy-sample",
                      "--reason", REASON)
    assert result.code == 2 and "are the same person" in result.err
    people = repo.root / "people.yml"
    people.write_text(people.read_text() + "\n  - id: cover-sample\n    name: Kit Madeup\n"
                      "    roles: [supervisor]\n")
    before = digest_tree(repo.root)
    result = repo.cli("reassign", "--from", "deputy-sample", "--to", "cover-sample",
                      "--reason", REASON)
    assert result.code == 1 and "does not sign yet" in result.err, result.err
    assert digest_tree(repo.root) == before

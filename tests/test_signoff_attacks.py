"""Bad input and attacks on sign-off: each caught with the record, the commit and the person.

Every test drives real git and real gpg; forged commits are made the way an
attacker would make them (by hand, with git and gpg), not through `sign`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from conftest import git_env, make_repo, run_cli
from signing import SESSION, Actor, Keyrings, SignedRepo, finding, record

MISSING = "records/example-school/2026-27/dsl-sample/2026-12-01-session.yaml"


def _both_signed(signed: SignedRepo) -> None:
    assert signed.sign("supervisor").code == 0
    assert signed.sign("supervisee").code == 0
    assert signed.status() == "agreed"


def _edit(signed: SignedRepo) -> None:
    data = yaml.safe_load((signed.root / SESSION).read_text())
    data["wellbeing"]["discussion"] = "Agreed to move the review meeting to a quieter week."
    signed.write(SESSION, data)


def _error(signed: SignedRepo, rule: str) -> dict:
    result, data = signed.verify()
    assert result.code == 1, result.out
    return finding(data, rule)


def _register(signed: SignedRepo, person: str, armored: bytes) -> None:
    """A records admin registers a certificate as it is (even an expired or revoked
    one, which `keys import` would refuse), in a commit signed with the admin key."""
    from supervision.cli.keys import register_key
    from supervision.repo import RecordsRepo
    from supervision.signing.openpgp import read_certs

    register_key(RecordsRepo.load(signed.root), person, read_certs(armored)[0], False)
    signed.commit("admin", f"Register a key for {person}", ".")


def _extra_actor(signed: SignedRepo, keyrings: Keyrings, name: str, person: str,
                 expires: str = "2y", faked: str | None = None) -> Actor:
    uid = f"{name.title()} Key <{name}@example.invalid>"
    actor = Actor(person, keyrings.home(name), keyrings.new_key(name, uid, expires, faked))
    signed.actors[name] = actor
    return actor


def test_record_edited_after_both_signed_is_stale(signed: SignedRepo) -> None:
    _both_signed(signed)
    _edit(signed)
    edit = signed.commit("supervisee", "Change the length", SESSION)
    result, data = signed.verify()
    assert result.code == 0  # a signed change is legitimate: it needs signing again
    entry = record(data)
    assert entry["path"] == SESSION and entry["status"] == "stale"
    assert entry["changed_by"]["commit"] == edit
    assert entry["changed_by"]["person"] == "dsl-sample"
    text = run_cli("verify", cwd=signed.root, env=git_env())
    assert f"{SESSION}  changed in commit {edit[:10]} by dsl-sample" in text.out
    assert text.out.count("stale ") == 1


def test_agreed_record_changed_by_an_unsigned_commit(signed: SignedRepo) -> None:
    _both_signed(signed)
    _edit(signed)
    edit = signed.commit(None, "Quiet change", SESSION, signed=False)
    found = _error(signed, "RECORD-CHANGED-UNSIGNED")
    assert (found["path"], found["commit"]) == (SESSION, edit)
    # Nobody verified made it: the message says what the unverified author field claims.
    assert found["person"] is None
    assert "by unsigned (author field claims Test Author)" in found["message"]
    assert signed.status() == "stale"
    # Once both have signed the changed record again it is a warning, not an error.
    _both_signed(signed)
    result, data = signed.verify()
    assert result.code == 0
    assert finding(data, "RECORD-CHANGED-UNSIGNED")["severity"] == "warning"


def test_signoff_by_a_key_not_in_people_yml(signed: SignedRepo) -> None:
    assert signed.sign("supervisor").code == 0
    forged = signed.craft_signoff("outsider", "supervisee")
    found = _error(signed, "KEY-UNKNOWN")
    assert (found["path"], found["commit"], found["person"]) == (SESSION, forged, "dsl-sample")
    assert signed.actors["outsider"].fpr[-16:] in found["message"]
    assert signed.status() == "awaiting-supervisee"
    # gpg itself is happy (the key is in the outsider's own keyring, ultimately trusted),
    # and verify does not care which keyring is in use.
    outsider_env = signed.actors["outsider"].env()
    assert subprocess.run(["git", "verify-commit", forged], cwd=signed.root, env=outsider_env,
                          capture_output=True).returncode == 0
    result = run_cli("verify", "--format", "json", cwd=signed.root, env=outsider_env)
    assert result.code == 1
    assert "KEY-UNKNOWN" in [e["rule"] for e in result.json()["errors"]]


def test_key_added_to_people_yml_by_a_non_admin_commit(signed: SignedRepo,
                                                       tmp_path: Path, keyrings) -> None:
    assert signed.sign("supervisor").code == 0
    # The supervisor registers a key they control as the supervisee's...
    exported = tmp_path / "outsider.asc"
    exported.write_bytes(keyrings.export("outsider", signed.actors["outsider"].fpr))
    done = signed.as_("supervisor", "keys", "import", str(exported), "--person", "dsl-sample")
    assert done.code == 0, done.err
    change = signed.commit("supervisor", "Add a key", "people.yml", "keys")
    # ... and signs the supervisee's part with it.
    forged = signed.craft_signoff("outsider", "supervisee")
    result, data = signed.verify()
    assert result.code == 1
    found = finding(data, "TRUST-CHANGE-NOT-ADMIN")
    assert (found["path"], found["commit"], found["person"]) == ("people.yml", change,
                                                                 "deputy-sample")
    assert "dsl-sample" in found["message"] and "does not count" in found["message"]
    unknown = finding(data, "KEY-UNKNOWN")
    assert (unknown["path"], unknown["commit"], unknown["person"]) == (SESSION, forged,
                                                                       "dsl-sample")
    assert record(data)["status"] == "awaiting-supervisee"


def test_non_admin_cannot_make_themselves_admin(signed: SignedRepo) -> None:
    config = signed.root / "supervision.yml"
    fpr = signed.actors["supervisor"].fpr
    config.write_text(re.sub(r"admins: \[(\w+)\]", rf"admins: [\1, {fpr}]", config.read_text()))
    change = signed.commit("supervisor", "Make me an admin", "supervision.yml")
    found = _error(signed, "TRUST-CHANGE-NOT-ADMIN")
    assert (found["path"], found["commit"], found["person"]) == ("supervision.yml", change,
                                                                 "deputy-sample")
    assert "admins" in found["message"]


def test_supervisees_key_used_to_sign_as_supervisor(signed: SignedRepo) -> None:
    forged = signed.craft_signoff("supervisee", "supervisor")
    found = _error(signed, "SIGNOFF-WRONG-PERSON")
    assert (found["path"], found["commit"], found["person"]) == (SESSION, forged, "dsl-sample")
    assert "supervisor is deputy-sample" in found["message"]
    assert signed.status() == "draft"


def test_signature_made_by_an_expired_key(signed: SignedRepo, keyrings) -> None:
    # Registered while valid (made 2024, expiring 2025); the holder later extends the
    # key in their own keyring but the repository still holds the expired copy.
    actor = _extra_actor(signed, keyrings, "expiring", "deputy-sample", "2025-01-01",
                         faked="20240101T000000")
    _register(signed, "deputy-sample", keyrings.export("expiring", actor.fpr))
    keyrings.gpg("expiring", "--quick-set-expire", actor.fpr, "2y")
    late = signed.craft_signoff("expiring", "supervisor")
    found = _error(signed, "KEY-EXPIRED")
    assert (found["path"], found["commit"], found["person"]) == (SESSION, late,
                                                                 "deputy-sample")
    assert signed.status() == "draft"
    # `sign` refuses to try with the expired registration.
    assert signed.sign("expiring").code == 1


def test_signature_made_after_the_key_was_revoked(signed: SignedRepo, keyrings) -> None:
    actor = _extra_actor(signed, keyrings, "revoked", "dsl-sample")
    _register(signed, "dsl-sample", keyrings.export("revoked", actor.fpr))
    # The revocation is published to the repository from a copy of the keyring; the
    # (stolen) original still signs.
    copy = keyrings.home("revoked-copy")
    shutil.rmtree(copy)
    shutil.copytree(actor.home, copy, ignore=shutil.ignore_patterns("S.*"))  # not sockets
    revocation = (copy / "openpgp-revocs.d" / f"{actor.fpr}.rev").read_text()
    keyrings.gpg("revoked-copy", "--import", input=revocation.replace(":-----", "-----").encode())
    _register(signed, "dsl-sample", keyrings.export("revoked-copy", actor.fpr))
    forged = signed.craft_signoff("revoked", "supervisee")
    found = _error(signed, "KEY-REVOKED")
    assert (found["path"], found["commit"], found["person"]) == (SESSION, forged, "dsl-sample")


def test_back_dated_signature(signed: SignedRepo, keyrings, tmp_path: Path) -> None:
    actor = _extra_actor(signed, keyrings, "backdate", "dsl-sample", "0",
                         faked="20240101T000000")
    exported = tmp_path / "backdate.asc"
    exported.write_bytes(keyrings.export("backdate", actor.fpr))
    assert signed.as_("admin", "keys", "import", str(exported), "--person",
                      "dsl-sample").code == 0
    signed.commit("admin", "Register a second key", ".")
    wrapper = tmp_path / "gpg-in-the-past"
    wrapper.write_text('#!/bin/sh\nexec gpg --faked-system-time 20250601T000000 "$@"\n')
    wrapper.chmod(0o755)
    message = (f"Sign-off\n\nBack-dated.\n\nSupervision-Role: supervisee\n"
               f"Supervision-Record: {SESSION}\nSupervision-Blob: {signed.blob(SESSION)}\n")
    signed.git("backdate", "-c", f"gpg.program={wrapper}", "commit", "-q", "-S",
               "--allow-empty", "-m", message)
    found = _error(signed, "SIGNATURE-BACKDATED")
    assert (found["path"], found["commit"], found["person"]) == (SESSION, signed.head(),
                                                                 "dsl-sample")


def test_history_rewritten_so_a_signoff_names_another_version(signed: SignedRepo) -> None:
    assert signed.sign("supervisee").code == 0
    signoff = signed.head()
    record_commit = signed.git(None, "rev-parse", "HEAD~1").strip()
    # Rewrite: change the record in its own commit, then replay the sign-off on top,
    # even re-signed with the supervisee's key (the worst case).
    signed.git(None, "checkout", "-q", f"{record_commit}~1")
    path = signed.root / SESSION
    original = signed.git(None, "show", f"{record_commit}:{SESSION}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(original.replace("duration_minutes: 60", "duration_minutes: 90"))
    signed.commit("supervisor", "Session record", SESSION)
    signed.git("supervisee", "cherry-pick", "--allow-empty", "-S", signoff)
    rewritten = signed.head()
    signed.git(None, "checkout", "-q", "-B", "main", rewritten)
    found = _error(signed, "SIGNOFF-BLOB-MISMATCH")
    assert (found["path"], found["commit"], found["person"]) == (SESSION, rewritten,
                                                                 "dsl-sample")
    assert signed.status() == "draft"


def test_trailers_naming_a_record_that_does_not_exist(signed: SignedRepo) -> None:
    forged = signed.craft_signoff("supervisor", "supervisor", MISSING, blob="1" * 40)
    found = _error(signed, "SIGNOFF-RECORD-MISSING")
    assert (found["path"], found["commit"], found["person"]) == (MISSING, forged,
                                                                 "deputy-sample")


def test_garbage_in_the_signature_block(signed: SignedRepo) -> None:
    assert signed.sign("supervisee").code == 0
    raw = signed.git(None, "cat-file", "commit", "HEAD")
    lines = raw.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("gpgsig "))
    end = next(i for i in range(start, len(lines)) if "END PGP SIGNATURE" in lines[i])
    lines[start + 2:end] = [" bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==", " ====garbage===="]
    forged = signed.git(None, "hash-object", "-t", "commit", "-w", "--stdin",
                        input="\n".join(lines).encode()).strip()
    signed.git(None, "update-ref", "HEAD", forged)
    found = _error(signed, "SIGNATURE-UNREADABLE")
    assert (found["path"], found["commit"], found["person"]) == (SESSION, forged, "dsl-sample")
    assert signed.status() == "draft"


def test_commit_changed_after_it_was_signed(signed: SignedRepo) -> None:
    assert signed.sign("supervisee").code == 0
    raw = signed.git(None, "cat-file", "commit", "HEAD")
    tampered = raw.replace("signs this record as accurate", "signs this record, honestly")
    forged = signed.git(None, "hash-object", "-t", "commit", "-w", "--stdin",
                        input=tampered.encode()).strip()
    signed.git(None, "update-ref", "HEAD", forged)
    found = _error(signed, "SIGNATURE-BAD")
    assert (found["path"], found["commit"], found["person"]) == (SESSION, forged, "dsl-sample")


def test_unsigned_signoff_commit(signed: SignedRepo) -> None:
    forged = signed.craft_signoff("supervisee", "supervisee", signed=False)
    found = _error(signed, "SIGNOFF-UNSIGNED")
    assert (found["path"], found["commit"], found["person"]) == (SESSION, forged, "dsl-sample")


def test_signoff_in_a_role_the_form_does_not_have(signed: SignedRepo) -> None:
    forged = signed.craft_signoff("supervisor", "reviewer")
    found = _error(signed, "SIGNOFF-ROLE-UNKNOWN")
    assert (found["path"], found["commit"], found["person"]) == (SESSION, forged,
                                                                 "deputy-sample")


def test_shallow_clone_cannot_pass(signed: SignedRepo, tmp_path: Path) -> None:
    _both_signed(signed)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{signed.root}",
                    str(shallow)], check=True, env=git_env(), capture_output=True)
    text = run_cli("verify", cwd=shallow, env=git_env())
    assert text.code == 1
    assert "shallow clone" in text.out and "Nothing was verified" in text.out
    as_json = run_cli("verify", "--format", "json", cwd=shallow, env=git_env())
    assert as_json.code == 1
    assert [e["rule"] for e in as_json.json()["errors"]] == ["SIGNOFF-SHALLOW-CLONE"]
    assert as_json.json()["records"] == []


def test_first_commit_not_signed_by_an_admin(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "unsigned", "agenda")
    subprocess.run(["git", "add", "-A"], cwd=repo.root, env=git_env(), check=True)
    subprocess.run(["git", "commit", "-q", "-m", "Start"], cwd=repo.root, env=git_env(),
                   check=True)
    result = run_cli("verify", "--format", "json", cwd=repo.root, env=git_env())
    assert result.code == 1
    found = result.json()["errors"][0]
    assert found["rule"] == "SIGNOFF-NO-TRUST-ROOT" and found["path"] == "supervision.yml"
    assert result.json()["trust"] is None
    not_git = make_repo(tmp_path / "plain", "agenda")
    shutil.rmtree(not_git.root / ".git")
    assert run_cli("verify", cwd=not_git.root, env=git_env()).code == 2

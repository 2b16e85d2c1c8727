"""A new records repository seals its records by default (issue 19): `supervision init`
writes `privacy: sealed: true` with the profile's readers and sets up the filter, and
`--no-seal` is the explicit opt-out. Someone whose key cannot receive sealed records is
told so, and what to do, wherever they meet it: a record git refuses to store, the
clean filter's warning, `keys import` and `doctor`. Real git and gpg."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from conftest import git_env, make_repo, run_cli
from sealing_keys import person_with_encryption


def _settings(root: Path) -> dict:
    return yaml.safe_load((root / "supervision.yml").read_text())["privacy"]


def _git(root: Path, *args: str, home: str | None = None) -> subprocess.CompletedProcess[str]:
    env = git_env()
    if home:
        env["GNUPGHOME"] = home
    return subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


def test_init_seals_by_default_and_no_seal_opts_out(tmp_path: Path) -> None:
    for profile, readers in (("agenda", ["headteacher"]), ("reflective", ["trust-lead"])):
        root = tmp_path / profile
        made = run_cli("init", str(root), "--profile", profile, "--no-hooks", cwd=tmp_path)
        assert made.code == 0, made.err
        assert "Sealed records: on" in made.out
        privacy = _settings(root)
        assert privacy["sealed"] is True and privacy["readers"] == readers
        attributes = (root / ".gitattributes").read_text()
        assert "records/**/*.yaml filter=supervision-seal" in attributes
        assert _git(root, "config", "filter.supervision-seal.required").stdout.strip() == "true"
        assert "seal filter" in _git(root, "config", "filter.supervision-seal.process").stdout
        checked = run_cli("check", "--format", "json", cwd=root)
        assert [f for f in checked.json() if f["severity"] == "error"] == [], checked.out

    off = tmp_path / "off"
    made = run_cli("init", str(off), "--profile", "agenda", "--no-hooks", "--no-seal",
                   cwd=tmp_path)
    assert made.code == 0, made.err
    assert "Sealed records: OFF (--no-seal)" in made.out and "seal --all" in made.out
    assert _settings(off)["sealed"] is False
    assert not (off / ".gitattributes").exists()
    assert _git(off, "config", "filter.supervision-seal.process").returncode != 0
    helped = run_cli("init", "--help", cwd=tmp_path)
    assert "--no-seal" in helped.out and "readable by anyone with a copy" in helped.out


def test_a_record_nobody_can_receive_is_not_stored_and_says_what_to_do(tmp_path: Path) -> None:
    fixture = make_repo(tmp_path / "repo", "agenda", sealed=True)
    relpath, data = fixture.filled("session")
    fixture.write(relpath, data)
    added = _git(fixture.root, "add", "--", relpath)
    assert added.returncode != 0
    said = added.stderr
    assert f"{relpath} cannot be sealed, so it was not stored" in said, said
    assert "deputy-sample" in said and "dsl-sample" in said
    assert "supervision keys create --person ID" in said and "keys import" in said
    assert "Traceback" not in said
    assert _git(fixture.root, "ls-files", "--", relpath).stdout == ""


def test_a_reader_without_an_encryption_key_is_told_what_to_do(keyrings, tmp_path) -> None:
    fixture = make_repo(tmp_path / "repo", "agenda", sealed=True)
    root = fixture.root
    admin = person_with_encryption(keyrings, "i9admin", "Admin <admin@example.invalid>")
    sign_only = keyrings.new_key("i9dsl", "Dsl <dsl@example.invalid>")
    (tmp_path / "admin.asc").write_bytes(admin.public)
    (tmp_path / "dsl.asc").write_bytes(keyrings.export("i9dsl", sign_only))
    imported = run_cli("keys", "import", str(tmp_path / "admin.asc"), "--person",
                       "head-sample", "--admin", cwd=root, env=dict(git_env(), GNUPGHOME=admin.home))
    assert imported.code == 0 and "READER-NO-ENC-KEY" not in imported.out, imported.out
    imported = run_cli("keys", "import", str(tmp_path / "dsl.asc"), "--person", "dsl-sample",
                       cwd=root, env=dict(git_env(), GNUPGHOME=admin.home))
    assert imported.code == 0, imported.err
    assert "Warning (READER-NO-ENC-KEY)" in imported.out, imported.out
    assert f"gpg --quick-add-key {sign_only} cv25519 encr" in imported.out
    assert "supervision seal readers" in imported.out
    first = _git(root, "add", "-A")
    assert first.returncode == 0, first.stderr
    signed = _git(root, "-c", f"user.signingkey={admin.fpr}", "commit", "-q", "-S", "-m",
                  "Start the sealed records", home=admin.home)
    assert signed.returncode == 0, signed.stderr

    # The headteacher can receive it: the record is stored sealed, and the filter says who
    # cannot read it and, once, what they do.
    relpath, data = fixture.filled("session")
    fixture.write(relpath, data)
    added = _git(root, "add", "--", relpath, home=admin.home)
    assert added.returncode == 0, added.stderr
    assert "READER-NO-ENC-KEY 'dsl-sample'" in added.stderr
    assert "READER-NO-ENC-KEY 'deputy-sample'" in added.stderr
    assert added.stderr.count("hint:") == 1 and "supervision seal readers" in added.stderr
    assert "\nsealed:\n" in _git(root, "cat-file", "-p", f":{relpath}").stdout

    # doctor: the DSL's key can sign but not receive; the admin's can do both.
    for who, home, fpr, ready in (("dsl-sample", str(keyrings.home("i9dsl")), sign_only, False),
                                  ("head-sample", admin.home, admin.fpr, True)):
        _git(root, "config", "user.signingkey", fpr)
        doctor = run_cli("doctor", "--person", who, cwd=root,
                         env=dict(git_env(), GNUPGHOME=home))
        if ready:
            assert "[ok]   your key can receive sealed records" in doctor.out, doctor.out
        else:
            assert doctor.code == 1, doctor.out
            assert "[TODO] your key cannot receive sealed records" in doctor.out, doctor.out
            assert f"gpg --quick-add-key {fpr} cv25519 encr" in doctor.out


def test_a_sealed_record_committed_without_its_readers_file_is_refused(keyrings,
                                                                       tmp_path) -> None:
    """`git add RECORD && git commit` stages the sealed record but not the readers file
    the clean filter wrote beside it: committed so, nobody could open that version. The
    pre-commit hook (`supervision check`) refuses it and names the file to add."""
    fixture = make_repo(tmp_path / "repo", "agenda", sealed=True)
    root = fixture.root
    admin = person_with_encryption(keyrings, "i8admin", "Admin <admin@example.invalid>")
    (tmp_path / "admin.asc").write_bytes(admin.public)
    assert run_cli("keys", "import", str(tmp_path / "admin.asc"), "--person", "head-sample",
                   "--admin", cwd=root, env=dict(git_env(), GNUPGHOME=admin.home)).code == 0
    assert _git(root, "add", "-A").returncode == 0
    started = _git(root, "commit", "-q", "--no-verify", "-m", "Start", home=admin.home)
    assert started.returncode == 0, started.stderr  # signed: the admin's key is here
    hook = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=root,
                          env=git_env(), capture_output=True, text=True, timeout=300)
    assert hook.returncode == 0, hook.stderr
    relpath, data = fixture.filled("session")
    fixture.write(relpath, data)
    side = relpath + ".readers"
    assert _git(root, "add", "--", relpath, home=admin.home).returncode == 0
    assert (root / side).is_file() and _git(root, "ls-files", "--", side).stdout == ""

    checked = run_cli("check", "--format", "json", relpath, cwd=root)
    refusal = [f for f in checked.json() if f["rule"] == "SEAL-READERS-NOT-STAGED"]
    assert checked.code == 1 and [f["path"] for f in refusal] == [relpath], checked.out
    assert f"git add {side}" in refusal[0]["message"]
    committed = _git(root, "commit", "-q", "-m", "A session", home=admin.home)
    assert committed.returncode != 0
    assert "SEAL-READERS-NOT-STAGED" in committed.stdout + committed.stderr
    assert f"git add {side}" in committed.stdout + committed.stderr
    assert _git(root, "rev-list", "--count", "HEAD").stdout.strip() == "1"  # nothing committed

    assert _git(root, "add", "--", side).returncode == 0
    committed = _git(root, "commit", "-q", "-m", "A session", home=admin.home)
    assert committed.returncode == 0, committed.stdout + committed.stderr
    tree = _git(root, "ls-tree", "-r", "--name-only", "HEAD").stdout.split()
    assert relpath in tree and side in tree

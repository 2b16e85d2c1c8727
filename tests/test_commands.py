"""Commands and options that had no test of their own: schema, history's refusals,
new --edit, profile show --yaml, profile copy --id, keys create --expires, -C/--repo
and --version. Real CLI, real git, real gpg."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from conftest import TODAY, RecordsRepoFixture, git_env, run_cli
from supervision import __version__


def test_schema_writes_one_schema_per_form_that_validates_real_records(
        agenda_repo: RecordsRepoFixture, tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    done = agenda_repo.cli("schema", "--write", str(out))
    assert done.code == 0, done.err
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.json"))
    profile = agenda_repo.load_profile().profile_for("example-school")
    assert profile is not None
    assert written == sorted(f"agenda/{key}.schema.json" for key in profile.forms)
    assert done.out.count("wrote ") == len(written)
    schema = json.loads((out / "agenda" / "session.schema.json").read_text())
    relpath, data = agenda_repo.filled("session")
    jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)
    data["status"] = "not a status"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)
    # Without --write: into the repository's own schemas/ folder.
    shutil.rmtree(agenda_repo.root / "schemas")
    assert agenda_repo.cli("schema").code == 0
    assert (agenda_repo.root / "schemas" / "agenda" / "case-notes.schema.json").is_file()


def test_schema_builtin_writes_both_profiles_and_needs_a_folder(tmp_path: Path) -> None:
    done = run_cli("schema", "--builtin", "--write", str(tmp_path / "out"), cwd=tmp_path)
    assert done.code == 0, done.err
    for name in ("agenda", "reflective"):
        shipped = resources.files("supervision.forms").joinpath("schemas", name)
        for entry in shipped.iterdir():
            assert (tmp_path / "out" / name / entry.name).read_text() == entry.read_text()
    refused = run_cli("schema", "--builtin", cwd=tmp_path)
    assert refused.code == 2 and "--builtin needs --write FOLDER" in refused.err


def test_history_refusals(agenda_repo: RecordsRepoFixture, tmp_path: Path) -> None:
    relpath, _data = agenda_repo.filled("session")
    agenda_repo.write(relpath, _data)
    never = agenda_repo.cli("history", relpath)
    assert never.code == 2
    assert f"no commit has changed or signed {relpath}" in never.err
    assert "commit the record first" in never.err
    outside = agenda_repo.cli("history", str(tmp_path / "elsewhere.yaml"))
    assert outside.code == 2 and "Traceback" not in outside.err
    # A records folder that is not a git repository: the audit trail is the history.
    plain = tmp_path / "plain"
    shutil.copytree(agenda_repo.root, plain, ignore=shutil.ignore_patterns(".git"))
    no_git = run_cli("history", relpath, cwd=plain)
    assert no_git.code == 2 and "git init" in no_git.err


def test_new_edit_opens_the_editor_on_the_new_file(agenda_repo: RecordsRepoFixture,
                                                   tmp_path: Path) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "# opened by the editor\\n" >> "$1"\n')
    editor.chmod(0o755)
    env = git_env()
    env.pop("VISUAL", None)
    env["EDITOR"] = str(editor)
    done = run_cli("new", "case-notes", "--supervisee", "dsl-sample", "--case", "C-7K3QXM",
                   "--date", "2026-11-23", "--supervisor", "deputy-sample", "--edit",
                   cwd=agenda_repo.root, env=env)
    assert done.code == 0, done.err
    path = agenda_repo.root / done.out.strip()
    assert path.read_text().endswith("# opened by the editor\n")
    # No editor named: the file is written, and the message says how to open it.
    env.pop("EDITOR")
    again = run_cli("new", "case-notes", "--supervisee", "dsl-sample", "--case", "C-7K3QXN",
                    "--date", "2026-11-23", "--supervisor", "deputy-sample", "--edit",
                    cwd=agenda_repo.root, env=env)
    assert again.code == 2
    assert "--edit needs $EDITOR" in again.err and "open" in again.err
    assert len(list(path.parent.glob("*case-notes*.yaml"))) == 2


def test_profile_show_yaml_prints_the_profile_file(agenda_repo: RecordsRepoFixture) -> None:
    shown = agenda_repo.cli("profile", "show", "agenda", "--yaml")
    assert shown.code == 0
    packaged = resources.files("supervision.forms").joinpath("profiles", "agenda.yml")
    assert shown.out == packaged.read_text(encoding="utf-8")
    assert agenda_repo.cli("profile", "copy", "agenda", "profiles/ours.yml").code == 0
    (agenda_repo.root / "profiles" / "ours.yml").write_text(
        (agenda_repo.root / "profiles" / "ours.yml").read_text() + "# our change\n")
    copied = agenda_repo.cli("profile", "show", "profiles/ours.yml", "--yaml")
    assert copied.code == 0 and copied.out.endswith("# our change\n")


def test_profile_copy_with_an_id(agenda_repo: RecordsRepoFixture) -> None:
    done = agenda_repo.cli("profile", "copy", "reflective", "profiles/trust.yml",
                           "--id", "trust-model")
    assert done.code == 0, done.err
    assert "(id: trust-model)" in done.out
    text = (agenda_repo.root / "profiles" / "trust.yml").read_text()
    assert "\nid: trust-model\n" in text and "\nid: reflective\n" not in text
    bad = agenda_repo.cli("profile", "copy", "reflective", "profiles/x.yml", "--id", "Our Way")
    assert bad.code == 2 and "lower-case letters, digits and hyphens" in bad.err
    assert not (agenda_repo.root / "profiles" / "x.yml").exists()
    refused = agenda_repo.cli("profile", "copy", "agenda", "profiles/x.txt")
    assert refused.code == 2 and "must end in .yml" in refused.err


@pytest.fixture
def gnupg_home():
    home = Path(tempfile.mkdtemp(dir="/tmp", prefix="svg-exp-"))
    home.chmod(0o700)
    yield home
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True,
                   timeout=30)
    shutil.rmtree(home, ignore_errors=True)


def test_keys_create_expires(agenda_repo: RecordsRepoFixture, gnupg_home: Path) -> None:
    env = git_env()
    env["GNUPGHOME"] = str(gnupg_home)
    made = run_cli("keys", "create", "--person", "dsl-sample", "--no-passphrase",
                   "--expires", "90d", cwd=agenda_repo.root, env=env)
    assert made.code == 0, made.err
    listed = run_cli("keys", "list", "--format", "json", cwd=agenda_repo.root, env=env)
    assert listed.code == 0, listed.err
    rows = [r for r in listed.json() if r["person"] == "dsl-sample"]
    assert len(rows) == 1
    expires = dt.date.fromisoformat(rows[0]["expires"])
    assert abs((expires - (dt.date.today() + dt.timedelta(days=90))).days) <= 1
    bad = run_cli("keys", "create", "--person", "ddsl-sample", "--no-passphrase",
                  "--expires", "soon", cwd=agenda_repo.root, env=env)
    assert bad.code == 2 and "--expires 'soon' is not understood" in bad.err


def test_repo_option_and_version(agenda_repo: RecordsRepoFixture, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for option in ("-C", "--repo"):
        done = run_cli(option, str(agenda_repo.root), "check", "--format", "json",
                       "--today", TODAY, cwd=elsewhere)
        assert done.code == 0, done.err
        assert done.json() == []
    after = run_cli("check", "--repo", str(agenda_repo.root), "--today", TODAY, cwd=elsewhere)
    assert after.code == 0, after.err
    missing = run_cli("-C", str(tmp_path / "nowhere"), "check", cwd=elsewhere)
    assert missing.code == 2 and "not inside a records repository" in missing.err
    version = run_cli("--version", cwd=elsewhere)
    assert version.code == 0 and version.out.strip().endswith(__version__)
    assert os.path.basename(version.out.split()[0]) == "supervision"

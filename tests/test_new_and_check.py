"""`supervision new` scaffolds and `supervision check` on filled records, both profiles."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from conftest import RecordsRepoFixture, digest_tree, git_env

KINDS = {
    "agenda": ["contract", "session", "case-notes", "qa-review"],
    "reflective": ["contract", "session", "informal"],
}


# Case notes are for a session at least a week ahead (CASE-NOTES-DEADLINE, today 2026-11-22).
DAYS = {"case-notes": "2026-12-07"}


def _new_args(kind: str) -> list[str]:
    args = ["new", kind, "--supervisee", "dsl-sample", "--supervisor", "deputy-sample",
            "--date", DAYS.get(kind, "2026-11-16")]
    if kind == "case-notes":
        args += ["--case", "C-7K3QXM"]
    if kind == "qa-review":
        args += ["--reviewer", "head-sample"]
    return args


def test_every_form_scaffolds_fails_unfilled_and_passes_filled(any_repo: RecordsRepoFixture) -> None:
    for kind in KINDS[any_repo.profile]:
        made = any_repo.cli(*_new_args(kind))
        assert made.code == 0, made.err
        relpath = made.out.strip()
        path = any_repo.root / relpath
        text = path.read_text()
        # The editor schema line points at a schema that exists, relative to the file.
        first = text.splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=")
        schema = (path.parent / first.split("=", 1)[1]).resolve()
        assert schema.is_file() and json.loads(schema.read_text())["type"] == "object"
        # Unfilled: refused, and only because answers are missing.
        result = any_repo.check(relpath)
        assert result.code == 1, f"{kind}: an unfilled scaffold passed"
        assert set(result.rules()) <= {"SCHEMA-REQUIRED", "CASES-TOO-FEW"}, result.rules()
        # Filled correctly: clean.
        expected_path, data = any_repo.filled(kind, day=DAYS.get(kind, "2026-11-16"))
        assert expected_path == relpath
        if kind == "qa-review":  # what the records say (QA-COUNTS-DIFFER): nothing committed
            data.update(contract_agreed=False, sessions_completed=1, written_records=False)
        any_repo.write(relpath, data)
        clean = any_repo.check(relpath)
        assert clean.code == 0, clean.out
        assert clean.json() == []


def test_group_session(agenda_repo: RecordsRepoFixture) -> None:
    made = agenda_repo.cli("new", "session", "--group", "--supervisee", "dsl-sample",
                           "--supervisee", "ddsl-sample", "--supervisor", "deputy-sample",
                           "--date", "2026-11-18")
    assert made.code == 0, made.err
    relpath = made.out.strip()
    assert relpath == ("records/example-school/2026-27/groups/"
                       "2026-11-18-deputy-sample-group-session.yaml")
    data = yaml.safe_load((agenda_repo.root / relpath).read_text())
    assert data["supervisees"] == ["dsl-sample", "ddsl-sample"]
    path, filled = agenda_repo.filled("session", group=True, day="2026-11-18")
    assert path == relpath
    agenda_repo.write(relpath, filled)
    assert agenda_repo.check(relpath).code == 0


def test_new_refuses_to_overwrite(agenda_repo: RecordsRepoFixture) -> None:
    first = agenda_repo.cli(*_new_args("session"))
    path = agenda_repo.root / first.out.strip()
    path.write_text(path.read_text() + "# my notes\n")
    before = digest_tree(agenda_repo.root)
    again = agenda_repo.cli(*_new_args("session"))
    assert again.code == 1
    assert "already exists" in again.err and "nothing was written" in again.err
    assert digest_tree(agenda_repo.root) == before


def test_new_takes_supervisor_from_contract(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("contract", supervisor="head-sample")
    agenda_repo.write(relpath, data)
    made = agenda_repo.cli("new", "session", "--supervisee", "dsl-sample", "--date", "2026-11-16")
    assert made.code == 0, made.err
    data = yaml.safe_load((agenda_repo.root / made.out.strip()).read_text())
    assert data["supervisor"] == "head-sample"


def test_new_without_contract_or_supervisor_is_usage_error(agenda_repo: RecordsRepoFixture) -> None:
    result = agenda_repo.cli("new", "session", "--supervisee", "dsl-sample")
    assert result.code == 2
    assert "--supervisor" in result.err


def test_new_carries_open_actions_into_the_review(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session", day="2026-10-05")
    data["wellbeing"]["actions"] = [
        {"action": "Book a protected hour for safeguarding admin", "owner": "dsl-sample",
         "due": "2026-10-20", "status": "open"},
        {"action": "Finished already", "owner": "dsl-sample", "due": "2026-10-20",
         "status": "done"},
    ]
    agenda_repo.write(relpath, data)
    made = agenda_repo.cli(*_new_args("session"))
    assert made.code == 0, made.err
    data = yaml.safe_load((agenda_repo.root / made.out.strip()).read_text())
    review = data["previous_actions"]["review"]
    actions = [item["action"] for item in review]
    assert "Book a protected hour for safeguarding admin" in actions
    assert "Finished already" not in actions


@pytest.mark.parametrize("args,needle", [
    (["new", "memo", "--supervisee", "dsl-sample"], "invalid choice"),
    (["new", "session", "--supervisee", "nobody", "--supervisor", "deputy-sample"],
     "not in people.yml"),
    (["new", "session", "--supervisee", "dsl-sample", "--date", "2026-02-30"],
     "not a real date"),
    (["new", "case-notes", "--supervisee", "dsl-sample", "--supervisor", "deputy-sample"],
     "--case"),
    (["new", "case-notes", "--supervisee", "dsl-sample", "--supervisor", "deputy-sample",
      "--case", "Jane Doe"], "agreed format"),
    (["check", "--format", "xml"], "invalid choice"),
])
def test_usage_errors_exit_2(agenda_repo: RecordsRepoFixture, args: list[str], needle: str) -> None:
    result = agenda_repo.cli(*args)
    assert result.code == 2, (result.out, result.err)
    assert needle in result.err


def test_reflective_has_no_case_notes_form(reflective_repo: RecordsRepoFixture) -> None:
    result = reflective_repo.cli("new", "case-notes", "--supervisee", "dsl-sample",
                                 "--supervisor", "deputy-sample", "--case", "C-7K3QXM")
    assert result.code == 1
    assert "has no case-notes form" in result.err


def test_outside_a_records_repo(tmp_path) -> None:
    from conftest import run_cli
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2
    assert "not inside a records repository" in result.err
    assert "supervision init" in result.err


def test_init_refuses_non_empty_folder(tmp_path) -> None:
    from conftest import run_cli
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    result = run_cli("init", str(tmp_path / "x"), cwd=tmp_path)
    assert result.code == 2
    assert "already exists and is not empty" in result.err
    assert "hint: Choose a new folder name" in result.err
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["keep.txt"]


def test_init_makes_a_clean_repo(any_repo: RecordsRepoFixture) -> None:
    root = any_repo.root
    for name in ("supervision.yml", "people.yml", "mkdocs.yml", ".pre-commit-config.yaml",
                 "records/README.md", "contracts/README.md", "calendar/2026-27.yml",
                 "docs/index.md", ".gitignore"):
        assert (root / name).is_file(), name
    assert (root / ".git").is_dir()
    result = any_repo.check()
    assert result.code == 0, result.out
    config = yaml.safe_load((root / "supervision.yml").read_text())
    assert config["profile"] == any_repo.profile
    assert config["organisation"] == "Test Trust"


def test_counts_are_written_in_plain_english(agenda_repo: RecordsRepoFixture) -> None:
    """"1 record", "2 records", never "1 records" or "record(s)"; nothing to check says so."""
    from supervision.reporters import plural

    assert [plural(0, "record"), plural(1, "record"), plural(2, "record")] == [
        "0 records", "1 record", "2 records"]
    assert plural(1, "person", "people") == "1 person" and plural(3, "person", "people") == \
        "3 people"

    empty = agenda_repo.cli("check")
    assert empty.code == 0 and empty.out.splitlines()[-1] == "No records to check.", empty.out
    contract, data = agenda_repo.filled("contract", day="2026-09-01")
    agenda_repo.write(contract, data)
    one = agenda_repo.cli("check", "--no-time-rules")
    assert one.out.splitlines()[-1] == "1 record checked: no problems found.", one.out
    session, data = agenda_repo.filled("session")
    agenda_repo.write(session, data)
    two = agenda_repo.cli("check", "--no-time-rules")
    assert two.out.splitlines()[-1] == "All 2 records checked: no problems found.", two.out

    proposed = agenda_repo.cli("schedule", "--year", "2026-27")
    assert proposed.code == 0, proposed.err
    assert "(s)" not in proposed.out
    assert " sessions proposed for 2026-27" in proposed.out, proposed.out

    subprocess.run(["git", "add", "-A"], cwd=agenda_repo.root, check=True, env=git_env())
    subprocess.run(["git", "commit", "-qm", "Start"], cwd=agenda_repo.root, check=True,
                   env=git_env())
    verified = agenda_repo.cli("verify")
    assert "; 1 commit (" in verified.out and "1 commits" not in verified.out, verified.out

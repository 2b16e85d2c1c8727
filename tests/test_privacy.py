"""The privacy guard through the real CLI: deny list settings, names in any spelling,
staff names, waivers and `check --waivers`, the cache, and `supervision case new`."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import yaml

from conftest import RecordsRepoFixture, add_planned_sessions, git_env, per_record

DENY_CSV = ("Legal Forename,Legal Surname,Year Group,Gender\n"
            "Zoë,Testfamily,Year 6,Female\n"
            "Kacper,Fakesurname,Year 2,Male\n")


def _env(deny: Path | None = None) -> dict[str, str]:
    env = git_env()
    env.pop("SUPERVISION_DENY_LIST", None)
    if deny is not None:
        env["SUPERVISION_DENY_LIST"] = str(deny)
    return env


def _session(repo: RecordsRepoFixture, discussion: str, **extra) -> str:
    relpath, data = repo.filled("session", **extra)
    data["wellbeing"]["discussion"] = discussion
    repo.write(relpath, data)
    return relpath


def _set_config(repo: RecordsRepoFixture, **privacy) -> None:
    path = repo.root / "supervision.yml"
    config = yaml.safe_load(path.read_text())
    config["privacy"].update(privacy)
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def _line_of(repo: RecordsRepoFixture, relpath: str, needle: str) -> int:
    lines = (repo.root / relpath).read_text().split("\n")
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_deny_list_from_config_and_env_env_wins(agenda_repo: RecordsRepoFixture,
                                                tmp_path: Path) -> None:
    from_config = tmp_path / "config-list.csv"
    from_config.write_text(DENY_CSV)
    from_env = tmp_path / "env-list.txt"
    from_env.write_text("# one name a line\nOlamide\n")
    relpath = _session(agenda_repo, "Zoe's mum and Olamide's aunt came in together.")
    # No deny list: only staff names and identifiers are checked.
    assert agenda_repo.cli("check", relpath, env=_env()).code == 0
    _set_config(agenda_repo, deny_list=str(from_config))
    by_config = agenda_repo.cli("check", "--format", "json", relpath, env=_env())
    assert by_config.code == 1
    assert [f["rule"] for f in by_config.json()] == ["PRIVACY-DENY-LIST-NAME"]
    assert by_config.json()[0]["col"] == _col(agenda_repo, relpath, "Zoe's")
    by_env = agenda_repo.cli("check", "--format", "json", relpath, env=_env(from_env))
    assert [f["col"] for f in by_env.json()] == [_col(agenda_repo, relpath, "Olamide")]


def _col(repo: RecordsRepoFixture, relpath: str, needle: str) -> int:
    line = (repo.root / relpath).read_text().split("\n")[_line_of(repo, relpath, needle) - 1]
    return line.index(needle) + 1


def test_names_in_every_spelling_and_never_in_the_output(agenda_repo: RecordsRepoFixture,
                                                         tmp_path: Path) -> None:
    deny = tmp_path / "deny.csv"
    deny.write_text(DENY_CSV)
    text = ("ZOE was quiet. Zoë’s sister and zoe's friend. Zoes mum. TESTFAMILY home. "
            "kacper fakesurname left. Kacper-Fakesurname. Chloe and Zoey are staff.")
    relpath = _session(agenda_repo, text)
    # A lower-case name typed where a person id belongs would otherwise be quoted back.
    path = agenda_repo.root / relpath
    path.write_text(path.read_text().replace("supervisee: dsl-sample", "supervisee: kacper"))
    result = agenda_repo.cli("check", "--format", "json", relpath, env=_env(deny))
    found = [f for f in result.json() if f["rule"] == "PRIVACY-DENY-LIST-NAME"]
    lines = (agenda_repo.root / relpath).read_text().split("\n")
    starts = [lines[f["line"] - 1][f["col"] - 1:f["col"] + 4] for f in found]
    assert starts == ["ZOE w", "Zoë’s", "zoe's", "Zoes ", "TESTF", "kacpe", "fakes", "Kacpe",
                      "Fakes"]
    assert "PERSON-UNKNOWN" in [f["rule"] for f in result.json()]
    text_out = agenda_repo.cli("check", relpath, env=_env(deny))
    for output in (result.out + result.err, text_out.out + text_out.err):
        for name in ("zoe", "zoë", "testfamily", "kacper", "fakesurname"):
            assert not re.search(rf"\b{name}", output, re.IGNORECASE), (name, output)
    assert "[removed]" in text_out.out and "a name on the deny list" in text_out.out


def test_deny_list_problems_are_findings_not_crashes(agenda_repo: RecordsRepoFixture,
                                                     tmp_path: Path) -> None:
    relpath = _session(agenda_repo, "Nothing identifying here.")
    _set_config(agenda_repo, deny_list=str(tmp_path / "missing.csv"))
    config_line = _line_of(agenda_repo, "supervision.yml", "deny_list:")
    for args in (["check"], ["check", relpath]):  # pre-commit passes only the record
        result = agenda_repo.cli(*args, "--format", "json", env=_env())
        assert result.code == 1
        problem = [f for f in result.json() if f["rule"] == "PRIVACY-DENY-LIST"]
        assert problem and problem[0]["path"] == "supervision.yml"
        assert problem[0]["line"] == config_line
        assert "cannot be read" in problem[0]["message"]
    env_missing = agenda_repo.cli("check", relpath, env=_env(tmp_path / "nope.txt"))
    assert env_missing.code == 1 and "SUPERVISION_DENY_LIST" in env_missing.out
    inside = agenda_repo.root / "deny.txt"
    inside.write_text("Olamide\n")
    result = agenda_repo.cli("check", relpath, env=_env(inside))
    assert result.code == 1 and "inside the records repository" in result.out


def test_changed_deny_list_rescans_cached_records(agenda_repo: RecordsRepoFixture,
                                                  tmp_path: Path) -> None:
    deny = tmp_path / "deny.txt"
    deny.write_text("Olamide\n")
    relpath = _session(agenda_repo, "Spoke with Tyrone about lunchtimes.")
    add_planned_sessions(agenda_repo)  # enough records for `check` to use its cache
    first = agenda_repo.cli("check", "--format", "json", env=_env(deny))
    assert per_record(first.json()) == []  # now cached
    store = agenda_repo.root / ".git" / "supervision" / "store.sqlite"
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT count(*) FROM rows WHERE ns = 'check' AND key = ?",
                            (relpath,)).fetchone() == (1,)
    deny.write_text("Olamide\nTyrone\n")
    again = per_record(agenda_repo.cli("check", "--format", "json", env=_env(deny)).json())
    assert [f["rule"] for f in again] == ["PRIVACY-DENY-LIST-NAME"]
    assert again[0]["path"] == relpath


def test_staff_names_only_in_people_fields(agenda_repo: RecordsRepoFixture) -> None:
    relpath = _session(agenda_repo, "Sam Sample led; Mr. Fictional took notes; the sample "
                                    "of files was fine.")
    result = agenda_repo.check(relpath)
    assert [f["rule"] for f in result.json()] == ["PRIVACY-STAFF-NAME"] * 2
    # The same people by id in the people fields are fine.
    assert "supervisee: dsl-sample" in (agenda_repo.root / relpath).read_text()


def test_identifiers_in_comments_and_unknown_fields(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    text = yaml.safe_dump(data, sort_keys=False)
    text += "# mum's mobile 07700 900123\nnotes_typo: NHS 943 476 5870\n"
    agenda_repo.write(relpath, text)
    found = {f["rule"]: f for f in agenda_repo.check(relpath).json()}
    assert found["PRIVACY-PHONE"]["message"] == "a phone number is written in a comment"
    assert found["PRIVACY-NHS-NUMBER"]["line"] == text.count("\n")
    assert "notes_typo" not in found["PRIVACY-NHS-NUMBER"]["message"]


WAIVED = "office on 01632 960000  # supervision: allow PRIVACY-PHONE - the school office number"


def test_waivers(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    data["wellbeing"]["discussion"] = "PLACEHOLDER"
    lines = yaml.safe_dump(data, sort_keys=False).split("\n")
    index = next(i for i, line in enumerate(lines) if "PLACEHOLDER" in line)
    lines[index:index + 1] = [
        "  discussion: |",
        f"    Rang the {WAIVED}",
        "    Then 01632 960111  # supervision: allow PRIVACY-PHONE",
        "    Then 01632 960222  # supervision: allow PRIVACY-EMAIL - not an email at all",
        "    Then 01632 960333  # supervision: allow SCHEMA-REQUIRED - trying to skip a rule",
        "    Quiet line  # supervision: allow PRIVACY-UPN - nothing here to waive",
    ]
    agenda_repo.write(relpath, "\n".join(lines))
    first = index + 2
    result = agenda_repo.check(relpath)
    got = sorted((f["line"], f["rule"], f["severity"]) for f in result.json())
    assert got == [
        (first + 1, "PRIVACY-PHONE", "error"),           # no reason: not waived...
        (first + 1, "PRIVACY-WAIVER-INVALID", "error"),  # ...and reported
        (first + 2, "PRIVACY-PHONE", "error"),           # waiver names another rule
        (first + 2, "PRIVACY-WAIVER-UNUSED", "warning"),
        (first + 3, "PRIVACY-PHONE", "error"),           # only privacy findings waive
        (first + 3, "PRIVACY-WAIVER-INVALID", "error"),
        (first + 4, "PRIVACY-WAIVER-UNUSED", "warning"),
    ]
    listed = agenda_repo.cli("check", "--waivers")
    assert listed.code == 0
    assert (f"{relpath}:{first}: PRIVACY-PHONE: the school office number\n" in listed.out)
    assert f"{relpath}:{first + 1}: PRIVACY-PHONE: - (NOT VALID" in listed.out
    assert "5 waivers in 1 file." in listed.out
    as_json = json.loads(agenda_repo.cli("check", "--waivers", "--format", "json").out)
    col = f"    Rang the {WAIVED}".index("#") + 1
    assert as_json[0] == {"path": relpath, "line": first, "col": col, "rules": ["PRIVACY-PHONE"],
                          "reason": "the school office number", "valid": True, "problem": ""}


def test_waiver_only_on_its_own_line_and_not_inside_quotes(agenda_repo: RecordsRepoFixture,
                                                           tmp_path: Path) -> None:
    deny = tmp_path / "deny.txt"
    deny.write_text("Tyrone\n")
    relpath, data = agenda_repo.filled("session")
    data["wellbeing"]["discussion"] = "PLACEHOLDER"
    text = yaml.safe_dump(data, sort_keys=False)
    text = text.replace(
        "discussion: PLACEHOLDER",
        'discussion: "Tyrone # supervision: allow PRIVACY-DENY-LIST-NAME - inside the quotes"'
        "\n  # supervision: allow PRIVACY-DENY-LIST-NAME - on the line below, so no use")
    agenda_repo.write(relpath, text)
    result = agenda_repo.cli("check", "--format", "json", relpath, env=_env(deny))
    rules = sorted(f["rule"] for f in result.json())
    assert rules == ["PRIVACY-DENY-LIST-NAME", "PRIVACY-WAIVER-UNUSED"]
    # A reason that names someone is listed without the name.
    text = text.replace("on the line below, so no use", "Tyrone is fine here")
    agenda_repo.write(relpath, text)
    listed = agenda_repo.cli("check", "--waivers", env=_env(deny))
    assert "Tyrone" not in listed.out and "[removed] is fine here" in listed.out


def test_guidance_comments_are_not_names(agenda_repo: RecordsRepoFixture,
                                         tmp_path: Path) -> None:
    """A pupil called Will must not make every record's "who will do it" a finding."""
    deny = tmp_path / "deny.txt"
    deny.write_text("Will\n")
    made = agenda_repo.cli("new", "session", "--supervisee", "dsl-sample", "--supervisor",
                           "deputy-sample", "--date", "2026-11-16", env=_env(deny))
    relpath = made.out.strip()
    text = (agenda_repo.root / relpath).read_text()
    assert "will" in text.lower()
    rules = [f["rule"] for f in
             json.loads(agenda_repo.cli("check", "--format", "json", relpath,
                                        env=_env(deny)).out)]
    assert "PRIVACY-DENY-LIST-NAME" not in rules and "SCHEMA-REQUIRED" in rules
    (agenda_repo.root / relpath).write_text(text + "# Will's mum rang\n")
    rules = [f["rule"] for f in
             json.loads(agenda_repo.cli("check", "--format", "json", relpath,
                                        env=_env(deny)).out)]
    assert rules.count("PRIVACY-DENY-LIST-NAME") == 1


def test_case_new_issues_unused_references(agenda_repo: RecordsRepoFixture) -> None:
    relpath, _data = agenda_repo.filled("case-notes")
    written = agenda_repo.cli("case", "new", "--count", "50")
    assert written.code == 0
    refs = written.out.split()
    assert len(refs) == len(set(refs)) == 50
    assert all(re.fullmatch(r"C-[0-9A-HJ-NP-Z]{6}", ref) for ref in refs)
    assert "never in this repository" in written.err
    # A reference already in the repository is never issued again.
    from supervision.privacy.caserefs import issue, used_references

    agenda_repo.write(relpath, _data)
    used = used_references(agenda_repo.root, r"^C-[0-9A-HJ-NP-Z]{6}$", [relpath])
    assert "C-7K3QXM" in used
    assert "C-7K3QXM" not in issue(r"^C-[0-9A-HJ-NP-Z]{6}$", 200, used)


def test_case_new_with_a_custom_format(agenda_repo: RecordsRepoFixture) -> None:
    _set_config(agenda_repo, case_ref_pattern=r"^PUP-\d{3}[A-Z]{2}$")
    made = agenda_repo.cli("case", "new", "--count", "3")
    assert made.code == 0, made.err
    assert all(re.fullmatch(r"PUP-\d{3}[A-Z]{2}", ref) for ref in made.out.split())
    for pattern, why in ((r"^C-.+$", "open-ended"), (r"^C-[0-9]{2}$", "only 100"),
                         (r"^(C|D)-[0-9]{6}$", "open-ended")):
        _set_config(agenda_repo, case_ref_pattern=pattern)
        refused = agenda_repo.cli("case", "new")
        assert refused.code == 1 and why in refused.err, refused.err
        assert refused.out == ""


def test_an_unset_deny_list_is_a_warning_once_per_check(tmp_path: Path) -> None:
    """`init` leaves the deny list unset (a school must point at its own); until it is set,
    or turned off with `deny_list: none`, every check says once that names are not being
    checked: a warning on supervision.yml, whatever paths were checked."""
    from conftest import RecordsRepoFixture, run_cli

    root = tmp_path / "fresh"
    assert run_cli("init", str(root), "--profile", "agenda", "--no-hooks",
                   cwd=tmp_path).code == 0
    repo = RecordsRepoFixture(root, "agenda")
    config = (root / "supervision.yml").read_text()
    assert "deny_list: none" in config and "\n  deny_list:" not in config  # a comment only
    paths = [_session(repo, "Nothing identifying here.", day=f"2026-11-1{i}")
             for i in (6, 7, 8)]
    for args in ([], [], [paths[0]], paths):  # twice whole (the results cache), then hooks
        result = repo.cli("check", "--format", "json", "--no-time-rules", *args, env=_env())
        assert result.code == 0, result.out
        unset = [f for f in result.json() if f["rule"] == "PRIVACY-DENY-LIST-UNSET"]
        assert len(unset) == 1, (args, result.out)
        assert unset[0]["path"] == "supervision.yml" and unset[0]["severity"] == "warning"
        assert unset[0]["line"] == _line_of(repo, "supervision.yml", "privacy:")
        assert "not being checked" in unset[0]["message"]
        hint = unset[0]["hint"]
        assert "deny_list:" in hint and "SUPERVISION_DENY_LIST" in hint and "none" in hint
    text = repo.cli("check", "--no-time-rules", env=_env())
    assert text.out.count("PRIVACY-DENY-LIST-UNSET") == 1 and text.code == 0
    # A list named by the environment variable, or the setting turned off explicitly.
    deny = tmp_path / "deny.csv"
    deny.write_text(DENY_CSV)
    named = repo.cli("check", "--format", "json", "--no-time-rules", env=_env(deny))
    assert "PRIVACY-DENY-LIST-UNSET" not in {f["rule"] for f in named.json()}
    _set_config(repo, deny_list="none")
    off = repo.cli("check", "--format", "json", "--no-time-rules", env=_env())
    assert off.code == 0 and off.json() == [], off.out

"""Bad input is a feature: every kind of broken file gets a located finding,
exit code 1, no traceback, no hang, and no file is changed."""

from __future__ import annotations

import pytest

from conftest import RecordsRepoFixture, digest_tree

SESSION = "records/example-school/2026-27/dsl-sample/2026-11-16-session.yaml"


def _expect(repo: RecordsRepoFixture, relpath: str, rule: str, line: int | None = None) -> dict:
    before = digest_tree(repo.root)
    result = repo.check(relpath)
    assert result.code == 1, result.out + result.err
    findings = result.json()
    matching = [f for f in findings if f["rule"] == rule]
    assert matching, f"expected {rule}, got {findings}"
    for f in findings:
        assert set(f) == {"path", "line", "col", "rule", "severity", "message", "hint"}
        assert f["path"] == relpath
        assert f["line"] >= 1 and f["col"] >= 1 and f["hint"]
    if line is not None:
        assert matching[0]["line"] == line, matching
    assert digest_tree(repo.root) == before, "a validator changed a file"
    # The same finding in text form, as pre-commit shows it.
    text = repo.cli("check", relpath)
    assert text.code == 1
    first = matching[0]
    assert f"{relpath}:{first['line']}:{first['col']}: {rule} " in text.out
    assert "    hint: " in text.out
    return matching[0]


def test_malformed_yaml(agenda_repo: RecordsRepoFixture) -> None:
    agenda_repo.write(SESSION, "kind: session\ndate: [2026-11-16\nschool: x\n")
    _expect(agenda_repo, SESSION, "YAML-SYNTAX", line=3)


def test_duplicate_keys(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    import yaml
    text = yaml.safe_dump(data, sort_keys=False) + "duration_minutes: 45\n"
    agenda_repo.write(relpath, text)
    found = _expect(agenda_repo, relpath, "YAML-DUPLICATE-KEY", line=text.count("\n"))
    assert "first given on line" in found["message"]


def test_tabs(agenda_repo: RecordsRepoFixture) -> None:
    agenda_repo.write(SESSION, "kind: session\nwellbeing:\n\tdiscussion: hello\n")
    found = _expect(agenda_repo, SESSION, "YAML-TAB", line=3)
    assert found["col"] == 1


def test_wrong_types(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    data["duration_minutes"] = "an hour"
    data["wellbeing"] = ["not", "a", "section"]
    agenda_repo.write(relpath, data)
    result = agenda_repo.check(relpath)
    messages = {f["message"] for f in result.json() if f["rule"] == "SCHEMA-TYPE"}
    assert "'duration_minutes' must be a whole number" in messages
    assert any(m.startswith("'wellbeing' must be a set of fields") for m in messages)
    _expect(agenda_repo, relpath, "SCHEMA-TYPE")


def test_unknown_key_suggests_the_right_one(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    data["welbeing"] = data.pop("wellbeing")
    agenda_repo.write(relpath, data)
    found = _expect(agenda_repo, relpath, "SCHEMA-UNKNOWN-KEY")
    assert "did you mean 'wellbeing'" in found["message"]


def test_empty_file(agenda_repo: RecordsRepoFixture) -> None:
    agenda_repo.write(SESSION, "")
    _expect(agenda_repo, SESSION, "FILE-EMPTY", line=1)
    agenda_repo.write(SESSION, "# only a comment\n")
    _expect(agenda_repo, SESSION, "FILE-EMPTY")


def test_ten_megabyte_file(agenda_repo: RecordsRepoFixture) -> None:
    agenda_repo.write(SESSION, "kind: session\nnotes: |\n" + ("  " + "x" * 1000 + "\n") * 10_000)
    found = _expect(agenda_repo, SESSION, "FILE-TOO-LARGE")
    assert "10,0" in found["message"]


def test_non_utf8_bytes(agenda_repo: RecordsRepoFixture) -> None:
    path = agenda_repo.root / SESSION
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"kind: session\nschool: caf\xe9\n")
    found = _expect(agenda_repo, SESSION, "FILE-ENCODING", line=2)
    assert found["col"] == 12


def test_yaml_bomb_is_refused_quickly(agenda_repo: RecordsRepoFixture) -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    agenda_repo.write(SESSION, "\n".join(lines) + "\n")
    _expect(agenda_repo, SESSION, "YAML-ALIAS", line=1)


def test_path_outside_records(agenda_repo: RecordsRepoFixture) -> None:
    _relpath, data = agenda_repo.filled("session")
    agenda_repo.write("notes/session.yaml", data)
    _expect(agenda_repo, "notes/session.yaml", "PATH-OUTSIDE-RECORDS")


def test_unknown_person(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    data["supervisor"] = "deputy-sampel"
    agenda_repo.write(relpath, data)
    found = _expect(agenda_repo, relpath, "PERSON-UNKNOWN")
    assert "did you mean 'deputy-sample'" in found["message"]


def test_impossible_date(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    agenda_repo.write(relpath, data)
    text = (agenda_repo.root / relpath).read_text()
    broken = text.replace("date: '2026-11-16'", "date: 2026-02-30").replace(
        "date: 2026-11-16", "date: 2026-02-30")
    assert broken != text
    agenda_repo.write(relpath, broken)
    found = _expect(agenda_repo, relpath, "DATE-INVALID")
    assert "2026-02-30, which is not a real date" in found["message"]


@pytest.mark.parametrize("text,rule", [
    ("- just\n- a list\n", "SCHEMA-TYPE"),
    ("kind: memo\n", "SCHEMA-KIND"),
    ("school: example-school\n", "SCHEMA-KIND"),
    ("kind: session\n---\nkind: session\n", "YAML-MULTI-DOCUMENT"),
    ("kind: !!python/object:os.system session\n", "YAML-TAG"),
    ("kind: session\n" + "x: " + "[" * 60 + "]" * 60 + "\n", "YAML-SYNTAX"),
    ("[a, b]: 1\n", "YAML-KEY-TYPE"),
])
def test_other_shapes(agenda_repo: RecordsRepoFixture, text: str, rule: str) -> None:
    agenda_repo.write(SESSION, text)
    _expect(agenda_repo, SESSION, rule)


def test_missing_file_is_a_finding(agenda_repo: RecordsRepoFixture) -> None:
    result = agenda_repo.check(SESSION)
    assert result.code == 1
    assert result.rules() == ["FILE-UNREADABLE"]


def test_broken_people_file(agenda_repo: RecordsRepoFixture) -> None:
    people = agenda_repo.root / "people.yml"
    people.write_text(people.read_text().replace("roles: [dsl]", "roles: [dls]", 1))
    result = agenda_repo.check()
    assert result.code == 1
    found = [f for f in result.json() if f["path"] == "people.yml"]
    assert found and found[0]["rule"] == "SCHEMA-CHOICE"
    assert found[0]["line"] > 1

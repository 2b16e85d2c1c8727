"""`supervision status`: per person, overdue / due soon / awaiting signature."""

from __future__ import annotations

import subprocess
import sys

from conftest import RecordsRepoFixture, add_planned_sessions, git_env, on_terminal
from timeline import Timeline, items


def _scene(repo: RecordsRepoFixture) -> Timeline:
    """dsl-sample: an overdue action; ddsl-sample: a record awaiting its commit, training due."""
    t = Timeline(repo)
    for pid in ("dsl-sample", "ddsl-sample"):
        t.add("contract", "2026-09-01", supervisee=pid)
    t.add("session", "2026-09-21", actions=[
        {"action": "Update the chronology", "owner": "dsl-sample", "due": "2026-10-30",
         "status": "open"},
        {"action": "Refresh the safeguarding noticeboard", "owner": "dsl-sample",
         "due": "2026-11-30", "status": "open"}])
    t.add("session", "2026-09-23", supervisee="ddsl-sample")
    t.commit("2026-09-24")
    t.add("session", "2026-10-05", group=True)  # the half-termly group: both of them
    t.commit("2026-10-06")
    _entered_on_chronologies(t, "2026-10-07")  # the DSLs did that part on time
    t.add("session", "2026-11-18", supervisee="ddsl-sample")       # written, not committed
    t.person("ddsl-sample", dsl_training="2025-01-20")             # renewal due 2027-01-20
    return t


def _entered_on_chronologies(t: Timeline, day: str) -> None:
    """Every committed record's decisions entered on the children's chronologies."""
    listed = t.repo.cli("chronology", "--format", "json", "--today", day)
    assert listed.code == 0, listed.err
    by_person: dict[tuple[str, str], set[str]] = {}
    for row in listed.json():
        key = (row["supervisee"], row["record"])
        by_person.setdefault(key, set()).add(row["record"])
    for (who, record), _paths in sorted(by_person.items()):
        by = ["--by", who.split(", ")[0]] if ", " in who else []
        done = t.repo.cli("chronology", "done", record, *by, "--date", day, "--today", day)
        assert done.code == 0, done.err
    t.commit(day)


def test_organisation_view_json(agenda_repo: RecordsRepoFixture) -> None:
    t = _scene(agenda_repo)
    status = t.status("2026-11-22")
    summary = status["summary"]
    assert summary["text"].startswith("Test Trust, 2026-11-22: ")
    assert status["due_within_days"] == 14
    overdue = items(status, "dsl-sample", "overdue")
    assert [(i["rule"], i["due"]) for i in overdue] == [("ACTION-DUE", "2026-10-30")]
    due = items(status, "dsl-sample", "due_soon")
    assert ("ACTION-DUE", "2026-11-30") in [(i["rule"], i["due"]) for i in due]
    waiting = items(status, "deputy-sample", "awaiting_signature")
    assert [(i["rule"], i["due"]) for i in waiting] == [("RECORD-DEADLINE", "2026-12-02")]
    training = [i for i in items(status, "ddsl-sample", "due_soon")
                if i["rule"] == "DSL-TRAINING-DUE"]
    assert [i["due"] for i in training] == ["2027-01-20"]
    # Counted once each, however many people an item is listed under.
    assert summary["overdue"] == len({(i["rule"], i["path"], i["line"]) for p in status["people"]
                                      for i in p["overdue"]})
    # Most urgent person first: the only one with something overdue.
    assert status["people"][0]["id"] == "dsl-sample"
    # Free text never appears: the actions' wording stays in the records.
    assert "Update the chronology" not in str(status) and "noticeboard" not in str(status)


def test_person_school_and_window(agenda_repo: RecordsRepoFixture) -> None:
    t = _scene(agenda_repo)
    mine = t.status("2026-11-22", "--person", "ddsl-sample")
    assert [p["id"] for p in mine["people"]] == ["ddsl-sample"]
    assert mine["summary"]["text"].startswith("Robin Placeholder (ddsl-sample), 2026-11-22:")
    assert all("ddsl-sample" in i["people"] for p in mine["people"]
               for section in ("overdue", "due_soon", "awaiting_signature") for i in p[section])
    # Nothing of dsl-sample's, and nothing about their records.
    assert "dsl-sample/2026-09-21" not in str(mine)
    narrow = t.status("2026-11-22", "--due-within", "3")
    assert [i["due"] for i in items(narrow, "dsl-sample", "due_soon")
            if i["rule"] == "ACTION-DUE"] == []
    assert narrow["due_within_days"] == 3 and " due soon, " in narrow["summary"]["text"]
    other = t.status("2026-11-22", "--school", "example-school")
    assert other["people"]
    nobody = t.repo.cli("status", "--person", "dsl-sampel", "--today", "2026-11-22")
    assert nobody.code == 2 and "not a person in people.yml" in nobody.err
    assert "dsl-sample" in nobody.err  # did you mean
    unknown = t.repo.cli("status", "--school", "nowhere", "--today", "2026-11-22")
    assert unknown.code == 2 and "not a school" in unknown.err


def test_table_has_summary_first_and_colour_only_on_a_terminal(agenda_repo: RecordsRepoFixture
                                                               ) -> None:
    t = _scene(agenda_repo)
    piped = t.repo.cli("status", "--today", "2026-11-22")
    assert piped.code == 0
    lines = piped.out.splitlines()
    assert lines[0].startswith("Test Trust, 2026-11-22: 1 overdue")
    assert "\x1b[" not in piped.out
    assert any(line.startswith("Sam Sample (dsl-sample") for line in lines)
    assert any("overdue" in line and "2026-10-30" in line for line in lines)
    # On a terminal (a real pseudo-terminal), the same report is coloured.
    code, shown, err = on_terminal("status", "--today", "2026-11-22", cwd=t.root,
                                   env=git_env())
    assert code == 0, err
    assert "\x1b[" in shown and "Test Trust, 2026-11-22" in shown
    # Piped, the text is written without rich; it is exactly what rich shows, uncoloured.
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", shown).replace("\r\n", "\n") == piped.out


def test_status_reads_the_check_cache_not_the_yaml(agenda_repo: RecordsRepoFixture) -> None:
    """Facts come from the cache `check` keeps: the same answer, without re-parsing."""
    t = _scene(agenda_repo)
    # Below CACHE_MIN_FILES records, parsing is quicker than loading a cache: add planned
    # sessions so the repository is big enough for the cache to be used.
    add_planned_sessions(agenda_repo)
    first = t.status("2026-11-22")
    code = (
        "import sys\n"
        "import supervision.forms.yamlparse as y\n"
        "calls = []\n"
        "original = y.parse_file\n"
        "y.parse_file = lambda *a, **k: (calls.append(a[1]), original(*a, **k))[1]\n"
        "from supervision.cli import main\n"
        "rc = main(['status', '--format', 'json', '--today', '2026-11-22'])\n"
        "sys.stderr.write('PARSED ' + ' '.join(c for c in calls if c.startswith('records')))\n"
    )
    done = _python(t, code)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "PARSED", done.stderr  # no record was parsed again
    assert first == __import__("json").loads(done.stdout)


def test_check_path_stays_light(agenda_repo: RecordsRepoFixture) -> None:
    t = _scene(agenda_repo)
    code = (
        "import sys\n"
        "from supervision.cli import main\n"
        "rc = main(['check', '--today', '2026-11-22'])\n"
        "heavy = sorted(m for m in ('git', 'rich', 'icalendar', 'mkdocs', 'gnupg') "
        "if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    done = _python(t, code)
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr


def _python(t: Timeline, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=t.root, capture_output=True,
                          text=True, timeout=60, env=git_env())

"""The school calendar: half terms, bank holidays, working days, bad calendars."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import RecordsRepoFixture
from supervision.deadlines.school_calendar import load_calendar
from supervision.deadlines.school_year import academic_year

D = dt.date


@pytest.fixture
def calendar(agenda_repo: RecordsRepoFixture):
    cal = load_calendar(agenda_repo.root)
    assert cal.problems == []
    return cal


def test_half_terms_and_holidays(calendar) -> None:
    halves = calendar.half_terms("2026-27")
    assert [h.name for h in halves] == ["Autumn 1", "Autumn 2", "Spring 1", "Spring 2",
                                       "Summer 1", "Summer 2"]
    assert calendar.half_term_of(D(2026, 11, 16)).name == "Autumn 2"
    assert calendar.half_term_of(D(2026, 11, 16)).term_key == "2026-27 Autumn"
    assert calendar.half_term_of(D(2026, 10, 28)) is None  # October half-term holiday
    assert calendar.next_half_term(D(2026, 10, 28)).name == "Autumn 2"
    assert academic_year(D(2027, 8, 31)) == "2026-27" and academic_year(D(2027, 9, 1)) == "2027-28"


def test_english_bank_holidays_include_easter_monday(calendar) -> None:
    assert calendar.bank_holiday(D(2027, 3, 29)) is not None   # Easter Monday
    assert calendar.bank_holiday(D(2026, 12, 28)) is not None  # Boxing Day, observed
    assert calendar.bank_holiday(D(2026, 11, 30)) is None      # St Andrew's Day: Scotland only


def test_ten_working_days_across_christmas(calendar) -> None:
    # Thursday 17 December: Christmas Day, Boxing Day (observed Monday 28th) and New Year's Day
    # are not working days, so ten working days run to Tuesday 5 January.
    assert calendar.add_working_days(D(2026, 12, 17), 10) == D(2027, 1, 5)
    assert calendar.working_days_between(D(2026, 12, 17), D(2027, 1, 5)) == 10
    assert calendar.is_working_day(D(2026, 12, 21))            # a holiday weekday still counts


def test_school_days_skip_holidays_and_closures(agenda_repo: RecordsRepoFixture) -> None:
    cal = load_calendar(agenda_repo.root, working_days="school-days")
    assert not cal.is_working_day(D(2026, 12, 21))   # Christmas holidays
    assert not cal.is_working_day(D(2027, 1, 4))     # staff training day closure
    # Friday 18 December is the last day of term; the next school day is Tuesday 5 January.
    assert cal.add_working_days(D(2026, 12, 17), 2) == D(2027, 1, 5)


def test_other_nations(agenda_repo: RecordsRepoFixture) -> None:
    scotland = load_calendar(agenda_repo.root, nation="SCT")
    assert scotland.bank_holiday(D(2026, 11, 30)) is not None
    assert scotland.bank_holiday(D(2027, 3, 29)) is None


def _write_calendar(root: Path, text: str, name: str = "2026-27.yml") -> str:
    (root / "calendar" / name).write_text(text)
    return f"calendar/{name}"


GOOD = (Path(__file__).resolve().parent.parent / "calendar" / "2026-27.yml").read_text()


@pytest.mark.parametrize("change,rule,needle", [
    (("end: 2026-10-23", "end: 2026-11-05"), "CALENDAR-OVERLAP", "starts on 2026-11-02"),
    (("      - {name: Summer 2, start: 2027-06-07, end: 2027-07-21}\n", ""), "SCHEMA-RANGE",
     "at least 2"),
    (("start: 2027-04-12, end: 2027-05-28", "start: 2027-05-28, end: 2027-04-12"),
     "CALENDAR-INVALID", "ends before it starts"),
    (("end: 2027-07-21", "end: 2027-09-21"), "CALENDAR-INVALID", "outside the 2026-27"),
    (("{date: 2026-09-02, reason", "{date: 2026-10-28, reason"), "CALENDAR-INVALID",
     "not inside a half term"),
    (("year: 2026-27", "year: 2025-26"), "CALENDAR-INVALID", "match the file name"),
    (("start: 2026-09-02", "start: 2026-09-31"), "DATE-INVALID", "not a real date"),
])
def test_bad_calendars_are_located_findings(agenda_repo: RecordsRepoFixture, change, rule,
                                            needle) -> None:
    old, new = change
    assert old in GOOD
    relpath = _write_calendar(agenda_repo.root, GOOD.replace(old, new))
    result = agenda_repo.check(relpath)
    assert result.code == 1, result.out
    found = [f for f in result.json() if f["rule"] == rule]
    assert found, result.json()
    assert found[0]["path"] == relpath and found[0]["line"] > 1
    assert any(needle in f["message"] for f in found), found
    whole = agenda_repo.check()
    assert rule in whole.rules()


def test_badly_named_calendar_file(agenda_repo: RecordsRepoFixture) -> None:
    relpath = _write_calendar(agenda_repo.root, GOOD, name="autumn.yml")
    result = agenda_repo.check(relpath)
    assert result.code == 1
    assert "CALENDAR-INVALID" in result.rules()


def test_bank_holidays_are_remembered_between_runs(agenda_repo: RecordsRepoFixture) -> None:
    import json
    import subprocess
    import sys

    from supervision.deadlines.school_calendar import bank_holidays

    folder = agenda_repo.root / ".git" / "supervision"
    fresh = bank_holidays("ENG", 2026, 2027, folder)
    stored = json.loads((folder / "bank-holidays.json").read_text())
    assert stored["dates"]["2027-03-29"] == fresh[D(2027, 3, 29)]
    assert bank_holidays("ENG", 2026, 2027, folder) == fresh
    assert D(2026, 11, 30) in bank_holidays("SCT", 2026, 2027, folder)  # another key: rebuilt
    (folder / "bank-holidays.json").write_text("{broken")
    assert bank_holidays("ENG", 2026, 2027, folder) == fresh
    # A warm check reads the remembered dates and never imports the holidays package.
    agenda_repo.check()
    code = ("import sys\nfrom supervision.cli import main\nmain(['check'])\n"
            "print('HOLIDAYS', 'holidays' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=agenda_repo.root,
                          capture_output=True, text=True, timeout=60)
    assert "HOLIDAYS False" in done.stdout, done.stdout + done.stderr

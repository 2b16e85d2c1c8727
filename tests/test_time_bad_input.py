"""Bad dates and calendars meet the time rules: located findings, never a crash."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import RecordsRepoFixture
from timeline import Timeline, by_rule, line_of, messages

GOOD = (Path(__file__).resolve().parent.parent / "calendar" / "2026-27.yml").read_text()


def test_sessions_on_days_the_school_is_closed(agenda_repo: RecordsRepoFixture) -> None:
    t = Timeline(agenda_repo)
    t.add("contract", "2026-09-01")
    t.commit("2026-09-01")
    cases = {
        t.add("session", "2027-05-03", status="planned"): "May Day, a bank holiday",
        t.add("session", "2026-10-28"): "between Autumn 1 and Autumn 2",
        t.add("session", "2027-01-04", status="planned"): "closure day",
        t.add("session", "2026-11-21"): "Saturday",
    }
    found = by_rule(t.check("2026-11-22"), "SESSION-DATE")
    assert {f["path"] for f in found} == set(cases), messages(found)
    for f in found:
        assert f["severity"] == "warning"
        assert cases[f["path"]].lower() in f["message"].lower(), f["message"]
        assert f["line"] == line_of(t.root / f["path"], "date:")


def test_no_calendar_for_a_sessions_year(agenda_repo: RecordsRepoFixture) -> None:
    t = Timeline(agenda_repo)
    t.add("contract", "2026-09-01")
    next_year = t.add("session", "2027-10-04", status="planned")
    found = by_rule(t.check("2026-11-22"), "CALENDAR-YEAR-MISSING")
    assert [(f["path"], f["severity"]) for f in found] == [(next_year, "error")]
    assert "calendar/2027-28.yml" in found[0]["message"]
    assert found[0]["line"] == line_of(t.root / next_year, "date:")
    # In September 2027 the current year has no calendar either; the session in that year
    # already says so, so it is not said again in the settings.
    later = by_rule(t.check("2027-09-10"), "CALENDAR-YEAR-MISSING")
    assert [(f["path"], f["severity"]) for f in later] == [(next_year, "error")]


def test_current_year_without_a_calendar_is_reported_in_the_settings(
        agenda_repo: RecordsRepoFixture) -> None:
    t = Timeline(agenda_repo)
    t.add("contract", "2026-09-01")
    found = by_rule(t.check("2027-09-10"), "CALENDAR-YEAR-MISSING")
    assert [(f["path"], f["line"]) for f in found] == [
        ("supervision.yml", line_of(t.root / "supervision.yml", "calendar:"))]
    assert "2027-28" in found[0]["message"]


def test_broken_calendars_do_not_break_the_time_rules(agenda_repo: RecordsRepoFixture) -> None:
    t = Timeline(agenda_repo)
    t.add("contract", "2026-09-01")
    session = t.add("session", "2026-11-16")
    for old, new, rule in [
        ("end: 2026-10-23", "end: 2026-11-05", "CALENDAR-OVERLAP"),       # overlapping
        ("      - {name: Summer 2, start: 2027-06-07, end: 2027-07-21}\n", "",
         "SCHEMA-RANGE"),                                                    # a half term missing
    ]:
        (t.root / "calendar" / "2026-27.yml").write_text(GOOD.replace(old, new))
        found = t.check("2026-11-22")
        assert rule in {f["rule"] for f in found}
        missing = by_rule(found, "CALENDAR-YEAR-MISSING")
        assert [f["path"] for f in missing] == [session]
        assert "calendar/2026-27.yml has problems" in missing[0]["message"]
        status = t.repo.cli("status", "--today", "2026-11-22")
        assert status.code == 0, status.err
        shown = t.repo.cli("calendar", "show", "2026-27")
        assert shown.code == 1 and rule in shown.out


def test_rebook_date_before_the_cancelled_date(any_repo: RecordsRepoFixture) -> None:
    t = Timeline(any_repo)
    t.add("contract", "2026-09-01")
    wrong = t.add("session", "2026-11-18", status="cancelled",
                  cancellation={"by": "dsl-sample", "rebooked_to": "2026-11-10"})
    found = by_rule(t.check("2026-11-22", wrong), "REBOOK-DATE")
    assert [(f["severity"], f["line"]) for f in found] == [
        ("error", line_of(t.root / wrong, "rebooked_to:"))]
    assert "before the cancelled session's date 2026-11-18" in found[0]["message"]


def test_time_rules_skip_what_they_cannot_read(agenda_repo: RecordsRepoFixture) -> None:
    """A record with an impossible date or broken YAML still gets its own findings only."""
    t = Timeline(agenda_repo)
    t.add("contract", "2026-09-01")
    bad_date = t.add("session", "2026-11-16")
    t.replace(bad_date, "2026-11-16", "2026-11-31")
    t.repo.write("records/example-school/2026-27/dsl-sample/2026-11-17-session.yaml",
                 "kind: session\nstatus: [held\n")
    found = t.check("2026-11-22")
    assert "DATE-INVALID" in {f["rule"] for f in found}
    assert "YAML-SYNTAX" in {f["rule"] for f in found}


class VerifiedForTest:
    """Stands in for the verify-based sign-off source (issue 3) at its documented plug point.

    Sign-offs are given per path; this is the SignoffSource protocol, not a mock of git.
    """

    from_signatures = True
    notices: list = []  # nothing verify asks of anyone here

    def __init__(self, signed: dict[str, list], committed: dict[str, dt.date]) -> None:
        self.signed = signed
        self.committed = committed

    def sees(self, form: str, role: str) -> bool:
        return True

    def signoffs(self, path: str) -> list:
        return self.signed.get(path, [])

    def first_committed(self, path: str) -> dt.date | None:
        return self.committed.get(path)


def _evaluate(repo: RecordsRepoFixture, today: str, source: object | None) -> list:
    from supervision.checker import Checker, CrossContext
    from supervision.deadlines.time_rules import evaluate

    records = repo.load_profile()
    day = dt.date.fromisoformat(today)
    facts = Checker(records, today=day).records(records.record_files()).facts
    ctx = CrossContext(records, facts, None, day)
    if source is not None:
        ctx.__dict__["signoffs"] = source  # what signoff_source() will return after issue 3
    return evaluate(ctx)


def test_supervisee_response_and_contract_signatures_with_verified_signoffs(
        any_repo: RecordsRepoFixture) -> None:
    from supervision.signing.signoff_dates import Signoff

    t = Timeline(any_repo)
    contract = t.add("contract", "2026-09-01")
    first = t.add("session", "2026-10-05")
    second = t.add("session", "2026-11-16")
    t.commit("2026-11-17")
    day = dt.date
    source = VerifiedForTest(
        signed={
            contract: [Signoff("supervisor", "deputy-sample", day(2026, 9, 1))],
            first: [Signoff("supervisor", "deputy-sample", day(2026, 10, 6))],
            second: [Signoff("supervisor", "deputy-sample", day(2026, 11, 17))],
        },
        committed={contract: day(2026, 9, 1), first: day(2026, 10, 6), second: day(2026, 11, 17)})
    found = _evaluate(any_repo, "2026-11-22", source)
    response = [i for i in found if i.rule == "SUPERVISEE-RESPONSE"]
    # The first record was never signed by the supervisee and the next session has passed.
    assert [(i.path, i.state, i.severity) for i in response] == [
        (first, "overdue", "error"), (second, "awaiting", None)]
    assert "2026-11-16" in response[0].message and response[0].people == ("dsl-sample",)
    unsigned = [i for i in found if i.rule == "CONTRACT-UNSIGNED"]
    assert [(i.path, i.severity, i.people) for i in unsigned] == [
        (contract, "error", ("dsl-sample",))]
    # A recorded disagreement answers the record too.
    t.edit_yaml(first, lambda d: d.update(disagreement="We see the plan differently."))
    after = _evaluate(any_repo, "2026-11-22", source)
    assert [i.path for i in after if i.rule == "SUPERVISEE-RESPONSE"] == [second]
    # With commit dates only, the supervisee's sign-off cannot be seen: the rule is silent.
    plain = _evaluate(any_repo, "2026-11-22", None)
    assert not [i for i in plain if i.rule in ("SUPERVISEE-RESPONSE", "CONTRACT-UNSIGNED")]

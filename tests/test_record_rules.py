"""Single-record policy rules, each with the profile number that drives it."""

from __future__ import annotations

from conftest import RecordsRepoFixture


def _findings(repo: RecordsRepoFixture, relpath: str, data: dict) -> list[dict]:
    repo.write(relpath, data)
    result = repo.check(relpath)
    return result.json()


def _only(findings: list[dict], rule: str) -> dict:
    matching = [f for f in findings if f["rule"] == rule]
    assert len(matching) == 1, findings
    return matching[0]


def test_too_many_cases_agenda(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    data["case_management"]["cases"] = [
        {"case_ref": ref, "case_status": "CiN"}
        for ref in ("C-AAAAA1", "C-AAAAA2", "C-AAAAA3", "C-AAAAA4")]
    found = _only(_findings(agenda_repo, relpath, data), "CASES-TOO-MANY")
    assert "4 cases" in found["message"] and "at most 3" in found["message"]


def test_reflective_needs_two_cases(reflective_repo: RecordsRepoFixture) -> None:
    relpath, data = reflective_repo.filled("session")
    data["cases"] = data["cases"][:1]
    found = _only(_findings(reflective_repo, relpath, data), "CASES-TOO-FEW")
    assert "asks for 2" in found["message"]


def test_duration_bounds_come_from_the_profile(agenda_repo: RecordsRepoFixture,
                                               reflective_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    data["duration_minutes"] = 75
    found = _only(_findings(agenda_repo, relpath, data), "DURATION-OUT-OF-RANGE")
    assert "at most 60" in found["message"]
    relpath, data = reflective_repo.filled("session")
    data["duration_minutes"] = 75  # the trust policy sets no maximum
    assert _findings(reflective_repo, relpath, data) == []
    data["duration_minutes"] = 45
    found = _only(_findings(reflective_repo, relpath, data), "DURATION-OUT-OF-RANGE")
    assert "at least 60" in found["message"]


def test_actions_need_owner_and_due(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    data["training"]["actions"] = [{"action": "Book the refresher course"}]
    findings = _findings(agenda_repo, relpath, data)
    owner = _only(findings, "ACTION-NO-OWNER")
    due = _only(findings, "ACTION-NO-DUE")
    assert owner["message"] == "'training.actions[1]' has no owner"
    assert owner["line"] == due["line"]
    text = (agenda_repo.root / relpath).read_text().splitlines()
    assert "Book the refresher course" in text[owner["line"] - 1]


def test_decisions_need_reasons_in_agenda(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    data["case_management"]["decisions"] = [{"decision": "Step down to early help"}]
    _only(_findings(agenda_repo, relpath, data), "DECISION-NO-REASON")


def test_immediate_risk_needs_action_and_owner(any_repo: RecordsRepoFixture) -> None:
    relpath, data = any_repo.filled("session")
    data["immediate_risk"] = {"raised": True, "action": "", "owner": None, "referral": "none"}
    found = _only(_findings(any_repo, relpath, data), "RISK-NO-ACTION")
    assert "action or owner" in found["message"]
    data["immediate_risk"].update(action="Referral to children's social care today",
                                  owner="dsl-sample", referral="childrens-social-care")
    assert _findings(any_repo, relpath, data) == []


def test_path_must_match_content(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    wrong = relpath.replace("2026-11-16", "2026-11-09")
    found = _only(_findings(agenda_repo, wrong, data), "PATH-MISMATCH")
    assert relpath in found["message"]
    assert f"git mv {wrong} {relpath}" in found["hint"]


def test_supervisor_cannot_supervise_themselves(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session", supervisor="dsl-sample")
    _only(_findings(agenda_repo, relpath, data), "SUPERVISOR-IS-SUPERVISEE")


def test_unknown_school(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    data["school"] = "elsewhere"
    found = _only(_findings(agenda_repo, relpath, data), "SCHOOL-UNKNOWN")
    assert "example-school" in found["hint"]


def test_case_ref_must_be_a_pseudonym_and_is_never_echoed(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    data["case_management"]["cases"] = [{"case_ref": "Jamie Fictional", "case_status": "CiN"}]
    findings = _findings(agenda_repo, relpath, data)
    found = _only(findings, "CASE-REF-FORMAT")
    assert "Jamie" not in found["message"] + found["hint"]


def test_planned_session_needs_no_content(agenda_repo: RecordsRepoFixture) -> None:
    made = agenda_repo.cli("new", "session", "--supervisee", "dsl-sample", "--supervisor",
                           "deputy-sample", "--date", "2027-01-11", "--status", "planned")
    assert made.code == 0, made.err
    assert agenda_repo.check(made.out.strip()).code == 0


def test_cancelled_session_needs_details(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    data["status"] = "cancelled"
    _only(_findings(agenda_repo, relpath, data), "SESSION-CANCELLED-NO-DETAILS")
    data["cancellation"] = {"by": "deputy-sample", "reason": "Illness",
                            "rebooked_to": "2026-11-23"}
    assert _findings(agenda_repo, relpath, data) == []


def test_whole_repo_json_lists_every_problem(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    data["duration_minutes"] = 90
    data["supervisor"] = "nobody-here"
    data["wellbeing"]["actions"] = [{"action": "Call back", "due": "2026-13-01"}]
    del data["training"]
    agenda_repo.write(relpath, data)
    agenda_repo.write(*agenda_repo.filled("contract"))  # no CONTRACT-MISSING for the session
    result = agenda_repo.check()
    assert result.code == 1
    rules = sorted(f["rule"] for f in result.json())
    assert rules == sorted(["DURATION-OUT-OF-RANGE", "PERSON-UNKNOWN", "ACTION-NO-OWNER",
                            "DATE-INVALID", "ACTION-NO-DUE", "SCHEMA-REQUIRED"])
    for finding in result.json():
        assert finding["path"] == relpath and finding["line"] > 1


def test_informal_note_about_a_child_must_be_on_the_chronology(
        reflective_repo: RecordsRepoFixture) -> None:
    relpath, data = reflective_repo.filled("informal")
    data.update(about_a_child=True, logged_on_chronology=False)
    found = _only(_findings(reflective_repo, relpath, data), "ANSWER-MUST-BE-YES")
    assert "'logged_on_chronology'" in found["message"] and "'about_a_child'" in found["message"]
    assert "professionals' meeting" in found["hint"]
    data.update(logged_on_chronology=True)
    assert _findings(reflective_repo, relpath, data) == []
    data.update(about_a_child=False, logged_on_chronology=False)
    assert _findings(reflective_repo, relpath, data) == []

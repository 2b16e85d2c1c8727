"""Disagreements that cannot be resolved: `supervision escalate`, ESCALATION-OPEN and
ESCALATION-INVALID, on both profiles (the Headteacher; the Deputy CEO, then the CEO), with
real git; and, in a signing repository (real gpg), who signs the escalation's resolution.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import RecordsRepoFixture, digest_tree
from signing import SESSION, Keyrings, SignedRepo, build_template, copy_repo
from timeline import Timeline, by_rule, items, line_of, messages

DISAGREEMENT = "We did not agree that the second case's plan was settled."


def _mediator(t: Timeline) -> str:
    """Who the profile's first step goes to: the Headteacher, or a (fictional) Deputy CEO."""
    if t.repo.profile == "agenda":
        return "head-sample"
    t.edit_yaml("people.yml", lambda d: d["people"].append(
        {"id": "dceo-sample", "name": "Dee Example", "roles": ["deputy-ceo"]}))
    return "dceo-sample"


def _disputed(t: Timeline) -> str:
    t.add("contract", "2026-09-01")
    session = t.add("session", "2026-10-05", disagreement=DISAGREEMENT)
    t.commit("2026-10-06")
    return session


def test_escalate_writes_a_record_that_stays_open_until_resolved(any_repo: RecordsRepoFixture
                                                                 ) -> None:
    t = Timeline(any_repo)
    mediator = _mediator(t)
    session = _disputed(t)
    before = (t.root / session).read_bytes()
    done = any_repo.cli("escalate", session, "--to", mediator, "--reason",
                        "We could not agree on the plan for one case.", "--today", "2026-10-09")
    assert done.code == 0, done.err
    relpath = done.out.splitlines()[0]
    assert relpath == "records/example-school/2026-27/dsl-sample/2026-10-09-escalation.yaml"
    assert (t.root / session).read_bytes() == before, "the disputed record is never edited"
    data = yaml.safe_load((t.root / relpath).read_text())
    step = "headteacher" if any_repo.profile == "agenda" else "deputy-ceo"
    assert data["step"] == step and data["mediator"] == mediator
    assert data["disputed"] == {"record": session,
                                "version": t.git("rev-parse", f"HEAD:{session}").strip()}
    assert (data["supervisor"], data["supervisee"]) == ("deputy-sample", "dsl-sample")
    t.commit("2026-10-09")
    assert [f for f in t.check("2026-10-20") if f["path"] == relpath] == []
    # Open: listed for the person it went to, with its age.
    waiting = [i for i in items(t.status("2026-10-20"), mediator, "due_soon")
               if i["rule"] == "ESCALATION-OPEN"]
    assert len(waiting) == 1 and "still open after 11 days" in waiting[0]["message"]
    # Open past the profile's days (agenda 20, reflective 30): a warning.
    late = "2026-11-02" if any_repo.profile == "agenda" else "2026-11-12"
    found = by_rule(t.check(late), "ESCALATION-OPEN")
    assert [(f["path"], f["severity"], f["line"]) for f in found] == [
        (relpath, "warning", line_of(t.root / relpath, "mediator:"))], messages(found)
    assert by_rule(t.check("2026-10-28"), "ESCALATION-OPEN") == [] or \
        any_repo.profile == "agenda"
    # Resolved: nothing more to say.
    t.edit_yaml(relpath, lambda d: d.update(resolution={
        "date": "2026-11-10", "outcome": "Agreed to review the plan with the early help lead."}))
    assert by_rule(t.check(late), "ESCALATION-OPEN") == []
    # The next step of the reflective profile: the CEO.
    if any_repo.profile == "reflective":
        t.edit_yaml("people.yml", lambda d: d["people"].append(
            {"id": "ceo-sample", "name": "Cee Example", "roles": ["ceo"]}))
        t.commit("2026-11-10")
        up = any_repo.cli("escalate", session, "--to", "ceo-sample", "--step", "ceo",
                          "--reason", "The Deputy CEO was involved in the case.",
                          "--today", "2026-11-11")
        assert up.code == 0, up.err


def test_escalate_refuses_and_writes_nothing(any_repo: RecordsRepoFixture) -> None:
    t = Timeline(any_repo)
    mediator = _mediator(t)
    session = _disputed(t)
    agreed = t.add("session", "2026-11-02")
    t.commit("2026-11-03")
    before = digest_tree(any_repo.root)
    reason = ["--reason", "We could not agree."]
    not_disputed = any_repo.cli("escalate", agreed, "--to", mediator, *reason)
    assert not_disputed.code == 1 and "is not disputed" in not_disputed.err
    missing = any_repo.cli("escalate", session.replace("10-05", "10-06"), "--to", mediator,
                           *reason)
    assert missing.code == 1 and "is not a record in this repository" in missing.err
    party = any_repo.cli("escalate", session, "--to", "deputy-sample", *reason)
    assert party.code == 1 and "one of the two people who disagree" in party.err
    no_role = any_repo.cli("escalate", session, "--to", "ddsl-sample", *reason)
    assert no_role.code == 1 and "does not have the role" in no_role.err
    bad_step = any_repo.cli("escalate", session, "--to", mediator, "--step", "governors",
                            *reason)
    assert bad_step.code == 2 and "is not a step of the" in bad_step.err
    unknown = any_repo.cli("escalate", session, "--to", "nobody-here", *reason)
    assert unknown.code == 2
    assert digest_tree(any_repo.root) == before
    assert any_repo.cli("escalate", session, "--to", mediator, *reason).code == 0
    twice = any_repo.cli("escalate", session, "--to", mediator, *reason)
    assert twice.code == 1 and "already escalated" in twice.err


def test_an_escalation_of_the_wrong_record_or_to_the_wrong_person(any_repo: RecordsRepoFixture
                                                                  ) -> None:
    t = Timeline(any_repo)
    mediator = _mediator(t)
    session = _disputed(t)
    agreed = t.add("session", "2026-11-02")
    t.commit("2026-11-03")
    done = any_repo.cli("escalate", session, "--to", mediator, "--reason", "Not agreed.")
    relpath = done.out.splitlines()[0]
    t.edit_yaml(relpath, lambda d: d["disputed"].update(record=agreed))
    found = by_rule(t.check("2026-11-22"), "ESCALATION-INVALID")
    assert [(f["path"], f["line"]) for f in found] == [
        (relpath, line_of(t.root / relpath, "disputed:"))], messages(found)
    assert "with a disagreement recorded" in found[0]["message"]
    t.edit_yaml(relpath, lambda d: (d["disputed"].update(record=session),
                                    d.update(mediator="ddsl-sample")))
    found = by_rule(t.check("2026-11-22"), "ESCALATION-INVALID")
    assert len(found) == 1
    assert "goes to ddsl-sample, whom people.yml does not give the role" in found[0]["message"]


# -- in a repository that signs (real gpg) ---------------------------------------------------
@pytest.fixture(scope="module")
def signed_template() -> Iterator[SignedRepo]:
    keyrings = Keyrings()
    root = Path(tempfile.mkdtemp(dir="/tmp", prefix="sv-esc-")) / "records"
    try:
        yield build_template(root, keyrings)
    finally:
        keyrings.close()


@pytest.fixture
def signed(signed_template: SignedRepo, tmp_path: Path) -> SignedRepo:
    return copy_repo(signed_template, tmp_path / "records")


def test_only_a_disputed_record_is_escalated_and_all_three_sign_the_resolution(
        signed: SignedRepo) -> None:
    assert signed.sign("supervisee", SESSION, "--disagree", DISAGREEMENT).code == 0
    early = signed.cli("escalate", SESSION, "--to", "head-sample", "--reason", "Not agreed.")
    assert early.code == 1 and "its status is awaiting-supervisor" in early.err
    assert signed.sign("supervisor", SESSION).code == 0
    assert signed.status(SESSION) == "disputed"
    done = signed.cli("escalate", SESSION, "--to", "head-sample", "--reason", "Not agreed.",
                      "--today", "2026-11-20")
    assert done.code == 0, done.err
    relpath = done.out.splitlines()[0]
    signed.commit("supervisor", "Escalate the disagreement", relpath)
    assert signed.status(relpath) == "draft"
    # The head (the admin's key) resolves it; the three sign in turn.
    data = yaml.safe_load((signed.root / relpath).read_text())
    data["resolution"] = {"date": "2026-11-25", "outcome": "Agreed to review the plan."}
    signed.write(relpath, data)
    signed.commit("admin", "Resolution of the disagreement", relpath)
    assert signed.sign("admin", relpath).code == 0
    status = signed.cli("status", "--format", "json", "--today", "2026-11-26").json()
    asked = {(p["id"], i["rule"]) for p in status["people"] for i in p["awaiting_signature"]
             if i["path"] == relpath}
    assert asked == {("deputy-sample", "ESCALATION-OPEN"), ("dsl-sample", "ESCALATION-OPEN")}
    wrong = signed.sign("supervisor", relpath, "--as", "mediator")
    assert wrong.code == 1
    for who in ("supervisor", "supervisee"):
        assert signed.sign(who, relpath).code == 0
    assert signed.status(relpath) == "agreed"
    assert signed.status(SESSION) == "disputed", "the disputed record itself is unchanged"
    status = signed.cli("status", "--format", "json", "--today", "2026-11-26").json()
    assert not [i for p in status["people"] for s in ("overdue", "awaiting_signature",
                                                      "due_soon") for i in p[s]
                if i["path"] == relpath]


def test_the_mediator_must_hold_an_escalation_role_to_sign(signed: SignedRepo) -> None:
    assert signed.sign("supervisee", SESSION, "--disagree", DISAGREEMENT).code == 0
    assert signed.sign("supervisor", SESSION).code == 0
    relpath = signed.cli("escalate", SESSION, "--to", "head-sample", "--reason",
                         "Not agreed.").out.splitlines()[0]
    signed.commit("supervisor", "Escalate the disagreement", relpath)
    # The records admin takes the headteacher role away from themselves.
    people = yaml.safe_load((signed.root / "people.yml").read_text())
    for person in people["people"]:
        if person["id"] == "head-sample":
            person["roles"] = ["qa-reviewer", "admin"]
    signed.write("people.yml", people)
    signed.commit("admin", "head-sample is no longer the headteacher", "people.yml")
    refused = signed.sign("admin", relpath)
    assert refused.code == 1 and "none of the roles a disagreement is escalated to" in \
        refused.err


def test_a_chronology_entry_is_signed_by_the_dsl(signed: SignedRepo) -> None:
    for who in ("supervisor", "supervisee"):
        assert signed.sign(who, SESSION).code == 0
    entry = signed.cli("chronology", "done", SESSION, "--today", "2026-11-20").out.splitlines()[0]
    signed.commit("supervisee", "Entered on the chronology", entry)
    status = signed.cli("status", "--format", "json", "--today", "2026-11-22").json()
    waiting = [i for p in status["people"] if p["id"] == "dsl-sample"
               for i in p["awaiting_signature"] if i["path"] == entry]
    assert [i["rule"] for i in waiting] == ["CHRONOLOGY-ENTRY-DUE"]
    assert f"supervision sign {entry}" in waiting[0]["message"]
    assert signed.sign("supervisor", entry).code == 1, "only the DSL signs it"
    assert signed.sign("supervisee", entry).code == 0
    assert signed.status(entry) == "agreed"

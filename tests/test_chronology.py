"""Decisions about a child go on its chronology: CHRONOLOGY-ENTRY-DUE, `supervision
chronology` and `supervision chronology done`, on both profiles, with real git.

The agenda form marks a session's case decisions and actions (and case notes' new
actions); the reflective form marks each case's "what needs to happen" and an informal
note about a child. Timeline strips the synthetic actions, so the items here are the
agenda session's decision and the reflective session's two cases' next steps.
"""

from __future__ import annotations

import csv
import io

import yaml

from conftest import RecordsRepoFixture, digest_tree
from timeline import Timeline, by_rule, items, line_of, messages

SESSION_DAY = "2026-11-02"  # due within 10 (agenda) or 5 (reflective) working days


def _session(t: Timeline) -> tuple[str, list[str]]:
    t.add("contract", "2026-09-01")
    t.commit("2026-09-01")
    session = t.add("session", SESSION_DAY)
    t.commit(SESSION_DAY)
    data = yaml.safe_load((t.root / session).read_text())
    if t.repo.profile == "agenda":
        needles = [data["case_management"]["decisions"][0]["decision"]]
    else:
        needles = [case["next_steps"] for case in data["cases"]]
    return session, needles


def test_decisions_are_due_until_an_entry_covers_them(any_repo: RecordsRepoFixture) -> None:
    t = Timeline(any_repo)
    session, needles = _session(t)
    due = "2026-11-16" if any_repo.profile == "agenda" else "2026-11-09"
    # Before the deadline: due soon for the DSL in status, nothing in check.
    assert by_rule(t.check("2026-11-05"), "CHRONOLOGY-ENTRY-DUE") == []
    soon = [i for i in items(t.status("2026-11-05"), "dsl-sample", "due_soon")
            if i["rule"] == "CHRONOLOGY-ENTRY-DUE"]
    assert {(i["path"], i["due"]) for i in soon} == {(session, due)}
    # After it: one error per item, at the item's own line, naming no free text.
    found = by_rule(t.check("2026-11-22"), "CHRONOLOGY-ENTRY-DUE")
    assert len(found) == len(needles), messages(found)
    text = (t.root / session).read_text()
    key = "decision:" if any_repo.profile == "agenda" else "next_steps:"
    lines = text.splitlines()
    assert all(key in lines[f["line"] - 1] for f in found), messages(found)
    assert all(f["severity"] == "error" and f"due by {due}" in f["message"] for f in found)
    assert not any(n[:20] in f["message"] for f in found for n in needles)
    overdue = [i["rule"] for i in items(t.status("2026-11-22"), "dsl-sample", "overdue")]
    assert overdue.count("CHRONOLOGY-ENTRY-DUE") == len(needles)

    # The DSL's list to copy from: per case reference, with the text and the record.
    listed = any_repo.cli("chronology", "--format", "json", "--today", "2026-11-22")
    assert listed.code == 0, listed.err
    rows = listed.json()
    assert {r["record"] for r in rows} == {session}
    assert all(r["date"] == SESSION_DAY and r["due"] == due for r in rows)
    for needle in needles:
        assert any(needle in r["text"] for r in rows), rows
    data = yaml.safe_load(text)
    refs = ({c["case_ref"] for c in data["case_management"]["cases"]}
            if any_repo.profile == "agenda" else {c["case_ref"] for c in data["cases"]})
    assert {r["case_ref"] for r in rows} == (refs or {""})
    as_csv = list(csv.DictReader(io.StringIO(
        any_repo.cli("chronology", "--format", "csv", "--today", "2026-11-22").out)))
    assert [r["record"] for r in as_csv] == [r["record"] for r in rows]
    words = any_repo.cli("chronology", "--today", "2026-11-22").out
    assert "supervision chronology done " + session in words and needles[0][:30] in words
    other = any_repo.cli("chronology", "--person", "ddsl-sample", "--format", "json",
                         "--today", "2026-11-22")
    assert other.json() == []

    # Entered: the entry names the record, the version committed and each item.
    done = any_repo.cli("chronology", "done", session, "--today", "2026-11-20")
    assert done.code == 0, done.err
    entry = done.out.splitlines()[0]
    assert entry == "records/example-school/2026-27/dsl-sample/2026-11-20-chronology.yaml"
    written = yaml.safe_load((t.root / entry).read_text())
    blob = t.git("rev-parse", f"HEAD:{session}").strip()
    assert written["supervisee"] == "dsl-sample"
    assert written["entries"][0]["record"] == session
    assert written["entries"][0]["version"] == blob
    assert len(written["entries"][0]["items"]) == len(needles)
    after = t.check("2026-11-22")
    assert by_rule(after, "CHRONOLOGY-ENTRY-DUE") == []
    assert [f for f in after if f["path"] == entry] == []
    assert any_repo.cli("chronology", "--format", "json", "--today", "2026-11-22").json() == []

    # A decision reworded later is a new decision: it is due again.
    def reword(data: dict) -> None:
        if any_repo.profile == "agenda":
            data["case_management"]["decisions"][0]["decision"] = "Wait for the review."
        else:
            data["cases"][0]["next_steps"] = "Wait for the review before changing the plan."
    t.edit_yaml(session, reword)
    again = by_rule(t.check("2026-11-22"), "CHRONOLOGY-ENTRY-DUE")
    assert len(again) == 1, messages(again)


def test_case_notes_and_informal_notes_are_sources_too(any_repo: RecordsRepoFixture) -> None:
    t = Timeline(any_repo)
    t.add("contract", "2026-09-01")
    if any_repo.profile == "agenda":
        note = t.add("case-notes", "2026-11-02")
        t.edit_yaml(note, lambda d: d.update(new_actions=[
            {"action": "Ask the social worker for the plan", "owner": "dsl-sample",
             "due": "2026-12-01", "status": "open"}]))
        line = line_of(t.root / note, "Ask the social worker")
    else:
        note = t.add("informal", "2026-11-02", about_a_child=True, logged_on_chronology=True)
        line = line_of(t.root / note, "about_a_child:")
    t.commit("2026-11-02")
    found = by_rule(t.check("2026-11-22"), "CHRONOLOGY-ENTRY-DUE")
    assert [(f["path"], f["line"]) for f in found] == [(note, line)], messages(found)
    # Recorded as not needed, with a reason: it counts too.
    done = any_repo.cli("chronology", "done", note, "--not-needed",
                        "Already on the chronology from the strategy meeting.",
                        "--today", "2026-11-20")
    assert done.code == 0, done.err
    assert by_rule(t.check("2026-11-22"), "CHRONOLOGY-ENTRY-DUE") == []
    entry = done.out.splitlines()[0]
    # "Not needed" without a reason is refused by check.
    t.edit_yaml(entry, lambda d: d["entries"][0].pop("reason"))
    missing = [f for f in t.check("2026-11-22", entry) if f["path"] == entry]
    assert [f["rule"] for f in missing] == ["SCHEMA-REQUIRED"], messages(missing)
    assert "no reason" in missing[0]["message"]


def test_chronology_done_refuses_and_writes_nothing(any_repo: RecordsRepoFixture) -> None:
    t = Timeline(any_repo)
    session, _needles = _session(t)
    before = digest_tree(any_repo.root)
    missing = any_repo.cli("chronology", "done", "records/example-school/2026-27/dsl-sample/"
                           "2026-10-05-session.yaml")
    assert missing.code == 1 and "is not a record in this repository" in missing.err
    contract = "contracts/example-school/dsl-sample-2026-09-01.yaml"
    nothing = any_repo.cli("chronology", "done", contract)
    assert nothing.code == 1 and "no decisions or actions" in nothing.err
    other = t.add("session", "2026-11-03", supervisee="ddsl-sample")
    t.commit("2026-11-03")
    mixed = any_repo.cli("chronology", "done", session, other)
    assert mixed.code == 1 and "different supervisees" in mixed.err
    before = digest_tree(any_repo.root)
    (t.root / session).write_text((t.root / session).read_text() + "# a note\n")
    dirty = any_repo.cli("chronology", "done", session)
    assert dirty.code == 1 and "not committed as it is now" in dirty.err
    assert "Traceback" not in dirty.err
    t.git("checkout", "--", session)
    wrong = any_repo.cli("chronology", "done", session, "--by", "ddsl-sample")
    assert wrong.code == 1 and "is not the supervisee" in wrong.err
    assert digest_tree(any_repo.root) == before
    assert any_repo.cli("chronology", "done", session).code == 0
    twice = any_repo.cli("chronology", "done", session)
    assert twice.code == 1 and "already recorded as entered" in twice.err


def test_an_entry_for_a_record_that_is_not_there_is_an_error(any_repo: RecordsRepoFixture
                                                              ) -> None:
    t = Timeline(any_repo)
    session, _needles = _session(t)
    done = any_repo.cli("chronology", "done", session, "--today", "2026-11-20")
    entry = done.out.splitlines()[0]
    gone = session.replace("2026-11-02", "2026-10-05")
    t.replace(entry, session, gone)
    found = by_rule(t.check("2026-11-22"), "CHRONOLOGY-ENTRY-INVALID")
    assert [(f["path"], f["line"]) for f in found] == [(entry, line_of(t.root / entry,
                                                                       "entries:"))]
    assert gone in found[0]["message"]
    # And the session it no longer covers is due again.
    assert by_rule(t.check("2026-11-22"), "CHRONOLOGY-ENTRY-DUE")
    # Checking the entry alone says the same.
    assert [f["rule"] for f in t.check("2026-11-22", entry) if f["path"] == entry] == [
        "CHRONOLOGY-ENTRY-INVALID"]

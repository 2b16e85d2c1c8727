"""The time rules and `status` read verified sign-offs once the repository signs."""

from __future__ import annotations

import json

from signing import SESSION, SignedRepo

TODAY = "2026-11-22"


def _status(signed: SignedRepo) -> list[tuple[str, str]]:
    """(section, person) of each SUPERVISEE-RESPONSE item about the session."""
    result = signed.cli("status", "--format", "json", "--today", TODAY)
    assert result.code in (0, 1), result.err
    data = json.loads(result.out)
    return sorted({(section, person["id"]) for person in data["people"]
                   for section in ("overdue", "awaiting_signature", "due_soon")
                   for item in person[section]
                   if item["rule"] == "SUPERVISEE-RESPONSE" and item["path"] == SESSION})


def test_status_follows_verified_signoffs(signed: SignedRepo) -> None:
    # Committed by the supervisor, signed by nobody yet: the supervisee's signature is
    # awaited (with commit dates alone, the supervisee's part could not be seen at all).
    assert signed.status(SESSION) == "draft"
    assert _status(signed) == [("awaiting_signature", "dsl-sample")]

    assert signed.sign("supervisor", SESSION).code == 0
    assert _status(signed) == [("awaiting_signature", "dsl-sample")]

    assert signed.sign("supervisee", SESSION).code == 0
    assert signed.status(SESSION) == "agreed"
    assert _status(signed) == []

    # An edit after both signed makes the supervisee's sign-off out of date again.
    text = (signed.root / SESSION).read_text()
    (signed.root / SESSION).write_text(text + "# a later note by the supervisor\n")
    signed.commit("supervisor", "Correct the record", SESSION)
    assert signed.status(SESSION) == "stale"
    assert _status(signed) == [("awaiting_signature", "dsl-sample")]


def test_signoffs_are_remembered_per_commit(signed: SignedRepo) -> None:
    assert signed.sign("supervisor", SESSION).code == 0
    _status(signed)
    import sqlite3

    with sqlite3.connect(signed.root / ".git" / "supervision" / "store.sqlite") as conn:
        rows = dict(conn.execute("SELECT key, value FROM rows WHERE ns = 'signoffs' AND "
                                 "stamp = ?", (signed.head(),)))
    assert json.loads(rows["#head"]) == signed.head()  # remembered for this commit
    assert [row[0] for row in json.loads(rows[SESSION])] == ["supervisor"]

# -- signers asked to sign again: SIGNOFF-AWAITED (status only) --------------------------
def _asked(signed: SignedRepo, relpath: str = SESSION) -> dict[str, list[tuple[str, str, str]]]:
    """Per person: (section, rule, message) of every item about ``relpath`` awaiting a
    signature (the synthetic record's actions are due soon too: not these tests' subject)."""
    result = signed.cli("status", "--format", "json", "--today", TODAY)
    assert result.code == 0, result.err
    out: dict[str, list[tuple[str, str, str]]] = {}
    for person in json.loads(result.out)["people"]:
        for section in ("overdue", "awaiting_signature"):
            for item in person[section]:
                if item["path"] == relpath and item["rule"] != "ACTION-DUE":
                    out.setdefault(person["id"], []).append(
                        (section, item["rule"], item["message"]))
    return out


def _edit(signed: SignedRepo, who: str, relpath: str = SESSION) -> None:
    text = (signed.root / relpath).read_text()
    (signed.root / relpath).write_text(text + f"# a later note by the {who}\n")
    signed.commit(who, f"Correct the record ({who})", relpath)


def test_status_asks_whoever_signed_an_older_version_to_sign_again(signed: SignedRepo) -> None:
    assert signed.sign("supervisor", SESSION).code == 0
    assert signed.sign("supervisee", SESSION).code == 0
    assert _asked(signed) == {}

    # The supervisor corrects the agreed record: verify calls it stale, and status asks
    # both of them to sign the new version (the supervisee through SUPERVISEE-RESPONSE,
    # once, not twice).
    _edit(signed, "supervisor")
    assert signed.status(SESSION) == "stale"
    asked = _asked(signed)
    assert [(s, r) for s, r, _m in asked["deputy-sample"]] == [
        ("awaiting_signature", "SIGNOFF-AWAITED")]
    message = asked["deputy-sample"][0][2]
    assert "changed since deputy-sample signed it" in message
    assert f"supervision sign {SESSION}" in message
    assert [(s, r) for s, r, _m in asked["dsl-sample"]] == [
        ("awaiting_signature", "SUPERVISEE-RESPONSE")]
    # Status only: `check` is unchanged.
    found = signed.cli("check", "--format", "json", "--today", TODAY).json()
    assert "SIGNOFF-AWAITED" not in {f["rule"] for f in found}

    # The supervisee signs the new version: awaiting-supervisor, still the supervisor's turn.
    assert signed.sign("supervisee", SESSION).code == 0
    assert signed.status(SESSION) == "awaiting-supervisor"
    asked = _asked(signed)
    assert [r for _s, r, _m in asked["deputy-sample"]] == ["SIGNOFF-AWAITED"]
    assert "dsl-sample" not in asked

    assert signed.sign("supervisor", SESSION).code == 0
    assert signed.status(SESSION) == "agreed"
    assert _asked(signed) == {}


def test_status_asks_the_supervisor_to_sign_after_a_disagreement(signed: SignedRepo) -> None:
    assert signed.sign("supervisor", SESSION).code == 0
    text = "The referral was discussed but the decision is not recorded ZQT000001QZ."
    assert signed.sign("supervisee", SESSION, "--disagree", text).code == 0
    assert signed.status(SESSION) == "awaiting-supervisor"
    asked = _asked(signed)
    assert [(s, r) for s, r, _m in asked["deputy-sample"]] == [
        ("awaiting_signature", "SIGNOFF-AWAITED")]
    assert "dsl-sample" not in asked
    assert "ZQT000001QZ" not in str(asked)  # never the text of the record


def test_status_asks_a_signer_who_never_signed_once_someone_has(signed: SignedRepo) -> None:
    # A disagreement the supervisor wrote into the record: SUPERVISEE-RESPONSE treats a
    # disagreement as a response, yet verify still awaits the supervisee's signature.
    text = (signed.root / SESSION).read_text()
    assert 'disagreement: ""' in text or "disagreement: ''" in text, text
    text = text.replace('disagreement: ""', "disagreement: We did not agree on the plan.")
    text = text.replace("disagreement: ''", "disagreement: We did not agree on the plan.")
    (signed.root / SESSION).write_text(text)
    signed.commit("supervisor", "Record the disagreement", SESSION)
    assert signed.sign("supervisor", SESSION).code == 0
    assert signed.status(SESSION) == "awaiting-supervisee"
    asked = _asked(signed)
    assert [(s, r) for s, r, _m in asked["dsl-sample"]] == [
        ("awaiting_signature", "SIGNOFF-AWAITED")]
    message = asked["dsl-sample"][0][2]
    assert "awaits dsl-sample's signature" in message
    assert f"supervision sign {SESSION}" in message
    assert "deputy-sample" not in asked


def test_a_supervisor_who_never_signed_is_asked_once(signed: SignedRepo) -> None:
    """The supervisee signs first: RECORD-DEADLINE already asks the supervisor."""
    assert signed.sign("supervisee", SESSION).code == 0
    assert signed.status(SESSION) == "awaiting-supervisor"
    asked = _asked(signed)
    assert [r for _s, r, _m in asked["deputy-sample"]] == ["RECORD-DEADLINE"]


def test_committed_case_notes_await_the_supervisees_signature(signed: SignedRepo) -> None:
    """Once the repository signs, committing case notes is not sending them: the
    supervisee's sign-off is. The message says so, and how to sign."""
    late, notes = signed.filled("case-notes", day="2026-11-26", case_ref="C-AAAAA1")
    signed.write(late, notes)
    soon, notes = signed.filled("case-notes", day="2026-12-07", case_ref="C-AAAAA2")
    signed.write(soon, notes)
    signed.commit("supervisee", "Case notes", late, soon)
    found = [f for f in signed.cli("check", "--format", "json", "--today", TODAY).json()
             if f["rule"] == "CASE-NOTES-DEADLINE"]
    assert [f["path"] for f in found] == [late]
    assert "committed but not signed by the supervisee yet" in found[0]["message"]
    assert "not committed yet" not in found[0]["message"]
    assert f"supervision sign {late}" in found[0]["hint"]
    waiting = [i for i in _asked(signed, soon).get("dsl-sample", [])
               if i[1] == "CASE-NOTES-DEADLINE"]
    assert len(waiting) == 1 and "committed but not signed by the supervisee yet" in \
        waiting[0][2], waiting
    # Signed by the supervisee: nothing is awaited any more.
    assert signed.sign("supervisee", soon).code == 0
    assert "dsl-sample" not in _asked(signed, soon)


def test_a_committed_record_never_signed_off_is_an_error_when_overdue(signed: SignedRepo
                                                                      ) -> None:
    """Committed on time but never signed off: 40 working days after the session, the
    whole check says error (overdue now, as status says); checking just that record, as
    the pre-commit hook does, says warning."""
    later = "2027-01-25"
    whole = [f for f in signed.cli("check", "--format", "json", "--today", later).json()
             if f["rule"] == "RECORD-DEADLINE" and f["path"] == SESSION]
    assert [f["severity"] for f in whole] == ["error"], whole
    assert "not signed off by its supervisor yet" in whole[0]["message"]
    limited = [f for f in signed.cli("check", "--format", "json", "--today", later,
                                     SESSION).json() if f["rule"] == "RECORD-DEADLINE"]
    assert [f["severity"] for f in limited] == ["warning"], limited
    result = signed.cli("status", "--format", "json", "--today", later)
    overdue = [i for p in json.loads(result.out)["people"] if p["id"] == "deputy-sample"
               for i in p["overdue"] if i["rule"] == "RECORD-DEADLINE"]
    assert [i["path"] for i in overdue] == [SESSION]

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

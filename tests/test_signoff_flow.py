"""Dual sign-off end to end: keys, sign, verify, history (real git, gpg and CLI)."""

from __future__ import annotations

import json

import yaml

from conftest import git_env, run_cli
from signing import SESSION, SignedRepo, finding, record


def test_walk_through_draft_agreed_stale_agreed_with_history(signed: SignedRepo) -> None:
    # The supervisor scaffolds a session, fills it in and commits it (a signed commit).
    relpath = "records/example-school/2026-27/dsl-sample/2026-11-20-session.yaml"
    made = signed.as_("supervisor", "new", "session", "--supervisee", "dsl-sample",
                      "--supervisor", "deputy-sample", "--date", "2026-11-20")
    assert made.code == 0, made.err
    assert made.out.strip() == relpath
    scaffold = yaml.safe_load((signed.root / relpath).read_text())
    _path, data = signed.filled("session", day="2026-11-20")
    data["disagreement"] = ""
    # Keep the review of last session's actions that `new` copied in, each one done.
    data["previous_actions"]["review"] = [
        {"action": item["action"], "outcome": "done"}
        for item in scaffold["previous_actions"]["review"]]
    assert data["previous_actions"]["review"], "new copies last session's actions in"
    signed.write(relpath, data)
    assert signed.check(relpath).code == 0
    signed.commit("supervisor", "Session record for 20 November", relpath)
    assert signed.status(relpath) == "draft"

    first = signed.sign("supervisor", relpath)
    assert first.code == 0, first.err
    assert "as supervisor" in first.out and "awaiting-supervisee" in first.out
    supervisor_signoff = signed.head()
    assert signed.status(relpath) == "awaiting-supervisee"

    second = signed.sign("supervisee", relpath)
    assert second.code == 0, second.err
    result, report = signed.verify()
    assert result.code == 0, result.out
    record = next(r for r in report["records"] if r["path"] == relpath)
    assert record["status"] == "agreed"
    assert {(s["role"], s["person"], s["current"]) for s in record["signoffs"]} == {
        ("supervisor", "deputy-sample", True), ("supervisee", "dsl-sample", True)}
    assert record["signers"] == [{"role": "supervisor", "person": "deputy-sample"},
                                 {"role": "supervisee", "person": "dsl-sample"}]
    assert report["errors"] == [] and report["trust"]["admins"][0]["person"] == "head-sample"
    # One signed commit per signer, empty, with the trailers.
    body = signed.git(None, "log", "-1", "--format=%B", supervisor_signoff)
    assert "Supervision-Role: supervisor" in body
    assert f"Supervision-Record: {relpath}" in body
    assert f"Supervision-Blob: {signed.blob(relpath)}" in body
    assert signed.git(None, "show", "--format=", "--name-only", supervisor_signoff).strip() == ""

    # An edit (a signed commit by the supervisor) makes it stale, naming who changed it.
    data["wellbeing"]["discussion"] = "Agreed a quieter week after the review meeting."
    signed.write(relpath, data)
    edit = signed.commit("supervisor", "Correct the wellbeing notes", relpath)
    result, report = signed.verify()
    assert result.code == 0
    record = next(r for r in report["records"] if r["path"] == relpath)
    assert record["status"] == "stale"
    assert record["changed_by"]["commit"] == edit
    assert record["changed_by"]["person"] == "deputy-sample"
    assert all(not s["current"] for s in record["signoffs"])

    # Re-signing by both makes it agreed again.
    assert signed.sign("supervisor", relpath).code == 0
    assert signed.status(relpath) == "awaiting-supervisee"
    assert signed.sign("supervisee", relpath).code == 0
    assert signed.status(relpath) == "agreed"

    # The audit trail shows all of it, oldest first, with field names and never the text.
    history = signed.as_("admin", "history", relpath, "--format", "json")
    assert history.code == 0, history.out
    events = history.json()["events"]
    assert [(e["change"], e["role"], e["signer"]) for e in events] == [
        ("created", None, "deputy-sample"),
        ("none", "supervisor", "deputy-sample"),
        ("none", "supervisee", "dsl-sample"),
        ("changed", None, "deputy-sample"),
        ("none", "supervisor", "deputy-sample"),
        ("none", "supervisee", "dsl-sample"),
    ]
    assert events[3]["fields"] == ["wellbeing.discussion"]
    assert all(e["signature"] == "good signature" for e in events)
    assert all(e["signoff_counts"] in (None, True) for e in events)
    text = signed.as_("admin", "history", relpath)
    assert text.code == 0
    assert "changed: wellbeing.discussion" in text.out
    assert "sign-off as supervisee by dsl-sample: counts" in text.out
    assert "quieter week" not in text.out


def test_text_report_and_exit_codes(signed: SignedRepo) -> None:
    assert signed.sign("supervisor").code == 0
    result = run_cli("verify", cwd=signed.root, env=git_env())
    assert result.code == 0
    assert f"awaiting-supervisee  {SESSION}" in result.out
    assert "waiting for supervisee dsl-sample" in result.out
    assert "Trust root: first commit" in result.out
    outside = run_cli("verify", cwd=signed.root.parent, env=git_env())
    assert outside.code == 2  # not inside a records repository
    bad_since = run_cli("verify", "--since", "no-such-branch", cwd=signed.root, env=git_env())
    assert bad_since.code == 2 and "--since" in bad_since.err


def test_disagreement_is_written_signed_and_makes_it_disputed(signed: SignedRepo) -> None:
    assert signed.sign("supervisor").code == 0
    text = "The supervisee does not accept the summary of case two."
    done = signed.sign("supervisee", SESSION, "--disagree", text)
    assert done.code == 0, done.err
    assert text not in done.out + done.err  # never echoed
    data = yaml.safe_load((signed.root / SESSION).read_text())
    assert data["disagreement"].strip() == text
    assert signed.git(None, "status", "--porcelain").strip() == ""  # committed with the sign-off
    changed = signed.git(None, "show", "--format=", "--name-only", "HEAD").split()
    assert changed == [SESSION]
    # The change made the supervisor's earlier sign-off out of date.
    assert signed.status() == "awaiting-supervisor"
    assert signed.sign("supervisor").code == 0
    result, report = signed.verify()
    assert result.code == 0
    assert record(report)["status"] == "disputed"
    assert report["summary"]["statuses"] == {"agreed": 1, "disputed": 1}  # contract, session


def test_disagree_refused_when_the_form_has_no_disagreement_field(signed: SignedRepo) -> None:
    relpath, data = signed.filled("case-notes")
    signed.write(relpath, data)
    signed.commit("supervisee", "Case notes", relpath)
    before = (signed.root / relpath).read_bytes()
    done = signed.sign("supervisee", relpath, "--disagree", "Not agreed.")
    assert done.code == 1
    assert "has no disagreement field" in done.err
    assert (signed.root / relpath).read_bytes() == before
    assert signed.sign("supervisee", relpath).code == 0
    assert signed.status(relpath) == "agreed"  # case notes: the supervisee alone signs


def test_qa_review_awaits_its_reviewer(signed: SignedRepo) -> None:
    relpath, data = signed.filled("qa-review")
    signed.write(relpath, data)
    signed.commit("admin", "QA review", relpath)
    result, report = signed.verify()
    record = next(r for r in report["records"] if r["path"] == relpath)
    assert record["status"] == "draft"
    assert record["signers"] == [{"role": "reviewer", "person": "head-sample"}]
    assert signed.sign("supervisor", relpath).code == 1  # not the reviewer
    done = signed.sign("admin", relpath)
    assert done.code == 0, done.err
    assert "as reviewer" in done.out
    assert signed.status(relpath) == "agreed"


def test_sign_refuses_with_reasons_and_changes_nothing(signed: SignedRepo) -> None:
    head = signed.head()
    # The supervisee cannot sign as supervisor.
    wrong = signed.sign("supervisee", SESSION, "--as", "supervisor")
    assert wrong.code == 1 and "this record's supervisor is deputy-sample" in wrong.err
    # An unknown role is a usage error.
    assert signed.sign("supervisee", SESSION, "--as", "headteacher").code == 2
    # A key nobody registered.
    stranger = signed.sign("outsider")
    assert stranger.code == 1 and "not registered" in stranger.err
    # Uncommitted changes.
    path = signed.root / SESSION
    original = path.read_text()
    path.write_text(original.replace("duration_minutes: 60", "duration_minutes: 55"))
    dirty = signed.sign("supervisor")
    assert dirty.code == 1 and "not yet committed" in dirty.err
    # A record that fails `supervision check`.
    path.write_text(original.replace("duration_minutes: 60", "duration_minutes: 5"))
    signed.commit("supervisor", "Too short", SESSION)
    failing = signed.sign("supervisor")
    assert failing.code == 1 and "DURATION-OUT-OF-RANGE" in failing.err
    assert "cannot be signed" in failing.err
    assert signed.git(None, "rev-list", "--count", f"{head}..HEAD").strip() == "1"


def test_keys_create_registers_and_configures_git(signed: SignedRepo, keyrings) -> None:
    # Made by the template: `keys create --admin` for head-sample.
    people = yaml.safe_load((signed.root / "people.yml").read_text())
    head = next(p for p in people["people"] if p["id"] == "head-sample")
    admin = signed.actors["admin"].fpr
    assert head["fingerprints"] == [admin]
    assert yaml.safe_load((signed.root / "supervision.yml").read_text())["admins"] == [admin]
    assert (signed.root / "keys" / "head-sample.asc").read_text().startswith(
        "-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert signed.git(None, "config", "user.signingkey").strip() == admin
    assert signed.git(None, "config", "commit.gpgsign").strip() == "true"
    # The comments of people.yml survive the edit.
    assert "# Everyone who appears in a record" in (signed.root / "people.yml").read_text()
    listed = signed.as_("admin", "keys", "list", "--format", "json")
    rows = {r["person"]: r for r in json.loads(listed.out)}
    assert rows["head-sample"]["admin"] and rows["head-sample"]["private_key_here"] is True
    assert rows["dsl-sample"]["private_key_here"] is False
    assert rows["dsl-sample"]["state"] == "ok" and rows["dsl-sample"]["expires"]
    text = signed.as_("supervisee", "keys", "list")
    assert text.code == 0 and "private key here" in text.out


def test_keys_import_refuses_private_expired_and_garbage(signed: SignedRepo, keyrings,
                                                         tmp_path) -> None:
    before = (signed.root / "people.yml").read_bytes()
    secret = tmp_path / "secret.asc"
    secret.write_bytes(keyrings.gpg("outsider", "--export-secret-keys", "--armor",
                                    signed.actors["outsider"].fpr).stdout)
    done = signed.as_("admin", "keys", "import", str(secret), "--person", "ddsl-sample")
    assert done.code == 1 and "PRIVATE key" in done.err
    old = keyrings.new_key("old", "Old Key <old@example.invalid>", "2025-01-01",
                           faked="20240101T000000")
    expired = tmp_path / "expired.asc"
    expired.write_bytes(keyrings.export("old", old))
    done = signed.as_("admin", "keys", "import", str(expired), "--person", "ddsl-sample")
    assert done.code == 1 and "expired" in done.err
    garbage = tmp_path / "garbage.asc"
    garbage.write_text("not a key at all\n")
    done = signed.as_("admin", "keys", "import", str(garbage), "--person", "ddsl-sample")
    assert done.code == 1 and "exactly one public key" in done.err
    unknown = signed.as_("admin", "keys", "import", str(garbage), "--person", "no-one")
    assert unknown.code == 2
    assert (signed.root / "people.yml").read_bytes() == before


def test_verify_caches_by_commit_and_checks_only_new_ones(signed: SignedRepo) -> None:
    _result, first = signed.verify()
    _result, again = signed.verify()
    assert again["summary"]["checked_now"] == 0
    assert again["records"] == first["records"]
    signed.craft_signoff("supervisor", "supervisor")  # by hand: `sign` would verify it
    _result, after = signed.verify()
    assert after["summary"]["checked_now"] == 1
    assert record(after)["status"] == "awaiting-supervisee"
    _result, cold = signed.verify("--no-cache")
    assert cold["summary"]["checked_now"] == cold["summary"]["commits"]
    assert cold["records"] == after["records"]


def test_since_limits_the_report_to_new_commits(signed: SignedRepo) -> None:
    base = signed.head()
    relpath, data = signed.filled("case-notes")
    signed.write(relpath, data)
    signed.commit("supervisee", "Case notes", relpath)
    signed.craft_signoff("outsider", "supervisee", relpath)
    _result, everything = signed.verify()
    result, since = signed.verify("--since", base)
    assert result.code == 1
    assert [r["path"] for r in since["records"]] == [relpath]
    assert len(everything["records"]) == 3  # the contract, the session, the case notes
    assert [e["rule"] for e in since["errors"]] == ["KEY-UNKNOWN"]
    result, later = signed.verify("--since", "HEAD")
    assert result.code == 0 and later["records"] == [] and later["errors"] == []


def test_planned_and_cancelled_sessions_are_not_signed(signed: SignedRepo) -> None:
    """A planned session has not been held: nothing to sign yet, and not a draft."""
    planned = "records/example-school/2026-27/dsl-sample/2026-12-07-session.yaml"
    made = signed.as_("supervisor", "new", "session", "--supervisee", "dsl-sample",
                      "--status", "planned", "--date", "2026-12-07")
    assert made.code == 0 and made.out.strip() == planned, made.err
    signed.commit("supervisor", "Book the December session", planned)
    assert signed.status(planned) == "planned"
    shown = run_cli("verify", cwd=signed.root, env=git_env())
    line = next(line for line in shown.out.splitlines() if planned in line)
    assert line.startswith("planned ") and "to sign" not in line, line
    assert shown.code == 0, shown.out

    # `supervision sign` refuses, and signs nothing.
    before = signed.head()
    refused = signed.sign("supervisor", planned)
    assert refused.code == 1, refused.out + refused.err
    assert "planned session" in refused.err and "held and recorded" in refused.err
    assert signed.head() == before

    # Cancelled and rebooked: the cancelled one is "cancelled", the new one "planned".
    done = signed.as_("supervisor", "cancel", planned, "--by", "deputy-sample", "--rebook",
                      "2026-12-09")
    assert done.code == 0, done.err
    rebooked = "records/example-school/2026-27/dsl-sample/2026-12-09-session.yaml"
    signed.commit("supervisor", "Cancel and rebook", planned, rebooked)
    assert signed.status(planned) == "cancelled"
    assert signed.status(rebooked) == "planned"
    shown = run_cli("verify", cwd=signed.root, env=git_env())
    assert not [line for line in shown.out.splitlines()
                if (planned in line or rebooked in line) and "to sign" in line], shown.out

    # A sign-off of a planned session made by hand does not count, and says why.
    signed.craft_signoff("supervisor", "supervisor", rebooked)
    result, data = signed.verify()
    assert result.code == 1
    problem = finding(data, "SIGNOFF-PLANNED")
    assert problem["path"] == rebooked and "held and recorded" in problem["message"]
    assert record(data, rebooked)["status"] == "planned"

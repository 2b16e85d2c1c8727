"""The smaller rules of the policies, on both profiles, with real git commit dates: group
session actions chased, referral follow-up, "sooner on request", the next meeting agreed
against the one booked, and the trust's yearly assessment of the policy.

The example calendar (calendar/2026-27.yml): Autumn 1 2 Sep-23 Oct, Autumn 2 2 Nov-18 Dec,
Spring 1 4 Jan-12 Feb.
"""

from __future__ import annotations

import yaml

from conftest import RecordsRepoFixture, digest_tree
from timeline import Timeline, by_rule, field_path, items, line_of, messages

ACTION = {"action": "Share the learning with the whole staff", "owner": "dsl-sample",
          "due": "2026-10-16", "status": "open"}


def _contracts(t: Timeline) -> None:
    t.add("contract", "2026-09-01")
    t.add("contract", "2026-09-01", supervisee="ddsl-sample")
    t.commit("2026-09-01")


# -- group session actions --------------------------------------------------------------------
def test_group_session_actions_are_chased_and_reviewed(any_repo: RecordsRepoFixture) -> None:
    t = Timeline(any_repo)
    _contracts(t)
    first = t.add("session", "2026-09-24", group=True, actions=[ACTION])
    t.commit("2026-09-25")
    found = by_rule(t.check("2026-10-20"), "ACTION-DUE")
    assert [(f["path"], f["line"]) for f in found] == [
        (first, line_of(t.root / first, "Share the learning"))], messages(found)
    assert "due on 2026-10-16" in found[0]["message"]
    assert ("dsl-sample", "ACTION-DUE") in {
        ("dsl-sample", i["rule"]) for i in items(t.status("2026-10-20"), "dsl-sample",
                                                  "overdue")}
    # `new session --group` copies the facilitator's open group actions into the review.
    made = any_repo.cli("new", "session", "--group", "--supervisee", "dsl-sample",
                        "--supervisee", "ddsl-sample", "--supervisor", "deputy-sample",
                        "--date", "2026-11-05")
    assert made.code == 0, made.err
    review = field_path(any_repo, "session", "review", group=True)
    data = yaml.safe_load((t.root / made.out.strip()).read_text())
    assert [r["action"] for r in data[review[-1]]] == [ACTION["action"]]
    (t.root / made.out.strip()).unlink()
    # The next group session that leaves it out of its review: not reviewed.
    second = t.add("session", "2026-11-05", group=True, review=[])
    t.commit("2026-11-06")
    found = t.check("2026-11-10")
    missing = by_rule(found, "ACTIONS-NOT-REVIEWED")
    assert [f["path"] for f in missing] == [second], messages(missing)
    assert "from the group session on 2026-09-24" in missing[0]["message"]
    # Reviewed as done there: neither rule says anything more.
    t.edit_yaml(second, lambda d: d.update(
        {review[-1]: [{"action": ACTION["action"], "outcome": "done"}]}))
    found = t.check("2026-11-10")
    assert by_rule(found, "ACTIONS-NOT-REVIEWED") == [] and by_rule(found, "ACTION-DUE") == []


# -- referral follow-up -----------------------------------------------------------------------
RISK = {"raised": True, "action": "Referral to children's social care today.",
        "owner": "dsl-sample", "referral": "childrens-social-care"}


def test_a_referral_needs_its_outcome_at_the_next_session(any_repo: RecordsRepoFixture) -> None:
    t = Timeline(any_repo)
    _contracts(t)
    agreed = t.add("session", "2026-09-21", immediate_risk=RISK)
    t.add("session", "2026-11-16", status="planned")
    t.commit("2026-09-22")
    status = t.status("2026-10-01")
    due = [i for i in items(status, "dsl-sample", "due_soon") if i["rule"] ==
           "REFERRAL-FOLLOW-UP"]
    assert [(i["path"], i["due"]) for i in due] == [(agreed, "2026-11-16")]
    assert "children's social care" in due[0]["message"]
    assert by_rule(t.check("2026-10-01"), "REFERRAL-FOLLOW-UP") == []
    following = t.add("session", "2026-11-16")
    t.edit_yaml(following, lambda d: d.pop("referral_outcome", None))
    t.commit("2026-11-17")
    found = by_rule(t.check("2026-11-22"), "REFERRAL-FOLLOW-UP")
    assert [(f["path"], f["severity"]) for f in found] == [(following, "error")], \
        messages(found)
    assert "the session on 2026-09-21 agreed a referral" in found[0]["message"]
    t.edit_yaml(following, lambda d: d.update(
        referral_outcome="Children's social care opened an assessment."))
    assert by_rule(t.check("2026-11-22"), "REFERRAL-FOLLOW-UP") == []


# -- sooner on request ----------------------------------------------------------------------
def test_an_extra_session_asked_for_is_held_in_time(any_repo: RecordsRepoFixture) -> None:
    t = Timeline(any_repo)
    _contracts(t)
    if any_repo.profile == "agenda":  # the school policy has no "sooner if requested"
        asked = t.add("session", "2026-09-21")
        t.edit_yaml(asked, lambda d: d.update(extra_session_requested=True))
        found = t.check("2026-11-22", asked)
        assert "SCHEMA-UNKNOWN-KEY" in {f["rule"] for f in found}
        assert by_rule(found, "SOONER-SESSION-DUE") == []
        return
    asked = t.add("session", "2026-09-21", extra_session_requested=True)
    t.commit("2026-09-22")
    # Ten working days: by Monday 5 October.
    due = [i for i in items(t.status("2026-09-24"), "dsl-sample", "due_soon")
           if i["rule"] == "SOONER-SESSION-DUE"]
    assert [(i["path"], i["due"]) for i in due] == [(asked, "2026-10-05")]
    found = by_rule(t.check("2026-10-07"), "SOONER-SESSION-DUE")
    assert [(f["path"], f["severity"]) for f in found] == [(asked, "error")], messages(found)
    assert "no session has been held since" in found[0]["message"]
    t.add("session", "2026-10-14")
    t.commit("2026-10-14")
    late = by_rule(t.check("2026-10-20"), "SOONER-SESSION-DUE")
    assert [(f["path"], f["severity"]) for f in late] == [(asked, "warning")]
    assert "the next session was on 2026-10-14" in late[0]["message"]
    t.add("session", "2026-10-01")
    assert by_rule(t.check("2026-10-20"), "SOONER-SESSION-DUE") == []


# -- the next meeting agreed against the one booked --------------------------------------------
def _agree(t: Timeline, relpath: str, day: str) -> None:
    def change(data: dict) -> None:
        if "next_meeting" in data:
            data["next_meeting"]["date"] = day
        else:
            data["next_session"] = day
    t.edit_yaml(relpath, change)


def test_the_next_meeting_agreed_is_booked(any_repo: RecordsRepoFixture) -> None:
    t = Timeline(any_repo)
    _contracts(t)
    last = t.add("session", "2026-11-02")
    _agree(t, last, "2026-12-07")
    t.commit("2026-11-03")
    # Far ahead: nothing yet; near (within 14 days), a warning for both of them.
    assert by_rule(t.check("2026-11-10"), "NEXT-MEETING-NOT-BOOKED") == []
    found = by_rule(t.check("2026-11-25"), "NEXT-MEETING-NOT-BOOKED")
    key = "next_meeting:" if any_repo.profile == "agenda" else "next_session:"
    assert [(f["path"], f["line"], f["severity"]) for f in found] == [
        (last, line_of(t.root / last, key), "warning")], messages(found)
    assert "agreed to meet next on 2026-12-07" in found[0]["message"]
    # Booked a fortnight later: still not what was agreed.
    far = t.add("session", "2026-12-14", status="planned")
    found = by_rule(t.check("2026-11-25"), "NEXT-MEETING-NOT-BOOKED")
    assert len(found) == 1 and "the next one booked is on 2026-12-14" in found[0]["message"]
    # Booked within five days of it: fine.
    (t.root / far).unlink()
    t.add("session", "2026-12-09", status="planned")
    assert by_rule(t.check("2026-11-25"), "NEXT-MEETING-NOT-BOOKED") == []


# -- the yearly assessment of the policy ---------------------------------------------------------
def test_the_policy_is_assessed_every_year(any_repo: RecordsRepoFixture) -> None:
    t = Timeline(any_repo)
    _contracts(t)
    t.replace("supervision.yml", "  adopted: ", "  adopted: 2025-10-01\n  # was: ")
    found = by_rule(t.check("2026-11-22"), "POLICY-ASSESSMENT-DUE")
    if any_repo.profile == "agenda":  # the school policy asks for no such assessment
        assert found == []
        before = digest_tree(any_repo.root)
        refused = any_repo.cli("new", "policy-assessment", "--assessor", "head-sample")
        assert refused.code == 1 and "has no policy-assessment form" in refused.err
        assert digest_tree(any_repo.root) == before
        return
    assert [(f["path"], f["severity"]) for f in found] == [("supervision.yml", "error")]
    assert "due on 2026-10-01" in found[0]["message"]
    assert found[0]["line"] == line_of(t.root / "supervision.yml", "policy:")
    no_assessor = any_repo.cli("new", "policy-assessment")
    assert no_assessor.code == 2 and "--assessor" in no_assessor.err
    made = any_repo.cli("new", "policy-assessment", "--assessor", "head-sample",
                        "--date", "2026-11-16")
    assert made.code == 0, made.err
    relpath = made.out.strip()
    assert relpath == "records/trust-wide/2026-27/2026-11-16-policy-assessment.yaml"
    from supervision.demo.synthetic import fill

    repo = any_repo.load_profile()
    form = repo.form(None, "policy-assessment")
    data = fill(form, repo.profile_for(None), {"kind": "policy-assessment",
                                               "date": "2026-11-16", "assessor": "head-sample"},
                ["head-sample"])
    data.pop("school", None)
    any_repo.write(relpath, data)
    after = t.check("2026-11-22")
    assert by_rule(after, "POLICY-ASSESSMENT-DUE") == []
    assert [f for f in after if f["path"] == relpath] == [], messages(after)
    assert by_rule(t.check("2027-11-22"), "POLICY-ASSESSMENT-DUE")

"""Quality assurance from the records, on both profiles, with real git: `new qa-review`
pre-fills what the records show, check compares a review's answers with them, the QA
cadence and who may review, and `supervision qa sample`.

The agenda profile has the school policy's QA monitoring form (every 12 months); the
reflective (trust) profile has none: it is assessed yearly as a whole instead.
"""

from __future__ import annotations

import yaml

from conftest import RecordsRepoFixture, digest_tree
from timeline import Timeline, by_rule, items, line_of, messages


def _supervision(t: Timeline) -> list[str]:
    t.add("contract", "2026-09-01")
    t.commit("2026-09-01")
    sessions = [t.add("session", "2026-09-21"), t.add("session", "2026-11-02")]
    t.commit("2026-11-03")
    return sessions


def test_new_qa_review_fills_in_what_the_records_show(agenda_repo: RecordsRepoFixture) -> None:
    t = Timeline(agenda_repo)
    _supervision(t)
    made = agenda_repo.cli("new", "qa-review", "--supervisee", "dsl-sample", "--reviewer",
                           "head-sample", "--date", "2026-11-20")
    assert made.code == 0, made.err
    relpath = made.out.strip()
    text = (t.root / relpath).read_text()
    data = yaml.safe_load(text)
    # Committed (so sent) counts as signed while the repository does not sign yet.
    assert (data["contract_agreed"], data["sessions_completed"], data["written_records"]) == (
        True, 2, True)
    lines = text.splitlines()
    for key in ("contract_agreed:", "sessions_completed:", "written_records:"):
        at = line_of(t.root / relpath, key) - 1
        above = lines[at - 3:at]
        assert any(line.startswith("# From the records:") for line in above), (key, above)
    assert "2 one-to-one sessions held from 2026-09-01 to 2026-11-20" in text
    # Filled in with those answers, the review is clean; an answer that differs is warned.
    _path, filled = agenda_repo.filled("qa-review", day="2026-11-20")
    filled.update(contract_agreed=True, sessions_completed=2, written_records=True)
    agenda_repo.write(relpath, filled)
    assert by_rule(t.check("2026-11-22"), "QA-COUNTS-DIFFER") == []
    t.edit_yaml(relpath, lambda d: d.update(sessions_completed=5, written_records=False))
    found = by_rule(t.check("2026-11-22"), "QA-COUNTS-DIFFER")
    assert [(f["line"], f["severity"]) for f in found] == [
        (line_of(t.root / relpath, "sessions_completed:"), "warning"),
        (line_of(t.root / relpath, "written_records:"), "warning")], messages(found)
    assert "says 5, but the records show 2" in found[0]["message"]
    assert "says no, but the records show yes" in found[1]["message"]


def test_qa_review_is_refused_where_the_reviewer_may_not_review(agenda_repo: RecordsRepoFixture
                                                                 ) -> None:
    t = Timeline(agenda_repo)
    _supervision(t)
    before = digest_tree(agenda_repo.root)
    not_qa = agenda_repo.cli("new", "qa-review", "--supervisee", "dsl-sample", "--reviewer",
                             "deputy-sample", "--date", "2026-11-20")
    assert not_qa.code == 1 and "does not have the qa-reviewer role" in not_qa.err
    t.person("deputy-sample", roles=["deputy-head", "supervisor", "qa-reviewer"])
    t.commit("2026-11-19")
    before = digest_tree(agenda_repo.root)
    own = agenda_repo.cli("new", "qa-review", "--supervisee", "dsl-sample", "--reviewer",
                          "deputy-sample", "--date", "2026-11-20")
    assert own.code == 1 and "supervises dsl-sample" in own.err
    assert digest_tree(agenda_repo.root) == before
    # Written by hand all the same: check says it does not count.
    relpath, data = agenda_repo.filled("qa-review", day="2026-11-20", reviewer="deputy-sample")
    agenda_repo.write(relpath, data)
    found = by_rule(t.check("2026-11-22"), "QA-REVIEWER-INVALID")
    assert [(f["path"], f["line"]) for f in found] == [
        (relpath, line_of(t.root / relpath, "reviewer:"))]
    assert "dsl-sample's supervisor" in found[0]["message"]


def test_new_qa_review_on_a_profile_without_qa_reviews(reflective_repo: RecordsRepoFixture
                                                       ) -> None:
    t = Timeline(reflective_repo)
    _supervision(t)
    before = digest_tree(reflective_repo.root)
    refused = reflective_repo.cli("new", "qa-review", "--supervisee", "dsl-sample",
                                  "--reviewer", "head-sample")
    assert refused.code == 1 and "has no qa-review form" in refused.err
    assert digest_tree(reflective_repo.root) == before


def _profile_every(repo: RecordsRepoFixture, months: str) -> None:
    """A copy of the repository's profile with QA reviews every ``months`` months."""
    assert repo.cli("profile", "copy", repo.profile, "profiles/ours.yml").code == 0
    path = repo.root / "profiles" / "ours.yml"
    text = path.read_text()
    old = "qa_review_months: 12" if repo.profile == "agenda" else "qa_review_months: null"
    assert old in text
    path.write_text(text.replace(old, f"qa_review_months: {months}"))
    config = repo.root / "supervision.yml"
    config.write_text(config.read_text().replace(f"profile: {repo.profile}",
                                                 "profile: profiles/ours.yml", 1))


def test_qa_reviews_are_due_on_the_profile_cadence(any_repo: RecordsRepoFixture) -> None:
    _profile_every(any_repo, "3")
    t = Timeline(any_repo)
    _supervision(t)
    contract = "contracts/example-school/dsl-sample-2026-09-01.yaml"
    if any_repo.profile == "reflective":  # no QA form: nothing is ever due
        assert by_rule(t.check("2027-01-11"), "QA-REVIEW-DUE") == []
        return
    # Three months after the contract: due soon for the school's QA reviewers...
    status = t.status("2026-11-22")
    due = [i for i in items(status, "head-sample", "due_soon") if i["rule"] == "QA-REVIEW-DUE"]
    assert [(i["path"], i["due"]) for i in due] == [(contract, "2026-12-01")]
    assert not [i for i in items(status, "deputy-sample", "due_soon")
                if i["rule"] == "QA-REVIEW-DUE"], "the supervisor does not review"
    # ... then an error at the contract.
    found = by_rule(t.check("2026-12-02"), "QA-REVIEW-DUE")
    assert [(f["path"], f["severity"]) for f in found] == [(contract, "error")]
    assert "every 3 months" in found[0]["message"]
    # A QA review (by a QA reviewer) starts the next period.
    relpath, data = any_repo.filled("qa-review", day="2026-11-30")
    data.update(contract_agreed=True, sessions_completed=2, written_records=True)
    any_repo.write(relpath, data)
    assert by_rule(t.check("2026-12-02"), "QA-REVIEW-DUE") == []
    assert by_rule(t.check("2027-03-02"), "QA-REVIEW-DUE")


def test_qa_sample_covers_every_supervisor(any_repo: RecordsRepoFixture) -> None:
    empty = any_repo.cli("qa", "sample")
    assert empty.code == 1 and "no held session records to sample" in empty.err
    t = Timeline(any_repo)
    t.add("contract", "2026-09-01")
    t.add("contract", "2026-09-01", supervisee="ddsl-sample", supervisor="head-sample")
    mine = [t.add("session", day) for day in ("2026-09-21", "2026-10-12", "2026-11-02")]
    theirs = t.add("session", "2026-09-22", supervisee="ddsl-sample", supervisor="head-sample")
    t.add("session", "2026-12-07", status="planned")
    t.commit("2026-11-03")
    one = any_repo.cli("qa", "sample", "--count", "1", "--seed", "7", "--format", "json")
    assert one.code == 0, one.err
    picked = one.json()
    assert picked["seed"] == 7 and picked["supervisors"] == ["deputy-sample", "head-sample"]
    assert {r["supervisor"] for r in picked["records"]} == {"deputy-sample", "head-sample"}
    assert theirs in {r["path"] for r in picked["records"]}
    again = any_repo.cli("qa", "sample", "--count", "1", "--seed", "7", "--format", "json")
    assert again.json() == picked
    everything = any_repo.cli("qa", "sample", "--count", "10", "--format", "json").json()
    assert sorted(r["path"] for r in everything["records"]) == sorted([*mine, theirs])
    words = any_repo.cli("qa", "sample", "--count", "1", "--seed", "7")
    assert "more than --count, to include every supervisor" in words.out
    assert "--seed 7" in words.out
    # A reviewer never samples their own supervision.
    head = any_repo.cli("qa", "sample", "--reviewer", "head-sample", "--format", "json")
    assert theirs not in {r["path"] for r in head.json()["records"]}
    none = any_repo.cli("qa", "sample", "--since", "2027-01-01")
    assert none.code == 1 and "with those options" in none.err
    bad = any_repo.cli("qa", "sample", "--count", "0")
    assert bad.code == 2

"""Hand-written valid records, one for every form of both built-in profiles.

Every other "valid record" in the suite comes from ``supervision.demo.synthetic.fill``,
the product's own generator, so a mistake shared by the generator and the checker
could never show. The records in ``tests/records/<profile>/<form>.yaml`` were typed by
hand instead, the way a supervisor fills in a form: block scalars, quoted and plain
strings, flow and block lists, comments of their own. This module checks that:

* each one is complete (every field of its form answered, apart from a few that
  make no sense on that record) and parses to the values a person meant;
* `supervision check` accepts each one at its standard path, and the whole
  repository holding them;
* small, deliberate breakages of each one are refused with the right rule, at the
  line that was broken, so the checker is not simply accepting anything.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import RecordsRepoFixture, make_repo
from supervision.forms.definition import Field
from supervision.forms.record_rules import expected_path
from supervision.forms.validate import is_empty, parse_date
from supervision.forms.yamlparse import parse_file

RECORDS = Path(__file__).parent / "records"
YEAR = "records/example-school/2026-27"

#: Where `supervision new` writes each record (core.yml's `file:` patterns, by hand).
PATHS: dict[tuple[str, str], str] = {
    ("agenda", "contract"): "contracts/example-school/dsl-sample-2026-09-07.yaml",
    ("agenda", "session"): f"{YEAR}/dsl-sample/2026-11-16-session.yaml",
    ("agenda", "group-session"): f"{YEAR}/groups/2026-11-18-deputy-sample-group-session.yaml",
    ("agenda", "case-notes"): f"{YEAR}/dsl-sample/2026-11-16-case-notes-C-7K3QXM.yaml",
    ("agenda", "qa-review"): f"{YEAR}/dsl-sample/2026-11-20-qa-review.yaml",
    ("agenda", "chronology-entry"): f"{YEAR}/dsl-sample/2026-11-20-chronology.yaml",
    ("agenda", "escalation"): f"{YEAR}/dsl-sample/2026-11-23-escalation.yaml",
    ("reflective", "contract"): "contracts/example-school/dsl-sample-2026-09-07.yaml",
    ("reflective", "session"): f"{YEAR}/dsl-sample/2026-11-16-session.yaml",
    ("reflective", "group-session"):
        f"{YEAR}/groups/2026-11-18-deputy-sample-group-session.yaml",
    ("reflective", "informal"): f"{YEAR}/dsl-sample/2026-11-19-informal.yaml",
    ("reflective", "chronology-entry"): f"{YEAR}/dsl-sample/2026-11-20-chronology.yaml",
    ("reflective", "escalation"): f"{YEAR}/dsl-sample/2026-11-24-escalation.yaml",
    ("reflective", "policy-assessment"): f"{YEAR}/2026-11-25-policy-assessment.yaml",
}
CASES = sorted(PATHS)
PROFILES = sorted({profile for profile, _form in PATHS})

#: Fields deliberately left out or blank, and why: a held session has no cancellation,
#: no referral was agreed the session before (so it has no referral outcome), in the
#: reflective session nobody disagreed, and a chronology entry gives a reason only for a
#: record that needed no entry (its first record was entered).
LEFT_BLANK: dict[tuple[str, str], set[str]] = {
    ("agenda", "session"): {"cancellation", "referral_outcome"},
    ("agenda", "group-session"): {"cancellation"},
    ("reflective", "session"): {"cancellation", "disagreement", "referral_outcome"},
    ("reflective", "group-session"): {"cancellation"},
    ("agenda", "chronology-entry"): {"entries[1].reason"},
    ("reflective", "chronology-entry"): {"entries[1].reason"},
}
#: Types whose parts are fixed by the product (an action's status, a risk's owner...):
#: their parts are checked by the policy rules, not required here one by one.
BUILT_IN = frozenset({"actions", "decisions", "review", "risk"})


def fixture_path(profile: str, form: str) -> Path:
    return RECORDS / profile / f"{form}.yaml"


def parsed(profile: str, form: str) -> dict[str, Any]:
    path = fixture_path(profile, form)
    doc, problems = parse_file(str(path), path.name)
    assert doc is not None and problems == [], problems
    assert isinstance(doc.data, dict)
    return doc.data


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RecordsRepoFixture]:
    """One fresh repository per profile, holding that profile's hand-written records."""
    out = {}
    for profile in PROFILES:
        repo = make_repo(tmp_path_factory.mktemp(f"handwritten-{profile}") / "repo", profile)
        for (of_profile, form), relpath in PATHS.items():
            if of_profile == profile:
                target = repo.root / relpath
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(fixture_path(profile, form), target)
        out[profile] = repo
    return out


def form_of(repo: RecordsRepoFixture, data: dict[str, Any]):
    loaded = repo.load_profile()
    form = loaded.form(data["school"], data["kind"], data.get("format") == "group")
    assert form is not None
    return form


# -- the records themselves ----------------------------------------------------------------
def test_every_form_has_a_hand_written_record(repos: dict[str, RecordsRepoFixture]) -> None:
    for profile, repo in repos.items():
        forms = set(repo.load_profile().profile_for("example-school").forms)
        assert forms == {form for p, form in PATHS if p == profile}
    on_disk = {(p.parent.name, p.stem) for p in RECORDS.glob("*/*.yaml")}
    assert on_disk == set(PATHS)


@pytest.mark.parametrize(("profile", "form"), CASES)
def test_record_is_hand_written_and_complete(
    repos: dict[str, RecordsRepoFixture], profile: str, form: str
) -> None:
    text = fixture_path(profile, form).read_text(encoding="utf-8")
    assert text.startswith("# Hand-written test fixture (not made by the generator)")
    data = parsed(profile, form)
    definition = form_of(repos[profile], data)
    assert definition.key == form
    skipped = LEFT_BLANK.get((profile, form), set())
    missing = [name for name in unanswered(definition.fields, data, "") if name not in skipped]
    assert missing == [], f"{profile}/{form} leaves these unanswered: {missing}"
    # A field left blank on purpose is really blank: the list above stays honest.
    for name in skipped:
        assert is_empty(answer(data, name)), name


def answer(data: dict[str, Any], name: str) -> Any:
    """The answer at ``entries[1].reason`` (items counted from 1), or None."""
    value: Any = data
    for part in name.split("."):
        key, _, index = part.partition("[")
        value = value.get(key) if isinstance(value, dict) else None
        if index and isinstance(value, list):
            number = int(index.rstrip("]"))
            value = value[number - 1] if number <= len(value) else None
    return value


def unanswered(fields: tuple[Field, ...], data: dict[str, Any], prefix: str) -> list[str]:
    out = []
    for f in fields:
        name = f"{prefix}{f.name}"
        value = data.get(f.name)
        if is_empty(value):
            out.append(name)
        elif f.fields and f.type not in BUILT_IN:
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                here = f"{name}[{index + 1}]." if isinstance(value, list) else f"{name}."
                out += unanswered(f.fields, item, here)
    return out


@pytest.mark.parametrize(("profile", "form"), CASES)
def test_standard_path_matches_the_product(
    repos: dict[str, RecordsRepoFixture], profile: str, form: str
) -> None:
    data = parsed(profile, form)
    typed = {k: parse_date(v) if k == "date" else v for k, v in data.items()}
    assert expected_path(form_of(repos[profile], data), typed) == PATHS[profile, form]


def test_values_parse_as_a_person_meant_them() -> None:
    """The YAML styles used by hand read back as the values intended."""
    session = parsed("agenda", "session")
    assert session["start_time"] == "15:30"              # quoted
    assert session["next_meeting"]["time"] == "15:30"    # plain: not YAML 1.1's 930
    assert session["date"] == "2026-11-16"               # dates stay text until checked
    assert session["themes"] == ["neglect", "attendance", "multi-agency-working", "workload"]
    assert session["immediate_risk"]["raised"] is True
    assert session["case_management"]["cases"][0] == {"case_ref": "C-7K3QXM",
                                                      "case_status": "CP Plan"}
    review = session["previous_actions"]["review"]
    assert [item["outcome"] for item in review] == ["done", "carried-forward", "dropped"]
    assert session["wellbeing"]["actions"][0]["status"] == "open"  # comment after it dropped
    assert session["case_management"]["discussion"].count("\n") == 7  # block keeps lines

    contract = parsed("agenda", "contract")
    assert contract["setting"] == ('The small meeting room off the main office, with the door '
                                   'sign turned to "engaged" and the phone diverted to reception')
    assert parsed("reflective", "contract")["cancellation"] == (
        "Whoever cannot make a session tells the other as soon as they know, and we fix a "
        "new date in the same half term.\n")

    case_notes = parsed("agenda", "case-notes")
    assert case_notes["logs_up_to_date"] is True
    assert case_notes["chronology_up_to_date"] is False

    reflective = parsed("reflective", "session")
    assert reflective["start_time"] == "15:45"
    assert reflective["vulnerable_list_count"] == 27
    assert reflective["disagreement"] == ""
    assert len(reflective["frustrations"]) == 2
    assert reflective["frustrations"][1].endswith("misses the meeting.\n")
    assert "trust’s" in reflective["professional_development"]["training_needed"]

    informal = parsed("reflective", "informal")
    assert (informal["about_a_child"], informal["logged_on_chronology"]) == (True, True)
    assert parsed("reflective", "group-session")["supervisees"] == ["dsl-sample", "ddsl-sample"]


# -- the checker accepts them --------------------------------------------------------------
@pytest.mark.parametrize(("profile", "form"), CASES)
def test_record_checks_clean(
    repos: dict[str, RecordsRepoFixture], profile: str, form: str
) -> None:
    result = repos[profile].cli("check", "--no-time-rules", "--format", "json",
                                PATHS[profile, form])
    assert (result.code, result.json()) == (0, []), result.out + result.err


@pytest.mark.parametrize("profile", PROFILES)
def test_whole_repository_checks_clean(
    repos: dict[str, RecordsRepoFixture], profile: str
) -> None:
    repo = repos[profile]
    result = repo.cli("check", "--no-time-rules", "--format", "json")
    assert (result.code, result.json()) == (0, []), result.out + result.err
    count = sum(1 for p, _form in PATHS if p == profile)
    text = repo.cli("check", "--no-time-rules")
    assert text.code == 0
    assert f"All {count} records checked: no problems found." in text.out


# -- ...and refuses them broken --------------------------------------------------------------
@dataclass(frozen=True)
class Breakage:
    profile: str
    form: str
    name: str
    line: str             # a line of the record, exactly as written (must be unique)
    new: tuple[str, ...]  # what replaces it: nothing deletes it, two lines add one
    rule: str             # the finding this must give...
    at: str               # ...on this line of the broken record (exact text, unique)
    also: frozenset[str] = frozenset()  # other rules allowed to follow from the same fault


def breakage(profile: str, form: str, name: str, line: str, new: str | tuple[str, ...],
             rule: str, at: str | None = None, also: tuple[str, ...] = ()) -> Breakage:
    lines = (new,) if isinstance(new, str) else new
    where = at if at is not None else lines[-1]
    return Breakage(profile, form, name, line, lines, rule, where, frozenset(also))


# An invalid date or case reference is dropped from the typed record, so the rules that
# follow also see "no due date" / one case fewer: allowed, not required.
BREAKAGES = [
    breakage("agenda", "contract", "blank-role",
             "supervisee_role: Designated Safeguarding Lead (assistant head, pastoral)",
             "supervisee_role:", "SCHEMA-REQUIRED"),
    breakage("agenda", "contract", "duplicate-key", "session_minutes: 60",
             ("session_minutes: 60", "session_minutes: 45"), "YAML-DUPLICATE-KEY"),
    breakage("agenda", "contract", "no-such-date", "review_date: 2027-07-05",
             "review_date: 2027-06-31", "DATE-INVALID"),

    breakage("agenda", "session", "case-ref-format", "    - case_ref: C-4RT8WV",
             "    - case_ref: C-4RT8W", "CASE-REF-FORMAT"),
    breakage("agenda", "session", "due-2026-02-30", "      due: 2026-12-04",
             "      due: 2026-02-30", "DATE-INVALID", also=("ACTION-NO-DUE",)),
    breakage("agenda", "session", "decision-without-reasons",
             "      reasons: The plan is settled and low risk, and it frees time for the two "
             "more complex cases.", (), "DECISION-NO-REASON",
             at="    - decision: The deputy DSL takes over as lead for C-9DF2HA"),
    breakage("agenda", "session", "risk-without-owner", "  owner: dsl-sample", (),
             "RISK-NO-ACTION", at="immediate_risk:"),

    breakage("agenda", "group-session", "status-not-a-choice",
             "  - {case_ref: C-8NP3TG, case_status: CiN}",
             "  - {case_ref: C-8NP3TG, case_status: Child in need}", "SCHEMA-CHOICE"),
    breakage("agenda", "group-session", "too-short", "duration_minutes: 60",
             "duration_minutes: 45", "DURATION-OUT-OF-RANGE"),
    breakage("agenda", "group-session", "facilitator-is-member",
             "supervisees: [dsl-sample, ddsl-sample]",
             "supervisees: [dsl-sample, ddsl-sample, deputy-sample]",
             "SUPERVISOR-IS-SUPERVISEE"),

    breakage("agenda", "case-notes", "yes-no-answer", "logs_up_to_date: yes",
             "logs_up_to_date: mostly", "SCHEMA-TYPE"),
    breakage("agenda", "case-notes", "case-ref-format", "case_ref: C-7K3QXM",
             "case_ref: 7K3QXM", "CASE-REF-FORMAT"),
    breakage("agenda", "case-notes", "action-without-owner", "    owner: ddsl-sample", (),
             "ACTION-NO-OWNER",
             at="  - action: Share the attendance figures with the social worker before the "
             "core group"),

    breakage("agenda", "qa-review", "blank-evidence", "  felt_supported: yes",
             "  felt_supported:", "SCHEMA-REQUIRED"),
    breakage("agenda", "qa-review", "negative-count", "sessions_completed: 2",
             "sessions_completed: -1", "SCHEMA-RANGE"),
    breakage("agenda", "qa-review", "unknown-reviewer", "reviewer: head-sample",
             "reviewer: head-sampel", "PERSON-UNKNOWN"),

    breakage("reflective", "contract", "frequency-not-a-choice", "frequency: half-termly",
             "frequency: termly", "SCHEMA-CHOICE"),
    breakage("reflective", "contract", "duplicate-key",
             'location: "The library office, after school, with the door closed and phones on '
             'silent"',
             ('location: "The library office, after school, with the door closed and phones '
              'on silent"', "location: The head's office"), "YAML-DUPLICATE-KEY"),
    breakage("reflective", "contract", "blank-role", "supervisee_role: DSL",
             'supervisee_role: ""', "SCHEMA-REQUIRED"),

    breakage("reflective", "session", "case-ref-format", "  - case_ref: C-5HJ6ZR",
             "  - case_ref: C-5HJ6ZO", "CASE-REF-FORMAT", also=("CASES-TOO-FEW",)),
    breakage("reflective", "session", "due-2026-02-30", "    due: 2026-11-27",
             "    due: 2026-02-30", "DATE-INVALID", also=("ACTION-NO-DUE",)),
    breakage("reflective", "session", "outcome-not-a-choice", "    outcome: carried-forward",
             "    outcome: carried forward", "SCHEMA-CHOICE"),

    breakage("reflective", "group-session", "group-type-not-a-choice",
             "group_type: school-team", "group_type: school team", "SCHEMA-CHOICE"),
    breakage("reflective", "group-session", "theme-not-on-list",
             "themes: [online-safety, sexual-exploitation, multi-agency-working]",
             "themes: [online-safety, sexting, multi-agency-working]", "SCHEMA-CHOICE"),
    breakage("reflective", "group-session", "not-a-time", 'start_time: "08:00"',
             "start_time: 8am", "TIME-INVALID"),

    breakage("reflective", "informal", "not-on-chronology", "logged_on_chronology: yes",
             "logged_on_chronology: no", "ANSWER-MUST-BE-YES"),
    breakage("reflective", "informal", "mode-not-a-choice", "mode: phone",
             "mode: Teams call", "SCHEMA-CHOICE"),
    # Records about other records (issue 16): what the tools write must look like it.
    breakage("agenda", "chronology-entry", "version-not-an-id",
             "    version: 2a8593686c04a3aa1b7443396402b6a4f075a8b6",
             "    version: 2a8593686c04", "SCHEMA-TYPE"),
    breakage("agenda", "chronology-entry", "outcome-not-a-choice", "    outcome: entered",
             "    outcome: done", "SCHEMA-CHOICE"),
    breakage("agenda", "chronology-entry", "item-not-an-id",
             "      - id: 3ccec90a6eac   # the daily attendance check",
             "      - id: attendance-check", "SCHEMA-TYPE"),

    breakage("agenda", "escalation", "step-not-the-policys", "step: headteacher",
             "step: deputy-ceo", "SCHEMA-CHOICE"),
    breakage("agenda", "escalation", "unknown-mediator", "mediator: head-sample",
             "mediator: head-sampel", "PERSON-UNKNOWN"),
    breakage("agenda", "escalation", "resolved-without-a-date", "  date: 2026-11-30", (),
             "SCHEMA-REQUIRED", at="resolution:"),

    breakage("reflective", "chronology-entry", "not-needed-without-a-reason",
             "  reason: \"Logged as a professionals' meeting on the child's chronology the "
             "morning after the call.\"", (), "SCHEMA-REQUIRED", at="  outcome: not-needed"),
    breakage("reflective", "chronology-entry", "record-outside-the-records",
             "- record: records/example-school/2026-27/dsl-sample/2026-11-19-informal.yaml",
             "- record: ../2026-11-19-informal.yaml", "SCHEMA-TYPE"),

    breakage("reflective", "escalation", "version-not-an-id",
             "           version: 8ec1ee5ecb17704a7f3bcd8e1136042dd771bba4}",
             "           version: latest}", "SCHEMA-TYPE"),
    breakage("reflective", "escalation", "step-not-the-policys", "step: deputy-ceo",
             "step: headteacher", "SCHEMA-CHOICE"),
    breakage("reflective", "escalation", "no-such-date", "  date: 2026-11-27",
             "  date: 2026-11-31", "DATE-INVALID"),

    breakage("reflective", "policy-assessment", "negative-count", "records_read: 6",
             "records_read: -2", "SCHEMA-RANGE"),
    breakage("reflective", "policy-assessment", "unknown-assessor", "assessor: head-sample",
             "assessor: head-sampel", "PERSON-UNKNOWN"),
    breakage("reflective", "policy-assessment", "action-without-owner",
             "    owner: head-sample", (), "ACTION-NO-OWNER",
             at="  - action: Propose a workload prompt for the session form to the trust "
             "safeguarding group"),

    # 01632 960xxx is Ofcom's range for drama: a phone number that belongs to nobody.
    breakage("reflective", "informal", "phone-number",
             "  the safety plan is in place, but that the DSL would call the GP first thing.",
             "  the safety plan is in place, but that the DSL would ring 01632 960123 first.",
             "PRIVACY-PHONE"),
]


def test_every_record_has_breakages() -> None:
    counts = {key: 0 for key in PATHS}
    for b in BREAKAGES:
        counts[b.profile, b.form] += 1
    assert all(2 <= n <= 4 for n in counts.values()), counts


def line_number(lines: list[str], text: str) -> int:
    found = [number for number, line in enumerate(lines, start=1) if line == text]
    assert len(found) == 1, f"{text!r} appears {len(found)} times"
    return found[0]


@pytest.mark.parametrize("b", BREAKAGES, ids=lambda b: f"{b.profile}-{b.form}-{b.name}")
def test_broken_record_is_refused_at_the_broken_line(
    repos: dict[str, RecordsRepoFixture], b: Breakage
) -> None:
    repo = repos[b.profile]
    relpath = PATHS[b.profile, b.form]
    original = fixture_path(b.profile, b.form).read_text(encoding="utf-8")
    lines = original.split("\n")
    where = line_number(lines, b.line)
    broken = lines[:where - 1] + list(b.new) + lines[where:]
    expected_line = line_number(broken, b.at)
    target = repo.root / relpath
    try:
        target.write_text("\n".join(broken), encoding="utf-8")
        result = repo.cli("check", "--no-time-rules", "--format", "json", relpath)
    finally:
        target.write_text(original, encoding="utf-8")
    assert result.code == 1, result.out + result.err
    findings = result.json()
    assert {f["path"] for f in findings} == {relpath}
    assert (b.rule, expected_line) in {(f["rule"], f["line"]) for f in findings}, findings
    assert {f["rule"] for f in findings} <= {b.rule} | b.also, findings
    # The finding names the field, never what was typed into free text.
    assert all("01632" not in f["message"] for f in findings)

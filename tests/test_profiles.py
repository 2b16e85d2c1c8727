"""Profiles are data: a school copies one, changes a number or field, no Python."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from conftest import RecordsRepoFixture
from supervision.config import DEFAULT_CASE_REF
from supervision.forms.definition import BUILTIN_PROFILES, PolicyRules, load_profile
from supervision.forms.json_schema import form_schema, render, schema_name

DOMAIN_NUMBERS = {  # the rule table in the domain brief, per profile
    "reflective": {"session_minutes_min": 60, "cases_max": 2, "sessions_per_half_term": 1},
    "agenda": {"session_minutes_min": 60, "session_minutes_max": 60, "term_minutes_min": 120,
               "group_share_max_percent": 50, "cases_max": 3, "case_notes_days_before": 7,
               "record_due_working_days": 10, "rebook_within_working_days": 5},
}


@pytest.mark.parametrize("name", BUILTIN_PROFILES)
def test_builtin_profiles_load_with_the_policy_numbers(name: str) -> None:
    profile, problems = load_profile(name)
    assert problems == [] and profile is not None
    for key, value in DOMAIN_NUMBERS[name].items():
        assert getattr(profile.rules, key) == value, key
    assert set(PolicyRules.names()) >= set(DOMAIN_NUMBERS[name])


@pytest.mark.parametrize("name", BUILTIN_PROFILES)
def test_shipped_schemas_are_up_to_date(name: str) -> None:
    profile, _ = load_profile(name)
    assert profile is not None
    shipped = resources.files("supervision.forms").joinpath("schemas", name)
    for form in profile.forms.values():
        text = shipped.joinpath(schema_name(form)).read_text(encoding="utf-8")
        assert text == render(form_schema(form, profile, DEFAULT_CASE_REF)), (
            f"{name}/{form.key}: run `make schemas`")


def test_schema_agrees_with_the_checker(agenda_repo: RecordsRepoFixture) -> None:
    relpath, data = agenda_repo.filled("session")
    schema = json.loads((agenda_repo.root / "schemas/agenda/session.schema.json").read_text())
    jsonschema.validate(data, schema)
    data["welbeing"] = data.pop("wellbeing")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_a_school_copy_changes_numbers_and_fields(agenda_repo: RecordsRepoFixture) -> None:
    root = agenda_repo.root
    source = resources.files("supervision.forms").joinpath("profiles", "agenda.yml").read_text()
    custom = source.replace("id: agenda", "id: our-policy").replace(
        "  cases_max: 3", "  cases_max: 1").replace(
        "      - {name: aob_notes, type: text}", "")
    custom = custom.replace(
        "      - {name: immediate_risk, type: risk, required: true, label: Immediate "
        "safeguarding issues}",
        "      - {name: immediate_risk, type: risk, required: true, label: Immediate "
        "safeguarding issues}\n      - {name: restorative_reflection, type: text, "
        "required: true, label: What did you learn about yourself?}", 1)
    (root / "profiles").mkdir()
    (root / "profiles" / "our-policy.yml").write_text(custom)
    config = root / "supervision.yml"
    config.write_text(config.read_text().replace("profile: agenda", "profile: profiles/our-policy.yml"))
    relpath, data = agenda_repo.filled("session")
    assert "restorative_reflection" in data
    data["case_management"]["cases"] = [{"case_ref": "C-AAAAA1", "case_status": "CiN"},
                                        {"case_ref": "C-AAAAA2", "case_status": "EHA"}]
    agenda_repo.write(relpath, data)
    rules = agenda_repo.check(relpath).rules()
    assert rules == ["CASES-TOO-MANY"]
    made = agenda_repo.cli("new", "session", "--supervisee", "ddsl-sample",
                           "--supervisor", "deputy-sample")
    assert made.code == 0, made.err
    assert "restorative_reflection:" in (root / made.out.strip()).read_text()
    assert (root / "schemas" / "our-policy" / "session.schema.json").is_file()


def test_a_broken_profile_is_reported_where_it_is_broken(agenda_repo: RecordsRepoFixture) -> None:
    root = agenda_repo.root
    (root / "profiles").mkdir()
    source = resources.files("supervision.forms").joinpath("profiles", "agenda.yml").read_text()
    needle = 'type: yesno, required: true, label: "Are the logs'
    assert needle in source
    broken = source.replace("  cases_max: 3", "  cases_maxx: 3").replace(
        needle, needle.replace("yesno", "yes-no"))
    (root / "profiles" / "bad.yml").write_text(broken)
    config = root / "supervision.yml"
    config.write_text(config.read_text().replace("profile: agenda", "profile: profiles/bad.yml"))
    result = agenda_repo.check()
    assert result.code == 1
    bad = [f for f in result.json() if f["path"] == "profiles/bad.yml"]
    messages = " | ".join(f["message"] for f in bad)
    assert "did you mean 'cases_max'" in messages
    assert "unknown type 'yes-no'" in messages
    lines = broken.splitlines()
    for f in bad:
        assert f["line"] > 1 and lines[f["line"] - 1].strip()


def test_missing_profile_file(agenda_repo: RecordsRepoFixture) -> None:
    config = agenda_repo.root / "supervision.yml"
    config.write_text(config.read_text().replace("profile: agenda", "profile: profiles/nope.yml"))
    result = agenda_repo.check()
    assert result.code == 1
    [found] = [f for f in result.json() if f["rule"] == "PROFILE-UNKNOWN"]
    assert found["path"] == "supervision.yml"
    assert "profiles/nope.yml does not exist inside this repository" in found["message"]


def test_profile_commands(agenda_repo: RecordsRepoFixture) -> None:
    listed = agenda_repo.cli("profile", "list")
    assert listed.code == 0 and "reflective" in listed.out and "agenda" in listed.out
    shown = agenda_repo.cli("profile", "show", "agenda")
    assert shown.code == 0
    assert "record_due_working_days: 10" in shown.out
    assert "case-notes: Supervisee's case notes" in shown.out
    copied = agenda_repo.cli("profile", "copy", "agenda", "profiles/our-policy.yml")
    assert copied.code == 0, copied.err
    text = (agenda_repo.root / "profiles" / "our-policy.yml").read_text()
    assert "\nid: our-policy\n" in text
    again = agenda_repo.cli("profile", "copy", "agenda", "profiles/our-policy.yml")
    assert again.code == 1 and "already exists" in again.err
    config = agenda_repo.root / "supervision.yml"
    config.write_text(config.read_text().replace("profile: agenda",
                                                 "profile: profiles/our-policy.yml"))
    assert agenda_repo.check().code == 0
    listed = agenda_repo.cli("profile", "list")
    assert "profiles/our-policy.yml" in listed.out
    outside = agenda_repo.cli("profile", "copy", "agenda", "../elsewhere.yml")
    assert outside.code == 2 and "must be inside the records repository" in outside.err
    assert not (agenda_repo.root.parent / "elsewhere.yml").exists()


@pytest.mark.parametrize("name", ["core", *BUILTIN_PROFILES])
def test_profiles_are_portable_yaml(name: str) -> None:
    """Editors and other tools use pure-Python or stricter parsers than libyaml."""
    import yaml

    text = resources.files("supervision.forms").joinpath("profiles", f"{name}.yml").read_text()
    assert isinstance(yaml.load(text, Loader=yaml.SafeLoader), dict)


@pytest.mark.parametrize("name", BUILTIN_PROFILES)
def test_a_built_in_profile_is_parsed_once_and_each_caller_gets_its_own(name: str) -> None:
    """The package's profile files are parsed once per process (the resident checker
    parses them before it forks): the document is the same object each time, the
    profile made from it equals a fresh one, and each caller has its own problems."""
    from supervision.forms.profile_files import BUILT_IN, parse_built_in, parse_profile
    from supervision.problems import Problem

    first, problems = load_profile(name)
    problems.append(Problem(path="x", line=1, col=1, rule="R", severity="error",
                            message="a caller's own"))
    again, problems_again = load_profile(name)
    assert again == first and len(problems) == len(problems_again) + 1
    doc, _ = parse_built_in(f"{name}.yml")
    assert parse_built_in(f"{name}.yml")[0] is doc
    fresh, _ = parse_profile(BUILT_IN / f"{name}.yml")
    assert fresh is not None and doc is not None and fresh.data == doc.data

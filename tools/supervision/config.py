"""The two configuration files of a records repository.

``supervision.yml`` names the organisation, its schools, the policy profile in
use, the calendar and privacy settings; ``people.yml`` lists everyone who
appears in records. Both are checked with the same machinery as records, so a
typo in either gets the same located message.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supervision.forms.definition import load_core
from supervision.forms.validate import Context, validate
from supervision.forms.yamlparse import Document, parse_file
from supervision.problems import Problem
from supervision.rules import problem

CONFIG_FILE = "supervision.yml"
PEOPLE_FILE = "people.yml"
DEFAULT_CASE_REF = r"^C-[0-9A-HJ-NP-Z]{6}$"


@dataclass(frozen=True, slots=True)
class School:
    id: str
    name: str
    profile: str | None = None
    phase: str | None = None    # optional: reports combine schools of a phase
    cluster: str | None = None  # optional: reports combine schools of a cluster


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    roles: tuple[str, ...] = ()
    school: str | None = None
    email: str | None = None
    fingerprints: tuple[str, ...] = ()
    dsl_training: dt.date | None = None
    supervision_training: dt.date | None = None
    left: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Config:
    organisation: str
    profile: str
    schools: dict[str, School]
    calendar: str = "calendar"
    working_days: str = "weekdays"
    bank_holidays: str = "ENG"
    retention_years: int = 7
    policy_adopted: dt.date | None = None
    policy_review: dt.date | None = None
    suppression_threshold: int = 5
    case_ref_pattern: str = DEFAULT_CASE_REF
    deny_list: str | None = None
    max_record_bytes: int = 1_000_000
    admins: tuple[str, ...] = ()
    admins_required: int = 1


@dataclass
class Loaded:
    config: Config | None
    people: dict[str, Person] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: The parsed settings files by name (supervision.yml, people.yml), kept so that
    #: rules pointing at a line in them need not read them again.
    documents: dict[str, Document] = field(default_factory=dict)


def _load(root: Path, name: str) -> tuple[Document | None, list[Problem]]:
    path = root / name
    if not path.exists():
        return None, [problem("CONFIG-MISSING", name, 1, 1, f"{name} is missing")]
    return parse_file(str(path), name)


def load_config(root: Path) -> Loaded:
    """Read and check supervision.yml and people.yml (never raises on bad input)."""
    _kinds, forms, problems = load_core()
    loaded = Loaded(config=None, problems=list(problems))
    doc, found = _load(root, "supervision.yml")
    loaded.problems += found
    if doc is not None:
        loaded.documents["supervision.yml"] = doc
        typed, found = validate(doc, forms["supervision.yml"], Context(check_people=False))
        loaded.problems += found
        loaded.config = _config(typed, doc, loaded.problems)
    doc, found = _load(root, "people.yml")
    loaded.problems += found
    if doc is not None:
        loaded.documents["people.yml"] = doc
        typed, found = validate(doc, forms["people.yml"], Context(check_people=False))
        loaded.problems += found
        loaded.people = _people(typed, doc, loaded)
    return loaded


def _config(typed: dict[str, Any], doc: Document, problems: list[Problem]) -> Config | None:
    if "organisation" not in typed or "profile" not in typed or not typed.get("schools"):
        return None
    schools: dict[str, School] = {}
    for index, raw in enumerate(typed["schools"]):
        if "id" not in raw:
            continue
        if raw["id"] in schools:
            line, col = doc.where(("schools", index, "id"))
            problems.append(problem("CONFIG-INVALID", doc.path, line, col,
                                    f"the school id '{raw['id']}' is used twice"))
            continue
        cluster = raw.get("cluster")
        schools[raw["id"]] = School(raw["id"], raw.get("name", raw["id"]), raw.get("profile"),
                                    raw.get("phase"), cluster.strip() if cluster else None)
    privacy = typed.get("privacy", {})
    policy = typed.get("policy", {})
    pattern = privacy.get("case_ref_pattern", DEFAULT_CASE_REF)
    try:
        re.compile(pattern)
    except re.error as exc:
        line, col = doc.where(("privacy", "case_ref_pattern"))
        problems.append(problem("CONFIG-INVALID", doc.path, line, col,
                                f"the case reference pattern is not a valid regular expression: "
                                f"{exc}"))
        pattern = DEFAULT_CASE_REF
    return Config(
        organisation=typed["organisation"],
        profile=typed["profile"],
        schools=schools,
        calendar=typed.get("calendar", "calendar"),
        working_days=typed.get("working_days", "weekdays"),
        bank_holidays=typed.get("bank_holidays", "ENG"),
        retention_years=typed.get("retention_years", 7),
        policy_adopted=policy.get("adopted"),
        policy_review=policy.get("review_date"),
        suppression_threshold=privacy.get("suppression_threshold", 5),
        case_ref_pattern=pattern,
        deny_list=privacy.get("deny_list"),
        max_record_bytes=typed.get("max_record_bytes", 1_000_000),
        admins=tuple(typed.get("admins", ())),
        admins_required=typed.get("admins_required", 1),
    )


def _people(typed: dict[str, Any], doc: Document, loaded: Loaded) -> dict[str, Person]:
    people: dict[str, Person] = {}
    schools = loaded.config.schools if loaded.config else None
    for index, raw in enumerate(typed.get("people", [])):
        if "id" not in raw:
            continue
        pid = raw["id"]
        if pid in people:
            line, col = doc.where(("people", index, "id"))
            loaded.problems.append(problem("PERSON-DUPLICATE", doc.path, line, col,
                                           f"the id '{pid}' is used by two people"))
            continue
        school = raw.get("school")
        if school is not None and schools is not None and school not in schools:
            line, col = doc.where(("people", index, "school"))
            loaded.problems.append(problem("SCHOOL-UNKNOWN", doc.path, line, col,
                                           f"'{pid}' is placed at school '{school}', which is "
                                           "not in supervision.yml"))
        people[pid] = Person(
            id=pid,
            name=raw.get("name", pid),
            roles=tuple(raw.get("roles", ())),
            school=school,
            email=raw.get("email"),
            fingerprints=tuple(raw.get("fingerprints", ())),
            dsl_training=raw.get("dsl_training"),
            supervision_training=raw.get("supervision_training"),
            left=raw.get("left"),
        )
    return people

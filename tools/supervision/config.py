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
    #: privacy.sealed: free text encrypted to each record's readers (issue 19)
    sealed: bool = False
    readers: tuple[str, ...] = ()
    recovery_key: str | None = None


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


def load_config(root: Path, remembered: bool = False) -> Loaded:
    """Read and check supervision.yml and people.yml (never raises on bad input).

    ``remembered``: settings files that checked clean before (the same bytes, under the
    same code) are rebuilt from the values the store kept of them instead of being
    parsed and checked again. people.yml of a large trust is most of what loading the
    settings costs, and the pre-commit hook loads them on every commit. Files with any
    finding are never kept, so every finding still comes with its line; the parsed
    documents (line numbers for time-rule findings located in them) are then read when a
    rule first needs one. Only commands in a person's own clone ask for this, never the
    server gate (its files are what was pushed, its store is its own).
    """
    key = _snapshot_key(root) if remembered else None
    if key is not None:
        kept = _kept(root, key)
        if kept is not None:
            return kept
    loaded, typed = _checked(root)
    if key is not None and not loaded.problems and len(typed) == 2:
        _keep(root, key, typed)
    return loaded


def _checked(root: Path) -> tuple[Loaded, dict[str, dict[str, Any]]]:
    """The settings as read and checked now, and each file's checked values."""
    _kinds, forms, problems = load_core()
    loaded = Loaded(config=None, problems=list(problems))
    typed: dict[str, dict[str, Any]] = {}
    for name in (CONFIG_FILE, PEOPLE_FILE):
        doc, found = _load(root, name)
        loaded.problems += found
        if doc is None:
            continue
        loaded.documents[name] = doc
        typed[name], found = validate(doc, forms[name], Context(check_people=False))
        loaded.problems += found
        if name == CONFIG_FILE:
            loaded.config = _config(typed[name], doc, loaded.problems)
        else:
            loaded.people = _people(typed[name], doc, loaded)
    return loaded, typed


# -- settings kept in the store (see load_config's ``remembered``) ---------------------
SETTINGS_NAMESPACE = "settings"


def _snapshot_key(root: Path) -> str | None:
    """What the kept values depend on besides the code: both files' bytes."""
    import hashlib

    digest = hashlib.sha256()
    for name in (CONFIG_FILE, PEOPLE_FILE):
        try:
            raw = (root / name).read_bytes()
        except OSError:
            return None
        digest.update(b"%s:%d:%s" % (name.encode(), len(raw), raw))
    return digest.hexdigest()


def _kept(root: Path, key: str) -> Loaded | None:
    from supervision.cache import Cache, code_fingerprint

    cache = Cache(root, SETTINGS_NAMESPACE, code_fingerprint())
    try:
        value = cache.get(key, [])
    finally:
        cache.close()
    if not isinstance(value, dict) or set(value) != {CONFIG_FILE, PEOPLE_FILE}:
        return None
    loaded = Loaded(config=None)
    loaded.config = _config(_dates_back(value[CONFIG_FILE]), None, loaded.problems)
    loaded.people = _people(_dates_back(value[PEOPLE_FILE]), None, loaded)
    return loaded if not loaded.problems else None


def _keep(root: Path, key: str, typed: dict[str, dict[str, Any]]) -> None:
    from supervision.cache import Cache, code_fingerprint

    value = {name: _dates_out(values) for name, values in typed.items()}
    if any(v is _UNKEPT for v in value.values()):
        return
    cache = Cache(root, SETTINGS_NAMESPACE, code_fingerprint())
    try:
        cache.clear()  # one pair of files at a time
        cache.put(key, [], value)
        cache.save()
    finally:
        cache.close()


_UNKEPT = object()
_DATE = "$date"


def _dates_out(value: Any) -> Any:
    """Checked values as JSON: a date as {"$date": "YYYY-MM-DD"}; :data:`_UNKEPT` when
    something else is not JSON (then nothing is kept)."""
    if isinstance(value, dict):
        out = {k: _dates_out(v) for k, v in value.items()}
        keys_ok = all(isinstance(k, str) and k != _DATE for k in value)
        return out if keys_ok and not any(v is _UNKEPT for v in out.values()) else _UNKEPT
    if isinstance(value, list | tuple):
        items = [_dates_out(v) for v in value]
        return _UNKEPT if any(i is _UNKEPT for i in items) else items
    if isinstance(value, dt.datetime):
        return _UNKEPT
    if isinstance(value, dt.date):
        return {_DATE: value.isoformat()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return _UNKEPT


def _dates_back(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_DATE}:
            return dt.date.fromisoformat(value[_DATE])
        return {k: _dates_back(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_back(v) for v in value]
    return value


def _at(doc: Document | None, keypath: tuple[str | int, ...]) -> tuple[int, int]:
    return doc.where(keypath) if doc is not None else (1, 1)


def _config(typed: dict[str, Any], doc: Document | None,
            problems: list[Problem]) -> Config | None:
    if "organisation" not in typed or "profile" not in typed or not typed.get("schools"):
        return None
    schools: dict[str, School] = {}
    for index, raw in enumerate(typed["schools"]):
        if "id" not in raw:
            continue
        if raw["id"] in schools:
            line, col = _at(doc, ("schools", index, "id"))
            problems.append(problem("CONFIG-INVALID", CONFIG_FILE, line, col,
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
        line, col = _at(doc, ("privacy", "case_ref_pattern"))
        problems.append(problem("CONFIG-INVALID", CONFIG_FILE, line, col,
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
        sealed=privacy.get("sealed") is True,
        readers=tuple(privacy.get("readers", ())),
        recovery_key=privacy.get("recovery_key"),
    )


def _people(typed: dict[str, Any], doc: Document | None, loaded: Loaded) -> dict[str, Person]:
    people: dict[str, Person] = {}
    schools = loaded.config.schools if loaded.config else None
    for index, raw in enumerate(typed.get("people", [])):
        if "id" not in raw:
            continue
        pid = raw["id"]
        if pid in people:
            line, col = _at(doc, ("people", index, "id"))
            loaded.problems.append(problem("PERSON-DUPLICATE", PEOPLE_FILE, line, col,
                                           f"the id '{pid}' is used by two people"))
            continue
        school = raw.get("school")
        if school is not None and schools is not None and school not in schools:
            line, col = _at(doc, ("people", index, "school"))
            loaded.problems.append(problem("SCHOOL-UNKNOWN", PEOPLE_FILE, line, col,
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

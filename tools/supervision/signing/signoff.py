"""Sign-off: what a signing commit claims, and who a record says must sign it.

A sign-off is one GPG-signed commit per signer. Its message ends with three
trailers::

    Supervision-Role: supervisor
    Supervision-Record: records/example-school/2026-27/dsl-sample/2026-11-16-session.yaml
    Supervision-Blob: 3b18e512dba79e4c8300dd08aeb37f8e728b8dad

naming the role, the record and the record's git blob id when it was signed.
The role names are the form's ``signers`` (``core.yml``), and each role is also
the field of the record holding that person's id.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from supervision.forms.definition import Form, load_core
from supervision.forms.yamlparse import KeyPath, parse_bytes
from supervision.repo import RecordsRepo

ROLE_TRAILER = "Supervision-Role"
RECORD_TRAILER = "Supervision-Record"
BLOB_TRAILER = "Supervision-Blob"
_TRAILERS = {t.lower(): t for t in (ROLE_TRAILER, RECORD_TRAILER, BLOB_TRAILER)}
DISAGREEMENT_FIELD = "disagreement"

_PATH = re.compile(r"(?:records|contracts)/[A-Za-z0-9._/-]+\.ya?ml\Z")
_BLOB = re.compile(r"[0-9a-f]{40}\Z")
_ROLE = re.compile(r"[a-z][a-z0-9_-]*\Z")


@dataclass(frozen=True, slots=True)
class Claim:
    role: str
    path: str
    blob: str


@functools.cache
def _core_signers() -> dict[str, tuple[str, ...]]:
    kinds, _config, _problems = load_core()
    return {key: spec["signers"] for key, spec in kinds.items()}


def signers_of(form: str) -> tuple[str, ...]:
    """Who signs a form (``session``, ``group-session``...), first signer first.

    Taken from ``core.yml``'s ``signers``, the same list each loaded form has, for
    callers that hold only a record's facts and not its form.
    """
    return _core_signers().get(form, ())


def is_record_path(path: str) -> bool:
    return bool(_PATH.match(path)) and "/../" not in f"/{path}/" and "/./" not in f"/{path}/"


def message(role: str, path: str, blob: str, person: str, disagreement: bool) -> str:
    """The commit message of a sign-off (subject, a sentence, the trailers)."""
    what = ("records a disagreement in this record and signs it"
            if disagreement else "signs this record as accurate")
    return (f"Sign-off: {path} ({role})\n\n"
            f"{person} {what}, as its {role}.\n\n"
            f"{ROLE_TRAILER}: {role}\n{RECORD_TRAILER}: {path}\n{BLOB_TRAILER}: {blob}\n")


def read_claim(text: str) -> tuple[Claim | None, str | None]:
    """The sign-off a commit message claims: (claim, None), (None, None) if it is no
    sign-off, or (None, what is wrong) when its trailers cannot be understood."""
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return None, None
    values: dict[str, list[str]] = {}
    for line in paragraphs[-1].splitlines():
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key.startswith("supervision-"):
            values.setdefault(key, []).append(value.strip())
    if not values:
        return None, None
    unknown = sorted(set(values) - set(_TRAILERS))
    if unknown:
        return None, f"it has a trailer this tool does not know ({unknown[0]})"
    for key, name in _TRAILERS.items():
        if key not in values:
            return None, f"the {name} trailer is missing"
        if len(values[key]) != 1:
            return None, f"the {name} trailer appears {len(values[key])} times"
    role = values["supervision-role"][0]
    path = values["supervision-record"][0]
    blob = values["supervision-blob"][0].lower()
    if not _ROLE.match(role):
        return None, "the Supervision-Role trailer is not a role name"
    if not is_record_path(path):
        return None, "the Supervision-Record trailer is not the path of a record"
    if not _BLOB.match(blob):
        return None, "the Supervision-Blob trailer is not a 40-digit git object id"
    return Claim(role, path, blob), None


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """What sign-off needs from one version of a record (no free text)."""

    form: str | None  # form key, None when the record cannot be read
    signers: tuple[str, ...] = ()
    holders: tuple[tuple[str, str], ...] = ()  # (role, person id)
    disagreement: bool = False

    def holder(self, role: str) -> str | None:
        return dict(self.holders).get(role)

    def as_json(self) -> list[Any]:
        return [self.form, list(self.signers), [list(h) for h in self.holders],
                self.disagreement]

    @classmethod
    def from_json(cls, value: list[Any]) -> RecordFacts:
        return cls(value[0], tuple(value[1]), tuple((r, p) for r, p in value[2]), value[3])


def form_of(repo: RecordsRepo, data: Any) -> Form | None:
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        return None
    school = data.get("school") if isinstance(data.get("school"), str) else None
    group = data.get("kind") == "session" and data.get("format") == "group"
    return repo.form(school, data["kind"], group)


def disagreement_keypath(form: Form) -> KeyPath | None:
    """Where the form keeps disagreements (a text field named 'disagreement')."""
    for keypath, f in form.walk():
        if f.name == DISAGREEMENT_FIELD and f.type == "text" and not any(
                isinstance(p, int) for p in keypath):
            return keypath
    return None


def value_at(data: Any, keypath: KeyPath) -> Any:
    for part in keypath:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def record_facts(repo: RecordsRepo, raw: bytes, path: str,
                 places: dict[int, KeyPath | None] | None = None) -> RecordFacts:
    """``places`` remembers where each form (by identity) keeps disagreements."""
    max_bytes = repo.config.max_record_bytes if repo.config else 1_000_000
    doc, _problems = parse_bytes(raw, path, max_bytes)
    data = doc.data if doc is not None else None
    form = form_of(repo, data)
    if form is None or not isinstance(data, dict):
        return RecordFacts(None)
    holders = tuple((role, data[role]) for role in form.signers
                    if isinstance(data.get(role), str))
    places = {} if places is None else places
    if id(form) not in places:
        places[id(form)] = disagreement_keypath(form)
    where = places[id(form)]
    text = value_at(data, where) if where else None
    return RecordFacts(form.key, form.signers, holders,
                       isinstance(text, str) and bool(text.strip()))

"""Sign-off: what a signing commit claims, and who a record says must sign it.

A sign-off is one GPG-signed commit per signer. Its message ends with three
trailers::

    Supervision-Role: supervisor
    Supervision-Record: records/example-school/2026-27/dsl-sample/2026-11-16-session.yaml
    Supervision-Blob: 3b18e512dba79e4c8300dd08aeb37f8e728b8dad

naming the role, the record and the record's git blob id when it was signed.
The role names are the form's ``signers`` (``core.yml``), and each role is also
the field of the record holding that person's id.

Three more trailers go on other commits the tools make: ``Supervision-Reason``
(why an admin deleted or renamed an agreed record), ``Supervision-Approve`` (an
admin approves another admin's change of who may sign, naming its commit) and
``Supervision-Confirm-Key`` (a person confirms, with one of their older keys, a new
key registered for them).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from sys import intern
from typing import Any

from supervision.config import CONFIG_FILE
from supervision.forms.definition import Form, load_core
from supervision.forms.yamlparse import KeyPath, data_of_bytes
from supervision.repo import RecordsRepo

ROLE_TRAILER = "Supervision-Role"
RECORD_TRAILER = "Supervision-Record"
BLOB_TRAILER = "Supervision-Blob"
REASON_TRAILER = "Supervision-Reason"
APPROVE_TRAILER = "Supervision-Approve"
CONFIRM_TRAILER = "Supervision-Confirm-Key"
_CLAIM = {t.lower(): t for t in (ROLE_TRAILER, RECORD_TRAILER, BLOB_TRAILER)}
_TRAILERS = {t.lower(): t for t in (ROLE_TRAILER, RECORD_TRAILER, BLOB_TRAILER,
                                    REASON_TRAILER, APPROVE_TRAILER, CONFIRM_TRAILER)}
_FPR = re.compile(r"[0-9A-F]{40}\Z")
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


#: A sealed record's readers file sits beside it as NAME.yaml + this (the sealing wing's
#: ``sidecar.SUFFIX`` is this constant); verify guards who may change it.
READERS_SUFFIX = ".readers"


def is_record_path(path: str) -> bool:
    return bool(_PATH.match(path)) and "/../" not in f"/{path}/" and "/./" not in f"/{path}/"


def message(role: str, path: str, blob: str, person: str, disagreement: bool) -> str:
    """The commit message of a sign-off (subject, a sentence, the trailers)."""
    what = ("records a disagreement in this record and signs it"
            if disagreement else "signs this record as accurate")
    return (f"Sign-off: {path} ({role})\n\n"
            f"{person} {what}, as its {role}.\n\n"
            f"{ROLE_TRAILER}: {role}\n{RECORD_TRAILER}: {path}\n{BLOB_TRAILER}: {blob}\n")


@dataclass(frozen=True, slots=True)
class Trailers:
    """What a commit message's ``Supervision-*`` trailers say."""

    claim: Claim | None = None
    error: str | None = None  # why the trailers cannot be understood
    reason: str | None = None
    approves: str | None = None  # the commit id an approval names
    confirms: str | None = None  # the fingerprint a key confirmation names


def approval_message(commit: str, person: str) -> str:
    """An admin's approval of another admin's change of who may sign."""
    return (f"Approve the trust change {commit[:10]}\n\n"
            f"{person} approves commit {commit} (a change of people.yml, keys/ or the "
            f"admins).\n\n{APPROVE_TRAILER}: {commit}\n")


def confirm_message(fingerprint: str, person: str) -> str:
    """A person's confirmation, signed with an older key of theirs, of a new key."""
    return (f"Confirm my new signing key {fingerprint[-16:]}\n\n"
            f"{person} confirms that the key {fingerprint} registered for them is "
            f"theirs.\n\n{CONFIRM_TRAILER}: {fingerprint}\n")


def read_trailers(text: str) -> Trailers:
    """The ``Supervision-*`` trailers of a commit message (its last paragraph)."""
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return Trailers()
    values: dict[str, list[str]] = {}
    for line in paragraphs[-1].splitlines():
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key.startswith("supervision-"):
            values.setdefault(key, []).append(value.strip())
    if not values:
        return Trailers()
    unknown = sorted(set(values) - set(_TRAILERS))
    if unknown:
        return Trailers(error=f"it has a trailer this tool does not know ({unknown[0]})")
    for key, found in values.items():
        if len(found) != 1:
            return Trailers(error=f"the {_TRAILERS[key]} trailer appears {len(found)} times")
    one = {key: found[0] for key, found in values.items()}
    claim = None
    if set(one) & set(_CLAIM):
        missing = [name for key, name in _CLAIM.items() if key not in one]
        if missing:
            return Trailers(error=f"the {missing[0]} trailer is missing")
        role, path = one["supervision-role"], one["supervision-record"]
        blob = one["supervision-blob"].lower()
        if not _ROLE.match(role):
            return Trailers(error="the Supervision-Role trailer is not a role name")
        if not is_record_path(path):
            return Trailers(error="the Supervision-Record trailer is not the path of a record")
        if not _BLOB.match(blob):
            return Trailers(error="the Supervision-Blob trailer is not a 40-digit git object id")
        claim = Claim(role, path, blob)
    approves = one.get("supervision-approve")
    if approves is not None and not _BLOB.match(approves.lower()):
        return Trailers(error="the Supervision-Approve trailer is not a 40-digit commit id")
    confirms = one.get("supervision-confirm-key")
    if confirms is not None and not _FPR.match(confirms.replace(" ", "").upper()):
        return Trailers(error="the Supervision-Confirm-Key trailer is not a key fingerprint")
    reason = one.get("supervision-reason")
    if reason is not None and not reason:
        return Trailers(error="the Supervision-Reason trailer is empty")
    return Trailers(claim, None, reason, approves.lower() if approves else None,
                    confirms.replace(" ", "").upper() if confirms else None)


#: The fields of a record that name people (the roles people hold in it).
PEOPLE_FIELDS = ("supervisor", "supervisee", "supervisees", "reviewer", "mediator", "assessor")


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """What sign-off needs from one version of a record (no free text)."""

    form: str | None  # form key, None when the record cannot be read
    signers: tuple[str, ...] = ()
    holders: tuple[tuple[str, str], ...] = ()  # (role, person id)
    disagreement: bool = False
    date: str | None = None  # the record's date, YYYY-MM-DD
    school: str | None = None
    #: (field, person id) for every field naming a person, in order
    people: tuple[tuple[str, str], ...] = ()
    status: str | None = None  # a session's planned / held / cancelled

    def holder(self, role: str) -> str | None:
        return dict(self.holders).get(role)

    @property
    def subject(self) -> str | None:
        """The supervisee the record is about (one person), if it names one."""
        return dict(self.people).get("supervisee")

    def as_json(self) -> list[Any]:
        return [self.form, list(self.signers), [list(h) for h in self.holders],
                self.disagreement, self.date, self.school, [list(p) for p in self.people],
                self.status]

    @classmethod
    def from_json(cls, value: list[Any]) -> RecordFacts:
        return cls(value[0], tuple(value[1]), tuple((r, p) for r, p in value[2]), value[3],
                   value[4], value[5], tuple((f, p) for f, p in value[6]), value[7])


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


#: Where the facts of each record version are shared (keyed by blob id): ``check``
#: writes them for the records it parses, so verify never parses a version again.
FACTS_NAMESPACE = "record-facts"
FACTS_FORMAT = 1


def _profile_files(repo: RecordsRepo) -> list[Path]:
    return [Path(p.source) for p in repo.profiles.values() if not p.source.startswith("<built-in>")]


def facts_salt(repo: RecordsRepo) -> str:
    """What a version's facts depend on besides its bytes: the code, the settings (which
    school uses which profile, the size limit) and the profiles."""
    from supervision.cache import salt

    return salt(repo.root, [repo.root / CONFIG_FILE, *_profile_files(repo)],
                extra=f"record-facts{FACTS_FORMAT}:" + ",".join(sorted(repo.profiles)))


#: The form of verify's stored results (see :func:`results_salt`). 3: one straight
#: line; trust by threshold; the clock of the line; 4: which commits changed a sealed
#: record's readers file.
VERIFY_FORMAT = 4


def results_salt(repo: RecordsRepo) -> str:
    """What verify's stored results depend on besides the commit: the code and the
    profiles in use. Here rather than in :mod:`supervision.signing.verify` so that a
    check reading remembered sign-offs need not import the verifier."""
    from supervision.cache import salt

    return salt(repo.root, _profile_files(repo),
                extra=f"verify{VERIFY_FORMAT}:" + ",".join(sorted(repo.profiles)))


def record_facts(repo: RecordsRepo, raw: bytes, path: str,
                 places: dict[int, KeyPath | None] | None = None) -> RecordFacts:
    """``places`` remembers where each form (by identity) keeps disagreements."""
    max_bytes = repo.config.max_record_bytes if repo.config else 1_000_000
    return facts_of_data(repo, data_of_bytes(raw, max_bytes), places)


def facts_of_data(repo: RecordsRepo, data: Any,
                  places: dict[int, KeyPath | None] | None = None) -> RecordFacts:
    """The facts of a record already parsed (``data``: its document's data, None when
    it could not be read), exactly as :func:`record_facts` finds them from its bytes."""
    form = form_of(repo, data)
    if form is None or not isinstance(data, dict):
        return RecordFacts(None)
    # interned: a few hundred people, dates and schools among tens of thousands of
    # versions' facts (verify keeps every version's)
    holders = tuple((role, intern(data[role])) for role in form.signers
                    if isinstance(data.get(role), str))
    places = {} if places is None else places
    if id(form) not in places:
        places[id(form)] = disagreement_keypath(form)
    where = places[id(form)]
    text = value_at(data, where) if where else None
    people: list[tuple[str, str]] = []
    for name in PEOPLE_FIELDS:
        value = data.get(name)
        if isinstance(value, str):
            people.append((name, intern(value)))
        elif isinstance(value, list):
            people += [(name, intern(v)) for v in value if isinstance(v, str)]
    day: Any = data.get("date")
    school = data.get("school")
    status = data.get("status")
    return RecordFacts(form.key, form.signers, holders,
                       (isinstance(text, str) and bool(text.strip())) or text is True,
                       intern(day) if isinstance(day, str) else (
                           intern(day.isoformat()) if day is not None and
                           hasattr(day, "isoformat") else None),
                       intern(school) if isinstance(school, str) else None, tuple(people),
                       intern(status) if isinstance(status, str) else None)

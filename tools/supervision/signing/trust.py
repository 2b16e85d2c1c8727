"""Whose signatures count, at one point in a repository's history.

Trust is exactly what the repository says: the fingerprints people.yml gives
each person (and their roles and school), the certificates in ``keys/*.asc``, and
the admin fingerprints and ``admins_required`` in supervision.yml. A
:class:`TrustIds` names one such state by git object ids and values (so it can be
cached and compared); a :class:`TrustState` is the same state loaded: fingerprint
-> person, each person's roles, the admin set and a :class:`Keyring` of the
certificates for exactly those fingerprints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from supervision.forms.validate import fingerprint as normalise
from supervision.forms.yamlparse import parse_bytes
from supervision.signing.gitio import Git, tree_entries
from supervision.signing.openpgp import CertError, Keyring, read_certs

PEOPLE_FILE = "people.yml"
CONFIG_FILE = "supervision.yml"
KEYS_DIR = "keys"
KEY_SUFFIX = ".asc"
_FPR = re.compile(r"[0-9A-F]{40}\Z")


def is_trust_path(path: str) -> bool:
    """Does a change to this path change who may sign?"""
    return path in (PEOPLE_FILE, CONFIG_FILE) or path.startswith(KEYS_DIR + "/")


def _fingerprints(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    out = []
    for item in value:
        if isinstance(item, str):
            text = normalise(item)
            if _FPR.match(text):
                out.append(text)
    return tuple(out)


def parse_admins(data: bytes | None) -> tuple[tuple[str, ...], int]:
    """Admin fingerprints and ``admins_required`` from supervision.yml bytes.

    Unreadable: no admins. ``admins_required`` is how many different admins (people,
    not keys) must sign a change of who may sign; 1 when it is missing, and never less.
    """
    if data is None:
        return (), 1
    doc, _problems = parse_bytes(data, CONFIG_FILE)
    if doc is None or not isinstance(doc.data, dict):
        return (), 1
    required = doc.data.get("admins_required", 1)
    if not isinstance(required, int) or isinstance(required, bool) or required < 1:
        required = 1
    return tuple(sorted(set(_fingerprints(doc.data.get("admins"))))), required


@dataclass(frozen=True, slots=True)
class Member:
    """What trust needs of one person in people.yml."""

    roles: tuple[str, ...] = ()
    school: str | None = None


def parse_members(data: bytes | None) -> dict[str, Member]:
    """person id -> roles and school, from people.yml bytes."""
    if data is None:
        return {}
    doc, _problems = parse_bytes(data, PEOPLE_FILE)
    if doc is None or not isinstance(doc.data, dict) or not isinstance(
            doc.data.get("people"), list):
        return {}
    out: dict[str, Member] = {}
    for entry in doc.data["people"]:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            roles = entry.get("roles")
            school = entry.get("school")
            out.setdefault(entry["id"], Member(
                tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
                school if isinstance(school, str) else None))
    return out


def parse_people(data: bytes | None) -> dict[str, str]:
    """fingerprint -> person id from people.yml bytes.

    A fingerprint listed for two people belongs to neither: it cannot say who signed.
    """
    if data is None:
        return {}
    doc, _problems = parse_bytes(data, PEOPLE_FILE)
    if doc is None or not isinstance(doc.data, dict) or not isinstance(
            doc.data.get("people"), list):
        return {}
    owners: dict[str, set[str]] = {}
    for entry in doc.data["people"]:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            for fpr in _fingerprints(entry.get("fingerprints")):
                owners.setdefault(fpr, set()).add(entry["id"])
    return {fpr: next(iter(ids)) for fpr, ids in owners.items() if len(ids) == 1}


@dataclass(frozen=True, slots=True)
class TrustIds:
    people: str | None  # blob id of people.yml
    keys: str | None  # tree id of keys/
    admins: tuple[str, ...]  # admin fingerprints from supervision.yml
    required: int = 1  # admins_required from supervision.yml

    def as_json(self) -> list[Any]:
        return [self.people, self.keys, list(self.admins), self.required]

    @classmethod
    def from_json(cls, value: list[Any]) -> TrustIds:
        return cls(value[0], value[1], tuple(value[2]), int(value[3]))


NOBODY = TrustIds(None, None, ())


@dataclass
class TrustState:
    ids: TrustIds
    people: dict[str, str] = field(default_factory=dict)  # fingerprint -> person id
    keyring: Keyring = field(default_factory=lambda: Keyring(()))
    members: dict[str, Member] = field(default_factory=dict)  # person id -> roles, school

    @property
    def admins(self) -> tuple[str, ...]:
        return self.ids.admins

    def admin_person(self, fpr: str) -> str:
        """Who an admin key belongs to; a key people.yml gives nobody counts as itself."""
        return self.people.get(fpr) or f"key {short(fpr)}"

    def roles_of(self, person: str | None) -> tuple[str, ...]:
        member = self.members.get(person or "")
        return member.roles if member else ()

    def school_of(self, person: str | None) -> str | None:
        member = self.members.get(person or "")
        return member.school if member else None

    def person_for(self, fpr: str | None) -> str | None:
        return self.people.get(fpr) if fpr else None

    def fingerprints_of(self, person: str) -> list[str]:
        return sorted(f for f, p in self.people.items() if p == person)

    def label(self, fpr: str | None) -> str:
        """How a key is named in messages: its owner's id, or the key itself."""
        if not fpr:
            return "an unidentified key"
        person = self.people.get(fpr)
        return f"{person} (key {short(fpr)})" if person else f"key {short(fpr)}"


def short(fpr: str) -> str:
    """The last 16 hex digits, as gpg shows a long key id."""
    return fpr[-16:]


class TrustLoader:
    """Builds TrustStates from git objects, reading each object once."""

    def __init__(self, git: Git) -> None:
        self.git = git
        self._blobs: dict[str, bytes | None] = {}
        self._trees: dict[str, list[str]] = {}  # keys tree -> .asc blob ids
        self._certs: dict[str, list[Any]] = {}  # .asc blob id -> certificates
        self._states: dict[TrustIds, TrustState] = {}

    def prefetch(self, all_ids: Iterable[TrustIds]) -> None:
        wanted = [i for i in set(all_ids) if i not in self._states]
        first = {i.people for i in wanted if i.people and i.people not in self._blobs}
        first |= {i.keys for i in wanted if i.keys and i.keys not in self._trees}
        found = self.git.read_objects(first)
        for oid, obj in found.items():
            if obj is not None and obj.type == "tree":
                self._trees[oid] = [e[2] for e in tree_entries(obj.data)
                                    if e[1].endswith(KEY_SUFFIX) and e[0].startswith("100")]
            else:
                self._blobs[oid] = obj.data if obj is not None else None
        blobs = {b for i in wanted if i.keys for b in self._trees.get(i.keys, [])
                 if b not in self._certs}
        for oid, obj in self.git.read_objects(blobs).items():
            try:
                self._certs[oid] = read_certs(obj.data) if obj is not None else []
            except CertError:
                self._certs[oid] = []

    def state(self, ids: TrustIds) -> TrustState:
        found = self._states.get(ids)
        if found is not None:
            return found
        self.prefetch([ids])
        data = self._blobs.get(ids.people) if ids.people else None
        people = parse_people(data)
        wanted = set(people) | set(ids.admins)
        certs = [c for blob in self._trees.get(ids.keys or "", [])
                 for c in self._certs.get(blob, []) if c.fingerprint.upper() in wanted]
        state = TrustState(ids, people, Keyring(certs), parse_members(data))
        self._states[ids] = state
        return state

"""Who reads a record: its own people, readers by role, and the recovery key.

* every person the record names (supervisor, supervisee(s), reviewer, facilitator,
  action owners: the form's ``person`` fields, found by type);
* readers by role (``privacy.readers`` in supervision.yml): a person holding one of
  those roles at the record's school, or holding it with no school (trust-wide);
* the recovery key (``privacy.recovery_key``, certificate in ``keys/recovery.asc``).

People who have left (``left:`` on or before today) read nothing sealed from then
on. Each reader is their registered certificates (``keys/<id>.asc`` whose
fingerprints people.yml gives them) that can receive encryption; a reader with
none is reported (READER-NO-ENC-KEY) and left out until they have one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supervision.forms.definition import Form
from supervision.signing.openpgp import CertError, can_encrypt, read_certs

RECOVERY = "recovery"


@dataclass
class Readers:
    certs: dict[str, Any] = field(default_factory=dict)   # fingerprint -> certificate
    people: dict[str, list[str]] = field(default_factory=dict)  # reader -> fingerprints
    without_key: list[str] = field(default_factory=list)  # readers left out, by id

    @property
    def fingerprints(self) -> list[str]:
        return sorted(self.certs)


def named_people(data: Any, form: Form | None) -> list[str]:
    """Every person id the record names, by the form's field types."""
    out: list[str] = []

    def visit(value: Any, fields: Any) -> None:
        if not isinstance(value, dict):
            return
        by_name = {f.name: f for f in fields}
        for key, item in value.items():
            f = by_name.get(key)
            if f is None:
                continue
            if f.type == "person" and isinstance(item, str):
                out.append(item)
            elif f.type == "list" and f.of == "person" and isinstance(item, list):
                out.extend(i for i in item if isinstance(i, str))
            elif f.is_mapping:
                visit(item, f.fields)
            elif f.fields and isinstance(item, list):
                for sub in item:
                    visit(sub, f.fields)

    if form is not None:
        visit(data, form.fields)
    return list(dict.fromkeys(out))


class KeyFiles:
    """The certificates registered in ``keys/`` of one working tree, read once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._read: dict[str, list[Any]] = {}

    def certs(self, name: str) -> list[Any]:
        if name not in self._read:
            path = self.root / "keys" / f"{name}.asc"
            try:
                self._read[name] = read_certs(path.read_bytes()) if path.is_file() else []
            except (OSError, CertError):
                self._read[name] = []
        return self._read[name]


def readers_for(repo: Any, data: Any, form: Form | None, keys: KeyFiles | None = None,
                today: dt.date | None = None) -> Readers:
    """The readers of one record version, from the repository's working tree."""
    keys = keys or KeyFiles(repo.root)
    today = today or dt.date.today()
    config = repo.config
    school = data.get("school") if isinstance(data, dict) else None
    wanted = named_people(data, form)
    roles = set(config.readers) if config else set()
    for person in repo.people.values():
        if roles & set(person.roles) and (person.school is None or person.school == school):
            wanted.append(person.id)
    out = Readers()
    for pid in dict.fromkeys(wanted):
        person = repo.people.get(pid)
        if person is None:
            continue
        left = _date(person.left)
        if left is not None and left <= today:
            continue
        registered = {f.replace(" ", "").upper() for f in person.fingerprints}
        usable = [c for c in keys.certs(pid)
                  if c.fingerprint.upper() in registered and can_encrypt(c)]
        if not usable:
            out.without_key.append(pid)
            continue
        out.people[pid] = [c.fingerprint.upper() for c in usable]
        for cert in usable:
            out.certs[cert.fingerprint.upper()] = cert
    recovery = (config.recovery_key or "").replace(" ", "").upper() if config else ""
    if recovery:
        found = [c for c in keys.certs(RECOVERY)
                 if c.fingerprint.upper() == recovery and can_encrypt(c)]
        if found:
            out.people[RECOVERY] = [recovery]
            out.certs[recovery] = found[0]
        else:
            out.without_key.append(RECOVERY)
    return out


def no_key_hint(pid: str | None = None, fingerprint: str | None = None) -> str:
    """What a reader without an encryption key (READER-NO-ENC-KEY) does next, in words:
    about one person (``pid``, their registered key's ``fingerprint``) or anyone."""
    who, ident, fpr = (pid or "They"), (pid or "ID"), (fingerprint or "FINGERPRINT")
    return (f"{who} cannot read records sealed until their key can receive them. Either "
            f"they make a new key with `supervision keys create --person {ident}` (it can), "
            f"or they add an encryption key to theirs (gpg --quick-add-key {fpr} cv25519 "
            f"encr) and export it again (gpg --export --armor {fpr} > {ident}.asc). They "
            "send the file to a records admin, who registers it (`supervision keys import "
            f"{ident}.asc --person {ident}`), commits it, and then runs `supervision seal "
            "readers` so the records sealed in the meantime open for them too.")


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None

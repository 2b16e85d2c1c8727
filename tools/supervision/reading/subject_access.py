"""Everything the records hold about one person: what ``supervision export`` writes.

A member of staff may ask for the records about them (a subject access request,
answered within a month). :func:`collect` finds every record that names the person
in any people field (supervisee, supervisor, facilitator, reviewer, owner of an
action...), in the records as they are now and, for records signed and later
deleted, in the history (which still holds them). Each becomes the same document
``supervision show`` draws; a record that is theirs only in part (a group session,
or one naming them only as an action's owner) keeps only their part
(:mod:`supervision.reading.partial`). With them come each record's audit trail, the
person's own sign-offs, their entry in people.yml, and the records that name them
but cannot be read (listed, so nothing is silently missing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from supervision.config import Person
from supervision.forms.definition import Form
from supervision.reading import partial, record, signoffs
from supervision.reading.model import Document
from supervision.repo import RecordsRepo


@dataclass
class Exported:
    """One record in the export."""

    path: str
    form: Form
    date: str | None
    involvement: partial.Involvement
    document: Document
    answers: dict[str, Any]  # what this copy holds (only their part, for a part copy)
    deleted: dict[str, Any] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.document.signoff.state


@dataclass
class Export:
    person: Person
    organisation: str
    made_on: dt.date
    records: list[Exported]
    signoffs: list[dict[str, Any]]  # the person's own sign-offs, oldest first
    unreadable: list[str]  # records naming them that cannot be read
    signing: bool  # whether the repository signs (sign-off history exists)

    @property
    def whole(self) -> list[Exported]:
        return [r for r in self.records if r.involvement.whole]

    @property
    def part(self) -> list[Exported]:
        return [r for r in self.records if not r.involvement.whole]


def person_entry(person: Person) -> dict[str, Any]:
    """What people.yml holds about the person, as plain values."""
    out: dict[str, Any] = {"id": person.id, "name": person.name, "roles": list(person.roles)}
    for name in ("school", "email", "dsl_training", "supervision_training", "left"):
        value = getattr(person, name)
        if value is not None:
            out[name] = value.isoformat() if isinstance(value, dt.date) else value
    if person.fingerprints:
        out["fingerprints"] = list(person.fingerprints)
    return out


def _date(data: dict[str, Any]) -> str | None:
    value = data.get("date")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if value else None


def _unsealed(form: Form, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A sealed version this person cannot open: its clear part, each sealed answer
    replaced by a sentence saying so, and a note saying what to do (never ciphertext)."""
    from supervision.sealing.versions import NOT_A_READER, NOT_A_READER_NOTE, is_sealed_data
    from supervision.sealing.view import readable_data

    if not is_sealed_data(data):
        return data, []
    return readable_data(data, form, NOT_A_READER), [NOT_A_READER_NOTE]


def _exported(repo: RecordsRepo, relpath: str, form: Form, data: dict[str, Any],
              person: str, signoff: Any) -> Exported | None:
    data, notes = _unsealed(form, data)
    found = partial.involvement(form, data, person)
    if found is None:
        return None
    if found.whole:
        shown_form, answers = form, data
    else:
        shown_form, answers = partial.part_for(form, data, person)
        notes = [*notes, partial.left_out_note(form)]
    document = record.assemble(repo, relpath, shown_form, answers, signoff, notes)
    return Exported(relpath, form, _date(data), found, document, answers)


def collect(repo: RecordsRepo, person: Person, today: dt.date,
            analysis: Any = None, git: Any = None) -> Export:
    """Every record about ``person``. ``analysis`` (what ``supervision verify`` works
    out) and ``git`` come from the caller when the repository signs."""
    people = record.names(repo)
    needle = person.id.encode("utf-8")
    out: list[Exported] = []
    unreadable: list[str] = []
    for relpath in repo.record_files():
        try:
            raw = (repo.root / relpath).read_bytes()
        except OSError:
            unreadable.append(relpath)
            continue
        if needle not in raw:  # cheap: most records do not mention them at all
            continue
        try:
            form, data = record.open_record(repo, relpath)
        except record.NotReadable:
            unreadable.append(relpath)
            continue
        if partial.involvement(form, data, person.id) is None:
            continue
        signoff = signoffs.from_git(repo, relpath, form, data, people, analysis)
        found = _exported(repo, relpath, form, data, person.id, signoff)
        if found is not None:
            out.append(found)
    if analysis is not None and git is not None:
        out += _deleted(repo, person.id, analysis, git, people)
        for item in out:
            item.history = _history(analysis, git, item.path)
    out.sort(key=lambda r: (r.date or "", r.path))
    organisation = repo.config.organisation if repo.config else ""
    return Export(person, organisation, today, out, _signoffs(analysis, person.id),
                  sorted(unreadable), analysis is not None)


def _deleted(repo: RecordsRepo, person: str, analysis: Any, git: Any,
             people: dict[str, str]) -> list[Exported]:
    """Signed records deleted since, from the version last signed (history holds it)."""
    from supervision.forms.yamlparse import parse_bytes
    from supervision.sealing.versions import open_versions
    from supervision.signing.signoff import form_of

    gone = [r for r in analysis.records if r.status == "deleted"]
    objects = git.read_objects({r.blob for r in gone if r.blob})
    mine = [(s, objects[s.blob]) for s in gone if objects.get(s.blob) is not None
            and person.encode("utf-8") in objects[s.blob].data]
    # sealed: opened for a reader (its readers file from the commit that signed it)
    opened = open_versions(git, [(s.path, obj.data, s.signoffs[-1].commit if s.signoffs
                                  else None) for s, obj in mine])
    out = []
    for (status, obj), plain in zip(mine, opened, strict=True):
        doc, _problems = parse_bytes(plain if plain is not None else obj.data, status.path)
        data = doc.data if doc is not None else None
        form = form_of(repo, data)
        if form is None or not isinstance(data, dict):
            continue
        signoff = signoffs.deleted(status, form, data, people)
        found = _exported(repo, status.path, form, data, person, signoff)
        if found is not None:
            found.deleted = dict(status.deleted_by or {})
            found.deleted.pop("signature", None)
            out.append(found)
    return out


def _history(analysis: Any, git: Any, path: str) -> list[dict[str, Any]]:
    """The record's audit trail: who changed or signed it, when, and which fields changed
    (names only)."""
    from supervision.sealing.versions import open_versions
    from supervision.signing.history import record_history

    keep = ("commit", "date", "by", "change", "fields", "role", "signoff_counts", "reason")
    return [{k: v for k, v in event.as_dict().items() if k in keep}
            for event in record_history(analysis, git, path,
                                        lambda items: open_versions(git, items))]


def _signoffs(analysis: Any, person: str) -> list[dict[str, Any]]:
    """Every sign-off commit in the person's name, oldest first, and whether it counted
    (one made with another key, or otherwise wrong, does not: `supervision verify` says
    why)."""
    from supervision.signing.analysis import iso

    if analysis is None:
        return []
    out = []
    for oid, _parents in analysis.graph:
        entry = analysis.entries[oid]
        so = entry.signoff
        if not so or so.get("person") != person:
            continue
        out.append({"date": iso(entry.time), "record": so["path"], "role": so["role"],
                    "version": so["blob"], "commit": oid,
                    "counts": bool(analysis.signoff_counts.get(oid, False))})
    return out

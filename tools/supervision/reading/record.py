"""One record of a repository, opened for reading: its form, answers and sign-off.

``read`` never changes a file. It refuses (:class:`NotReadable`, with a hint) a
path that is not a record file, a file that cannot be parsed and a record whose
form the repository does not know; a record that fails some of the checks is
still shown, with a note saying what ``supervision check`` makes of it.
"""

from __future__ import annotations

from typing import Any

from supervision.forms.definition import Form
from supervision.problems import ERROR
from supervision.reading import document, signoffs
from supervision.reading.model import Document, SignOff
from supervision.repo import RECORD_DIRS, RECORD_SUFFIXES, RecordsRepo


class NotReadable(Exception):
    """``usage``: the path is wrong (not a record's path, no such file), rather than the
    file's content."""

    def __init__(self, message: str, hint: str = "", usage: bool = False) -> None:
        super().__init__(message)
        self.hint = hint
        self.usage = usage


def read(repo: RecordsRepo, relpath: str, with_check: bool = True,
         analysis: Any = None) -> Document:
    """The record at ``relpath`` (relative to the repository) as a document.

    ``with_check``: add a note when ``supervision check`` finds errors in it.
    ``analysis``: what ``supervision verify`` worked out already, if the caller has it."""
    form, data = open_record(repo, relpath)
    notes = []
    if with_check:
        from supervision.checker import check_record

        found = [p for p in check_record(repo, relpath)[0]
                 if p.severity == ERROR and p.path == relpath]
        if found:
            notes.append(f"`supervision check` finds {len(found)} error"
                         f"{'s' if len(found) > 1 else ''} in this record: fix "
                         f"{'them' if len(found) > 1 else 'it'} before anyone signs it.")
    people = names(repo)
    signoff = signoffs.from_git(repo, relpath, form, data, people, analysis)
    return assemble(repo, relpath, form, data, signoff, notes)


def open_record(repo: RecordsRepo, relpath: str) -> tuple[Form, dict[str, Any]]:
    """The form and answers of the record file at ``relpath``; NotReadable when it is
    not a record this repository can read."""
    from supervision.forms.yamlparse import parse_file
    from supervision.signing.signoff import form_of

    path = repo.root / relpath
    top = relpath.split("/", 1)[0]
    if top not in RECORD_DIRS or not relpath.endswith(RECORD_SUFFIXES) or ".." in relpath:
        raise NotReadable(f"{relpath} is not a record: records are .yaml files under "
                          "records/ or contracts/",
                          "Give the path of a record, e.g. "
                          "records/<school>/<year>/<person>/<date>-session.yaml.", usage=True)
    if not path.is_file():
        raise NotReadable(f"there is no record at {relpath}",
                          "Check the path (it is relative to where you are); "
                          "`ls records/` lists the schools' folders.", usage=True)
    max_bytes = repo.config.max_record_bytes if repo.config else 1_000_000
    doc, problems = parse_file(str(path), relpath, max_bytes)
    if doc is None or not isinstance(doc.data, dict):
        why = problems[0].message if problems else "it does not hold a record's fields"
        raise NotReadable(f"{relpath} cannot be read as a record: {why}",
                          f"Run `supervision check {relpath}` to see what is wrong and "
                          "where, and fix that first.")
    form = form_of(repo, doc.data)
    if form is None:
        raise NotReadable(f"{relpath} does not say which form it follows (its kind, school "
                          "or format is missing or unknown to this repository)",
                          f"Run `supervision check {relpath}` to see what is wrong.")
    return form, doc.data


def names(repo: RecordsRepo) -> dict[str, str]:
    """Person id -> name, from people.yml."""
    return {pid: person.name for pid, person in repo.people.items()}


def assemble(repo: RecordsRepo, relpath: str, form: Form, data: dict[str, Any],
             signoff: SignOff, notes: list[str]) -> Document:
    """The document of a record: its form's title, the organisation and school, the
    sign-off block, the answers in the form's order, and notes."""
    people = names(repo)
    schools = {sid: s.name for sid, s in repo.config.schools.items()} if repo.config else {}
    school = data.get("school")
    subtitle = repo.config.organisation if repo.config else ""
    if isinstance(school, str) and school in schools:
        subtitle = f"{schools[school]}, {subtitle}" if subtitle else schools[school]
    return Document(
        title=form.title,
        subtitle=subtitle,
        path=relpath,
        signoff=signoff,
        blocks=document.build(form, data, people, schools),
        notes=notes,
    )

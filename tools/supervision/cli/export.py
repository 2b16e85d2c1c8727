"""``supervision export --person ID -o DIR``: every record about one person, for a
subject access request."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from supervision.cli import (
    EXIT_OK,
    Refused,
    UsageError,
    known_id,
    open_repo,
    require_settings,
    today,
)

FORMATS = {"html": ".html", "pdf": ".pdf", "text": ".txt"}


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "export", parents=[common],
        help="every record about one person, for a subject access request",
        description="Write into a new folder every record that names the person (as "
        "supervisee, supervisor, facilitator, reviewer or owner of an action), each drawn "
        "as `supervision show` draws it, with an index page (index.html) listing each "
        "record by date and path, the person's sign-off history and a JSON copy "
        "(export.json). Group records' written answers are about everyone in the group, "
        "so they are left out (the person's own actions are kept), and the index page "
        "says so. Signed records deleted since are included from the history, which "
        "still holds them. Never changes the records.",
        epilog="The folder holds personal information: make it outside the records "
        "repository, send it securely, and delete it once the request is answered.",
    )
    p.add_argument("--person", required=True, metavar="ID",
                   help="whose records (their id in people.yml)")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="a new (or empty) folder to write into, outside the repository")
    p.add_argument("--format", choices=tuple(FORMATS), default="html",
                   help="how each record is written: html (default; one page each), pdf "
                   "or text")
    p.set_defaults(run=run)


def _target(repo: Any, given: str) -> Path:
    path = Path(given)
    target = (path if path.is_absolute() else Path(os.getcwd()) / path).resolve()
    if target == repo.root.resolve() or target.is_relative_to(repo.root.resolve()):
        raise Refused(f"{given} is inside the records repository, where a copy of records "
                      "could be committed by mistake; nothing was written",
                      "Give a folder outside it, e.g. -o ~/subject-access-ID.")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise Refused(f"{given} already exists and is not an empty folder; export never "
                      "writes over anything", "Give the name of a new folder.")
    if not target.parent.is_dir():
        raise UsageError(f"the folder {target.parent} does not exist",
                         "Create it first, or give a folder somewhere else.")
    return target


def _analysis(repo: Any) -> tuple[Any, Any]:
    """(verify's analysis, git) when the repository signs, else (None, git or None)."""
    from supervision.signing.gitio import Git
    from supervision.signing.verify import Verifier

    git = Git(repo.root)
    if not git.is_repository() or git.head() is None:
        return None, None
    if repo.config is None or not repo.config.admins:
        return None, git
    analysis = Verifier(repo, git).run()
    if analysis.shallow:
        raise Refused("this clone is shallow, so the sign-off history cannot be read",
                      "Run `git fetch --unshallow`, then export again.")
    return analysis, git


def _render(document: Any, fmt: str) -> bytes:
    if fmt == "html":
        from supervision.reading import html

        return html.render(document).encode("utf-8")
    if fmt == "pdf":
        from supervision.reading import pdf

        return bytes(pdf.render(document))
    from supervision.reading import text

    return text.render(document, width=80).encode("utf-8")


def run(args: argparse.Namespace) -> int:
    from supervision.cli.submit import bring_up_to_date
    from supervision.reading import export_index
    from supervision.reading.subject_access import collect
    from supervision.reporters import plural
    from supervision.sealing.versions import NOT_A_READER_NOTE

    repo = open_repo(args)
    require_settings(repo, "exported")
    known_id(args.person, list(repo.people), "person", "people.yml")
    target = _target(repo, args.output)
    synced = bring_up_to_date(repo.root)
    if synced:
        sys.stderr.write(f"supervision: {synced}.\n")
    analysis, git = _analysis(repo)
    export = collect(repo, repo.people[args.person], today(args), analysis, git)
    suffix = FORMATS[args.format]
    links: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for item in export.records:
        if ".." in item.path.split("/"):
            continue
        name = item.path.rsplit(".", 1)[0] + suffix
        links[item.path] = name
        files[name] = _render(item.document, args.format)
    files["index.html"] = export_index.index_html(export, links).encode("utf-8")
    files["export.json"] = export_index.as_json(export, links).encode("utf-8")
    try:
        target.mkdir(mode=0o700, exist_ok=True)
        for name, data in files.items():
            path = target / name
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.write_bytes(data)
    except OSError as exc:
        raise Refused(f"cannot write into {args.output}: {exc.strerror or exc}",
                      "Choose a folder you can write to.") from None
    person = export.person
    part = (f", {len(export.part)} in part (group records, and records about others that "
            "name them: only their own part)") if export.part else ""
    print(f"Wrote {plural(len(export.records), 'record')} about "
          f"{person.name} ({person.id}) to {args.output}: {len(export.whole)} in full{part}.")
    print(f"Open {target / 'index.html'} first: it lists every record and says what was "
          "left out and why. export.json is the same as data.")
    sealed = [r for r in export.records if NOT_A_READER_NOTE in r.document.notes]
    if sealed:
        print(f"note: {plural(len(sealed), 'record')} are sealed and you are not a reader of "
              "them: the export holds only their dates, people and choices, and says so in "
              "place of each answer. Ask one of their readers (the record's own people, the "
              "headteacher or a records admin) to make the export.")
    if export.unreadable:
        print(f"note: {plural(len(export.unreadable), 'file')} holding this id could not be "
              "read as records; the index lists them. Run `supervision check` and correct them.")
    print("It holds personal information: send it securely and delete it once the request "
          "is answered.")
    return EXIT_OK

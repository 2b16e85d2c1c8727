"""``supervision show PATH``: a record as a person reads it, as text, HTML or PDF."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from supervision.cli import EXIT_OK, Refused, UsageError, open_repo
from supervision.cli.paths import in_repo

FORMATS = ("text", "html", "pdf")
_SUFFIXES = {".txt": "text", ".html": "html", ".htm": "html", ".pdf": "pdf"}


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "show", parents=[common],
        help="a record as a person reads it (text, HTML or PDF), with who has signed it",
        description="Show a record the way a person reads it: the form's questions and the "
        "answers in the form's order, people by name, dates written out, actions and reviews "
        "as tables, the immediate safeguarding issues and any disagreement marked, and at "
        "the top where it stands: who has signed which version (from `supervision verify`). "
        "Read it before you sign. Never changes the record.",
        epilog="Output: text goes to the screen. HTML goes to the screen too unless you give "
        "-o FILE (open the file in a browser; it makes no request to any other server and "
        "prints well). PDF needs -o FILE, unless the output is piped or redirected. "
        "Without --format, -o FILE ending .html or .pdf picks that format. A copy holds what "
        "the record holds: keep it as safely as the records, outside the repository folder, "
        "and delete it when you are done.",
    )
    p.add_argument("path", metavar="PATH", help="the record (under records/ or contracts/)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="text for the terminal (default), html (one self-contained page) or "
                   "pdf")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write to FILE instead of the screen (replaces FILE if it exists; "
                   "never a .yaml or .yml file)")
    p.set_defaults(run=run)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if args.output:
        return _SUFFIXES.get(Path(args.output).suffix.lower(), "text")
    return "text"


def _target(args: argparse.Namespace, repo: Any, fmt: str) -> Path | None:
    if not args.output:
        if fmt == "pdf" and sys.stdout.isatty():
            raise UsageError("a PDF cannot be shown in the terminal",
                             "Add -o FILE, e.g. -o record.pdf, then open that file.")
        return None
    target = Path(args.output)
    if target.suffix.lower() in (".yaml", ".yml"):
        raise Refused(f"{args.output} looks like a record file; show never writes one",
                      "Give a file name ending .txt, .html or .pdf.")
    absolute = (target if target.is_absolute() else Path(os.getcwd()) / target).resolve()
    if absolute.is_dir():
        raise UsageError(f"{args.output} is a folder", "Give a file name, e.g. -o record.pdf.")
    if not absolute.parent.is_dir():
        raise UsageError(f"the folder {absolute.parent} does not exist",
                         "Create it first, or write the file somewhere else.")
    return absolute


def run(args: argparse.Namespace) -> int:
    from supervision.cli.submit import bring_up_to_date
    from supervision.reading.record import NotReadable, read

    repo = open_repo(args)
    relpath = in_repo(repo, args.path)
    fmt = _format(args)
    synced = bring_up_to_date(repo.root)  # read the newest version the server holds
    from supervision.cli.seal import refuse_non_reader

    refuse_non_reader(repo, relpath)
    if synced:
        sys.stderr.write(f"supervision: {synced}.\n")
    target = _target(args, repo, fmt)
    try:
        document = read(repo, relpath)
    except NotReadable as exc:
        raise (UsageError if exc.usage else Refused)(str(exc), exc.hint) from None
    if fmt == "text":
        from supervision.reading import text

        width = shutil.get_terminal_size((80, 24)).columns if target is None else 80
        data = text.render(document, width=min(width, 120)).encode("utf-8")
    elif fmt == "html":
        from supervision.reading import html

        data = html.render(document).encode("utf-8")
    else:
        from supervision.reading import pdf

        data = pdf.render(document)
    if target is None:
        if fmt == "text":
            sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
            sys.stdout.write(data.decode("utf-8"))
        else:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return EXIT_OK
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise Refused(f"cannot write {args.output}: {exc.strerror or exc}",
                      "Choose a folder you can write to.") from None
    print(f"Wrote {args.output} ({fmt}, {len(data):,} bytes).")
    if target.is_relative_to(repo.root.resolve()):
        sys.stderr.write(f"supervision: note: {args.output} is inside the records repository; "
                         "do not commit it (it is a copy of the record).\n")
    return EXIT_OK

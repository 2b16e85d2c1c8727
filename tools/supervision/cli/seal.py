"""``supervision seal``: sealed records (issue 19).

``seal install`` sets this copy up to seal and open records (``.gitattributes``
and git's filter settings; then every sealed record this person reads is opened
in the working tree); ``seal filter`` is what git runs (the long-running filter
process); ``seal --all`` turns sealing on for an existing repository in one
admin-signed commit.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from supervision.cli import EXIT_OK, Refused, open_repo, today

DRIVER = "supervision-seal"
ATTRIBUTES = (f"records/**/*.yaml filter={DRIVER}", f"contracts/**/*.yaml filter={DRIVER}")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "seal", parents=[common],
        help="sealed records: only a record's own readers can read its answers",
        description="Sealed records encrypt every answer in words to the record's own "
        "readers (its people, the roles supervision.yml names, the recovery key). "
        "`seal install` sets up this copy (done by `init` and `join`); `seal --all` turns "
        "sealing on for an existing repository (a records admin, once); `seal filter` is "
        "run by git itself.")
    p.add_argument("action", nargs="?", choices=("install", "filter", "readers"),
                   metavar="ACTION", help="install (set up this copy), readers (wrap every "
                   "record you can open to its readers as they are now) or filter (run by git)")
    p.add_argument("--all", action="store_true",
                   help="seal every record now, in one commit signed by you (records admin)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "filter":
        return _filter(args)
    if args.action == "install":
        repo = open_repo(args)
        install(repo.root)
        print("This copy now seals records when they are committed and opens the ones you "
              "read (git filter supervision-seal).")
        return EXIT_OK
    if args.action == "readers":
        from supervision.cli.seal_all import rewrap

        return rewrap(args)
    if args.all:
        from supervision.cli.seal_all import seal_all

        return seal_all(args, install)
    raise Refused("say what to do: supervision seal install, or supervision seal --all",
                  "`supervision seal --help` explains both.")


def filter_command() -> str:
    return f"{shlex.quote(sys.executable)} -m supervision seal filter"


def install(root: Path) -> None:
    """.gitattributes lines and git's filter settings; then the records of this copy
    checked out again through the filter, so the ones this person reads open."""
    from supervision.signing.gitio import Git

    attributes = root / ".gitattributes"
    text = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
    missing = [line for line in ATTRIBUTES if line not in text.splitlines()]
    if missing:
        if text and not text.endswith("\n"):
            text += "\n"
        if not text:
            text = "# Records are sealed: see the staff site's 'Sealed records' page.\n"
        attributes.write_text(text + "".join(f"{line}\n" for line in missing),
                              encoding="utf-8")
    git = Git(root)
    git.config_set(f"filter.{DRIVER}.process", filter_command())
    git.config_set(f"filter.{DRIVER}.required", "true")
    reopen(root)


def reopen(root: Path) -> list[str]:
    """Check out again every tracked record whose working copy is its sealed form (a
    clone made before the filter was set up), so the ones this person reads open."""
    from supervision.sealing.stored import looks_sealed
    from supervision.signing.gitio import Git

    git = Git(root)
    listed = git.out("ls-files", "-z", "--", "records", "contracts").split("\0")
    again = []
    for rel in listed:
        path = root / rel
        if rel.endswith((".yaml", ".yml")) and path.is_file() and looks_sealed(
                path.read_bytes()):
            again.append(rel)
    if again:
        for rel in again:
            (root / rel).unlink()
        git.out("checkout", "--", *again)
    return again


def _filter(args: argparse.Namespace) -> int:
    from supervision.sealing.gitfilter import Sealer, serve
    from supervision.signing.gitio import Git

    root = Path.cwd()
    git = Git(root)
    git_dir = Path(git.out("rev-parse", "--absolute-git-dir").strip())

    def read_blob(name: str) -> bytes | None:
        found = git.read_objects([name]).get(name)
        return found.data if found is not None else None

    sealer = Sealer(root, git_dir, read_blob=read_blob, today=today(args))
    return serve(sealer, sys.stdin.buffer, sys.stdout.buffer)


def refuse_non_reader(repo: Any, relpath: str) -> None:
    """Refused, in plain words, when this copy holds only the sealed form of the record
    (this person is not one of its readers, or their key could not open it)."""
    from supervision.rules import RULES
    from supervision.sealing.stored import looks_sealed

    path = repo.root / relpath
    try:
        raw = path.read_bytes()
    except OSError:
        return
    if looks_sealed(raw):
        raise Refused(f"you are not a reader of this record: {relpath} is sealed, and only "
                      "its readers can open its answers", RULES["SEAL-NOT-READER"].hint)


def with_sidecar(repo: Any, relpath: str) -> list[str]:
    """The record and, in a sealing repository, its readers file (committed together)."""
    from supervision.sealing.sidecar import sidecar_path

    side = sidecar_path(relpath)
    if repo.config is not None and repo.config.sealed and (repo.root / side).is_file():
        return [relpath, side]
    return [relpath]

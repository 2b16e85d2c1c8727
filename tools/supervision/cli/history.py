"""``supervision history PATH``: who changed and who signed a record, oldest first."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from supervision.cli import EXIT_FINDINGS, EXIT_OK, UsageError, open_repo
from supervision.cli.paths import in_repo


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "history", parents=[common],
        help="the audit trail of one record: every change and sign-off, oldest first",
        description="Every commit that changed or signed the record, oldest first: date, "
        "author, signer (person and role), the signature's result, and which fields changed "
        "(names only, never the text). Exit code 1 when a commit in it has a sign-off error.",
    )
    p.add_argument("path", metavar="PATH", help="the record (it may since have been deleted)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--no-cache", action="store_true",
                   help="check every commit again instead of reusing earlier results")
    p.set_defaults(run=run)


def opener(git: Any) -> Any:
    """Sealed versions opened with this person's own key (sealing.versions)."""
    from supervision.sealing.versions import open_versions

    return lambda items: open_versions(git, items)


def run(args: argparse.Namespace) -> int:
    from supervision.signing.analysis import NotAGitRepository
    from supervision.signing.gitio import Git
    from supervision.signing.history import record_history
    from supervision.signing.verify import Verifier

    repo = open_repo(args)
    relpath = in_repo(repo, args.path)
    git = Git(repo.root)
    try:
        analysis = Verifier(repo, git, use_cache=not args.no_cache).run()
    except NotAGitRepository as exc:
        raise UsageError(str(exc), "The audit trail is the git history: run `git init`.") \
            from None
    if analysis.shallow:
        for finding in analysis.findings:
            sys.stderr.write(f"supervision: {finding.problem.message}\n")
        return EXIT_FINDINGS
    events = record_history(analysis, git, relpath, opener(git))
    if not events:
        raise UsageError(f"no commit has changed or signed {relpath}",
                         "Check the path (it is relative to where you are), or commit the "
                         "record first.")
    bad = any(e.problems for e in events)
    if args.format == "json":
        json.dump({"path": relpath, "events": [e.as_dict() for e in events]}, sys.stdout,
                  indent=2)
        sys.stdout.write("\n")
        return EXIT_FINDINGS if bad else EXIT_OK
    print(f"History of {relpath} (oldest first):")
    if any(e.sealed for e in events):
        print("You are not a reader of this record: its answers in words are sealed, so "
              "where they changed this says 'sealed answers changed' without saying which. "
              "Its own people, the readers your school names and the records admins can "
              "see which.")
    for e in events:
        print(f"{e.date}  {e.commit[:10]}  by {e.by}; {e.signature}")
        why = f" (reason: {e.reason})" if e.reason else ""
        if e.change == "created":
            print("    created the record" + why)
        elif e.change == "deleted":
            print("    deleted the record" + why)
        elif e.change == "changed":
            print("    changed: " + (", ".join(e.fields) or "layout only (no field changed)")
                  + why)
        if e.role is not None:
            verdict = "counts" if e.signoff_counts else "does NOT count"
            print(f"    sign-off as {e.role} by {e.signer or 'no registered signer'}: {verdict}")
        if e.problems:
            print("    problems: " + ", ".join(e.problems) + " (run `supervision verify`)")
    return EXIT_FINDINGS if bad else EXIT_OK

"""``supervision case new``: issue pseudonymous case references."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from supervision.cli import EXIT_OK, Refused, UsageError, open_repo


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "case", parents=[common],
        help="issue pseudonymous case references for children",
        description="Children appear in records only as case references. `case new` "
        "prints new random references in the format set in supervision.yml, none already "
        "used in this repository. Keep the link between a reference and the child in the "
        "school's safeguarding system, never in this repository.",
    )
    actions = p.add_subparsers(dest="case_action", metavar="ACTION")
    new = actions.add_parser("new", parents=[common], help="print new case references",
                             description="Print new, unused case references, one a line.")
    new.add_argument("--count", type=int, default=1, metavar="N",
                     help="how many references to issue (default 1, at most 1000)")
    new.set_defaults(run=run)
    p.set_defaults(run=_no_action)


def _no_action(args: argparse.Namespace) -> int:
    raise UsageError("say what to do with case references",
                     "Use `supervision case new` (or `supervision case new --count 3`).")


def run(args: argparse.Namespace) -> int:
    from supervision.config import CONFIG_FILE
    from supervision.privacy.caserefs import CannotGenerate, issue, used_references

    if not 1 <= args.count <= 1000:
        raise UsageError(f"--count must be between 1 and 1000, not {args.count}")
    repo = open_repo(args)
    if repo.config is None:
        raise Refused(f"{CONFIG_FILE} has problems, so the reference format is not known",
                      "Run `supervision check` and correct the settings first.")
    pattern = repo.config.case_ref_pattern
    used = used_references(repo.root, pattern, repo.record_files())
    try:
        refs = issue(pattern, args.count, used)
    except CannotGenerate as exc:
        raise Refused(f"cannot issue references in the format {pattern}: {exc}",
                      "Use a simple format such as ^C-[0-9A-HJ-NP-Z]{6}$ "
                      "(privacy: case_ref_pattern: in supervision.yml), or issue references "
                      "from the school's own system.") from None
    for ref in refs:
        sys.stdout.write(ref + "\n")
    sys.stderr.write("Record which child each reference is for in the school's safeguarding "
                     "system, never in this repository.\n")
    return EXIT_OK

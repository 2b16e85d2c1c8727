"""``supervision check [PATH...]``: records against their forms and the policy."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from supervision.cli import EXIT_FINDINGS, EXIT_OK, UsageError, open_repo, today


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "check", parents=[common],
        help="check records against their forms and the school's policy",
        description="Check records against their forms and the policy rules. With no PATH, "
        "checks the whole repository, including supervision.yml and people.yml. Exit code: "
        "0 no errors, 1 errors found, 2 usage error.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="record files or folders (default: the whole repository)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text for people (default) or json: an array of findings")
    p.add_argument("--no-cache", action="store_true",
                   help="re-check every file instead of reusing earlier results")
    p.set_defaults(run=run)


def _relative_paths(repo: Any, given: list[str]) -> list[str]:
    out: list[str] = []
    cwd = Path(os.getcwd())
    for text in given:
        path = Path(text)
        absolute = (path if path.is_absolute() else cwd / path).resolve()
        try:
            rel = absolute.relative_to(repo.root)
        except ValueError:
            raise UsageError(f"{text} is outside the records repository at {repo.root}",
                             "Give paths inside the repository.") from None
        if absolute.is_dir():
            prefix = rel.as_posix().rstrip("/") + "/" if rel.parts else ""
            out += [f for f in repo.record_files() if f.startswith(prefix)]
        else:
            out.append(rel.as_posix())
    return sorted(set(out))


def run(args: argparse.Namespace) -> int:
    from supervision import reporters
    from supervision.checker import Checker
    from supervision.problems import has_errors
    from supervision.timerules import time_rules

    repo = open_repo(args)
    paths = _relative_paths(repo, args.paths) if args.paths else None
    result = Checker(repo, use_cache=not args.no_cache, cross_rules=(time_rules,),
                     today=today(args)).run(paths)
    if args.format == "json":
        reporters.json_array(result.problems, sys.stdout)
    else:
        count = len(paths) if paths is not None else len(repo.record_files())
        reporters.text(result.problems, sys.stdout,
                       reporters.summarise(result.problems, count))
    return EXIT_FINDINGS if has_errors(result.problems) else EXIT_OK

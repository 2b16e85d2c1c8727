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
    p.add_argument("--no-time-rules", action="store_true",
                   help="check what the records say, not what is due or overdue (the "
                   "calendar rules); CI and the server hook use this, so a deadline never "
                   "blocks a change")
    p.add_argument("--waivers", action="store_true",
                   help="list every privacy waiver (path:line, rule, reason) instead of "
                   "checking")
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
    from supervision.deadlines.time_rules import time_rules
    from supervision.problems import has_errors

    repo = open_repo(args)
    paths = _relative_paths(repo, args.paths) if args.paths else None
    if args.waivers:
        return _list_waivers(repo, paths, args.format)
    rules = () if args.no_time_rules else (time_rules,)
    result = Checker(repo, use_cache=not args.no_cache, cross_rules=rules,
                     today=today(args), results_cache=True).run(paths)
    problems = result.problems
    if repo.config is not None and repo.config.sealed:  # what a commit now would store
        from supervision.sealing.view import unstaged_readers

        problems = sorted(problems + unstaged_readers(repo.root, paths),
                          key=lambda p: p.sort_key())
    if args.format == "json":
        reporters.json_array(problems, sys.stdout)
    else:
        reporters.text(problems, sys.stdout, reporters.summarise(problems, result.checked))
    return EXIT_FINDINGS if has_errors(problems) else EXIT_OK


def _list_waivers(repo: Any, paths: list[str] | None, form: str) -> int:
    """Every waiver with its reason; names and identifiers in a reason are removed."""
    import json

    from supervision.privacy.scanner import WAIVABLE
    from supervision.privacy.waivers import collect
    from supervision.reporters import plural
    from supervision.rules import RULES

    guard = repo.privacy_guard()
    found = collect(repo.root, paths if paths is not None else repo.record_files(), WAIVABLE)
    rows = [{"path": path, "line": w.line, "col": w.col,
             "rules": [r if r in RULES else "(unknown rule)" for r in w.rules],
             "reason": guard.redact(w.reason), "valid": w.error is None,
             "problem": w.error or ""} for path, w in found]
    if form == "json":
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return EXIT_OK
    for row in rows:
        rules = ", ".join(row["rules"]) or "(no rule)"
        note = "" if row["valid"] else f" (NOT VALID: {row['problem']})"
        sys.stdout.write(f"{row['path']}:{row['line']}: {rules}: {row['reason'] or '-'}{note}\n")
    files = len({row["path"] for row in rows})
    sys.stdout.write(f"{plural(len(rows), 'waiver')} in {plural(files, 'file')}.\n")
    return EXIT_OK

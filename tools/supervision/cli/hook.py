"""``supervision hook pre-receive``: the git server refuses pushes that break the rules.

Installed on the server as a two-line script (``deploy/git-hooks/pre-receive``);
git runs it in the repository with one ``<old> <new> <ref>`` line per pushed ref on
stdin. The work is done by :mod:`supervision.signing.gate`; this module reads the
input and prints the findings, which git shows to whoever pushed.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, TextIO

from supervision.cli import EXIT_FINDINGS, EXIT_OK, Refused, UsageError, today

HOOKS = ("pre-receive", "install")
#: What `hook install` sets on the server repository, and why.
SERVER_SETTINGS = (
    ("receive.denyNonFastForwards", "true", "no push may rewind or rewrite a branch"),
    ("receive.denyDeletes", "true", "no push may delete a branch"),
    ("receive.fsckObjects", "true", "git refuses malformed objects before the hook runs"),
)
HOOK_SCRIPT = "#!/bin/sh\nexec supervision hook pre-receive\n"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "hook", parents=[common],
        help="git server hooks: refuse pushes with invalid, identifying or badly signed records",
        description="Hooks for the git server that holds the records repository. "
        "`supervision hook pre-receive` is run by git (see docs/server-enforcement.md); "
        "it reads '<old> <new> <ref>' lines on stdin, checks the records as they are in "
        "each pushed commit and verifies every new commit's signature, and exits 1 (git "
        "then refuses the whole push) when anything is wrong. Deadlines never block a push.",
    )
    p.add_argument("hook", choices=HOOKS, metavar="HOOK",
                   help="pre-receive (run by git), or install (set up a server repository)")
    p.add_argument("repository", nargs="?", metavar="DIR",
                   help="for install: the server's (bare) repository")
    p.set_defaults(run=run)


def install(args: argparse.Namespace) -> int:
    """Install the pre-receive hook in a server repository and set git's own guards."""
    from pathlib import Path

    from supervision.signing.gitio import Git, GitError

    if not args.repository:
        raise UsageError("say which repository: supervision hook install DIR",
                         "DIR is the server's repository, e.g. /srv/git/records.git")
    git = Git(Path(args.repository))
    try:
        git_dir = Path(git.out("rev-parse", "--absolute-git-dir").strip())
    except GitError:
        raise UsageError(f"{args.repository} is not a git repository",
                         "Create it first: git init --bare DIR") from None
    hooks = git_dir / "hooks"
    hooks.mkdir(exist_ok=True)
    target = hooks / "pre-receive"
    if target.exists() and target.read_text(errors="replace") != HOOK_SCRIPT:
        raise Refused(f"{target} already exists and is not this tool's hook; nothing changed",
                      "Look at it: if it is another hook, call both from one script.")
    target.write_text(HOOK_SCRIPT)
    target.chmod(0o755)
    for key, value, why in SERVER_SETTINGS:
        git.config_set(key, value)
        print(f"Set {key} = {value}: {why}.")
    print(f"Installed {target}: every push is checked and verified before any branch moves.")
    if git.config_get("supervision.trustRoot") is None:
        print("The trust root is pinned by the first accepted push (git config "
              "supervision.trustRoot in the server repository).")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.hook == "install":
        return install(args)
    from pathlib import Path

    from supervision.signing.gate import BadInput, Gate, parse_updates
    from supervision.signing.gitio import Git, GitError

    try:
        updates = parse_updates(sys.stdin.buffer.read().decode("utf-8", "replace"))
    except BadInput as exc:
        raise UsageError(f"the hook's input is not what git sends: {exc}",
                         "Install `supervision hook pre-receive` as the repository's "
                         "pre-receive hook; git runs it and gives it the pushed refs.") from None
    git = Git(Path.cwd())
    try:
        git_dir = Path(git.out("rev-parse", "--absolute-git-dir").strip())
    except GitError:
        raise UsageError(f"{Path.cwd()} is not a git repository",
                         "git runs the hook inside the repository; to try it by hand, "
                         "cd into the repository first.") from None
    gate = Gate(git, today(args), cache_folder=git_dir / "supervision")
    reports = gate.review(updates)
    write(reports, sys.stdout, gitlab="GL_ID" in os.environ)
    return EXIT_FINDINGS if any(r.refused for r in reports) else EXIT_OK


def write(reports: list[Any], out: TextIO, gitlab: bool = False) -> None:
    from supervision import reporters
    from supervision.problems import ERROR

    refused = [r for r in reports if r.refused]
    for report in reports:
        ref = report.update.ref
        if report.skipped:
            out.write(f"supervision: {ref}: {report.skipped}.\n")
            continue
        tip = (report.tip or report.update.new)[:10]
        checked = (f"every record checked ({report.checked_files})" if report.whole_repository
                   else reporters.plural(report.checked_files, "file") + " checked"
                   if report.checked_files else "no record or setting changed")
        verdict = "REFUSED" if report.refused else "accepted"
        out.write(f"supervision: {ref} -> {tip}: {verdict} "
                  f"({reporters.plural(len(report.new_commits), 'new commit')} verified; {checked}).\n")
        for f in report.findings:
            reporters.text([f.problem], out)
            if f.commit is None:
                out.write(f"    in: the files as they are in commit {tip} (the pushed {ref})\n")
            else:
                who = f", person: {f.person}" if f.person else ""
                out.write(f"    commit: {f.commit[:10]}{who}\n")
    if refused:
        errors = sum(1 for r in refused for f in r.findings if f.problem.severity == ERROR)
        out.write(
            f"supervision: push refused ({reporters.plural(errors, 'error')}); nothing on the server "
            "has changed.\n"
            "    Correct the problems above in your own copy, commit (signed, for a record "
            "someone has signed), then push again.\n"
            "    `supervision check` and `supervision verify` on your computer show the same "
            "problems. Deadlines and overdue sessions never block a push.\n")
        if gitlab:  # GitLab shows lines with this prefix in its web pages (merge requests)
            for r in refused:
                for f in r.findings:
                    if f.problem.severity == ERROR:
                        p = f.problem
                        out.write(f"GL-HOOK-ERR: {p.path}:{p.line}: {p.rule} {p.message}\n")

"""``supervision reassign --from ID --to ID [--supervisee ID] --reason TEXT``: a new
supervisor for a long absence."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from supervision.cli import (
    EXIT_FINDINGS,
    EXIT_OK,
    Refused,
    UsageError,
    known_id,
    open_repo,
    require_settings,
    today,
)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "reassign", parents=[common],
        help="hand supervisees over to a new supervisor (a long absence; records admins)",
        description="For a supervisor's long-term absence: for each supervisee whose "
        "agreed contract in force names them (or only --supervisee), write a new contract "
        "with the new supervisor, dated today, for the two of them to read and sign; move "
        "their planned sessions from today on to the new supervisor (and, without "
        "--supervisee, the absent supervisor's planned group sessions, renamed where the "
        "file name holds the supervisor). A record anyone has signed is never edited: it "
        "is listed as left as it was. Everything goes into one commit signed with your "
        "records admin key, whose reason `supervision history` shows.",
        epilog="Refuses, changing nothing: an unknown person, a new supervisor without a "
        "supervisor role in people.yml, someone who has left, a supervisee not supervised "
        "by --from, uncommitted changes to a session it would move, other staged changes, "
        "and anyone who is not a records admin.",
    )
    p.add_argument("--from", dest="old", required=True, metavar="ID",
                   help="the absent supervisor (people.yml id)")
    p.add_argument("--to", dest="new", required=True, metavar="ID",
                   help="the new supervisor (people.yml id, with a supervisor role)")
    p.add_argument("--supervisee", metavar="ID",
                   help="only this supervisee (default: everyone --from supervises)")
    p.add_argument("--reason", required=True, metavar="TEXT",
                   help="why, in one line (e.g. long-term absence, agreed by the Headteacher)")
    p.add_argument("--key", metavar="FINGERPRINT",
                   help="sign with this key (default: git config user.signingkey)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from supervision import reporters
    from supervision.admin import admin_commit, reassignment
    from supervision.admin.admin_commit import CommitFailed, Refusal
    from supervision.checker import Checker
    from supervision.cli.sign import _check_registered_copy, gpg_hint, signing_key
    from supervision.cli.submit import bring_up_to_date
    from supervision.signing.gitio import Git

    repo = open_repo(args)
    require_settings(repo, "changed")
    for given in (args.old, args.new, args.supervisee):
        if given is not None:
            known_id(given, list(repo.people), "person", "people.yml")
    git = Git(repo.root)
    day = today(args)
    try:
        admin_commit.reason_line(args.reason)
        reassignment.check_people(repo, args.old, args.new, args.supervisee, day)
        bring_up_to_date(repo.root)
        analysis = admin_commit.verified(repo, git)
        key = signing_key(args.key, git)
        facts = Checker(repo, today=day).all_records().facts
        planned = reassignment.plan(repo, git, analysis, facts, args.old, args.new,
                                    args.supervisee, args.reason, day, key)
        _check_registered_copy(analysis.head_trust(), key)
        commit = reassignment.apply(repo, git, planned, key)
    except CommitFailed as exc:
        raise Refused(str(exc), gpg_hint()) from None
    except Refusal as exc:
        raise (UsageError if exc.usage else Refused)(str(exc), exc.hint) from None
    _after, problems = admin_commit.findings_on(repo, git, commit)
    _report(repo, planned, commit)
    if problems:
        reporters.text(problems, sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def _report(repo: Any, planned: Any, commit: str) -> None:
    from supervision.reporters import plural

    def who(pid: str) -> str:
        person = repo.people.get(pid)
        return f"{person.name} ({pid})" if person else pid

    print(f"Reassigned {plural(len(planned.supervisees), 'supervisee')} from "
          f"{who(planned.old)} to {who(planned.new)} in commit {commit[:10]}, signed by "
          f"{planned.admin} (reason: {planned.reason}).")
    for c in planned.contracts:
        print(f"  new contract {c.path} (replaces {c.replaces})")
    for m in planned.moves:
        moved = f"{m.path} -> {m.new_path}" if m.new_path != m.path else m.path
        print(f"  moved planned session {moved}")
    for path, why in planned.left:
        print(f"  left as it was: {path}: {why}")
    until = (f" Until then the moved sessions can be held but not signed by {planned.new}."
             if planned.moves else "")
    print(f"Next: each new contract is in force once both people sign it.{until} Each of "
          "them runs:")
    for c in planned.contracts:
        print(f"    supervision show {c.path}\n    supervision submit {c.path}")
    print("It is not sent yet: `git push` sends the commit to the server. "
          "`supervision history PATH` shows who made this change and why.")

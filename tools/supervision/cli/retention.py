"""``supervision retention``: records past the retention period, and what to do with them;
``supervision retention delete PATH --reason TEXT``: the records admin's signed deletion."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from supervision.cli import (
    EXIT_FINDINGS,
    EXIT_OK,
    Refused,
    UsageError,
    open_repo,
    require_settings,
    today,
)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "retention", parents=[common],
        help="records past the retention period, and deleting one (records admins)",
        description="List the records kept longer than the school's retention period "
        "(retention_years in supervision.yml), counted from the later of the record's "
        "date and the day its supervisee left (people.yml 'left'); a contract counts from "
        "when the next one began, and the contract in force is always kept. Says what to "
        "do with each, and lists the signed records deleted so far (any deleted before "
        "their period ended is marked). Never changes anything.",
        epilog="Deleting a record from the records does not erase it: the git history "
        "still holds it. See the staff site's page 'Keeping and deleting records'.",
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    delete = actions.add_parser(
        "delete", parents=[common],
        help="delete one record past its retention period (a records admin's signed commit)",
        description="Delete one record that `supervision retention` lists, in a commit of "
        "its own signed with your records admin key, whose Supervision-Reason trailer "
        "holds the retention facts and your reason. `supervision verify` then lists the "
        "record as deleted (by whom, when and why). Refuses a record still within its "
        "period, a contract in force, a record with uncommitted changes, other staged "
        "changes, and anyone who is not a records admin.")
    delete.add_argument("path", metavar="PATH", help="the record to delete")
    delete.add_argument("--reason", required=True, metavar="TEXT",
                        help="why, in one line (e.g. who reviewed it and when)")
    delete.add_argument("--key", metavar="FINGERPRINT",
                        help="sign with this key (default: git config user.signingkey)")
    p.set_defaults(run=run)


def _refused(exc: Any) -> Exception:
    return (UsageError if exc.usage else Refused)(str(exc), exc.hint)


def _facts(repo: Any, day: Any) -> dict[str, dict[str, Any]]:
    from supervision.checker import Checker

    return Checker(repo, today=day).all_records().facts


def run(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    require_settings(repo, "reviewed")
    if getattr(args, "action", None) == "delete":
        return _delete(args, repo)
    return _list(args, repo)


def _deleted(repo: Any, facts: dict[str, dict[str, Any]]) -> list[Any]:
    from supervision.admin.retention import deletions
    from supervision.signing.gitio import Git
    from supervision.signing.verify import Verifier

    git = Git(repo.root)
    if repo.config is None or not repo.config.admins or not git.is_repository() or \
            git.head() is None:
        return []
    analysis = Verifier(repo, git).run(ledger=True)
    return [] if analysis.shallow else deletions(repo, facts, analysis)


def _command(path: str) -> str:
    return f'supervision retention delete {path} --reason "reviewed by ... on ..."'


def _list(args: argparse.Namespace, repo: Any) -> int:
    from supervision.admin.retention import review
    from supervision.reporters import plural

    day = today(args)
    facts = _facts(repo, day)
    found = review(repo, facts, day)
    gone = _deleted(repo, facts)
    if args.format == "json":
        json.dump({"retention_years": found.years, "today": day.isoformat(),
                   "due": [dict(k.as_dict(), command=_command(k.path)) for k in found.due],
                   "kept": found.kept, "in_force": found.in_force,
                   "unreadable": found.unreadable, "deleted": [d.as_dict() for d in gone]},
                  sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return EXIT_OK
    out = sys.stdout
    org = repo.config.organisation
    out.write(f"{org} keeps supervision records for {plural(found.years, 'year')} "
              f"(retention_years in supervision.yml). On {day}: "
              f"{plural(len(found.due), 'record')} past the retention period, "
              f"{found.kept} still kept, {plural(len(found.in_force), 'contract')} in force.\n")
    people = {pid: p.name for pid, p in repo.people.items()}
    for k in found.due:
        who = ", ".join(f"{people.get(p, p)} ({p})" for p in k.people) or "nobody named"
        out.write(f"\n{k.path}\n    {k.form} of {k.date} ({who}): kept {found.years} years "
                  f"from {k.counted_from} ({k.because}), until {k.kept_until}\n")
    if found.due:
        out.write(
            "\nWhat to do with each record above:\n"
            "  1. Check that nothing in it may be needed by an investigation, a complaint, a "
            "legal claim or an inquiry (for example a concern about a child that is still "
            "open). If it may be, keep it, and note why in the school's retention log.\n"
            "  2. Otherwise a records admin deletes it, with a signed commit of its own:\n"
            f"       {_command('PATH')}\n"
            "     `supervision verify` then lists it as deleted, with who, when and why.\n"
            "  3. Deleting it from the records does not erase it: the git history still "
            "holds it (see 'Keeping and deleting records' on the staff site).\n")
    for path in found.unreadable:
        out.write(f"\n{path}: cannot be read, so its retention cannot be worked out\n"
                  f"    hint: run `supervision check {path}` and correct it\n")
    if gone:
        out.write(f"\nSigned records deleted so far ({len(gone)}):\n")
        for d in gone:
            out.write(f"  {d.date[:10]}  {d.path}  by {d.person or 'unknown'}"
                      + (f"; reason: {d.reason}" if d.reason else "") + "\n")
            if d.early:
                until = f"kept until {d.kept_until}" if d.kept_until else "a contract in force"
                out.write(f"    warning: deleted before its retention period ended ({until}): "
                          "ask the records admin who deleted it why\n")
    return EXIT_OK


def _delete(args: argparse.Namespace, repo: Any) -> int:
    from supervision import reporters
    from supervision.admin import admin_commit, deletion
    from supervision.admin.admin_commit import CommitFailed, Refusal
    from supervision.cli.paths import in_repo
    from supervision.cli.sign import _check_registered_copy, gpg_hint, signing_key
    from supervision.cli.submit import bring_up_to_date
    from supervision.signing.gitio import Git

    git = Git(repo.root)
    relpath = in_repo(repo, args.path)
    day = today(args)
    try:
        admin_commit.reason_line(args.reason)
        bring_up_to_date(repo.root)
        analysis = admin_commit.verified(repo, git)
        key = signing_key(args.key, git)
        planned = deletion.plan(repo, git, analysis, _facts(repo, day), relpath, args.reason,
                                day, key)
        _check_registered_copy(analysis.head_trust(), key)
        commit = deletion.delete(repo, git, planned, key)
    except CommitFailed as exc:
        raise Refused(str(exc), gpg_hint()) from None
    except Refusal as exc:
        raise _refused(exc) from None
    after, problems = admin_commit.findings_on(repo, git, commit)
    status = next((r.status for r in after.records if r.path == relpath), "gone")
    print(f"Deleted {relpath} in commit {commit[:10]}, signed by {planned.admin} (a records "
          f"admin). Reason recorded: {planned.reason}.")
    print(f"`supervision verify` lists it as {status}. It is not sent yet: `git push` sends "
          "the commit to the server.")
    print("The git history still holds the record: deleting it is not erasure (see 'Keeping "
          "and deleting records').")
    if problems:
        reporters.text(problems, sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK

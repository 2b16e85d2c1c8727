"""``supervision new KIND``: start a record from the school's form."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

from supervision.cli import EXIT_OK, Refused, UsageError, date_arg, open_repo, today
from supervision.forms.definition import NEW_KINDS


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "new", parents=[common],
        help="start a record from the school's form",
        description="Write a blank record for KIND at its standard path, with the form's "
        "guidance as comments, and print the path. Never overwrites an existing file.",
    )
    p.add_argument("kind", choices=NEW_KINDS, metavar="KIND",
                   help="one of: " + ", ".join(NEW_KINDS))
    p.add_argument("--supervisee", action="append", metavar="ID",
                   help="the supervisee's id (repeat for each member of a group session); "
                   "needed for every kind but policy-assessment")
    p.add_argument("--supervisor", metavar="ID",
                   help="the supervisor's id (default: from the supervisee's contract)")
    p.add_argument("--date", type=date_arg, metavar="YYYY-MM-DD",
                   help="date of the session or record (default: today)")
    p.add_argument("--school", metavar="ID",
                   help="school id (default: the supervisee's school in people.yml)")
    p.add_argument("--group", action="store_true", help="a group session (kind session only)")
    p.add_argument("--case", metavar="REF", help="case reference (case-notes only)")
    p.add_argument("--reviewer", metavar="ID", help="QA reviewer's id (qa-review only; its "
                   "answers the records know are filled in)")
    p.add_argument("--assessor", metavar="ID",
                   help="who assesses the policy (policy-assessment only)")
    p.add_argument("--status", choices=("held", "planned"), default="held",
                   help="held (default) or planned (a booked session, filled in later)")
    opened = p.add_mutually_exclusive_group()
    opened.add_argument("--edit", action="store_true", help="open the new file in $EDITOR")
    opened.add_argument("--form", action="store_true",
                        help="open the new record's form in your web browser (as "
                        "`supervision edit PATH`)")
    p.set_defaults(run=run)


def _person(repo: Any, pid: str, what: str) -> Any:
    person = repo.people.get(pid)
    if person is None:
        import difflib

        close = difflib.get_close_matches(pid, list(repo.people), n=3)
        raise UsageError(f"{what} '{pid}' is not in people.yml",
                         f"Did you mean: {', '.join(close)}?" if close else
                         "Check the id in people.yml, or ask the records admin to add them.")
    return person


def _contract_supervisor(repo: Any, school: str, supervisee: str) -> str | None:
    """Supervisor named in the supervisee's latest contract, if any."""
    from supervision.forms.yamlparse import parse_file

    folder = repo.root / "contracts" / school
    if not folder.is_dir():
        return None
    for path in sorted(folder.glob(f"{supervisee}-*.yaml"), reverse=True):
        doc, _problems = parse_file(str(path), path.name)
        if doc is not None and isinstance(doc.data, dict):
            found = doc.data.get("supervisor")
            if isinstance(found, str) and found in repo.people:
                return found
    return None


def run(args: argparse.Namespace) -> int:
    from supervision.editing.prefill import previous_actions, set_review
    from supervision.forms.scaffold import RecordExists, write_new

    repo = open_repo(args)
    if repo.config is None or not repo.profiles:
        raise Refused("the repository's settings have problems, so no form can be chosen",
                      "Run `supervision check supervision.yml people.yml` and fix what it says.")
    if args.kind == "policy-assessment":
        return _policy_assessment(repo, args)
    supervisees = args.supervisee or []
    if not supervisees:
        raise UsageError(f"a new {args.kind} needs --supervisee ID")
    if args.group and args.kind != "session":
        raise UsageError("--group is only for sessions")
    if not args.group and len(supervisees) > 1:
        raise UsageError("give one --supervisee, or use --group for a group session")
    for pid in supervisees:
        _person(repo, pid, "supervisee")
    first = repo.people[supervisees[0]]
    school = args.school or first.school
    if school is None:
        raise UsageError(f"'{first.id}' has no school in people.yml", "Pass --school ID.")
    if school not in repo.config.schools:
        raise UsageError(f"'{school}' is not a school in supervision.yml",
                         "Schools: " + ", ".join(repo.config.schools) + ".")
    profile = repo.profile_for(school)
    form = repo.form(school, args.kind, args.group)
    if profile is None or form is None:
        have = ", ".join(profile.forms) if profile else "none"
        raise Refused(f"the {profile.id if profile else '?'} profile used by {school} has no "
                      f"{'group session' if args.group else args.kind} form",
                      f"Forms in this profile: {have}.")
    day = args.date or today(args)
    supervisor = args.supervisor or _contract_supervisor(repo, school, supervisees[0])
    if supervisor is None:
        raise UsageError(f"no contract names a supervisor for '{supervisees[0]}'",
                         "Pass --supervisor ID (or start with `supervision new contract`).")
    _person(repo, supervisor, "supervisor")
    values: dict[str, Any] = {"kind": form.kind, "school": school, "date": day,
                              "supervisor": supervisor}
    notes: dict[str, str] = {}
    if args.group:
        from supervision.cli.new_prefill import group_actions

        values.update(format="group", supervisees=supervisees, status=args.status)
        set_review(form, values, group_actions(repo, school, supervisor, day))
    else:
        values["supervisee"] = supervisees[0]
    if form.key == "session":
        values.update(format="one-to-one", status=args.status)
        set_review(form, values, previous_actions(repo, school, supervisees[0], day))
    if args.kind == "case-notes":
        if not args.case:
            raise UsageError("case notes need --case REF (the child's case reference)",
                             "Issue a new reference with `supervision case new` if needed.")
        if not repo.context(profile).case_ref.match(args.case):
            raise UsageError("--case is not a case reference in the agreed format",
                             f"Use a reference like {repo.context(profile).case_ref_example}.")
        values["case_ref"] = args.case
    if args.kind == "qa-review":
        if not args.reviewer:
            raise UsageError("a QA review needs --reviewer ID")
        _person(repo, args.reviewer, "reviewer")
        values["reviewer"] = args.reviewer
        from supervision.cli.new_prefill import qa_answers

        answers, notes = qa_answers(repo, supervisees[0], args.reviewer, day)
        values.update({k: v for k, v in answers.items() if form.field(k) is not None})
    try:
        path = write_new(repo, form, profile, values, notes)
    except RecordExists as exc:
        raise Refused(f"{exc.relpath} already exists; nothing was written",
                      "Open that file to carry on, or pass another --date.") from None
    shown = os.path.relpath(path) if Path.cwd() in path.parents else str(path)
    print(shown, flush=True)
    if args.form:
        from supervision.cli.edit import open_form

        return open_form(repo, repo.relative(path), args)
    if args.edit:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            raise UsageError("--edit needs $EDITOR (or $VISUAL) to name your editor",
                             f"The file was written; open {shown} yourself.")
        subprocess.run([*shlex.split(editor), str(path)], check=False)
    return EXIT_OK


def _policy_assessment(repo: Any, args: argparse.Namespace) -> int:
    """The yearly assessment of how the policy works: for one school, or (no --school) for
    every school of the organisation's profile."""
    from supervision.forms.scaffold import RecordExists, write_new

    if not args.assessor:
        raise UsageError("a policy assessment needs --assessor ID (the strategic "
                         "safeguarding lead)")
    _person(repo, args.assessor, "assessor")
    if args.school and args.school not in repo.config.schools:
        raise UsageError(f"'{args.school}' is not a school in supervision.yml",
                         "Schools: " + ", ".join(repo.config.schools) + ".")
    profile = repo.profile_for(args.school)
    form = repo.form(args.school, "policy-assessment")
    if profile is None or form is None:
        raise Refused(f"the {profile.id if profile else '?'} profile has no policy-assessment "
                      "form", "The reflective profile has one; a school's own profile can add "
                      "it (see `supervision profile show reflective --yaml`).")
    values: dict[str, Any] = {"kind": "policy-assessment", "date": args.date or today(args),
                              "assessor": args.assessor}
    if args.school:
        values["school"] = args.school
    try:
        path = write_new(repo, form, profile, values)
    except RecordExists as exc:
        raise Refused(f"{exc.relpath} already exists; nothing was written",
                      "Open that file to carry on, or pass another --date.") from None
    print(os.path.relpath(path) if Path.cwd() in path.parents else str(path))
    return EXIT_OK

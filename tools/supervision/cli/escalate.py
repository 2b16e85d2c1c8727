"""``supervision escalate PATH --to ID --reason TEXT``: refer a disagreement that cannot be
resolved to the person the policy names (the Headteacher; the Deputy CEO, then the CEO).

Writes an escalation record pointing at the disputed record and the version of it that
both signed; the disputed record itself is never changed. Once resolved, the person it
went to writes the outcome under ``resolution:`` and all three sign the escalation.
"""

from __future__ import annotations

import argparse
from typing import Any

from supervision.cli import (
    EXIT_OK,
    Refused,
    UsageError,
    date_arg,
    known_id,
    open_repo,
    require_settings,
    today,
)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "escalate", parents=[common],
        help="refer a disagreement you cannot resolve to the person the policy names",
        description="Write an escalation record for a disputed record (one both of you "
        "signed with a disagreement recorded): the step from the policy, who it goes to and "
        "why. The disputed record is not changed. Refuses when the record is not disputed "
        "or the person does not hold the role the policy's step needs.",
    )
    p.add_argument("path", metavar="PATH", help="the disputed record")
    p.add_argument("--to", required=True, metavar="ID",
                   help="who it goes to (their id in people.yml)")
    p.add_argument("--reason", required=True, metavar="TEXT",
                   help="what you could not agree on (case references only, never a name)")
    p.add_argument("--step", metavar="STEP",
                   help="the policy's step (default: its first, e.g. headteacher or deputy-ceo)")
    p.add_argument("--date", type=date_arg, metavar="YYYY-MM-DD",
                   help="the day it is escalated (default: today)")
    p.set_defaults(run=run)


def _disputed(repo: Any, relpath: str, facts: dict[str, Any]) -> None:
    """Refuse unless the record is disputed: a disagreement recorded and, when the
    repository signs, signed by everyone with it (verify's status ``disputed``)."""
    if not facts.get("disagreement"):
        raise Refused(f"{relpath} is not disputed: it records no disagreement; nothing was "
                      "written", "A disagreement is recorded on the record itself, with "
                      "`supervision sign PATH --disagree TEXT`; only a disputed record is "
                      "escalated.")
    if repo.config is None or not repo.config.admins:
        return  # not signing yet: the recorded disagreement is what there is
    from supervision.signing.gitio import Git
    from supervision.signing.verify import Verifier

    analysis = Verifier(repo, Git(repo.root)).run()
    status = next((r.status for r in analysis.records if r.path == relpath), "unknown")
    if status != "disputed":
        raise Refused(f"{relpath} records a disagreement but its status is {status}, not "
                      "disputed; nothing was written",
                      "Both of you sign it first (`supervision sign PATH`): a record is "
                      "disputed once everyone has signed it with the disagreement.")


def run(args: argparse.Namespace) -> int:
    from supervision.cli.pointing import committed_record, rule_context, written
    from supervision.deadlines.rules.escalations import disputed_record
    from supervision.forms.scaffold import write_new

    repo = open_repo(args)
    require_settings(repo, "written")
    known_id(args.to, list(repo.people), "person", "people.yml")
    if not args.reason.strip():
        raise UsageError("--reason needs the text of what you could not agree on")
    relpath, blob, facts = committed_record(repo, args.path)
    _disputed(repo, relpath, facts)
    school = facts.get("school")
    profile = repo.profile_for(school)
    form = repo.form(school, "escalation")
    if profile is None or form is None:
        raise Refused(f"the profile used by {school} has no escalation form",
                      "Add an `escalation` form to the profile (see the built-in ones).")
    steps = profile.rules.escalation
    if not steps:
        raise Refused(f"the {profile.id} policy names nobody to escalate a disagreement to",
                      "Set `escalation:` in the profile's rules (e.g. [headteacher]).")
    step = args.step or steps[0]
    if step not in steps:
        raise UsageError(f"'{step}' is not a step of the {profile.id} policy",
                         f"Its steps, in order: {', '.join(steps)}.")
    parties = [p for p in (facts.get("supervisor"), *(facts.get("supervisees") or ())) if p]
    if args.to in parties:
        raise Refused(f"{args.to} is one of the two people who disagree; nothing was written",
                      "Escalate to the person the policy names, who is neither of you.")
    person = repo.people[args.to]
    if step not in person.roles:
        holders = sorted(pid for pid, p in repo.people.items() if step in p.roles)
        raise Refused(f"{args.to} does not have the role {step} in people.yml; nothing was "
                      "written", f"People with that role: {', '.join(holders)}." if holders
                      else f"Ask the records admin to give the {step} the role in people.yml.")
    day = args.date or today(args)
    ctx = rule_context(repo, day)
    for rec in ctx.index.by_kind.get("escalation", []):
        if disputed_record(ctx, rec) == relpath and rec.facts.get("step") == step and \
                not rec.facts.get("resolved"):
            raise Refused(f"this disagreement was already escalated to {step} on {rec.day} "
                          f"({rec.path}), and that is not resolved yet; nothing was written",
                          "Resolve that one, or escalate to the next step with --step.")
    values = {"kind": "escalation", "school": school, "date": day,
              "disputed": {"record": relpath, "version": blob},
              "supervisee": parties[1] if len(parties) > 1 else None,
              "supervisor": facts.get("supervisor"), "mediator": args.to,
              "reason": args.reason.strip(), "step": step}
    path = write_new(repo, form, profile, values)
    done = repo.relative(path)
    print(written(path, f"Commit it so {args.to} sees it (supervision submit {done}); once it "
                  "is resolved, they write the outcome under 'resolution:' and all three of "
                  "you sign it."))
    return EXIT_OK

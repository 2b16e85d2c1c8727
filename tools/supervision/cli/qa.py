"""``supervision qa sample``: records for a QA reviewer to read, at random but covering
every supervisor.

The sample is drawn from the held one-to-one session records (those a QA reviewer reads
to judge the quality of supervision): first one from each supervisor, then the rest at
random, so nobody's supervision goes unread. ``--seed`` gives the same sample again (the
seed used is always printed), ``--reviewer`` leaves out records the reviewer took part in.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from typing import Any

from supervision.cli import EXIT_OK, Refused, date_arg, known_id, open_repo, require_settings, today


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError("give a number of records from 1 to 1000")
    return value


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("qa", parents=[common], help="quality assurance: `qa sample` picks "
                       "records for a QA reviewer to read",
                       description="Quality assurance of supervision.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    s = actions.add_parser(
        "sample", parents=[common], help="pick records to read, covering every supervisor",
        description="Pick session records for a QA reviewer (or the yearly policy "
        "assessment) to read: at random, but at least one from every supervisor. The seed "
        "is printed so the same sample can be drawn again.")
    s.add_argument("--count", type=_count, default=5, metavar="N",
                   help="how many records (default 5; raised to cover every supervisor)")
    s.add_argument("--seed", type=int, metavar="S", help="draw the same sample again")
    s.add_argument("--school", metavar="ID", help="only this school's records")
    s.add_argument("--reviewer", metavar="ID",
                   help="leave out records this person supervised or received")
    s.add_argument("--since", type=date_arg, metavar="YYYY-MM-DD",
                   help="only sessions held on or after this day")
    s.add_argument("--format", choices=("text", "json"), default="text")
    s.set_defaults(run=run_sample)


def draw(candidates: list[tuple[str, dict[str, Any]]], count: int,
         rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    """``count`` records (more if needed to include every supervisor), in date order."""
    by_supervisor: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for path, facts in candidates:
        by_supervisor.setdefault(str(facts.get("supervisor")), []).append((path, facts))
    chosen = [rng.choice(recs) for _sup, recs in sorted(by_supervisor.items())]
    rest = [c for c in candidates if c not in chosen]
    rng.shuffle(rest)
    chosen += rest[:max(0, count - len(chosen))]
    return sorted(chosen, key=lambda c: (str(c[1].get("date")), c[0]))


def run_sample(args: argparse.Namespace) -> int:
    from supervision.checker import Checker
    from supervision.reporters import plural

    repo = open_repo(args)
    require_settings(repo, "sampled")
    if args.school:
        known_id(args.school, list(repo.config.schools), "school", "supervision.yml")
    if args.reviewer:
        known_id(args.reviewer, list(repo.people), "person", "people.yml")
    day = today(args)
    facts = Checker(repo, today=day).records(repo.record_files()).facts
    candidates = sorted(
        (path, f) for path, f in facts.items()
        if f.get("form") == "session" and f.get("status") == "held"
        and str(f.get("date")) <= day.isoformat()
        and (not args.school or f.get("school") == args.school)
        and (not args.since or str(f.get("date")) >= args.since.isoformat())
        and (not args.reviewer or args.reviewer not in (
            f.get("supervisor"), *(f.get("supervisees") or ()))))
    if not candidates:
        raise Refused("there are no held session records to sample"
                      + (" with those options" if args.school or args.since or args.reviewer
                         else " in this repository"),
                      "A sample is drawn from one-to-one session records marked held; "
                      "check the options, or record sessions first.")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    chosen = draw(candidates, args.count, random.Random(seed))
    supervisors = sorted({str(f.get("supervisor")) for _p, f in candidates})
    if args.format == "json":
        json.dump({"seed": seed, "supervisors": supervisors,
                   "records": [{"path": p, "date": f.get("date"), "school": f.get("school"),
                                "supervisor": f.get("supervisor"),
                                "supervisee": (f.get("supervisees") or [None])[0]}
                               for p, f in chosen]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    raised = len(chosen) > args.count
    print(f"{plural(len(chosen), 'record')} to read, from "
          f"{plural(len(candidates), 'held session')} of "
          f"{plural(len(supervisors), 'supervisor')} (seed {seed}"
          + ("; more than --count, to include every supervisor" if raised else "") + "):")
    for path, f in chosen:
        who = (f.get("supervisees") or ["?"])[0]
        print(f"  {f.get('date')}  {f.get('supervisor')} supervising {who}  {path}")
    print(f"The same sample again: supervision qa sample --count {args.count} --seed {seed}"
          + (f" --school {args.school}" if args.school else "")
          + (f" --reviewer {args.reviewer}" if args.reviewer else "")
          + (f" --since {args.since}" if args.since else ""))
    print("Read each with `supervision show PATH`.")
    return EXIT_OK

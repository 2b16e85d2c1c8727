"""Build a large, entirely fictional records repository for benchmarks.

    python benchmarks/make_corpus.py DIR [--records 10000] [--schools 30]
        [--supervisees 6] [--years 3] [--profile agenda] [--numbers-share 0.0]

``DIR`` is created with ``supervision init`` (no hooks, no signing), then filled
with records written the way ``supervision new`` writes them (the form's
guidance comments included) and completed by :mod:`supervision.demo.synthetic`.
Every record passes ``supervision check``.

Per academic year, each supervisee gets a contract, one session per half term
with case notes for each case discussed, and a QA review; each school gets a
group session per half term. Records are made year by year, half term by half
term, until ``--records`` is reached, so a smaller count is still a spread of
schools and people.

``--numbers-share`` replaces that share of the free-text answers with ordinary,
non-identifying prose that contains numbers (times, rooms, dates, ages, money),
which is what real records look like and what the privacy scanner has to read
closely. Later benchmarks import :func:`make_corpus`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

#: First day of each half term's supervision week, as (month, day) in an academic year.
HALF_TERM_WEEKS = ((9, 22), (11, 16), (1, 18), (3, 1), (5, 3), (6, 14))

#: Clean safeguarding prose with numbers in it: nothing here identifies anyone.
NUMBER_PROSE = (
    "Met in room 14 at 10:30 for 60 minutes; the review is booked for 12/03/2027.",
    "Attendance in Year 9 is 91.5% this half term, up from 88% in 2025-26.",
    "Three of the 12 referrals since September went to early help; 2 were stepped down.",
    "The core group meets every 4 weeks at 09:15 in the meeting room on floor 2.",
    "A boy aged 11 in Year 7 is settling in; the next review is on 5 May 2027.",
    "The trust spent £1,250 on training for 8 staff; 6 have completed level 3.",
    "Call back after 3pm; the strategy meeting moved from 14:00 to 15:30.",
    "Agreed to check the 2 outstanding actions from 20 January before half term.",
    "Staff logged 37 concerns in 6 weeks; 5 needed a same-day response.",
    "Section 47 enquiry closed after 10 working days; case stays at level 2 of 4.",
)


@dataclass
class Corpus:
    root: Path
    records: int
    schools: int
    supervisees: int
    years: int
    profile: str


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _init(root: Path, profile: str, schools: list[str],
          people: list[dict[str, Any]]) -> None:
    from supervision.cli import main

    code = main(["init", str(root), "--profile", profile, "--org",
                 "Benchmark Trust (fictional)", "--no-hooks", "--no-seal", "--today",
                 "2026-11-22"])
    if code != 0:
        raise SystemExit(f"supervision init failed with exit code {code}")
    config_path = root / "supervision.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["schools"] = [{"id": s, "name": f"Example School {i + 1} (fictional)"}
                         for i, s in enumerate(schools)]
    # Fictional records: no pupils' names to deny, so name checking is off on purpose
    # (privacy_overhead.py names its own list with SUPERVISION_DENY_LIST, which wins).
    config.setdefault("privacy", {})["deny_list"] = "none"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    (root / "people.yml").write_text(
        yaml.safe_dump({"people": people}, sort_keys=False), encoding="utf-8")


def _people(schools: list[str], supervisees: int) -> tuple[
        list[dict[str, Any]], dict[str, dict[str, Any]]]:
    people: list[dict[str, Any]] = []
    staff: dict[str, dict[str, Any]] = {}
    for number, school in enumerate(schools, start=1):
        team = [f"{school}-dsl-{n}" for n in range(1, supervisees + 1)]
        supervisor, head = f"{school}-deputy", f"{school}-head"
        staff[school] = {"team": team, "supervisor": supervisor, "head": head}
        for n, pid in enumerate(team, start=1):
            people.append({"id": pid, "name": f"Sample Lead {number}-{n}",
                           "roles": ["dsl" if n == 1 else "ddsl"], "school": school,
                           "email": f"{pid}@example.invalid"})
        people.append({"id": supervisor, "name": f"Sample Deputy {number}",
                       "roles": ["deputy-head", "supervisor"], "school": school})
        people.append({"id": head, "name": f"Sample Head {number}",
                       "roles": ["headteacher", "qa-reviewer"], "school": school})
    return people, staff


def _with_numbers(value: Any, rng: random.Random, share: float) -> Any:
    """Swap a share of the long free-text answers for prose containing numbers."""
    if isinstance(value, dict):
        return {k: _with_numbers(v, rng, share) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_numbers(v, rng, share) for v in value]
    if isinstance(value, str) and len(value) > 60 and rng.random() < share:
        return rng.choice(NUMBER_PROSE)
    return value


def _plan(start_year: int, years: int, schools: list[str], staff: dict[str, dict[str, Any]],
          rng: random.Random) -> Iterator[tuple[str, dict[str, Any]]]:
    """(kind, header) for every record, in the order they would be written."""
    from supervision.demo.synthetic import case_ref

    for year in range(start_year, start_year + years):
        for school in schools:
            team = staff[school]
            for n, pid in enumerate(team["team"]):
                day = _weekday(dt.date(year, 9, 7 + n % 3))
                yield "contract", {"school": school, "supervisee": pid,
                                   "supervisor": team["supervisor"], "date": day}
        for half, (month, first) in enumerate(HALF_TERM_WEEKS):
            cal_year = year if month >= 9 else year + 1
            for school in schools:
                team = staff[school]
                for n, pid in enumerate(team["team"]):
                    day = _weekday(dt.date(cal_year, month, first + n % 5))
                    yield "session", {"school": school, "supervisee": pid,
                                      "supervisor": team["supervisor"], "date": day,
                                      "format": "one-to-one", "status": "held"}
                    for _ in range(rng.randint(1, 2)):
                        yield "case-notes", {"school": school, "supervisee": pid,
                                             "supervisor": team["supervisor"], "date": day,
                                             "case_ref": case_ref(rng)}
                day = _weekday(dt.date(cal_year, month, first + 1))
                yield "group-session", {"school": school, "supervisor": team["supervisor"],
                                        "supervisees": team["team"][:3], "date": day,
                                        "format": "group", "status": "held"}
                if half == 5:
                    for pid in team["team"]:
                        yield "qa-review", {"school": school, "supervisee": pid,
                                            "supervisor": team["supervisor"],
                                            "reviewer": team["head"],
                                            "date": dt.date(cal_year, 7, 1)}


def make_corpus(root: Path, records: int = 10_000, schools: int = 30, supervisees: int = 6,
                years: int = 4, profile: str = "agenda", seed: int = 7,
                numbers_share: float = 0.0, start_year: int = 2024) -> Corpus:
    """Create ``root`` as a records repository holding ``records`` valid records."""
    from supervision.demo.synthetic import fill
    from supervision.forms.record_rules import expected_path
    from supervision.forms.scaffold import render
    from supervision.repo import RecordsRepo

    if supervisees < 2:
        raise ValueError("group sessions need at least 2 supervisees per school")
    rng = random.Random(seed)
    school_ids = [f"school-{n:02d}" for n in range(1, schools + 1)]
    people, staff = _people(school_ids, supervisees)
    _init(root, profile, school_ids, people)
    repo = RecordsRepo.load(root)
    if repo.problems:
        raise SystemExit("the generated settings do not check: "
                         + "; ".join(p.message for p in repo.problems))
    written = 0
    for key, header in _plan(start_year, years, school_ids, staff, rng):
        if written >= records:
            break
        kind = "session" if key == "group-session" else key
        form = repo.form(header["school"], kind, key == "group-session")
        profile_obj = repo.profile_for(header["school"])
        if form is None or profile_obj is None:
            continue  # e.g. the reflective profile has no case notes or QA review form
        team = staff[header["school"]]
        pool = [*team["team"], team["supervisor"]]
        data = fill(form, profile_obj, {"kind": kind, **header}, pool, rng)
        if numbers_share:
            data = _with_numbers(data, rng, numbers_share)
        relpath = expected_path(form, {**header, "date": header["date"]})
        assert relpath is not None
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        schema = root / "schemas" / profile_obj.id / f"{form.key}.schema.json"
        text = render(form, profile_obj, data, os.path.relpath(schema, path.parent))
        path.write_text(text, encoding="utf-8")
        written += 1
    return Corpus(root, written, schools, supervisees, years, profile)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--schools", type=int, default=30)
    parser.add_argument("--supervisees", type=int, default=6,
                        help="supervisees per school (at least 2)")
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--profile", choices=("agenda", "reflective"), default="agenda")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--numbers-share", type=float, default=0.0,
                        help="share of long answers replaced by prose with numbers (0 to 1)")
    args = parser.parse_args(argv)
    if args.directory.exists() and any(args.directory.iterdir()):
        parser.error(f"{args.directory} exists and is not empty")
    corpus = make_corpus(args.directory.resolve(), args.records, args.schools,
                         args.supervisees, args.years, args.profile, args.seed,
                         args.numbers_share)
    print(f"{corpus.records} records in {corpus.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

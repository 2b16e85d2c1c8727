"""Build a large, fictional records repository with a realistic timeline of supervision.

For timing ``supervision status`` and ``supervision check`` (and anything else that
needs a big trust): schools on both profiles, supervisees with contracts, a session
every half term for several school years (a few cancelled and rebooked), case notes,
half-termly group sessions, QA reviews and informal notes, planned sessions for the
rest of the current year, committed in a handful of big commits (one per term).

The repository is made by the real ``supervision init``; content comes from
``supervision.demo.synthetic`` and is obviously fictional. Command line::

    python benchmarks/timeline_corpus.py /tmp/corpus --schools 10 --supervisees 200 --years 3

or from Python (other benchmarks can reuse it)::

    from timeline_corpus import build_corpus
    stats = build_corpus(Path("/tmp/corpus"), schools=10, supervisees=200, years=3)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from supervision.deadlines.school_calendar import load_calendar
from supervision.deadlines.school_year import academic_year
from supervision.demo.synthetic import case_ref, fill
from supervision.forms.record_rules import expected_path, walk
from supervision.repo import RecordsRepo

try:
    from yaml import CSafeDumper as Dumper
except ImportError:  # pragma: no cover
    from yaml import SafeDumper as Dumper  # type: ignore[assignment]

TEMPLATE_YEAR = "2026-27"
TODAY = dt.date(2026, 11, 22)
FIRST = ("Sam", "Robin", "Jo", "Lee", "Alex", "Kim", "Pat", "Chris", "Jordan", "Morgan",
         "Casey", "Riley", "Taylor", "Jamie", "Drew", "Avery")
LAST = ("Sample", "Placeholder", "Fictional", "Madeup", "Example", "Invented", "Imaginary",
        "Pretend")


@dataclass
class Stats:
    records: int = 0
    commits: int = 0
    people: int = 0
    seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)


def git_env(day: dt.date | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "GIT_AUTHOR_NAME": "Corpus Builder", "GIT_AUTHOR_EMAIL": "corpus@example.invalid",
        "GIT_COMMITTER_NAME": "Corpus Builder", "GIT_COMMITTER_EMAIL": "corpus@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
    })
    if day is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{day}T17:00:00+00:00"
    return env


def without_deny_list(config: str) -> str:
    """supervision.yml's text with ``privacy: deny_list: none``. A fictional trust has no
    pupils' names to deny, so name checking is off on purpose; otherwise check warns on
    every run that no deny list is set (PRIVACY-DENY-LIST-UNSET). The skeleton's
    commented line is switched on where it is there (keeping the file's comments), else
    the setting is added under ``privacy:``; anything else is an error, not a silent
    warning in every measurement."""
    if "\n  # deny_list: none\n" in config:
        config = config.replace("\n  # deny_list: none\n", "\n  deny_list: none\n", 1)
    elif "\nprivacy:\n" in config and "\n  deny_list:" not in config:
        config = config.replace("\nprivacy:\n", "\nprivacy:\n  deny_list: none\n", 1)
    privacy = (yaml.safe_load(config) or {}).get("privacy") or {}
    if privacy.get("deny_list") != "none":
        raise SystemExit("could not set privacy: deny_list: none in the corpus's "
                         "supervision.yml (has the skeleton changed?)")
    return config


def _shift_year(text: str, years: int) -> str:
    """The template calendar moved ``years`` years (364 days each, so weekdays stay)."""
    def move(match: re.Match[str]) -> str:
        day = dt.date.fromisoformat(match.group(0)) + dt.timedelta(days=364 * years)
        return day.isoformat()

    first = int(TEMPLATE_YEAR[:4]) + years
    text = re.sub(r"\d{4}-\d{2}-\d{2}", move, text)
    return text.replace(TEMPLATE_YEAR, f"{first}-{(first + 1) % 100:02d}")


def _person_name(index: int) -> str:
    return f"{FIRST[index % len(FIRST)]} {LAST[(index // len(FIRST)) % len(LAST)]} {index}"


class Builder:
    """Plans the trust (people, calendars, every record with its date) and writes it.

    ``init`` and ``build`` plan; ``write_and_commit`` commits unsigned, term by term.
    benchmarks/corpus.py commits the same plan record by record, signed."""

    def __init__(self, dest: Path, schools: int, supervisees: int, years: int,
                 records: int, today: dt.date, seed: int) -> None:
        self.dest = dest
        self.today = today
        self.rng = random.Random(seed)
        self.target = records
        self.stats = Stats()
        self.schools = [f"school-{n:02d}" for n in range(1, schools + 1)]
        self.profiles = {s: ("agenda" if n % 2 == 0 else "reflective")
                         for n, s in enumerate(self.schools)}
        self.years = [academic_year(today.replace(year=today.year - k))
                      for k in range(years - 1, -1, -1)]
        self.supervisees = supervisees
        self.pending: list[tuple[dt.date, str, dict[str, Any]]] = []
        self.actions_made = 0
        self._previous: dict[str, list[dict[str, Any]]] = {}

    # -- set-up ----------------------------------------------------------------------
    def init(self) -> None:
        subprocess.run([sys.executable, "-m", "supervision", "init", str(self.dest),
                        "--profile", "agenda", "--org", "Benchmark Trust (fictional)",
                        "--no-hooks", "--no-seal", "--today", self.today.isoformat()],
                       check=True, capture_output=True, env=git_env())
        template = (self.dest / "calendar" / f"{TEMPLATE_YEAR}.yml").read_text()
        shift0 = int(TEMPLATE_YEAR[:4])
        for year in self.years:
            text = _shift_year(template, int(year[:4]) - shift0)
            (self.dest / "calendar" / f"{year}.yml").write_text(text)
        config = (self.dest / "supervision.yml").read_text()
        schools = "".join(f"  - id: {s}\n    name: {s.replace('-', ' ').title()} (fictional)\n"
                          f"    profile: {self.profiles[s]}\n" for s in self.schools)
        config = re.sub(r"schools:\n(?:  .*\n|\s*#.*\n)+", "schools:\n" + schools, config)
        config = without_deny_list(config)
        (self.dest / "supervision.yml").write_text(config)
        self.people_yml()

    def people_yml(self) -> None:
        people: list[dict[str, Any]] = [{
            "id": "trust-lead", "name": _person_name(0), "roles": ["trust-lead",
                                                                   "external-supervisor"],
            "email": "trust.lead@example.invalid", "supervision_training": "2022-06-01"}]
        self.by_school: dict[str, dict[str, Any]] = {}
        index = 1
        per_school = max(2, self.supervisees // len(self.schools))
        for school in self.schools:
            supervisor = f"sup-{school}"
            head = f"head-{school}"
            dsls = [f"dsl-{school}-{n:02d}" for n in range(1, per_school + 1)]
            self.by_school[school] = {"supervisor": supervisor, "head": head, "dsls": dsls}
            people.append({"id": supervisor, "name": _person_name(index),
                           "roles": ["deputy-head", "supervisor"], "school": school,
                           "supervision_training": "2023-07-01"})
            people.append({"id": head, "name": _person_name(index + 1),
                           "roles": ["headteacher", "qa-reviewer"], "school": school,
                           "supervision_training": "2021-07-01"})
            index += 2
            for pid in dsls:
                trained = self.today - dt.timedelta(days=self.rng.randint(30, 760))
                people.append({"id": pid, "name": _person_name(index),
                               "roles": [self.rng.choice(["dsl", "ddsl"])], "school": school,
                               "email": f"{pid}@example.invalid",
                               "dsl_training": trained.isoformat()})
                index += 1
        self.stats.people = len(people)
        text = "# Fictional people for the benchmark corpus.\n" + yaml.dump(
            {"people": people}, Dumper=Dumper, sort_keys=False)
        (self.dest / "people.yml").write_text(text)

    # -- records -----------------------------------------------------------------------
    def record(self, kind: str, header: dict[str, Any], group: bool = False,
               review: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        school = header["school"]
        form = self.repo.form(school, kind, group)
        profile = self.repo.profile_for(school)
        assert form is not None and profile is not None
        people = [self.by_school[school]["supervisor"], *self.by_school[school]["dsls"][:3]]
        data = fill(form, profile, header, people, self.rng)
        data.pop("disagreement", None)
        for _keypath, f, value in walk(form.fields, dict(data)):
            if f.type == "actions" and isinstance(value, list):
                for item in value:  # distinct wording, as real actions have
                    self.actions_made += 1
                    item["action"] = f"{item['action']} (item {self.actions_made})"
        if review is not None:
            for keypath, f in form.walk():
                if f.type == "review" and not any(isinstance(p, int) for p in keypath):
                    target = data
                    for part in keypath[:-1]:
                        target = target.setdefault(str(part), {})
                    target[str(keypath[-1])] = review
                    break
        typed = dict(data, date=dt.date.fromisoformat(str(data["date"])))
        relpath = expected_path(form, typed)
        assert relpath is not None
        day = typed["date"]
        self.pending.append((day, relpath, data))
        self.stats.by_kind[form.key] = self.stats.by_kind.get(form.key, 0) + 1
        return data

    def _actions(self, school: str, kind: str, data: dict[str, Any],
                 reviewed: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The next session's review: this session's actions and those carried forward."""
        form = self.repo.form(school, kind)
        assert form is not None
        texts = [r["action"] for r in reviewed if r["outcome"] == "carried-forward"]
        for _keypath, f, value in walk(form.fields, dict(data)):
            if f.type == "actions" and isinstance(value, list):
                texts += [a["action"] for a in value]
        return [{"action": text, "outcome": self.rng.choice(
            ["done", "done", "done", "carried-forward", "dropped"])} for text in texts]

    def build(self) -> None:
        self.repo = RecordsRepo.load(self.dest)
        calendar = load_calendar(self.dest)
        for school in self.schools:
            info = self.by_school[school]
            agenda = self.profiles[school] == "agenda"
            for year in self.years:
                halves = calendar.half_terms(year)
                for pid in info["dsls"]:
                    self.record("contract", {"kind": "contract", "school": school,
                                             "supervisee": pid, "supervisor": info["supervisor"],
                                             "date": halves[0].start.isoformat()})
                for half in halves:
                    self.half_term(school, info, half, calendar, agenda)
                if agenda:
                    qa_day = halves[4].start + dt.timedelta(days=10)
                    for pid in info["dsls"]:
                        if qa_day < self.today:
                            self.record("qa-review", {
                                "kind": "qa-review", "school": school, "date": qa_day.isoformat(),
                                "reviewer": info["head"], "supervisee": pid,
                                "supervisor": info["supervisor"]})
            # The supervisor's own supervision, from the trust lead, each half term.
            for year in self.years:
                for half in calendar.half_terms(year):
                    day = _school_day(calendar, half.start + dt.timedelta(days=5))
                    status = "held" if day < self.today else "planned"
                    previous = self._previous
                    review = previous.get(info["supervisor"], []) if status == "held" else []
                    data = self.record("session", {"kind": "session", "format": "one-to-one",
                                                   "school": school, "date": day.isoformat(),
                                                   "supervisee": info["supervisor"],
                                                   "supervisor": "trust-lead",
                                                   "status": status}, review=review)
                    if status == "held":
                        previous[info["supervisor"]] = self._actions(school, "session", data,
                                                                     review)
            for year in self.years:
                self.record("contract", {"kind": "contract", "school": school,
                                         "supervisee": info["supervisor"],
                                         "supervisor": "trust-lead",
                                         "date": calendar.half_terms(year)[0].start.isoformat()})
        self.top_up(calendar)

    def half_term(self, school: str, info: dict[str, Any], half: Any, calendar: Any,
                  agenda: bool) -> None:
        span = (half.end - half.start).days
        previous = self._previous
        for n, pid in enumerate(info["dsls"]):
            day = _school_day(calendar, half.start + dt.timedelta(days=(span // 3 + n) % span))
            status = "held" if day < self.today else "planned"
            header = {"kind": "session", "format": "one-to-one", "school": school,
                      "date": day.isoformat(), "supervisee": pid,
                      "supervisor": info["supervisor"], "status": status}
            if status == "held" and self.rng.random() < 0.05:  # cancelled and rebooked
                new = _school_day(calendar, day + dt.timedelta(days=2))
                header["status"] = "cancelled"
                header["cancellation"] = {"by": pid, "reason": "Called away",
                                          "rebooked_to": new.isoformat()}
                self.record("session", header)
                header = dict(header, date=new.isoformat(),
                              status="held" if new < self.today else "planned")
                header.pop("cancellation")
                day = new
            review = (previous.get(pid) or []) if header["status"] == "held" else []
            data = self.record("session", header, review=review)
            if header["status"] == "held":
                previous[pid] = self._actions(school, "session", data, review)
            if agenda:
                for _case in range(self.rng.randint(1, 3)):
                    notes_day = day - dt.timedelta(days=self.rng.randint(7, 10))
                    if notes_day < self.today:
                        self.record("case-notes", {
                            "kind": "case-notes", "school": school, "supervisee": pid,
                            "supervisor": info["supervisor"], "date": day.isoformat(),
                            "case_ref": case_ref(self.rng)})
        if agenda and len(info["dsls"]) >= 2:
            day = _school_day(calendar, half.start + dt.timedelta(days=span // 2))
            self.record("session", {"kind": "session", "format": "group", "school": school,
                                    "date": day.isoformat(), "supervisor": info["supervisor"],
                                    "supervisees": list(info["dsls"]),
                                    "status": "held" if day < self.today else "planned"},
                        group=True)

    def top_up(self, calendar: Any) -> None:
        """Informal notes (reflective schools) until the corpus reaches its target size."""
        reflective = [s for s in self.schools if self.profiles[s] == "reflective"]
        days = [h.start + dt.timedelta(days=d) for y in self.years
                for h in calendar.half_terms(y) for d in range((h.end - h.start).days)]
        days = [d for d in days if d < self.today and calendar.is_school_day(d)]
        taken = {p for _d, p, _x in self.pending}
        while len(self.pending) < self.target and reflective:
            school = self.rng.choice(reflective)
            info = self.by_school[school]
            pid = self.rng.choice(info["dsls"])
            day = self.rng.choice(days)
            path = f"records/{school}/{academic_year(day)}/{pid}/{day}-informal.yaml"
            if path in taken:
                continue
            taken.add(path)
            self.record("informal", {"kind": "informal", "school": school, "supervisee": pid,
                                     "supervisor": info["supervisor"], "date": day.isoformat()})

    # -- writing and committing ------------------------------------------------------------
    def write_and_commit(self) -> None:
        subprocess.run(["git", "add", "-A"], cwd=self.dest, check=True, env=git_env())
        start = dt.date(int(self.years[0][:4]), 9, 1)
        subprocess.run(["git", "commit", "-q", "-m", "Set up the benchmark trust"],
                       cwd=self.dest, check=True, env=git_env(start))
        self.stats.commits += 1
        calendar = load_calendar(self.dest)
        # One commit per term, dated the day after the term ends (today for the current one).
        batches: dict[dt.date, list[tuple[str, dict[str, Any]]]] = {}
        for day, relpath, data in sorted(self.pending, key=lambda p: p[1]):
            half = calendar.half_term_counting(day)
            ends = calendar.term_half_terms(half)[-1].end if half else day
            when = min(ends + dt.timedelta(days=1), self.today)
            batches.setdefault(when, []).append((relpath, data))
        for when in sorted(batches):
            for relpath, data in batches[when]:
                path = self.dest / relpath
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(record_text(data))
            subprocess.run(["git", "add", "-A", "records", "contracts"], cwd=self.dest,
                           check=True, env=git_env())
            subprocess.run(["git", "commit", "-q", "-m", f"Records up to {when}"],
                           cwd=self.dest, check=True, env=git_env(when))
            self.stats.commits += 1
        self.stats.records = len(self.pending)


def record_text(data: dict[str, Any]) -> str:
    """A record as YAML, the way every corpus writes it."""
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)


def plan_corpus(dest: Path, schools: int = 10, supervisees: int = 200, years: int = 3,
                records: int = 10_000, today: dt.date = TODAY, seed: int = 7) -> Builder:
    """Run ``supervision init`` in ``dest`` and plan every record (nothing committed):
    ``builder.pending`` holds (day, path, data) and ``builder.by_school`` the people."""
    builder = Builder(dest, schools, supervisees, years, records, today, seed)
    builder.init()
    builder.build()
    return builder


def _school_day(calendar: Any, day: dt.date) -> dt.date:
    for _ in range(60):
        if calendar.is_school_day(day):
            return day
        day += dt.timedelta(days=1)
    return day


def build_corpus(dest: Path, schools: int = 10, supervisees: int = 200, years: int = 3,
                 records: int = 10_000, today: dt.date = TODAY, seed: int = 7) -> Stats:
    """Create the corpus in ``dest`` (which must not exist, or be empty); return its stats."""
    started = time.perf_counter()
    builder = plan_corpus(dest, schools, supervisees, years, records, today, seed)
    builder.write_and_commit()
    builder.stats.seconds = time.perf_counter() - started
    return builder.stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="new folder for the records repository")
    parser.add_argument("--schools", type=int, default=10)
    parser.add_argument("--supervisees", type=int, default=200)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--records", type=int, default=10_000,
                        help="top up with informal notes to at least this many records")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=TODAY)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    stats = build_corpus(args.dest, args.schools, args.supervisees, args.years, args.records,
                         args.today, args.seed)
    print(f"{stats.records} records ({', '.join(f'{k}: {v}' for k, v in sorted(stats.by_kind.items()))}), "
          f"{stats.people} people, {stats.commits} commits, built in {stats.seconds:.1f} s "
          f"in {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

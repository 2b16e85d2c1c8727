"""A whole synthetic trust's records, quickly: for the site's tests and benchmarks.

Writes schools, people, calendars, contracts, half-termly sessions (a few
cancelled and rebooked), case notes, group sessions and QA reviews into a
repository made by ``supervision init``, filled by :mod:`supervision.demo.synthetic`,
and commits them in batches dated as if each record was written up a few days
after its session (so the reports' "on time" column has something to count).
No signing: sign-off commits belong to the sign-off tooling.

``mark`` (optional) replaces every free-text answer, case reference and person
id with a string it returns, so a test can look for those strings in the output.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from supervision.demo.synthetic import fill
from supervision.forms.definition import Field, Form, Profile
from supervision.forms.record_rules import expected_path
from supervision.repo import RecordsRepo

#: Half terms as (month, day) pairs, start and end, Autumn 1 to Summer 2.
HALF_TERMS = (((9, 3), (10, 22)), ((11, 2), (12, 18)), ((1, 5), (2, 12)),
              ((2, 22), (3, 26)), ((4, 12), (5, 27)), ((6, 7), (7, 21)))
NAMES = ("Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2")
TERMS = ("Autumn", "Autumn", "Spring", "Spring", "Summer", "Summer")

Mark = Callable[[str], str]  # what -> a unique string ("text", "case_ref", "person")


def _year_name(first: int) -> str:
    return f"{first}-{(first + 1) % 100:02d}"


def _half_terms(first: int) -> list[tuple[str, dt.date, dt.date]]:
    out = []
    for name, ((m1, d1), (m2, d2)) in zip(NAMES, HALF_TERMS, strict=True):
        y1 = first if m1 >= 9 else first + 1
        y2 = first if m2 >= 9 else first + 1
        out.append((name, dt.date(y1, m1, d1), dt.date(y2, m2, d2)))
    return out


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


class _Writer:
    def __init__(self, root: Path, repo: RecordsRepo, rng: random.Random,
                 mark: Mark | None) -> None:
        self.root = root
        self.repo = repo
        self.rng = rng
        self.mark = mark
        self.by_commit_day: dict[dt.date, list[str]] = defaultdict(list)
        self.people: list[str] = []

    def _marked(self, fields: tuple[Field, ...], data: dict[str, Any]) -> None:
        assert self.mark is not None
        for f in fields:
            if f.name not in data or data[f.name] is None:
                continue
            value = data[f.name]
            if f.type in ("text", "line") and f.name not in ("supervisee_role",
                                                             "supervisor_role"):
                data[f.name] = self.mark("text")
            elif f.type == "case_ref":
                data[f.name] = self.mark("case_ref")
            elif f.is_list and f.of in ("text", "line"):
                data[f.name] = [self.mark("text") for _ in value]
            elif f.fields and isinstance(value, dict):
                self._marked(f.fields, value)
            elif f.fields and isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        self._marked(f.fields, item)
            if f.type in ("actions", "decisions", "review", "risk"):
                for item in value if isinstance(value, list) else [value]:
                    for key in ("action", "note", "decision", "reasons"):
                        if isinstance(item, dict) and item.get(key):
                            item[key] = self.mark("text")

    def record(self, profile: Profile, form: Form, header: dict[str, Any],
               written: dt.date) -> dict[str, Any]:
        data = fill(form, profile, header, self.people, self.rng)
        if self.mark is not None:
            self._marked(form.fields, data)
        typed = {**data, "date": dt.date.fromisoformat(str(data["date"]))}
        relpath = expected_path(form, typed)
        assert relpath is not None, header
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
        self.by_commit_day[written].append(relpath)
        return data


def _person_name(mark: Mark | None, default: str) -> str:
    return mark("text") if mark is not None else default


def write_calendars(root: Path, first_year: int, years: int) -> None:
    """Replace ``calendar/`` with one fictional calendar per academic year from ``first_year``."""
    calendar = root / "calendar"
    for old in calendar.glob("*.yml"):
        old.unlink()
    for k in range(years):
        first = first_year + k
        terms: list[dict[str, Any]] = []
        for name, start, end in _half_terms(first):
            term = TERMS[NAMES.index(name)]
            if not terms or terms[-1]["name"] != term:
                terms.append({"name": term, "half_terms": []})
            terms[-1]["half_terms"].append({"name": name, "start": start.isoformat(),
                                            "end": end.isoformat()})
        (calendar / f"{_year_name(first)}.yml").write_text(
            yaml.safe_dump({"year": _year_name(first), "terms": terms}, sort_keys=False),
            encoding="utf-8")


def write_trust(root: Path, schools: int = 4, supervisees: int = 3, years: int = 1,
                first_year: int = 2025, seed: int = 7, mark: Mark | None = None,
                commit: bool = True) -> dt.date:
    """Fill the repository at ``root`` (made by ``supervision init``); returns a 'today'
    just after the last half term, for building reports over every half term."""
    rng = random.Random(seed)
    school_ids = [f"school-{i + 1:02d}" for i in range(schools)]
    config = yaml.safe_load((root / "supervision.yml").read_text(encoding="utf-8"))
    config["profile"] = "agenda"
    config["schools"] = [
        {"id": sid, "name": f"Sample School {i + 1}",
         **({"profile": "reflective"} if i % 2 else {})}
        for i, sid in enumerate(school_ids)]
    (root / "supervision.yml").write_text(yaml.safe_dump(config, sort_keys=False),
                                          encoding="utf-8")

    def pid(default: str) -> str:
        return mark("person") if mark is not None else default

    people: list[dict[str, Any]] = []
    staff: dict[str, dict[str, Any]] = {}
    for sid in school_ids:
        head = pid(f"head-{sid}")
        deputy = pid(f"deputy-{sid}")
        dsls = [pid(f"dsl-{sid}-{n + 1}") for n in range(supervisees)]
        staff[sid] = {"head": head, "deputy": deputy, "dsls": dsls}
        people.append({"id": head, "name": _person_name(mark, "Lee Sample"), "roles": ["headteacher",
                       "qa-reviewer"], "school": sid, "email": f"{head}@example.invalid"})
        people.append({"id": deputy, "name": _person_name(mark, "Jo Sample"), "roles": ["deputy-head",
                       "supervisor"], "school": sid, "supervision_training": "2024-06-20"})
        for n, dsl in enumerate(dsls):
            trained = dt.date(first_year + years - 2, 9, 1) + dt.timedelta(days=37 * n)
            people.append({"id": dsl, "name": _person_name(mark, f"Sam Sample {n + 1}"),
                           "roles": ["dsl" if n == 0 else "ddsl"], "school": sid,
                           "dsl_training": trained.isoformat()})
    (root / "people.yml").write_text(yaml.safe_dump({"people": people}, sort_keys=False),
                                     encoding="utf-8")
    write_calendars(root, first_year, years)

    repo = RecordsRepo.load(root)
    writer = _Writer(root, repo, rng, mark)
    writer.people = [p["id"] for p in people]
    last = dt.date(first_year, 9, 1)
    for sid in school_ids:
        profile = repo.profile_for(sid)
        assert profile is not None
        deputy = staff[sid]["deputy"]
        for dsl in staff[sid]["dsls"]:
            day = dt.date(first_year, 9, 3)
            writer.record(profile, profile.forms["contract"],
                          {"kind": "contract", "school": sid, "supervisee": dsl,
                           "supervisor": deputy, "date": day}, day)
        for k in range(years):
            for index, (_name, start, end) in enumerate(_half_terms(first_year + k)):
                last = max(last, end)
                _half_term(writer, profile, sid, staff[sid], start, end, index, rng)
    if commit:
        _commit(root, writer.by_commit_day)
    return last + dt.timedelta(days=1)


def _half_term(writer: _Writer, profile: Profile, sid: str, staff: dict[str, Any],
               start: dt.date, end: dt.date, index: int, rng: random.Random) -> None:
    deputy = staff["deputy"]
    for dsl in staff["dsls"]:
        day = _weekday(start + dt.timedelta(days=rng.randint(7, 21)))
        header = {"kind": "session", "format": "one-to-one", "school": sid, "supervisee": dsl,
                  "supervisor": deputy, "date": day, "status": "held"}
        if rng.random() < 0.08:
            new_day = _weekday(day + dt.timedelta(days=rng.choice((2, 5, 9))))
            cancelled = {**header, "status": "cancelled",
                         "cancellation": {"by": deputy, "reason": "Illness",
                                          "rebooked_to": new_day.isoformat()}}
            form = profile.forms["session"]
            data = {f.name: cancelled[f.name] for f in form.fields if f.name in cancelled}
            _cancelled(writer, form, data, day)
            header["date"] = day = new_day
        written = day + dt.timedelta(days=rng.choice((1, 3, 6, 9, 13, 20)))
        session = writer.record(profile, profile.forms["session"], header, written)
        if "case-notes" in profile.forms:
            refs = [c.get("case_ref") for c in
                    (session.get("case_management") or {}).get("cases") or []]
            for ref in [r for r in refs if r]:
                writer.record(profile, profile.forms["case-notes"],
                              {"kind": "case-notes", "school": sid, "supervisee": dsl,
                               "supervisor": deputy, "case_ref": ref,
                               "date": day}, day - dt.timedelta(days=8))
        if index == 5 and "qa-review" in profile.forms:
            qa_day = _weekday(end - dt.timedelta(days=10))
            writer.record(profile, profile.forms["qa-review"],
                          {"kind": "qa-review", "school": sid, "supervisee": dsl,
                           "supervisor": deputy, "reviewer": staff["head"], "date": qa_day},
                          qa_day)
    if profile.rules.group_sessions_per_half_term and len(staff["dsls"]) >= 2:
        day = _weekday(start + dt.timedelta(days=rng.randint(22, 30)))
        writer.record(profile, profile.forms["group-session"],
                      {"kind": "session", "format": "group", "school": sid, "date": day,
                       "supervisor": deputy, "supervisees": list(staff["dsls"]),
                       "status": "held"}, day + dt.timedelta(days=2))


def _cancelled(writer: _Writer, form: Form, data: dict[str, Any], day: dt.date) -> None:
    """A cancelled session holds only its header and the cancellation."""
    if writer.mark is not None:
        data["cancellation"]["reason"] = writer.mark("text")
    out = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}
    relpath = expected_path(form, {**out, "date": day})
    assert relpath is not None
    path = writer.root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(out, sort_keys=False), encoding="utf-8")
    writer.by_commit_day[day].append(relpath)


def _commit(root: Path, batches: dict[dt.date, list[str]]) -> None:
    env = dict(os.environ)
    env.update({"GIT_AUTHOR_NAME": "Synthetic Trust", "GIT_AUTHOR_EMAIL": "demo@example.invalid",
                "GIT_COMMITTER_NAME": "Synthetic Trust",
                "GIT_COMMITTER_EMAIL": "demo@example.invalid",
                "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull})

    def git(*argv: str, stdin: str | None = None) -> None:
        subprocess.run(["git", *argv], cwd=root, env=env, check=True, capture_output=True,
                       text=True, input=stdin)

    git("add", "-A", "--", ":!records", ":!contracts")
    git("commit", "-q", "--no-verify", "--allow-empty", "-m", "Trust settings")
    for day in sorted(batches):
        stamp = f"{day.isoformat()}T16:00:00+00:00"
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = stamp
        git("add", "--pathspec-from-file=-", stdin="\n".join(batches[day]) + "\n")
        git("commit", "-q", "--no-verify", "-m", f"Records written up on {day}")

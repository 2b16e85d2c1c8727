"""The benchmark corpus: a realistic trust with a fully signed, dated history.

The records are timeline_corpus.py's (calendars for each year, both profiles,
a session per half term with cancellations and rebookings, case notes, group
sessions, QA reviews, reviewed actions); they are committed the way
signed_history.py commits (objects written straight into packfiles, every
commit signed in-process with pysequoia), one record at a time in date order:

* the first commit, by the records admin, holds supervision.yml (naming the
  admin's key), people.yml with everyone's fingerprint and keys/: the trust root;
* each record is committed by its writer (the form's first signer: the
  supervisor for sessions, contracts and group sessions, the supervisee for case
  notes and informal notes, the reviewer for QA reviews) on a realistic day:
  a session record one to three days after the session, case notes a week or
  more before theirs;
* then one sign-off commit per signing role of the form (``Form.signers``),
  the first within the hour, the second one to four days later. Planned
  sessions are committed (booked) but not signed; a sign-off that would fall
  after "today" is not made yet, so the newest records await their signers.

Commit dates are the days things happened, so the time rules read a plausible
history. "Today" is fixed (timeline_corpus.TODAY) so runs are comparable: pass
``--today`` to every command. The defaults are the issue's scale: 50 schools,
200 supervisees, 7 school years kept::

    python benchmarks/corpus.py /tmp/bench-corpus [--schools 50] [--supervisees 200] [--years 7]

From Python: ``make_corpus(dest, schools=..., supervisees=..., years=...)``.
What was made is also written to ``.git/benchmark-corpus.json``.

``make_corpus(..., sealing=...)`` makes the same corpus sealed (issue 19; used by
benchmarks/sealed.py): ``sealing.prepare`` adjusts the working tree before the trust
root is committed (settings, keys, .gitattributes), and every record version is stored
as ``sealing.seal`` returns it (its sealed form and its readers file, committed together
by the record's writer), so sign-offs name the sealed blobs, as in a repository that
was sealed from its first record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from signed_history import (  # noqa: E402
    Keys,
    finish_history,
    ident,
    make_keys,
    start_history,
)
from supervision.cache import blob_id  # noqa: E402
from supervision.forms.facts import entry_items  # noqa: E402
from supervision.forms.record_rules import expected_path, first_free_path  # noqa: E402
from supervision.signing.signoff import message as signoff_message  # noqa: E402
from timeline_corpus import TODAY, Builder, git_env, plan_corpus, record_text  # noqa: E402

ADMIN = ("records-admin", "Records Admin (fictional)")
STATS_FILE = "benchmark-corpus.json"
HOUR = 3600
DAY = 86400


@dataclass
class CorpusStats:
    """What make_corpus made (also saved in .git/benchmark-corpus.json)."""

    records: int = 0
    commits: int = 0
    signoffs: int = 0
    people: int = 0
    schools: int = 0
    supervisees: int = 0  # as asked for (0: a corpus made before this was recorded)
    years: int = 0
    today: str = TODAY.isoformat()
    by_kind: dict[str, int] = field(default_factory=dict)
    unsigned: int = 0  # sign-offs not made yet (planned sessions, or due after today)
    seconds: float = 0.0


@dataclass(order=True)
class Event:
    """One commit to make: a record (signoff_role None) or a sign-off of it."""

    when: int
    order: int
    path: str = field(compare=False)
    person: str = field(compare=False)
    signoff_role: str | None = field(compare=False, default=None)


class Sealing(Protocol):
    """How a sealed corpus stores its records (benchmarks/sealed.py has the real one)."""

    def prepare(self, dest: Path) -> None:
        """Change the planned working tree before the trust root is committed."""

    def seal(self, path: str, text: bytes) -> dict[str, bytes]:
        """The files to store for one record version (path -> bytes): the record at
        ``path`` and any file kept beside it."""
        ...


def _stamp(day: dt.date, hour: int) -> int:
    return int(dt.datetime.combine(day, dt.time(hour), dt.UTC).timestamp())


def form_key(data: dict[str, Any]) -> str:
    """The form a record uses (a group session is its own form)."""
    if data["kind"] == "session" and data.get("format") == "group":
        return "group-session"
    return str(data["kind"])


def written_on(data: dict[str, Any], today: dt.date, rng: random.Random) -> int:
    """When the record's writer commits it: a realistic day for its kind."""
    day = dt.date.fromisoformat(str(data["date"]))
    kind, status = form_key(data), data.get("status")
    if status == "planned":  # booked a few days to weeks ahead
        return _stamp(min(day, today) - dt.timedelta(days=rng.randint(3, 20)), 9)
    if kind == "case-notes":  # sent with the agenda, a week or more before the session
        return _stamp(day - dt.timedelta(days=rng.randint(7, 10)), 16)
    if kind in ("session", "group-session") and status == "held":
        day += dt.timedelta(days=rng.randint(1, 3))
    return _stamp(min(day, today), 16)


def plan_commits(builder: Builder, signers: dict[str, tuple[str, ...]],
                 today: dt.date, rng: random.Random) -> tuple[list[Event], int]:
    """Every commit to make, in date order, and how many sign-offs are not made yet."""
    cutoff = _stamp(today, 18)
    events: list[Event] = []
    unsigned = 0
    for order, (_day, path, data) in enumerate(builder.pending):
        roles = signers[path]
        writer = data[roles[0]]
        at = written_on(data, today, rng)
        events.append(Event(at, order * 4, path, writer))
        if data.get("status") == "planned":
            unsigned += len(roles)
            continue
        when = at + HOUR // 2
        for n, role in enumerate(roles):
            if n:
                when += rng.randint(1, 4) * DAY
            if when > cutoff:
                unsigned += len(roles) - n
                break
            events.append(Event(when, order * 4 + 1 + n, path, data[role], role))
    events.sort()
    return events, unsigned


def _chronology_items(builder: Builder, data: dict[str, Any]) -> list[dict[str, str]]:
    form = builder.repo.form(data["school"], data["kind"], form_key(data) == "group-session")
    return entry_items(form, data) if form is not None else []


def add_chronology_entries(builder: Builder, today: dt.date, rng: random.Random) -> int:
    """A chronology entry (its own record, signed by the DSL) a few days after each
    one-to-one session, case notes or informal note with decisions to enter: a school
    keeping up with its chronologies, as the policies ask. A session's entry covers its
    case notes of the same day; a group session's is entered by its first member.
    Returns how many entries were planned."""
    sources: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    for _day, path, data in builder.pending:
        kind = form_key(data)
        if kind not in ("session", "group-session", "case-notes", "informal"):
            continue
        pid = str(data.get("supervisee") or (data.get("supervisees") or [""])[0])
        key = (pid, str(data["date"])) if kind in ("session", "case-notes") else (pid, path)
        if kind == "session":
            sources.setdefault(key, []).insert(0, (path, data))
        else:
            sources.setdefault(key, []).append((path, data))
    used = {path for _day, path, _data in builder.pending}
    made = 0
    for (pid, _when), group in sources.items():
        entries = [{"record": path, "version": blob_id(record_text(data).encode()),
                    "outcome": "entered", "items": items}
                   for path, data in group if (items := _chronology_items(builder, data))]
        if not entries:
            continue
        school = str(group[0][1]["school"])
        day = dt.date.fromisoformat(str(group[0][1]["date"])) + dt.timedelta(
            days=rng.randint(4, 6))
        if day >= today:
            continue
        form = builder.repo.form(school, "chronology-entry")
        assert form is not None
        data = {"kind": "chronology-entry", "school": school, "date": day.isoformat(),
                "supervisee": pid, "entries": entries}
        first = expected_path(form, {**data, "date": day})
        assert first is not None
        path = first_free_path(first, used.__contains__)
        used.add(path)
        builder.pending.append((day, path, data))
        made += 1
    return made


def trust_people(builder: Builder, keys: Keys) -> None:
    """people.yml with everyone's fingerprint (and the records admin), keys/, and the
    admin's key in supervision.yml: what the first commit vouches for."""
    people_file = builder.dest / "people.yml"
    people = yaml.safe_load(people_file.read_text())["people"]
    people.insert(0, {"id": ADMIN[0], "name": ADMIN[1], "roles": ["admin"],
                      "email": f"{ADMIN[0]}@example.invalid"})
    for person in people:
        person["fingerprints"] = [keys.fingerprints[person["id"]]]
    people_file.write_text("# Fictional people for the benchmark corpus.\n" + yaml.safe_dump(
        {"people": people}, sort_keys=False, allow_unicode=True))
    keys.write(builder.dest / "keys")
    config = builder.dest / "supervision.yml"
    text = config.read_text()
    assert "admins: []" in text
    config.write_text(text.replace("admins: []", f"admins: [{keys.fingerprints[ADMIN[0]]}]"))


def people_of(builder: Builder) -> list[tuple[str, str]]:
    """(id, name) of everyone in the planned people.yml, the records admin first."""
    people = yaml.safe_load((builder.dest / "people.yml").read_text())["people"]
    return [ADMIN, *((p["id"], p["name"]) for p in people)]


def make_corpus(dest: Path, schools: int = 50, supervisees: int = 200, years: int = 7,
                today: dt.date = TODAY, seed: int = 7, top_up: int = 0,
                sealing: Sealing | None = None) -> CorpusStats:
    """Build the signed corpus in ``dest`` (new or empty) and return what was made.

    ``top_up`` adds informal notes until there are that many records (0: none, the
    timeline alone). ``sealing``: store every record sealed (see the module's text)."""
    started = time.perf_counter()
    env = git_env()
    builder = plan_corpus(dest, schools, supervisees, years, top_up, today, seed)
    add_chronology_entries(builder, today, random.Random(seed + 2))
    who = people_of(builder)
    keys = make_keys(who)
    trust_people(builder, keys)
    if sealing is not None:
        sealing.prepare(builder.dest)
    stats = CorpusStats(people=len(who), schools=schools, supervisees=supervisees,
                        years=years, today=today.isoformat())
    signers: dict[str, tuple[str, ...]] = {}
    blobs_text: dict[str, bytes] = {}
    for _day, path, data in builder.pending:
        form = builder.repo.form(data["school"], data["kind"], form_key(data) == "group-session")
        assert form is not None
        signers[path] = form.signers
        blobs_text[path] = record_text(data).encode()
        stats.by_kind[form.key] = stats.by_kind.get(form.key, 0) + 1
    rng = random.Random(seed + 1)
    events, stats.unsigned = plan_commits(builder, signers, today, rng)
    first_year = int(builder.years[0][:4])
    root_time = _stamp(dt.date(first_year, 8, 20), 9)
    pack, tree, history = start_history(dest, keys.signers[ADMIN[0]], ident(ADMIN[0]),
                                        root_time, env)
    blobs: dict[str, str] = {}
    for event in events:
        if event.signoff_role is None:
            text = blobs_text[event.path]
            files = sealing.seal(event.path, text) if sealing else {event.path: text}
            for name, data in files.items():
                oid = pack.add("blob", data)
                tree.put(name.split("/"), oid)
                if name == event.path:
                    blobs[event.path] = oid
            message = f"Record {event.path}\n"
        else:
            message = signoff_message(event.signoff_role, event.path, blobs[event.path],
                                      event.person, False)
            stats.signoffs += 1
        history.commit(keys.signers[event.person], ident(event.person), event.when, message,
                       committer_time=event.when)
    finish_history(dest, pack, history, env)
    stats.records = len(builder.pending)
    stats.commits = history.count
    stats.seconds = round(time.perf_counter() - started, 1)
    (dest / ".git" / STATS_FILE).write_text(json.dumps(asdict(stats), indent=2) + "\n")
    return stats


def load_stats(dest: Path) -> CorpusStats | None:
    """The figures of a corpus made earlier, or None if ``dest`` holds none."""
    saved = dest / ".git" / STATS_FILE
    if not saved.is_file():
        return None
    return CorpusStats(**json.loads(saved.read_text()))


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    """--schools, --supervisees, --years (shared with run.py)."""
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--supervisees", type=int, default=200,
                        help="in the whole trust, spread over the schools")
    parser.add_argument("--years", type=int, default=7, help="school years kept")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="a new (or empty) folder for the repository")
    add_scale_arguments(parser)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    stats = make_corpus(args.dest, args.schools, args.supervisees, args.years, seed=args.seed)
    kinds = ", ".join(f"{k}: {v}" for k, v in sorted(stats.by_kind.items()))
    print(f"{stats.records} records ({kinds}), {stats.signoffs} sign-offs, {stats.commits} "
          f"commits, {stats.people} people in {stats.seconds} s: {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

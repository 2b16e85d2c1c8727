"""The check cache must never hide a change: edits, deletions and settings changes."""

from __future__ import annotations

import datetime as dt

from conftest import RecordsRepoFixture, Result, per_record


def _per_record(result: Result) -> list[dict]:
    return per_record(result.json())


def _many(repo: RecordsRepoFixture, count: int = 60) -> list[str]:
    paths = []
    day = dt.date(2026, 9, 7)
    for i in range(count):
        relpath, data = repo.filled("session", day=(day + dt.timedelta(days=i)).isoformat(),
                                    supervisee="dsl-sample" if i % 2 else "ddsl-sample")
        repo.write(relpath, data)
        paths.append(relpath)
    return paths


def test_cache_is_used_and_follows_every_change(agenda_repo: RecordsRepoFixture) -> None:
    paths = _many(agenda_repo)
    first = agenda_repo.check()
    assert _per_record(first) == [], first.out
    cache = agenda_repo.root / ".git" / "supervision" / "check.json"
    assert cache.is_file()

    # An edit after the cache was written is seen.
    target = agenda_repo.root / paths[10]
    target.write_text(target.read_text().replace("duration_minutes: 60", "duration_minutes: 75"))
    edited = agenda_repo.check()
    assert [(f["path"], f["rule"]) for f in _per_record(edited)] == [
        (paths[10], "DURATION-OUT-OF-RANGE")]

    # A settings change (a person leaves people.yml) re-checks every record.
    people = agenda_repo.root / "people.yml"
    text = people.read_text()
    start = text.index("  - id: ddsl-sample")
    end = text.index("  - id: deputy-sample")
    people.write_text(text[:start] + text[end:])
    after = agenda_repo.check()
    unknown = {f["path"] for f in _per_record(after)
               if f["rule"] == "PERSON-UNKNOWN" and "'supervisee'" in f["message"]}
    assert unknown == {p for i, p in enumerate(paths) if i % 2 == 0}

    # A deleted record disappears from the results; a corrupt cache is only a cache miss.
    people.write_text(text)
    target.unlink()
    cache.write_text("{not json")
    final = agenda_repo.check()
    assert _per_record(final) == [], final.out
    assert "(59 records checked)" in agenda_repo.cli("check").out

"""The check cache must never hide a change: edits, deletions and settings changes."""

from __future__ import annotations

import datetime as dt

from conftest import RecordsRepoFixture, Result, per_record


def _per_record(result: Result) -> list[dict]:
    return per_record(result.json())


def stored_namespaces(root) -> set[str]:
    """What the store holds (read with sqlite3 itself, not through the tools)."""
    import sqlite3

    with sqlite3.connect(root / ".git" / "supervision" / "store.sqlite") as conn:
        return {ns for (ns,) in conn.execute("SELECT DISTINCT ns FROM rows")}


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
    cache = agenda_repo.root / ".git" / "supervision" / "store.sqlite"
    assert cache.is_file() and "check" in stored_namespaces(agenda_repo.root)

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
    for leftover in cache.parent.glob("store.sqlite-*"):
        leftover.unlink()
    cache.write_text("not a database")  # a damaged store is only a store: made again
    final = agenda_repo.check()
    assert _per_record(final) == [], final.out
    assert "(59 records checked)" in agenda_repo.cli("check").out
    assert "check" in stored_namespaces(agenda_repo.root)


def test_whole_run_results_follow_dates_commits_and_edits(agenda_repo: RecordsRepoFixture) -> None:
    import subprocess

    from conftest import git_env

    relpath, data = agenda_repo.filled("session", day="2026-11-16")
    agenda_repo.write(relpath, data)

    def findings(*args: str) -> list[tuple[str, str, str]]:
        out = agenda_repo.cli("check", "--format", "json", *args).json()
        return sorted((f["path"], f["rule"], f["severity"]) for f in out)

    first = findings("--today", "2026-11-22")
    assert "results" in stored_namespaces(agenda_repo.root)
    assert findings("--today", "2026-11-22") == first                      # reused
    assert findings("--today", "2026-11-22", "--no-cache") == first        # and right
    assert findings("--today", "2026-11-22", relpath) == [f for f in first if f[0] == relpath]
    # Without the time rules (as CI and the server hook run it) nothing is reused wrongly.
    from supervision.deadlines.rules import RULE_IDS

    assert any(f[1] in RULE_IDS for f in first)
    assert findings("--today", "2026-11-22", "--no-time-rules") == [
        f for f in first if f[1] not in RULE_IDS]
    # Another day: the time rules are worked out again (a month on, more is overdue).
    later = findings("--today", "2027-01-20")
    assert later == findings("--today", "2027-01-20", "--no-cache")
    assert later != first
    # A commit changes what counts as sent: reused results must not hide that.
    env = git_env()
    subprocess.run(["git", "add", "-A"], cwd=agenda_repo.root, env=env, check=True)
    subprocess.run(["git", "commit", "-qm", "records"], cwd=agenda_repo.root, env=env,
                   check=True)
    assert findings("--today", "2027-01-20") == findings("--today", "2027-01-20", "--no-cache")
    # An edit is seen at once.
    target = agenda_repo.root / relpath
    target.write_text(target.read_text().replace("duration_minutes: 60",
                                                 "duration_minutes: 75"))
    edited = findings("--today", "2027-01-20")
    assert (relpath, "DURATION-OUT-OF-RANGE", "error") in edited
    assert edited == findings("--today", "2027-01-20", "--no-cache")

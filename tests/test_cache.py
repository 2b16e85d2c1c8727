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


def _raw_rows(store) -> list[tuple[str, str, str]]:
    """Every row of the store as (namespace, key, salt), read with sqlite3 itself."""
    import sqlite3

    with sqlite3.connect(store) as conn:
        return sorted(conn.execute("SELECT ns, key, salt FROM rows"))


def test_a_save_under_new_settings_forgets_every_row_of_the_old_ones(tmp_path) -> None:
    """Saves under the same salt keep each other's rows (no scan of the namespace is
    needed for that); a save under another salt leaves only its own rows, and every save
    moves the namespace's write count, which a check's mark is compared with."""
    from supervision.cache import Cache

    folder = tmp_path / "store"

    def save(salt: str, key: str, ns: str = "check") -> int:
        cache = Cache(tmp_path, ns, salt, folder=folder)
        cache.put(key, "stamp", {"key": key})
        cache.save()
        count = cache.written()
        cache.close()
        return count

    assert Cache(tmp_path, "check", "old", folder=folder).written() == 0
    assert [save("old", "a"), save("old", "b"), save("old", "c", ns="other")] == [1, 2, 1]
    assert _raw_rows(folder / "store.sqlite") == [
        ("check", "a", "old"), ("check", "b", "old"), ("other", "c", "old")]
    assert save("new", "d") == 3
    assert _raw_rows(folder / "store.sqlite") == [
        ("check", "d", "new"), ("other", "c", "old")]  # another namespace is its own
    assert Cache(tmp_path, "check", "old", folder=folder).get("a", "stamp") is None
    assert save("old", "e") == 4  # and back: the rows of "new" go in turn
    assert _raw_rows(folder / "store.sqlite") == [
        ("check", "e", "old"), ("other", "c", "old")]


def test_one_command_shares_one_store_connection_and_closes_it(tmp_path) -> None:
    """Inside one_connection every namespace's cache uses the same connection (a forked
    process opens its own); it is closed when the block ends; outside, each cache has
    its own, as before."""
    import multiprocessing
    import sqlite3

    import pytest

    from supervision.cache import Cache, one_connection

    folder = tmp_path / "store"
    with one_connection():
        first = Cache(tmp_path, "check", "s", folder=folder)
        second = Cache(tmp_path, "results", "s", folder=folder)
        shared = first.conn
        assert second.conn is shared
        first.put("k", "stamp", [1])
        first.save()
        first.close()  # lets go of it; the other cache still uses it
        assert second.conn.execute("SELECT count(*) FROM rows").fetchone() == (1,)
        parent_id = id(shared)

        def child(out) -> None:
            own = Cache(tmp_path, "check", "s", folder=folder)
            out.put((id(own.conn) != parent_id, own.get("k", "stamp")))

        queue = multiprocessing.get_context("fork").SimpleQueue()
        process = multiprocessing.get_context("fork").Process(target=child, args=(queue,))
        process.start()
        process.join(60)
        assert queue.get() == (True, [1])
    with pytest.raises(sqlite3.ProgrammingError):
        shared.execute("SELECT 1")
    apart = [Cache(tmp_path, "check", "s", folder=folder) for _ in range(2)]
    assert apart[0].conn is not apart[1].conn


def test_settings_are_kept_only_when_clean_and_follow_every_edit(
        agenda_repo: RecordsRepoFixture) -> None:
    """Settings that checked clean come back from the store equal to reading them again;
    settings with a finding are never kept (the finding keeps its line on every run);
    and any edit to people.yml is seen by the next command."""
    from pathlib import Path

    from supervision.cache import one_connection
    from supervision.config import load_config

    root = Path(agenda_repo.root)
    fresh = load_config(root)
    assert not fresh.problems
    with one_connection():
        load_config(root, remembered=True)  # checked and kept
        kept = load_config(root, remembered=True)
    assert "settings" in stored_namespaces(root)
    assert (kept.config, kept.people, kept.problems) == (
        fresh.config, fresh.people, fresh.problems)
    assert kept.documents == {}  # read again only if a rule points into them

    people = root / "people.yml"
    original = people.read_text()
    twice = original.replace("  - id: ddsl-sample", "  - id: dsl-sample", 1)
    people.write_text(twice)
    line = twice.splitlines().index("  - id: dsl-sample", 10) + 1
    for _run in range(2):
        found = [f for f in agenda_repo.check("people.yml").json()
                 if f["rule"] == "PERSON-DUPLICATE"]
        assert [(f["path"], f["line"]) for f in found] == [("people.yml", line)], found
    people.write_text(original.replace("Robin Placeholder", "Robin Renamed"))
    assert load_config(root, remembered=True).people["ddsl-sample"].name == "Robin Renamed"
    assert load_config(root, remembered=True).people["ddsl-sample"].name == "Robin Renamed"

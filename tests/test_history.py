"""The one-pass git history reader behind the deadline rules (real git, fixed commit dates)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from conftest import RecordsRepoFixture, git_env
from supervision.cache import Cache
from supervision.signing.commit_dates import HISTORY_FORMAT, read_history
from supervision.signing.signoff_dates import CommitDateSignoffs
from timeline import Timeline

D = dt.date


def test_days_per_record_renames_and_incremental_updates(agenda_repo: RecordsRepoFixture
                                                        ) -> None:
    t = Timeline(agenda_repo)
    planned = t.add("session", "2026-11-16", status="planned")
    t.commit("2026-11-02")                               # the booking
    t.edit_yaml(planned, lambda d: d.update(status="held", duration_minutes=60))
    t.commit("2026-11-18")                               # the record itself
    history = read_history(t.root)
    assert history.first_committed(planned) == D(2026, 11, 2)
    assert history.last_changed(planned) == D(2026, 11, 18)
    assert history.committed_since(planned, D(2026, 11, 16)) == D(2026, 11, 18)
    # The record's sign-off (commit dates) is the first commit on or after the session day.
    facts = {planned: {"kind": "session", "form": "session", "status": "held",
                       "date": "2026-11-16", "supervisor": "deputy-sample",
                       "supervisees": ["dsl-sample"]}}
    signed = CommitDateSignoffs(history, facts).signoffs(planned)
    assert [(s.role, s.person, s.date) for s in signed] == [
        ("supervisor", "deputy-sample", D(2026, 11, 18))]
    stored = Cache(t.root, "history", f"history{HISTORY_FORMAT}")
    assert stored.get("#head", "") == t.git("rev-parse", "HEAD").strip()
    assert stored.get(planned, "") == ["2026-11-02", "2026-11-18"]  # one row per record
    # A move keeps the record's days; a later commit is folded in from the cached state.
    moved = planned.replace("2026-11-16-session", "2026-11-16-session-moved")
    t.git("mv", planned, moved)
    t.commit("2026-11-20")
    again = read_history(t.root)
    assert again.first_committed(moved) == D(2026, 11, 2)
    assert again.last_changed(moved) == D(2026, 11, 20)
    # History rewritten (HEAD is no longer a descendant of the cached commit): read afresh.
    t.git("commit", "--amend", "-q", "-m", "Moved", day="2026-11-21")
    rewritten = read_history(t.root)
    assert rewritten.last_changed(moved) == D(2026, 11, 21)
    assert rewritten.head == t.git("rev-parse", "HEAD").strip()


def test_no_git_or_no_commits_means_nothing_is_committed(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "records").mkdir(parents=True)
    assert read_history(plain).days == {}
    subprocess.run(["git", "init", "-q", str(plain)], env=git_env(), check=True)
    assert read_history(plain).days == {}


def test_records_repository_in_a_folder_of_a_larger_repository(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    record = outer / "school" / "records" / "a" / "x.yaml"
    record.parent.mkdir(parents=True)
    record.write_text("kind: session\n")
    env = dict(git_env(), GIT_AUTHOR_DATE="2026-10-01T12:00:00+00:00",
               GIT_COMMITTER_DATE="2026-10-01T12:00:00+00:00")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run(["git", *args], cwd=outer, env=env, check=True)
    history = read_history(outer / "school")
    assert history.first_committed("records/a/x.yaml") == D(2026, 10, 1)

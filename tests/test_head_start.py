"""The head start (supervision.signing.head_start): check's first question to git, asked
before the package is imported, taken only when it is exactly the question check asks."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from conftest import git_env
from supervision.repo import RECORD_DIRS
from supervision.signing import head_start, settle, worktree


@pytest.fixture
def clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A repository with one committed record and one edited since, its store marked."""
    for name, value in git_env().items():
        monkeypatch.setenv(name, value)
    root = tmp_path / "trust"
    (root / "records" / "school-a").mkdir(parents=True)
    record = root / "records" / "school-a" / "2026-10-01-session.yaml"
    record.write_text("kind: session\n")
    (root / "records" / "school-a" / "2026-10-08-session.yaml").write_text("kind: session\n")
    for args in (["init", "-q"], ["add", "-A"],
                 ["commit", "-q", "--no-gpg-sign", "-m", "records"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, check=True,
                          capture_output=True, text=True).stdout.strip()
    store = root / ".git" / "supervision"
    store.mkdir()
    head_start.remember(store, head)
    settled(root)
    record.write_text("kind: session\nedited: yes\n")
    return root, head


def settled(root: Path) -> None:
    """git's index written seconds after its records, as a person's clone is once used
    (the records and index dated back, so the write falls in a later second)."""
    back = time.time() - 10
    for path in [*root.glob("records/*/*.yaml"), root / ".git" / "index"]:
        os.utime(path, (back, back))
    assert settle.settle_index(root, RECORD_DIRS, root / ".git" / "supervision")
    assert not settle.needs_settling(root / ".git" / "supervision")


def _is_record(path: str) -> bool:
    return path.endswith(".yaml")


def test_the_question_started_early_is_the_one_check_asks(clone) -> None:
    root, head = clone
    with head_start.started("check", root):
        early = head_start.take(root, head_start.diff_command(head, RECORD_DIRS))
        assert early is not None
        # taken once: a second asker starts its own
        assert head_start.take(root, head_start.diff_command(head, RECORD_DIRS)) is None
        out, _err = early.communicate(timeout=60)
    assert b"records/school-a/2026-10-01-session.yaml" in out
    with head_start.started("check", root):
        # the same question is answered the same whether it was started early or not
        assert worktree.differing_from(root, head, RECORD_DIRS, _is_record) == \
            {"records/school-a/2026-10-01-session.yaml": None}
    assert worktree.differing_from(root, head, RECORD_DIRS, _is_record) == \
        {"records/school-a/2026-10-01-session.yaml": None}


def test_another_question_or_folder_is_never_given_the_early_answer(clone,
                                                                    tmp_path: Path) -> None:
    root, head = clone
    with head_start.started("check", root):
        other = "0" * 40
        assert head_start.take(root, head_start.diff_command(other, RECORD_DIRS)) is None
        assert head_start.take(root, head_start.diff_command(head, ("records",))) is None
        assert head_start.take(tmp_path, head_start.diff_command(head, RECORD_DIRS)) is None
        assert head_start.take(root, head_start.diff_command(head, RECORD_DIRS)) is not None


@pytest.mark.parametrize("written", ["", "HEAD", "$(touch pwned)", "g" * 40, "a" * 39,
                                     "--output=/tmp/x" + "a" * 30])
def test_nothing_starts_unless_the_file_names_a_commit_id(clone, written: str) -> None:
    root, head = clone
    (root / ".git" / "supervision" / head_start.FILE).write_text(written + "\n")
    with head_start.started("check", root):
        assert head_start.take(root, head_start.diff_command(written, RECORD_DIRS)) is None
        assert head_start.take(root, head_start.diff_command(head, RECORD_DIRS)) is None
    assert not (root / "pwned").exists()


def test_only_check_and_status_at_the_top_of_a_clone_start_git(clone) -> None:
    root, head = clone
    args = head_start.diff_command(head, RECORD_DIRS)
    for command in ("verify", "edit", "site", None):
        with head_start.started(command, root):
            assert head_start.take(root, args) is None
    with head_start.started("status", root / "records"):  # not the top: nothing started
        assert head_start.take(root / "records", args) is None
    with head_start.started("status", root):
        assert head_start.take(root, args) is not None


def test_a_sealing_clone_about_to_settle_its_index_asks_later(clone) -> None:
    """The sealing filter's flag means check first lets git write its index; a
    diff-index started before that would run every record through the filter."""
    root, head = clone
    flag = root / ".git" / "supervision" / "seal" / settle.INDEX_FLAG
    flag.parent.mkdir()
    flag.touch()
    with head_start.started("check", root):
        assert head_start.take(root, head_start.diff_command(head, RECORD_DIRS)) is None


def test_an_index_written_since_it_was_settled_is_settled_before_asking(clone) -> None:
    """A commit or checkout wrote the index: its records may be racy, so check lets git
    write it first, and a diff-index started before that would be thrown away."""
    root, head = clone
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    with head_start.started("check", root):
        assert head_start.take(root, head_start.diff_command(head, RECORD_DIRS)) is None
    settled(root)
    with head_start.started("check", root):
        assert head_start.take(root, head_start.diff_command(head, RECORD_DIRS)) is not None


def test_an_answer_not_taken_is_stopped_when_the_command_ends(clone) -> None:
    root, _head = clone
    with head_start.started("check", root):
        _folder, _args, process = head_start._STARTED.get()
    assert process.returncode is not None  # waited for: no git process outlives the command


def test_the_head_start_asks_about_the_record_folders_check_asks_about() -> None:
    assert head_start.DIRS == RECORD_DIRS
    assert head_start.GIT == worktree.GIT

"""A check lets git write a racy index once, so later checks stop re-reading records.

Records written in the same second as git's index are *racily clean*: every
``diff-index`` or ``diff-files`` reads them again (0.27 s a check on thirty thousand
records, against 0.06 s settled). A checkout, a pull, or a script that writes and commits
records at once leaves them so. See :mod:`supervision.signing.settle`.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from conftest import RecordsRepoFixture, git_env, run_cli


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, env=git_env(), check=True,
                          capture_output=True, text=True).stdout


def _racy_entries(root: Path) -> list[str]:
    """Index entries git must read again: their time is not older than the index's."""
    index_time = int(os.stat(root / ".git" / "index").st_mtime)
    racy, path = [], ""
    for line in _git(root, "ls-files", "--debug", "--", "records").splitlines():
        if not line.startswith(" "):
            path = line
        elif line.strip().startswith("mtime:") and int(line.split(":")[1]) >= index_time:
            racy.append(path)
    return racy


def _checked(root: Path, tmp_path: Path, **extra: str) -> str:
    """`supervision check`'s git commands, as GIT_TRACE lists them."""
    trace = tmp_path / "trace.txt"
    trace.unlink(missing_ok=True)
    done = run_cli("check", cwd=root, env=git_env() | {"GIT_TRACE": str(trace)} | extra)
    assert done.code in (0, 1), done.out + done.err
    return trace.read_text()


def _made_racy(root: Path) -> None:
    """The records and the index dated in one second, as a checkout leaves them (ten
    seconds back, so the index git writes when check settles it is a later second)."""
    back = time.time() - 10
    for path in [*(p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts),
                 root / ".git" / "index"]:
        os.utime(path, (back, back))


def _statuses(trace: str) -> int:
    return sum(1 for line in trace.splitlines() if "built-in: git status" in line)


def test_a_racy_index_is_settled_by_one_git_status(agenda_repo: RecordsRepoFixture,
                                                   tmp_path: Path) -> None:
    root = agenda_repo.root
    relpath, data = agenda_repo.filled("session")
    agenda_repo.write(relpath, data)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "--no-gpg-sign", "-m", "A session record")
    _made_racy(root)
    assert relpath in _racy_entries(root)

    assert _statuses(_checked(root, tmp_path)) == 1
    assert _racy_entries(root) == []  # git wrote its index a later second
    assert _statuses(_checked(root, tmp_path)) == 0  # settled: not asked again
    assert _statuses(_checked(root, tmp_path)) == 0

    # a commit writes the index: the next check settles it once more, then not again
    agenda_repo.write(relpath, dict(data, location="Room 2"))
    _git(root, "commit", "-q", "--no-gpg-sign", "-am", "Where it was held")
    _made_racy(root)
    assert _statuses(_checked(root, tmp_path)) == 1
    assert _racy_entries(root) == []
    assert _statuses(_checked(root, tmp_path)) == 0


def test_inside_a_commit_the_index_is_left_to_git(agenda_repo: RecordsRepoFixture,
                                                  tmp_path: Path) -> None:
    root = agenda_repo.root
    relpath, data = agenda_repo.filled("session")
    agenda_repo.write(relpath, data)
    _git(root, "add", "-A")
    _made_racy(root)
    before = os.stat(root / ".git" / "index").st_mtime_ns
    hook_env = {"GIT_INDEX_FILE": str(root / ".git" / "index")}  # as git sets for hooks
    assert _statuses(_checked(root, tmp_path, **hook_env)) == 0
    assert os.stat(root / ".git" / "index").st_mtime_ns == before
    assert relpath in _racy_entries(root)

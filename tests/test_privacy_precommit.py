"""Acceptance: a real `git commit` through real pre-commit carrying a valid UPN is
refused, and the UPN is in no commit afterwards.

`git add` writes the file's contents into .git/objects before any hook runs, so a
refused commit leaves that copy behind as a loose object: first staged, then, once
the record is corrected and added again, unreachable. It never reaches a commit or
a push; `git gc --prune=now` deletes it. This test shows all of that.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import RecordsRepoFixture, git_env, run_cli

UPN = "H801282410859"  # valid check letter and LA code, invented


def _git(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def _in_history(root: Path, env: dict, needle: str) -> bool:
    log = _git("log", "-p", "--all", cwd=root, env=env)
    assert log.returncode == 0, log.stderr
    revisions = _git("rev-list", "--all", cwd=root, env=env).stdout.split()
    grep = _git("grep", "-F", needle, *revisions, cwd=root, env=env)
    assert grep.returncode in (0, 1), grep.stderr
    return needle in log.stdout or grep.returncode == 0


def test_commit_with_a_upn_is_refused_and_leaves_no_commit(tmp_path: Path) -> None:
    env = git_env(tmp_path)
    root = tmp_path / "school"
    made = run_cli("init", str(root), "--profile", "agenda", "--org", "Test Trust",
                   "--no-seal", cwd=tmp_path, env=env)
    assert made.code == 0 and "pre-commit hook: installed" in made.out, made.out + made.err
    _git("add", "-A", cwd=root, env=env)
    assert _git("commit", "-m", "Set up", cwd=root, env=env).returncode == 0

    repo = RecordsRepoFixture(root, "agenda")
    relpath, data = repo.filled("session")
    data["wellbeing"]["discussion"] = f"Checked the transfer file; his UPN is {UPN}."
    repo.write(relpath, data)
    _git("add", relpath, cwd=root, env=env)
    staged = _git("rev-parse", f":{relpath}", cwd=root, env=env).stdout.strip()
    refused = _git("commit", "-m", "Session record", cwd=root, env=env)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "PRIVACY-UPN" in output and f"{relpath}:" in output and "Failed" in output
    assert UPN not in output  # the hook says what it found, never the value
    assert _git("log", "--format=%s", cwd=root, env=env).stdout.split("\n")[0] == "Set up"
    assert not _in_history(root, env, UPN)
    # What remains: the staged copy, in .git/objects but in no commit.
    assert _git("cat-file", "-e", staged, cwd=root, env=env).returncode == 0

    # The supervisor corrects the record and commits again.
    path = root / relpath
    path.write_text(path.read_text().replace(UPN, "record (see the case reference)"))
    _git("add", relpath, cwd=root, env=env)
    accepted = _git("commit", "-m", "Session record", cwd=root, env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert not _in_history(root, env, UPN)
    unreachable = _git("fsck", "--unreachable", "--no-reflogs", cwd=root, env=env).stdout
    assert staged in unreachable
    assert _git("gc", "--prune=now", "--quiet", cwd=root, env=env).returncode == 0
    assert _git("cat-file", "-e", staged, cwd=root, env=env).returncode != 0

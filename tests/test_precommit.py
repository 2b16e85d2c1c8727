"""Acceptance: a real `git commit` through real pre-commit is refused while the
scaffold is unfilled and accepted once it is filled correctly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from conftest import git_env, run_cli


def _git(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_commit_refused_until_the_record_is_filled(tmp_path: Path) -> None:
    env = git_env(tmp_path)
    root = tmp_path / "school"
    made = run_cli("init", str(root), "--profile", "agenda", "--org", "Test Trust",
                   "--no-seal", cwd=tmp_path, env=env)
    assert made.code == 0, made.err
    assert "pre-commit hook: installed" in made.out
    assert (root / ".git" / "hooks" / "pre-commit").is_file()
    # The settings themselves go in first.
    _git("add", "-A", cwd=root, env=env)
    first = _git("commit", "-m", "Set up the records repository", cwd=root, env=env)
    assert first.returncode == 0, first.stdout + first.stderr

    new = run_cli("new", "session", "--supervisee", "dsl-sample", "--supervisor",
                  "deputy-sample", "--date", "2026-11-16", cwd=root, env=env)
    assert new.code == 0, new.err
    relpath = new.out.strip()
    _git("add", relpath, cwd=root, env=env)
    refused = _git("commit", "-m", "Session record", cwd=root, env=env)
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert "supervision check" in output and "Failed" in output
    assert f"{relpath}:" in output and "SCHEMA-REQUIRED" in output
    log = _git("log", "--format=%s", cwd=root, env=env).stdout.split("\n")
    assert "Session record" not in log

    # Fill the form in, the way a supervisor would, keeping the comments.
    text = (root / relpath).read_text()
    fills = {
        "duration_minutes:": "duration_minutes: 60",
        "  raised:": "  raised: no",
        "  date:": "  date: 2027-01-11",
        "  time:": "  time: '15:30'",
    }
    lines = []
    for line in text.splitlines():
        stripped = line.rstrip()
        if stripped in fills:
            line = fills[stripped]
        lines.append(line)
        if stripped == "  discussion: |":
            lines.append("    Talked through the week and agreed what can wait.")
    (root / relpath).write_text("\n".join(lines) + "\n")
    data = yaml.safe_load((root / relpath).read_text())
    assert data["wellbeing"]["discussion"].startswith("Talked through")
    _git("add", relpath, cwd=root, env=env)
    accepted = _git("commit", "-m", "Session record", cwd=root, env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "Passed" in accepted.stdout + accepted.stderr
    assert _git("log", "-1", "--format=%s", cwd=root, env=env).stdout.strip() == "Session record"


def test_hook_definition_for_other_repos() -> None:
    hooks = yaml.safe_load((Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text())
    ids = {hook["id"]: hook for hook in hooks}
    assert ids["supervision-check"]["entry"] == "supervision check"
    assert "records" in ids["supervision-check"]["files"]

"""Test helper: a records repository whose records are written and committed on given days.

Built on the real CLI (`supervision init`) and real git; commit days are set with
GIT_AUTHOR_DATE / GIT_COMMITTER_DATE, and "today" is always passed with --today.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from conftest import RecordsRepoFixture, git_env


def strip_actions(data: Any) -> Any:
    """Remove every action the synthetic filler invented (so tests add their own)."""
    if isinstance(data, dict):
        for key, value in list(data.items()):
            if isinstance(value, list) and value and all(
                    isinstance(i, dict) and "action" in i and "outcome" not in i for i in value):
                data[key] = []
            else:
                strip_actions(value)
    elif isinstance(data, list):
        for item in data:
            strip_actions(item)
    return data


def field_path(repo: RecordsRepoFixture, kind: str, type_name: str,
               group: bool = False) -> tuple[str, ...]:
    """Key path of the first field of ``type_name`` (e.g. actions, review) on a form."""
    form = repo.load_profile().form("example-school", kind, group)
    for keypath, f in form.walk():
        if f.type == type_name and not any(isinstance(p, int) for p in keypath):
            return tuple(str(p) for p in keypath)
    raise AssertionError(f"no {type_name} field on the {kind} form")


def put(data: dict, keypath: tuple[str, ...], value: Any) -> None:
    target = data
    for part in keypath[:-1]:
        target = target.setdefault(part, {})
    target[keypath[-1]] = value


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


class Timeline:
    def __init__(self, repo: RecordsRepoFixture, start: str = "2026-09-01") -> None:
        self.repo = repo
        self.root = repo.root
        self.commit(start)  # the skeleton from `supervision init`

    # -- writing -------------------------------------------------------------------
    def add(self, kind: str, day: str, actions: list[dict] | None = None,
            review: list[dict] | None = None, group: bool = False, **extra: Any) -> str:
        relpath, data = self.repo.filled(kind, day=day, group=group, **extra)
        strip_actions(data)
        if "disagreement" not in extra:
            data.pop("disagreement", None)  # the filler answers every field; most agree
        if actions is not None:
            put(data, field_path(self.repo, kind, "actions", group), actions)
        if review is not None:
            put(data, field_path(self.repo, kind, "review", group), review)
        self.repo.write(relpath, data)
        return relpath

    def edit_yaml(self, relpath: str, change: Any) -> None:
        path = self.root / relpath
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))

    def replace(self, relpath: str, old: str, new: str) -> None:
        path = self.root / relpath
        text = path.read_text()
        assert old in text, (old, relpath)
        path.write_text(text.replace(old, new, 1))

    def person(self, pid: str, **changes: Any) -> None:
        """Change (value) or remove (None) fields of one person in people.yml."""
        def change(data: dict) -> None:
            for entry in data["people"]:
                if entry["id"] == pid:
                    for key, value in changes.items():
                        if value is None:
                            entry.pop(key, None)
                        else:
                            entry[key] = value
        self.edit_yaml("people.yml", change)

    def git(self, *args: str, day: str | None = None) -> str:
        env = git_env()
        if day is not None:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{day}T12:00:00+00:00"
        done = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def commit(self, day: str, *paths: str) -> None:
        self.git("add", "-A", *(paths or ["."]))
        self.git("commit", "-q", "--allow-empty", "-m", f"Records on {day}", day=day)

    # -- reading ---------------------------------------------------------------------
    def check(self, today: str, *paths: str) -> list[dict]:
        result = self.repo.cli("check", "--format", "json", "--today", today, *paths)
        assert result.code in (0, 1), result.err
        return result.json()

    def status(self, today: str, *args: str) -> dict:
        result = self.repo.cli("status", "--format", "json", "--today", today, *args)
        assert result.code == 0, result.err
        return result.json()


def by_rule(findings: list[dict], rule: str) -> list[dict]:
    return [f for f in findings if f["rule"] == rule]


def items(status: dict, person: str, section: str) -> list[dict]:
    for entry in status["people"]:
        if entry["id"] == person:
            return entry[section]
    return []


def messages(found: list[dict]) -> str:
    return "\n".join(f"{f['path']}:{f['line']} {f['rule']} {f['message']}" for f in found)


DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

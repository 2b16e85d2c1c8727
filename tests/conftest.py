"""Shared test helpers: real records repositories made by the real CLI.

Every helper runs the installed ``supervision`` command (or its ``main``) and
real git; nothing is mocked. Dates are fixed through --today so results do not
depend on the clock.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

TODAY = "2026-11-22"
# Every command of the suite runs as a fresh process; tests/test_resident.py turns the
# resident checker on, each test with a private runtime folder of its own.
os.environ["SUPERVISION_RESIDENT"] = "0"
BIN = Path(sys.executable).parent
SUPERVISION = shutil.which("supervision", path=str(BIN)) or "supervision"


def git_env(home: Path | None = None) -> dict[str, str]:
    """Environment for git that never reads the developer's own settings."""
    env = dict(os.environ)
    env.update({
        "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.invalid",
        "GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "author@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "SUPERVISION_TODAY": TODAY,
    })
    if home is not None:
        env["PRE_COMMIT_HOME"] = str(home / ".pre-commit-cache")
    return env


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def rules(self) -> list[str]:
        return [f["rule"] for f in self.json()]


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
            input: str | None = None, timeout: float = 300) -> Result:
    # Generous: the suite runs on two workers (pytest-xdist), so a command may share its
    # core; a hang still ends the test.
    done = subprocess.run([SUPERVISION, *args], cwd=cwd, capture_output=True, text=True,
                          env=env or git_env(), input=input, timeout=timeout)
    assert "Traceback" not in done.stderr, done.stderr
    return Result(done.returncode, done.stdout, done.stderr)


def on_terminal(*args: str, cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """Run ``supervision ARGS`` with its output on a real pseudo-terminal, as a person
    sees it (coloured): the exit code, what the terminal showed, and stderr."""
    import pty

    env = dict(env, TERM="xterm-256color")
    env.pop("NO_COLOR", None)
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run([SUPERVISION, *args], cwd=cwd, env=env, stdout=terminal,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal's other end is closed: all was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    return done.returncode, b"".join(chunks).decode("utf-8", "replace"), done.stderr


def digest_tree(root: Path) -> dict[str, str]:
    """Content hash of every file outside .git: proves a command changed nothing."""
    out = {}
    for path in sorted(root.rglob("*")):
        if ".git" in path.relative_to(root).parts or not path.is_file():
            continue
        out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


class RecordsRepoFixture:
    """A records repository created by `supervision init`, with helpers."""

    def __init__(self, root: Path, profile: str) -> None:
        self.root = root
        self.profile = profile

    def cli(self, *args: str, **kw: Any) -> Result:
        return run_cli(*args, cwd=self.root, **kw)

    def write(self, relpath: str, data: Any) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        text = data if isinstance(data, str) else yaml.safe_dump(
            data, sort_keys=False, allow_unicode=True)
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
        return path

    def check(self, *paths: str) -> Result:
        return self.cli("check", "--format", "json", *paths)

    def load_profile(self):
        from supervision.repo import RecordsRepo
        return RecordsRepo.load(self.root)

    def filled(self, kind: str, supervisee: str = "dsl-sample", supervisor: str = "deputy-sample",
               day: str = "2026-11-16", group: bool = False, **extra: Any) -> tuple[str, dict]:
        """A complete, valid record: path and data."""
        from supervision.demo.synthetic import fill
        from supervision.forms.record_rules import expected_path
        from supervision.forms.validate import parse_date

        repo = self.load_profile()
        form = repo.form("example-school", kind, group)
        profile = repo.profile_for("example-school")
        assert form is not None and profile is not None
        header: dict[str, Any] = {"kind": form.kind, "school": "example-school", "date": day,
                                  "supervisor": supervisor}
        if group:
            header.update(format="group", supervisees=[supervisee, "ddsl-sample"],
                          status="held")
        else:
            header["supervisee"] = supervisee
        if form.key == "session":
            header.update(format="one-to-one", status="held")
        if kind == "qa-review":
            header["reviewer"] = "head-sample"
        if kind == "case-notes":
            header["case_ref"] = "C-7K3QXM"
        header.update(extra)
        people = ["dsl-sample", "ddsl-sample", "deputy-sample", "head-sample"]
        data = fill(form, profile, header, people)
        typed = {k: parse_date(v) if k == "date" else v for k, v in data.items()}
        relpath = expected_path(form, typed)
        assert relpath is not None
        return relpath, data


def add_planned_sessions(repo: RecordsRepoFixture, count: int | None = None,
                         start: str = "2027-01-11") -> list[str]:
    """Planned future sessions, enough (by default) for `check` to use its cache."""
    import datetime as dt

    from supervision.checker import CACHE_MIN_FILES

    day = dt.date.fromisoformat(start)
    paths = []
    for i in range(CACHE_MIN_FILES if count is None else count):
        relpath, data = repo.filled("session", supervisee="ddsl-sample", status="planned",
                                    day=(day + dt.timedelta(days=i)).isoformat())
        repo.write(relpath, data)
        paths.append(relpath)
    return paths


def per_record(findings: list[dict]) -> list[dict]:
    """Findings other than the cross-record time rules (synthetic timelines trip those)."""
    from supervision.deadlines.rules import RULE_IDS

    return [f for f in findings if f["rule"] not in RULE_IDS]


def explicit_no_deny_list(root: Path) -> None:
    """Turn name checking off on purpose (`deny_list: none`): test repositories hold only
    fictional records, and `check` would otherwise warn, once per run, that no deny list
    is set (PRIVACY-DENY-LIST-UNSET, as a school's new repository does)."""
    path = root / "supervision.yml"
    text = path.read_text()
    marker = "  # deny_list: /secure/share/supervision-deny-list.csv\n"
    assert marker in text, "the skeleton's deny_list comment moved"
    path.write_text(text.replace(marker, marker + "  deny_list: none\n", 1))


def make_repo(root: Path, profile: str, sealed: bool = False) -> RecordsRepoFixture:
    """A new records repository (``supervision init``). Sealed records, the default of a
    new repository, only with ``sealed``: most tests are not about sealing, and their
    records' people have sign-only keys or none."""
    result = run_cli("init", str(root), "--profile", profile, "--org", "Test Trust",
                     "--no-hooks", *(() if sealed else ("--no-seal",)), cwd=root.parent)
    assert result.code == 0, result.err
    explicit_no_deny_list(root)
    return RecordsRepoFixture(root, profile)


@pytest.fixture(params=["agenda", "reflective"])
def any_repo(tmp_path: Path, request: pytest.FixtureRequest) -> RecordsRepoFixture:
    return make_repo(tmp_path / "records-repo", request.param)


@pytest.fixture
def agenda_repo(tmp_path: Path) -> RecordsRepoFixture:
    return make_repo(tmp_path / "agenda-repo", "agenda")


@pytest.fixture
def reflective_repo(tmp_path: Path) -> RecordsRepoFixture:
    return make_repo(tmp_path / "reflective-repo", "reflective")


# -- the staff site (issue 5) -------------------------------------------------------------
class Markers:
    """Unique, searchable stand-ins for free text, case references and person ids."""

    PATTERN = rb"ZQT\d{6}QZ|C-Z\d{5}|zqp\d{6}"

    def __init__(self) -> None:
        self.count = 0
        self.made: dict[str, list[str]] = {"text": [], "case_ref": [], "person": []}

    def __call__(self, what: str) -> str:
        self.count += 1
        value = {"case_ref": f"C-Z{self.count:05d}",
                 "person": f"zqp{self.count:06d}"}.get(what, f"ZQT{self.count:06d}QZ")
        self.made[what].append(value)
        return value


@dataclass
class BuiltSite:
    repo: Path
    site: Path
    today: str
    markers: Markers


@pytest.fixture(scope="session")
def marked_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """A trust whose every free-text answer, case reference and person id is a marker,
    built into a site with the real CLI (reports over a whole school year)."""
    from supervision.demo.fictional_trust import write_trust

    base = tmp_path_factory.mktemp("marked")
    root = base / "repo"
    assert run_cli("init", str(root), "--profile", "agenda", "--org", "Marker Trust",
                   "--no-hooks", "--no-seal", cwd=base).code == 0
    explicit_no_deny_list(root)
    markers = Markers()
    today = write_trust(root, schools=4, supervisees=3, years=1, first_year=2025,
                        mark=markers).isoformat()
    env = git_env()
    env["SUPERVISION_TODAY"] = today
    site = base / "site"
    result = run_cli("site", "build", "--site-dir", str(site), cwd=root, env=env)
    assert result.code == 0, result.out + result.err
    return BuiltSite(root, site, today, markers)
# -- Dual sign-off: throwaway keyrings and a signed repository (tests/signing.py) ----------
@pytest.fixture(scope="session")
def keyrings():
    from signing import Keyrings

    rings = Keyrings()
    yield rings
    rings.close()  # kills every gpg-agent these tests started


@pytest.fixture(scope="session")
def signed_template(keyrings, tmp_path_factory: pytest.TempPathFactory):
    from signing import build_template

    return build_template(tmp_path_factory.mktemp("signed") / "template", keyrings)


@pytest.fixture
def signed(signed_template, tmp_path: Path):
    """A fresh copy of a records repository with admin, supervisor and supervisee keys."""
    from signing import copy_repo

    return copy_repo(signed_template, tmp_path / "repo")

"""The resident checker (supervision.cli.resident): `check` and `status` answered by a
process that stays loaded, with exactly the output, exit code, folder, environment and
terminal of a fresh process, only for this user, and never trusted when it fails.

Each test has its own private runtime folder (XDG_RUNTIME_DIR), so its resident is its
own; the suite's other tests run with the resident off (conftest).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import RecordsRepoFixture, git_env, make_repo, on_terminal, run_cli

ANSWERED = "supervision: answered by the resident checker (process "


def _residents(run: Path) -> list[int]:
    """Process ids of residents listening in ``run``."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                cmdline = Path(f"/proc/{name}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"supervision.cli" in cmdline and any(
                    arg.startswith(os.fsencode(run)) for arg in cmdline):
                found.append(int(name))
    return found


@pytest.fixture
def run_dir() -> Iterator[Path]:
    """A private runtime folder, with a short name (a socket's path is at most about 100
    bytes, and pytest's folders are long)."""
    run = Path(tempfile.mkdtemp(dir="/tmp", prefix="sr-"))
    yield run
    for pid in _residents(run):
        with contextlib.suppress(OSError):
            os.kill(pid, 9)
    shutil.rmtree(run, ignore_errors=True)


def _env(run: Path, **extra: str) -> dict[str, str]:
    env = git_env()
    env.update(SUPERVISION_RESIDENT="1", XDG_RUNTIME_DIR=str(run), SUPERVISION_DEBUG="1")
    env.update(extra)
    return env


def _sockets(run: Path) -> list[Path]:
    return sorted((run / "supervision").glob("check-*.sock"))


def _wait_until_listening(run: Path) -> Path:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for path in _sockets(run):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                try:
                    probe.connect(str(path))
                    return path
                except OSError:
                    pass
        time.sleep(0.1)
    raise AssertionError(f"no resident started in {run}")


def _started(repo: RecordsRepoFixture, run: Path, **extra: str) -> Path:
    """Run one check (answered here: none is running yet) and wait for the resident."""
    first = repo.cli("check", env=_env(run, **extra))
    assert ANSWERED not in first.err
    return _wait_until_listening(run)


def _scene(repo: RecordsRepoFixture) -> str:
    """A record with a finding (exit 1), so the exit code is put to the test."""
    relpath, data = repo.filled("session")
    data["date"] = "2026-13-40"
    repo.write(relpath, data)
    return relpath


def _without_note(err: str) -> str:
    return "".join(line for line in err.splitlines(keepends=True)
                   if not line.startswith(ANSWERED))


def test_a_later_check_is_answered_by_the_resident_exactly_as_here(
        agenda_repo: RecordsRepoFixture, run_dir: Path) -> None:
    relpath = _scene(agenda_repo)
    path = _started(agenda_repo, run_dir)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert len(_residents(run_dir)) == 1
    for args in (("check",), ("check", "--format", "json", relpath), ("status",),
                 ("check", "/"), ("check", "--format", "yaml")):
        here = agenda_repo.cli(*args, env=_env(run_dir, SUPERVISION_RESIDENT="0"))
        there = agenda_repo.cli(*args, env=_env(run_dir))
        assert ANSWERED in there.err, (args, there.err)
        assert (there.code, there.out, _without_note(there.err)) == (
            here.code, here.out, here.err), args
    assert here.code == 2  # the usage error is the caller's too
    assert agenda_repo.check(relpath).code == 1


def test_each_command_takes_the_callers_folder_and_environment(
        agenda_repo: RecordsRepoFixture, tmp_path: Path, run_dir: Path) -> None:
    _scene(agenda_repo)
    other = make_repo(tmp_path / "other-repo", "reflective")
    _started(agenda_repo, run_dir)
    outputs = set()
    for repo in (agenda_repo, other):
        for day in ("2026-11-22", "2027-06-30"):
            answers = []
            for command in ("status", "check"):  # status tells the dates, check the folders
                here = repo.cli(command, env=_env(run_dir, SUPERVISION_TODAY=day,
                                                  SUPERVISION_RESIDENT="0"))
                there = repo.cli(command, env=_env(run_dir, SUPERVISION_TODAY=day))
                assert ANSWERED in there.err
                assert (there.code, there.out) == (here.code, here.out), (repo.root, day)
                answers.append(there.out)
            outputs.add(tuple(answers))
    assert len(outputs) == 4  # each folder and date gave its own answer
    assert len(_residents(run_dir)) == 1


def test_a_terminal_caller_gets_the_terminal_output(agenda_repo: RecordsRepoFixture,
                                                    run_dir: Path) -> None:
    _scene(agenda_repo)
    _started(agenda_repo, run_dir)
    _code, here, _err = on_terminal("status", cwd=agenda_repo.root,
                                    env=_env(run_dir, SUPERVISION_RESIDENT="0"))
    _code, there, err = on_terminal("status", cwd=agenda_repo.root, env=_env(run_dir))
    assert ANSWERED in err
    assert "\x1b[" in there and there == here


def test_not_used_when_its_folder_is_open_to_others(agenda_repo: RecordsRepoFixture,
                                                    run_dir: Path) -> None:
    (run_dir / "supervision").mkdir(mode=0o755)
    os.chmod(run_dir / "supervision", 0o755)
    relpath = _scene(agenda_repo)
    for _ in range(2):
        result = agenda_repo.cli("check", "--format", "json", relpath, env=_env(run_dir))
        assert result.code == 1 and "DATE-INVALID" in result.out
        assert ANSWERED not in result.err
    time.sleep(1)
    assert _sockets(run_dir) == [] and _residents(run_dir) == []


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to act as another user")
def test_another_user_cannot_reach_it(agenda_repo: RecordsRepoFixture, run_dir: Path) -> None:
    path = _started(agenda_repo, run_dir)
    probe = subprocess.run(
        ["python3", "-c", "import os, socket, sys\nos.setgid(65534); os.setuid(65534)\n"
         "s = socket.socket(socket.AF_UNIX)\n"
         "try:\n    s.connect(sys.argv[1])\nexcept PermissionError:\n    sys.exit(7)\n",
         str(path)], capture_output=True, text=True, timeout=30)
    assert probe.returncode == 7, probe.stderr


def test_it_ends_when_idle_or_when_its_socket_is_removed(agenda_repo: RecordsRepoFixture,
                                                         run_dir: Path) -> None:
    _started(agenda_repo, run_dir, SUPERVISION_RESIDENT_IDLE="2")
    deadline = time.monotonic() + 30
    while _residents(run_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _residents(run_dir) == [] and _sockets(run_dir) == []
    path = _started(agenda_repo, run_dir)
    path.unlink()
    deadline = time.monotonic() + 30
    while _residents(run_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _residents(run_dir) == []


def _impostor(path: Path, send_pid: bool) -> threading.Thread:
    """A listener on the resident's socket that takes one command and hangs up (after
    claiming to have begun it, with ``send_pid``)."""
    path.parent.mkdir(mode=0o700, exist_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)

    def answer() -> None:
        conn, _ = listener.accept()
        with conn:
            head, fds, _flags, _addr = socket.recv_fds(conn, 4, 3)
            for fd in fds:
                os.close(fd)
            size = int.from_bytes(head, "big")
            while size > 0:  # the whole request read, so the caller's sending ends well
                size -= len(conn.recv(size)) or size
            if send_pid:
                conn.sendall(os.getpid().to_bytes(4, "big"))
        listener.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("send_pid", [False, True], ids=["before-starting", "part-way"])
def test_a_resident_that_hangs_up_never_decides_the_result(
        agenda_repo: RecordsRepoFixture, run_dir: Path, send_pid: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from supervision.cli import resident

    relpath = _scene(agenda_repo)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(run_dir))
    path = resident.socket_path()
    assert path is not None
    thread = _impostor(Path(path), send_pid)
    result = run_cli("check", "--format", "json", relpath, cwd=agenda_repo.root,
                     env=_env(run_dir))
    thread.join(timeout=30)
    assert result.code == 1 and "DATE-INVALID" in result.out  # checked here instead
    assert ("stopped part-way; running the command again here" in result.err) == send_pid


def test_the_pre_commit_hook_is_answered_by_it_and_still_refuses(tmp_path: Path,
                                                                 run_dir: Path) -> None:
    """Through real git and pre-commit: a clean commit passes and an unfilled record is
    refused, each check answered by the resident."""
    env = {**git_env(tmp_path), "SUPERVISION_RESIDENT": "1", "XDG_RUNTIME_DIR": str(run_dir),
           "SUPERVISION_DEBUG": "1"}
    root = tmp_path / "school"
    made = run_cli("init", str(root), "--profile", "agenda", "--org", "Test Trust",
                   "--no-seal", cwd=tmp_path, env=env)
    assert made.code == 0 and "pre-commit hook: installed" in made.out, made.err
    run_cli("check", cwd=root, env=env)  # starts the resident, as a first commit would
    _wait_until_listening(run_dir)

    def commit(message: str) -> subprocess.CompletedProcess:
        subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True)
        return subprocess.run(["git", "commit", "-m", message], cwd=root, env=env,
                              capture_output=True, text=True, timeout=300)

    first = commit("Set up the records repository")
    assert first.returncode == 0 and "Passed" in first.stdout + first.stderr, first.stderr
    new = run_cli("new", "session", "--supervisee", "dsl-sample", "--supervisor",
                  "deputy-sample", "--date", "2026-11-16", cwd=root, env=env)
    assert new.code == 0, new.err
    refused = commit("Session record")
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "Failed" in output
    assert ANSWERED in output and "SCHEMA-REQUIRED" in output
    log = subprocess.run(["git", "log", "--format=%s"], cwd=root, env=env,
                         capture_output=True, text=True).stdout
    assert "Session record" not in log


def test_a_request_survives_the_socket_exactly() -> None:
    """Arguments, folder and environment cross as they are: empty arguments, '=' in a
    value, bytes that are not UTF-8 (as a Linux environment may hold); anything else is
    refused."""
    from supervision.cli import resident

    request = {"argv": ["check", "", "records/a b/ç.yaml", "--today=2026-11-22"],
               "argv0": "/usr/bin/supervision", "cwd": "/tmp/sr-\udcff",
               "env": {"A": "x=y", "EMPTY": "", "ODD": "\udce9t\udce9"}, "umask": 0o022,
               "encoding": "utf-8", "errors": "strict"}
    data = resident.encode_request(request)
    assert resident.decode_request(data) == request
    for bad in (b"", b"junk", data.replace(b"supervision-resident-1", b"other"),
                data.split(b"\0check\0")[0] + b"\0" + b"9\0check"):
        assert resident.decode_request(bad) is None

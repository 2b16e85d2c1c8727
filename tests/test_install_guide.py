"""The staff install guide's Linux commands, run as written, offline.

docs/install.md has the commands between markers. The test runs them with two
substitutions a school would make: the tools address becomes this repository (at its
current commit) and pipx installs from the wheelhouse that `make test` builds
(`--no-index`), never from the public package index (where an unrelated package is
called `supervision`). The `apt` line is left out: CI installs those packages.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import make_repo

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "install.md"
WHEELHOUSE = Path(os.environ.get("SUPERVISION_WHEELHOUSE", ROOT / "build" / "wheelhouse"))


def guide_commands() -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    block = text.split("<!-- linux:start -->", 1)[1].split("<!-- linux:end -->", 1)[0]
    return [line.strip() for line in block.splitlines()
            if line.strip() and not line.startswith("```")]


def test_the_guide_names_the_pinned_url_and_warns_about_the_name_clash() -> None:
    commands = guide_commands()
    assert commands[0].startswith("sudo apt install git gnupg pipx")
    assert re.search(r'pipx install "supervision @ git\+https://\S+@v\d', commands[1])
    text = GUIDE.read_text(encoding="utf-8")
    assert "Not `pip install supervision`" in text and "Gpg4win" in text and "GPG Suite" in text


@pytest.mark.skipif(not (WHEELHOUSE / ".made").is_file(),
                    reason="the wheelhouse is made by `make test` (make wheelhouse)")
def test_the_linux_commands_install_the_tools_and_join(tmp_path: Path) -> None:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    venv = tmp_path / "pipx-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIPX_HOME=str(tmp_path / "pipx"),
               PIPX_BIN_DIR=str(tmp_path / "bin"), HOME=str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--no-index",
                    "--find-links", str(WHEELHOUSE), "pipx"], check=True, env=env, timeout=300)
    env["PATH"] = os.pathsep.join([str(tmp_path / "bin"), str(venv / "bin"),
                                   "/usr/bin", "/bin"])
    records = make_repo(tmp_path / "made", "agenda")
    server = tmp_path / "records.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(server)], check=True,
                   env=env)
    for args in (["add", "-A"], ["-c", "user.name=Admin", "-c", "user.email=a@example.invalid",
                                 "commit", "-q", "-m", "Start"],
                 ["push", "-q", str(server), "HEAD:refs/heads/main"]):
        subprocess.run(["git", *args], cwd=records.root, check=True, env=env,
                       capture_output=True)
    outputs = []
    for command in guide_commands()[1:]:
        command = command.replace("https://git.example.org/our-trust/supervision-tools.git",
                                  f"file://{ROOT}")
        command = re.sub(r"@v\d[\w.]*\"", f"@{commit}\"", command)
        command = command.replace("https://git.example.org/our-trust/records.git",
                                  str(server)).replace("YOUR-ID", "dsl-sample")
        argv = shlex.split(command)
        if argv[:2] == ["pipx", "install"]:
            argv[2:2] = ["--pip-args", f"--no-index --find-links {WHEELHOUSE}"]
        done = subprocess.run(argv, cwd=tmp_path / "home", env=env, capture_output=True,
                              text=True, timeout=900)
        assert "Traceback" not in done.stderr, done.stderr
        outputs.append(done)
    installed, version, joined = outputs
    assert installed.returncode == 0, installed.stdout + installed.stderr
    where = subprocess.run(["sh", "-c", "command -v supervision"], env=env,
                           capture_output=True, text=True).stdout.strip()
    assert where == str(tmp_path / "bin" / "supervision")  # pipx's, not this venv's
    assert version.returncode == 0 and version.stdout.startswith("supervision ")
    # join cloned the records and set them up; with no key yet it says what to do.
    assert joined.returncode == 1, joined.stdout + joined.stderr
    assert "Checklist for Sam Sample (dsl-sample)" in joined.stdout
    assert "supervision keys create --person dsl-sample" in joined.stdout
    assert (tmp_path / "home" / "records" / "supervision.yml").is_file()

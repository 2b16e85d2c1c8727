"""The staff workflow end to end, as three people on three computers would live it.

A records admin, a supervisor and a DSL, each with their own home folder, GnuPG home
and copy of the records; a bare repository behind the real pre-receive hook as the
school's server. The admin sets up; the supervisor and the DSL `join`; the supervisor
writes a contract and a session and `submit`s them; the DSL reads them with `show`
(text, HTML and PDF) and `submit`s. Once, the two push at the same moment. The DSL's
key has a passphrase, typed for real at gpg's own prompt (pinentry) in a terminal.
No git or gpg command is typed by the supervisor or the DSL. The repository seals its
records, as every new one does, so each key can also receive them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import BIN, Result

TODAY = "2026-11-22"
RECORDS = Path(__file__).resolve().parent / "records" / "agenda"
CONTRACT = "contracts/example-school/dsl-sample-2026-11-02.yaml"
SESSION = "records/example-school/2026-27/dsl-sample/2026-11-16-session.yaml"
GROUP = "records/example-school/2026-27/groups/2026-11-18-deputy-sample-group-session.yaml"
PASSPHRASE = "correct horse battery staple"


@dataclass
class Person:
    pid: str
    home: Path
    gnupg: Path

    @property
    def copy(self) -> Path:
        return self.home / "records"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("GIT_", "GNUPG", "GPG_TTY", "SUPERVISION_"))}
        env.update(HOME=str(self.home), GNUPGHOME=str(self.gnupg),
                   PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                   GIT_CONFIG_NOSYSTEM="1", SUPERVISION_TODAY=TODAY,
                   # fresh processes, as in the rest of the suite (test_resident.py
                   # covers the resident checker, in folders of its own)
                   SUPERVISION_RESIDENT="0",
                   PRE_COMMIT_HOME=str(self.home / ".pre-commit"))
        return env

    def run(self, *args: str, cwd: Path | None = None) -> Result:
        done = subprocess.run([str(BIN / "supervision"), *args], cwd=cwd or self.copy,
                              env=self.env(), capture_output=True, text=True, timeout=300)
        assert "Traceback" not in done.stderr, done.stderr
        return Result(done.returncode, done.stdout, done.stderr)

    def git(self, *args: str, cwd: Path | None = None) -> str:
        done = subprocess.run(["git", *args], cwd=cwd or self.copy, env=self.env(),
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def gpg(self, *args: str, input: bytes | None = None) -> bytes:
        done = subprocess.run(["gpg", "--homedir", str(self.gnupg), "--batch", *args],
                              capture_output=True, input=input, timeout=120, env=self.env())
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout


@pytest.fixture
def people(tmp_path: Path):
    made = {}
    for name, pid in (("admin", "head-sample"), ("supervisor", "deputy-sample"),
                      ("dsl", "dsl-sample")):
        gnupg = Path(tempfile.mkdtemp(dir="/tmp", prefix=f"svw-{name[:5]}-"))
        gnupg.chmod(0o700)
        home = tmp_path / name
        home.mkdir()
        made[name] = Person(pid, home, gnupg)
    yield made
    for person in made.values():
        subprocess.run(["gpgconf", "--homedir", str(person.gnupg), "--kill", "all"],
                       capture_output=True)
        shutil.rmtree(person.gnupg, ignore_errors=True)


def _record(name: str, **replace: str) -> str:
    """A hand-written record, dated for this story, every action due after it."""
    text = (RECORDS / f"{name}.yaml").read_text(encoding="utf-8")
    text = re.sub(r"due: 2026-\d\d-\d\d", "due: 2027-01-29", text)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


class Tmux:
    """A real terminal for one person: what they type, what gpg's pinentry shows."""

    def __init__(self, person: Person, name: str) -> None:
        self.person = person
        self.name = name
        self.out = person.home / f"{name}.out"

    def run(self, command: str, answers: list[tuple[str, str]]) -> str:
        script = self.person.home / f"{self.name}.sh"
        script.write_text(f"export GPG_TTY=$(tty)\ncd {self.person.copy}\n{command} "
                          f"> {self.out} 2>&1\necho \"exit=$?\" >> {self.out}\n")
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", "100", "-y", "30",
                        f"bash {script}"], env=self.person.env(), check=True)
        try:
            for prompt, typed in answers:
                deadline = time.time() + 60
                while prompt not in self.screen():
                    assert time.time() < deadline, f"no {prompt!r} on screen:\n{self.screen()}"
                    time.sleep(0.2)
                subprocess.run(["tmux", "send-keys", "-t", self.name, typed, "Enter"],
                               check=True)
            deadline = time.time() + 240
            while not (self.out.exists() and "exit=" in self.out.read_text()):
                assert time.time() < deadline, self.screen()
                time.sleep(0.3)
            return self.out.read_text()
        finally:
            subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name],
                              capture_output=True, text=True).stdout


@pytest.mark.skipif(shutil.which("tmux") is None, reason="the passphrase is typed in tmux")
def test_from_session_to_agreed_with_no_git_or_gpg_typed(people, tmp_path: Path) -> None:
    admin, supervisor, dsl = people["admin"], people["supervisor"], people["dsl"]
    server = tmp_path / "server.git"

    # -- the records admin sets up the repository and the server ---------------------------
    assert admin.run("init", str(admin.copy), "--profile", "agenda", "--org",
                     "Test Trust (fictional)", cwd=admin.home).code == 0
    made = admin.run("keys", "create", "--person", "head-sample", "--admin", "--no-passphrase")
    assert made.code == 0, made.err
    assert admin.run("join", str(admin.copy), "--person", "head-sample").code in (0, 1)
    admin.git("add", "-A")
    admin.git("commit", "-q", "-S", "-m", "Start the supervision records")
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(server)], check=True,
                   env=admin.env())
    assert admin.run("hook", "install", str(server), cwd=admin.home).code == 0
    admin.git("remote", "add", "origin", str(server))
    admin.git("push", "-q", "-u", "origin", "main")

    # -- the supervisor and the DSL join, make keys, and send the public halves ------------
    first = supervisor.run("join", str(server), str(supervisor.copy), "--person",
                           "deputy-sample", cwd=supervisor.home)
    assert first.code == 1 and "no signing key registered for you" in first.out, first.out
    assert "supervision keys create --person deputy-sample" in first.out
    made = supervisor.run("keys", "create", "--person", "deputy-sample", "--no-passphrase")
    assert made.code == 0, made.err
    assert "Send that file to your records admin" in made.out
    assert supervisor.git("status", "--porcelain").strip() == ""  # nothing blocks a pull
    supervisor_key = supervisor.home / "deputy-sample-signing-key.asc"
    assert supervisor_key.read_text().startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")

    dsl.gpg("--pinentry-mode", "loopback", "--passphrase", PASSPHRASE, "--quick-gen-key",
            "Sam Sample (dsl-sample) <sam.sample@example.invalid>", "ed25519", "sign", "2y")
    # ...and an encryption key on it: the records are sealed (a new repository's default)
    listing = dsl.gpg("--with-colons", "--list-keys", "sam.sample@example.invalid").decode()
    dsl_fpr = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr"))
    dsl.gpg("--pinentry-mode", "loopback", "--passphrase", PASSPHRASE, "--quick-add-key",
            dsl_fpr, "cv25519", "encr", "2y")
    dsl_key = dsl.home / "dsl-sample-signing-key.asc"
    dsl_key.write_bytes(dsl.gpg("--export", "--armor", "sam.sample@example.invalid"))
    assert dsl.run("join", str(server), str(dsl.copy), "--person", "dsl-sample",
                   cwd=dsl.home).code == 1

    for person, key in (("deputy-sample", supervisor_key), ("dsl-sample", dsl_key)):
        imported = admin.run("keys", "import", str(key), "--person", person)
        assert imported.code == 0, imported.err
        assert "check with" in imported.out and "by phone or in person" in imported.out
    admin.git("add", "-A")
    admin.git("commit", "-q", "-S", "-m", "Register the supervisor's and the DSL's keys")
    admin.git("push", "-q")

    again = supervisor.run("join", str(server), str(supervisor.copy), cwd=supervisor.home)
    assert again.code == 0, again.out + again.err
    assert "All ready" in again.out and "a test signature worked" in again.out
    # The DSL's key has a passphrase: gpg asks for it, in a terminal, through pinentry.
    joined = Tmux(dsl, "svjoin").run(
        f"{BIN / 'supervision'} join {server} {dsl.copy}", [("Passphrase", PASSPHRASE)])
    assert "All ready" in joined and "exit=0" in joined, joined

    # -- the contract: the supervisor writes and submits; the DSL reads and submits ---------
    new = supervisor.run("new", "contract", "--supervisee", "dsl-sample", "--supervisor",
                         "deputy-sample", "--date", "2026-11-02")
    assert new.code == 0 and new.out.strip() == CONTRACT, new.out + new.err
    (supervisor.copy / CONTRACT).write_text(_record("contract", **{
        "date: 2026-09-07": "date: 2026-11-02"}))
    sent = supervisor.run("submit", CONTRACT)
    assert sent.code == 0, sent.out + sent.err
    assert "Sam Sample (dsl-sample) now needs to read and sign it" in sent.out
    shown = dsl.run("show", CONTRACT)
    assert shown.code == 0 and "Supervision time per term" in shown.out, shown.out + shown.err
    signed = dsl.run("submit", CONTRACT)
    assert signed.code == 0, signed.out + signed.err
    assert "Status: agreed" in signed.out

    # -- the session --------------------------------------------------------------------------
    new = supervisor.run("new", "session", "--supervisee", "dsl-sample", "--date", "2026-11-16")
    assert new.code == 0 and new.out.strip() == SESSION, new.out + new.err
    # This session is agreed, not disputed: the hand-written record's disagreement goes.
    session_text = re.sub(r"\ndisagreement: \|\n(  .*\n)+", "\ndisagreement: \"\"\n",
                          _record("session"))
    assert "disagreement: \"\"" in session_text
    (supervisor.copy / SESSION).write_text(session_text)
    assert supervisor.run("show", SESSION).code == 0   # the supervisor checks it reads right
    sent = supervisor.run("submit", SESSION)
    assert sent.code == 0, sent.out + sent.err
    assert "dsl-sample) now needs to read and sign it" in sent.out

    # The DSL reads it three ways: in the terminal, as a web page and as a PDF.
    text = dsl.run("show", SESSION)
    html = dsl.run("show", SESSION, "--format", "html", "-o", str(dsl.home / "session.html"))
    pdf = dsl.run("show", SESSION, "--format", "pdf", "-o", str(dsl.home / "session.pdf"))
    assert text.code == html.code == pdf.code == 0, text.err + html.err + pdf.err
    page = (dsl.home / "session.html").read_text()
    extracted = subprocess.run(["pdftotext", "-layout", str(dsl.home / "session.pdf"), "-"],
                               capture_output=True, text=True, check=True).stdout
    for shown_text in (text.out, page, extracted):
        flat = " ".join(shown_text.split())
        assert "Case management" in flat and "C-7K3QXM" in flat
        assert "kind: session" not in shown_text and "discussion: |" not in shown_text
    assert "Awaiting" in text.out or "awaiting" in text.out

    # -- at the same moment: the DSL signs the session, the supervisor submits a group ------
    new = supervisor.run("new", "session", "--group", "--supervisee", "dsl-sample",
                         "--supervisee", "ddsl-sample", "--date", "2026-11-18")
    assert new.code == 0 and new.out.strip() == GROUP, new.out + new.err
    (supervisor.copy / GROUP).write_text(_record("group-session"))
    both = [subprocess.Popen([str(BIN / "supervision"), "submit", path], cwd=who.copy,
                             env=who.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for who, path in ((dsl, SESSION), (supervisor, GROUP))]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in both]
    for out, err, code in results:
        assert code == 0, out + err
        assert "Traceback" not in err

    # Nothing was lost: both are on the server, each signed once by the right person.
    admin.git("pull", "-q")
    audit = admin.run("verify", "--format", "json")
    assert audit.code == 0, audit.out
    statuses = {r["path"]: r["status"] for r in audit.json()["records"]}
    assert statuses == {CONTRACT: "agreed", SESSION: "agreed", GROUP: "agreed"}, statuses
    assert audit.json()["errors"] == []
    assert (admin.copy / SESSION).read_text() == session_text
    stored = admin.git("cat-file", "-p", f"main:{SESSION}")  # as git (and the server) has it
    assert "\nsealed:\n" in stored and "ciphertext:" in stored  # sealed: the default
    log = admin.git("log", "--format=%P", "main").split("\n")
    assert all(len(line.split()) <= 1 for line in log)  # a straight line, no merges
    for who in (supervisor, dsl):
        who.git("pull", "-q")
        status = who.run("status", "--person", who.pid, "--format", "json")
        assert status.code == 0, status.err
        mine = [p for p in status.json()["people"] if p["id"] == who.pid]
        assert all(not p["overdue"] and not p["awaiting_signature"] for p in mine), mine
        # What is left follows from what they agreed: the referral's outcome, at the next
        # session (both of them), and, for the DSL, the decisions to enter on the children's
        # chronologies (`supervision chronology`, tested in test_chronology.py).
        assert {i["rule"] for p in mine for i in p["due_soon"]} <= {
            "REFERRAL-FOLLOW-UP", "CHRONOLOGY-ENTRY-DUE"}, mine

"""Throwaway GnuPG keyrings and signed records repositories for the sign-off tests.

Real gpg, real git, the real CLI. Each person has their own short GNUPGHOME
(``mkdtemp(dir="/tmp")``: pytest's tmp_path is too long for gpg-agent's
socket); agents are killed when the session ends. Keys are made once per test
session; each test gets its own copy of a repository built once from them.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import RecordsRepoFixture, Result, git_env, make_repo, run_cli

SESSION = "records/example-school/2026-27/dsl-sample/2026-11-16-session.yaml"
CONTRACT = "contracts/example-school/dsl-sample-2026-09-07.yaml"


class Keyrings:
    """One GNUPGHOME per name, created on first use, removed by close()."""

    def __init__(self) -> None:
        self.homes: dict[str, Path] = {}

    def home(self, name: str) -> Path:
        if name not in self.homes:
            path = Path(tempfile.mkdtemp(dir="/tmp", prefix=f"svg-{name[:8]}-"))
            path.chmod(0o700)
            self.homes[name] = path
        return self.homes[name]

    def gpg(self, name: str, *args: str, faked: str | None = None,
            input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        extra = ["--faked-system-time", faked] if faked else []
        done = subprocess.run(["gpg", "--homedir", str(self.home(name)), "--batch",
                               "--pinentry-mode", "loopback", "--passphrase", "", *extra, *args],
                              capture_output=True, input=input, timeout=60)
        assert done.returncode == 0, done.stderr.decode()
        return done

    def new_key(self, name: str, uid: str, expires: str = "2y",
                faked: str | None = None) -> str:
        self.gpg(name, "--quick-gen-key", uid, "ed25519", "sign", expires, faked=faked)
        listing = self.gpg(name, "--with-colons", "--list-secret-keys", uid).stdout.decode()
        fprs = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr")]
        return fprs[-1]

    def export(self, name: str, fpr: str) -> bytes:
        return self.gpg(name, "--export", "--armor", fpr).stdout

    def close(self) -> None:
        for home in self.homes.values():
            subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"],
                           capture_output=True, timeout=30)
            shutil.rmtree(home, ignore_errors=True)
        self.homes.clear()


@dataclass
class Actor:
    person: str
    home: Path
    fpr: str

    def env(self) -> dict[str, str]:
        env = git_env()
        env["GNUPGHOME"] = str(self.home)
        return env


class SignedRepo(RecordsRepoFixture):
    """A records repository with an admin trust root and registered keys."""

    def __init__(self, root: Path, actors: dict[str, Actor]) -> None:
        super().__init__(root, "agenda")
        self.actors = actors

    def as_(self, who: str, *args: str, input: str | None = None) -> Result:
        return run_cli(*args, cwd=self.root, env=self.actors[who].env(), input=input)

    def git(self, who: str | None, *args: str, input: bytes | None = None,
            check: bool = True) -> str:
        actor = self.actors[who] if who else None
        env = actor.env() if actor else git_env()
        key = ["-c", f"user.signingkey={actor.fpr}"] if actor else []
        done = subprocess.run(["git", *key, *args], cwd=self.root, env=env, input=input,
                              capture_output=True, timeout=60)
        if check:
            assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode()

    def commit(self, who: str | None, message: str, *paths: str, signed: bool = True) -> str:
        if paths:
            self.git(None, "add", "--", *paths)
        flag = "-S" if signed and who else "--no-gpg-sign"
        self.git(who, "commit", "-q", "--allow-empty", flag, "-m", message)
        return self.head()

    def head(self) -> str:
        return self.git(None, "rev-parse", "HEAD").strip()

    def blob(self, relpath: str, rev: str = "HEAD") -> str:
        return self.git(None, "rev-parse", f"{rev}:{relpath}").strip()

    def sign(self, who: str, relpath: str = SESSION, *extra: str) -> Result:
        return self.as_(who, "sign", relpath, "--key", self.actors[who].fpr, *extra)

    def verify(self, *extra: str) -> tuple[Result, dict[str, Any]]:
        result = run_cli("verify", "--format", "json", *extra, cwd=self.root, env=git_env())
        return result, result.json()

    def status(self, relpath: str = SESSION) -> str:
        _result, data = self.verify()
        return next(r["status"] for r in data["records"] if r["path"] == relpath)

    def craft_signoff(self, who: str, role: str, relpath: str = SESSION,
                      blob: str | None = None, signed: bool = True) -> str:
        """A sign-off commit written by hand (as an attacker would), signed by ``who``."""
        blob = blob or self.blob(relpath)
        message = (f"Sign-off: {relpath} ({role})\n\nMade by hand.\n\n"
                   f"Supervision-Role: {role}\nSupervision-Record: {relpath}\n"
                   f"Supervision-Blob: {blob}\n")
        return self.commit(who if signed else None, message, signed=signed)


def record(data: dict[str, Any], relpath: str = SESSION) -> dict[str, Any]:
    """One record's entry in `verify --format json`."""
    found = [r for r in data["records"] if r["path"] == relpath]
    assert len(found) == 1, [r["path"] for r in data["records"]]
    return found[0]


def finding(data: dict[str, Any], rule: str) -> dict[str, Any]:
    found = [e for e in data["errors"] + data["warnings"] if e["rule"] == rule]
    assert found, f"no {rule} in {data['errors'] + data['warnings']}"
    return found[0]


def build_template(root: Path, keyrings: Keyrings) -> SignedRepo:
    """init; admin key (keys create) signs the first commit; the admin registers the
    supervisor's and supervisee's keys (keys import); the supervisor commits their
    contract, which both sign (who signs a session comes from the contract in force);
    then the supervisor commits a filled one-to-one session record with no
    disagreement."""
    make_repo(root, "agenda")
    admin_env = git_env()
    admin_env["GNUPGHOME"] = str(keyrings.home("admin"))
    made = run_cli("keys", "create", "--person", "head-sample", "--admin", "--no-passphrase",
                   cwd=root, env=admin_env)
    assert made.code == 0, made.err
    admin_fpr = made.out.split("Created signing key ", 1)[1].split()[0]
    actors = {"admin": Actor("head-sample", keyrings.home("admin"), admin_fpr)}
    for who, person, uid in (("supervisor", "deputy-sample", "Jo Fictional <jo@example.invalid>"),
                             ("supervisee", "dsl-sample", "Sam Sample <sam@example.invalid>"),
                             ("outsider", "nobody", "Pat Outsider <pat@example.invalid>")):
        actors[who] = Actor(person, keyrings.home(who), keyrings.new_key(who, uid))
    repo = SignedRepo(root, actors)
    repo.commit("admin", "Start the supervision records", ".")
    for who in ("supervisor", "supervisee"):
        exported = root.parent / f"{who}.asc"
        exported.write_bytes(keyrings.export(who, actors[who].fpr))
        done = repo.as_("admin", "keys", "import", str(exported), "--person",
                        actors[who].person)
        assert done.code == 0, done.err
    repo.commit("admin", "Register the supervisor's and supervisee's keys", ".")
    contract, terms = repo.filled("contract", day="2026-09-07")
    assert contract == CONTRACT
    repo.write(contract, terms)
    repo.commit("supervisor", "Supervision contract", contract)
    for who in ("supervisor", "supervisee"):
        done = repo.sign(who, contract)
        assert done.code == 0, done.err
    relpath, data = repo.filled("session")
    assert relpath == SESSION
    data["disagreement"] = ""
    repo.write(relpath, data)
    repo.commit("supervisor", "Session record", relpath)
    return repo


def copy_repo(template: SignedRepo, target: Path) -> SignedRepo:
    shutil.copytree(template.root, target, symlinks=True)
    return SignedRepo(target, template.actors)

"""Generate a large records repository with a fully signed history, quickly.

A fictional trust: ``schools`` schools, each with one supervisor and
``supervisees`` supervisees, over ``years`` academic years. Each supervisee has a
contract and six one-to-one sessions a year; each record is committed (signed by
its supervisor) and then signed off twice, supervisor then supervisee, exactly
as ``supervision sign`` would: an empty signed commit with the sign-off
trailers. The first commit holds supervision.yml (naming the admin key),
people.yml and keys/, signed by the admin: the trust root.

It is fast because nothing goes through ``git commit``: keys are made with
pysequoia, every commit is signed in this process, and blobs, trees and commits
are written straight into packfiles (``git index-pack``). The defaults give
10,080 records and 20,160 sign-off commits (30,241 commits in all).

Reusable: ``generate(target, schools=..., supervisees=..., years=...)``. The
command line is ``python benchmarks/signed_history.py DIR [--schools N] ...``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pysequoia
import yaml

from supervision.demo.synthetic import fill
from supervision.forms.record_rules import expected_path
from supervision.repo import RecordsRepo
from supervision.signing.signoff import message as signoff_message

HALF_TERM_STARTS = ((9, 8), (11, 9), (1, 12), (2, 26), (4, 20), (6, 10))  # (month, day)
PACK_FLUSH = 30_000  # objects per packfile
_TYPES = {"commit": 1, "tree": 2, "blob": 3}


@dataclass
class Generated:
    root: Path
    records: int = 0
    signoffs: int = 0
    commits: int = 0
    people: int = 0
    seconds: float = 0.0
    certs: list[str] = field(default_factory=list)  # armored public keys (for gpg)
    fingerprints: list[str] = field(default_factory=list)
    admin: Any = None  # the records admin's secret key (pysequoia), to sign further commits


class _Pack:
    """Objects written straight into packfiles, no deltas."""

    def __init__(self, git_dir: Path, env: dict[str, str] | None) -> None:
        self.git_dir = git_dir
        self.env = env
        self.chunks: list[bytes] = []
        self.count = 0

    def add(self, kind: str, data: bytes) -> str:
        oid = hashlib.sha1(f"{kind} {len(data)}\0".encode() + data).hexdigest()
        size = len(data)
        first = (_TYPES[kind] << 4) | (size & 0x0F)
        size >>= 4
        header = bytearray()
        while size:
            header.append(first | 0x80)
            first = size & 0x7F
            size >>= 7
        header.append(first)
        self.chunks.append(bytes(header) + zlib.compress(data, 1))
        self.count += 1
        if self.count >= PACK_FLUSH:
            self.flush()
        return oid

    def flush(self) -> None:
        if not self.count:
            return
        body = b"PACK" + (2).to_bytes(4, "big") + self.count.to_bytes(4, "big") + b"".join(
            self.chunks)
        body += hashlib.sha1(body).digest()
        subprocess.run(["git", "index-pack", "--stdin"], input=body, check=True,
                       capture_output=True, cwd=self.git_dir.parent, env=self.env)
        self.chunks, self.count = [], 0


class _Dir:
    """A directory of the tree being built; its object id is recomputed when dirty."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.dirs: dict[str, _Dir] = {}
        self.oid: str | None = None

    def put(self, parts: list[str], blob: str) -> None:
        self.oid = None
        if len(parts) == 1:
            self.files[parts[0]] = blob
        else:
            self.dirs.setdefault(parts[0], _Dir()).put(parts[1:], blob)

    def write(self, pack: _Pack) -> str:
        if self.oid is None:
            entries = [(name, b"100644", oid) for name, oid in self.files.items()]
            entries += [(name, b"40000", sub.write(pack)) for name, sub in self.dirs.items()]
            # git sorts tree entries as if directory names ended with "/"
            entries.sort(key=lambda e: e[0] + ("/" if e[1] == b"40000" else ""))
            data = b"".join(mode + b" " + name.encode() + b"\0" + bytes.fromhex(oid)
                            for name, mode, oid in entries)
            self.oid = pack.add("tree", data)
        return self.oid


class _History:
    def __init__(self, pack: _Pack, tree: _Dir) -> None:
        self.pack = pack
        self.tree = tree
        self.head: str | None = None
        self.count = 0

    def commit(self, signer: Any, ident: str, author_time: int, message: str,
               committer_time: int | None = None) -> str:
        """Sign and write a commit of the current tree; the committer time defaults to now
        (a realistic timeline passes the day it happened: deadlines count from it)."""
        now = int(time.time()) if committer_time is None else committer_time
        tree = self.tree.write(self.pack)
        lines = [f"tree {tree}"]
        if self.head:
            lines.append(f"parent {self.head}")
        lines += [f"author {ident} {author_time} +0000", f"committer {ident} {now} +0000"]
        payload = ("\n".join(lines) + "\n\n" + message).encode()
        signature = pysequoia.sign(signer, payload, mode=pysequoia.SignatureMode.DETACHED)
        sig_lines = signature.decode().strip("\n").split("\n")
        gpgsig = "gpgsig " + "\n ".join(sig_lines)
        data = ("\n".join([*lines, gpgsig]) + "\n\n" + message).encode()
        self.head = self.pack.add("commit", data)
        self.count += 1
        return self.head


@dataclass
class Keys:
    """Every person's OpenPGP key, made in-process (pysequoia)."""

    secret: dict[str, Any]
    certs: dict[str, Any]
    fingerprints: dict[str, str]  # person id -> upper-case fingerprint
    signers: dict[str, Any]

    def armored(self) -> list[str]:
        return [str(self.certs[pid]) for pid in self.certs]

    def write(self, keys_dir: Path) -> None:
        """keys/<id>.asc for everyone: the copies verify reads."""
        for pid, cert in self.certs.items():
            (keys_dir / f"{pid}.asc").write_text(str(cert))


def make_keys(people: list[tuple[str, str]]) -> Keys:
    """A key for each (person id, name)."""
    secret = {pid: pysequoia.Tsk.generate(f"{name} <{pid}@example.invalid>")
              for pid, name in people}
    certs = {pid: key.extract_certificate() for pid, key in secret.items()}
    return Keys(secret, certs, {pid: c.fingerprint.upper() for pid, c in certs.items()},
                {pid: key.signer() for pid, key in secret.items()})


def ident(pid: str) -> str:
    """The author and committer of a person's commits."""
    return f"{pid} <{pid}@example.invalid>"


def start_history(target: Path, admin_signer: Any, admin_ident: str, when: int,
                  env: dict[str, str] | None = None) -> tuple[_Pack, _Dir, _History]:
    """Put the working tree made by ``supervision init`` (and adjusted) into the first
    commit, signed by the records admin: the trust root."""
    pack = _Pack(target / ".git", env)
    tree = _Dir()
    for path in sorted(p for p in target.rglob("*") if p.is_file() and ".git" not in p.parts):
        tree.put(list(path.relative_to(target).parts), pack.add("blob", path.read_bytes()))
    history = _History(pack, tree)
    history.commit(admin_signer, admin_ident, when, "Start the supervision records\n",
                   committer_time=when)
    return pack, tree, history


def finish_history(target: Path, pack: _Pack, history: _History,
                   env: dict[str, str] | None = None) -> None:
    """Write the last packfile, point main at the last commit and check it out."""
    pack.flush()
    assert history.head is not None
    _run(["git", "update-ref", "refs/heads/main", history.head], cwd=target, env=env)
    _run(["git", "symbolic-ref", "HEAD", "refs/heads/main"], cwd=target, env=env)
    _run(["git", "reset", "-q", "--hard", "main"], cwd=target, env=env)


def _person(pid: str, name: str, roles: list[str], school: str | None, fpr: str) -> str:
    lines = [f"  - id: {pid}", f"    name: {name}", f"    roles: [{', '.join(roles)}]"]
    if school:
        lines.append(f"    school: {school}")
    lines += [f"    email: {pid}@example.invalid", f"    fingerprints: [{fpr}]"]
    return "\n".join(lines) + "\n"


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True)


def generate(target: Path, schools: int = 36, supervisees: int = 4, years: int = 10,
             first_year: int = 2016, profile: str = "agenda", seed: int = 7,
             env: dict[str, str] | None = None) -> Generated:
    """Write the repository into ``target`` (a new folder) and return what was made."""
    started = time.perf_counter()
    target = Path(target)
    out = Generated(target)
    _run([sys.executable, "-m", "supervision", "init", str(target), "--profile", profile,
          "--org", "Benchmark Trust (fictional)", "--no-hooks", "--no-seal"],
         cwd=target.parent, env=env)
    rng = random.Random(seed)
    school_ids = [f"school-{n:02d}" for n in range(1, schools + 1)]
    people: list[tuple[str, str, list[str], str | None]] = [
        ("admin-1", "Records Admin (fictional)", ["admin", "headteacher", "qa-reviewer"], None)]
    for n, school in enumerate(school_ids, start=1):
        people.append((f"sup-{n:02d}", f"Supervisor {n:02d} (fictional)",
                       ["deputy-head", "supervisor"], school))
        people += [(f"dsl-{n:02d}-{k}", f"Sample Lead {n:02d}-{k} (fictional)", ["dsl"], school)
                   for k in range(1, supervisees + 1)]
    made = make_keys([(pid, name) for pid, name, _roles, _school in people])
    fprs, signers = made.fingerprints, made.signers
    out.certs = made.armored()
    out.fingerprints = list(fprs.values())
    out.people = len(people)
    out.admin = made.secret["admin-1"]

    # The working tree written by `init`, adjusted: schools, admins, people, keys.
    config = (target / "supervision.yml").read_text()
    head, _sep, rest = config.partition("schools:\n")
    rest = rest[rest.index("\n# One file per academic year"):]
    schools_yaml = "".join(f"  - id: {s}\n    name: Example School {s[-2:]} (fictional)\n"
                           for s in school_ids)
    config = head + "schools:\n" + schools_yaml + rest
    config = config.replace("admins: []", f"admins: [{fprs['admin-1']}]")
    # Fictional records: no pupils' names to deny, so name checking is off on purpose.
    config = config.replace("  # deny_list: none\n", "  deny_list: none\n", 1)
    (target / "supervision.yml").write_text(config)
    (target / "people.yml").write_text(
        "# Fictional people for the sign-off benchmark.\npeople:\n"
        + "".join(_person(pid, name, roles, school, fprs[pid])
                  for pid, name, roles, school in people))
    made.write(target / "keys")
    now = int(time.time())
    pack, tree, history = start_history(target, signers["admin-1"],
                                        "Records Admin <admin-1@example.invalid>", now, env)

    repo = RecordsRepo.load(target)
    forms = {kind: repo.form(school_ids[0], kind) for kind in ("contract", "session")}
    prof = repo.profile_for(school_ids[0])
    assert prof is not None and all(forms.values())
    bodies: dict[str, list[str]] = {}
    header_keys = {"kind", "format", "school", "date", "supervisee", "supervisor", "status",
                   "supervisee_role", "supervisor_role"}
    for kind, form in forms.items():
        assert form is not None
        bodies[kind] = []
        for variant in range(12):
            data = fill(form, prof, {"kind": form.kind, "date": "2020-01-06"}, ["admin-1"],
                        random.Random(seed * 100 + variant))
            if "disagreement" in data:
                data["disagreement"] = ""
            body = {k: v for k, v in data.items() if k not in header_keys}
            bodies[kind].append(yaml.safe_dump(body, sort_keys=False, allow_unicode=True))

    for year in range(first_year, first_year + years):
        for term, (month, day) in enumerate(HALF_TERM_STARTS):
            on = dt.date(year + (1 if month < 9 else 0), month, day)
            for n, school in enumerate(school_ids, start=1):
                supervisor = f"sup-{n:02d}"
                for k in range(1, supervisees + 1):
                    supervisee = f"dsl-{n:02d}-{k}"
                    kinds = ["contract", "session"] if term == 0 else ["session"]
                    for kind in kinds:
                        form = forms[kind]
                        assert form is not None
                        date = on + dt.timedelta(days=rng.randint(0, 4) + (kind == "session"))
                        header = {"kind": form.kind, "school": school, "date": date,
                                  "supervisee": supervisee, "supervisor": supervisor}
                        relpath = expected_path(form, header)
                        assert relpath is not None
                        lines = [f"kind: {form.kind}"]
                        if kind == "session":
                            lines.append("format: one-to-one")
                        lines += [f"school: {school}", f"date: {date.isoformat()}",
                                  f"supervisee: {supervisee}", f"supervisor: {supervisor}"]
                        if kind == "session":
                            lines.append("status: held")
                        else:
                            lines += ["supervisee_role: DSL", "supervisor_role: Deputy head"]
                        text = "\n".join(lines) + "\n" + rng.choice(bodies[kind])
                        blob = pack.add("blob", text.encode())
                        tree.put(relpath.split("/"), blob)
                        stamp = int(dt.datetime.combine(date, dt.time(15), dt.UTC).timestamp())
                        history.commit(signers[supervisor], ident(supervisor), stamp,
                                       f"{kind.capitalize()} record {relpath}\n")
                        for role, pid in (("supervisor", supervisor), ("supervisee", supervisee)):
                            history.commit(signers[pid], ident(pid), stamp + 86400,
                                           signoff_message(role, relpath, blob, pid, False))
                            out.signoffs += 1
                        out.records += 1
    finish_history(target, pack, history, env)
    out.commits = history.count
    out.seconds = time.perf_counter() - started
    return out


def from_repo(repo: Path) -> Generated:
    """What an earlier run generated, read back from keys/ (enough for import_into_gpg)."""
    from supervision.signing.openpgp import read_certs

    made = Generated(repo)
    made.certs = [p.read_text() for p in sorted((repo / "keys").glob("*.asc"))]
    made.fingerprints = [read_certs(c.encode())[0].fingerprint.upper() for c in made.certs]
    return made


def import_into_gpg(generated: Generated, gnupghome: Path) -> None:
    """Put the public keys into a GnuPG home, fully trusted, for `git log %G?`."""
    home = str(gnupghome)
    subprocess.run(["gpg", "--homedir", home, "--batch", "--import"],
                   input="".join(generated.certs).encode(), check=True, capture_output=True)
    trust = "".join(f"{fpr}:6:\n" for fpr in generated.fingerprints)
    subprocess.run(["gpg", "--homedir", home, "--batch", "--import-ownertrust"],
                   input=trust.encode(), check=True, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", type=Path, help="a new folder for the repository")
    parser.add_argument("--schools", type=int, default=36)
    parser.add_argument("--supervisees", type=int, default=4, help="per school")
    parser.add_argument("--years", type=int, default=10)
    args = parser.parse_args(argv)
    made = generate(args.target, args.schools, args.supervisees, args.years)
    print(f"{made.records} records, {made.signoffs} sign-offs, {made.commits} commits, "
          f"{made.people} people in {made.seconds:.1f} s: {made.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

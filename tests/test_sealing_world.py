"""Sealed records end to end (issue 19, layers 4 and 5): three people and a stranger
with real keys, marker strings in every free-text answer. The stranger's clone holds
no marker in any object, the index, the working tree or .git/supervision; each
reader reads their records; adding a reader does not make an agreed record stale; a
leaver cannot read what is sealed after they leave; check, verify and the server gate
work on the clear part, and the gate refuses free text stored in clear."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import git_env, make_repo, run_cli
from sealing_keys import mark_free_text, person_with_encryption

CONTRACT = "contracts/example-school/dsl-sample-2026-09-07.yaml"
SESSION = "records/example-school/2026-27/dsl-sample/2026-11-16-session.yaml"
LATER = "records/example-school/2026-27/dsl-sample/2026-11-20-session.yaml"
MARKER = re.compile(rb"ZQT\d{6}QZ")


class World:
    def __init__(self, base: Path, keyrings) -> None:
        self.base = base
        self.root = base / "origin"
        self.fixture = make_repo(self.root, "agenda", sealed=True)  # a new repository's default
        self.count = 0
        self.people = {n: person_with_encryption(keyrings, f"l5{n}", f"{n} <{n}@example.invalid>")
                       for n in ("admin", "deputy", "dsl", "newhead", "stranger")}

    def mark(self) -> str:
        self.count += 1
        return f"ZQT{self.count:06d}QZ"

    def env(self, who: str | None) -> dict[str, str]:
        env = git_env()
        if who:
            env["GNUPGHOME"] = self.people[who].home
        return env

    def git(self, who: str | None, *args: str, cwd: Path | None = None,
            check: bool = True) -> str:
        key = ["-c", f"user.signingkey={self.people[who].fpr}"] if who else []
        done = subprocess.run(["git", *key, *args], cwd=cwd or self.root, env=self.env(who),
                              capture_output=True, timeout=120)
        if check:
            assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode("utf-8", "replace")

    def cli(self, who: str | None, *args: str, cwd: Path | None = None):
        return run_cli(*args, cwd=cwd or self.root, env=self.env(who))

    def commit(self, who: str, message: str, *paths: str) -> None:
        self.git(who, "add", "--", *paths)
        self.git(who, "commit", "-q", "-S", "-m", message)

    def record(self, who: str, kind: str, **extra) -> str:
        relpath, data = self.fixture.filled(kind, **extra)
        form = self.fixture.load_profile().form("example-school", kind)
        mark_free_text(data, form, self.mark)
        if kind == "session":
            data["disagreement"] = ""
        text = f"# {self.mark()} a comment of the writer's\n" + yaml.safe_dump(
            data, sort_keys=False, allow_unicode=True)
        self.fixture.write(relpath, text)
        self.git(who, "add", "--", relpath)
        self.commit(who, f"Record {relpath}", relpath + ".readers")
        return relpath

    def import_key(self, person: str, who: str, admin: bool = False) -> None:
        path = self.base / f"{who}.asc"
        path.write_bytes(self.people[who].public)
        done = self.cli("admin", "keys", "import", str(path), "--person", person,
                        *(["--admin"] if admin else []))
        assert done.code == 0, done.err

    def clone(self, who: str, source: Path | None = None) -> Path:
        target = self.base / f"clone-{who}-{self.mark()}"
        self.git(who, "clone", "-q", str(source or self.root), str(target), cwd=self.base)
        done = self.cli(who, "seal", "install", cwd=target)
        assert done.code == 0, done.err
        return target

    def verify(self) -> dict:
        done = self.cli(None, "verify", "--format", "json")
        return done.json()


def status_of(data: dict, relpath: str) -> str:
    return next(r["status"] for r in data["records"] if r["path"] == relpath)


@pytest.fixture(scope="module")
def world(keyrings, tmp_path_factory) -> World:
    w = World(tmp_path_factory.mktemp("sealworld"), keyrings)
    w.import_key("head-sample", "admin", admin=True)
    w.import_key("deputy-sample", "deputy")
    w.import_key("dsl-sample", "dsl")
    assert "\n  sealed: true\n  readers: [headteacher]\n" in (w.root / "supervision.yml").read_text()
    w.commit("admin", "Start the sealed supervision records", ".")
    w.record("deputy", "contract", day="2026-09-07")
    for who in ("deputy", "dsl"):
        done = w.cli(who, "sign", CONTRACT, "--key", w.people[who].fpr)
        assert done.code == 0, done.out + done.err
    w.record("deputy", "session")
    return w


def test_records_are_stored_sealed_and_check_and_verify_work(world: World) -> None:
    for relpath in (CONTRACT, SESSION):
        stored = world.git(None, "cat-file", "-p", f"HEAD:{relpath}")
        assert "\nsealed:\n" in stored and not MARKER.search(stored.encode())
    assert status_of(world.verify(), CONTRACT) == "agreed"
    done = world.cli(None, "check", "--format", "json", "--no-time-rules", CONTRACT, SESSION)
    assert [f for f in done.json() if f["severity"] == "error"] == [], done.out


def test_each_reader_reads_their_records(world: World) -> None:
    text = (world.root / SESSION).read_text()
    assert MARKER.search(text.encode())
    for who in ("dsl", "deputy", "admin"):  # supervisee, supervisor, headteacher (role)
        clone = world.clone(who)
        assert (clone / SESSION).read_text() == text, who
        assert MARKER.search((clone / CONTRACT).read_bytes()), who
        assert world.git(who, "status", "--porcelain", cwd=clone) == ""


def test_a_non_reader_is_told_so_in_words(world: World) -> None:
    clone = world.clone("stranger")
    for command in (("show", SESSION), ("submit", SESSION)):
        done = world.cli("stranger", *command, cwd=clone)
        assert done.code == 1 and "you are not a reader of this record" in done.err, command
    done = world.cli("stranger", "check", "--format", "json", "--no-time-rules", SESSION,
                     cwd=clone)
    assert [f for f in done.json() if f["severity"] == "error"] == [], done.out


def test_adding_a_reader_keeps_agreement_and_a_leaver_reads_nothing_new(world: World) -> None:
    people = world.root / "people.yml"
    people.write_text(people.read_text() + "\n  - id: new-head\n    name: Nia Newhead\n"
                      "    roles: [headteacher]\n    school: example-school\n")
    world.import_key("new-head", "newhead")
    world.commit("admin", "A new headteacher", "people.yml", "keys")
    done = world.cli("admin", "seal", "readers")
    assert done.code == 0 and "Updated who can read 2 record(s)" in done.out, done.out + done.err
    world.commit("admin", "The new headteacher reads the school's records", "records",
                 "contracts")
    assert status_of(world.verify(), CONTRACT) == "agreed"  # no signed content changed
    clone = world.clone("newhead")
    assert MARKER.search((clone / CONTRACT).read_bytes())
    # They leave; a record sealed afterwards is not theirs to read.
    people.write_text(people.read_text().replace(
        "    name: Nia Newhead\n", "    name: Nia Newhead\n    left: 2026-11-21\n"))
    world.commit("admin", "The new headteacher left", "people.yml")
    later = world.record("deputy", "session", day="2026-11-20")
    assert later == LATER
    world.git("newhead", "pull", "-q", "--no-rebase", cwd=clone)
    assert not MARKER.search((clone / LATER).read_bytes())
    assert "\nsealed:\n" in (clone / LATER).read_text()
    assert MARKER.search((clone / CONTRACT).read_bytes())  # what they read before, they keep


def test_a_stranger_clone_holds_no_free_text_anywhere(world: World) -> None:
    clone = world.clone("stranger")
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=clone,
                             env=world.env("stranger"), capture_output=True, timeout=120).stdout
    assert b"\nsealed:\n  version: 1\n" in objects and world.count > 20
    assert not MARKER.search(objects)
    assert not MARKER.search((clone / ".git" / "index").read_bytes())
    for path in clone.rglob("*"):
        if path.is_file() and (".git" not in path.relative_to(clone).parts
                               or "supervision" in path.relative_to(clone).parts):
            assert not MARKER.search(path.read_bytes()), path
    # ...while a reader's clone does hold them (the search is not vacuous).
    reader = world.clone("dsl")
    assert MARKER.search((reader / SESSION).read_bytes())


def test_the_gate_accepts_sealed_records_and_refuses_clear_text(world: World) -> None:
    server = world.base / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(server)], check=True, env=git_env())
    assert world.cli(None, "hook", "install", str(server), cwd=world.base).code == 0
    pushed = subprocess.run(["git", "push", "-q", str(server), "main"], cwd=world.root,
                            env=git_env(), capture_output=True, text=True, timeout=300)
    assert pushed.returncode == 0, pushed.stderr
    # A copy without the filter commits a record in clear: the server refuses it.
    plain = world.base / "plain"
    world.git("deputy", "clone", "-q", str(server), str(plain), cwd=world.base)
    relpath, data = world.fixture.filled("session", day="2026-11-23")
    (plain / relpath).parent.mkdir(parents=True, exist_ok=True)
    (plain / relpath).write_text(yaml.safe_dump(data, sort_keys=False))
    world.git("deputy", "add", relpath, cwd=plain)
    world.git("deputy", "commit", "-q", "-S", "-m", "A record in clear", cwd=plain)
    refused = subprocess.run(["git", "push", "origin", "main"], cwd=plain,
                             env=world.env("deputy"), capture_output=True, text=True,
                             timeout=300)
    assert refused.returncode != 0 and "SEAL-CLEAR-TEXT" in refused.stderr, refused.stderr


def test_export_tells_a_non_reader_so_and_gives_a_reader_the_answers(world: World) -> None:
    """A stranger's export holds the clear part and a sentence in place of each sealed
    answer (never ciphertext, never a traceback); a reader's holds the answers."""
    stranger = world.clone("stranger")
    out = world.base / f"export-{world.mark()}"
    done = world.cli("stranger", "export", "--person", "dsl-sample", "-o", str(out),
                     "--format", "text", cwd=stranger)
    assert done.code == 0 and "Traceback" not in done.err, done.out + done.err
    assert "you are not a reader of them" in done.out, done.out
    written = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert b"you are not a reader of this record" in written
    assert b"dsl-sample" in written and b"2026-11-16" in written  # the clear part is there
    assert not MARKER.search(written) and b"ciphertext" not in written
    reader = world.clone("dsl")
    out = world.base / f"export-{world.mark()}"
    done = world.cli("dsl", "export", "--person", "dsl-sample", "-o", str(out), "--format",
                     "text", cwd=reader)
    assert done.code == 0, done.out + done.err
    written = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert MARKER.search(written) and b"not a reader" not in written


def test_history_says_sealed_answers_changed_to_a_non_reader(world: World) -> None:
    """A stranger's history says "sealed answers changed" (and that they are not a
    reader), never ciphertext; a reader's names the answer that changed."""
    path = world.root / SESSION
    data = yaml.safe_load(path.read_text())
    data["wellbeing"]["discussion"] = world.mark()
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    world.git("deputy", "add", "--", SESSION)  # sealing it writes its readers file
    world.commit("deputy", "Correct the record", SESSION + ".readers")
    stranger = world.clone("stranger")
    history = world.cli("stranger", "history", SESSION, cwd=stranger)
    assert history.code == 0 and "Traceback" not in history.err, history.out + history.err
    assert "changed: sealed answers changed" in history.out, history.out
    assert "You are not a reader of this record" in history.out
    assert "ciphertext" not in history.out and "nonce" not in history.out
    reader = world.clone("dsl")
    history = world.cli("dsl", "history", SESSION, "--format", "json", cwd=reader)
    changed = [e for e in history.json()["events"] if e["change"] == "changed"]
    assert changed and changed[-1]["fields"] == ["wellbeing.discussion"], changed
    assert not any(e["sealed"] for e in history.json()["events"])


def test_chronology_entries_name_sealed_items_the_same_in_every_clone(world: World) -> None:
    """The DSL's `chronology done` names each decision and action by the stable random id
    the record's clear part gives it (never a digest of its wording), so a stranger's
    clone matches the entry to the items exactly as the DSL's own does: both list the same
    items before, neither after. A decision reworded later gets a new id (the others keep
    theirs) and is due again, in both."""
    today = "2026-12-14"

    def clear_ids(root: Path, relpath: str) -> set[str]:
        stored = yaml.safe_load(world.git(None, "cat-file", "-p", f"HEAD:{relpath}", cwd=root))
        part = stored["case_management"]
        return {i["id"] for key in ("decisions", "actions") for i in part.get(key) or ()}

    def due(who: str, clone: Path) -> list[tuple[str, str]]:
        done = world.cli(who, "check", "--format", "json", "--today", today, cwd=clone)
        assert done.code in (0, 1), done.err
        return sorted((f["path"], f["message"]) for f in done.json()
                      if f["rule"] == "CHRONOLOGY-ENTRY-DUE" and f["path"] in (SESSION, LATER))

    reader, stranger = world.clone("dsl"), world.clone("stranger")
    ids = clear_ids(reader, SESSION) | clear_ids(reader, LATER)
    assert ids and all(re.fullmatch(r"[ad]-[a-z2-7]{10}", i) for i in ids), ids
    before = due("dsl", reader)
    assert len(before) >= 2 and any("decisions[" in m for _p, m in before), before
    assert due("stranger", stranger) == before
    listed = world.cli("dsl", "chronology", "--format", "json", "--today", today, cwd=reader)
    places = {(r["record"], r["place"]) for r in listed.json()}
    assert len(places) == len(before) and all(MARKER.search(r["text"].encode())
                                              for r in listed.json())
    theirs = world.cli("stranger", "chronology", "--format", "json", "--today", today,
                       cwd=stranger).json()
    assert {(r["record"], r["place"]) for r in theirs} == places
    assert all("you are not a reader of this record" in r["text"] for r in theirs), theirs

    done = world.cli("dsl", "chronology", "done", SESSION, LATER, "--today", "2026-12-01",
                     cwd=reader)
    assert done.code == 0, done.out + done.err
    entry = done.out.splitlines()[0]
    written = yaml.safe_load((reader / entry).read_text())
    named = {i["id"] for e in written["entries"] for i in e["items"]}
    assert named and named <= ids, (named, ids)  # the agenda form's items are all listed
    world.git("dsl", "add", "--", entry, cwd=reader)
    world.git("dsl", "add", "--", entry + ".readers", cwd=reader)
    world.git("dsl", "commit", "-q", "-S", "-m", "Entered on the chronologies", cwd=reader)
    assert due("dsl", reader) == []
    stranger = world.clone("stranger", source=reader)
    assert due("stranger", stranger) == []

    path = reader / SESSION
    data = yaml.safe_load(path.read_text())
    decisions = data["case_management"]["decisions"]
    decisions[0]["decision"] = "Wait for the early help review before changing the plan."
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    world.git("dsl", "add", "--", SESSION, cwd=reader)
    world.git("dsl", "add", "--", SESSION + ".readers", cwd=reader)
    world.git("dsl", "commit", "-q", "-S", "-m", "Reword a decision", cwd=reader)
    now = clear_ids(reader, SESSION)
    assert len(now - ids) == 1 and len(ids & now) == len(now) - 1  # only the reworded one
    again = due("dsl", reader)
    assert len(again) == 1 and "decisions[1]" in again[0][1], again
    assert due("stranger", world.clone("stranger", source=reader)) == again

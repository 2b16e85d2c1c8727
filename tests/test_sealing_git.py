"""Sealing in git (issue 19, layer 3): the long-running clean/smudge filter with real
git and real keys. A reader's working tree holds the readable record, git stores the
sealed form, an unchanged record gives the same stored bytes (status stays clean),
and a non-reader gets the clear fields and a sealed block."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from conftest import git_env, make_repo, run_cli
from sealing_keys import person_with_encryption

SESSION = "records/example-school/2026-27/dsl-sample/2026-11-16-session.yaml"
MARK = "ZQT424242QZ"


def env_for(home: str | None) -> dict[str, str]:
    env = git_env()
    if home:
        env["GNUPGHOME"] = home
    return env


def git(root: Path, *args: str, home: str | None = None, check: bool = True) -> str:
    done = subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=root,
                          env=env_for(home), capture_output=True, timeout=120)
    if check:
        assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode("utf-8", "replace")


def sealed_repo(keyrings, base: Path, prefix: str):
    """A sealed repository: head-sample (admin), deputy-sample and dsl-sample have
    keys that can receive; headteachers read every record of their school."""
    root = base / "origin"
    fixture = make_repo(root, "agenda", sealed=True)  # a new repository's default
    people = {name: person_with_encryption(keyrings, f"{prefix}{name}",
                                           f"{name} <{name}@example.invalid>")
              for name in ("head", "deputy", "dsl", "stranger")}
    admin_env = env_for(people["head"].home)
    for person, who in (("head-sample", "head"), ("deputy-sample", "deputy"),
                        ("dsl-sample", "dsl")):
        (base / f"{who}.asc").write_bytes(people[who].public)
        done = run_cli("keys", "import", str(base / f"{who}.asc"), "--person", person,
                       *(["--admin"] if who == "head" else []), cwd=root, env=admin_env)
        assert done.code == 0, done.err
    settings = (root / "supervision.yml").read_text()
    assert "\n  sealed: true\n  readers: [headteacher]\n" in settings
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "Start the sealed records")
    return fixture, people


@pytest.fixture(scope="module")
def world(keyrings, tmp_path_factory):
    base = tmp_path_factory.mktemp("sealgit")
    fixture, people = sealed_repo(keyrings, base, "l3")
    relpath, data = fixture.filled("session")
    assert relpath == SESSION
    data["wellbeing"] = data.get("wellbeing") or {}
    text = f"# written by the supervisor {MARK}\n" + yaml.safe_dump(data, sort_keys=False)
    text = text.replace("kind: session", f"kind: session\n# {MARK} again", 1)
    fixture.write(SESSION, text)
    git(fixture.root, "add", SESSION, home=people["deputy"].home)
    git(fixture.root, "add", SESSION + ".readers")
    git(fixture.root, "commit", "-q", "-m", "Session record")
    return fixture, people, text


def test_git_stores_the_sealed_form_and_the_tree_keeps_the_text(world) -> None:
    fixture, _people, text = world
    root = fixture.root
    stored = git(root, "cat-file", "-p", f"HEAD:{SESSION}")
    assert MARK not in stored and "\nsealed:\n  version: 1\n" in stored
    assert "kind: session" in stored and "supervisee: dsl-sample" in stored
    assert (root / SESSION).read_text() == text
    assert git(root, "status", "--porcelain") == ""
    side = git(root, "cat-file", "-p", f"HEAD:{SESSION}.readers")
    assert "BEGIN PGP MESSAGE" in side


def clone(world, tmp: Path, who: str) -> Path:
    fixture, people, _text = world
    target = tmp / f"clone-{who}"
    git(tmp, "clone", "-q", str(fixture.root), str(target), home=people[who].home)
    done = run_cli("seal", "install", cwd=target, env=env_for(people[who].home))
    assert done.code == 0, done.err
    return target


def test_a_reader_clone_opens_and_stays_clean(world, tmp_path) -> None:
    fixture, people, text = world
    root = clone(world, tmp_path, "dsl")
    assert (root / SESSION).read_text() == text
    assert git(root, "status", "--porcelain", home=people["dsl"].home) == ""
    # Touched, git cleans it again: the same stored bytes (the clone's HMAC map).
    (root / SESSION).write_text(text)
    git(root, "update-index", "--really-refresh", check=False, home=people["dsl"].home)
    assert git(root, "status", "--porcelain", home=people["dsl"].home) == ""
    assert git(root, "diff", "--stat", home=people["dsl"].home) == ""
    # A fresh checkout through the filter (delayed, one gpg run) opens it too.
    (root / SESSION).unlink()
    git(root, "checkout", "--", SESSION, home=people["dsl"].home)
    assert (root / SESSION).read_text() == text
    # An edit is sealed anew; the stored form changes, the sidecar names the version.
    before = git(root, "rev-parse", f"HEAD:{SESSION}").strip()
    (root / SESSION).write_text(text.replace(MARK, "ZQT434343QZ"))
    git(root, "add", SESSION, home=people["dsl"].home)
    git(root, "add", SESSION + ".readers")
    git(root, "commit", "-q", "-m", "Edit", home=people["dsl"].home)
    after = git(root, "rev-parse", f"HEAD:{SESSION}").strip()
    assert after != before
    assert "ZQT434343QZ" not in git(root, "cat-file", "-p", f"HEAD:{SESSION}")
    assert git(root, "status", "--porcelain", home=people["dsl"].home) == ""


def test_an_unchanged_record_stays_unchanged_when_the_store_is_deleted(world,
                                                                       tmp_path) -> None:
    """.git/supervision is derived and may be deleted (the filter's memory with it): a
    record git cleans again afterwards still gives the stored bytes it opened from, so
    status stays clean and its readers file is not rewritten."""
    import shutil

    _fixture, people, text = world
    root = clone(world, tmp_path, "dsl")
    home = people["dsl"].home
    stored_before = git(root, "rev-parse", f"HEAD:{SESSION}").strip()
    shutil.rmtree(root / ".git" / "supervision")
    (root / SESSION).write_text(text)  # touched: git must clean it again
    git(root, "update-index", "--really-refresh", check=False, home=home)
    assert git(root, "status", "--porcelain", home=home) == ""
    assert git(root, "hash-object", "--path", SESSION, SESSION, home=home).strip() == \
        stored_before
    # an edit is still sealed anew
    (root / SESSION).write_text(text.replace(MARK, "ZQT454545QZ"))
    assert git(root, "status", "--porcelain", home=home).split() == ["M", SESSION,
                                                                      "M", SESSION + ".readers"]


def traced(root: Path, home: str, *args: str) -> str:
    """What git ran (GIT_TRACE, inherited by the filter and its own git commands)."""
    trace = root.parent / f"trace-{root.name}.txt"
    trace.unlink(missing_ok=True)
    env = env_for(home) | {"GIT_TRACE": str(trace)}
    done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return trace.read_text() if trace.exists() else ""


def test_a_checkout_reads_no_git_object_per_record_and_the_index_settles_once(
        world, tmp_path) -> None:
    """The smudge takes each data key from the readers file git just wrote (no git
    process per record), and after the filter opened or re-cleaned records, check
    lets git write its index once, so later commands stop running the filter."""
    _fixture, people, text = world
    home = people["dsl"].home
    root = clone(world, tmp_path, "dsl")
    flag = root / ".git" / "supervision" / "seal" / "refresh"
    (root / SESSION).unlink()
    trace = traced(root, home, "checkout", "--", SESSION)
    assert "seal filter" in trace and "cat-file" not in trace
    assert (root / SESSION).read_text() == text and flag.exists()
    # Racily clean (the index written in the record's own second, as after checking out
    # thousands): git cleans it again on every diff-files, through the filter. Both
    # times go a few seconds back, so the index git writes when check settles it falls
    # in a later second than the record however fast this machine is.
    written = time.time() - 10
    os.utime(root / SESSION, (written, written))
    traced(root, home, "update-index", "-q", "--refresh")  # the index holds that time
    os.utime(root / ".git" / "index", (written, written))
    for _ in range(2):
        assert "seal filter" in traced(root, home, "diff-files", "--quiet")
    assert run_cli("check", cwd=root, env=env_for(home)).code in (0, 1)
    assert not flag.exists()
    assert "seal filter" not in traced(root, home, "diff-files", "--quiet")
    assert git(root, "status", "--porcelain", home=home) == ""


def test_a_non_reader_sees_clear_fields_and_a_sealed_block(world, tmp_path) -> None:
    _fixture, people, _text = world
    root = clone(world, tmp_path, "stranger")
    seen = (root / SESSION).read_text()
    assert MARK not in seen and "\nsealed:\n" in seen and "supervisor: deputy-sample" in seen
    assert git(root, "status", "--porcelain", home=people["stranger"].home) == ""
    # Giving the sealed form back to git changes nothing: a non-reader cannot overwrite.
    git(root, "add", SESSION, home=people["stranger"].home)
    assert git(root, "status", "--porcelain", home=people["stranger"].home) == ""


def test_seal_all_turns_sealing_on_in_one_admin_signed_commit(keyrings, tmp_path) -> None:
    root = tmp_path / "repo"
    fixture = make_repo(root, "agenda")
    env = env_for(str(keyrings.home("l3sealall")))
    made = run_cli("keys", "create", "--person", "head-sample", "--admin", "--no-passphrase",
                   cwd=root, env=env)
    assert made.code == 0, made.err
    settings = root / "supervision.yml"
    assert "\n  sealed: false\n  readers: [headteacher]\n" in settings.read_text()  # --no-seal
    relpath, data = fixture.filled("session")
    data["wellbeing"] = {"discussion": MARK} if isinstance(data.get("wellbeing"), dict) else \
        data.get("wellbeing")
    fixture.write(relpath, data)
    subprocess.run(["git", "add", "."], cwd=root, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "Start"], cwd=root, env=env, check=True)
    done = run_cli("seal", "--all", cwd=root, env=env)
    assert done.code == 0, done.out + done.err
    assert "Earlier history still holds the plain text" in done.out
    turned = settings.read_text()
    assert "\n  sealed: true\n  readers: [headteacher]\n" in turned
    assert "sealed: false" not in turned and "--no-seal" not in turned
    assert "\nsealed:\n" in git(root, "cat-file", "-p", f"HEAD:{relpath}")
    assert "\nsealed:\n" not in git(root, "cat-file", "-p", f"HEAD~1:{relpath}")
    assert git(root, "status", "--porcelain") == ""
    assert "G" in git(root, "log", "-1", "--format=%G?", home=str(keyrings.home("l3sealall")))

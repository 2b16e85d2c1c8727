"""`supervision demo --sealed`: the fictional trust with `privacy: sealed: true`, an
encryption key for every person and every record stored sealed (issue 19's acceptance
test). A stranger's clone, made with a GnuPG home holding no demo key, holds none of
the records' free text in any object (`git cat-file --batch-all-objects --batch`), in
its index, its working tree or .git/supervision; the tools still find the planted
problems there, from the clear part alone."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import git_env, run_cli
from test_demo import (
    DISPUTED,
    ESCALATION,
    MISSED_CONTRACT,
    NO_REFERRAL_OUTCOME,
    NOT_ON_CHRONOLOGY,
    QA_CONTRACT,
    REBOOKED,
    STALE,
    TODAY,
    UNSIGNED,
)

#: The nine problems the demo plants (as test_demo finds them in the unsealed demo).
PLANTED = {
    ("HALF-TERM-SESSION", MISSED_CONTRACT), ("RECORD-DEADLINE", UNSIGNED),
    ("SUPERVISEE-RESPONSE", UNSIGNED), ("SUPERVISEE-RESPONSE", STALE),
    ("REBOOK-DATE", REBOOKED), ("CHRONOLOGY-ENTRY-DUE", NOT_ON_CHRONOLOGY),
    ("QA-REVIEW-DUE", QA_CONTRACT), ("ESCALATION-OPEN", ESCALATION),
    ("REFERRAL-FOLLOW-UP", NO_REFERRAL_OUTCOME)}


@dataclass
class Sealed:
    folder: Path
    trust: Path  # the demo's own copy: readable records, as their writers had them
    stranger: Path  # a clone by someone who reads nothing
    env: dict[str, str]  # the stranger's environment


@pytest.fixture(scope="module")
def sealed_demo() -> Iterator[Sealed]:
    base = Path(tempfile.mkdtemp(dir="/tmp", prefix="svsd-"))  # short: gpg-agent sockets
    folder = base / "demo"
    result = run_cli("demo", str(folder), "--no-serve", "--sealed", "--today", TODAY,
                     cwd=base, env=git_env(), timeout=900)
    assert result.code == 0, result.out + result.err
    home = base / "g"
    home.mkdir(mode=0o700)
    env = dict(git_env(), GNUPGHOME=str(home))
    stranger = base / "stranger"
    subprocess.run(["git", "clone", "-q", str(folder / "trust"), str(stranger)], env=env,
                   check=True, capture_output=True, timeout=300)
    assert run_cli("seal", "install", cwd=stranger, env=env).code == 0
    yield Sealed(folder, folder / "trust", stranger, env)
    for gnupg in (folder / "gnupg", home):
        subprocess.run(["gpgconf", "--homedir", str(gnupg), "--kill", "all"],
                       capture_output=True)
    shutil.rmtree(base, ignore_errors=True)


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


def _free_text(trust: Path) -> set[bytes]:
    """Every free-text answer of every record (what sealing must hide): the strings of
    the readable record that its clear part does not hold."""
    from supervision.forms.yamlparse import parse_file
    from supervision.repo import RecordsRepo
    from supervision.sealing.split import split
    from supervision.signing.signoff import form_of

    repo = RecordsRepo.load(trust)
    out: set[bytes] = set()
    for relpath in repo.record_files():
        doc, _problems = parse_file(str(trust / relpath), relpath, 1_000_000)
        assert doc is not None and isinstance(doc.data, dict), relpath
        form = form_of(repo, doc.data)
        assert form is not None, relpath
        hidden = _strings(doc.data) - _strings(split(doc.data, form).clear)
        out |= {s.encode("utf-8") for s in hidden if len(s) >= 20}
    return out


def test_the_demo_is_stored_sealed_and_verifies(sealed_demo: Sealed) -> None:
    settings = (sealed_demo.trust / "supervision.yml").read_text()
    assert "sealed: true" in settings
    stored = subprocess.run(["git", "show", f"HEAD:{DISPUTED}"], cwd=sealed_demo.trust,
                            env=git_env(), capture_output=True, text=True).stdout
    assert "\nsealed:\n" in stored and "ciphertext:" in stored
    assert subprocess.run(["git", "status", "--porcelain"], cwd=sealed_demo.trust,
                          env=sealed_demo.env, capture_output=True, text=True).stdout == ""
    from supervision.repo import RecordsRepo
    from supervision.sealing.readers import KeyFiles, can_encrypt

    repo = RecordsRepo.load(sealed_demo.trust)
    keys = KeyFiles(sealed_demo.trust)
    assert repo.people and all(any(can_encrypt(c) for c in keys.certs(pid))
                               for pid in repo.people)  # everyone can receive records


def test_a_stranger_clone_of_the_demo_holds_no_free_text(sealed_demo: Sealed) -> None:
    markers = _free_text(sealed_demo.trust)
    assert len(markers) > 200  # the search is not vacuous
    clone = sealed_demo.stranger
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=clone,
                             env=sealed_demo.env, capture_output=True, timeout=300).stdout
    assert b"\nsealed:\n  version: 1\n" in objects
    places = {"every object": objects, "the index": (clone / ".git" / "index").read_bytes()}
    for path in clone.rglob("*"):
        parts = path.relative_to(clone).parts
        if path.is_file() and (".git" not in parts or "supervision" in parts):
            places[str(path)] = path.read_bytes()
    found = [(where, m) for where, data in places.items() for m in markers if m in data]
    assert found == [], found[:5]


def test_the_tools_find_the_planted_problems_in_a_stranger_clone(sealed_demo: Sealed) -> None:
    """From the clear part alone the stranger finds exactly the nine planted problems,
    the chronology ones included: the entries the DSLs wrote from their readable records
    name each decision by the id in its clear part, so they match here too, and the
    stranger's findings are the readers' own (the demo's copy, every record readable)."""
    findings = {}
    for clone, env in ((sealed_demo.stranger, sealed_demo.env), (sealed_demo.trust, git_env())):
        done = run_cli("check", "--format", "json", "--today", TODAY, cwd=clone, env=env)
        assert done.code in (0, 1), done.err
        findings[clone] = sorted((p["rule"], p["path"], p["message"]) for p in done.json())
    found = {(rule, path) for rule, path, _message in findings[sealed_demo.stranger]}
    assert found == PLANTED, found
    assert findings[sealed_demo.stranger] == findings[sealed_demo.trust]
    done = run_cli("verify", "--format", "json", "--today", TODAY, cwd=sealed_demo.stranger,
                   env=sealed_demo.env)
    data = done.json()
    assert data["errors"] == [], data["errors"]
    status = {r["path"]: r["status"] for r in data["records"]}
    assert status[DISPUTED] == "disputed" and status[STALE] == "stale"
    shown = run_cli("show", DISPUTED, cwd=sealed_demo.stranger, env=sealed_demo.env)
    assert shown.code == 1 and "you are not a reader of this record" in shown.err

"""Keys for sealed records (issue 19, layer 2): `keys create` adds an encryption
subkey, and a record's readers are its people, the roles supervision.yml names and
the recovery key. Real gpg, real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import git_env, make_repo, run_cli
from sealing_keys import person_with_encryption
from supervision.repo import RecordsRepo
from supervision.sealing.readers import RECOVERY, readers_for
from supervision.signing.openpgp import can_encrypt, read_certs


def set_privacy(root: Path, lines: str) -> None:
    path = root / "supervision.yml"
    text = path.read_text()
    path.write_text(text.replace("privacy:\n", "privacy:\n" + lines, 1))


@pytest.fixture(scope="module")
def repo(keyrings, tmp_path_factory):
    root = tmp_path_factory.mktemp("keys") / "repo"
    fixture = make_repo(root, "agenda")
    env = git_env()
    env["GNUPGHOME"] = str(keyrings.home("l2admin"))
    made = run_cli("keys", "create", "--person", "head-sample", "--admin", "--no-passphrase",
                   cwd=root, env=env)
    assert made.code == 0, made.err
    deputy = person_with_encryption(keyrings, "l2deputy", "Jo <jo@example.invalid>")
    sign_only = keyrings.new_key("l2dsl", "Sam <sam@example.invalid>")
    recovery = person_with_encryption(keyrings, "l2recov", "Recovery <r@example.invalid>")
    for person, data in (("deputy-sample", deputy.public),
                         ("dsl-sample", keyrings.export("l2dsl", sign_only))):
        (root.parent / f"{person}.asc").write_bytes(data)
        done = run_cli("keys", "import", str(root.parent / f"{person}.asc"), "--person", person,
                       cwd=root, env=env)
        assert done.code == 0, done.err
    (root / "keys" / "recovery.asc").write_bytes(recovery.public)
    assert "\n  readers: [headteacher]\n" in (root / "supervision.yml").read_text()  # init's
    set_privacy(root, f"  recovery_key: {recovery.fpr}\n")
    return fixture, recovery


def test_keys_create_adds_an_encryption_subkey(repo) -> None:
    fixture, _recovery = repo
    certs = read_certs((fixture.root / "keys" / "head-sample.asc").read_bytes())
    assert len(certs) == 1 and can_encrypt(certs[0])


def test_readers_are_people_roles_and_recovery(repo) -> None:
    fixture, recovery = repo
    records = RecordsRepo.load(fixture.root)
    assert records.config is not None and records.config.readers == ("headteacher",)
    relpath, data = fixture.filled("session")
    form = records.form("example-school", "session")
    readers = readers_for(records, yaml.safe_load(yaml.safe_dump(data)), form)
    assert set(readers.people) == {"deputy-sample", "head-sample", RECOVERY}
    # sign-only (dsl) or no key at all (ddsl, an action owner): told, left out
    assert set(readers.without_key) == {"dsl-sample", "ddsl-sample"}
    assert recovery.fpr.upper() in readers.certs


def test_a_leaver_reads_nothing_sealed_after_leaving(repo) -> None:
    fixture, _recovery = repo
    records = RecordsRepo.load(fixture.root)
    relpath, data = fixture.filled("session")
    form = records.form("example-school", "session")
    people = records.people
    import dataclasses
    import datetime as dt

    people["deputy-sample"] = dataclasses.replace(people["deputy-sample"], left="2026-10-31")
    readers = readers_for(records, data, form, today=dt.date(2026, 11, 22))
    assert "deputy-sample" not in readers.people

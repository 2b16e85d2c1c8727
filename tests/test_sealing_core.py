"""The sealing core (issue 19, layer 1): envelope, split, stored form, sidecar, with
real keys (gpg for unwrapping, pysequoia for wrapping)."""

from __future__ import annotations

import pytest
import yaml

from conftest import make_repo
from sealing_keys import person_with_encryption
from supervision.sealing import envelope, stored
from supervision.sealing.keys import GpgUnwrapper, SequoiaWrapper
from supervision.sealing.seal import SealError, open_record, seal_record
from supervision.sealing.sidecar import Sidecar, load
from supervision.sealing.split import is_action_id, split
from supervision.signing.openpgp import can_encrypt, read_certs


@pytest.fixture(scope="module")
def people(keyrings):
    return {name: person_with_encryption(keyrings, name, f"{name} <{name}@example.invalid>")
            for name in ("reader", "other", "stranger")}


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    """A filled agenda session whose every free-text answer is a marker."""
    repo = make_repo(tmp_path_factory.mktemp("seal") / "repo", "agenda")
    relpath, data = repo.filled("session")
    count = [0]

    def mark(value, field_type):
        count[0] += 1
        return f"ZQT{count[0]:06d}QZ"

    form = repo.load_profile().form("example-school", "session")

    def visit(value, fields):
        by = {f.name: f for f in fields}
        for key, item in list(value.items()):
            f = by.get(key)
            if f is None:
                continue
            if f.type in ("text", "line") and item:
                value[key] = mark(item, f.type)
            elif f.is_mapping and isinstance(item, dict):
                visit(item, f.fields)
            elif f.fields and isinstance(item, list):
                for sub in item:
                    if isinstance(sub, dict):
                        visit(sub, f.fields)

    visit(data, form.fields)
    text = "# a comment ZQT999999QZ the writer added\n" + yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True)
    return relpath, text.encode(), form, count[0]


def certs_of(*persons):
    out = {}
    for p in persons:
        cert = read_certs(p.public)[0]
        out[cert.fingerprint.upper()] = cert
    return out


def test_sign_only_keys_cannot_receive_and_subkeys_can(keyrings, people) -> None:
    sign_only = keyrings.new_key("signonly", "Sign Only <so@example.invalid>")
    assert not can_encrypt(read_certs(keyrings.export("signonly", sign_only))[0])
    assert can_encrypt(read_certs(people["reader"].public)[0])


def test_split_is_driven_by_the_form(record) -> None:
    relpath, raw, form, _count = record
    data = yaml.safe_load(raw)
    parts = split(data, form)
    dumped = yaml.safe_dump(parts.clear)
    assert "ZQT" not in dumped
    assert parts.clear["kind"] == "session" and parts.clear["supervisee"] == "dsl-sample"
    assert parts.clear["disagreement"] in (True, False)
    assert parts.sealed_fields and all("." in n or n.isidentifier() for n in parts.sealed_fields)
    actions = [a for v in parts.clear.values() if isinstance(v, dict)
               for a in v.get("actions", []) or []]
    actions += parts.clear.get("actions", []) or []
    assert actions and all(is_action_id(a["id"]) for a in actions)
    assert all(set(a) <= {"id", "owner", "due", "status"} for a in actions)


def test_seal_and_open_with_real_keys(record, people) -> None:
    relpath, raw, form, count = record
    version = seal_record(raw, relpath, form, certs_of(people["reader"], people["other"]),
                         SequoiaWrapper(), secret=b"k" * 32)
    sidecar = Sidecar()
    sidecar.put(version.entry)
    side = sidecar.dump()
    for blob in (version.stored, side):
        assert b"ZQT" not in blob
    assert people["reader"].fpr.upper() in side.decode()
    entry = load(side).find(stored.parse(version.stored).nonce_id)
    assert entry is not None
    for name in ("reader", "other"):
        unwrap = GpgUnwrapper(people[name].home)
        assert open_record(version.stored, relpath, entry,
                           lambda m, u=unwrap: u.unwrap([m])[0]) == raw
    stranger = GpgUnwrapper(people["stranger"].home)
    assert open_record(version.stored, relpath, entry,
                       lambda m: stranger.unwrap([m])[0]) is None
    # Stable action ids: the same actions sealed again keep their ids.
    again = seal_record(raw, relpath, form, certs_of(people["reader"]), SequoiaWrapper(),
                        secret=b"k" * 32, known_ids=version.action_ids)
    assert version.action_ids and again.action_ids == version.action_ids
    assert stored.parse(again.stored).clear_text == stored.parse(version.stored).clear_text


def test_ciphertext_is_bound_to_path_and_clear_part(record, people) -> None:
    relpath, raw, form, _count = record
    version = seal_record(raw, relpath, form, certs_of(people["reader"]), SequoiaWrapper())
    unwrap = GpgUnwrapper(people["reader"].home)

    def opener(m):
        return unwrap.unwrap([m])[0]

    tampered = version.stored.replace(b"duration_minutes: 60", b"duration_minutes: 90", 1)
    assert tampered != version.stored
    with pytest.raises(SealError):
        open_record(tampered, relpath, version.entry, opener)
    with pytest.raises(SealError):
        open_record(version.stored, relpath.replace("11-16", "11-17"), version.entry, opener)


def test_envelope_refuses_a_wrong_key() -> None:
    sealed = envelope.seal(envelope.new_data_key(), b"text", "p.yaml", b"clear")
    with pytest.raises(envelope.EnvelopeError):
        envelope.open_sealed(envelope.new_data_key(), sealed, "p.yaml", b"clear")


def test_no_readers_is_refused_in_words(record) -> None:
    relpath, raw, form, _count = record
    with pytest.raises(SealError, match="none of its readers"):
        seal_record(raw, relpath, form, {}, SequoiaWrapper())

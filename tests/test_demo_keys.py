"""The demo's throwaway keys are dated by the story, even on a slow machine.

CI once failed building the sealed demo: on a loaded machine gpg dated a primary key a
second after the story's moment, and the encryption subkey, made at that moment, came
"before" its primary, which gpg refuses. These tests make that happen on purpose.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from supervision.demo.replay import Keyring
from supervision.demo.story import DemoError, Person

WHEN = dt.datetime(2025, 8, 20, 10, 0, tzinfo=dt.UTC)
EXPIRES = dt.date(2030, 1, 1)


@pytest.fixture
def keyring() -> Iterator[Keyring]:
    base = Path(tempfile.mkdtemp(dir="/tmp", prefix="dk-"))  # short: gpg-agent sockets
    ring = Keyring(base / "gnupg")
    yield ring
    ring.stop()
    shutil.rmtree(base, ignore_errors=True)


def _dates(ring: Keyring, fingerprint: str) -> dict[str, list[int]]:
    listing = ring.gpg("--with-colons", "--list-keys", fingerprint).decode()
    dates: dict[str, list[int]] = {"pub": [], "sub": []}
    for line in listing.splitlines():
        kind = line.split(":")[0]
        if kind in dates:
            dates[kind].append(int(line.split(":")[5]))
    return dates


def test_a_key_and_its_subkey_are_dated_at_the_story_moment(keyring: Keyring) -> None:
    person = Person(id="dsl-example", name="Ada Example", roles=["dsl"])
    fingerprint = keyring.create(person, WHEN, EXPIRES, encryption=True)
    assert _dates(keyring, fingerprint) == {"pub": [int(WHEN.timestamp())],
                                            "sub": [int(WHEN.timestamp())]}


def test_a_primary_key_dated_late_still_gets_its_subkey(keyring: Keyring) -> None:
    # what a slow machine did with a running clock: the primary came out seconds late
    late = WHEN + dt.timedelta(seconds=5)
    keyring.gpg("--quick-gen-key", "Late Example <late@example.invalid>", "ed25519", "sign",
                EXPIRES.isoformat(), when=late)
    listing = keyring.gpg("--with-colons", "--list-secret-keys", "late@example.invalid")
    fingerprint = next(line.split(":")[9] for line in listing.decode().splitlines()
                       if line.startswith("fpr"))
    keyring.add_encryption(fingerprint, EXPIRES)
    assert _dates(keyring, fingerprint) == {"pub": [int(late.timestamp())],
                                            "sub": [int(late.timestamp())]}


def test_a_gpg_failure_names_its_cause(keyring: Keyring) -> None:
    person = Person(id="dsl-cause", name="Cause Example", roles=["dsl"])
    fingerprint = keyring.create(person, WHEN, EXPIRES)
    with pytest.raises(DemoError) as caught:  # a subkey "before" its primary: refused
        keyring.gpg("--quick-add-key", fingerprint, "cv25519", "encr", EXPIRES.isoformat(),
                    when=WHEN - dt.timedelta(seconds=2))
    message = str(caught.value)
    assert "Key generation failed" in message and "Time conflict" in message, message
    assert "gpg --version" in caught.value.hint

"""Throwaway keys that can receive sealed records (tests of issue 19).

Real gpg in short GNUPGHOMEs (tests/signing.py's Keyrings): an ed25519 signing key
with a cv25519 encryption subkey per person, made once per test module.
"""

from __future__ import annotations

from dataclasses import dataclass

from signing import Keyrings


@dataclass
class Person:
    name: str
    fpr: str
    home: str
    public: bytes


def person_with_encryption(keyrings: Keyrings, name: str, uid: str) -> Person:
    fpr = keyrings.new_key(name, uid)
    keyrings.gpg(name, "--quick-add-key", fpr, "cv25519", "encr", "2y")
    return Person(name, fpr, str(keyrings.home(name)), keyrings.export(name, fpr))

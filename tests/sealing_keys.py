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


def mark_free_text(data: dict, form, mark) -> None:
    """Every non-empty text/line answer of ``data`` replaced by ``mark()`` (in place)."""
    def visit(value: dict, fields) -> None:
        by = {f.name: f for f in fields}
        for key, item in list(value.items()):
            f = by.get(key)
            if f is None:
                continue
            if f.type in ("text", "line") and item:
                value[key] = mark()
            elif f.is_mapping and isinstance(item, dict):
                visit(item, f.fields)
            elif f.fields and isinstance(item, list):
                for sub in item:
                    if isinstance(sub, dict):
                        visit(sub, f.fields)

    visit(data, form.fields)

"""``NAME.yaml.readers``: the wrapped data keys beside a sealed record.

Sign-offs name the record's blob, not this file, so adding or removing a reader
changes no signed content. One entry per sealed version (named by its nonce),
newest first; each entry lists its readers' fingerprints (visible on purpose, so
admins can audit who reads what) and the OpenPGP message holding the data key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from supervision.sealing.stored import load_yaml
from supervision.signing.signoff import READERS_SUFFIX as SUFFIX

VERSION = 1
#: Versions kept: the newest sealings of one record (drafts, edits); older entries
#: are still in history, and the committed version is always among the newest.
KEEP = 20
_HEADER = ("# Who can read the sealed record beside this file: its data key, wrapped to\n"
           "# each reader's key. Written by supervision; do not edit by hand.\n")


class SidecarError(ValueError):
    """The sidecar is missing or damaged."""


@dataclass
class Entry:
    sealed: str  # the sealed version's nonce, base64
    readers: list[str]
    message: bytes


@dataclass
class Sidecar:
    entries: list[Entry] = field(default_factory=list)

    def find(self, nonce_id: str) -> Entry | None:
        return next((e for e in self.entries if e.sealed == nonce_id), None)

    def put(self, entry: Entry) -> None:
        self.entries = [entry, *[e for e in self.entries if e.sealed != entry.sealed]][:KEEP]

    def dump(self) -> bytes:
        data = {"version": VERSION, "keys": [
            {"sealed": e.sealed, "readers": list(e.readers),
             "message": e.message.decode("ascii")} for e in self.entries]}
        return _HEADER.encode() + yaml.safe_dump(data, sort_keys=False, width=200).encode()


def sidecar_path(record_path: str) -> str:
    return record_path + SUFFIX


def load(raw: bytes) -> Sidecar:
    try:
        data = load_yaml(raw)
        entries = [Entry(str(e["sealed"]), [str(r) for r in e.get("readers", [])],
                         str(e["message"]).encode("ascii")) for e in data["keys"]]
    except (yaml.YAMLError, KeyError, TypeError, AttributeError, UnicodeEncodeError):
        raise SidecarError("the list of readers is damaged") from None
    return Sidecar(entries)

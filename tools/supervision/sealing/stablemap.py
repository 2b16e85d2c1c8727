"""The clean filter's memory in ``.git/supervision/seal/``, so it is stable.

An unchanged readable record must give git the same stored bytes, or git sees it
as modified for ever. The map goes from an HMAC of (path, readable bytes) under a
random key made for this clone (never committed; not a bare hash, which could be
guessed for a short record) to the sealed text it came from or went to. Action
and decision ids are remembered the same way, by an HMAC of their text, per record.
Nothing here is readable text: only HMACs, ids and sealed (encrypted) records.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

KEY_BYTES = 32


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(fd, "wb") as out:
        out.write(data)
    os.replace(temp, path)


class StableMap:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        if self._key is None:
            path = self.folder / "key"
            try:
                key = path.read_bytes()
            except OSError:
                key = b""
            if len(key) != KEY_BYTES:
                key = secrets.token_bytes(KEY_BYTES)
                _write_private(path, key)
            self._key = key
        return self._key

    def _name(self, path: str, readable: bytes) -> Path:
        digest = hmac.new(self.key, b"record\0" + path.encode() + b"\0" + readable,
                          hashlib.sha256).hexdigest()
        return self.folder / "map" / digest[:2] / digest[2:]

    def lookup(self, path: str, readable: bytes) -> bytes | None:
        try:
            return self._name(path, readable).read_bytes()
        except OSError:
            return None

    def find(self, path: str, readable: bytes) -> bytes | None:
        """:meth:`lookup` for a reader of the map only: never makes this clone's key."""
        if self._key is None and not (self.folder / "key").is_file():
            return None
        return self.lookup(path, readable)

    def remember(self, path: str, readable: bytes, sealed: bytes) -> None:
        _write_private(self._name(path, readable), sealed)

    def _ids_file(self, path: str) -> Path:
        digest = hmac.new(self.key, b"ids\0" + path.encode(), hashlib.sha256).hexdigest()
        return self.folder / "ids" / digest

    def action_ids(self, path: str) -> dict[str, str]:
        try:
            data = json.loads(self._ids_file(path).read_text())
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def remember_ids(self, path: str, ids: dict[str, str]) -> None:
        if ids:
            merged = {**self.action_ids(path), **ids}
            _write_private(self._ids_file(path), json.dumps(merged, sort_keys=True).encode())

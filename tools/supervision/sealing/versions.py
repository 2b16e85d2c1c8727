"""Stored versions of sealed records, opened for the person running a command.

``supervision history`` and ``supervision export`` read record versions from git
(earlier versions, deleted records), where they are always in sealed form. For a
reader, :func:`open_versions` gives back the readable bytes, unwrapping every data
key with one run of the person's own GnuPG; for anyone else, None: the caller then
says "you are not a reader of this record" and shows the clear part only.

:func:`clear_part` is what a non-reader may be shown of a sealed version: its clear
fields, without the sealed block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from supervision.sealing import sidecar as sidecars
from supervision.sealing import stored
from supervision.sealing.keys import GpgUnwrapper, Unwrapper
from supervision.sealing.seal import SealError, open_record
from supervision.sealing.split import SEALED_KEY

#: What a non-reader is shown in place of a sealed answer.
NOT_A_READER = "(sealed: you are not a reader of this record)"
#: ... and once per record, what to do about it.
NOT_A_READER_NOTE = ("You are not a reader of this record: its answers in words are sealed, "
                     "so this copy shows only its dates, people and choices. Only the "
                     "record's own people, the readers your school names (such as the "
                     "headteacher) and the records admins can open it: ask one of them to "
                     "make the export if the person needs the answers too.")


def is_sealed_data(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get(SEALED_KEY), dict)


def clear_part(data: dict[str, Any]) -> dict[str, Any]:
    """The clear fields of a sealed version (no sealed block, no ciphertext)."""
    return {k: v for k, v in data.items() if k != SEALED_KEY}


def open_versions(git: Any, items: Sequence[tuple[str, bytes, str | None]],
                  unwrapper: Unwrapper | None = None) -> list[bytes | None]:
    """For (path, stored bytes, commit holding it) items: the readable bytes of each
    sealed version this person can open, else None (not sealed, not a reader, or no
    readers file for it). Its readers file is read from the same commit."""
    wanted: dict[str, str] = {}
    parsed: list[stored.StoredRecord | None] = []
    for path, raw, commit in items:
        record = None
        if stored.looks_sealed(raw):
            try:
                record = stored.parse(raw)
            except stored.StoredError:
                record = None
        parsed.append(record)
        if record is not None and commit:
            wanted[f"{commit}:{sidecars.sidecar_path(path)}"] = path
    found = git.read_objects(wanted) if wanted else {}
    entries: list[sidecars.Entry | None] = []
    for (path, _raw, commit), record in zip(items, parsed, strict=True):
        entry = None
        obj = found.get(f"{commit}:{sidecars.sidecar_path(path)}") if record else None
        if record is not None and obj is not None:
            try:
                entry = sidecars.load(obj.data).find(record.nonce_id)
            except sidecars.SidecarError:
                entry = None
        entries.append(entry)
    todo = [i for i, e in enumerate(entries) if e is not None]
    if not todo:
        return [None] * len(items)
    keys = (unwrapper or GpgUnwrapper()).unwrap(
        [entries[i].message for i in todo])  # type: ignore[union-attr]
    out: list[bytes | None] = [None] * len(items)
    for i, key in zip(todo, keys, strict=True):
        if key is None:
            continue
        path, raw, _commit = items[i]

        def given(_message: bytes, data_key: bytes = key) -> bytes | None:
            return data_key

        try:
            out[i] = open_record(raw, path, entries[i], given)
        except SealError:
            out[i] = None
    return out

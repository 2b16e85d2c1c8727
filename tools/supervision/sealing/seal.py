"""One record sealed to its readers, and opened again by one of them.

``seal_record``: the readable bytes -> the stored text (clear part + sealed block)
and the sidecar entry (the data key wrapped to every reader). ``open_record``: the
stored text + the sidecar entry + the person's unwrapped data key -> the exact
readable bytes. Both are pure apart from the key interfaces they are given.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from supervision.forms.definition import Form
from supervision.forms.yamlparse import parse_bytes
from supervision.sealing import envelope, stored
from supervision.sealing.keys import Wrapper
from supervision.sealing.sidecar import Entry
from supervision.sealing.split import Split, new_action_id, split


class SealError(Exception):
    """The record cannot be sealed or opened; ``str()`` says why in plain words."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True, slots=True)
class SealedVersion:
    stored: bytes
    entry: Entry
    action_ids: dict[str, str]  # keyed action text (see ``action_key``) -> id


def action_key(secret: bytes, text: str) -> str:
    """What an action's id is remembered by in this clone: an HMAC of its text under
    the clone's own key, so the map holds no guessable hash of free text."""
    return hmac.new(secret, b"action\0" + " ".join(text.split()).encode(), hashlib.sha256
                    ).hexdigest()[:32]


def _actions(data: Any, clear: Any, form: Form | None) -> list[tuple[dict[str, Any], Any]]:
    """(readable action item, its clear item) for every action of the record."""
    out: list[tuple[dict[str, Any], Any]] = []

    def visit(value: Any, cleared: Any, fields: Any) -> None:
        if not isinstance(value, dict) or not isinstance(cleared, dict):
            return
        for f in fields:
            item, clear_item = value.get(f.name), cleared.get(f.name)
            if f.type == "actions" and isinstance(item, list) and isinstance(clear_item, list):
                mine = [i for i in item if isinstance(i, dict)]
                out.extend(zip(mine, clear_item, strict=False))
            elif f.is_mapping:
                visit(item, clear_item, f.fields)

    if form is not None:
        visit(data, clear, form.fields)
    return out


def seal_record(plaintext: bytes, path: str, form: Form | None, certs: dict[str, Any],
                wrapper: Wrapper, secret: bytes = b"",
                known_ids: dict[str, str] | None = None) -> SealedVersion:
    """Seal ``plaintext`` (the readable file) at ``path`` to ``certs``.

    Actions keep the id an earlier version gave the same text (``known_ids``, keyed
    by :func:`action_key` under ``secret``); new actions get a new random id.
    """
    if not certs:
        raise SealError(f"{path} cannot be sealed: none of its readers has a key that can "
                        "receive it", "Each reader needs an encryption key: `supervision keys "
                        "create` makes one; a records admin registers it.")
    doc, _problems = parse_bytes(plaintext, path)
    data = doc.data if doc is not None and isinstance(doc.data, dict) else None
    known = known_ids or {}

    def action_id(item: dict[str, Any]) -> str:
        text = item.get("action")
        if isinstance(text, str) and secret:
            return known.get(action_key(secret, text)) or new_action_id()
        return new_action_id()

    parts = split(data, form, action_id) if data is not None and form is not None else Split({})
    bound = stored.head(parts.clear, parts.sealed_fields)
    key = envelope.new_data_key()
    sealed = envelope.seal(key, plaintext, path, bound)
    text = stored.render(bound, sealed)
    record = stored.parse(text)
    entry = Entry(record.nonce_id, sorted(certs), wrapper.wrap(key, certs.values()))
    ids = {}
    if secret and data is not None:
        for item, clear_item in _actions(data, parts.clear, form):
            if isinstance(item.get("action"), str) and isinstance(clear_item, dict):
                ids[action_key(secret, item["action"])] = str(clear_item.get("id"))
    return SealedVersion(text, entry, ids)


def open_record(raw: bytes, path: str, entry: Entry | None,
                unwrap: Callable[[bytes], bytes | None]) -> bytes | None:
    """The readable bytes, or None when this person cannot open the data key."""
    record = stored.parse(raw)
    if entry is None or entry.sealed != record.nonce_id:
        return None
    key = unwrap(entry.message)
    if key is None:
        return None
    try:
        return envelope.open_sealed(key, record.sealed, path, record.bound)
    except envelope.EnvelopeError as exc:
        raise SealError(f"{path}: {exc}", "Ask your records admin: the record may have been "
                        "changed outside the tools.") from None


def known_action_ids(plaintext: bytes, clear_text: bytes, path: str, form: Form | None,
                     secret: bytes, data: Any = None) -> dict[str, str]:
    """The action ids a stored version gave its actions, keyed as ``seal_record`` looks
    them up (so an unchanged action keeps its id in the next version). ``data``: the
    plaintext already parsed, when the caller has it."""
    import yaml

    if data is None:
        doc, _problems = parse_bytes(plaintext, path)
        data = doc.data if doc is not None else None
    if not isinstance(data, dict):
        return {}
    try:
        clear = stored.load_yaml(clear_text) or {}
    except yaml.YAMLError:
        return {}
    out = {}
    for item, clear_item in _actions(data, clear, form):
        if isinstance(item.get("action"), str) and isinstance(clear_item, dict):
            out[action_key(secret, item["action"])] = str(clear_item.get("id"))
    return out

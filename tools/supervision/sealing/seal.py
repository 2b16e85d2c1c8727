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
from supervision.sealing.split import ID_PREFIXES, Split, new_item_id, split


class SealError(Exception):
    """The record cannot be sealed or opened; ``str()`` says why in plain words."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True, slots=True)
class SealedVersion:
    stored: bytes
    entry: Entry
    #: keyed wording of each action and decision (see ``item_key``) -> its id
    action_ids: dict[str, str]


#: The answer holding an item's wording, by the item's type.
WORDING = {"actions": "action", "decisions": "decision"}


def action_key(secret: bytes, text: str, kind: str = "actions") -> str:
    """What an action's (or decision's) id is remembered by in this clone: an HMAC of its
    text under the clone's own key, so the map holds no guessable hash of free text."""
    tag = b"action\0" if kind == "actions" else kind.encode() + b"\0"
    return hmac.new(secret, tag + " ".join(text.split()).encode(), hashlib.sha256
                    ).hexdigest()[:32]


def _items(data: Any, clear: Any, form: Form | None
           ) -> list[tuple[str, dict[str, Any], Any]]:
    """(type, readable item, its clear item) for every action and decision of the record."""
    out: list[tuple[str, dict[str, Any], Any]] = []

    def visit(value: Any, cleared: Any, fields: Any) -> None:
        if not isinstance(value, dict) or not isinstance(cleared, dict):
            return
        for f in fields:
            item, clear_item = value.get(f.name), cleared.get(f.name)
            if f.is_mapping:
                visit(item, clear_item, f.fields)
            elif f.fields and isinstance(item, list) and isinstance(clear_item, list):
                mine = [i for i in item if isinstance(i, dict)]
                for one, clear_one in zip(mine, clear_item, strict=False):
                    if f.type in ID_PREFIXES:
                        out.append((f.type, one, clear_one))
                    else:
                        visit(one, clear_one, f.fields)

    if form is not None:
        visit(data, clear, form.fields)
    return out


def _known(secret: bytes, data: Any, clear: Any, form: Form | None) -> dict[str, str]:
    out = {}
    for kind, item, clear_item in _items(data, clear, form):
        text = item.get(WORDING[kind])
        if isinstance(text, str) and isinstance(clear_item, dict) and clear_item.get("id"):
            out[action_key(secret, text, kind)] = str(clear_item["id"])
    return out


def seal_record(plaintext: bytes, path: str, form: Form | None, certs: dict[str, Any],
                wrapper: Wrapper, secret: bytes = b"",
                known_ids: dict[str, str] | None = None) -> SealedVersion:
    """Seal ``plaintext`` (the readable file) at ``path`` to ``certs``.

    Actions and decisions keep the id an earlier version gave the same text
    (``known_ids``, keyed by :func:`action_key` under ``secret``); new ones, and one
    reworded, get a new random id.
    """
    if not certs:
        raise SealError(f"{path} cannot be sealed: none of its readers has a key that can "
                        "receive it", "Each reader needs an encryption key: `supervision keys "
                        "create` makes one; a records admin registers it.")
    doc, _problems = parse_bytes(plaintext, path)
    data = doc.data if doc is not None and isinstance(doc.data, dict) else None
    known = known_ids or {}

    def item_id(kind: str, item: dict[str, Any]) -> str:
        text = item.get(WORDING[kind])
        if isinstance(text, str) and secret:
            return known.get(action_key(secret, text, kind)) or new_item_id(kind)
        return new_item_id(kind)

    parts = split(data, form, item_id) if data is not None and form is not None else Split({})
    bound = stored.head(parts.clear, parts.sealed_fields)
    key = envelope.new_data_key()
    sealed = envelope.seal(key, plaintext, path, bound)
    text = stored.render(bound, sealed)
    record = stored.parse(text)
    entry = Entry(record.nonce_id, sorted(certs), wrapper.wrap(key, certs.values()))
    ids = _known(secret, data, parts.clear, form) if secret and data is not None else {}
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
    """The ids a stored version gave its actions and decisions, keyed as ``seal_record``
    looks them up (so an unchanged one keeps its id in the next version). ``data``: the
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
    return _known(secret, data, clear, form)

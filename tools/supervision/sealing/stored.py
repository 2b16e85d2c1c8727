"""The stored text of a sealed record: its clear part, then the ``sealed:`` block.

::

    kind: session
    ...clear fields...
    sealed:
      version: 1
      fields: [wellbeing.discussion, ...]
      nonce: <base64>
      ciphertext: |
        <base64 lines>

The associated data is the record's path and every byte up to and including the
``fields:`` line (the clear part and the sealed field names), exactly as stored,
so the ciphertext opens only under the text it was sealed with. The plaintext is
the readable file's exact bytes, comments and layout included.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

import yaml

from supervision.sealing.envelope import Sealed

VERSION = 1
_WIDTH = 76
_HEAD = re.compile(
    rb"(?P<bound>(?P<clear>(?:.*\n)?)sealed:\n  version: (?P<version>\d+)\n"
    rb"  fields: (?P<fields>\[.*\])\n)"
    rb"  nonce: (?P<nonce>[A-Za-z0-9+/=]+)\n"
    rb"  ciphertext: \|\n(?P<ct>(?:    [A-Za-z0-9+/=]+\n)+)\Z", re.S)
#: Cheap test used by the filter and the checker: a sealed block at the top level.
_MARK = re.compile(rb"(?:\A|\n)sealed:\n  version: ")


#: libyaml's parser where PyYAML has it (as forms/yamlparse.py): a checkout opens every
#: record, and the pure-Python parser was most of that time. Reading only: what the
#: tools write is still written by ``yaml.safe_dump``.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(raw: bytes | str) -> Any:
    """``yaml.safe_load``, with the C parser when there is one."""
    return yaml.load(raw, Loader=_LOADER)  # noqa: S506 (a safe loader)


class StoredError(ValueError):
    """The text looks sealed but its sealed block is damaged."""


@dataclass(frozen=True, slots=True)
class StoredRecord:
    clear_text: bytes   # the clear fields, as stored
    bound: bytes        # what the associated data covers: clear text + head of the block
    fields: tuple[str, ...]
    sealed: Sealed
    version: int = VERSION

    @property
    def nonce_id(self) -> str:
        """Names this sealed version in the sidecar."""
        return base64.b64encode(self.sealed.nonce).decode("ascii")


def looks_sealed(raw: bytes) -> bool:
    return _MARK.search(raw) is not None


def dump_clear(clear: dict[str, Any]) -> bytes:
    if not clear:
        return b""
    return yaml.safe_dump(clear, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=False).encode("utf-8")


def head(clear: dict[str, Any], fields: list[str]) -> bytes:
    """The bytes the associated data covers, before the ciphertext exists."""
    names = yaml.safe_dump(list(fields), default_flow_style=True, width=10_000).strip()
    return dump_clear(clear) + (f"sealed:\n  version: {VERSION}\n  fields: {names}\n"
                                ).encode()


def render(bound: bytes, sealed: Sealed) -> bytes:
    text = base64.b64encode(sealed.ciphertext).decode("ascii")
    lines = "".join(f"    {text[i:i + _WIDTH]}\n" for i in range(0, len(text), _WIDTH))
    nonce = base64.b64encode(sealed.nonce).decode("ascii")
    return bound + f"  nonce: {nonce}\n  ciphertext: |\n{lines}".encode("ascii")


def parse(raw: bytes) -> StoredRecord:
    found = _HEAD.match(raw)
    if found is None:
        raise StoredError("the sealed block at the end of the record is damaged or was "
                          "edited by hand")
    try:
        fields = load_yaml(found["fields"])
        nonce = base64.b64decode(found["nonce"], validate=True)
        ct = base64.b64decode(b"".join(line.strip() for line in found["ct"].splitlines()),
                              validate=True)
    except (yaml.YAMLError, ValueError):
        raise StoredError("the sealed block at the end of the record is damaged") from None
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise StoredError("the sealed block's list of fields is damaged")
    return StoredRecord(found["clear"], found["bound"], tuple(fields), Sealed(nonce, ct),
                        int(found["version"]))

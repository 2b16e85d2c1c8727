"""The names deny list: a file the school keeps OUTSIDE the records repository.

Where it is: the environment variable ``SUPERVISION_DENY_LIST`` if set (so one
computer can point at its own copy, e.g. a mounted share), otherwise
``privacy.deny_list`` in supervision.yml (relative paths are relative to the
repository). No deny list configured means no name checking beyond staff names,
and ``supervision check`` warns about it (``PRIVACY-DENY-LIST-UNSET``) until a list is
set or the school turns it off explicitly with ``deny_list: none`` (or
``SUPERVISION_DENY_LIST=none``): source ``"none"`` (unset) versus ``"off"``.

What it holds: either one name per line (blank lines and lines starting with
``#`` are ignored), or a CSV export from the pupil database. In a CSV whose first
row is a header, only the columns whose header mentions a name are used
("Forename", "Legal Surname", "Known As", "Parent Name"...), so columns such as
year group or gender never become "names". Cells holding digits, ``@`` or ``/``
are skipped. A cell of several words is matched as a whole and each word of
three letters or more is also matched on its own, except joining words such as
"van", "de" or "bin".

Nothing read from the file is ever printed: findings say "a name on the deny
list", and problems with the file say which line, never what is on it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ENV = "SUPERVISION_DENY_LIST"
#: The setting's value that turns name checking off on purpose.
OFF = "none"
MAX_BYTES = 20_000_000

_HEADER = re.compile(r"\w*name\b|\bknown as\b|\balias\b")
_NOT_A_NAME = re.compile(r"[\d@/\\]")
_PARTICLES = frozenset({
    "van", "von", "der", "den", "de", "del", "della", "la", "le", "da", "di", "dos", "das",
    "du", "bin", "ibn", "bint", "al", "el", "ben", "ap", "mac", "st", "ter", "ten", "y",
})


@dataclass
class DenyList:
    """What was read: the names, where from, and any problem reading it."""

    path: Path | None
    source: str  # "env", "config", "none" (not set) or "off" (set to none)
    names: list[str] = field(default_factory=list)
    digest: str = ""
    error: str | None = None


def locate(root: Path, configured: str | None) -> tuple[Path | None, str]:
    """The deny list's path and where the setting came from (env wins over config)."""
    env = os.environ.get(ENV, "").strip()
    if env.lower() == OFF:
        return None, "off"
    if env:
        path = Path(env).expanduser()
        return (path if path.is_absolute() else Path.cwd() / path), "env"
    if configured and configured.strip().lower() == OFF:
        return None, "off"
    if configured:
        path = Path(configured).expanduser()
        return (path if path.is_absolute() else root / path), "config"
    return None, "none"


def load(root: Path, configured: str | None) -> DenyList:
    path, source = locate(root, configured)
    result = DenyList(path, source)
    if path is None:
        return result
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        result.error = f"cannot be read ({exc.strerror or type(exc).__name__})"
        return result
    if len(raw) > MAX_BYTES:
        result.error = f"is larger than {MAX_BYTES:,} bytes; it should be a list of names"
        return result
    result.digest = hashlib.sha256(raw).hexdigest()
    if path.resolve().is_relative_to(root.resolve()):
        result.error = ("is inside the records repository, where it could be committed; "
                        "move it outside")
    text = _decode(raw)
    result.names = parse(text, path.suffix.lower() in (".csv", ".tsv"))
    if not result.names and result.error is None:
        result.error = "holds no names"
    return result


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without a byte order mark), else Windows-1252 as Excel writes it."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def parse(text: str, is_csv: bool) -> list[str]:
    lines = text.splitlines()
    sample = "\n".join(lines[:20])
    if not is_csv and not any(sep in sample for sep in (",", "\t", ";")):
        return _names(line for line in lines if not line.lstrip().startswith("#"))
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)]
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    columns = [i for i, cell in enumerate(header) if _HEADER.search(cell)]
    if columns:
        cells = (row[i] for row in rows[1:] for i in columns if i < len(row))
    else:
        cells = (cell for row in rows for cell in row)
    return _names(cells)


def _names(cells: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for cell in cells:
        for part in re.split(r"[,;|]", cell):
            name = " ".join(part.split())
            if len(name) < 2 or _NOT_A_NAME.search(name):
                continue
            seen.setdefault(name, None)
            pieces = re.split(r"[\s\-]+", name)
            if len(pieces) > 1:
                for piece in pieces:
                    word = piece.strip(".'’")
                    if len(word) >= 3 and word.lower() not in _PARTICLES:
                        seen.setdefault(word, None)
    return list(seen)

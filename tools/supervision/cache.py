"""The store of what the tools derive: one SQLite database per clone, never committed.

Everything the tools work out and may reuse lives in ``.git/supervision/store.sqlite``
(outside git, in ``.supervision-cache/``): each record's findings and facts, keyed by
the git blob id of the bytes checked and the salt of the settings that shaped them;
verify's per-commit results; sign-offs and commit dates per HEAD; whole runs. A
:class:`Cache` is one namespace of it: ``get``/``put`` rows by key, each with a
*stamp* (what must be unchanged for the row to be reused) and the *salt* it was made
under; ``save`` writes what changed in one transaction, and ``write`` takes rows from a
generator, each made and encoded only as it is written (tens of thousands of rows, or
a few large ones, never all in memory at once).

The ``meta`` table keeps, per namespace, the salt its rows were all made under and a
count of the saves that wrote to it: a save under the same salt then deletes nothing
(a scan of every row of the namespace, tens of megabytes in a large trust, is only
needed when the salt changed), and :meth:`Cache.written` tells in one lookup whether
another command has written since.

Rows are read only when asked for, so checking one record in a trust of tens of
thousands reads the handful of rows it needs (a person index finds the records that
share a person with it), not a file of every record. SQLite's write-ahead log lets a
``status`` read while the pre-commit hook writes; writers wait for each other
(``busy_timeout``). A schema version change rebuilds the store silently; a missing,
corrupt or unwritable store only costs time (the tools then keep rows in memory).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gc
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import supervision

CACHE_FORMAT = 4  # 4: the SQLite store
SCHEMA = 4  # 2: blob and commit ids stored as they are; 3: rowid rows, people by record;
#            4: each namespace's salt and write count in meta
STORE_FILE = "store.sqlite"
_CHUNK = 900  # SQLite's limit on bound parameters is 999 on older builds


def cache_dir(root: Path) -> Path:
    git = root / ".git"
    if git.is_dir():
        return git / "supervision"
    if git.is_file():  # a worktree or submodule: .git names the real folder
        text = git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            real = Path(text.split(":", 1)[1].strip())
            return (root / real if not real.is_absolute() else real) / "supervision"
    return root / ".supervision-cache"


@functools.cache
def code_fingerprint() -> str:
    """The package's code (:func:`supervision.code_fingerprint`) and the store's format:
    every store namespace's salt starts from it."""
    return hashlib.sha256(f"{CACHE_FORMAT}:{supervision.code_fingerprint()}".encode()
                          ).hexdigest()


def salt(root: Path, extra_files: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256(code_fingerprint().encode())
    digest.update(extra.encode())
    for path in extra_files:
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _stamp_text(stamp: Any) -> str:
    """How a stamp is stored: a blob or commit id as it is (compared without decoding),
    anything else as JSON."""
    if isinstance(stamp, str):
        return stamp
    if stamp == []:  # the stamp of rows that need none: verify reads 50,000 of them
        return "=[]"
    return "=" + json.dumps(stamp, separators=(",", ":"))


def _stamp_value(text: str) -> Any:
    return json.loads(text[1:]) if text.startswith("=") else text


@contextlib.contextmanager
def gc_paused(rows: int) -> Iterator[None]:
    """Decoding thousands of rows makes millions of small objects, and the cyclic
    garbage collector would walk them all again and again (it is two thirds of the
    time of reading every record's row): paused meanwhile, as none of them is garbage."""
    if rows < 1000 or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Encoded:
    """A value already written as its stored JSON (compact separators, as every row is):
    ``put`` keeps the text as it is and the row is written from it, so a process that
    made it (a worker checking records) hands it on without it being decoded and
    encoded again."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _connect(path: Path) -> sqlite3.Connection:
    """The store at ``path`` with its tables. A damaged file is only a store: it is
    deleted and made again. When even that fails (a read-only folder), an in-memory
    store: nothing is kept, nothing fails."""
    for attempt in ("open", "remake", "memory"):
        target = None if attempt == "memory" else path
        try:
            if attempt == "remake":
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(OSError):
                        os.unlink(f"{path}{suffix}")
            if target is not None:
                target.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(target) if target else ":memory:", timeout=60,
                                   isolation_level=None, check_same_thread=False)
            try:
                conn.execute("PRAGMA busy_timeout = 60000")
                if target is not None:
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute("PRAGMA synchronous = NORMAL")
                _schema(conn)
            except sqlite3.Error:
                conn.close()
                raise
            return conn
        except sqlite3.DatabaseError:
            continue  # not a database (damaged): remake it
        except (sqlite3.Error, OSError):
            if attempt == "open":
                continue
    raise RuntimeError("SQLite cannot open even an in-memory database")  # pragma: no cover


#: Inside :func:`one_connection`: the connections opened so far, by (process, file).
_SHARED: contextvars.ContextVar[dict[tuple[int, str], sqlite3.Connection] | None] = \
    contextvars.ContextVar("supervision_store_connections", default=None)


@contextlib.contextmanager
def one_connection() -> Iterator[None]:
    """Within this block every :class:`Cache` of one store file shares one connection,
    closed when the block ends. A one-record check makes a dozen namespaces' caches;
    opening SQLite and closing it again (the last connection to close checkpoints the
    write-ahead log into the file) cost more than all their queries. Used around one
    command (never around a long-running server): nothing is kept between commands. A
    process forked inside the block opens its own connections (a connection must not
    cross a fork); the context of a new thread starts without any."""
    if _SHARED.get() is not None:
        yield
        return
    opened: dict[tuple[int, str], sqlite3.Connection] = {}
    token = _SHARED.set(opened)
    pid = os.getpid()
    try:
        yield
    finally:
        _SHARED.reset(token)
        for (owner, _path), conn in opened.items():
            if owner == pid:
                conn.close()


def _schema(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
    found = next(iter(conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchall()), None)
    if found is not None and found[0] == str(SCHEMA):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = next(iter(conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchall()), None)
        if found is None or found[0] != str(SCHEMA):  # rebuilt silently, once
            conn.execute("DROP TABLE IF EXISTS rows")
            conn.execute("DROP TABLE IF EXISTS people")
            # An ordinary (rowid) table: its index on (ns, key) holds only the keys. As a
            # WITHOUT ROWID table every row would sit whole in the key's b-tree, and a few
            # large values (a run's findings) made inserting 20,000 small rows next to
            # them take half a minute.
            conn.execute("CREATE TABLE rows (ns TEXT, key TEXT, salt TEXT, stamp TEXT, "
                         "value TEXT, PRIMARY KEY (ns, key))")
            # Keyed by record (rewritten with it), indexed by person (looked up by it).
            conn.execute("CREATE TABLE people (ns TEXT, key TEXT, person TEXT, "
                         "PRIMARY KEY (ns, key, person)) WITHOUT ROWID")
            conn.execute("CREATE INDEX people_by_person ON people (ns, person)")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
        conn.execute("COMMIT")
    except sqlite3.Error:
        conn.execute("ROLLBACK")
        raise


class Cache:
    """One namespace of the store: key -> (stamp, value), under one salt.

    ``stamp`` is any JSON value (a file's blob id, a commit id, ``[]``); a row is
    reused only when both its stamp and its salt match. Values are JSON.
    """

    def __init__(self, root: Path, name: str, salt_value: str,
                 folder: Path | None = None) -> None:
        # ``folder``: somewhere other than the repository's own cache folder (the
        # server hook keeps its store inside the bare repository).
        self.path = (folder or cache_dir(root)) / STORE_FILE
        self.ns = name
        self.salt = salt_value
        self._conn: sqlite3.Connection | None = None
        self._shared = False  # the connection belongs to one_connection()
        self._rows: dict[str, tuple[str, str]] | None = None  # preloaded: key -> raw
        self._taken: set[str] = set()  # preloaded rows let go of by ``take``
        self._put: dict[str, tuple[Any, Any, list[str] | None]] = {}
        self._drop: set[str] = set()
        self._clear = False

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            shared = _SHARED.get()
            if shared is None:
                self._conn = _connect(self.path)
            else:
                key = (os.getpid(), str(self.path))
                if key not in shared:
                    shared[key] = _connect(self.path)
                self._conn = shared[key]
                self._shared = True
        return self._conn

    # -- reading ---------------------------------------------------------------------
    def preload(self) -> None:
        """Read every row of this namespace at once (for callers that need them all)."""
        if self._rows is None:
            self._rows = {key: (stamp, value) for key, stamp, value in self.conn.execute(
                "SELECT key, stamp, value FROM rows WHERE ns = ? AND salt = ?",
                (self.ns, self.salt))}

    def get(self, key: str, stamp: Any) -> Any:
        if key in self._put:
            put_stamp, value, _people = self._put[key]
            if isinstance(value, Encoded):
                value = json.loads(value.text)
            return value if put_stamp == stamp else None
        if self._clear or key in self._drop:
            return None
        if self._rows is not None and key not in self._taken:
            raw = self._rows.get(key)
        else:
            # fetchall: the statement ends at once and holds no read snapshot open.
            found = self.conn.execute("SELECT stamp, value FROM rows WHERE ns = ? AND key = ? "
                                      "AND salt = ?", (self.ns, key, self.salt)).fetchall()
            raw = found[0] if found else None
        if raw is None or raw[0] != _stamp_text(stamp):
            return None
        return json.loads(raw[1])

    def take(self, key: str, stamp: Any) -> Any:
        """``get``, letting go of the row's preloaded text once read (a caller that reads
        each of tens of thousands of rows once never holds them all as text and as
        values together)."""
        value = self.get(key, stamp)
        if self._rows is not None and self._rows.pop(key, None) is not None:
            self._taken.add(key)  # read from the database if asked for again
        return value

    def get_many(self, keys: Iterable[str], stamps: dict[str, Any],
                 pick: Callable[[Any], Any] | None = None) -> dict[str, Any]:
        """The values of those of ``keys`` whose stored stamp is ``stamps[key]``.

        ``pick``: applied to each value as it is decoded, so a caller that needs a
        little of every row never holds every whole row at once."""
        wanted = [k for k in keys if k in stamps]
        found: dict[str, Any] = {}
        with gc_paused(len(wanted)):
            self._get_many(wanted, stamps, found, pick)
        return found

    def _get_many(self, wanted: list[str], stamps: dict[str, Any], found: dict[str, Any],
                  pick: Callable[[Any], Any] | None) -> None:
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for key, stamp, value in self.conn.execute(
                    f"SELECT key, stamp, value FROM rows WHERE ns = ? AND salt = ? "
                    f"AND key IN ({marks})", (self.ns, self.salt, *chunk)):
                if stamp == _stamp_text(stamps[key]):
                    found[key] = json.loads(value) if pick is None else pick(json.loads(value))

    def parts(self, prefix: str, count: int, stamp: Any) -> Iterator[Any]:
        """The items of a list stored by :func:`split_rows` (rows ``PREFIX/0`` to
        ``PREFIX/COUNT-1``), one row decoded at a time; KeyError when a row is missing or
        has another stamp."""
        for number in range(count):
            part = self.get(f"{prefix}/{number}", stamp)
            if part is None:
                raise KeyError(f"{prefix}/{number}")
            yield from part

    def stamps(self) -> dict[str, Any]:
        """Every key of this namespace with its stored stamp (no values read)."""
        return {key: _stamp_value(stamp) for key, stamp in self.conn.execute(
            "SELECT key, stamp FROM rows WHERE ns = ? AND salt = ?", (self.ns, self.salt))}

    def stamps_of(self, keys: Iterable[str]) -> dict[str, Any]:
        """The stored stamp of each of ``keys`` that has a row (no values read)."""
        wanted = list(keys)
        found: dict[str, Any] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update((key, _stamp_value(st)) for key, st in self.conn.execute(
                f"SELECT key, stamp FROM rows WHERE ns = ? AND salt = ? AND key IN ({marks})",
                (self.ns, self.salt, *chunk)))
        return found

    def written(self) -> int:
        """How many saves have written to this namespace: it moves whenever a row is
        written or dropped (read from ``meta``, not by looking at the rows)."""
        found = self.conn.execute("SELECT value FROM meta WHERE key = ?",
                                  (_written_key(self.ns),)).fetchall()
        return int(found[0][0]) if found else 0

    def keys_for(self, people: Iterable[str]) -> set[str]:
        """Keys stored with any of these people (see ``put``'s ``people``)."""
        wanted = sorted(set(people))
        found: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(key for (key,) in self.conn.execute(
                f"SELECT key FROM people WHERE ns = ? AND person IN ({marks})",
                (self.ns, *chunk)))
        return found

    # -- writing ---------------------------------------------------------------------
    def put(self, key: str, stamp: Any, value: Any, people: list[str] | None = None) -> None:
        """``value``: any JSON value, or :class:`Encoded` (its JSON already written)."""
        self._put[key] = (stamp, value, people)
        self._drop.discard(key)

    def drop(self, keys: Iterable[str]) -> None:
        """Forget these keys' rows (at the next ``save``)."""
        for key in keys:
            self._put.pop(key, None)
            self._drop.add(key)

    def prune(self, keep: set[str]) -> None:
        """Forget every key not in ``keep`` (a whole-repository run: deleted files)."""
        stored = set(self.stamps())
        self._drop |= stored - keep

    def clear(self) -> None:
        """Forget every row of this namespace (they are replaced by what is put next)."""
        self._clear = True
        self._rows = {}

    def save(self) -> None:
        self._save(None)

    def _save(self, more: Iterable[tuple[str, Any, Any]] | None) -> None:
        if not (self._put or self._drop or self._clear or more is not None):
            return
        conn = self.conn
        with contextlib.suppress(sqlite3.Error):
            conn.execute("BEGIN IMMEDIATE")
            try:
                meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN (?, ?)",
                                         (_salt_key(self.ns), _written_key(self.ns))))
                if self._clear:
                    conn.execute("DELETE FROM rows WHERE ns = ?", (self.ns,))
                    conn.execute("DELETE FROM people WHERE ns = ?", (self.ns,))
                elif meta.get(_salt_key(self.ns)) != self.salt:
                    # rows made under other settings (or before the salt was kept)
                    conn.execute("DELETE FROM rows WHERE ns = ? AND salt != ?",
                                 (self.ns, self.salt))
                conn.executemany("DELETE FROM rows WHERE ns = ? AND key = ?",
                                 [(self.ns, k) for k in self._drop])
                conn.executemany("DELETE FROM people WHERE ns = ? AND key = ?",
                                 [(self.ns, k) for k in self._drop])
                conn.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?, ?, ?, ?)",
                                 self._encoded((key, stamp, value) for key, (
                                     stamp, value, _people) in self._put.items()))
                if more is not None:
                    conn.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?, ?, ?, ?)",
                                     self._encoded(more))
                indexed = [(key, people) for key, (_s, _v, people) in self._put.items()
                           if people is not None]
                conn.executemany("DELETE FROM people WHERE ns = ? AND key = ?",
                                 [(self.ns, key) for key, _people in indexed])
                conn.executemany("INSERT OR IGNORE INTO people VALUES (?, ?, ?)",
                                 [(self.ns, key, person) for key, people in indexed
                                  for person in set(people or ())])
                count = int(meta.get(_written_key(self.ns)) or 0) + 1
                conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                 [(_salt_key(self.ns), self.salt),
                                  (_written_key(self.ns), str(count))])
                conn.execute("COMMIT")
            except BaseException:  # a row's generator may fail too: never leave it open
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
        self._put.clear()
        self._drop.clear()
        self._clear = False

    def _encoded(self, rows: Iterable[tuple[str, Any, Any]]
                 ) -> Iterator[tuple[str, str, str, str, str]]:
        """Rows as SQLite takes them, each encoded only when it is written (tens of
        thousands of rows' JSON never sits in memory at once)."""
        for key, stamp, value in rows:
            yield (self.ns, key, self.salt, _stamp_text(stamp), value.text if isinstance(
                value, Encoded) else json.dumps(value, separators=(",", ":")))

    def write(self, rows: Iterable[tuple[str, Any, Any]], replace: bool = False) -> None:
        """Write ``rows`` (key, stamp, value) now, in one transaction with what was ``put``
        and not saved yet, each value made and encoded only as it is written: for many
        rows (or a few large ones) that need not all be in memory at once, given by a
        generator. ``replace``: every other row of this namespace goes (as ``clear``)."""
        if replace:
            self.clear()
        self._save(rows)
        self._rows = None  # what was preloaded may be older than what was written

    def close(self) -> None:
        """Let go of the connection (a shared one stays open for the others)."""
        if self._conn is not None:
            if not self._shared:
                self._conn.close()
            self._conn = None
            self._shared = False


def split_rows(prefix: str, stamp: Any, items: Sequence[Any], size: int,
               encode: Callable[[Any], Any]) -> Iterator[tuple[str, Any, list[Any]]]:
    """A long list as rows for :meth:`Cache.write`: ``PREFIX/0``, ``PREFIX/1``... of
    ``size`` items each, every item ``encode``-d only as its row is written (the list is
    never all encoded at once). :func:`rows_for` says how many there are;
    :meth:`Cache.parts` reads them back."""
    for number, start in enumerate(range(0, len(items), size)):
        yield f"{prefix}/{number}", stamp, [encode(item) for item in items[start:start + size]]


def rows_for(items: Sequence[Any], size: int) -> int:
    """How many rows :func:`split_rows` makes of ``items``."""
    return len(range(0, len(items), size))


def _salt_key(ns: str) -> str:
    """The ``meta`` key of the salt every row of namespace ``ns`` was made under."""
    return f"salt:{ns}"


def _written_key(ns: str) -> str:
    """The ``meta`` key of how many saves have written to namespace ``ns``."""
    return f"written:{ns}"


def blob_id(data: bytes) -> str:
    """git's object id of a file's content (the stamp of a record in the store)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 (git's id)


def stamp(path: str) -> str | None:
    """A file's blob id (what must be unchanged for a stored result to be reused)."""
    try:
        with open(path, "rb") as handle:
            return blob_id(handle.read())
    except OSError:
        return None

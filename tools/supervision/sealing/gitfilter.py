"""git's long-running filter process (``filter.supervision-seal.process``).

One process serves a whole git command (thousands of records at a checkout).
**clean** (working tree -> repository): a readable record becomes its sealed form,
the same bytes again while it is unchanged (:mod:`stablemap`), a new sealing (new
data key, new nonce, the sidecar updated) when it changed; a sealed form is passed
through unchanged, so a non-reader can never overwrite a record's text.
**smudge** (repository -> working tree): the exact readable bytes for a reader, the
sealed form for anyone else. Smudges use git's *delayed checkout*: every sealed
record is answered "delayed", so git writes the sidecars first; then one gpg run
unwraps every data key this person can open.

Sealing is off (clean and smudge pass everything through) unless supervision.yml
says ``privacy: sealed: true``; a stored sealed form is opened for a reader either way.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from supervision.sealing import sidecar as sidecars
from supervision.sealing import stored
from supervision.sealing.keys import GpgUnwrapper, SequoiaWrapper, Unwrapper, Wrapper
from supervision.sealing.readers import no_key_hint
from supervision.sealing.seal import SealError, known_action_ids, open_record, seal_record
from supervision.sealing.stablemap import StableMap

MAX_PACKET = 65516


class ProtocolError(Exception):
    pass


# -- pkt-line ------------------------------------------------------------------------------
def read_packet(stream: IO[bytes]) -> bytes | None:
    """One packet's payload; None for a flush packet; ProtocolError at end of input."""
    head = stream.read(4)
    if len(head) < 4:
        raise ProtocolError("end of input")
    size = int(head, 16)
    if size == 0:
        return None
    if size < 4:
        raise ProtocolError(f"bad packet length {size}")
    data = stream.read(size - 4)
    if len(data) != size - 4:
        raise ProtocolError("short packet")
    return data


def read_lines(stream: IO[bytes]) -> list[str]:
    out = []
    while (packet := read_packet(stream)) is not None:
        out.append(packet.decode("utf-8", "surrogateescape").rstrip("\n"))
    return out


def read_content(stream: IO[bytes]) -> bytes:
    parts = []
    while (packet := read_packet(stream)) is not None:
        parts.append(packet)
    return b"".join(parts)


def write_packet(stream: IO[bytes], data: bytes) -> None:
    stream.write(b"%04x" % (len(data) + 4) + data)


def write_lines(stream: IO[bytes], *lines: str) -> None:
    for line in lines:
        write_packet(stream, (line + "\n").encode("utf-8", "surrogateescape"))
    stream.write(b"0000")


def write_content(stream: IO[bytes], data: bytes) -> None:
    for start in range(0, len(data), MAX_PACKET):
        write_packet(stream, data[start:start + MAX_PACKET])
    stream.write(b"0000")


# -- what the filter does ----------------------------------------------------------------------
class Sealer:
    """clean and smudge for one working tree (the filter's current folder)."""

    def __init__(self, root: Path, git_dir: Path, wrapper: Wrapper | None = None,
                 unwrapper: Unwrapper | None = None,
                 read_blob: Callable[[str], bytes | None] | None = None,
                 warn: Callable[[str], None] | None = None, today: Any = None) -> None:
        self.root = root
        self.today = today
        self.map = StableMap(git_dir / "supervision" / "seal")
        self.wrapper = wrapper or SequoiaWrapper()
        self.unwrapper = unwrapper or GpgUnwrapper()
        self.read_blob = read_blob or (lambda _name: None)
        self.warn = warn or (lambda text: print(text, file=sys.stderr))
        self._repo: Any = None
        self._keys: Any = None
        self._told = False  # READER-NO-ENC-KEY's hint is given once per run
        #: records opened, or cleaned unchanged: the index may hold racily clean records
        self.touched = False

    @property
    def repo(self) -> Any:
        if self._repo is None:
            from supervision.repo import RecordsRepo

            self._repo = RecordsRepo.load(self.root)
        return self._repo

    def enabled(self) -> bool:
        config = self.repo.config
        return bool(config is not None and config.sealed)

    def _form(self, raw: bytes, path: str) -> Any:
        from supervision.forms.yamlparse import parse_bytes
        from supervision.signing.signoff import form_of

        doc, _problems = parse_bytes(raw, path)
        data = doc.data if doc is not None else None
        return form_of(self.repo, data), data

    # -- clean ---------------------------------------------------------------------------
    def clean(self, path: str, raw: bytes) -> bytes:
        if stored.looks_sealed(raw) or not self.enabled():
            return raw
        known = self.map.lookup(path, raw)
        if known is None:
            known = self._as_stored(path, raw)
        if known is not None:
            self.touched = True
            return known
        from supervision.sealing.readers import KeyFiles, readers_for

        form, data = self._form(raw, path)
        if self._keys is None:
            self._keys = KeyFiles(self.root)
        readers = readers_for(self.repo, data if isinstance(data, dict) else {}, form,
                              self._keys, self.today)
        if not readers.certs:
            who = ", ".join(readers.without_key) or "nobody"
            raise SealError(
                f"{path} cannot be sealed, so it was not stored: none of its readers ({who}) "
                "has a registered key that sealed records can be encrypted to",
                "Each of them makes a key with `supervision keys create --person ID` (it can "
                "receive sealed records) and sends it to a records admin, who registers it "
                "(`supervision keys import FILE --person ID`) and commits it; then add the "
                "record again.")
        for pid in readers.without_key:
            self.warn(f"{path}: READER-NO-ENC-KEY '{pid}' has no registered key that sealed "
                      "records can be encrypted to, so cannot read this version")
        if readers.without_key and not self._told:
            self._told = True
            self.warn(f"    hint: {no_key_hint()}")
        version = seal_record(raw, path, form, readers.certs, self.wrapper, self.map.key,
                              self.map.action_ids(path))
        side_file = self.root / sidecars.sidecar_path(path)
        try:
            current = sidecars.load(side_file.read_bytes()) if side_file.exists() else None
        except sidecars.SidecarError:
            current = None
        side = current or sidecars.Sidecar()
        side.put(version.entry)
        side_file.parent.mkdir(parents=True, exist_ok=True)
        side_file.write_bytes(side.dump())
        self.map.remember(path, raw, version.stored)
        self.map.remember_ids(path, version.action_ids)
        return version.stored

    def _as_stored(self, path: str, raw: bytes) -> bytes | None:
        """The sealed version git already holds for ``path`` (in its index, else at HEAD)
        when it opens to exactly these bytes, else None. The filter's memory lives in
        .git/supervision, which is only derived and may be deleted; without this, every
        unchanged record git cleans again afterwards would be sealed anew (a new data
        key) and show as changed, with its readers file."""
        for treeish in ("", "HEAD"):
            blob = self.read_blob(f"{treeish}:{path}")
            if blob is None or not stored.looks_sealed(blob):
                continue
            if self.smudge_many([(path, blob, treeish or None)]).get(path) == raw:
                return blob
        return None

    # -- smudge --------------------------------------------------------------------------
    def _entry(self, path: str, record: stored.StoredRecord, treeish: str | None
               ) -> sidecars.Entry | None:
        name = sidecars.sidecar_path(path)
        side_file = self.root / name

        def candidates() -> Iterator[bytes | None]:
            # One at a time: the working tree's readers file nearly always has the entry,
            # and each of the others costs a git process (thousands at a checkout).
            if side_file.is_file():
                yield side_file.read_bytes()
            if treeish:
                yield self.read_blob(f"{treeish}:{name}")
            yield self.read_blob(f":{name}")

        for raw in candidates():
            if raw is None:
                continue
            try:
                entry = sidecars.load(raw).find(record.nonce_id)
            except sidecars.SidecarError:
                continue
            if entry is not None:
                return entry
        return None

    def smudge_many(self, items: list[tuple[str, bytes, str | None]]) -> dict[str, bytes]:
        """path -> what the working tree gets, for (path, stored bytes, treeish) items."""
        out: dict[str, bytes] = {}
        pending: list[tuple[str, bytes, stored.StoredRecord, sidecars.Entry]] = []
        for path, raw, treeish in items:
            out[path] = raw
            if not stored.looks_sealed(raw):
                continue
            try:
                record = stored.parse(raw)
            except stored.StoredError:
                continue
            entry = self._entry(path, record, treeish)
            if entry is not None:
                pending.append((path, raw, record, entry))
        keys = self.unwrapper.unwrap([entry.message for *_rest, entry in pending])
        for (path, raw, record, entry), key in zip(pending, keys, strict=True):
            if key is None:
                continue
            def given(_message: bytes, data_key: bytes = key) -> bytes | None:
                return data_key

            try:
                plain = open_record(raw, path, entry, given)
            except SealError as exc:
                self.warn(f"{path}: SEAL-DAMAGED {exc}")
                continue
            if plain is None:
                continue
            out[path] = plain
            self.touched = True
            self.map.remember(path, plain, raw)
            try:
                form, data = self._form(plain, path)
                self.map.remember_ids(path, known_action_ids(plain, record.clear_text, path,
                                                             form, self.map.key, data))
            except Exception:  # the ids are a convenience: never fail a checkout for them
                pass
        return out


# -- the process -------------------------------------------------------------------------------
def serve(sealer: Sealer, stdin: IO[bytes], stdout: IO[bytes]) -> int:
    """Speak git's filter protocol version 2 until git closes the pipe."""
    try:
        return _serve(sealer, stdin, stdout)
    finally:
        if sealer.touched:
            from supervision.sealing.refresh import note

            note(sealer.map.folder)


def _serve(sealer: Sealer, stdin: IO[bytes], stdout: IO[bytes]) -> int:
    try:
        hello = read_lines(stdin)
        if hello[:1] != ["git-filter-client"] or "version=2" not in hello:
            print("supervision seal filter: git did not speak filter protocol version 2",
                  file=sys.stderr)
            return 1
        write_lines(stdout, "git-filter-server", "version=2")
        offered = set(read_lines(stdin))
        wanted = [c for c in ("capability=clean", "capability=smudge", "capability=delay")
                  if c in offered]
        write_lines(stdout, *wanted)
        stdout.flush()
        delayed: dict[str, tuple[bytes, str | None]] = {}
        ready: dict[str, bytes] = {}
        while True:
            try:
                headers = read_lines(stdin)
            except ProtocolError:
                return 0
            meta = dict(h.split("=", 1) for h in headers if "=" in h)
            command = meta.get("command")
            if command == "list_available_blobs":
                if delayed:
                    ready.update(sealer.smudge_many([(p, raw, treeish) for p, (raw, treeish)
                                                     in delayed.items()]))
                    delayed.clear()
                write_lines(stdout, *[f"pathname={p}" for p in ready])
                write_lines(stdout, "status=success")
                stdout.flush()
                continue
            content = read_content(stdin)
            path = meta.get("pathname", "")
            try:
                if command == "clean":
                    result = sealer.clean(path, content)
                elif command == "smudge":
                    if path in ready:
                        result = ready.pop(path)
                    elif meta.get("can-delay") == "1" and stored.looks_sealed(content):
                        delayed[path] = (content, meta.get("treeish"))
                        write_lines(stdout, "status=delayed")
                        stdout.flush()
                        continue
                    else:
                        result = sealer.smudge_many([(path, content, meta.get("treeish"))])[path]
                else:
                    write_lines(stdout, "status=error")
                    stdout.flush()
                    continue
            except Exception as exc:  # said in words; git then refuses (required filter)
                print(f"supervision: {path}: {exc}" if not isinstance(exc, SealError)
                      else f"supervision: {exc}", file=sys.stderr)
                hint = getattr(exc, "hint", "") or ("Run `supervision check " + path +
                                                    "` and fix what it says, then try again.")
                print(f"    hint: {hint}", file=sys.stderr)
                write_lines(stdout, "status=error")
                stdout.flush()
                continue
            write_lines(stdout, "status=success")
            write_content(stdout, result)
            stdout.write(b"0000")  # the status stays "success"
            stdout.flush()
    except ProtocolError as exc:
        print(f"supervision seal filter: {exc}", file=sys.stderr)
        return 1

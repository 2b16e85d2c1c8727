"""Which records may differ from what the store holds, asked of git rather than found by
reading every file, so that checking one record costs little in a trust of thousands.

After a check, the store matches the working folder: it holds one row per record,
made from the record's bytes as they were (:mod:`supervision.checker`). The checker
then leaves a :class:`Mark`: the commit at HEAD, the records whose working copy
differed from that commit, how many records there were, a digest of every record's
stamp, and the check namespace's write count. The next check asks git which
records differ from the marked commit now (:func:`differing_from`: ``git diff-index``,
which uses the stat data in git's index, plus untracked files). A record in neither
list has the bytes it had in the marked commit, and so the bytes its row was made
from: its row still fits and is not looked at. Only the records in either list are.

Untracked files are looked for only in the folders that changed since the mark, as
git's own untracked cache does: the mark keeps every record folder's modification
time, and a file cannot be added, removed or renamed in a folder without changing
that folder's time. So the usual check lists no folder at all, instead of walking
the whole tree (``git ls-files --others`` took longer than everything else git did).
A folder changed within :data:`RACY_NS` of being looked at is kept as unsure (the
file system's clock is coarse: a file added in the same tick would leave its time
as it was) and looked in again next time. Where adding a file does not move its
folder's time (some FAT or network file systems: :func:`folder_times_move` tries it
when a mark is first made), every folder is looked in, as before.

The mark is void, and the checker reads every record's stamp as before, when it is
missing or from other settings (its salt), when any row of the check's namespace was
written since without a new mark (its write count moved: another command stored a
record that may have changed back since), or when git cannot answer.

The digest is a sum of per-record hashes modulo 2**256, so a check that looked at a few
records updates it from their old and new stamps instead of hashing every stamp again;
it keys the store's whole-run findings (a cache key, not a security boundary).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supervision.cache import Cache, cache_dir, stamp
from supervision.repo import RECORD_DIRS, is_record_path
from supervision.signing.head_start import GIT, diff_command, remember, take

MARK_NAMESPACE = "check-mark"
#: A folder whose time is this close to when it was read may change unseen (see above).
RACY_NS = 2_000_000_000
#: The time kept for a folder to look in again whatever its time is then.
UNSURE = -1
#: More records than this differing from the marked commit: reading every stamp is as quick.
MAX_DIFFERING = 3000
_MOD = 1 << 256


@dataclass
class Mark:
    """The state of the working folder when the store last matched it."""

    head: str
    differing: list[str]
    count: int
    digest: int
    rowmark: int
    #: Every folder under the record folders (relative) -> its modification time (ns);
    #: None where folder times do not move when files are added (then every folder is
    #: looked in).
    folders: dict[str, int] | None

    def as_value(self) -> list[Any]:
        return [self.head, self.differing, self.count, f"{self.digest:064x}", self.rowmark,
                self.folders]

    @classmethod
    def from_value(cls, value: Any) -> Mark | None:
        try:
            head, differing, count, digest, rowmark, folders = value
            return cls(str(head), [str(p) for p in differing], int(count), int(digest, 16),
                       int(rowmark), None if folders is None else
                       {str(k): int(v) for k, v in folders.items()})
        except (TypeError, ValueError, AttributeError):
            return None


def _time_kept(mtime_ns: int, now_ns: int) -> int:
    return UNSURE if now_ns - mtime_ns < RACY_NS else mtime_ns


def folder_times(root: Path, dirs: Iterable[str]) -> dict[str, int]:
    """Every folder under ``dirs`` (relative paths, the dirs themselves included) with its
    modification time, or :data:`UNSURE` when it changed just now."""
    now = _now_ns()
    out: dict[str, int] = {}
    pending = [d for d in dirs if os.path.isdir(os.path.join(root, d))]
    while pending:
        rel = pending.pop()
        try:
            out[rel] = _time_kept(os.stat(os.path.join(root, rel)).st_mtime_ns, now)
            with os.scandir(os.path.join(root, rel)) as entries:
                pending.extend(f"{rel}/{e.name}" for e in entries
                               if e.is_dir(follow_symlinks=False))
        except OSError:
            out.pop(rel, None)  # gone meanwhile: its parent changed, so is looked in
    return out


def folder_times_move(root: Path) -> bool:
    """Whether adding a file changes its folder's time on the file system holding the
    store (where .git is, nearly always that of the records), as git's
    ``update-index --test-untracked-cache`` asks: not so on some (FAT, some network
    shares). Tried in a throwaway folder of the store, never among the records."""
    import tempfile

    base = cache_dir(root)
    try:
        base.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=base, prefix="probe-") as probe:
            os.utime(probe, ns=(0, 0))
            Path(probe, "added").touch()
            return os.stat(probe).st_mtime_ns != 0
    except OSError:
        return False


def changed_folders(root: Path, known: dict[str, int],
                    dirs: Iterable[str]) -> tuple[list[str], dict[str, int]]:
    """The folders that may hold files added since ``known`` was taken (their time moved,
    they are new, or were unsure), outermost first, and every folder's time now."""
    now = _now_ns()
    times: dict[str, int] = {}
    changed: list[str] = []
    base = str(root) + os.sep  # joined by hand: os.path.join was a fifth of this loop
    for rel in sorted(set(known) | set(dirs)):
        try:
            mtime = os.stat(base + rel).st_mtime_ns
        except OSError:
            continue  # gone: its files are deletions git reports, or were in the mark
        times[rel] = _time_kept(mtime, now)
        if known.get(rel) in (None, UNSURE) or mtime != known[rel]:
            changed.append(rel)
    for rel in list(changed):  # new folders inside changed ones: all of them are new
        for inner, mtime in folder_times(root, _subfolders(root, rel)).items():
            if inner not in times:
                times[inner] = mtime
    # a folder inside a changed one is listed with it (git lists folders recursively);
    # its ancestors are looked up, not every other changed folder (a checkout of another
    # branch can change thousands)
    kept = set(changed)
    outer = [rel for rel in changed
             if not any(rel[:i] in kept for i, c in enumerate(rel) if c == "/")]
    return outer, times


def _subfolders(root: Path, rel: str) -> list[str]:
    try:
        with os.scandir(os.path.join(root, rel)) as entries:
            return [f"{rel}/{e.name}" for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def _now_ns() -> int:
    import time

    return time.time_ns()


def stamp_hash(path: str, stamp: str) -> int:
    """One record's share of the digest."""
    return int.from_bytes(hashlib.sha256(f"{path}\0{stamp}".encode()).digest(), "big")


def digest_of(stamps: Iterable[tuple[str, str | None]]) -> int | None:
    """The digest of every record's stamp; None if one could not be read."""
    total = 0
    for path, st in stamps:
        if st is None:
            return None
        total += stamp_hash(path, st)
    return total % _MOD


def updated_digest(digest: int, before: dict[str, str], after: dict[str, str]) -> int:
    """``digest`` with the records in ``before`` (path -> old stamp) taken out and those in
    ``after`` (path -> new stamp) put in."""
    digest -= sum(stamp_hash(p, s) for p, s in before.items())
    digest += sum(stamp_hash(p, s) for p, s in after.items())
    return digest % _MOD


def _git_all(root: Path, *commands: tuple[str, ...],
             first: subprocess.Popen[bytes] | None = None) -> list[bytes | None]:
    """git commands (whole command lines) run side by side (each stats thousands of
    files): their outputs, None for one that failed. ``first``: the first command,
    already running (started early by :mod:`supervision.signing.head_start`)."""
    running: list[subprocess.Popen[bytes]] = [] if first is None else [first]
    try:
        for args in commands[len(running):]:
            running.append(subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL))
    except OSError:
        for process in running:
            process.kill()
            process.wait()
        return [None] * len(commands)
    out: list[bytes | None] = []
    for process in running:
        try:
            stdout, _err = process.communicate(timeout=120)
        except subprocess.SubprocessError:
            process.kill()
            process.wait()
            out.append(None)
            continue
        out.append(stdout if process.returncode == 0 else None)
    return out


def _paths(out: bytes) -> set[str]:
    return {p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p}


def differing_from(root: Path, commit: str, dirs: tuple[str, ...],
                   is_record: Callable[[str], bool],
                   look_in: list[str] | None = None) -> dict[str, str | None] | None:
    """Records under ``dirs`` whose working copy is not what ``commit`` holds (changed,
    added, deleted or untracked, ignored files included as the checker lists them), each
    with its blob id in git's index when the working copy matches the index (None: read
    the file). Untracked files are looked for in ``look_in`` (default: all of ``dirs``).
    None when git cannot say (not a repository, an unknown commit)."""
    from supervision.cache import cache_dir
    from supervision.signing.settle import settle_index

    diff = diff_command(commit, dirs)
    # git's index settled once when it may be racy (then a diff-index started before it
    # was is not taken)
    early = None if settle_index(root, dirs, cache_dir(root)) else take(root, diff)
    folders = dirs if look_in is None else tuple(look_in)
    if folders:
        changed, untracked = _git_all(root, diff, (*GIT, "ls-files", "--others", "-z",
                                                   "--", *folders), first=early)
    else:
        changed, untracked = _git_all(root, diff, first=early)[0], b""
    if changed is None or untracked is None:
        return None
    found: dict[str, str | None] = {}
    fields = changed.split(b"\0")
    for meta, name in zip(fields[0::2], fields[1::2], strict=False):
        parts = meta.split()
        path = name.decode("utf-8", "surrogateescape")
        if len(parts) >= 4 and is_record(path):
            blob = parts[3].decode()
            found[path] = None if blob.strip("0") == "" else blob
    found.update((p, None) for p in _paths(untracked) if is_record(p))
    return found


def blobs_of(root: Path, paths: list[str], known: dict[str, str | None],
             hash_file: Callable[[str], str | None]) -> dict[str, str]:
    """The stamp of each of ``paths`` that exists, as ``RecordsRepo.record_blobs`` gives
    it: the blob id in git's index when ``known`` has it (the working copy matches the
    index), else the file's bytes hashed."""
    out: dict[str, str] = {}
    for path in paths:
        blob = known.get(path)
        if blob is None:
            full = os.path.join(root, path)
            blob = hash_file(full) if os.path.isfile(full) else None
        if blob is not None:
            out[path] = blob
    return out


@dataclass
class Changes:
    """What git says since the mark: records whose stored row no longer fits (or that have
    none), records gone since, how many records there are now, the digest of every
    record's stamp now, and the stamps found (None: the record is gone)."""

    unknown: set[str]
    gone: set[str]
    count: int
    digest: int
    stamps: dict[str, str | None]
    #: The marked commit, and what differed from it when the run began.
    head: str = ""
    now: frozenset[str] = frozenset()
    #: Every record folder's time, read just before git was asked.
    folders: dict[str, int] | None = None


def read_changes(root: Path, salt: str, min_count: int) -> Changes | None:
    """The changes since the store's mark, or None when the mark cannot be used (missing,
    from other settings, rows written since, too many records changed, git cannot say)."""
    marks = Cache(root, MARK_NAMESPACE, salt)
    cache = Cache(root, "check", salt)
    try:
        mark = Mark.from_value(marks.get("mark", []))
        if mark is None or mark.count < min_count or cache.written() != mark.rowmark:
            return None
        look_in: list[str] | None = None
        folders: dict[str, int] | None = None
        if mark.folders is not None:  # before git, so nothing added meanwhile is missed
            look_in, folders = changed_folders(root, mark.folders, RECORD_DIRS)
        now = differing_from(root, mark.head, RECORD_DIRS, is_record_path, look_in)
        if now is None:
            return None
        candidates = sorted(set(now) | set(mark.differing))
        if len(candidates) > MAX_DIFFERING:
            return None
        before = cache.stamps_of(candidates)
    finally:
        marks.close()
        cache.close()
    after = blobs_of(root, candidates, now, stamp)
    stamps: dict[str, str | None] = dict.fromkeys(candidates)
    stamps.update(after)
    return Changes(unknown={p for p, st in after.items() if before.get(p) != st},
                   gone=set(before) - set(after), count=mark.count - len(before) + len(after),
                   digest=updated_digest(mark.digest, before, after), stamps=stamps,
                   head=mark.head, now=frozenset(now), folders=folders)


def leave_mark(root: Path, salt: str, head: str, count: int, digest: int, stale: set[str],
               unsure: set[str], differing: frozenset[str] | None = None,
               folders: dict[str, int] | None = None) -> None:
    """Mark the store as matching the working folder: ``stale`` rows (records gone) are
    dropped first; ``unsure`` records (rows not written again) stay in question.
    ``differing``: what differs from ``head``, when the caller already asked git, and
    ``folders`` the folder times read just before it asked."""
    cache = Cache(root, "check", salt)
    marks = Cache(root, MARK_NAMESPACE, salt)
    try:
        cache.drop(stale)
        cache.save()
        if differing is None:
            # before git, so that nothing added meanwhile goes unseen
            folders = folder_times(root, RECORD_DIRS) if folder_times_move(root) else None
            found = differing_from(root, head, RECORD_DIRS, is_record_path)
            if found is None:
                return
            differing = frozenset(found)
        mark = Mark(head, sorted(differing | unsure), count, digest, cache.written(),
                    folders)
        marks.put("mark", [], mark.as_value())
        marks.save()
        remember(cache_dir(root), head)  # the next check asks git about it early
    finally:
        cache.close()
        marks.close()


def stored_stamps(root: Path, cache: Cache, relpaths: list[str],
                  stamps: dict[str, str | None]) -> None:
    """Fill ``stamps`` for ``relpaths`` not in it from the store's rows (on the flat path
    they fit their records); a record with no row is hashed."""
    missing = [p for p in relpaths if p not in stamps]
    if missing:
        found = cache.stamps_of(missing)
        for relpath in missing:
            st = found.get(relpath)
            stamps[relpath] = st if st is not None else stamp(str(root) + os.sep + relpath)


def results_key(root: Path, settings: str, calendar_folder: str, records: int) -> str | None:
    """The key of whole-run results: ``settings`` (salt, date, rules...), HEAD, the
    calendar files' blob ids and the records' digest; None if a file cannot be read."""
    from supervision.signing.commit_dates import head_commit

    digest = hashlib.sha256(f"{settings}|{head_commit(root)}|".encode())
    calendar = root / calendar_folder
    extra = sorted(str(p.relative_to(root)) for p in calendar.glob("*.y*ml")) \
        if calendar.is_dir() else []
    stamps = [(relpath, stamp(str(root / relpath))) for relpath in extra]
    if any(st is None for _path, st in stamps):
        return None
    digest.update(";".join(f"{relpath}:{st}" for relpath, st in stamps).encode())
    digest.update(f"|{records:064x}".encode())
    return digest.hexdigest()

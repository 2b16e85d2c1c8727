"""git behind one small interface: bulk reads, and the few writes sign-off needs.

Everything here runs the ``git`` program. Reading history is done in bulk, a
handful of processes for the whole repository however long its history is:
``rev-list`` for the commit graph, ``cat-file --batch`` for any number of
objects, ``diff-tree --stdin`` for what each commit changed. Nothing starts a
process per commit.

GitPython is not used: it cannot sign commits, and its helpers start a process
per call.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ZERO = "0" * 40

#: Options for every git this package runs: pack files are mapped in small windows up
#: to a small total. git's defaults (1 GiB windows, 8 GiB in all on 64-bit) let one
#: walk of a trust's history map the whole pack, which counts as that git's memory: a
#: cold ``git log`` of 54,000 commits took 141 MiB, 76 MiB with these, in about the
#: same time.
LEAN_PACKS = ("-c", "core.packedGitWindowSize=4m", "-c", "core.packedGitLimit=32m")


class GitError(Exception):
    """git failed or is missing; ``str()`` says what git said."""


@dataclass(frozen=True, slots=True)
class GitObject:
    oid: str
    type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class RawCommit:
    """One commit object, split the way git splits it to check a signature."""

    oid: str
    tree: str
    parents: tuple[str, ...]
    author: str
    author_time: int
    committer_time: int
    signature: bytes | None
    payload: bytes
    message: str
    #: Why the object is not a well-formed commit as git writes one (None: it is).
    malformed: str | None = None


@dataclass
class Git:
    root: Path
    env: dict[str, str] | None = field(default=None)

    # -- plumbing -------------------------------------------------------------
    def _run(self, args: Sequence[str], input: bytes | None = None,
             check: bool = True) -> subprocess.CompletedProcess[bytes]:
        """Run git; large outputs are read in big blocks while a thread feeds stdin."""
        try:
            with tempfile.TemporaryFile() as errors:
                proc = subprocess.Popen(
                    ["git", *LEAN_PACKS, *args], cwd=self.root, env=self.env, stdout=subprocess.PIPE,
                    stderr=errors,
                    stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL)
                feeder = None
                if input is not None:
                    feeder = threading.Thread(target=_feed, args=(proc.stdin, input))
                    feeder.start()
                assert proc.stdout is not None
                out = proc.stdout.read()
                proc.stdout.close()
                code = proc.wait()
                if feeder is not None:
                    feeder.join()
                errors.seek(0)
                err = errors.read()
        except FileNotFoundError:
            raise GitError("git is not installed (or not on PATH)") from None
        if check and code != 0:
            said = err.decode("utf-8", "replace").strip() or f"exit {code}"
            raise GitError(f"git {args[0]} failed: {said}")
        return subprocess.CompletedProcess(["git", *args], code, out, err)

    def out(self, *args: str) -> str:
        return self._run(args).stdout.decode("utf-8", "replace")

    def ok(self, *args: str) -> bool:
        return self._run(args, check=False).returncode == 0

    def is_repository(self) -> bool:
        return self.ok("rev-parse", "--git-dir")

    def head(self) -> str | None:
        done = self._run(["rev-parse", "--verify", "-q", "HEAD^{commit}"], check=False)
        return done.stdout.decode().strip() or None if done.returncode == 0 else None

    def object_id(self, rev: str) -> str | None:
        """The object ``rev`` names, whatever its type (even one git cannot parse)."""
        done = self._run(["rev-parse", "--verify", "-q", "--end-of-options", rev], check=False)
        return done.stdout.decode().strip() or None if done.returncode == 0 else None

    def resolve(self, rev: str) -> str | None:
        done = self._run(["rev-parse", "--verify", "-q", "--end-of-options",
                          f"{rev}^{{commit}}"], check=False)
        return done.stdout.decode().strip() or None if done.returncode == 0 else None

    def is_shallow(self) -> bool:
        return self.out("rev-parse", "--is-shallow-repository").strip() == "true"

    def whole_head(self) -> str | None:
        """The commit at HEAD of a repository with its whole history, in one git run;
        None outside git, before the first commit, or in a shallow clone."""
        done = self._run(["rev-parse", "--is-shallow-repository", "--verify", "-q",
                          "HEAD^{commit}"], check=False)
        lines = done.stdout.decode().split()
        if done.returncode != 0 or len(lines) != 2 or lines[0] != "false":
            return None
        return lines[1]

    def rev_list(self, *revs: str) -> list[tuple[str, tuple[str, ...]]]:
        """Commits reachable from ``revs``, parents before children, with their parents."""
        text = self.out("rev-list", "--topo-order", "--reverse", "--parents", *revs, "--")
        out: list[tuple[str, tuple[str, ...]]] = []
        for line in text.splitlines():
            ids = line.split()
            if ids:
                out.append((ids[0], tuple(ids[1:])))
        return out

    def line(self, rev: str) -> list[tuple[str, str, tuple[str, ...]]]:
        """The first-parent line of ``rev``, oldest first: (commit, tree, parents), with
        the tree and every parent exactly as git reads them. GitError when git cannot
        read a commit on it (see :func:`walk_line` for that case)."""
        text = self.out("log", "--first-parent", "--reverse", "--format=%H %T %P", rev, "--")
        return line_of(line.split() for line in text.splitlines())

    def read_objects(self, names: Iterable[str]) -> dict[str, GitObject | None]:
        """Many objects in one ``cat-file --batch``; a name may be ``<rev>:<path>``.

        Missing or ambiguous names map to None. Names must not hold a newline.
        """
        wanted = [n for n in dict.fromkeys(names) if "\n" not in n]
        if not wanted:
            return {}
        raw = self._run(["cat-file", "--batch"], input="".join(
            f"{n}\n" for n in wanted).encode("utf-8", "surrogateescape")).stdout
        found: dict[str, GitObject | None] = {}
        pos = 0
        for name in wanted:
            end = raw.index(b"\n", pos)
            header = raw[pos:end].split()
            pos = end + 1
            if len(header) != 3:  # "<name> missing" or "<name> ambiguous"
                found[name] = None
                continue
            size = int(header[2])
            found[name] = GitObject(header[0].decode(), header[1].decode(), raw[pos:pos + size])
            pos += size + 1
        return found

    def changes(self, pairs: Sequence[tuple[str, str | None]]
                ) -> dict[str, list[tuple[str, str | None, str | None]]]:
        """Paths each commit changed against the given parent (None: a first commit).

        Returns commit -> [(path, new blob id or None when deleted, old blob id or None
        when added)].
        """
        out: dict[str, list[tuple[str, str | None, str | None]]] = {c: [] for c, _p in pairs}
        if not pairs:
            return out
        lines = "".join(f"{c} {p}\n" if p else f"{c}\n" for c, p in pairs)
        raw = self._run(["diff-tree", "--stdin", "-r", "-z", "--no-renames", "--root"],
                        input=lines.encode()).stdout
        parts = raw.split(b"\0")
        current: list[tuple[str, str | None, str | None]] | None = None
        i = 0
        while i < len(parts):
            token = parts[i]
            if token.startswith(b":"):
                fields = token[1:].split()
                # interned: a path and a version recur along the line (a version is the
                # old one of the next change), in sign-offs and in the facts by blob id
                path = sys.intern(parts[i + 1].decode("utf-8", "surrogateescape"))
                old, new = sys.intern(fields[2].decode()), sys.intern(fields[3].decode())
                if current is not None:
                    current.append((path, None if new == ZERO else new,
                                    None if old == ZERO else old))
                i += 2
                continue
            if token:
                current = out.setdefault(token.decode(), [])
            i += 1
        return out

    def tree_files(self, rev: str, *prefixes: str) -> dict[str, str]:
        """path -> blob id of every file under ``prefixes`` at ``rev``."""
        raw = self._run(["ls-tree", "-r", "-z", "--full-tree", rev, "--", *prefixes]).stdout
        out: dict[str, str] = {}
        for entry in raw.split(b"\0"):
            if not entry:
                continue
            meta, _tab, path = entry.partition(b"\t")
            kind_oid = meta.split()
            if len(kind_oid) == 3 and kind_oid[1] == b"blob":
                out[path.decode("utf-8", "surrogateescape")] = kind_oid[2].decode()
        return out

    # -- working tree -----------------------------------------------------------
    def blob_id(self, path: Path) -> str:
        """The blob git would store for this file (through its filters: a sealed
        record's id is its sealed form's, named by its path in the repository)."""
        try:
            rel = Path(path).resolve().relative_to(Path(self.root).resolve()).as_posix()
        except ValueError:
            return self.out("hash-object", "--", str(path)).strip()
        return self.out("hash-object", f"--path={rel}", "--", rel).strip()

    def is_tracked(self, relpath: str) -> bool:
        return self.ok("ls-files", "--error-unmatch", "--", relpath)

    def uncommitted(self, *relpaths: str) -> list[str]:
        """Paths among ``relpaths`` (files or folders) with changes not yet committed."""
        text = self.out("status", "--porcelain", "-z", "--untracked-files=all", "--", *relpaths)
        return [entry[3:] for entry in text.split("\0") if len(entry) > 3]

    def has_staged_changes(self) -> bool:
        return not self.ok("diff", "--cached", "--quiet")

    def config_get(self, key: str) -> str | None:
        done = self._run(["config", "--get", key], check=False)
        return done.stdout.decode().strip() or None if done.returncode == 0 else None

    def config_set(self, key: str, value: str) -> None:
        self._run(["config", "--local", key, value])

    def commit_signed(self, message: str, key: str, paths: Sequence[str] = ()) -> str:
        """``git commit -S``: a signed commit of ``paths`` (or an empty one); its id."""
        args = ["commit", "--quiet", f"--gpg-sign={key}", "--allow-empty", "--file=-"]
        if paths:
            args += ["--only", "--", *paths]
        self._run(args, input=message.encode("utf-8"))
        head = self.head()
        assert head is not None
        return head


def _feed(pipe: Any, data: bytes) -> None:
    try:
        pipe.write(data)
        pipe.close()
    except (BrokenPipeError, OSError):  # git stopped reading: its exit code says why
        pass


_HEX = frozenset(b"0123456789abcdef")
#: Headers that may follow ``committer``, and whether each may appear more than once.
_EXTRA_HEADERS = {b"encoding": False, b"gpgsig": False, b"gpgsig-sha256": False,
                  b"mergetag": True}
#: Headers whose value goes on over the following lines that start with a space.
_MULTILINE = (b"gpgsig", b"gpgsig-sha256", b"mergetag")


def _is_oid(value: bytes) -> bool:
    return len(value) == 40 and set(value) <= _HEX


def _well_formed_ident(value: bytes) -> bool:
    name, lt, rest = value.partition(b" <")
    email, gt, when = rest.partition(b"> ")
    parts = when.split(b" ")
    return (bool(lt and gt) and b"<" not in name and b">" not in email and len(parts) == 2
            and parts[0].isdigit() and len(parts[1]) == 5 and parts[1][:1] in b"+-"
            and parts[1][1:].isdigit())


def _header_problem(lines: list[bytes]) -> str | None:
    """Why these header lines are not a commit as git writes one, or None.

    git's own reader is lenient (it takes the first ``tree``, stops reading parents
    at the first other line, keeps the last ``author``...), so a hand-made object can
    mean one thing to git and another to a reader like ours. Only the layout git
    itself writes is accepted: tree; parents; author; committer; then at most one
    encoding, gpgsig and gpgsig-sha256 and any mergetag, continuation lines only
    under the last three.
    """
    keys: list[bytes] = []
    previous = b""
    for line in lines:
        if line.startswith(b" "):
            if previous not in _MULTILINE:
                return "a continuation line follows a header that cannot have one"
            continue
        key, space, value = line.partition(b" ")
        if not space or not key:
            return "a header line has no value"
        keys.append(key)
        previous = key
        if key in (b"tree", b"parent") and not _is_oid(value):
            return f"the {key.decode()} header is not an object id"
        if key in (b"author", b"committer") and not _well_formed_ident(value):
            return f"the {key.decode()} header is not 'Name <email> time zone'"
    if keys[:1] != [b"tree"]:
        return "it does not start with a tree header"
    at = 1
    while at < len(keys) and keys[at] == b"parent":
        at += 1
    if keys[at:at + 2] != [b"author", b"committer"]:
        return "its author and committer headers are missing, repeated or out of order"
    seen: set[bytes] = set()
    for key in keys[at + 2:]:
        if key not in _EXTRA_HEADERS:
            return f"it has a header git does not write ({key.decode('ascii', 'replace')})"
        if key in seen and not _EXTRA_HEADERS[key]:
            return f"its {key.decode()} header is repeated"
        seen.add(key)
    return None


def parse_commit(oid: str, raw: bytes) -> RawCommit:
    """Split a commit object into its fields, its signature and the signed payload.

    The payload is the object without its ``gpgsig`` header, exactly what the
    signer signed (git drops ``gpgsig-sha256`` too). ``malformed`` says why the
    object is not laid out as git writes commits (see :func:`_header_problem`);
    such a commit must not count for anything, since git may read it differently.
    """
    header_end = raw.find(b"\n\n")
    head = raw if header_end < 0 else raw[:header_end]
    body = b"" if header_end < 0 else raw[header_end + 2:]
    lines = head.split(b"\n")
    malformed = None
    if header_end < 0:
        malformed = "it has no blank line between its headers and its message"
    elif b"\0" in head:
        malformed = "its headers hold a NUL byte"
    else:
        malformed = _header_problem(lines)
    kept: list[bytes] = []
    signature: list[bytes] = []
    in_sig = False
    skipping = False
    tree = ""
    parents: list[str] = []
    author = ""
    author_time = committer_time = 0
    for line in lines:
        if line.startswith(b" ") and (in_sig or skipping):
            if in_sig:
                signature.append(line[1:])
            continue
        in_sig = skipping = False
        if line.startswith(b"gpgsig "):
            in_sig = True
            signature.append(line[7:])
            continue
        if line.startswith(b"gpgsig-sha256 "):
            skipping = True
            continue
        kept.append(line)
        if line.startswith(b"tree ") and not tree:
            tree = line[5:].decode("ascii", "replace")
        elif line.startswith(b"parent "):
            parents.append(line[7:].decode("ascii", "replace"))
        elif line.startswith(b"author "):
            author, author_time = _ident(line[7:])
        elif line.startswith(b"committer "):
            _name, committer_time = _ident(line[10:])
    payload = b"\n".join(kept) + (raw[header_end:] if header_end >= 0 else b"")
    return RawCommit(
        oid=oid, tree=tree, parents=tuple(parents), author=author,
        author_time=author_time, committer_time=committer_time,
        signature=b"\n".join(signature) + b"\n" if signature else None,
        payload=payload, message=body.decode("utf-8", "replace"), malformed=malformed,
    )


def line_of(rows: Iterable[Sequence[str]]) -> list[tuple[str, str, tuple[str, ...]]]:
    """A line as (commit, tree, parents) from rows of ids [commit, tree, *parents], oldest
    first. The first parent is (nearly always) the commit before, and is kept as the
    same string, not a second copy, for each of tens of thousands of commits."""
    out: list[tuple[str, str, tuple[str, ...]]] = []
    before = ""
    for ids in rows:
        if len(ids) >= 2:
            out.append((ids[0], ids[1], tuple(before if p == before else p for p in ids[2:])))
            before = ids[0]
    return out


def walk_line(git: Git, oid: str) -> tuple[list[tuple[str, str, tuple[str, ...]]], str | None]:
    """The first-parent line from commit ``oid`` read object by object, for when
    ``git log`` cannot read it: (the line down to, not including, the first object
    that is not a well-formed commit, oldest first; that object's id, or None). Slow
    (one object read per commit), so used only when something is wrong."""
    out: list[tuple[str, str, tuple[str, ...]]] = []
    current: str | None = oid
    broken = None
    seen: set[str] = set()
    while current is not None and current not in seen:
        seen.add(current)
        obj = git.read_objects([current]).get(current)
        if obj is None or obj.type != "commit":
            broken = current
            break
        rc = parse_commit(current, obj.data)
        if rc.malformed is not None:
            broken = current
            break
        out.append((current, rc.tree, rc.parents))
        current = rc.parents[0] if rc.parents else None
    out.reverse()
    return out, broken


def _ident(value: bytes) -> tuple[str, int]:
    """'Name <email> 1700000000 +0000' -> ('Name', 1700000000)."""
    text = value.decode("utf-8", "replace")
    name = text.split("<", 1)[0].strip()
    try:
        stamp = int(text.rsplit(">", 1)[1].split()[0])
    except (IndexError, ValueError):
        stamp = 0
    return name, stamp


def tree_entries(data: bytes) -> list[tuple[str, str, str]]:
    """A raw tree object -> [(mode, name, object id)]."""
    out: list[tuple[str, str, str]] = []
    pos = 0
    while pos < len(data):
        space = data.index(b" ", pos)
        nul = data.index(b"\0", space)
        mode = data[pos:space].decode()
        name = data[space + 1:nul].decode("utf-8", "surrogateescape")
        oid = data[nul + 1:nul + 21].hex()
        out.append((mode, name, oid))
        pos = nul + 21
    return out

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
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ZERO = "0" * 40


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
                    ["git", *args], cwd=self.root, env=self.env, stdout=subprocess.PIPE,
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

    def resolve(self, rev: str) -> str | None:
        done = self._run(["rev-parse", "--verify", "-q", "--end-of-options",
                          f"{rev}^{{commit}}"], check=False)
        return done.stdout.decode().strip() or None if done.returncode == 0 else None

    def is_shallow(self) -> bool:
        return self.out("rev-parse", "--is-shallow-repository").strip() == "true"

    def rev_list(self, *revs: str) -> list[tuple[str, tuple[str, ...]]]:
        """Commits reachable from ``revs``, parents before children, with their parents."""
        text = self.out("rev-list", "--topo-order", "--reverse", "--parents", *revs, "--")
        out: list[tuple[str, tuple[str, ...]]] = []
        for line in text.splitlines():
            ids = line.split()
            if ids:
                out.append((ids[0], tuple(ids[1:])))
        return out

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

    def changes(self, pairs: Sequence[tuple[str, str | None]]) -> dict[str, list[tuple[str, str | None]]]:
        """Paths each commit changed against the given parent (None: a first commit).

        Returns commit -> [(path, new blob id or None when deleted)].
        """
        out: dict[str, list[tuple[str, str | None]]] = {c: [] for c, _p in pairs}
        if not pairs:
            return out
        lines = "".join(f"{c} {p}\n" if p else f"{c}\n" for c, p in pairs)
        raw = self._run(["diff-tree", "--stdin", "-r", "-z", "--no-renames", "--root"],
                        input=lines.encode()).stdout
        parts = raw.split(b"\0")
        current: list[tuple[str, str | None]] | None = None
        i = 0
        while i < len(parts):
            token = parts[i]
            if token.startswith(b":"):
                fields = token[1:].split()
                path = parts[i + 1].decode("utf-8", "surrogateescape")
                new = fields[3].decode()
                if current is not None:
                    current.append((path, None if new == ZERO else new))
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
        return self.out("hash-object", "--", str(path)).strip()

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


def parse_commit(oid: str, raw: bytes) -> RawCommit:
    """Split a commit object into its fields, its signature and the signed payload.

    The payload is the object without its ``gpgsig`` header, exactly what the
    signer signed (git drops ``gpgsig-sha256`` too).
    """
    header_end = raw.find(b"\n\n")
    head = raw if header_end < 0 else raw[:header_end]
    body = b"" if header_end < 0 else raw[header_end + 2:]
    kept: list[bytes] = []
    signature: list[bytes] = []
    in_sig = False
    skipping = False
    tree = ""
    parents: list[str] = []
    author = ""
    author_time = committer_time = 0
    for line in head.split(b"\n"):
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
        if line.startswith(b"tree "):
            tree = line[5:].decode()
        elif line.startswith(b"parent "):
            parents.append(line[7:].decode())
        elif line.startswith(b"author "):
            author, author_time = _ident(line[7:])
        elif line.startswith(b"committer "):
            _name, committer_time = _ident(line[10:])
    payload = b"\n".join(kept) + (raw[header_end:] if header_end >= 0 else b"")
    return RawCommit(
        oid=oid, tree=tree, parents=tuple(parents), author=author,
        author_time=author_time, committer_time=committer_time,
        signature=b"\n".join(signature) + b"\n" if signature else None,
        payload=payload, message=body.decode("utf-8", "replace"),
    )


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

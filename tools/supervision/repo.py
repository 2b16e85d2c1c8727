"""A records repository on disk: where it is, its settings, people and profiles.

Commands receive a :class:`RecordsRepo` explicitly; there are no global
settings. Loading never raises on bad content: problems are collected in
``repo.problems`` and reported like any other finding.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supervision.config import CONFIG_FILE, Config, Person, load_config
from supervision.forms.definition import Form, Profile, load_profile
from supervision.forms.validate import Context
from supervision.problems import Problem
from supervision.rules import problem

RECORD_DIRS = ("records", "contracts")
RECORD_SUFFIXES = (".yaml", ".yml")


def is_record_path(relpath: str) -> bool:
    """Whether a relative path names a record file, as :meth:`RecordsRepo.record_files`
    lists them: under records/ or contracts/, a YAML suffix, no hidden folder or file."""
    parts = relpath.split("/")
    return (len(parts) > 1 and parts[0] in RECORD_DIRS and relpath.endswith(RECORD_SUFFIXES)
            and not any(part.startswith(".") for part in parts))


class NotARecordsRepo(Exception):
    """Raised when no supervision.yml is found; the CLI turns it into exit 2."""


def find_root(start: Path) -> Path:
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / CONFIG_FILE).is_file():
            return candidate
    raise NotARecordsRepo(
        f"{start} is not inside a records repository (no {CONFIG_FILE} found here or above)"
    )


def _case_ref_example(pattern: str) -> str:
    if pattern == r"^C-[0-9A-HJ-NP-Z]{6}$":
        return "C-7K3QXM"
    return f"matching {pattern}"


@dataclass
class RecordsRepo:
    root: Path
    config: Config | None
    people: dict[str, Person]
    problems: list[Problem] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)  # by profile reference
    _contexts: dict[str, Context] = field(default_factory=dict)
    _guard: Any = field(default=None, repr=False)
    _files: list[str] | None = field(default=None, repr=False)
    #: supervision.yml and people.yml as parsed when loaded (for line numbers).
    documents: dict[str, Any] = field(default_factory=dict, repr=False)
    #: The files are as git stores them (the server gate), not a working tree: in a
    #: sealing repository every record must then be in its sealed form (issue 19).
    stored: bool = False

    @classmethod
    def load(cls, root: Path, remembered: bool = False) -> RecordsRepo:
        """The repository at ``root``. ``remembered``: settings that checked clean before
        may come from the store (see :func:`supervision.config.load_config`)."""
        loaded = load_config(root, remembered)
        repo = cls(root=root, config=loaded.config, people=loaded.people,
                   problems=list(loaded.problems), documents=dict(loaded.documents))
        if repo.config is not None:
            refs = {repo.config.profile}
            refs.update(s.profile for s in repo.config.schools.values() if s.profile)
            for ref in sorted(refs):
                repo._load_profile(ref)
        return repo

    def _load_profile(self, ref: str) -> None:
        source: str | Path = ref
        if ref.endswith((".yml", ".yaml")) or "/" in ref:
            source = (self.root / ref).resolve()
            if not source.is_relative_to(self.root.resolve()) or not source.is_file():
                self.problems.append(problem(
                    "PROFILE-UNKNOWN", CONFIG_FILE, 1, 1,
                    f"the profile file {ref} does not exist inside this repository"))
                return
        profile, found = load_profile(source)
        for p in found:  # show profile files relative to the repository
            if p.path.startswith(str(self.root)):
                p = Problem(**{**p.as_dict(), "path": str(Path(p.path).relative_to(self.root))})
            self.problems.append(p)
        if profile is not None:
            self.profiles[ref] = profile

    # -- lookups ---------------------------------------------------------------
    def profile_ref(self, school: str | None) -> str | None:
        if self.config is None:
            return None
        found = self.config.schools.get(school or "")
        if found is not None and found.profile:
            return found.profile
        return self.config.profile

    def profile_for(self, school: str | None) -> Profile | None:
        ref = self.profile_ref(school)
        return self.profiles.get(ref) if ref else None

    def form(self, school: str | None, kind: str, group: bool = False) -> Form | None:
        profile = self.profile_for(school)
        return profile.form_for(kind, group) if profile else None

    def context(self, profile: Profile) -> Context:
        ctx = self._contexts.get(profile.id)
        if ctx is None:
            pattern = self.config.case_ref_pattern if self.config else r"^C-[0-9A-HJ-NP-Z]{6}$"
            ctx = Context(
                people=frozenset(self.people),
                schools=frozenset(self.config.schools) if self.config else frozenset(),
                case_ref=re.compile(pattern),
                case_ref_example=_case_ref_example(pattern),
                themes=profile.themes,
            )
            self._contexts[profile.id] = ctx
        return ctx

    def privacy_guard(self) -> Any:  # supervision.privacy.scanner.Guard (import kept lazy)
        """The privacy scanner for this repository: deny list, staff names, patterns."""
        if self._guard is None:
            from supervision.privacy.scanner import Guard

            config = self.config
            self._guard = Guard.build(
                self.root, config.deny_list if config else None,
                (person.name for person in self.people.values()),
                config.case_ref_pattern if config else None, self.profiles.values())
        return self._guard

    def relative(self, path: Path) -> str:
        """Path as shown in messages: relative to the repository, with '/'."""
        resolved = path.resolve() if not path.is_absolute() else path
        try:
            return resolved.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def record_blobs(self) -> dict[str, str]:
        """Every record (as :meth:`record_files`) with the git blob id of its bytes in the
        working folder: from git's index for files git says are unchanged (no file is
        read), hashed for the others, and for every file outside git."""
        from supervision.cache import stamp

        index, changed = _git_index(self.root)
        files = self.record_files()
        out: dict[str, str] = {}
        for relpath in files:
            blob = index.get(relpath) if relpath not in changed else None
            if blob is None:
                blob = stamp(str(self.root) + os.sep + relpath) or ""
            out[relpath] = blob
        return out

    def record_files(self) -> list[str]:
        """Every record under records/ and contracts/, sorted, relative paths (read once:
        a repository object describes the folder as it was when first asked)."""
        if self._files is None:
            self._files = self._list_files()
        return list(self._files)

    def _list_files(self) -> list[str]:
        found: list[str] = []
        root = str(self.root)
        for top in RECORD_DIRS:
            base = os.path.join(root, top)
            if os.path.isdir(base):
                _walk(base, top, found)
        found.sort()
        return found


def _git_index(root: Path) -> tuple[dict[str, str], set[str]]:
    """(path -> blob id in git's index, paths whose working copy differs from it), for
    the record folders, relative to ``root``; ({}, set()) outside git."""
    import subprocess

    from supervision.cache import cache_dir
    from supervision.signing.settle import settle_index

    settle_index(root, RECORD_DIRS, cache_dir(root))  # git's index settled once if racy
    args = ["git", "-c", "core.quotePath=false"]
    try:
        listed = subprocess.run([*args, "ls-files", "-s", "-z", "--", *RECORD_DIRS], cwd=root,
                                capture_output=True, timeout=120)
        if listed.returncode != 0:
            return {}, set()
        dirty = subprocess.run([*args, "diff-files", "--name-only", "-z", "--relative", "--",
                                *RECORD_DIRS], cwd=root, capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return {}, set()
    index: dict[str, str] = {}
    for entry in listed.stdout.split(b"\0"):
        meta, _tab, path = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) == 3 and parts[2] == b"0":
            index[path.decode("utf-8", "surrogateescape")] = parts[1].decode()
    changed = {p.decode("utf-8", "surrogateescape") for p in dirty.stdout.split(b"\0") if p}
    if dirty.returncode != 0:
        changed = set(index)
    return index, changed


def _walk(base: str, rel: str, out: list[str]) -> None:
    with os.scandir(base) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                _walk(entry.path, f"{rel}/{name}", out)
            elif name.endswith(RECORD_SUFFIXES):
                out.append(f"{rel}/{name}")

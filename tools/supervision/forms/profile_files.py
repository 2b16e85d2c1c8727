"""Where a profile's YAML comes from: the package's own (``profiles/core.yml`` and the
built-in profiles) or a profile file in a repository, parsed with positions.

The package's own files never change while a process runs, so each is parsed once per
process (the resident checker parses them before it forks, so a check it answers reads
no profile YAML); a repository's file is read each time it is asked for. A parsed
document is only ever read, never changed; each caller gets its own list of problems.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from supervision.forms.yamlparse import Document, parse_bytes
from supervision.problems import Problem
from supervision.rules import problem

BUILT_IN = Path(__file__).resolve().parent / "profiles"


def parse_built_in(name: str) -> tuple[Document | None, list[Problem]]:
    """One of the package's profile files (``core.yml``, ``agenda.yml``...)."""
    doc, problems = _built_in(name)
    return doc, list(problems)


@functools.cache
def _built_in(name: str) -> tuple[Document | None, tuple[Problem, ...]]:
    # The package is installed as files (a wheel, or the source tree), so the built-in
    # profiles sit beside this module: read directly, without importlib.resources and
    # the zip machinery it imports (a tenth of a one-record check's imports).
    doc, problems = _parsed(lambda: (BUILT_IN / name).read_bytes(),
                            f"<built-in>/profiles/{name}", name)
    return doc, tuple(problems)


def parse_profile(path: Path) -> tuple[Document | None, list[Problem]]:
    """A profile file of a repository, read now."""
    return _parsed(path.read_bytes, str(path), str(path))


def _parsed(read: Callable[[], bytes], display: str,
            name: str) -> tuple[Document | None, list[Problem]]:
    try:
        raw = read()
    except OSError as exc:
        return None, [problem("PROFILE-UNKNOWN", name, 1, 1,
                              f"cannot read the profile: {exc.strerror or exc}")]
    doc, problems = parse_bytes(raw, display)
    if doc is not None and not isinstance(doc.data, dict):
        problems.append(problem("PROFILE-INVALID", display, 1, 1,
                                "a profile must be a mapping of settings"))
        return None, problems
    return doc, problems

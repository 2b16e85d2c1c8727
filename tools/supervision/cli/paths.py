"""Paths given on the command line, as the repository-relative paths findings use."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from supervision.cli import UsageError


def in_repo(repo: Any, given: str) -> str:
    """``given`` (relative to the current folder, or absolute) relative to the repository."""
    path = Path(given)
    absolute = (path if path.is_absolute() else Path(os.getcwd()) / path).resolve()
    try:
        return absolute.relative_to(repo.root).as_posix()
    except ValueError:
        raise UsageError(f"{given} is outside the records repository at {repo.root}",
                         "Give a path inside the repository.") from None

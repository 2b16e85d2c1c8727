"""When was each record signed off? The seam between the reports and sign-off.

The reports take sign-off dates as plain data, ``SignOffs``: record path ->
list of (role, date). Roles are the record's signers (``supervisor``,
``supervisee``, ``reviewer``) or ``recorded``, meaning only "the record was
first committed on this date".

Until verified sign-offs exist (`supervision verify`, issue 3), :func:`collect`
falls back to one ``git log`` pass over ``records/``: the date each record was
first committed, as ``("recorded", date)``. When verify lands, make
:func:`collect` return its verified sign-offs (one ``(role, date)`` per good
signature) and keep the fallback for repositories without signatures; nothing
else in the reports changes.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Mapping
from pathlib import Path

SignOffs = Mapping[str, list[tuple[str, dt.date]]]

RECORDED = "recorded"


def first_commit_dates(root: Path, folders: tuple[str, ...] = ("records",)) -> dict[
        str, list[tuple[str, dt.date]]] | None:
    """The date each record under ``folders`` was first committed (None: no git history)."""
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=off", "log", "--reverse", "--no-renames",
             "--diff-filter=A", "--format=%x00%cs", "--name-only", "--", *folders],
            cwd=root, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    out: dict[str, list[tuple[str, dt.date]]] = {}
    day: dt.date | None = None
    for line in done.stdout.splitlines():
        if line.startswith("\0"):
            day = dt.date.fromisoformat(line[1:].strip())
        elif line and day is not None and line not in out:
            out[line] = [(RECORDED, day)]
    return out


def collect(root: Path) -> tuple[SignOffs | None, str]:
    """Sign-off dates for the reports and a sentence saying where they came from."""
    found = first_commit_dates(root)
    if found is None:
        return None, ("Sign-off dates are not available: this folder has no git history, so "
                      "the sign-off table is left out.")
    return found, ("Until signed sign-offs are verified, a record counts as written up on "
                   "the day it was first committed to the records repository.")


def signed_on(signoffs: SignOffs, path: str, role: str = "supervisor") -> dt.date | None:
    """The date ``role`` signed ``path``, else the date it was recorded, else None."""
    entries = signoffs.get(path) or []
    for wanted in (role, RECORDED):
        dates = [day for who, day in entries if who == wanted]
        if dates:
            return min(dates)
    return None

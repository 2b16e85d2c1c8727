"""Verify in the background while ``check`` reads the records.

A whole ``check`` (or a check of a few records that must read nearly all of them,
their store being void: a first commit after an update) of a trust whose sign-offs
for this HEAD are not in the store yet needs a cold verify (the time rules judge
deadlines by verified sign-offs) and every record's history dates. Both are a single process's work, while reading the records
is spread over the cores; run one after the other, one core sits idle through the
verify. So the verify takes one core and the records are read on the others (on two
cores, by the check's own process: four processes sharing two was slower).
:func:`start` begins both in a forked process (which opens its own store
connections and git processes, uses none of this one's, and ends with ``os._exit``,
so nothing of this process is closed or flushed twice) and :func:`finish` waits; the
results reach the time rules through the store (``signoffs`` and ``history`` rows),
exactly as a later warm run would read them. The history is read in a child of the
helper while the verify starts (its `git log` is most of its time, and the verify's
memory peaks long after the child has ended: a cold check's peak is the sum of its
processes), and waited for after the verify. If the helper process fails for any
reason the time rules work everything out themselves, as before: nothing is lost but
time.
"""

from __future__ import annotations

import contextlib
import os
from multiprocessing import get_context
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any


def _history(root: str) -> int:  # pragma: no cover (runs in the helper process)
    """Every record's history dates into the store, in a child of its own (its pid):
    its git log and the parsed log (tens of MiB) are gone before the verify's memory
    peaks, rather than on top of it."""
    pid = os.fork()
    if pid == 0:
        try:
            from supervision.signing.commit_dates import read_history

            read_history(Path(root), use_cache=True)
        finally:
            os._exit(0)
    return pid


def _work(root: str) -> None:  # pragma: no cover (runs in the helper process)
    from supervision.repo import RecordsRepo
    from supervision.signing.signoff_dates import verified_signoffs

    history = _history(root)
    try:
        repo = RecordsRepo.load(Path(root))
        verified_signoffs(repo, use_cache=True, alongside=True)
    finally:
        os.waitpid(history, 0)


def needed(repo: Any) -> bool:
    """True when the repository signs and the store has no sign-offs for HEAD."""
    if repo.config is None or not repo.config.admins:
        return False
    from supervision.cache import Cache
    from supervision.signing.commit_dates import head_commit
    from supervision.signing.signoff import results_salt

    head = head_commit(repo.root)
    if head is None:
        return False
    cache = Cache(repo.root, "signoffs", results_salt(repo))
    try:
        return cache.get("#head", head) != head
    finally:
        cache.close()


def start(repo: Any) -> BaseProcess | None:
    """The helper process verifying ``repo`` now, or None when nothing is to be done
    (or a process cannot be started: then the time rules verify as they go)."""
    if not needed(repo):
        return None
    try:
        process = get_context("fork").Process(target=_work, args=(str(repo.root),),
                                               daemon=True)
        process.start()
    except (OSError, ValueError):  # no fork on this system
        return None
    return process


def finish(process: BaseProcess | None) -> None:
    """Wait for the helper process (its results are in the store when it succeeded)."""
    if process is None:
        return
    with contextlib.suppress(OSError):
        process.join()

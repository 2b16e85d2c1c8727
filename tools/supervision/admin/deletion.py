"""Deleting a record past its retention period: one admin-signed commit with a reason.

:func:`plan` refuses, changing nothing, unless the record is committed, unchanged
here, readable, past its retention period (``admin/retention.py``; a contract still in
force never is), and the key is a records admin's; :func:`delete` then removes exactly
that file in one signed commit whose ``Supervision-Reason`` trailer gives the
retention facts and the admin's own reason. That is what ``signing/ledger.py`` asks
of any deletion of an agreed record, so ``supervision verify`` lists it as
``deleted`` (who, when, why) and raises nothing. The history still holds the record:
deleting it from the records is not erasure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from supervision.admin import admin_commit
from supervision.admin.admin_commit import Refusal
from supervision.admin.retention import Kept, Retention
from supervision.repo import RecordsRepo
from supervision.signing.signoff import is_record_path


@dataclass(frozen=True)
class Plan:
    path: str
    kept: Kept
    status: str  # verify's status of the record before it goes
    admin: str  # the records admin making the commit
    reason: str  # the trailer: retention facts and the admin's reason

    def message(self, years: int) -> str:
        k = self.kept
        body = (f"{self.admin} deletes this record: it was kept {years} years from "
                f"{k.counted_from} ({k.because}), until {k.kept_until}, and has been "
                f"reviewed. Its status was {self.status}. The history still holds it.\n\n"
                f"{self.path}")
        return admin_commit.message(f"Retention: delete {self.path}", body, self.reason)


def plan(repo: RecordsRepo, git: Any, analysis: Any, facts: dict[str, dict[str, Any]],
         relpath: str, reason: str | None, today: dt.date, fingerprint: str) -> Plan:
    """Everything checked before anything is deleted; Refusal otherwise."""
    said = admin_commit.reason_line(reason)
    if not is_record_path(relpath):
        raise Refusal(f"{relpath} is not a record: only records under records/ or "
                      "contracts/ are kept for a retention period",
                      "Give the path of a record that `supervision retention` lists.",
                      usage=True)
    if not (repo.root / relpath).is_file():
        raise Refusal(f"there is no record at {relpath}",
                      "Check the path (it is relative to where you are); `supervision "
                      "retention` lists the records past their retention period.", usage=True)
    if not git.is_tracked(relpath):
        raise Refusal(f"{relpath} has never been committed, so it has no history to keep "
                      "or delete", "It is only a file on this computer: delete it yourself "
                      "if it is not wanted.")
    if git.uncommitted(relpath):
        raise Refusal(f"{relpath} has changes here that are not committed; nothing was "
                      "deleted", f"Undo them first (git checkout -- {relpath}).")
    retention = Retention(repo, facts)
    if relpath not in facts:
        raise Refusal(f"{relpath} cannot be read as a record, so its retention period "
                      "cannot be worked out; nothing was deleted",
                      f"Run `supervision check {relpath}` and correct it first.")
    kept = retention.of(relpath)
    if kept is None:
        raise Refusal(f"{relpath} is the contract in force for its supervisee, so it is "
                      "kept; nothing was deleted",
                      "A contract's retention counts from when the next contract began "
                      "or the supervisee left (people.yml 'left').")
    if kept.kept_until > today:
        raise Refusal(f"{relpath} is kept until {kept.kept_until} ({retention.years} years "
                      f"from {kept.counted_from}, {kept.because}); nothing was deleted",
                      "Only records past the retention period can be deleted with this "
                      "command; `supervision retention` lists them.")
    admin = admin_commit.admin_person(analysis, fingerprint)
    admin_commit.nothing_staged(git)
    status = next((r.status for r in analysis.records if r.path == relpath), "draft")
    trailer = (f"past the retention period ({retention.years} years from "
               f"{kept.counted_from}, kept until {kept.kept_until}): {said}")
    return Plan(relpath, kept, status, admin, trailer)


def delete(repo: RecordsRepo, git: Any, planned: Plan, key: str) -> str:
    """Remove the file and make the signed commit; the commit id."""
    from supervision.signing.gitio import GitError

    years = repo.config.retention_years if repo.config else 7
    try:
        git.out("rm", "--quiet", "--", planned.path)
    except GitError as exc:
        raise Refusal(f"could not remove {planned.path}: {exc}") from None
    try:
        return admin_commit.commit(git, planned.message(years), key)
    except Refusal:
        git.ok("checkout", "HEAD", "--", planned.path)  # put the record back
        raise

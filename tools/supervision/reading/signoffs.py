"""Where a record stands: who has signed which version, in one sentence and a table.

From what ``supervision verify`` works out (``signing.verify.Verifier``: the
record's status, each role's latest valid sign-off and the version it signed),
or, before that can say anything, from git alone: a folder that is not a git
repository ("not in git yet"), a record never committed, a repository that does
not sign yet (no records admins in supervision.yml). The words match
``supervision verify``'s statuses: draft, awaiting-<role>, agreed, disputed, stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from supervision.forms.definition import Form
from supervision.problems import ERROR
from supervision.reading import words
from supervision.reading.model import Signer, SignOff
from supervision.repo import RecordsRepo

NOT_IN_GIT, NOT_COMMITTED, NOT_SIGNING, UNKNOWN = (
    "not-in-git", "not-committed", "not-signing", "unknown")
THIS_VERSION, EARLIER_VERSION, NOT_SIGNED = "this version", "an earlier version", "not signed"


def _day(stamp: int) -> str:
    return words.short_date(dt.datetime.fromtimestamp(stamp).date())


class _Words:
    def __init__(self, form: Form, data: Any, people: Mapping[str, str]) -> None:
        self.form = form
        self.people = people
        mapping = data if isinstance(data, dict) else {}
        self.holders = {role: mapping[role] for role in form.signers
                        if isinstance(mapping.get(role), str)}

    def who(self, person: str | None) -> str:
        return words.person(person, self.people) if person else "nobody named yet"

    def unsigned(self, holders: Mapping[str, str] | None = None) -> list[Signer]:
        holders = self.holders if holders is None else holders
        return [Signer(role, self.who(holders.get(role)), None, NOT_SIGNED)
                for role in self.form.signers]

    def needs(self, roles: list[str], holders: Mapping[str, str]) -> str:
        """``the signatures of the supervisor Jo Fictional (deputy-sample) and ...``"""
        return ("the signature of " if len(roles) == 1 else "the signatures of ") + \
            words.join_and([f"the {words.role_word(r)} {self.who(holders.get(r))}"
                            for r in roles])

    def disagreement_label(self) -> str:
        found = self.form.field("disagreement")
        return found.title if found is not None else "disagreement"


def before_git(form: Form, data: Any, people: Mapping[str, str], state: str) -> SignOff:
    """Not in a git repository, or not committed: nobody can have signed it."""
    w = _Words(form, data, people)
    if state == NOT_IN_GIT:
        summary = ("Not in git yet: this folder is not a git repository, so nobody can "
                   "have signed this record.")
    else:
        summary = "Not committed yet: nobody can sign this record until it is committed."
    return SignOff(summary, state, w.unsigned())


def from_git(repo: RecordsRepo, relpath: str, form: Form, data: Any,
             people: Mapping[str, str], analysis: Any = None) -> SignOff:
    """The sign-off block of a record in a repository, read from its history.

    ``analysis``: what ``supervision verify`` worked out already (a
    ``signing.analysis.Analysis``), for a caller reading many records at once."""
    from supervision.signing.analysis import NotAGitRepository
    from supervision.signing.commit_dates import read_history
    from supervision.signing.gitio import Git, GitError
    from supervision.signing.verify import Verifier

    git = Git(repo.root)
    w = _Words(form, data, people)
    try:
        if not git.is_repository():
            return before_git(form, data, people, NOT_IN_GIT)
        if git.head() is None or not git.is_tracked(relpath):
            return before_git(form, data, people, NOT_COMMITTED)
        notes = []
        if git.uncommitted(relpath):
            notes.append("This copy has changes that are not committed yet: what is signed "
                         "is the committed version, not what is shown here.")
        if repo.config is None or not repo.config.admins:
            last = read_history(repo.root).last_changed(relpath)
            when = f" It was last committed on {words.short_date(last)}." if last else ""
            return SignOff("Not signed: this repository does not use signed sign-off yet "
                           "(it has no records admins in supervision.yml)." + when,
                           NOT_SIGNING, w.unsigned(), notes)
        if analysis is None:
            analysis = Verifier(repo, git).run()
    except (GitError, NotAGitRepository, OSError) as exc:
        return SignOff(f"Unknown: the git history could not be read ({exc}).", UNKNOWN,
                       w.unsigned())
    if analysis.shallow:
        return SignOff("Unknown: this is a shallow clone, so its signatures cannot be "
                       "checked back to the first commit.", UNKNOWN, w.unsigned(), notes)
    record = next((r for r in analysis.records if r.path == relpath), None)
    if record is None:
        return before_git(form, data, people, NOT_COMMITTED)
    errors = [f for f in analysis.findings
              if f.problem.path == relpath and f.problem.severity == ERROR]
    if errors:
        notes.append(f"`supervision verify` finds {len(errors)} problem"
                     f"{'s' if len(errors) > 1 else ''} in this record's history; run it for "
                     "the details.")
    return _status(record, w, notes)


def _status(record: Any, w: _Words, notes: list[str]) -> SignOff:
    """``record``: a signing.analysis.RecordStatus."""
    holders = dict(record.holders) or w.holders
    latest = {ref.role: ref for ref in record.signoffs}
    current = [latest[r] for r in record.signers if r in latest and
               latest[r].blob == record.blob]
    rows = []
    for role in record.signers:
        ref = latest.get(role)
        person = ref.person if ref is not None else holders.get(role)
        if ref is None:
            rows.append(Signer(role, w.who(person), None, NOT_SIGNED))
        else:
            rows.append(Signer(role, w.who(person), _day(ref.time),
                               THIS_VERSION if ref.blob == record.blob else EARLIER_VERSION))
    signed = words.join_and([f"{w.who(ref.person)} on {_day(ref.time)}" for ref in current])
    status = record.status
    missing = [r for r in record.signers if r not in {ref.role for ref in current}]
    if status == "draft":
        summary = (f"Not signed yet: it needs {w.needs(missing, holders)}."
                   if missing else "Not signed yet: this form has nobody to sign it.")
    elif status.startswith("awaiting-"):
        if len(missing) == 1:
            role = words.role_word(missing[0])
            summary = (f"Awaiting the {words.possessive(role)} signature, from "
                       f"{w.who(holders.get(missing[0]))}. Signed so far by {signed}.")
        else:
            summary = f"Awaiting {w.needs(missing, holders)}. Signed so far by {signed}."
    elif status == "agreed":
        summary = f"Agreed: signed by {signed}."
    elif status == "disputed":
        summary = (f"Disputed: signed by {signed}, with a disagreement recorded (see "
                   f"\u201c{w.disagreement_label()}\u201d).")
    elif status == "stale":
        earlier = words.join_and([w.who(ref.person) for ref in record.signoffs])
        summary = f"Changed since {earlier} signed it: needs signing again."
        changed = record.changed_by or {}
        if changed.get("date"):
            by = changed.get("person")
            who = w.who(by) if by else str(changed.get("who") or "someone")
            day = dt.datetime.fromisoformat(str(changed["date"]).replace("Z", "+00:00"))
            notes.append(f"Changed on {words.short_date(day.astimezone().date())} by {who}.")
    else:
        summary = f"Status: {status}."
    return SignOff(summary, status, rows, notes)


def deleted(record: Any, form: Form, data: Any, people: Mapping[str, str]) -> SignOff:
    """A signed record deleted since (``record``: its ``RecordStatus``, status
    ``deleted``): who deleted it, when and why, and who had signed it."""
    w = _Words(form, data, people)
    gone = record.deleted_by or {}
    by = gone.get("person")
    who = w.who(by) if by else "someone"
    when = ""
    if gone.get("date"):
        day = dt.datetime.fromisoformat(str(gone["date"]).replace("Z", "+00:00"))
        when = f" on {words.short_date(day.astimezone().date())}"
    reason = f" (reason: {gone['reason']})" if gone.get("reason") else ""
    signed = words.join_and([f"{w.who(ref.person)} on {_day(ref.time)}"
                             for ref in record.signoffs])
    rows = [Signer(ref.role, w.who(ref.person), _day(ref.time),
                   THIS_VERSION if ref.blob == record.blob else EARLIER_VERSION)
            for ref in record.signoffs]
    summary = (f"Deleted{when} by {who}{reason}. It had been signed by {signed or 'nobody'}. "
               "The records' history still holds it, so this copy is made from there.")
    return SignOff(summary, "deleted", rows)

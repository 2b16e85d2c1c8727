"""One signed commit by a records admin, with a reason: what deletion and reassignment share.

``supervision verify`` (``signing/ledger.py``) accepts a deleted or moved agreed record
only from a commit signed by a records admin key of the line so far that carries a
``Supervision-Reason`` trailer; anything else is ``RECORD-DELETED`` (or, for a signed
record someone else changed, ``RECORD-CHANGED-BY-OTHER``). So these changes refuse,
before touching anything, unless: the repository signs (it has records admins), the
clone holds the whole history, the key given is an admin key as verify sees it at
the head, the reason is one plain line, and nothing else is staged (the commit holds
exactly what the command wrote). After committing, verify runs again and anything it
says about the new commit is returned to be shown.
"""

from __future__ import annotations

from typing import Any

from supervision.problems import Problem
from supervision.repo import RecordsRepo
from supervision.signing.signoff import REASON_TRAILER

MAX_REASON = 300


class Refusal(Exception):
    """The change will not be made; nothing was changed. ``usage``: the command was
    called wrongly (exit 2) rather than refused (exit 1)."""

    def __init__(self, message: str, hint: str = "", usage: bool = False) -> None:
        super().__init__(message)
        self.hint = hint
        self.usage = usage


class CommitFailed(Refusal):
    """git could not make the signed commit (usually gpg); everything was put back."""


def reason_line(text: str | None) -> str:
    """The reason as the one line the trailer holds, or Refusal (usage)."""
    if text is None or not text.strip():
        raise Refusal("--reason needs a reason: say why, in one line",
                      'For example --reason "past the retention period; reviewed by the '
                      'DSL on 2 March".', usage=True)
    if any(c in text for c in "\n\r") or any(ord(c) < 32 for c in text):
        raise Refusal("--reason must be one line of plain text", "Leave out line breaks.",
                      usage=True)
    if len(text.strip()) > MAX_REASON:
        raise Refusal(f"--reason is longer than {MAX_REASON} characters",
                      "Say it more briefly; the commit message can hold the details.",
                      usage=True)
    return " ".join(text.split())


def verified(repo: RecordsRepo, git: Any) -> Any:
    """verify's analysis of the history (with its ledger), or Refusal when the
    repository cannot take a records admin's signed change."""
    from supervision.signing.analysis import NotAGitRepository
    from supervision.signing.verify import Verifier

    if not git.is_repository() or git.head() is None:
        raise Refusal(f"{repo.root} has no git history yet, so there is nothing to change",
                      "This works in a records repository with committed records.",
                      usage=True)
    if repo.config is None or not repo.config.admins:
        raise Refusal("this repository does not sign yet (supervision.yml lists no records "
                      "admins), so the change could not be told apart from anyone's",
                      "Set up signing first: README, 'Setting up signing keys'.")
    try:
        analysis = Verifier(repo, git).run(ledger=True)
    except NotAGitRepository as exc:
        raise Refusal(str(exc), usage=True) from None
    if analysis.shallow:
        raise Refusal("this clone is shallow, so whose keys count cannot be checked",
                      "Run `git fetch --unshallow`, then try again.")
    return analysis


def admin_person(analysis: Any, fingerprint: str) -> str:
    """The records admin who holds this key at the head of the line, or Refusal."""
    trust = analysis.head_trust()
    if trust is None or fingerprint not in trust.admins:
        owner = trust.person_for(fingerprint) if trust is not None else None
        who = f"your key ({owner})" if owner else f"the key {fingerprint}"
        raise Refusal(f"{who} is not a records admin's key, and only a records admin may "
                      "make this change (supervision verify would report it)",
                      "Ask a records admin to run the command with their own key.")
    return trust.person_for(fingerprint) or trust.admin_person(fingerprint)


def nothing_staged(git: Any) -> None:
    if git.has_staged_changes():
        raise Refusal("other changes are staged for commit; this change must be a commit "
                      "of its own", "Commit or unstage them first (git restore --staged .).")


def message(subject: str, body: str, reason: str) -> str:
    return f"{subject}\n\n{body}\n\n{REASON_TRAILER}: {reason}\n"


def commit(git: Any, text: str, key: str) -> str:
    """The signed commit of what is staged; CommitFailed (index put back) on failure."""
    from supervision.signing.gitio import GitError

    try:
        return str(git.commit_signed(text, key))
    except GitError as exc:
        git.ok("reset", "--quiet")
        raise CommitFailed(f"the signed commit could not be made: {exc}") from None


def findings_on(repo: RecordsRepo, git: Any, commit_id: str) -> tuple[Any, list[Problem]]:
    """verify again: (the analysis, what it says about this very commit)."""
    from supervision.signing.verify import Verifier

    analysis = Verifier(repo, git).run()
    return analysis, [f.problem for f in analysis.findings if f.commit == commit_id]

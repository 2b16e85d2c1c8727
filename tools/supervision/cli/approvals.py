"""``supervision keys approve COMMIT`` and ``supervision keys confirm FINGERPRINT``.

Two signed, empty commits that make one person one vote:

* ``approve``: a records admin approves another admin's change of people.yml, keys/
  or the admins; it counts once ``admins_required`` different admins have signed it;
* ``confirm``: a person confirms, with one of their older registered keys, a new key
  registered for them, so that an admin cannot quietly add a key in their name.
"""

from __future__ import annotations

import argparse
from typing import Any

from supervision.cli import EXIT_OK, Refused, UsageError, open_repo


def register(actions: Any, common: argparse.ArgumentParser) -> None:
    approve = actions.add_parser(
        "approve", parents=[common], help="approve another admin's change of people or keys",
        description="Make a signed commit approving COMMIT, a change of people.yml, keys/ or "
        "the admins made by another records admin. It counts once admins_required different "
        "admins (people, not keys) have signed or approved it.")
    approve.add_argument("commit", metavar="COMMIT", help="the commit making the change")
    approve.add_argument("--key", metavar="FINGERPRINT",
                         help="sign with this key (default: git config user.signingkey)")
    confirm = actions.add_parser(
        "confirm", parents=[common], help="confirm a new key registered for you",
        description="Make a commit signed with one of your older registered keys saying that "
        "the new key FINGERPRINT registered for you is yours. Until you do (or enough other "
        "admins approve its registration), verify and status warn about it.")
    confirm.add_argument("fingerprint", metavar="FINGERPRINT")


def _verified(repo: Any) -> Any:
    from supervision.signing.gitio import Git
    from supervision.signing.verify import Verifier

    git = Git(repo.root)
    if not git.is_repository() or git.head() is None:
        raise UsageError(f"{repo.root} has no commits yet", "Approvals name commits.")
    if git.uncommitted("people.yml", "supervision.yml", "keys") or git.has_staged_changes():
        raise Refused("there are changes not yet committed; an approval commit must hold "
                      "nothing else", "Commit or undo them first.")
    analysis = Verifier(repo, git).run()
    if analysis.shallow:
        raise Refused("this clone is shallow, so the history cannot be checked",
                      "Run `git fetch --unshallow` first.")
    return git, analysis


def approve(args: argparse.Namespace) -> int:
    from supervision.cli.sign import signing_key
    from supervision.signing.signoff import approval_message

    repo = open_repo(args)
    git, analysis = _verified(repo)
    wanted = git.resolve(args.commit)
    head = analysis.entries.get(analysis.head or "")
    if wanted is None:
        raise UsageError(f"{args.commit} is not a commit in this repository")
    pending = head.pending if head is not None else None
    if pending is None or pending[0] != wanted:
        waiting = f" ({pending[0][:10]} is waiting)" if pending else ""
        raise Refused(f"{wanted[:10]} is not a change of who may sign that waits for approval"
                      + waiting, "`supervision verify` lists what waits (TRUST-CHANGE-PENDING).")
    key = signing_key(args.key, git)
    trust = analysis.head_trust()
    person = trust.person_for(key) if trust else None
    if trust is None or key not in trust.admins or person is None:
        raise Refused("your key is not a registered records admin key",
                      "Only records admins approve changes of people and keys.")
    if person in pending[2]:
        raise Refused(f"you ({person}) have already signed or approved {wanted[:10]}",
                      "A different records admin must approve it.")
    commit = git.commit_signed(approval_message(wanted, person), key)
    print(f"Approved {wanted[:10]} as {person} in commit {commit[:10]}.")
    return EXIT_OK


def confirm(args: argparse.Namespace) -> int:
    from supervision.signing.keyring import GpgError, UserKeyring
    from supervision.signing.signoff import confirm_message

    repo = open_repo(args)
    git, analysis = _verified(repo)
    wanted = args.fingerprint.replace(" ", "").upper()
    trust = analysis.head_trust()
    person = trust.person_for(wanted) if trust else None
    if trust is None or person is None:
        raise Refused(f"the key {wanted} is not registered for anyone",
                      "`supervision keys list` shows the registered keys.")
    older = [f for f in trust.fingerprints_of(person) if f != wanted]
    try:
        mine = {k.fingerprint for k in UserKeyring().secret_keys() if k.usable}
    except GpgError as exc:
        raise Refused(str(exc)) from None
    usable = [f for f in older if f in mine and f in trust.keyring.certs]
    if not usable:
        raise Refused(f"none of {person}'s older registered keys is in your GnuPG keyring, so "
                      "the new key cannot be confirmed from here",
                      "Confirm on the computer that holds your older key, or ask other records "
                      "admins to approve the key's registration.")
    commit = git.commit_signed(confirm_message(wanted, person), usable[0])
    print(f"Confirmed {wanted} as {person}'s key (signed with {usable[0][-16:]}) in commit "
          f"{commit[:10]}.")
    return EXIT_OK

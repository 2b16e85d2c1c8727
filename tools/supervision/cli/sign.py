"""``supervision sign PATH``: sign a record with a GPG-signed git commit.

One signed commit per signer (empty when nothing changed), whose trailers name
the role, the record and the record's blob id. ``--disagree TEXT`` first writes
the disagreement into the record's own ``disagreement`` field, and that change
goes into the same signed commit.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

from supervision.cli import EXIT_FINDINGS, EXIT_OK, Refused, UsageError, open_repo
from supervision.cli.paths import in_repo


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "sign", parents=[common],
        help="sign a record (a GPG-signed commit) as its supervisor, supervisee or reviewer",
        description="Sign a committed record with your registered key: makes one signed git "
        "commit naming the record, its exact version and your role. Refuses when the record "
        "fails `supervision check`, has uncommitted changes, or your key is not the "
        "registered key of the person in that role.",
    )
    p.add_argument("path", metavar="PATH", help="the record to sign")
    p.add_argument("--as", dest="role", metavar="ROLE",
                   help="the role you sign in (default: worked out from the record)")
    p.add_argument("--disagree", metavar="TEXT",
                   help="record what you do not agree with in the record's disagreement "
                   "field, then sign (the record becomes 'disputed' once everyone has signed)")
    p.add_argument("--key", metavar="FINGERPRINT",
                   help="sign with this key (default: git config user.signingkey)")
    p.set_defaults(run=run)


@dataclass
class Signed:
    """What one sign-off made: its commit, role, signer and the record's status after."""

    commit: str
    role: str
    person: str
    status: str
    problems: list[Any]  # findings verify reports about this very commit


def run(args: argparse.Namespace) -> int:
    from supervision import reporters
    from supervision.signing.gitio import Git

    repo = open_repo(args)
    git = Git(repo.root)
    relpath = in_repo(repo, args.path)
    done = sign_record(repo, git, relpath, args.role, args.disagree, args.key)
    print(f"Signed {relpath} as {done.role} ({done.person}) in commit {done.commit[:10]}. "
          f"Status: {done.status}.")
    if done.problems:
        reporters.text(done.problems, sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def sign_record(repo: Any, git: Any, relpath: str, role: str | None = None,
                disagree: str | None = None, key_spec: str | None = None) -> Signed:
    """Sign the committed record ``relpath``: every refusal of `sign` (and `submit`)
    raises Refused or UsageError before anything is written."""
    from supervision import reporters
    from supervision.checker import check_record
    from supervision.forms.yamlparse import parse_file
    from supervision.problems import ERROR
    from supervision.signing import signoff
    from supervision.signing.gitio import GitError
    from supervision.signing.verify import Verifier

    if not git.is_repository():
        raise UsageError(f"{repo.root} is not a git repository",
                         "Sign-off needs the records in git: run `git init` there first.")
    if not signoff.is_record_path(relpath) or not (repo.root / relpath).is_file():
        raise UsageError(f"{relpath} is not a record file",
                         "Give the path of a record under records/ or contracts/.")
    if not git.is_tracked(relpath):
        raise Refused(f"{relpath} has never been committed, so there is nothing to sign yet",
                      f"Commit it first: git add {relpath} && git commit")
    dirty = git.uncommitted(relpath, "people.yml", "supervision.yml", "keys")
    if dirty:
        raise Refused(f"{', '.join(sorted(dirty))} "
                      f"{'has' if len(dirty) == 1 else 'have'} changes not yet committed; "
                      "a sign-off covers only what is committed",
                      "Commit the changes first (or undo them), then sign.")
    if git.has_staged_changes():
        raise Refused("other changes are staged for commit; a sign-off commit must hold "
                      "nothing else", "Commit or unstage them first (git restore --staged .).")
    problems = [p for p in check_record(repo, relpath)[0] if p.severity == ERROR]
    if problems:
        reporters.text(problems, sys.stderr)
        raise Refused(f"{relpath} has {reporters.plural(len(problems), 'error')}, "
                      "so it cannot be signed", "Fix them, commit, then sign.")
    doc, _found = parse_file(str(repo.root / relpath), relpath)
    data = doc.data if doc is not None else None
    form = signoff.form_of(repo, data)
    if doc is None or form is None or not isinstance(data, dict):
        raise Refused(f"{relpath} is not a record this tool can sign")

    key = signing_key(key_spec, git)
    before = Verifier(repo, git).run(ledger=True)
    if before.shallow:
        raise Refused("this clone is shallow, so whose keys count cannot be checked",
                      "Run `git fetch --unshallow`, then sign.")
    trust = before.head_trust()
    person = trust.person_for(key) if trust else None
    if person is None:
        listed = key in {f for p in repo.people.values() for f in p.fingerprints}
        raise Refused(
            f"your signing key {key} is not registered "
            + ("by a commit signed by a records admin yet" if listed else "in people.yml"),
            "Ask a records admin to register it (`supervision keys import FILE --person ID`) "
            "and commit that with their signed key; `supervision verify` shows what counts.")
    _check_registered_copy(trust, key)
    role = _role(role, form, data, person, relpath)
    _check_may_sign(repo, before, trust, relpath, role, person)

    changed: list[str] = []
    if disagree is not None:
        _write_disagreement(repo, relpath, doc, form, disagree)
    blob = git.blob_id(repo.root / relpath)  # sealed: this seals it and writes its readers file
    if disagree is not None:
        from supervision.sealing.sidecar import sidecar_path

        changed.append(relpath)
        side = sidecar_path(relpath)  # sealed: committed with the record it opens
        if repo.config is not None and repo.config.sealed and (repo.root / side).is_file():
            changed.append(side)
    message = signoff.message(role, relpath, blob, person, disagree is not None)
    try:
        commit = git.commit_signed(message, key, changed)
    except GitError as exc:
        if changed:
            git.ok("checkout", "--", relpath)  # put the committed record back
        raise Refused(f"the signed commit could not be made: {exc}", gpg_hint()) from None
    after = Verifier(repo, git).run()
    status = next((r.status for r in after.records if r.path == relpath), "unknown")
    mine = [f.problem for f in after.findings if f.commit == commit]
    return Signed(commit, role, person, status, mine)


def gpg_hint() -> str:
    """What to do when gpg could not sign, from what this computer shows."""
    import os

    if sys.stdin.isatty() and not os.environ.get("GPG_TTY"):
        return ("gpg could not ask for your passphrase: this terminal is not set up for it. "
                "Run `export GPG_TTY=$(tty)` (and add that line to ~/.bashrc or ~/.zshrc), "
                "then try again; `supervision doctor` checks everything.")
    return ("gpg could not use your key: check it is here (gpg --list-secret-keys) and that "
            "its passphrase window (pinentry) can open; `supervision doctor` tries a test "
            "signature and says what is wrong.")


def signing_key(key_spec: str | None, git: Any) -> str:
    from supervision.signing.keyring import GpgError, UserKeyring

    spec = key_spec or git.config_get("user.signingkey")
    if not spec:
        raise Refused("no signing key is set up for this repository",
                      "Create one with `supervision keys create --person ID`, or pass --key.")
    try:
        found = UserKeyring().find_secret(spec)
    except GpgError as exc:
        raise Refused(str(exc)) from None
    if found is None:
        raise Refused(f"the signing key {spec} is not in your GnuPG keyring (no private key)",
                      "Sign on the computer that holds your key, or check "
                      "`gpg --list-secret-keys`.")
    if not found.usable:
        raise Refused(f"your signing key {found.fingerprint} has expired or been revoked",
                      "Extend it (gpg --quick-set-expire FINGERPRINT 2y) and ask a records "
                      "admin to register the renewed key, or create a new one.")
    return found.fingerprint


def _check_may_sign(repo: Any, analysis: Any, trust: Any, relpath: str, role: str,
                    person: str) -> None:
    """What verify would refuse about who signs, refused before anything is signed: the
    same person in two roles, someone the contract in force does not name, a role
    people.yml does not give them."""
    from supervision.rules import RULES
    from supervision.signing.signoff import record_facts

    facts = record_facts(repo, (repo.root / relpath).read_bytes(), relpath)
    if len({p for _r, p in facts.holders}) < len(facts.holders):
        raise Refused(f"{relpath} names {person} in more than one role, so it cannot be signed",
                      RULES["SIGNOFF-SAME-PERSON"].hint)
    refusal = analysis.ledger.refusal(facts, role, person, trust) if analysis.ledger else None
    if refusal is not None:
        rule, why = refusal
        raise Refused(f"you ({person}) cannot sign {relpath} as {role}: {why}",
                      RULES[rule].hint)


def _check_registered_copy(trust: Any, key: str) -> None:
    """The copy of the key in keys/ is what verify checks against: it must be usable."""
    import datetime as dt

    from supervision.signing.openpgp import key_info

    cert = trust.keyring.certs.get(key)
    if cert is None:
        raise Refused(f"people.yml lists your key {key} but keys/ holds no copy of it",
                      "Ask a records admin to register it with `supervision keys import`.")
    info = key_info(cert)
    if info.revoked or (info.expires is not None and info.expires <= dt.datetime.now(dt.UTC)):
        state = "revoked" if info.revoked else f"expired on {info.expires:%Y-%m-%d}"
        raise Refused(f"the registered copy of your key {key} is {state}, so a signature "
                      "made with it would not count",
                      "Extend the key (gpg --quick-set-expire FINGERPRINT 2y) and ask a "
                      "records admin to register the renewed key (`supervision keys import`).")


def _role(wanted: str | None, form: Any, data: dict[str, Any], person: str,
          relpath: str) -> str:
    roles = list(form.signers)
    if wanted is not None:
        if wanted not in roles:
            raise UsageError(f"'{wanted}' is not a signing role of this {form.title}",
                             f"Its roles: {', '.join(roles)}.")
        holder = data.get(wanted)
        if holder != person:
            raise Refused(f"you ({person}) cannot sign as {wanted}: this record's "
                          f"{wanted} is {holder}",
                          "Each person signs only for their own role.")
        return str(wanted)
    mine = [r for r in roles if data.get(r) == person]
    if not mine:
        named = ", ".join(f"{r} {data.get(r)}" for r in roles)
        raise Refused(f"you ({person}) are not named as a signer of {relpath} ({named})",
                      "Sign with your own key on your own records.")
    if len(mine) > 1:
        raise UsageError(f"you hold more than one role here ({', '.join(mine)})",
                         "Say which with --as ROLE.")
    return mine[0]


def _write_disagreement(repo: Any, relpath: str, doc: Any, form: Any, text: str) -> None:
    from supervision.checker import check_record
    from supervision.forms.yamledit import EditError, set_text
    from supervision.problems import ERROR
    from supervision.signing import signoff

    where = signoff.disagreement_keypath(form)
    if where is None:
        raise Refused(f"the {form.title} form has no disagreement field, so --disagree cannot "
                      "record one", "Sign without --disagree, and raise the disagreement as "
                      "your policy says (for example with the Headteacher).")
    if not text.strip():
        raise UsageError("--disagree needs the text of the disagreement")
    path = repo.root / relpath
    original = path.read_bytes()
    existing = signoff.value_at(doc.data, where)
    combined = (existing.rstrip() + "\n\n" + text.strip()) if isinstance(
        existing, str) and existing.strip() else text.strip()
    try:
        path.write_text(set_text(original.decode("utf-8"), doc, where, combined),
                        encoding="utf-8")
    except (EditError, UnicodeDecodeError) as exc:
        raise Refused(f"could not write the disagreement into {relpath}: {exc}",
                      "Write it into the 'disagreement' field yourself, commit, then sign.") \
            from None
    if any(p.severity == ERROR for p in check_record(repo, relpath)[0]):
        path.write_bytes(original)
        raise Refused("the disagreement text would make the record invalid; nothing was changed",
                      "Write it into the 'disagreement' field yourself, check, commit, then "
                      "sign.")

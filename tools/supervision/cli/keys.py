"""``supervision keys create|import|list``: the signing keys a repository registers.

A key is *registered* when its public certificate is in ``keys/<person>.asc``
and its fingerprint is on the person's entry in people.yml. Both files change
in the working tree only: a records admin commits them, signed, and only then
does the key count (``supervision verify`` checks that).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from supervision.cli import EXIT_OK, Refused, UsageError, open_repo

_EXPIRES_HELP = ("when the key expires: 0 (never), 2y, 18m, 90d or a date YYYY-MM-DD "
                 "(default: 2y)")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "keys", parents=[common],
        help="create, register and list the signing keys used for sign-off",
        description="Signing keys for sign-off. `create` makes a new key in your GnuPG and "
        "registers it; `import` registers someone's public key from a file; `list` shows "
        "every registered key. Registering changes people.yml and keys/: a records admin "
        "must commit those changes, signed, before the key counts.",
    )
    actions = p.add_subparsers(dest="keys_action", metavar="ACTION")
    create = actions.add_parser(
        "create", parents=[common], help="create your signing key (and the file to send)",
        description="Create an ed25519 signing key (with a cv25519 encryption key, so sealed "
        "records can be encrypted to you) in your GnuPG keyring, set this "
        "repository's git config so your commits are signed with it, and write its public "
        "half to a file you send to your records admin, who registers it with `keys import`. "
        "Nothing in the repository changes, so your next pull is not blocked. With --admin "
        "(the first records admin, in their own clone) the key is registered at once: "
        "keys/<person>.asc, people.yml and the admins in supervision.yml.")
    create.add_argument("--person", required=True, metavar="ID", help="the person's id in "
                        "people.yml (the key is theirs: run this on their own computer)")
    create.add_argument("--admin", action="store_true",
                        help="also list the key as a records admin key in supervision.yml")
    create.add_argument("--expires", default="2y", metavar="WHEN", help=_EXPIRES_HELP)
    create.add_argument("--no-passphrase", action="store_true",
                        help="no passphrase on the private key (only for throwaway test keys)")
    create.add_argument("--out", metavar="FILE",
                        help="where to write the public key to send (default: "
                        "<person>-signing-key.asc in your home folder)")
    imp = actions.add_parser(
        "import", parents=[common], help="register a person's public key from a file",
        description="Register the public key in FILE (from `gpg --export --armor ID`) for a "
        "person: it is saved to keys/<person>.asc and its fingerprint added to people.yml. "
        "Importing a renewed key (same fingerprint, new expiry) updates the saved copy.")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--person", required=True, metavar="ID")
    imp.add_argument("--admin", action="store_true",
                     help="also list the key as a records admin key in supervision.yml")
    lst = actions.add_parser(
        "list", parents=[common], help="list registered keys",
        description="Every key people.yml, supervision.yml (admins) and keys/ name: person, "
        "fingerprint, created, expires, state, admin, and whether its private key is in your "
        "GnuPG keyring.")
    lst.add_argument("--format", choices=("text", "json"), default="text")
    from supervision.cli import approvals

    approvals.register(actions, common)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "keys_action", None)
    if action == "create":
        return _create(args)
    if action == "import":
        return _import(args)
    if action == "list":
        return _list(args)
    if action in ("approve", "confirm"):
        from supervision.cli import approvals

        return approvals.approve(args) if action == "approve" else approvals.confirm(args)
    raise UsageError("say what to do with keys: create, import, list, approve or confirm",
                     "For example: supervision keys list")


# -- shared ---------------------------------------------------------------------------
def _person(repo: Any, pid: str) -> Any:
    person = repo.people.get(pid)
    if person is None:
        raise UsageError(f"'{pid}' is not in people.yml",
                         "Use the person's id from people.yml (see its 'id:' lines).")
    return person


def _keyring() -> Any:
    from supervision.signing.keyring import GpgError, UserKeyring

    try:
        return UserKeyring()
    except GpgError as exc:
        raise Refused(str(exc)) from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise Refused(f"cannot read {path.name}: {exc.strerror or exc}") from None


def register_key(repo: Any, pid: str, cert: Any, admin: bool) -> list[str]:
    """Save the certificate to keys/<pid>.asc and its fingerprint to people.yml (and the
    admins list); returns the files changed. Nothing is written unless every edit works."""
    from supervision.forms.yamledit import EditError, set_list
    from supervision.forms.yamlparse import parse_text
    from supervision.signing.openpgp import CertError, armored, read_certs

    fpr = cert.fingerprint.upper()
    writes: dict[Path, str] = {}
    keys_file = repo.root / "keys" / f"{pid}.asc"
    certs = []
    if keys_file.exists():
        try:
            certs = read_certs(keys_file.read_bytes())
        except CertError:
            raise Refused(f"keys/{pid}.asc is damaged, so the key was not added",
                          "Restore it from git (git checkout -- keys/) and try again.") from None
    merged = [c.merge(cert) if c.fingerprint.upper() == fpr else c for c in certs]
    if not any(c.fingerprint.upper() == fpr for c in certs):
        merged.append(cert)
    writes[keys_file] = "".join(armored(c) if armored(c).endswith("\n") else armored(c) + "\n"
                                for c in merged)

    def add(path: Path, keypath: tuple[Any, ...], current: list[str]) -> None:
        if fpr in {c.replace(" ", "").upper() for c in current}:
            return
        text = _read_text(path)
        doc, problems = parse_text(text, path.name)
        if doc is None:
            raise Refused(f"{path.name} cannot be read, so the key was not registered",
                          f"Run `supervision check {path.name}` and fix what it says.")
        try:
            writes[path] = set_list(text, doc, keypath, [*current, fpr])
        except EditError as exc:
            raise Refused(str(exc), f"Add the fingerprint {fpr} to {path.name} by hand.") from None

    people_doc_path = repo.root / "people.yml"
    from supervision.forms.yamlparse import parse_file

    doc, _problems = parse_file(str(people_doc_path), "people.yml")
    entries = doc.data.get("people") if doc is not None and isinstance(doc.data, dict) else None
    index = next((i for i, e in enumerate(entries or []) if isinstance(e, dict)
                  and e.get("id") == pid), None)
    if index is None:
        raise Refused(f"'{pid}' is not in people.yml")
    existing = entries[index].get("fingerprints") or [] if entries else []
    add(people_doc_path, ("people", index, "fingerprints"),
        [str(x) for x in existing] if isinstance(existing, list) else [])
    if admin:
        admins = list(repo.config.admins) if repo.config else []
        add(repo.root / "supervision.yml", ("admins",), admins)
    keys_file.parent.mkdir(exist_ok=True)
    for path, text in writes.items():
        path.write_text(text, encoding="utf-8")
    return sorted(repo.relative(p) for p in writes)


def _sign_with(repo: Any, fpr: str) -> bool:
    """Point this repository's git at the key, and sign every commit with it."""
    from supervision.signing.gitio import Git, GitError

    git = Git(repo.root)
    if not git.is_repository():
        return False
    try:
        git.config_set("user.signingkey", fpr)
        git.config_set("commit.gpgsign", "true")
        git.config_set("gpg.format", "openpgp")
    except GitError:
        return False
    return True


def _next_steps(repo: Any, files: list[str], admin: bool) -> None:
    from supervision.signing.gitio import Git

    git = Git(repo.root)
    first = git.is_repository() and git.head() is None
    print(f"Changed: {', '.join(files)}")
    if first and admin:
        print("Next: make the first commit, signed with this admin key:\n"
              "  git add -A && git commit -S -m 'Start the supervision records'")
    else:
        print("Next: a records admin commits these files with their signed key, e.g.\n"
              f"  git add {' '.join(files)} && git commit -S -m 'Register a signing key'\n"
              "The key counts for sign-off only after that commit.")


# -- create -------------------------------------------------------------------------------
def _passphrase(args: argparse.Namespace) -> str | None:
    """The passphrase typed here, or None: with --no-passphrase (none at all), or with no
    terminal, when gpg asks through its own pinentry window."""
    if args.no_passphrase or not sys.stdin.isatty():
        return None
    first = getpass.getpass("Passphrase for the new key (you type it when you sign): ")
    if not first:
        raise UsageError("a passphrase is needed to protect the key",
                         "Choose one you will remember; gpg asks for it when you sign.")
    if getpass.getpass("Type it again: ") != first:
        raise UsageError("the two passphrases differ", "Run the command again.")
    return first


def _expires(text: str) -> str:
    import re

    if text == "0" or re.fullmatch(r"[1-9][0-9]*[dwmy]", text):
        return text
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise UsageError(f"--expires {text!r} is not understood",
                         "Use 0 (never), a length such as 2y, 18m or 90d, or a date "
                         "YYYY-MM-DD.") from None


def _create(args: argparse.Namespace) -> int:
    from supervision.signing.keyring import GpgError
    from supervision.signing.openpgp import read_certs

    repo = open_repo(args)
    person = _person(repo, args.person)
    expires = _expires(args.expires)
    passphrase = _passphrase(args)
    keyring = _keyring()
    email = person.email or f"{person.id}@supervision.invalid"
    try:
        fpr = keyring.create(person.name, email, person.id, expires, passphrase,
                             protect=not args.no_passphrase)
        cert = read_certs(keyring.export_public(fpr))[0]
    except GpgError as exc:
        hint = ("Check that GnuPG works: gpg --list-keys" if args.no_passphrase or
                sys.stdin.isatty() else
                "With no terminal, gpg asks for the passphrase in a window (pinentry), and "
                "none could open. Run the command in a terminal, where it asks you itself.")
        raise Refused(str(exc), hint) from None
    if not args.no_passphrase and keyring.protection().get(fpr) is False:
        keyring.delete(fpr)
        raise Refused("the new key would have had no passphrase, so it was deleted again",
                      "Type a passphrase when asked; only throwaway test keys go without one "
                      "(--no-passphrase).")
    signing = _sign_with(repo, fpr)
    print(f"Created signing key {fpr} for {person.id}"
          + (" (records admin)" if args.admin else "") + ".")
    if signing:
        print("This repository's commits will now be signed with it (git config "
              "user.signingkey, commit.gpgsign).")
    if args.admin:
        files = register_key(repo, person.id, cert, True)
        _next_steps(repo, files, True)
        return EXIT_OK
    out = Path(args.out).expanduser() if args.out else Path.home() / (
        f"{person.id}-signing-key.asc")
    try:
        out.write_bytes(keyring.export_public(fpr))
    except OSError as exc:
        raise Refused(f"cannot write {out}: {exc.strerror or exc}",
                      "Pass --out FILE somewhere you can write.") from None
    print(f"Wrote your public key to {out}. Send that file to your records admin (email is "
          "fine: it is the public half, not your private key).")
    print(f"They register it with `supervision keys import {out.name} --person {person.id}` "
          "and should check its fingerprint with you by phone or in person:")
    print(f"    {spaced(fpr)}")
    print("Once their commit is on the server, run `supervision join` (or `supervision "
          "doctor`) here again to check you are ready to sign.")
    return EXIT_OK


def spaced(fpr: str) -> str:
    """A fingerprint in groups of four, as people read it aloud."""
    return " ".join(fpr[i:i + 4] for i in range(0, len(fpr), 4))


# -- import ----------------------------------------------------------------------------
def _import(args: argparse.Namespace) -> int:
    from supervision.reporters import plural
    from supervision.signing.openpgp import CertError, key_info, read_certs

    repo = open_repo(args)
    person = _person(repo, args.person)
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    try:
        certs = read_certs(data)
    except CertError:
        certs = []
    if len(certs) != 1:
        held = plural(len(certs), "OpenPGP key") if certs else "no OpenPGP key"
        raise Refused(f"{args.file} holds {held}; it must hold exactly one public key",
                      "Export just one: gpg --export --armor FINGERPRINT > key.asc")
    cert = certs[0]
    info = key_info(cert)
    if info.has_secret:
        raise Refused(f"{args.file} holds a PRIVATE key; nothing was registered",
                      "Never share a private key. Export the public half only: "
                      "gpg --export --armor FINGERPRINT > key.asc")
    if info.revoked:
        raise Refused(f"the key {info.fingerprint} has been revoked; it cannot be registered",
                      "The person needs a new key: supervision keys create --person ID")
    now = dt.datetime.now(dt.UTC)
    if info.expires is not None and info.expires <= now:
        raise Refused(f"the key {info.fingerprint} expired on {info.expires:%Y-%m-%d}",
                      "Ask the person to extend it (gpg --quick-set-expire FINGERPRINT 2y), "
                      "export it again and import the new file.")
    if info.weakness:
        raise Refused(f"the key {info.fingerprint} is too weak to trust ({info.weakness}); "
                      "nothing was registered",
                      "The person needs a new key: supervision keys create --person ID (it "
                      "makes an ed25519 key).")
    if not info.can_sign:
        raise Refused(f"the key {info.fingerprint} cannot make signatures",
                      "Export a key with a signing (sub)key, such as one made by "
                      "`supervision keys create`.")
    owner = next((p.id for p in repo.people.values()
                  if info.fingerprint in p.fingerprints and p.id != person.id), None)
    if owner is not None:
        raise Refused(f"the key {info.fingerprint} is already registered for {owner}",
                      "A key belongs to one person; each person needs their own key.")
    files = register_key(repo, person.id, cert, args.admin)
    mine = False
    try:
        from supervision.signing.keyring import GpgError

        mine = any(k.fingerprint == info.fingerprint for k in _keyring().secret_keys())
    except (Refused, GpgError):
        mine = False
    print(f"Registered key {info.fingerprint} for {person.id}"
          + (" (records admin)" if args.admin else "") + ".")
    print(f"Before you commit it, check with {person.id} by phone or in person that their "
          f"key's fingerprint is:\n    {spaced(info.fingerprint)}\n(someone could have sent "
          "a key in their name).")
    if mine and _sign_with(repo, info.fingerprint):
        print("Its private key is in your keyring: this repository's commits will be signed "
              "with it.")
    _can_receive(repo, person.id, cert, info.fingerprint)
    _next_steps(repo, files, args.admin)
    return EXIT_OK


def _can_receive(repo: Any, pid: str, cert: Any, fingerprint: str) -> None:
    """In a repository that seals records, say so when this key cannot receive them."""
    from supervision.sealing.readers import no_key_hint
    from supervision.signing.openpgp import can_encrypt

    if repo.config is None or not repo.config.sealed or can_encrypt(cert):
        return
    print(f"Warning (READER-NO-ENC-KEY): this key has no encryption key, so the records "
          f"{pid} should read stay locked to them (this repository seals records).\n"
          f"    -> {no_key_hint(pid, fingerprint)}")


# -- list ------------------------------------------------------------------------------
def key_rows(repo: Any, secret: set[str] | None,
             protected: dict[str, bool | None] | None = None) -> list[dict[str, Any]]:
    from supervision.signing.openpgp import CertError, key_info, read_certs

    certs: dict[str, Any] = {}
    files: dict[str, str] = {}
    folder = repo.root / "keys"
    for path in sorted(folder.glob("*.asc")) if folder.is_dir() else []:
        try:
            found = read_certs(path.read_bytes())
        except (CertError, OSError):
            found = []
        for cert in found:
            certs[cert.fingerprint.upper()] = cert
            files[cert.fingerprint.upper()] = repo.relative(path)
    admins = set(repo.config.admins) if repo.config else set()
    listed: list[tuple[str | None, str]] = [(p.id, f) for p in repo.people.values()
                                            for f in p.fingerprints]
    listed += [(None, f) for f in sorted(admins) if f not in {x for _p, x in listed}]
    listed += [(None, f) for f in sorted(certs) if f not in {x for _p, x in listed}]
    now = dt.datetime.now(dt.UTC)
    rows = []
    for pid, fpr in listed:
        cert = certs.get(fpr)
        info = key_info(cert) if cert is not None else None
        if info is None:
            state = "no copy in keys/"
        elif info.revoked:
            state = "revoked"
        elif info.expires is not None and info.expires <= now:
            state = "expired"
        elif info.weakness:
            state = "too weak"
        elif not info.can_sign:
            state = "cannot sign"
        elif pid is None and fpr not in admins:
            state = "not in people.yml"
        else:
            state = "ok"
        rows.append({
            "person": pid, "fingerprint": fpr,
            "created": info.created.date().isoformat() if info and info.created else None,
            "expires": info.expires.date().isoformat() if info and info.expires else None,
            "state": state, "admin": fpr in admins, "file": files.get(fpr),
            "private_key_here": None if secret is None else fpr in secret,
            "passphrase": _protection(protected, fpr),
        })
    return rows


def _protection(protected: dict[str, bool | None] | None, fpr: str) -> str | None:
    if protected is None or fpr not in protected:
        return None
    return {True: "yes", False: "NO (unprotected)", None: "unknown"}[protected[fpr]]


def _gpg_date(unix_text: str) -> str | None:
    """gpg's expiry (Unix time as text, '' for never) as YYYY-MM-DD."""
    if not unix_text.strip().isdigit():
        return None
    return dt.datetime.fromtimestamp(int(unix_text), dt.UTC).date().isoformat()


def _list(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    secret: set[str] | None
    protected: dict[str, bool | None] | None
    mine: list[Any] = []
    try:
        keyring = _keyring()
        mine = keyring.secret_keys()
        secret = {k.fingerprint for k in mine}
        protected = keyring.protection()
    except Refused:
        secret, protected = None, None
    rows = key_rows(repo, secret, protected)
    listed = {r["fingerprint"] for r in rows}
    for key in mine:  # made here for someone in people.yml, not registered yet
        owner = next((p.id for p in repo.people.values() for uid in key.user_ids
                      if f"({p.id})" in uid or (p.email and f"<{p.email}>" in uid)), None)
        if owner is None or key.fingerprint in listed:
            continue
        rows.append({"person": owner, "fingerprint": key.fingerprint, "created": None,
                     "expires": _gpg_date(key.expires),
                     "state": "not registered yet (send the public key to a records admin)",
                     "admin": False, "file": None, "private_key_here": True,
                     "passphrase": _protection(protected, key.fingerprint)})
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if not rows:
        print("No keys are registered yet. Start with: supervision keys create --person ID "
              "(--admin for the records admin)")
        return EXIT_OK
    header = ("person", "fingerprint", "created", "expires", "state", "admin",
              "private key here", "passphrase")
    table = [header] + [(
        r["person"] or "-", r["fingerprint"], r["created"] or "-", r["expires"] or "never"
        if r["created"] else "-", r["state"], "yes" if r["admin"] else "no",
        {True: "yes", False: "no", None: "unknown"}[r["private_key_here"]],
        r["passphrase"] or "-") for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK

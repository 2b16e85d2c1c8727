"""``supervision seal --all`` and ``supervision seal readers``: a records admin's work.

``--all`` turns sealing on for an existing repository: ``privacy: sealed: true``,
the filter set up, every record stored again in its sealed form, all in one commit
signed by a records admin. Earlier history still holds the plain text: it says so.
``readers`` wraps the data key of every record this person can open to its readers
as they are now (a new headteacher, a leaver gone), changing only the sidecars, so
no sign-off is voided.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from supervision.cli import EXIT_OK, Refused, open_repo, today

#: What `init --no-seal` writes above ``sealed: false`` in supervision.yml; ``seal --all``
#: removes it when it turns sealing on.
NO_SEAL_NOTE = ("  # Sealing is OFF here (made with `supervision init --no-seal`): every answer "
                "is\n  # readable by anyone with a copy. A records admin turns it on: "
                "`supervision seal --all`.\n")

HISTORY_NOTE = (
    "Earlier history still holds the plain text: every older version in this repository's "
    "history, and every copy made before today, can still be read by anyone who has it. "
    "If it must be gone, that is an admin-led rewrite of the history with a new trust root, "
    "every copy deleted and made again (as for retention erasure); ask your records admin "
    "and data protection officer. This command does not do it.")


def _admin_key(repo: Any, git: Any) -> str:
    from supervision.cli.sign import signing_key

    key = signing_key(None, git)
    admins = {a.replace(" ", "").upper() for a in (repo.config.admins if repo.config else ())}
    if key.replace(" ", "").upper() not in admins:
        raise Refused("only a records admin can do this, and the key this copy signs with is "
                      "not a records admin's key", "Run it in a records admin's copy.")
    return key


def seal_all(args: argparse.Namespace, install: Callable[[Path], None]) -> int:
    """``install`` is `seal install`'s work (cli/seal.py, which calls this)."""
    from supervision.signing.gitio import Git

    repo = open_repo(args)
    git = Git(repo.root)
    key = _admin_key(repo, git)
    if git.uncommitted("records", "contracts", "supervision.yml"):
        raise Refused("there are uncommitted changes to records or settings, so nothing was "
                      "sealed", "Commit or submit them first, then run this again.")
    settings = repo.root / "supervision.yml"
    text = settings.read_text(encoding="utf-8")
    if not (repo.config and repo.config.sealed):
        # `init --no-seal` wrote `sealed: false` with a note above it: both replaced
        text, on = re.subn(r"(?m)^([ \t]+)sealed:[ \t]*false[ \t]*$", r"\1sealed: true",
                           text.replace(NO_SEAL_NOTE, "", 1), count=1)
        if on:
            pass
        elif "\nprivacy:\n" in text:
            text = text.replace("\nprivacy:\n", "\nprivacy:\n  sealed: true\n", 1)
        else:
            text = text.rstrip("\n") + "\nprivacy:\n  sealed: true\n"
        settings.write_text(text, encoding="utf-8")
    install(repo.root)
    git.out("add", "--renormalize", "--", "records", "contracts")
    sidecars = [p for p in git.out("ls-files", "-z", "-o", "-m", "--exclude-standard", "--",
                                   "records", "contracts").split("\0") if p.endswith(".readers")]
    git.out("add", "--", ".gitattributes", "supervision.yml", *sidecars)
    sealed = len(sidecars)
    git.out("commit", "--quiet", f"--gpg-sign={key}", "-m",
            f"Seal every record (issue 19): {sealed} record(s) stored sealed\n\n"
            "Free text is now encrypted to each record's readers. The stored bytes of every "
            "record changed, so records agreed before need their signers to sign again.")
    print(f"Sealed {sealed} record(s) in one commit signed by you.")
    print("Every sealed record's stored bytes changed, so sign-offs made before name the "
          "old versions: the people who signed them sign again (`supervision status` shows "
          "who is asked).")
    print(HISTORY_NOTE)
    return EXIT_OK


def rewrap(args: argparse.Namespace) -> int:
    """Every record this person can open, wrapped again to its readers as they are now."""
    from supervision.sealing.keys import GpgUnwrapper, SequoiaWrapper
    from supervision.sealing.readers import KeyFiles, readers_for
    from supervision.sealing.sidecar import load, sidecar_path
    from supervision.sealing.stored import looks_sealed, parse
    from supervision.signing.gitio import Git
    from supervision.signing.signoff import form_of

    repo = open_repo(args)
    git = Git(repo.root)
    paths = [p for p in git.out("ls-files", "-z", "--", "records", "contracts").split("\0")
             if p.endswith((".yaml", ".yml"))]
    blobs = git.read_objects([f":{p}" for p in paths])
    work = []
    for rel in paths:
        found = blobs.get(f":{rel}")
        side = repo.root / sidecar_path(rel)
        if found is None or not looks_sealed(found.data) or not side.is_file():
            continue
        record = parse(found.data)
        sidecar = load(side.read_bytes())
        entry = sidecar.find(record.nonce_id)
        if entry is not None:
            work.append((rel, found.data, sidecar, entry))
    keys = GpgUnwrapper().unwrap([entry.message for *_rest, entry in work])
    files = KeyFiles(repo.root)
    changed, unread = [], 0
    import yaml

    for (rel, _raw, sidecar, entry), data_key in zip(work, keys, strict=True):
        if data_key is None:
            unread += 1
            continue
        clear = yaml.safe_load(parse(_raw).clear_text) or {}
        readers = readers_for(repo, clear, form_of(repo, clear), files, today(args))
        if sorted(readers.certs) == sorted(entry.readers):
            continue
        entry.readers = sorted(readers.certs)
        entry.message = SequoiaWrapper().wrap(data_key, readers.certs.values())
        sidecar.put(entry)
        (repo.root / sidecar_path(rel)).write_bytes(sidecar.dump())
        changed.append(sidecar_path(rel))
    print(f"Updated who can read {len(changed)} record(s)"
          + (f"; {unread} you cannot open were left as they are" if unread else "") + ".")
    if changed:
        print("Only the readers files changed (no sign-off is affected). A records admin "
              "commits them, signed: git add records contracts && git commit -S -m "
              "'Update who reads the records'")
    return EXIT_OK

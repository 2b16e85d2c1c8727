"""``supervision join URL-or-DIR`` and ``supervision doctor``: a computer ready to sign.

``join`` clones the records repository (or adopts a clone already here) and sets it
up for one person, then prints a checklist; ``doctor`` prints the same checklist and
changes nothing. Both are safe to run again. What is set up, in that clone's own git
config (never the person's global settings):

* the pre-commit hook (`supervision check` before every commit);
* git's name and email, from the person's entry in people.yml;
* pulls that rebase (``pull.rebase``, ``rebase.autoStash``), so a pull never stops
  with "Need to specify how to reconcile divergent branches";
* the person's signing key, when their GnuPG holds a key registered for them
  (``user.signingkey``, ``commit.gpgsign``); a test signature shows whether gpg can
  really use it here, and what to do when it cannot (``GPG_TTY``, pinentry, the agent);
* the trust root, pinned by a first ``verify``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supervision.cli import EXIT_FINDINGS, EXIT_OK, UsageError

READY, TODO, NOTE = "ready", "to do", "note"


@dataclass
class Step:
    state: str  # READY, TODO or NOTE
    what: str
    fix: str = ""


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    join = sub.add_parser(
        "join", parents=[common], help="get a copy of the records and set it up for you",
        description="Clone the records repository (or use a copy already at DIR) and set it "
        "up for you: the pre-commit hook, your name from people.yml, pulls that never stop "
        "with 'divergent branches', your signing key and a test signature, the trust root. "
        "Ends with a checklist of what is ready and what to do. Safe to run again.")
    join.add_argument("source", metavar="URL-or-DIR",
                      help="the server's address (what your records admin gave you) or a "
                      "folder that already holds a copy")
    join.add_argument("folder", nargs="?", metavar="DIR",
                      help="where to put the copy (default: a folder named after it, here)")
    join.add_argument("--person", metavar="ID", help="your id in people.yml (default: "
                      "worked out from your signing key or git email)")
    join.add_argument("--trust-root", metavar="COMMIT",
                      help="the first commit's id as your records admin gave it (checked, "
                      "then pinned)")
    join.set_defaults(run=run_join)
    doctor = sub.add_parser(
        "doctor", parents=[common], help="check this computer is ready to sign (changes nothing)",
        description="The checklist `join` ends with: git identity, pulls, the pre-commit hook, "
        "your signing key and a test signature, the trust root. Changes nothing.")
    doctor.add_argument("--person", metavar="ID", help="your id in people.yml")
    doctor.set_defaults(run=run_doctor)


# -- the commands -----------------------------------------------------------------------------
def run_join(args: argparse.Namespace) -> int:
    from supervision.repo import RecordsRepo

    root = _copy(args.source, args.folder)
    repo = RecordsRepo.load(root)
    person = _person(repo, args.person)
    print(f"Setting up {root} for {person.name} ({person.id}) ...")
    _git(root, "config", "--local", "user.name", person.name)
    if person.email:
        _git(root, "config", "--local", "user.email", person.email)
    for setting, value in (("pull.rebase", "true"), ("rebase.autoStash", "true"),
                           ("push.default", "current")):
        _git(root, "config", "--local", setting, value)
    _install_hook(root)
    if _git_out(root, "remote"):
        from supervision.cli.submit import bring_up_to_date

        bring_up_to_date(root)
        repo = RecordsRepo.load(root)  # the admin may have registered this person's key
    key = _registered_secret_key(repo, person.id)
    if key is not None:
        for setting, value in (("user.signingkey", key), ("commit.gpgsign", "true"),
                               ("gpg.format", "openpgp")):
            _git(root, "config", "--local", setting, value)
    if repo.config is not None and repo.config.sealed:
        from supervision.cli.seal import install

        install(root)  # records sealed: the ones this person reads open in the working tree
        print("Sealed records: the ones you read are opened in your copy; others show only "
              "their dates, people and choices.")
    _pin(repo, args.trust_root)
    return _report(repo, person, root)


def run_doctor(args: argparse.Namespace) -> int:
    from supervision.cli import open_repo

    repo = open_repo(args)
    person = _person(repo, args.person)
    return _report(repo, person, repo.root)


# -- setting up -------------------------------------------------------------------------------
def _copy(source: str, folder: str | None) -> Path:
    here = Path(source).expanduser()
    if here.is_dir() and (here / "supervision.yml").is_file() and (here / ".git").exists():
        return here.resolve()
    target = Path(folder) if folder else Path(Path(source.rstrip("/")).stem or "records")
    if (target / "supervision.yml").is_file() and (target / ".git").exists():
        return target.resolve()  # joined before: set it up again
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} already exists and is not a copy of the records",
                         "Give another folder: supervision join URL DIR")
    done = subprocess.run(["git", "clone", "--quiet", source, str(target)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
        raise UsageError(f"could not get a copy from {source}: {said}",
                         "Check the address with your records admin, and that you can reach "
                         "the server (your network, your account).")
    if not (target / "supervision.yml").is_file():
        raise UsageError(f"{source} is not a records repository (it has no supervision.yml)",
                         "Check the address with your records admin.")
    return target.resolve()


def _person(repo: Any, wanted: str | None) -> Any:
    if wanted:
        person = repo.people.get(wanted)
        if person is None:
            raise UsageError(f"'{wanted}' is not in people.yml",
                             "Use your id from people.yml (ask your records admin).")
        return person
    for pid in _people_with_keys_here(repo):
        return repo.people[pid]
    email = _git_out(repo.root, "config", "user.email")
    found = [p for p in repo.people.values() if email and p.email == email]
    if len(found) == 1:
        return found[0]
    raise UsageError("say who you are: pass --person ID (your id in people.yml)",
                     "Your records admin can tell you your id.")


def _people_with_keys_here(repo: Any) -> list[str]:
    mine = _secret_keys()
    return sorted({p.id for p in repo.people.values() if mine & set(p.fingerprints)})


def _secret_keys() -> set[str]:
    try:
        from supervision.signing.keyring import GpgError, UserKeyring

        return {k.fingerprint for k in UserKeyring().secret_keys() if k.usable}
    except (GpgError, OSError):
        return set()


def _registered_secret_key(repo: Any, pid: str) -> str | None:
    """A usable secret key here that the repository's history registers for ``pid``."""
    trust = _trust(repo)
    mine = _secret_keys()
    registered = trust.fingerprints_of(pid) if trust is not None else []
    usable = [f for f in registered if f in mine and f in trust.keyring.certs] if trust else []
    return usable[-1] if usable else None


def _trust(repo: Any) -> Any:
    from supervision.signing.gitio import Git, GitError
    from supervision.signing.verify import Verifier

    git = Git(repo.root)
    try:
        if not git.is_repository() or git.head() is None or git.is_shallow():
            return None
        return Verifier(repo, git).run().head_trust()
    except GitError:
        return None


def _install_hook(root: Path) -> None:
    if not (root / ".pre-commit-config.yaml").is_file():
        return
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=root,
                   capture_output=True, text=True)


def _pin(repo: Any, given: str | None) -> None:
    """Pin the trust root in this copy: the one the admin gave, once the history is seen
    to start there, or else the history's own first commit (trust on first use)."""
    from supervision.signing.gitio import Git
    from supervision.signing.verify import PIN_KEY, Verifier

    git = Git(repo.root)
    if git.head() is None or git.config_get(PIN_KEY):
        return
    verifier = Verifier(repo, git, trust_root=given)
    analysis = verifier.run()
    if any(f.problem.rule == "TRUST-ROOT-MISMATCH" for f in analysis.findings):
        return  # the checklist says so; nothing is pinned to a history that is wrong
    root = analysis.trust_root()
    if root is not None:
        git.config_set(PIN_KEY, f"{root['commit']} {root['signed_by']}")


# -- the checklist ------------------------------------------------------------------------------
def checklist(repo: Any, person: Any, root: Path) -> list[Step]:
    steps: list[Step] = [Step(READY, f"records repository: {root}")]
    name = _git_out(root, "config", "user.name")
    email = _git_out(root, "config", "user.email")
    steps.append(Step(READY, f"git knows you as {name} <{email}>") if name and email else
                 Step(TODO, "git does not know your name and email",
                      f"supervision join {root} --person {person.id}"))
    rebase = _git_out(root, "config", "pull.rebase") == "true"
    steps.append(Step(READY, "pulls put your own commits on top (never 'divergent branches')")
                 if rebase else Step(TODO, "pulls may stop with 'divergent branches'",
                                     f"supervision join {root}"))
    hook = root / ".git" / "hooks" / "pre-commit"
    steps.append(Step(READY, "the pre-commit hook checks every record before it is committed")
                 if hook.is_file() else Step(TODO, "the pre-commit hook is not installed",
                                             f"supervision join {root}"))
    steps += _key_steps(repo, person, root)
    pinned = _git_out(root, "config", "supervision.trustRoot")
    first = _git_out(root, "rev-list", "--max-parents=0", "HEAD").split()
    if pinned and first and first[0] != pinned.split()[0]:
        steps.append(Step(TODO, "this copy's history does not start at its pinned trust root: "
                          "do not trust it", "Tell your records admin at once."))
    elif pinned:
        steps.append(Step(READY, f"trust root pinned: first commit {pinned.split()[0][:10]} "
                          "(check it matches the one your records admin gave you)"))
    else:
        steps.append(Step(NOTE, "the trust root is not pinned yet (no commits yet, or the "
                          "history does not start as your admin said)",
                          "supervision join DIR --trust-root COMMIT"))
    return steps


def _key_steps(repo: Any, person: Any, root: Path) -> list[Step]:
    trust = _trust(repo)
    mine = _secret_keys()
    registered = trust.fingerprints_of(person.id) if trust is not None else []
    here = [f for f in registered if f in mine]
    if not here:
        local = sorted(mine - set(registered))
        if local and any(f in {g for p in repo.people.values() for g in p.fingerprints}
                         for f in local):
            return [Step(TODO, "your key is in people.yml but not yet registered by a records "
                         "admin's signed commit", "Ask your records admin to commit it, then "
                         "pull (git pull) and run `supervision doctor`.")]
        return [Step(TODO, "you have no signing key registered for you in this repository",
                     f"Make one: supervision keys create --person {person.id} (it writes a "
                     "file to send to your records admin)")]
    key = here[-1]
    configured = _git_out(root, "config", "user.signingkey").upper()
    steps = [Step(READY, f"your signing key {key[-16:]} is registered") if configured == key else
             Step(TODO, f"your registered key {key[-16:]} is not set for this copy",
                  f"supervision join {root}")]
    steps.append(_test_signature(key))
    cert = trust.keyring.certs.get(key) if trust is not None else None
    if repo.config is not None and repo.config.sealed and cert is not None:
        from supervision.sealing.readers import no_key_hint
        from supervision.signing.openpgp import can_encrypt

        steps.append(Step(READY, "your key can receive sealed records: the ones you read open "
                          "in this copy") if can_encrypt(cert) else
                     Step(TODO, "your key cannot receive sealed records, so the records you "
                          "should read stay locked to you (READER-NO-ENC-KEY)",
                          no_key_hint(person.id, key)))
    return steps


def _test_signature(key: str) -> Step:
    """Sign a few bytes the way git will, through the person's gpg-agent."""
    env = dict(os.environ)
    done = subprocess.run(["gpg", "--local-user", key, "--detach-sign", "--armor", "-o", "-"],
                          input=b"supervision doctor: a test signature\n", capture_output=True,
                          env=env, timeout=300)
    if done.returncode == 0 and b"BEGIN PGP SIGNATURE" in done.stdout:
        return Step(READY, "a test signature worked: you can sign records here")
    said = done.stderr.decode("utf-8", "replace")
    if sys.stdin.isatty() and not env.get("GPG_TTY"):
        fix = ("This terminal is not set up for gpg to ask your passphrase: run "
               "`export GPG_TTY=$(tty)` and add that line to ~/.bashrc (or ~/.zshrc), then "
               "`supervision doctor` again.")
    elif "pinentry" in said.lower() or "no pinentry" in said.lower():
        fix = ("gpg could not open its passphrase window (pinentry). On Linux install "
               "pinentry-gnome3 or pinentry-qt; on Windows Gpg4win and on a Mac GPG Suite "
               "include one. Then `supervision doctor` again.")
    elif "agent" in said.lower():
        fix = ("gpg-agent is not answering: run `gpgconf --kill gpg-agent` (it restarts by "
               "itself) and try again.")
    else:
        last = (said.strip().splitlines() or ["no reason given"])[-1]
        fix = f"gpg said: {last}. Check `gpg --list-secret-keys`, then ask for help."
    return Step(TODO, "a test signature failed, so signing would fail too", fix)


def _report(repo: Any, person: Any, root: Path) -> int:
    steps = checklist(repo, person, root)
    marks = {READY: "[ok]  ", TODO: "[TODO]", NOTE: "[note]"}
    print(f"\nChecklist for {person.name} ({person.id}):")
    for step in steps:
        print(f"  {marks[step.state]} {step.what}")
        if step.fix and step.state != READY:
            print(f"         -> {step.fix}")
    todo = [s for s in steps if s.state == TODO]
    if todo:
        print(f"\n{len(todo)} thing{'s' if len(todo) != 1 else ''} to do before you can sign.")
        return EXIT_FINDINGS
    print("\nAll ready. To sign a record: `supervision show PATH` to read it, then "
          "`supervision submit PATH`.")
    return EXIT_OK


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def _git_out(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""

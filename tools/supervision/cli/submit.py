"""``supervision submit PATH``: commit, sign and share a record, in one step.

For the supervisor after writing a record, and for the supervisee after reading it
(`supervision show`). It gets everyone else's work first, checks the record (and
stops with the findings), commits it when it changed, signs it exactly as
`supervision sign` does (refusing what `sign` refuses), and pushes. When someone
pushed meanwhile, it puts this person's own unpushed commits on top of theirs and
signs them again (a straight line, never a merge), and never loses a change: if the
record itself changed on the server, a sign-off would name an old version, so it
stops and asks the person to read the new one. On a real conflict it stops, puts
everything back as it was, and says what to do. It ends by saying who must act next.
Without a remote it commits and signs only.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from supervision.cli import EXIT_FINDINGS, EXIT_OK, Refused, UsageError, open_repo
from supervision.cli.paths import in_repo

#: How many times to fetch, rebase and push again when someone keeps pushing first.
ATTEMPTS = 4


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "submit", parents=[common], help="commit, sign and share a record (no git needed)",
        description="Get everyone else's work, check the record, commit it if it changed, "
        "sign it as your role and send it to the server. Someone else's newer work is "
        "kept: your own commits go on top and are signed again. Ends by saying who must "
        "act next. Refuses whatever `supervision sign` refuses.")
    p.add_argument("path", metavar="PATH", help="the record")
    p.add_argument("--as", dest="role", metavar="ROLE",
                   help="the role you sign in (default: worked out from the record)")
    p.add_argument("--disagree", metavar="TEXT",
                   help="record what you do not agree with, then sign (sessions only)")
    p.add_argument("--key", metavar="FINGERPRINT",
                   help="sign with this key (default: git config user.signingkey)")
    p.set_defaults(run=run)


class _Git:
    """The few git operations submit needs, with git's words kept for messages."""

    def __init__(self, git: Any) -> None:
        self.git = git

    def run(self, *args: str) -> tuple[bool, str]:
        done = self.git._run(list(args), check=False)
        said = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
        return done.returncode == 0, said

    def upstream(self) -> tuple[str, str] | None:
        """(remote, branch) this branch pushes to, or None when there is no remote."""
        ok, branch = self.run("symbolic-ref", "--short", "-q", "HEAD")
        if not ok:
            raise Refused("this copy is not on a branch (a detached HEAD), so there is "
                          "nowhere to send the record",
                          "Go back to the main branch: git switch main")
        ok, remote = self.run("config", f"branch.{branch}.remote")
        if not ok:
            remotes = self.run("remote")[1].split()
            if not remotes:
                return None
            remote = "origin" if "origin" in remotes else remotes[0]
        return remote.strip(), branch.strip()

    def unpushed(self, target: str) -> list[str]:
        ok, out = self.run("rev-list", "--reverse", f"{target}..HEAD")
        return out.split() if ok else []


class Output:
    """Where submit's words go: the terminal for the command, the page for the form."""

    def say(self, text: str) -> None:
        print(text)

    def warn(self, text: str) -> None:
        sys.stderr.write(text + "\n")

    def findings(self, problems: list[Any]) -> None:
        from supervision import reporters

        reporters.text(problems, sys.stderr)


def run(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    _require_git(repo)
    relpath = in_repo(repo, args.path)
    return submit_record(repo, relpath, args.role, args.disagree, args.key)


def _require_git(repo: Any) -> None:
    from supervision.signing.gitio import Git

    if not Git(repo.root).is_repository():
        raise UsageError(f"{repo.root} is not a git repository",
                         "Get a copy with `supervision join URL`.")


def submit_record(repo: Any, relpath: str, role: str | None = None,
                  disagree: str | None = None, key_spec: str | None = None,
                  out: Output | None = None) -> int:
    """Everything `supervision submit` does for one record (shared with the form page):
    raises Refused or UsageError, saying why, and returns the exit code."""
    from supervision.checker import check_record
    from supervision.cli.sign import gpg_hint, sign_record, signing_key
    from supervision.problems import ERROR
    from supervision.signing.gitio import Git

    out = out or Output()
    _require_git(repo)
    git = Git(repo.root)
    if not (repo.root / relpath).is_file():
        bring_up_to_date(repo.root)  # it may be someone else's new record, on the server
    if not (repo.root / relpath).is_file():
        raise UsageError(f"{relpath} does not exist, here or on the server",
                         "Check the path (`supervision status` lists what waits for you).")
    g = _Git(git)
    where = g.upstream()
    key = signing_key(key_spec, git)  # refuses at once when no key is set up
    problems = [p for p in check_record(repo, relpath)[0] if p.severity == ERROR]
    if problems:
        out.findings(problems)
        raise Refused(f"{relpath} has {len(problems)} error{'s' if len(problems) > 1 else ''}; "
                      "nothing was committed or signed", "Correct them, then submit again.")
    if git.uncommitted(relpath) or not git.is_tracked(relpath):
        g.run("add", "--", relpath)
        ok, said = g.run("commit", "--quiet", f"--gpg-sign={key}", "-m",
                         _message(repo, relpath), "--", relpath)
        if not ok:
            g.run("reset", "--quiet", "--", relpath)
            raise Refused(f"the record could not be committed: {_last(said)}", gpg_hint())
        out.say(f"Committed {relpath}.")
    if where is not None:
        read = g.run("rev-parse", f"HEAD:{relpath}")[1]
        start = g.run("rev-parse", "HEAD")[1]
        _catch_up(g, where, relpath, key)
        if g.run("rev-parse", f"HEAD:{relpath}")[1] != read:
            g.run("reset", "--quiet", "--keep", start)
            raise Refused(f"someone changed {relpath} on the server since you read it, so "
                          "nothing was signed or sent",
                          f"Read the new version (`supervision show {relpath}`), then submit "
                          "again.")
    done = sign_record(repo, git, relpath, role, disagree, key)
    out.say(f"Signed it as {done.role} ({done.person}).")
    if done.problems:
        out.findings(done.problems)
        return EXIT_FINDINGS
    if where is None:
        out.say("There is no server to send it to (no git remote): it is committed and signed "
                "here only.")
    else:
        _push(g, where, relpath, key, out)
        out.say(f"Sent to {where[0]} ({where[1]}).")
    _next(repo, git, relpath, out)
    return EXIT_OK


def bring_up_to_date(root: Any) -> str | None:
    """Before reading: take the server's newer work when this copy has nothing of its
    own waiting (a fast-forward; uncommitted changes are kept). Returns what was done
    for a message, or None. Never refuses: reading an older copy is better than nothing."""
    from supervision.signing.gitio import Git

    g = _Git(Git(root))
    try:
        where = g.upstream()
    except Refused:
        return None
    if where is None:
        return None
    remote, branch = where
    if not g.run("fetch", "--quiet", remote)[0]:
        return "could not reach the server: showing the copy on this computer"
    target = f"{remote}/{branch}"
    if not g.run("rev-parse", "--verify", "-q", target)[0] or g.unpushed(target):
        return None
    behind = g.run("rev-list", "--count", f"HEAD..{target}")[1]
    if behind.strip() in ("", "0"):
        return None
    ok, _said = g.run("merge", "--ff-only", "--quiet", "--autostash", target)
    return "got the latest version from the server" if ok else None


def _message(repo: Any, relpath: str) -> str:
    from supervision.forms.yamlparse import parse_file

    doc, _found = parse_file(str(repo.root / relpath), relpath)
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    kind = str(data.get("kind") or "record").replace("-", " ")
    if data.get("format") == "group":
        kind = "group session"
    who = data.get("supervisee") or ", ".join(data.get("supervisees") or []) or ""
    day = data.get("date") or ""
    what = f"{kind.capitalize()} record" + (f" for {who}" if who else "") + (
        f" on {day}" if day else "")
    return f"{what}\n\n{relpath}\n"


def _last(said: str) -> str:
    lines = [line for line in said.splitlines() if line.strip()]
    return lines[-1] if lines else "no reason given"


def _catch_up(g: _Git, where: tuple[str, str], relpath: str, key: str) -> None:
    """Get the server's work and put this copy's own commits on top of it."""
    remote, branch = where
    ok, said = g.run("fetch", "--quiet", remote)
    if not ok:
        raise Refused(f"could not reach the server ({remote}): {_last(said)}",
                      "Check your network; your work is safe here. Submit again later.")
    target = f"{remote}/{branch}"
    if not g.run("rev-parse", "--verify", "-q", target)[0]:
        return  # the branch is not on the server yet: the push creates it
    _rebase_onto(g, target, relpath, key)


def _rebase_onto(g: _Git, target: str, relpath: str, key: str) -> None:
    """Replay this copy's unpushed commits on ``target`` (signed again); refuse, leaving
    everything as it was, when that would make a sign-off name an old version or when
    the same lines were changed on both sides."""
    mine = g.unpushed(target)
    before = g.run("rev-parse", "HEAD")[1]
    if not mine:
        ok, said = g.run("merge", "--ff-only", "--quiet", "--autostash", target)
        if not ok:
            raise Refused(f"your copy cannot take the server's newer work: {_last(said)}",
                          f"Your change to {relpath} and someone else's overlap. Keep a copy "
                          "of your file, run `git checkout -- " + relpath + "`, then submit "
                          "again and re-apply your change.")
        return
    ok, said = g.run("rebase", "--quiet", "--autostash", "--empty=keep", f"--gpg-sign={key}",
                     target)
    if not ok:
        g.run("rebase", "--abort")
        g.run("reset", "--quiet", "--keep", before)
        raise Refused("your commits and someone else's change the same lines; nothing was "
                      f"lost, but they cannot be put together automatically ({_last(said)})",
                      "Ask the other person which version is right; `supervision history "
                      f"{relpath}` shows who changed what. Nothing has been sent.")
    stale = _stale_signoffs(g, target)
    if stale:
        g.run("reset", "--quiet", "--keep", before)
        paths = ", ".join(sorted(stale))
        raise Refused(f"someone changed {paths} on the server after you signed it here, so "
                      "your sign-off would be for an older version; nothing was sent",
                      f"Read the new version (`supervision show {sorted(stale)[0]}`), then "
                      "submit again.")


def _stale_signoffs(g: _Git, target: str) -> set[str]:
    """Records whose sign-off in this copy's unpushed commits names a version that is
    not the record in that commit (after putting them on top of ``target``)."""
    from supervision.signing.signoff import read_trailers

    out: set[str] = set()
    for commit in g.unpushed(target):
        ok, message = g.run("log", "-1", "--format=%B", commit)
        claim = read_trailers(message).claim if ok else None
        if claim is None:
            continue
        ok, blob = g.run("rev-parse", f"{commit}:{claim.path}")
        if not ok or blob.strip() != claim.blob:
            out.add(claim.path)
    return out


def _push(g: _Git, where: tuple[str, str], relpath: str, key: str, out: Output) -> None:
    remote, branch = where
    said = ""
    for _attempt in range(ATTEMPTS):
        ok, said = g.run("push", "--quiet", remote, f"HEAD:refs/heads/{branch}")
        if ok:
            g.run("branch", "--quiet", f"--set-upstream-to={remote}/{branch}")
            return
        # The server's checks passed but someone else's push moved the branch meanwhile
        # (git: "cannot lock ref ... expected", "failed to update ref"): a race, not a
        # refusal. Catch up and push again, as when they pushed first.
        raced = "cannot lock ref" in said or "failed to update ref" in said
        if not raced and ("pre-receive hook declined" in said or "remote rejected" in said):
            remote_lines = [line.removeprefix("remote:").strip() for line in said.splitlines()
                            if line.startswith("remote:")]
            out.warn("\n".join(remote_lines))
            raise Refused("the server refused the record (see its reasons above); it is "
                          "committed and signed here", "Correct what it says, then submit "
                          "again.")
        _catch_up(g, where, relpath, key)  # someone pushed first: on top of theirs, signed again
    raise Refused(f"could not send the record to {remote}: {_last(said)}",
                  "It is committed and signed here; submit again in a moment.")


def _next(repo: Any, git: Any, relpath: str, out: Output) -> None:
    """Who must act next, and how."""
    from supervision.signing.verify import Verifier

    record = next((r for r in Verifier(repo, git).run().records if r.path == relpath), None)
    if record is None:
        return
    if record.status in ("agreed", "disputed"):
        more = (" It records a disagreement: what cannot be resolved goes to the person your "
                "policy names." if record.status == "disputed" else "")
        out.say(f"Status: {record.status}. Everyone has signed this version: nothing more to "
                "do." + more)
        return
    role = record.status.removeprefix("awaiting-") if record.status.startswith(
        "awaiting-") else (record.signers[0] if record.signers else None)
    pid = record.holders.get(role or "")
    person = repo.people.get(pid or "")
    name = f"{person.name} ({pid})" if person else str(pid)
    out.say(f"Status: {record.status}. {name} now needs to read and sign it:\n"
            f"    supervision show {relpath}\n    supervision submit {relpath}")

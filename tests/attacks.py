"""The attack suite: what a hostile insider with a registered key and push access tries.

Each :class:`Scenario` is one attack, made the way an attacker would make it (real
git, real gpg, commit objects written by hand where that is what they would do) on a
copy of a signed records repository whose session record is agreed by both, with a
bare "server" repository behind the real pre-receive hook. ``tests/test_attacks.py``
runs every scenario and asserts the exact rule id from ``supervision verify`` and, where
the attack arrives by push, the hook's refusal with the server's refs unchanged.

``python tests/attacks.py`` prints the table of scenarios for
``docs/tamper-evidence.md`` (a test keeps that page in step with this list).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import git_env  # noqa: E402
from signing import CONTRACT, SESSION, SignedRepo  # noqa: E402

GROUP = "records/example-school/2026-27/groups/2026-11-18-deputy-sample-group-session.yaml"
QA = "records/example-school/2026-27/dsl-sample/2026-11-20-qa-review.yaml"

CLASSES = {
    1: "Commit objects that git reads differently from us",
    2: "Merges: the protected line is linear",
    3: "Trust judged from a parent or a clock the signer picks",
    4: "Rewriting what the server already holds",
    5: "Who must sign comes from the record being signed",
    6: "Changes by people who are not the record's signers",
    7: "One person, one vote",
    8: "Keys and signatures we cannot judge",
    9: "Names we did not verify",
}


class Attack(SignedRepo):
    """A signed repository under attack, with its server and a few helpers."""

    server: Path
    keyrings: object  # signing.Keyrings

    # -- git plumbing an attacker uses ------------------------------------------------
    def raw(self, rev: str = "HEAD") -> str:
        return self.git(None, "cat-file", "commit", rev)

    def forge(self, text: str, sign_as: str | None = None, move: bool = True,
              signer: Callable[[bytes], str] | None = None) -> str:
        """Write a commit object by hand (``hash-object --literally``). With ``sign_as``
        (or a ``signer`` of its own), sign exactly the text given, as git would sign it,
        and add the gpgsig header."""
        if sign_as is not None or signer is not None:
            signature = (signer(text.encode()) if signer is not None
                         else self._detach_sign(str(sign_as), text.encode()))
            head, _blank, body = text.partition("\n\n")
            sig = "\n".join(" " + line if i else line
                            for i, line in enumerate(signature.rstrip("\n").split("\n")))
            text = f"{head}\ngpgsig {sig}\n\n{body}"
        oid = self.git(None, "hash-object", "-t", "commit", "-w", "--literally", "--stdin",
                       input=text.encode()).strip()
        if move:  # as a file: update-ref refuses an object git cannot read as a commit
            (self.root / ".git" / "refs" / "heads" / "main").write_text(oid + "\n")
        return oid

    def _detach_sign(self, who: str, data: bytes, *extra: str) -> str:
        actor = self.actors[who]
        done = subprocess.run(["gpg", "--homedir", str(actor.home), "--batch", "--pinentry-mode",
                               "loopback", "--passphrase", "", *extra, "--local-user", actor.fpr,
                               "--detach-sign", "--armor"], input=data, capture_output=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode()

    def header(self, parent: str | None = None, tree: str | None = None,
               author: str | None = None) -> list[str]:
        """The headers git would write for a commit on ``parent``, dated now."""
        import time

        author = author or f"Jo Fictional <jo@example.invalid> {int(time.time())} +0000"
        parent = parent or self.head()
        tree = tree or self.git(None, "rev-parse", f"{parent}^{{tree}}").strip()
        return [f"tree {tree}", f"parent {parent}", f"author {author}",
                f"committer {author}"]

    def gpg_program(self, *extra: str) -> Path:
        """A gpg that adds ``extra`` (a faked clock, a digest): what an attacker's
        computer may do."""
        wrapper = self.root.parent / f"gpg-{abs(hash(extra))}"
        quoted = " ".join(f"'{e}'" for e in extra)
        wrapper.write_text(f'#!/bin/sh\nexec gpg {quoted} "$@"\n')
        wrapper.chmod(0o755)
        return wrapper

    def signoff_with(self, who: str, role: str, program: Path, relpath: str = SESSION,
                     dates: str | None = None) -> str:
        message = (f"Sign-off: {relpath} ({role})\n\nBy hand.\n\nSupervision-Role: {role}\n"
                   f"Supervision-Record: {relpath}\nSupervision-Blob: {self.blob(relpath)}\n")
        env_extra = ["-c", f"gpg.program={program}"]
        if dates is not None:
            self.git_dated(who, dates, *env_extra, "commit", "-q", "-S", "--allow-empty", "-m",
                           message)
        else:
            self.git(who, *env_extra, "commit", "-q", "-S", "--allow-empty", "-m", message)
        return self.head()

    def git_dated(self, who: str, when: str, *args: str) -> str:
        actor = self.actors[who]
        env = actor.env()
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when
        done = subprocess.run(["git", "-c", f"user.signingkey={actor.fpr}", *args],
                              cwd=self.root, env=env, capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode()

    # -- records ---------------------------------------------------------------------------
    def edit(self, relpath: str, change: Callable[[dict], None]) -> None:
        path = self.root / relpath
        data = yaml.safe_load(path.read_text())
        change(data)
        self.write(relpath, data)

    def register(self, person: str, armored: bytes, admin: bool = False,
                 who: str = "admin", commit: bool = True) -> str | None:
        """A records admin registers a certificate as it is (keys import would refuse a
        weak, expired or revoked one), in a commit signed with their key."""
        from supervision.cli.keys import register_key
        from supervision.repo import RecordsRepo
        from supervision.signing.openpgp import read_certs

        register_key(RecordsRepo.load(self.root), person, read_certs(armored)[0], admin)
        return self.commit(who, f"Register a key for {person}", ".") if commit else None

    def set_config(self, old: str, new: str, who: str = "admin") -> str:
        path = self.root / "supervision.yml"
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, 1))
        return self.commit(who, "Change the settings", "supervision.yml")

    # -- the server -------------------------------------------------------------------------
    def server_refs(self) -> str:
        return subprocess.run(["git", "for-each-ref"], cwd=self.server, env=git_env(),
                              capture_output=True, text=True, check=True).stdout

    def push(self, *refspecs: str) -> tuple[int, str]:
        done = subprocess.run(["git", "push", "--porcelain", "server", *refspecs],
                              cwd=self.root, env=git_env(), capture_output=True, text=True,
                              timeout=180)
        return done.returncode, done.stdout + done.stderr

    def server_config(self, key: str, value: str | None) -> None:
        args = ["config", key, value] if value is not None else ["config", "--unset", key]
        subprocess.run(["git", *args], cwd=self.server, env=git_env(), check=False,
                       capture_output=True)


def reword(t: Attack, relpath: str = SESSION, words: str = "a quieter week") -> None:
    """A harmless change to a record's free text (the record stays valid)."""
    t.edit(relpath, lambda d: d["wellbeing"].update(
        discussion=f"Agreed to move the review meeting to {words}."))


@dataclass
class Scenario:
    id: str
    cls: int
    title: str
    rule: str
    run: Callable[[Attack], None]
    #: refspecs to push after the attack (empty: the attack is only local)
    push: tuple[str, ...] = ("main",)
    #: verify's outcome: "error" (exit 1), "warning" (exit 0, the rule as a warning) or
    #: None (verify cannot see it: the history is consistent; only the server can)
    verify: str | None = "error"
    #: the rule the hook refuses with, when it differs from ``rule``
    hook_rule: str | None = None
    #: more rules verify must report with it (errors or warnings)
    also: tuple[str, ...] = ()


SCENARIOS: list[Scenario] = []


def scenario(cls: int, rule: str, **kw: object) -> Callable[[Callable[[Attack], None]],
                                                            Callable[[Attack], None]]:
    def add(fn: Callable[[Attack], None]) -> Callable[[Attack], None]:
        doc = (fn.__doc__ or fn.__name__).strip().splitlines()[0]
        SCENARIOS.append(Scenario(fn.__name__.removeprefix("attack_").replace("_", "-"), cls,
                                  doc, rule, fn, **kw))  # type: ignore[arg-type]
        return fn
    return add


# == 1. commit objects git reads differently ===============================================
def _server_guards_off(t: Attack) -> None:
    """So that it is this tool's hook, not git's own settings, that refuses."""
    for key in ("receive.denyNonFastForwards", "receive.denyDeletes", "receive.fsckObjects"):
        t.server_config(key, None)


@scenario(1, "COMMIT-MALFORMED")
def attack_repeated_author_header(t: Attack) -> None:
    """A signed sign-off whose object repeats the author header (git keeps the last)."""
    _server_guards_off(t)
    blob = t.blob(SESSION)
    head = t.header()
    head.insert(3, head[2].replace("Jo Fictional <jo@", "Sam Sample <sam@"))
    message = (f"Sign-off\n\nx\n\nSupervision-Role: supervisee\nSupervision-Record: "
               f"{SESSION}\nSupervision-Blob: {blob}\n")
    t.forge("\n".join(head) + "\n\n" + message, sign_as="supervisee")


@scenario(1, "COMMIT-MALFORMED", push=("+main",))
def attack_second_tree_header(t: Attack) -> None:
    """A signed commit with a second tree header: git reads the first, a naive reader the last."""
    _server_guards_off(t)
    reword(t)
    t.git(None, "add", SESSION)
    changed = t.git(None, "write-tree").strip()
    t.git(None, "reset", "-q", "--hard")
    head = t.header()
    head.insert(1, f"tree {changed}")
    t.forge("\n".join(head) + "\n\nTidy\n", sign_as="supervisor")


@scenario(1, "COMMIT-MALFORMED", push=())
def attack_parent_before_tree(t: Attack) -> None:
    """Headers out of order (parent before tree): git cannot read the commit at all."""
    _server_guards_off(t)
    head = t.header()
    head[0], head[1] = head[1], head[0]
    t.forge("\n".join(head) + "\n\nOut of order\n", sign_as="supervisor")


@scenario(1, "COMMIT-MALFORMED", push=())
def attack_garbage_commit_object(t: Attack) -> None:
    """A commit object that is not a commit at all, made the branch tip."""
    _server_guards_off(t)
    t.forge("nothing a commit should hold\n")


@scenario(1, "COMMIT-MALFORMED")
def attack_unknown_header(t: Attack) -> None:
    """A signed commit with a header git never writes, inside the signed text."""
    _server_guards_off(t)
    head = t.header()
    head.append("x-approved-by head-sample")
    t.forge("\n".join(head) + "\n\nApproved\n", sign_as="supervisor")


@scenario(1, "COMMIT-MALFORMED")
def attack_repeated_committer(t: Attack) -> None:
    """A commit whose committer line is repeated with a different date."""
    _server_guards_off(t)
    head = t.header()
    head.append("committer Jo Fictional <jo@example.invalid> 1700000000 +0000")  # 2023
    t.forge("\n".join(head) + "\n\nTwo dates\n", sign_as="supervisor")


@scenario(1, "COMMIT-MALFORMED")
def attack_author_without_email(t: Attack) -> None:
    """A commit whose author line is not 'Name <email> time zone'."""
    _server_guards_off(t)
    head = t.header(author="Jo Fictional jo@example.invalid")
    t.forge("\n".join(head) + "\n\nNo email brackets\n", sign_as="supervisor")


# == 2. merges ===================================================================================
def _merge(t: Attack, change: Callable[[], None], signed_by: str | None = None) -> None:
    t.git(None, "checkout", "-q", "-b", "side", "HEAD~1")
    t.commit("supervisor", "Unrelated work", signed=True)
    t.git(None, "checkout", "-q", "main")
    t.git(None, "merge", "-q", "--no-ff", "--no-commit", "--no-gpg-sign", "side")
    change()
    t.git(None, "add", "-A")
    if signed_by:
        t.git(signed_by, "commit", "-q", "-S", "-m", "Merge side")
    else:
        t.git(None, "commit", "-q", "--no-gpg-sign", "-m", "Merge side")


@scenario(2, "HISTORY-MERGE")
def attack_unsigned_merge_deletes_agreed_record(t: Attack) -> None:
    """An unsigned merge that deletes the agreed session on the way."""
    _merge(t, lambda: (t.root / SESSION).unlink())


@scenario(2, "HISTORY-MERGE")
def attack_unsigned_merge_reverts_agreed_record(t: Attack) -> None:
    """An unsigned merge that puts back an earlier version of the agreed record."""
    reword(t)
    t.commit("supervisor", "Correct the record", SESSION)
    t.sign("supervisor")
    t.sign("supervisee")
    first = t.git(None, "rev-list", "--max-parents=0", "HEAD").strip()
    old = t.git(None, "log", "--format=%H", "-n", "1", "--", SESSION).split()[0]
    del first
    _merge(t, lambda: t.git(None, "checkout", f"{old}~1", "--", SESSION))


@scenario(2, "HISTORY-MERGE")
def attack_unsigned_merge_adds_a_key(t: Attack) -> None:
    """A merge that slips a key for the insider's second identity into people.yml."""
    def change() -> None:
        t.register("dsl-sample", t.keyrings.export("rogue", t.actors["rogue"].fpr),  # type: ignore[attr-defined]
                   commit=False)
    _merge(t, change)


@scenario(2, "HISTORY-MERGE")
def attack_merge_restores_an_old_key(t: Attack) -> None:
    """A merge from a branch cut before a key was removed, keeping the old keys/ and people.yml."""
    before = t.head()
    people = t.root / "people.yml"
    text = people.read_text()
    fpr = t.actors["insider"].fpr
    people.write_text(text.replace(f"      - {fpr}\n", "").replace(f"fingerprints: [{fpr}]", ""))
    t.commit("admin", "The insider has left", "people.yml")
    t.git(None, "checkout", "-q", "-b", "old", before)
    t.commit("insider", "Work from before", signed=True)
    t.git(None, "checkout", "-q", "main")
    t.git(None, "merge", "-q", "--no-ff", "-X", "theirs", "--no-gpg-sign", "-m", "Merge", "old")
    t.git(None, "checkout", before, "--", "people.yml")
    t.git(None, "commit", "-q", "--no-gpg-sign", "--amend", "--no-edit")


@scenario(2, "HISTORY-MERGE")
def attack_admin_signed_merge(t: Attack) -> None:
    """Even a merge signed by a records admin: merges bring in lines nobody judged here."""
    _merge(t, lambda: None, signed_by="admin")


@scenario(2, "HISTORY-MERGE")
def attack_octopus_merge(t: Attack) -> None:
    """An octopus merge of two side branches."""
    for name in ("one", "two"):
        t.git(None, "checkout", "-q", "-b", name, "HEAD~1" if name == "one" else "one")
        t.commit("supervisor", f"Work {name}", signed=True)
    t.git(None, "checkout", "-q", "main")
    t.git(None, "merge", "-q", "--no-ff", "--no-gpg-sign", "-m", "Octopus", "one", "two")


# == 3. trust from a parent or clock the signer picks ====================================
@scenario(3, "KEY-REVOKED")
def attack_revoked_key_signs_with_an_old_date(t: Attack) -> None:
    """After the admin registers the supervisee's revocation, the stolen key signs, dated before it."""
    from signing import Keyrings

    rings: Keyrings = t.keyrings  # type: ignore[assignment]
    actor = t.actors["stolen"]
    t.register("dsl-sample", rings.export("stolen", actor.fpr))
    revocation = (actor.home / "openpgp-revocs.d" / f"{actor.fpr}.rev").read_text()
    copy = rings.home("stolen-revoked")
    rings.gpg("stolen-revoked", "--import", input=rings.export("stolen", actor.fpr))
    rings.gpg("stolen-revoked", "--import",
              input=revocation.replace(":-----", "-----").encode())
    t.register("dsl-sample", rings.export("stolen-revoked", actor.fpr))
    del copy
    reword(t)
    t.commit("supervisor", "Correct the record", SESSION)
    t.sign("supervisor")
    t.signoff_with("stolen", "supervisee", t.gpg_program("--faked-system-time",
                                                         "20260601T000000"),
                   dates="2026-06-01T00:00:00+00:00")


@scenario(3, "KEY-EXPIRED")
def attack_expired_key_signs_with_an_old_date(t: Attack) -> None:
    """A key that expired on the line signs, its clock (and commit dates) set back before expiry."""
    from signing import Keyrings

    rings: Keyrings = t.keyrings  # type: ignore[assignment]
    actor = t.actors["short-lived"]
    t.register("dsl-sample", rings.export("short-lived", actor.fpr))
    reword(t)
    t.commit("supervisor", "Correct the record", SESSION)
    t.sign("supervisor")
    t.signoff_with("short-lived", "supervisee", t.gpg_program("--faked-system-time",
                                                              "20260105T000000"),
                   dates="2026-01-05T00:00:00+00:00")


@scenario(3, "SIGNATURE-BACKDATED")
def attack_signature_older_than_the_line(t: Attack) -> None:
    """A sign-off whose signature (and commit date) is older than earlier signatures on the line."""
    t.register("dsl-sample", t.keyrings.export("old", t.actors["old"].fpr))  # type: ignore[attr-defined]
    reword(t)
    t.commit("supervisor", "Correct the record", SESSION)
    t.signoff_with("old", "supervisee", t.gpg_program("--faked-system-time",
                                                      "20260601T000000"),
                   dates="2026-06-01T00:00:00+00:00")


@scenario(3, "SIGNATURE-BACKDATED")
def attack_signature_older_than_its_commit(t: Attack) -> None:
    """A sign-off signed with the clock set back a day, its commit dated now."""
    reword(t)
    t.commit("supervisor", "Correct the record", SESSION)
    import datetime as dt

    t.register("dsl-sample", t.keyrings.export("old", t.actors["old"].fpr))  # type: ignore[attr-defined]
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y%m%dT%H%M%S")
    t.signoff_with("old", "supervisee", t.gpg_program("--faked-system-time", yesterday))


@scenario(3, "KEY-UNKNOWN")
def attack_leaver_signs_after_removal(t: Attack) -> None:
    """The insider's key is removed from people.yml when they leave; they sign anyway."""
    people = t.root / "people.yml"
    fpr = t.actors["insider"].fpr
    text = people.read_text()
    people.write_text(text.replace(f"      - {fpr}\n", "").replace(f"fingerprints: [{fpr}]", ""))
    t.commit("admin", "The insider has left", "people.yml")
    t.craft_signoff("insider", "supervisee")


# == 4. rewriting what the server holds ==============================================================
@scenario(4, "PUSH-NOT-FAST-FORWARD", push=("+main",), verify=None)
def attack_force_push_rewind(t: Attack) -> None:
    """A force-push that rewinds main to before the agreement."""
    _server_guards_off(t)
    t.git(None, "reset", "-q", "--hard", "HEAD~2")


@scenario(4, "PUSH-NOT-FAST-FORWARD", push=("+main",), verify=None)
def attack_force_push_rewritten_history(t: Attack) -> None:
    """A force-push of a history rewritten so the agreed record reads differently."""
    _server_guards_off(t)
    t.git(None, "reset", "-q", "--hard", "HEAD~2")
    reword(t)
    t.commit("supervisor", "Session record", SESSION)


@scenario(4, "PUSH-DELETE-PROTECTED", push=(":main",), verify=None)
def attack_delete_main(t: Attack) -> None:
    """Deleting the protected branch on the server."""
    _server_guards_off(t)


@scenario(4, "PUSH-NEW-ROOT", push=("elsewhere",), verify=None)
def attack_new_root_on_another_branch(t: Attack) -> None:
    """A separate history, with its own admin, pushed under another branch name."""
    t.git(None, "checkout", "-q", "--orphan", "elsewhere")
    t.commit("insider", "A history of my own", ".")
    t.git(None, "checkout", "-q", "main")


@scenario(4, "PUSH-NOT-RECORDS", push=("notes",), verify=None)
def attack_branch_without_settings(t: Attack) -> None:
    """A branch whose commit drops supervision.yml (nothing to check against)."""
    t.git(None, "checkout", "-q", "-b", "notes")
    t.git(None, "rm", "-q", "supervision.yml")
    t.commit("insider", "Notes")
    t.git(None, "checkout", "-q", "main")


@scenario(4, "PUSH-NOT-RECORDS", push=("refs/tags/evidence",), verify=None)
def attack_tag_of_a_blob(t: Attack) -> None:
    """A tag that points at a file, not at a commit of the records."""
    blob = t.git(None, "hash-object", "-w", "--stdin", input=b"free text on the server\n").strip()
    t.git(None, "tag", "evidence", blob)


@scenario(4, "TRUST-ROOT-MISMATCH", push=("+main",), hook_rule="PUSH-NEW-ROOT")
def attack_whole_history_replaced(t: Attack) -> None:
    """A whole new history, signed by a new 'admin', replacing main (this clone pinned the old root)."""
    _server_guards_off(t)
    assert t.verify()[0].code == 0  # the first run pins the trust root in this clone
    t.git(None, "checkout", "-q", "--orphan", "forged")
    config = t.root / "supervision.yml"
    config.write_text(config.read_text().replace(
        t.actors["admin"].fpr, t.actors["insider"].fpr))
    t.commit("insider", "Start the supervision records", ".")
    t.git(None, "branch", "-q", "-f", "main", "forged")
    t.git(None, "checkout", "-q", "main")


@scenario(4, "TRUST-ROOT-MISMATCH", push=())
def attack_fresh_clone_given_the_root(t: Attack) -> None:
    """A replaced history checked against the trust root the admin recorded (SUPERVISION_TRUST_ROOT)."""
    t.root_pin = t.git(None, "rev-list", "--max-parents=0", "HEAD").strip()  # type: ignore[attr-defined]
    t.git(None, "config", "--unset", "supervision.trustRoot", check=False)
    t.git(None, "checkout", "-q", "--orphan", "forged")
    t.commit("admin", "Start again", ".")
    t.git(None, "branch", "-q", "-f", "main", "forged")
    t.git(None, "checkout", "-q", "main")


# == 5. who must sign comes from the record ============================================================
@scenario(5, "SIGNOFF-NOT-CONTRACT")
def attack_insider_names_themselves_supervisor(t: Attack) -> None:
    """The insider edits a draft session's supervisor to themselves and signs as supervisor."""
    relpath, data = t.filled("session", day="2026-11-30")
    data["supervisor"] = "ddsl-sample"
    data["disagreement"] = ""
    t.write(relpath, data)
    t.commit("insider", "Session record", relpath)
    t.craft_signoff("insider", "supervisor", relpath)


@scenario(5, "SIGNOFF-NOT-CONTRACT")
def attack_unagreed_contract_for_the_insider(t: Attack) -> None:
    """The insider writes (but nobody agrees) a contract naming themselves, then signs a session."""
    contract, terms = t.filled("contract", day="2026-11-02", supervisor="ddsl-sample")
    t.write(contract, terms)
    t.commit("insider", "Contract", contract)
    t.craft_signoff("insider", "supervisor", contract)
    relpath, data = t.filled("session", day="2026-11-30", supervisor="ddsl-sample")
    data["disagreement"] = ""
    t.write(relpath, data)
    t.commit("insider", "Session record", relpath)
    t.craft_signoff("insider", "supervisor", relpath)


@scenario(5, "SIGNOFF-NO-CONTRACT")
def attack_session_for_someone_without_a_contract(t: Attack) -> None:
    """A session for the insider, who has no contract, 'agreed' by the supervisor and the insider."""
    relpath, data = t.filled("session", supervisee="ddsl-sample", day="2026-11-30")
    data["disagreement"] = ""
    t.write(relpath, data)
    t.commit("supervisor", "Session record", relpath)
    t.craft_signoff("supervisor", "supervisor", relpath)
    t.craft_signoff("insider", "supervisee", relpath)


@scenario(5, "SIGNOFF-NOT-ELIGIBLE")
def attack_group_facilitated_by_a_non_supervisor(t: Attack) -> None:
    """A group session 'facilitated' and signed by the insider, who holds no supervisor role."""
    relpath, data = t.filled("session", group=True, day="2026-11-18", supervisor="ddsl-sample",
                             supervisee="dsl-sample")
    data["supervisees"] = ["dsl-sample", "head-sample"]
    relpath = relpath.replace("deputy-sample", "ddsl-sample")
    t.write(relpath, data)
    t.commit("insider", "Group session", relpath)
    t.craft_signoff("insider", "supervisor", relpath)


@scenario(5, "SIGNOFF-NOT-ELIGIBLE")
def attack_qa_review_by_someone_without_the_role(t: Attack) -> None:
    """A QA review 'reviewed' and signed by the insider, who is no QA reviewer."""
    _path, data = t.filled("qa-review", day="2026-11-20")
    data["reviewer"] = "ddsl-sample"
    t.write(QA, data)
    t.commit("insider", "QA review", QA)
    t.craft_signoff("insider", "reviewer", QA)


@scenario(5, "SIGNOFF-NOT-ELIGIBLE")
def attack_qa_review_by_the_supervisor(t: Attack) -> None:
    """The supervisee's own supervisor, given the QA role, reviews their own supervision."""
    people = t.root / "people.yml"
    people.write_text(people.read_text().replace("roles: [deputy-head, supervisor]",
                                                 "roles: [deputy-head, supervisor, qa-reviewer]"))
    t.commit("admin", "Roles", "people.yml")
    _path, data = t.filled("qa-review", day="2026-11-20")
    data["reviewer"] = "deputy-sample"
    t.write(QA, data)
    t.commit("supervisor", "QA review", QA)
    t.craft_signoff("supervisor", "reviewer", QA)


@scenario(5, "SIGNOFF-SAME-PERSON")
def attack_one_person_in_both_roles(t: Attack) -> None:
    """A record naming the supervisor as their own supervisee, then 'agreed' by them alone."""
    contract, terms = t.filled("contract", day="2026-09-08", supervisee="deputy-sample")
    t.write(contract, terms)
    t.commit("supervisor", "Contract", contract)
    t.craft_signoff("supervisor", "supervisor", contract)


@scenario(5, "RECORD-PEOPLE-CHANGED")
def attack_people_changed_on_a_signed_record(t: Attack) -> None:
    """The supervisor changes the supervisee named on the signed contract (only an admin may)."""
    t.edit(CONTRACT, lambda d: d.update(supervisee="ddsl-sample"))
    t.commit("supervisor", "Correct the contract", CONTRACT)


@scenario(5, "RECORD-PEOPLE-CHANGED")
def attack_insider_swaps_the_supervisor(t: Attack) -> None:
    """The insider replaces the supervisor on the agreed session with themselves."""
    t.edit(SESSION, lambda d: d.update(supervisor="ddsl-sample"))
    t.commit("insider", "Correct", SESSION)


# == 6. changes by people who are not the signers ================================================
@scenario(6, "RECORD-CHANGED-BY-OTHER")
def attack_insider_edits_an_agreed_record(t: Attack) -> None:
    """The insider, with a registered key, edits the agreed session in a signed commit."""
    t.edit(SESSION, lambda d: d["wellbeing"].update(discussion="Nothing was discussed."))
    t.commit("insider", "Tidy", SESSION)


@scenario(6, "RECORD-DELETED")
def attack_insider_deletes_an_agreed_record(t: Attack) -> None:
    """The insider deletes the agreed session in a signed commit."""
    t.git(None, "rm", "-q", SESSION)
    t.commit("insider", "Remove")


@scenario(6, "RECORD-DELETED")
def attack_insider_renames_an_agreed_record(t: Attack) -> None:
    """The insider moves the agreed session to another path."""
    t.git(None, "mv", SESSION, SESSION.replace("11-16", "11-17"))
    t.commit("insider", "Move")


@scenario(6, "RECORD-DELETED")
def attack_signer_deletes_without_an_admin(t: Attack) -> None:
    """The supervisor, one of its signers, deletes the agreed session without an admin."""
    t.git(None, "rm", "-q", SESSION)
    t.commit("supervisor", "Remove")


@scenario(6, "RECORD-DELETED")
def attack_admin_deletes_without_a_reason(t: Attack) -> None:
    """A records admin deletes the agreed session, giving no reason."""
    t.git(None, "rm", "-q", SESSION)
    t.commit("admin", "Remove")


@scenario(6, "RECORD-CHANGED-UNSIGNED")
def attack_unsigned_edit_of_a_record_awaiting_a_signer(t: Attack) -> None:
    """An unsigned edit of a record one person has signed and the other has not yet."""
    relpath, data = t.filled("session", day="2026-11-30")
    data["disagreement"] = ""
    t.write(relpath, data)
    t.commit("supervisor", "Session record", relpath)
    assert t.sign("supervisor", relpath).code == 0
    reword(t, relpath)
    t.commit(None, "Quiet change", relpath, signed=False)



def _readers_file(t: Attack, relpath: str = SESSION) -> str:
    """A readers file beside the record, as if its data key were wrapped to the attacker
    (sign-offs do not cover it; only the readers rule guards it)."""
    side = relpath + ".readers"
    (t.root / side).write_text("# Who can read the sealed record beside this file.\n"
                               "version: 1\nentries:\n- sealed: AAAA\n  readers: "
                               f"[{t.actors['insider'].fpr}]\n  message: AAAA\n")
    return side


@scenario(6, "READERS-CHANGED-NOT-ADMIN")
def attack_unsigned_change_of_who_reads_a_record(t: Attack) -> None:
    """An unsigned commit changes who can read the agreed session (its readers file)."""
    t.commit(None, "Readers", _readers_file(t), signed=False)


@scenario(6, "READERS-CHANGED-NOT-ADMIN")
def attack_insider_changes_who_reads_a_record(t: Attack) -> None:
    """The insider, not an admin, changes who can read the agreed session in a signed commit."""
    t.commit("insider", "Readers", _readers_file(t))

# == 7. one person, one vote ==============================================================================
def _two_admins_required(t: Attack) -> None:
    t.set_config("admins_required: 1", "admins_required: 2")


@scenario(7, "KEY-UNKNOWN")
def attack_lone_admin_adds_a_key_and_signs(t: Attack) -> None:
    """With two admins required, one admin adds a key for the supervisee and signs as them."""
    _two_admins_required(t)
    t.register("dsl-sample", t.keyrings.export("rogue", t.actors["rogue"].fpr))  # type: ignore[attr-defined]
    t.craft_signoff("rogue", "supervisee", CONTRACT)


@scenario(7, "KEY-UNKNOWN", also=("TRUST-APPROVAL-INVALID",))
def attack_admin_approves_with_a_second_own_key(t: Attack) -> None:
    """An admin 'approves' their own change with a second key of theirs."""
    from supervision.signing.signoff import approval_message

    _two_admins_required(t)
    change = t.register("dsl-sample", t.keyrings.export("rogue", t.actors["rogue"].fpr))  # type: ignore[attr-defined]
    t.register("head-sample", t.keyrings.export("admin-second", t.actors["admin-second"].fpr),  # type: ignore[attr-defined]
               admin=True, commit=False)
    t.git(None, "checkout", "--", ".")
    assert change is not None
    t.git("admin-second", "commit", "-q", "-S", "--allow-empty", "-m",
          approval_message(change, "head-sample"))
    t.craft_signoff("rogue", "supervisee", CONTRACT)


@scenario(7, "KEY-UNKNOWN", also=("TRUST-APPROVAL-INVALID",))
def attack_approval_by_a_non_admin(t: Attack) -> None:
    """An admin's pending key change 'approved' by the insider, who is no admin."""
    from supervision.signing.signoff import approval_message

    _two_admins_required(t)
    change = t.register("dsl-sample", t.keyrings.export("rogue", t.actors["rogue"].fpr))  # type: ignore[attr-defined]
    assert change is not None
    t.git("insider", "commit", "-q", "-S", "--allow-empty", "-m",
          approval_message(change, "ddsl-sample"))
    t.craft_signoff("rogue", "supervisee", CONTRACT)


@scenario(7, "KEY-UNKNOWN")
def attack_lone_admin_lowers_the_threshold(t: Attack) -> None:
    """An admin lowers admins_required back to 1 alone, then adds a key and signs with it."""
    _two_admins_required(t)
    t.set_config("admins_required: 2", "admins_required: 1")
    t.register("dsl-sample", t.keyrings.export("rogue", t.actors["rogue"].fpr))  # type: ignore[attr-defined]
    t.craft_signoff("rogue", "supervisee", CONTRACT)


@scenario(7, "KEY-UNKNOWN", also=("TRUST-APPROVAL-INVALID", "TRUST-CHANGE-NOT-ADMIN"))
def attack_approval_of_a_superseded_change(t: Attack) -> None:
    """A second admin approves a change after the trust files were changed again."""
    from supervision.signing.signoff import approval_message

    _two_admins_required(t)
    change = t.register("dsl-sample", t.keyrings.export("rogue", t.actors["rogue"].fpr))  # type: ignore[attr-defined]
    people = t.root / "people.yml"
    people.write_text(people.read_text() + "# a later edit\n")
    t.commit("insider", "Edit", "people.yml")
    assert change is not None
    t.git("admin2", "commit", "-q", "-S", "--allow-empty", "-m",
          approval_message(change, "office-sample"))
    t.craft_signoff("rogue", "supervisee", CONTRACT)


@scenario(7, "KEY-NEW-UNCONFIRMED", verify="warning", push=())
def attack_lone_admin_impersonates_with_one_required(t: Attack) -> None:
    """With the default of one admin, an admin registers a key for the supervisee: a warning to them."""
    t.register("dsl-sample", t.keyrings.export("rogue", t.actors["rogue"].fpr))  # type: ignore[attr-defined]


# == 8. keys and signatures we cannot judge ===================================================================
@scenario(8, "KEY-WEAK")
def attack_rsa_1024_key(t: Attack) -> None:
    """A sign-off made with an RSA-1024 key an admin placed in keys/ by hand."""
    t.register("dsl-sample", t.keyrings.export("weak", t.actors["weak"].fpr))  # type: ignore[attr-defined]
    t.craft_signoff("weak", "supervisee")


@scenario(8, "SIGNATURE-WEAK-HASH")
def attack_sha1_signature(t: Attack) -> None:
    """A sign-off signed with the SHA-1 digest."""
    t.signoff_with("supervisee", "supervisee", t.gpg_program("--digest-algo", "SHA1"))


@scenario(8, "SIGNATURE-FUTURE")
def attack_future_dated_signature(t: Attack) -> None:
    """A sign-off whose signature (and commit) is dated a year ahead."""
    t.signoff_with("supervisee", "supervisee", t.gpg_program("--faked-system-time",
                                                             "20271201T000000"),
                   dates="2027-12-01T00:00:00+00:00")


@scenario(8, "KEY-NOT-SIGNING")
def attack_key_not_allowed_to_sign(t: Attack) -> None:
    """A sign-off signed by a certification-only primary key (its signing subkey unused)."""
    import warnings

    import pysequoia

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        tsk = pysequoia.Tsk.generate("Cert Only (fictional) <cert@example.invalid>")
    t.register("dsl-sample", str(tsk.extract_certificate()).encode())
    message = (f"Sign-off\n\nx\n\nSupervision-Role: supervisee\nSupervision-Record: {SESSION}\n"
               f"Supervision-Blob: {t.blob(SESSION)}\n")
    head = t.header()

    def certifier(data: bytes) -> str:
        made = pysequoia.sign(tsk.certifier(), data, mode=pysequoia.SignatureMode.DETACHED)
        return made.decode() if isinstance(made, bytes) else str(made)

    t.forge("\n".join(head) + "\n\n" + message, signer=certifier)


# == 9. names we did not verify ===================================================================
@scenario(9, "RECORD-CHANGED-UNSIGNED")
def attack_unsigned_edit_claiming_the_supervisor(t: Attack) -> None:
    """An unsigned edit whose author field says it was the supervisor."""
    reword(t)
    t.git(None, "add", SESSION)
    t.git(None, "-c", "user.name=Jo Fictional", "-c", "user.email=jo@example.invalid",
          "commit", "-q", "--no-gpg-sign", "--author", "Jo Fictional <jo@example.invalid>", "-m",
          "Correction")


@scenario(9, "KEY-UNKNOWN")
def attack_unknown_key_claiming_the_supervisee(t: Attack) -> None:
    """A sign-off by an unregistered key, its author field naming the supervisee."""
    t.git("outsider", "-c", "user.name=Sam Sample", "commit", "-q", "-S", "--allow-empty",
          "--author", "Sam Sample <sam@example.invalid>", "-m",
          f"Sign-off\n\nx\n\nSupervision-Role: supervisee\nSupervision-Record: {SESSION}\n"
          f"Supervision-Blob: {t.blob(SESSION)}\n")


@scenario(9, "RECORD-DELETED")
def attack_unsigned_deletion_claiming_the_admin(t: Attack) -> None:
    """An unsigned deletion of the agreed session whose author field names the records admin."""
    t.git(None, "rm", "-q", SESSION)
    t.git(None, "commit", "-q", "--no-gpg-sign", "--author", "Lee Madeup <lee@example.invalid>",
          "-m", "Retention\n\nSupervision-Reason: past the retention period\n")


def table() -> str:
    """The Markdown table for docs/tamper-evidence.md."""
    rows = ["| # | class | scenario | `verify` | pre-receive hook |", "|---|---|---|---|---|"]
    for n, s in enumerate(SCENARIOS, start=1):
        verify = {"error": f"exit 1, `{s.rule}`", "warning": f"exit 0, warning `{s.rule}`",
                  None: "cannot see it (the history is consistent)"}[s.verify]
        hook = f"refused, `{s.hook_rule or s.rule}`" if s.push else "not pushed"
        rows.append(f"| {n} | {s.cls}. {CLASSES[s.cls]} | {s.title} | {verify} | {hook} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(table(), end="")

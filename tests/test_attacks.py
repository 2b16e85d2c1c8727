"""Every attack in tests/attacks.py: the exact rule from `supervision verify`, and the
pre-receive hook's refusal with nothing on the server moved. Real git, real gpg,
throwaway keyrings, the real hook on a bare repository. Plus the honest flows the
model must still let through, and the keys-without-a-passphrase class (10)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from attacks import CLASSES, SCENARIOS, Attack, Scenario, reword, table
from conftest import BIN, git_env, run_cli
from signing import SESSION, Actor, Keyrings, copy_repo, record

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "tamper-evidence.md"
START, END = "<!-- attacks:start -->", "<!-- attacks:end -->"


def _new_person(t: Attack, pid: str, name: str, roles: str) -> None:
    people = t.root / "people.yml"
    people.write_text(people.read_text() + f"\n  - id: {pid}\n    name: {name}\n"
                      f"    roles: [{roles}]\n    school: example-school\n")


@pytest.fixture(scope="session")
def attack_template(signed_template, keyrings: Keyrings,
                    tmp_path_factory: pytest.TempPathFactory) -> Attack:
    """The signed template, with its session agreed by both, the insider (ddsl-sample)
    and a second records admin (office-sample, a new person) registered, a few
    attacker-made keys, and a server behind `supervision hook install`."""
    base = tmp_path_factory.mktemp("attack")
    made = copy_repo(signed_template, base / "repo")
    t = Attack(made.root, dict(made.actors))
    t.keyrings = keyrings
    for name, person, uid, extra in (
            ("insider", "ddsl-sample", "Robin Placeholder <robin@example.invalid>", {}),
            ("admin2", "office-sample", "Ash Invented <ash@example.invalid>", {}),
            ("rogue", "dsl-sample", "Sam Sample (rogue) <sam@example.invalid>", {}),
            ("admin-second", "head-sample", "Lee Madeup (2) <lee2@example.invalid>", {}),
            ("stolen", "dsl-sample", "Sam Sample (old) <sam.old@example.invalid>",
             {"expires": "0", "faked": "20250101T000000"}),
            ("old", "dsl-sample", "Sam Sample (2024) <sam24@example.invalid>",
             {"expires": "0", "faked": "20250101T000000"}),
            ("short-lived", "dsl-sample", "Sam Sample (2025) <sam25@example.invalid>",
             {"expires": "2026-02-01", "faked": "20251201T000000"})):
        t.actors[name] = Actor(person, keyrings.home(name), keyrings.new_key(name, uid, **extra))
    t.actors["outsider"] = made.actors["outsider"]
    # The weak key: RSA 1024 (gpg still makes them; keys import refuses them).
    keyrings.gpg("weak", "--quick-gen-key", "Weak Key <weak@example.invalid>", "rsa1024",
                 "sign", "1y")
    listing = keyrings.gpg("weak", "--with-colons", "--list-secret-keys").stdout.decode()
    weak = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr"))
    t.actors["weak"] = Actor("dsl-sample", keyrings.home("weak"), weak)
    _new_person(t, "office-sample", "Ash Invented", "admin")
    t.register("ddsl-sample", keyrings.export("insider", t.actors["insider"].fpr), commit=False)
    t.register("office-sample", keyrings.export("admin2", t.actors["admin2"].fpr), admin=True,
               commit=False)
    t.commit("admin", "Register the DDSL and a second records admin", ".")
    assert t.sign("supervisor").code == 0
    assert t.sign("supervisee").code == 0
    assert t.status() == "agreed"
    t.server = base / "server.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(t.root), str(t.server)], check=True,
                   env=git_env(), capture_output=True)
    installed = run_cli("hook", "install", str(t.server), cwd=base)
    assert installed.code == 0, installed.err
    t.git(None, "remote", "add", "server", str(t.server))
    return t


@pytest.fixture
def attack(attack_template: Attack, tmp_path: Path) -> Attack:
    made = copy_repo(attack_template, tmp_path / "repo")
    t = Attack(made.root, dict(attack_template.actors))
    t.keyrings = attack_template.keyrings
    t.server = tmp_path / "server.git"
    shutil.copytree(attack_template.server, t.server, symlinks=True)
    t.git(None, "remote", "set-url", "server", str(t.server))
    return t


def _judged_alike_with_signatures_checked_ahead(t: Attack, trust_root: str | None = None,
                                                ) -> None:
    """The same findings and statuses when each slice's signatures and signed versions
    are worked out ahead in a forked helper (slices of two commits, so the guessed keys
    often miss and the line's key changes fall between slices) as when all is done
    in-process; and the helper did answer (fewer signatures checked and versions parsed
    in this process)."""
    from supervision.repo import RecordsRepo
    from supervision.signing import openpgp, verify
    from supervision.signing.verify import Verifier

    made = {"checks": 0, "parsed": 0}
    real_check, real_facts = openpgp.sequoia_valid, verify.record_facts

    def checked(*args):
        made["checks"] += 1
        return real_check(*args)

    def parsed(*args):
        made["parsed"] += 1
        return real_facts(*args)

    outcomes = []
    openpgp.sequoia_valid, verify.record_facts = checked, parsed  # type: ignore[assignment]
    try:
        for ahead_from in (10**9, 1):
            made.update(checks=0, parsed=0)
            repo = RecordsRepo.load(t.root)
            a = Verifier(repo, use_cache=False, trust_root=trust_root, now=time.time(),
                         slice_size=2, ahead_from=ahead_from).run()
            outcomes.append(([f.as_dict() for f in a.findings],
                             [r.as_json() for r in a.records], dict(made)))
    finally:
        openpgp.sequoia_valid, verify.record_facts = real_check, real_facts
    (findings, records, inline), (ahead_findings, ahead_records, ahead_inline) = outcomes
    assert ahead_findings == findings
    assert ahead_records == records
    # the helper did answer: never more work here, and less wherever there was any (the
    # versions the ledger reads at the end, not named by a sign-off, are parsed here)
    assert all(ahead_inline[work] <= inline[work] for work in inline), (inline, ahead_inline)
    assert sum(ahead_inline.values()) < sum(inline.values()) or inline["checks"] == 0, \
        (inline, ahead_inline)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: f"{s.cls}-{s.id}")
def test_attack_is_caught(scenario: Scenario, attack: Attack) -> None:
    before = attack.server_refs()
    scenario.run(attack)
    if scenario.verify is not None:
        extra = ["--trust-root", attack.root_pin] if hasattr(attack, "root_pin") else []
        result = run_cli("verify", "--format", "json", *extra, cwd=attack.root, env=git_env())
        assert result.code in (0, 1), result.out + result.err  # never exit 3
        data = result.json()
        found = data["errors" if scenario.verify == "error" else "warnings"]
        assert scenario.rule in {f["rule"] for f in found}, (data["errors"], data["warnings"])
        everything = {f["rule"] for f in data["errors"] + data["warnings"]}
        assert set(scenario.also) <= everything, (data["errors"], data["warnings"])
        assert result.code == (1 if scenario.verify == "error" else 0), data["errors"]
        assert all(f["line"] >= 1 and f["hint"] for f in found)
        _judged_alike_with_signatures_checked_ahead(attack, *extra[1:])
    for refspec in scenario.push:
        code, out = attack.push(refspec)
        assert "Traceback" not in out, out
        assert code != 0, out
        assert "pre-receive hook declined" in out, out
        assert (scenario.hook_rule or scenario.rule) in out, out
        assert attack.server_refs() == before


def test_every_class_has_three_scenarios_caught_by_verify() -> None:
    for cls in CLASSES:
        caught = [s for s in SCENARIOS if s.cls == cls]
        assert len(caught) >= 3, (cls, len(caught))
        if cls != 4:  # rewinds are the server's to refuse: the history itself is consistent
            assert sum(s.verify == "error" for s in caught) >= 3, cls
    assert len(SCENARIOS) + len(PASSPHRASE_SCENARIOS) >= 50
    assert len({s.id for s in SCENARIOS}) == len(SCENARIOS)


def test_the_tamper_evidence_page_lists_every_scenario() -> None:
    text = PAGE.read_text(encoding="utf-8")
    generated = text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    assert generated == table() + PASSPHRASE_TABLE, (
        "docs/tamper-evidence.md is out of date: run `python tests/attacks.py` and paste "
        "its table between the markers")


# -- git's own guards, set by `hook install` -----------------------------------------------
def test_hook_install_sets_gits_own_guards_too(attack: Attack) -> None:
    for key in ("receive.denyNonFastForwards", "receive.denyDeletes", "receive.fsckObjects"):
        value = subprocess.run(["git", "config", key], cwd=attack.server, env=git_env(),
                               capture_output=True, text=True).stdout.strip()
        assert value == "true", key
    before = attack.server_refs()
    attack.git(None, "reset", "-q", "--hard", "HEAD~1")
    code, out = attack.push("+main")
    assert code != 0 and attack.server_refs() == before
    assert "non-fast-forward" in out or "PUSH-NOT-FAST-FORWARD" in out
    again = run_cli("hook", "install", str(attack.server), cwd=attack.root.parent)
    assert again.code == 0  # safe to run again
    other = attack.root.parent / "other.git"
    subprocess.run(["git", "init", "-q", "--bare", str(other)], check=True, env=git_env())
    (other / "hooks" / "pre-receive").write_text("#!/bin/sh\nexit 0\n")
    refused = run_cli("hook", "install", str(other), cwd=attack.root.parent)
    assert refused.code == 1 and "is not this tool's hook" in refused.err


def test_the_first_accepted_push_pins_the_trust_root_on_the_server(attack: Attack,
                                                                  tmp_path: Path) -> None:
    empty = tmp_path / "empty.git"
    subprocess.run(["git", "init", "-q", "--bare", str(empty)], check=True, env=git_env())
    assert run_cli("hook", "install", str(empty), cwd=tmp_path).code == 0
    done = subprocess.run(["git", "push", "-q", str(empty), "main"], cwd=attack.root,
                          env=git_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pinned = subprocess.run(["git", "config", "supervision.trustRoot"], cwd=empty,
                            env=git_env(), capture_output=True, text=True).stdout.split()
    root = attack.git(None, "rev-list", "--max-parents=0", "HEAD").strip()
    assert pinned[0] == root and pinned[1] == attack.actors["admin"].fpr


# -- the honest flows still pass --------------------------------------------------------------
def test_key_rotation_by_an_admin_confirmed_by_the_person(attack: Attack) -> None:
    new = attack.actors["rogue"]  # a new key the supervisee made for themselves
    attack.register("dsl-sample", attack.keyrings.export("rogue", new.fpr))  # type: ignore[attr-defined]
    result, data = attack.verify()
    assert result.code == 0 and [w["rule"] for w in data["warnings"]] == ["KEY-NEW-UNCONFIRMED"]
    assert data["warnings"][0]["person"] == "dsl-sample"
    shown = run_cli("status", "--person", "dsl-sample", "--format", "json", cwd=attack.root,
                    env=git_env())
    assert shown.code == 0, shown.err
    waiting = [i for p in shown.json()["people"] if p["id"] == "dsl-sample"
               for i in p["awaiting_signature"]]
    assert [i["rule"] for i in waiting if i["rule"] == "KEY-NEW-UNCONFIRMED"] == [
        "KEY-NEW-UNCONFIRMED"]
    confirmed = attack.as_("supervisee", "keys", "confirm", new.fpr)
    assert confirmed.code == 0, confirmed.err
    result, data = attack.verify()
    assert result.code == 0 and data["warnings"] == []
    assert "KEY-NEW-UNCONFIRMED" not in run_cli("status", "--person", "dsl-sample",
                                                cwd=attack.root, env=git_env()).out


def test_two_admins_approve_a_change_and_then_it_counts(attack: Attack) -> None:
    attack.set_config("admins_required: 1", "admins_required: 2")
    change = attack.register("dsl-sample", attack.keyrings.export(  # type: ignore[attr-defined]
        "rogue", attack.actors["rogue"].fpr))
    assert change is not None
    result, data = attack.verify()
    assert result.code == 0 and "TRUST-CHANGE-PENDING" in {w["rule"] for w in data["warnings"]}
    refused = attack.as_("admin", "keys", "approve", change)
    assert refused.code == 1 and "already signed or approved" in refused.err
    approved = attack.as_("admin2", "keys", "approve", change, "--key",
                          attack.actors["admin2"].fpr)
    assert approved.code == 0, approved.err
    result, data = attack.verify()
    assert result.code == 0, data["errors"]
    rules = {w["rule"] for w in data["warnings"]}
    assert "TRUST-CHANGE-PENDING" not in rules and "KEY-NEW-UNCONFIRMED" in rules
    # The new key now counts: a sign-off with it is accepted.
    relpath, body = attack.filled("case-notes")
    attack.write(relpath, body)
    attack.commit("rogue", "Case notes", relpath)
    attack.craft_signoff("rogue", "supervisee", relpath)
    result, data = attack.verify()
    assert result.code == 0, data["errors"]
    assert record(data, relpath)["status"] == "agreed"
    code, out = attack.push("main")
    assert code == 0, out


def test_an_admin_deletes_an_agreed_record_with_a_reason(attack: Attack) -> None:
    attack.git(None, "rm", "-q", SESSION)
    attack.git("admin", "commit", "-q", "-S", "-m",
               "Retention review\n\nPast the school's retention period.\n\n"
               "Supervision-Reason: past the retention period (7 years)\n")
    result, data = attack.verify()
    assert result.code == 0, data["errors"]
    gone = record(data, SESSION)
    assert gone["status"] == "deleted"
    assert gone["deleted_by"]["person"] == "head-sample"
    assert gone["deleted_by"]["reason"] == "past the retention period (7 years)"
    text = run_cli("history", SESSION, cwd=attack.root, env=git_env())
    assert "deleted the record (reason: past the retention period (7 years))" in text.out
    code, out = attack.push("main")
    assert code == 0, out



def test_who_reads_a_record_changes_with_an_admin_or_with_the_record(attack: Attack) -> None:
    """The honest ways a readers file changes (`seal readers` by an admin; a new version
    of the record by its signer, as `submit` commits it) pass; an insider's change is
    settled, down to a warning, once an admin sets the readers again."""
    from attacks import _readers_file

    side = _readers_file(attack)
    attack.commit("admin", "Who can read the school's records", side)
    reword(attack)
    (attack.root / side).write_text((attack.root / side).read_text().replace("AAAA", "BBBB"))
    attack.commit("supervisor", "Correct the record", SESSION, side)
    result, data = attack.verify()
    rules = {f["rule"] for f in data["errors"] + data["warnings"]}
    assert "READERS-CHANGED-NOT-ADMIN" not in rules, data["errors"]
    (attack.root / side).write_text((attack.root / side).read_text().replace("BBBB", "CCCC"))
    attack.commit("insider", "Readers", side)
    (attack.root / side).write_text((attack.root / side).read_text().replace("CCCC", "DDDD"))
    attack.commit("admin", "Who can read the record, set again", side)
    result, data = attack.verify()
    found = [f for f in data["warnings"] if f["rule"] == "READERS-CHANGED-NOT-ADMIN"]
    assert found and "set its readers again since" in found[0]["message"], data
    assert not [f for f in data["errors"] if f["rule"] == "READERS-CHANGED-NOT-ADMIN"]

def test_resigning_after_an_edit_and_disagreement_still_pass(attack: Attack) -> None:
    reword(attack)
    attack.commit("supervisor", "Correct the record", SESSION)
    assert attack.status() == "stale"
    assert attack.sign("supervisor").code == 0
    done = attack.sign("supervisee", SESSION, "--disagree", "The length was right before.")
    assert done.code == 0, done.err
    assert attack.sign("supervisor").code == 0
    result, data = attack.verify()
    assert result.code == 0 and record(data)["status"] == "disputed", data["errors"]
    code, out = attack.push("main")
    assert code == 0, out


def test_sign_refuses_what_verify_would_not_count(attack: Attack) -> None:
    relpath, data = attack.filled("session", supervisee="ddsl-sample", day="2026-11-30")
    data["disagreement"] = ""
    attack.write(relpath, data)
    attack.commit("supervisor", "Session record", relpath)
    head = attack.head()
    refused = attack.sign("supervisor", relpath)
    assert refused.code == 1 and "no agreed contract for ddsl-sample" in refused.err
    assert attack.head() == head  # nothing was signed


def test_verify_never_names_the_author_field_as_who_did_it(attack: Attack) -> None:
    reword(attack)
    attack.git(None, "add", SESSION)
    attack.git(None, "commit", "-q", "--no-gpg-sign", "--author",
               "Jo Fictional <jo@example.invalid>", "-m", "Correction")
    text = run_cli("verify", cwd=attack.root, env=git_env())
    assert "by unsigned (author field claims Jo Fictional)" in text.out
    assert "by Jo Fictional" not in text.out and "by deputy-sample after" not in text.out
    history = run_cli("history", SESSION, cwd=attack.root, env=git_env())
    assert "by unsigned (author field claims Jo Fictional)" in history.out


def test_keys_import_refuses_a_weak_key(attack: Attack) -> None:
    exported = attack.root.parent / "weak.asc"
    exported.write_bytes(attack.keyrings.export("weak", attack.actors["weak"].fpr))  # type: ignore[attr-defined]
    done = attack.as_("admin", "keys", "import", str(exported), "--person", "dsl-sample")
    assert done.code == 1 and "too weak to trust (RSA 1024 bits)" in done.err
    assert attack.git(None, "status", "--porcelain").strip() == ""


# == 10. keys without a passphrase ===============================================================
PASSPHRASE_SCENARIOS = (
    ("keys create with no terminal and no pinentry", "refused; no key is made"),
    ("keys create --no-passphrase", "made, and `keys list` says `NO (unprotected)`"),
    ("keys create in a terminal, passphrase typed twice", "made, protected (`keys list`: yes)"),
)
PASSPHRASE_TABLE = "".join(
    f"| {len(SCENARIOS) + n} | 10. Keys without a passphrase | {what} | not a commit | "
    f"{result} |\n" for n, (what, result) in enumerate(PASSPHRASE_SCENARIOS, start=1))


@pytest.fixture
def gnupg_home():
    home = Path(tempfile.mkdtemp(dir="/tmp", prefix="svpass-"))
    home.chmod(0o700)
    yield home
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True)
    shutil.rmtree(home, ignore_errors=True)


def test_keys_create_without_a_terminal_never_makes_an_unprotected_key(
        attack: Attack, gnupg_home: Path) -> None:
    (gnupg_home / "gpg-agent.conf").write_text("pinentry-program /bin/false\n")
    env = dict(git_env(), GNUPGHOME=str(gnupg_home))
    env.pop("DISPLAY", None)
    done = subprocess.run([str(BIN / "supervision"), "keys", "create", "--person", "dsl-sample"],
                          cwd=attack.root, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "pinentry" in done.stderr and "Traceback" not in done.stderr
    secret = subprocess.run(["gpg", "--homedir", str(gnupg_home), "--list-secret-keys"],
                            capture_output=True, text=True).stdout
    assert secret.strip() == ""
    assert attack.git(None, "status", "--porcelain").strip() == ""
    made = run_cli("keys", "create", "--person", "dsl-sample", "--no-passphrase",
                   cwd=attack.root, env=env)
    assert made.code == 0, made.err
    listed = run_cli("keys", "list", "--format", "json", cwd=attack.root, env=env)
    mine = [r for r in listed.json() if r["private_key_here"]]
    assert [r["passphrase"] for r in mine] == ["NO (unprotected)"]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux drives the terminal")
def test_keys_create_in_a_terminal_asks_for_the_passphrase(attack: Attack,
                                                           gnupg_home: Path) -> None:
    (gnupg_home / "gpg-agent.conf").write_text("allow-loopback-pinentry\n")
    session = f"svkeys{os.getpid()}"
    env = dict(git_env(), GNUPGHOME=str(gnupg_home))
    script = attack.root.parent / "create.sh"
    script.write_text(f"cd {attack.root} && {BIN / 'supervision'} keys create --person "
                      f"dsl-sample > {attack.root.parent / 'out.txt'} 2>&1; echo done >> "
                      f"{attack.root.parent / 'out.txt'}\n")
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "30",
                    f"bash {script}"], env=env, check=True)
    try:
        out = attack.root.parent / "out.txt"
        for prompt in ("Passphrase for the new key", "Type it again"):
            deadline = time.time() + 60
            while prompt not in subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                                               capture_output=True, text=True).stdout:
                assert time.time() < deadline, f"no {prompt!r} prompt"
                time.sleep(0.2)
            subprocess.run(["tmux", "send-keys", "-t", session, "correct horse battery",
                            "Enter"], check=True)
        deadline = time.time() + 120
        while time.time() < deadline and not (out.exists() and "done" in out.read_text()):
            time.sleep(0.5)
        text = out.read_text()
        assert "Created signing key" in text, text
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    listed = run_cli("keys", "list", "--format", "json", cwd=attack.root, env=env)
    mine = [r for r in listed.json() if r["private_key_here"]]
    assert [r["passphrase"] for r in mine] == ["yes"]

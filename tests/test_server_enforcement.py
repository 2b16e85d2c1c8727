"""Enforcement on the git server: the CI files `init` writes, and the pre-receive hook.

The hook is tested as a server runs it: a real bare repository on disk with the real
two-line script (deploy/git-hooks/pre-receive) as its pre-receive hook, and real
`git push` from a signed records repository (real gpg keys, tests/signing.py). git
runs the hook with the pushed objects in quarantine and no ref moved; every refused
push must leave the server's refs exactly as they were.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import BIN, git_env, run_cli
from signing import SESSION, SignedRepo, record

ROOT = Path(__file__).resolve().parent.parent
HOOK = ROOT / "deploy" / "git-hooks" / "pre-receive"
GITLAB_CI = ROOT / "deploy" / "gitlab-pages" / "gitlab-ci.yml"
GITHUB_WORKFLOW = ROOT / "deploy" / "github-actions" / "supervision.yml"
ZERO = "0" * 40
TIME_RULES = set(__import__("supervision.deadlines.rules", fromlist=["RULE_IDS"]).RULE_IDS)


def _rules(output: str) -> set[str]:
    """Rule ids of the findings printed (`path:line:col: RULE message`)."""
    return set(re.findall(r"^\S+:\d+:\d+: ([A-Z][A-Z0-9-]+) ", output, re.MULTILINE))


def _upn() -> str:
    """A Unique Pupil Number that python-stdnum accepts (invented, never issued)."""
    from stdnum.gb import upn

    body = "801" + "2824" + "26" + "531"  # LA 801, establishment, year, serial
    number = upn.calc_check_digit(body) + body
    assert upn.is_valid(number)
    return number


# -- the CI files ------------------------------------------------------------------------
def _schema_check(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(path)],
                          capture_output=True, text=True, timeout=120)


def test_init_writes_both_ci_files_and_they_pass_the_hosts_schemas(agenda_repo,
                                                                     tmp_path: Path) -> None:
    gitlab = agenda_repo.root / ".gitlab-ci.yml"
    github = agenda_repo.root / ".github" / "workflows" / "supervision.yml"
    # One text, kept in deploy/ and linked from the skeleton.
    assert gitlab.read_text() == GITLAB_CI.read_text()
    assert github.read_text() == GITHUB_WORKFLOW.read_text()
    assert (agenda_repo.root / "docs" / "server-enforcement.md").is_file()
    for schema, path in (("vendor.gitlab-ci", gitlab), ("vendor.github-workflows", github)):
        done = _schema_check(schema, path)
        assert done.returncode == 0, done.stdout + done.stderr
    # The validator does reject a broken file (so the passes above mean something).
    broken = tmp_path / "broken.yml"
    data = yaml.safe_load(gitlab.read_text())
    data["check"]["when"] = "sometimes"
    broken.write_text(yaml.safe_dump(data))
    assert _schema_check("vendor.gitlab-ci", broken).returncode != 0
    data = yaml.safe_load(github.read_text())
    data["jobs"]["check"]["steps"][0]["with"]["fetch-depth"] = "all"
    del data["jobs"]["check"]["runs-on"]
    broken.write_text(yaml.safe_dump(data))
    assert _schema_check("vendor.github-workflows", broken).returncode != 0


def _jobs(data: dict) -> dict:
    """GitLab jobs with `extends: .supervision` merged in, as GitLab does."""
    base = data[".supervision"]
    return {name: {**base, **job} for name, job in data.items()
            if isinstance(job, dict) and job.get("extends") == ".supervision"}


def test_gitlab_pipeline_checks_every_push_and_merge_request_and_publishes_main() -> None:
    data = yaml.safe_load(GITLAB_CI.read_text())
    assert data["variables"]["GIT_DEPTH"] == "0"  # the whole history
    assert "CHANGE-ME" in data["variables"]["SUPERVISION_TOOL"]
    conditions = [r["if"] for r in data["workflow"]["rules"]]
    assert '$CI_PIPELINE_SOURCE == "merge_request_event"' in conditions
    assert "$CI_COMMIT_BRANCH" in conditions
    jobs = _jobs(data)
    for name in ("check", "verify", "deadlines"):
        assert [r["if"] for r in jobs[name]["rules"]] == conditions, name
        assert any('pip install --quiet "$SUPERVISION_TOOL"' in line
                   for line in jobs[name]["before_script"])
    assert jobs["check"]["script"] == ["supervision check --no-time-rules --no-cache"]
    assert "supervision verify --no-cache" in jobs["verify"]["script"][0]
    assert jobs["deadlines"]["allow_failure"] is True
    assert "allow_failure" not in jobs["check"] and "allow_failure" not in jobs["verify"]
    pages = jobs["pages"]
    assert [r["if"] for r in pages["rules"]] == ["$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"]
    assert pages["stage"] == "pages" and data["stages"] == ["check", "pages"]
    assert pages["script"] == ["supervision site build --site-dir public"]
    assert pages["artifacts"]["paths"] == ["public"]


def test_github_workflow_checks_every_push_and_pull_request_and_publishes_nothing() -> None:
    data = yaml.safe_load(GITHUB_WORKFLOW.read_text())
    triggers = data[True] if True in data else data["on"]  # YAML 1.1 reads `on` as True
    assert set(triggers) == {"push", "pull_request"}
    assert "vars.SUPERVISION_TOOL" in data["env"]["SUPERVISION_TOOL"]
    steps = data["jobs"]["check"]["steps"]
    checkout = steps[0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0
    assert "pull_request.head.sha" in checkout["with"]["ref"]
    runs = {s.get("name"): s for s in steps}
    assert runs["Check the records"]["run"] == "supervision check --no-time-rules --no-cache"
    assert "supervision verify --no-cache" in runs["Verify the signatures"]["run"]
    deadlines = runs["Deadlines and overdue sessions (reported, never blocking)"]
    assert deadlines["continue-on-error"] is True
    assert not any("pages" in str(s.get("uses", "")) for s in steps)


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-ec", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_ci_commands_pass_on_a_good_clone_and_fail_on_a_bad_one(signed: SignedRepo,
                                                                    tmp_path: Path) -> None:
    """Run the pipeline's own script lines (not the install, which needs the internet)
    in fresh full clones, as the CI jobs would."""
    jobs = _jobs(yaml.safe_load(GITLAB_CI.read_text()))
    steps = {s.get("name"): s for s in yaml.safe_load(
        GITHUB_WORKFLOW.read_text())["jobs"]["check"]["steps"]}
    install_guard = steps["Install the supervision tools"]["run"]
    assert signed.sign("supervisor").code == 0
    base = signed.head()
    assert signed.sign("supervisee").code == 0

    def clone(name: str) -> Path:
        target = tmp_path / name
        done = subprocess.run(["git", "clone", "-q", str(signed.root), str(target)],
                              env=git_env(), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return target

    good = clone("good")
    env = git_env()
    env.pop("SUPERVISION_TODAY")
    for job in ("check", "verify"):
        for extra in ({}, {"CI_MERGE_REQUEST_DIFF_BASE_SHA": base}):
            done = _bash("\n".join(jobs[job]["script"]), good, {**env, **extra})
            assert done.returncode == 0, (job, extra, done.stdout + done.stderr)
    for name in ("Check the records", "Verify the signatures"):
        done = _bash(steps[name]["run"], good, {**env, "BASE": base})
        assert done.returncode == 0, done.stdout + done.stderr
    # Until the school says where the tools come from, the install step says so and stops.
    guard = _bash(install_guard, good, {**env, "SUPERVISION_TOOL": "supervision @ git+"
                                        "https://git.example.invalid/CHANGE-ME/x.git@v1"})
    assert guard.returncode == 1 and "SUPERVISION_TOOL is not set" in guard.stdout
    # Deadlines: a year on, sessions are overdue; that fails only the non-blocking job.
    late = {**env, "SUPERVISION_TODAY": "2027-11-22"}
    assert _bash("\n".join(jobs["check"]["script"]), good, late).returncode == 0
    overdue = _bash("\n".join(jobs["deadlines"]["script"]), good, late)
    assert overdue.returncode == 1 and _rules(overdue.stdout) <= TIME_RULES, overdue.stdout

    # A supervisor adds a key to people.yml with their own signature: verify fails.
    people = signed.root / "people.yml"
    people.write_text(people.read_text().replace("people:", "people:\n# reviewed", 1))
    signed.commit("supervisor", "Tidy people.yml", "people.yml")
    bad = clone("bad")
    done = _bash("\n".join(jobs["verify"]["script"]), bad, env)
    assert done.returncode == 1 and "TRUST-CHANGE-NOT-ADMIN" in done.stdout
    done = _bash(steps["Verify the signatures"]["run"], bad, {**env, "BASE": base})
    assert done.returncode == 1 and "TRUST-CHANGE-NOT-ADMIN" in done.stdout


# -- the pre-receive hook ----------------------------------------------------------------
@dataclass
class Pushed:
    code: int
    out: str


class Server:
    """A bare repository with the hook, and the signed repository that pushes to it."""

    def __init__(self, local: SignedRepo, bare: Path) -> None:
        self.local = local
        self.bare = bare

    def install(self) -> None:
        target = self.bare / "hooks" / "pre-receive"
        shutil.copy(HOOK, target)
        target.chmod(0o755)

    def uninstall(self) -> None:
        (self.bare / "hooks" / "pre-receive").unlink()

    def refs(self) -> str:
        return subprocess.run(["git", "for-each-ref"], cwd=self.bare, env=git_env(),
                              capture_output=True, text=True, check=True).stdout

    def push(self, *refspecs: str, env: dict[str, str] | None = None) -> Pushed:
        done = subprocess.run(["git", "push", "--porcelain", "server", *refspecs],
                              cwd=self.local.root, env=env or git_env(), capture_output=True,
                              text=True, timeout=120)
        out = done.stdout + done.stderr
        assert "Traceback" not in out, out
        return Pushed(done.returncode, out)

    def refused(self, *refspecs: str, env: dict[str, str] | None = None) -> str:
        """Push, expect a refusal, and check that no ref on the server moved."""
        before = self.refs()
        pushed = self.push(*refspecs, env=env)
        assert pushed.code != 0, pushed.out
        assert "pre-receive hook declined" in pushed.out, pushed.out
        assert "push refused" in pushed.out and "nothing on the server has changed" in pushed.out
        assert self.refs() == before
        return pushed.out

    def accepted(self, *refspecs: str, env: dict[str, str] | None = None) -> str:
        pushed = self.push(*refspecs, env=env)
        assert pushed.code == 0, pushed.out
        return pushed.out

    def head(self, ref: str = "refs/heads/main") -> str | None:
        done = subprocess.run(["git", "rev-parse", "--verify", "-q", ref], cwd=self.bare,
                              env=git_env(), capture_output=True, text=True)
        return done.stdout.strip() or None


@pytest.fixture
def server(signed: SignedRepo, tmp_path: Path) -> Server:
    bare = tmp_path / "server.git"
    done = subprocess.run(["git", "clone", "-q", "--bare", str(signed.root), str(bare)],
                          env=git_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    signed.git(None, "remote", "add", "server", str(bare))
    made = Server(signed, bare)
    made.install()
    return made


def _edit_session(signed: SignedRepo, old: str, new: str) -> None:
    path = signed.root / SESSION
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_hook_script_is_two_lines_that_exec_the_command() -> None:
    lines = HOOK.read_text().splitlines()
    assert lines == ["#!/bin/sh", "exec supervision hook pre-receive"]
    assert os.access(HOOK, os.X_OK)


def test_a_good_push_is_accepted_and_the_branch_moves(server: Server) -> None:
    local = server.local
    assert local.sign("supervisor").code == 0
    assert local.sign("supervisee").code == 0
    out = server.accepted("main")
    assert "supervision: refs/heads/main" in out and "accepted (2 new commits verified" in out
    assert server.head() == local.head()
    # The cache lives in the bare repository; nothing else was written there.
    assert (server.bare / "supervision" / "store.sqlite").is_file()


def test_an_invalid_record_is_refused_with_its_finding(server: Server) -> None:
    local = server.local
    _edit_session(local, "format: one-to-one", "format: one-to-one\nlocation_notes: upstairs")
    local.commit("supervisor", "Add a note", SESSION)
    out = server.refused("main")
    assert f"{SESSION}:" in out and "SCHEMA-UNKNOWN-KEY" in out
    assert "hint:" in out
    assert f"in: the files as they are in commit {local.head()[:10]}" in out


def test_an_identifying_record_is_refused_and_the_number_never_reaches_the_server(
        server: Server) -> None:
    local = server.local
    upn = _upn()
    data = yaml.safe_load((local.root / SESSION).read_text())
    data["wellbeing"]["discussion"] = f"Checked the transfer file; the pupil number is {upn}."
    local.write(SESSION, data)
    local.commit("supervisor", "Wellbeing notes", SESSION)
    blob = local.blob(SESSION)
    out = server.refused("main", env={**git_env(), "GL_ID": "user-1"})
    assert "PRIVACY-UPN" in out and f"{SESSION}:" in out
    assert upn not in out  # the finding says what kind of thing, never the thing
    assert "GL-HOOK-ERR: " + SESSION in out  # GitLab shows these lines on merge requests
    # git drops a refused push's quarantine: the record is not on the server at all.
    gone = subprocess.run(["git", "cat-file", "-e", blob], cwd=server.bare, env=git_env())
    assert gone.returncode != 0


def test_signoffs_with_an_unknown_key_or_a_broken_signature_are_refused(
        server: Server) -> None:
    local = server.local
    forged = local.craft_signoff("outsider", "supervisee")
    out = server.refused("main")
    assert "KEY-UNKNOWN" in out and f"commit: {forged[:10]}, person: dsl-sample" in out

    local.git(None, "reset", "-q", "--hard", "HEAD~1")
    assert local.sign("supervisee").code == 0
    raw = local.git(None, "cat-file", "commit", "HEAD")
    tampered = raw.replace("signs this record as accurate", "signs this record, honestly")
    assert tampered != raw
    forged = local.git(None, "hash-object", "-t", "commit", "-w", "--stdin",
                       input=tampered.encode()).strip()
    local.git(None, "update-ref", "refs/heads/main", forged)
    out = server.refused("main")
    assert "SIGNATURE-BAD" in out and f"commit: {forged[:10]}" in out


def test_an_agreed_record_changed_without_signing_again_is_refused(server: Server) -> None:
    local = server.local
    assert local.sign("supervisor").code == 0
    assert local.sign("supervisee").code == 0
    server.accepted("main")
    _edit_session(local, "format: one-to-one", "format: one-to-one  # checked")
    change = local.commit(None, "Quiet change", SESSION, signed=False)
    out = server.refused("main")
    assert "RECORD-CHANGED-UNSIGNED" in out and f"commit {change[:10]} changed this signed record" in out
    # Both sign the changed record again in the same push: now it is only a warning.
    assert local.sign("supervisor").code == 0
    assert local.sign("supervisee").code == 0
    out = server.accepted("main")
    assert "RECORD-CHANGED-UNSIGNED (warning)" in out
    assert server.head() == local.head()


def test_people_yml_changed_without_an_admin_signature_is_refused(server: Server) -> None:
    local = server.local
    people = local.root / "people.yml"
    original = people.read_text()
    people.write_text(original.replace("people:", "people:\n# reviewed by the deputy", 1))
    local.commit("supervisor", "Tidy people.yml", "people.yml")
    out = server.refused("main")
    assert "people.yml:1:1: TRUST-CHANGE-NOT-ADMIN" in out and "person: deputy-sample" in out
    # The same change signed by the records admin goes through; a people.yml change
    # makes the hook check every record.
    local.git(None, "reset", "-q", "--hard", "HEAD~1")
    people.write_text(original.replace("people:", "people:\n# reviewed by the admin", 1))
    local.commit("admin", "Tidy people.yml", "people.yml")
    out = server.accepted("main")
    assert "every record checked" in out


def test_new_branches_are_checked_and_deleting_one_is_not_the_hooks_business(
        server: Server) -> None:
    local = server.local
    local.git(None, "checkout", "-q", "-b", "bad-branch")
    _edit_session(local, "format: one-to-one", "format: one-to-one\nlocation_notes: upstairs")
    local.commit("supervisor", "Add a note", SESSION)
    out = server.refused("bad-branch")
    assert "refs/heads/bad-branch" in out and "SCHEMA-UNKNOWN-KEY" in out
    assert server.head("refs/heads/bad-branch") is None

    local.git(None, "checkout", "-q", "main")
    local.git(None, "checkout", "-q", "-b", "sign-offs")
    assert local.sign("supervisor").code == 0
    out = server.accepted("sign-offs")
    assert "refs/heads/sign-offs" in out and "accepted (1 new commit verified" in out
    assert server.head("refs/heads/sign-offs") == local.head()
    # A branch pointing at commits the server already has brings nothing new.
    local.git(None, "branch", "copy", "sign-offs")
    assert "brings no new commits" in server.accepted("copy")
    assert "deleted" in server.accepted(":copy")
    assert server.head("refs/heads/copy") is None
    # One bad ref refuses the whole push: the good one does not move either.
    local.git(None, "checkout", "-q", "sign-offs")
    assert local.sign("supervisee").code == 0
    server.refused("sign-offs", "bad-branch")
    assert server.head("refs/heads/sign-offs") != local.head()


def test_a_merge_is_refused_and_the_same_work_rebased_is_accepted(server: Server) -> None:
    """The protected line is straight: a merge, even of a re-signed record and even when
    it adds nothing of its own, is refused (a web page "merge" button makes such commits,
    unsigned). The same work as a fast-forward is accepted."""
    local = server.local
    assert local.sign("supervisor").code == 0
    assert local.sign("supervisee").code == 0
    server.accepted("main")
    local.git(None, "checkout", "-q", "-b", "amend")
    _edit_session(local, "format: one-to-one", "format: one-to-one  # corrected")
    local.commit("supervisor", "Correct the record", SESSION)
    assert local.sign("supervisor").code == 0
    assert local.sign("supervisee").code == 0
    local.git(None, "checkout", "-q", "main")
    local.git(None, "merge", "-q", "--no-ff", "--no-gpg-sign", "-m", "Merge amend", "amend")
    merge = local.head()
    out = server.refused("main")
    assert "HISTORY-MERGE" in out and f"commit {merge[:10]} merges 1 other line" in out
    result, data = local.verify()  # and the CI audit agrees: the merge's changes are its own
    assert result.code == 1
    assert sorted(e["rule"] for e in data["errors"]) == ["HISTORY-MERGE",
                                                         "RECORD-CHANGED-UNSIGNED"]
    assert record(data)["status"] == "stale"

    # A merge that also edits the agreed record (an "evil merge") is its own, unsigned change.
    local.git(None, "checkout", "-q", "-b", "other", "main~1")
    local.commit("supervisor", "Unrelated work", signed=True)
    local.git(None, "checkout", "-q", "main")
    local.git(None, "merge", "-q", "--no-ff", "--no-commit", "--no-gpg-sign", "other")
    _edit_session(local, "format: one-to-one  # corrected", "format: one-to-one  # changed")
    local.git(None, "add", SESSION)
    local.git(None, "commit", "-q", "--no-gpg-sign", "-m", "Merge other")
    out = server.refused("main")
    assert "HISTORY-MERGE" in out and "RECORD-CHANGED-UNSIGNED" in out
    assert f"commit {local.head()[:10]}" in out

    # The amendment as a straight line (what `supervision submit` pushes) is accepted.
    local.git(None, "reset", "-q", "--hard", "amend")
    server.accepted("main")
    assert server.head() == local.head()
    result, data = local.verify()
    assert result.code == 0 and record(data)["status"] == "agreed", data["errors"]


def test_problems_already_on_the_server_do_not_block_later_pushes(server: Server) -> None:
    local = server.local
    server.uninstall()  # before the hook was installed, a bad change got in
    people = local.root / "people.yml"
    people.write_text(people.read_text().replace("people:", "people:\n# by the deputy", 1))
    local.commit("supervisor", "Tidy people.yml", "people.yml")
    server.accepted("main")
    server.install()
    assert local.sign("supervisor").code == 0
    out = server.accepted("main")
    assert "TRUST-CHANGE-NOT-ADMIN" not in out
    # The full audit (what CI runs on the main branch) still reports it.
    result = run_cli("verify", cwd=local.root, env=git_env())
    assert result.code == 1 and "TRUST-CHANGE-NOT-ADMIN" in result.out


def test_deadlines_never_block_a_push(server: Server) -> None:
    local = server.local
    late = {**git_env(), "SUPERVISION_TODAY": "2027-11-22"}  # a year of sessions missed
    assert local.sign("supervisor").code == 0
    _edit_session(local, "format: one-to-one", "format: one-to-one  # reviewed")
    local.commit("supervisor", "Review", SESSION)
    overdue = run_cli("check", cwd=local.root, env=late)
    assert overdue.code == 1 and _rules(overdue.out) <= TIME_RULES, overdue.out
    out = server.accepted("main", env=late)
    assert not _rules(out) and "1 file checked" in out


def test_the_hook_by_hand_bad_input_and_other_repositories(server: Server,
                                                           tmp_path: Path) -> None:
    local = server.local
    env = git_env()
    assert local.sign("supervisor").code == 0
    # By hand, as the docs show: the objects are on the server, no ref holds them yet.
    server.uninstall()
    server.accepted(f"{local.head()}:refs/heads/tmp")
    server.accepted(":refs/heads/tmp")
    before = server.refs()
    line = f"{server.head()} {local.head()} refs/heads/main\n"
    done = subprocess.run([str(BIN / "supervision"), "hook", "pre-receive"], cwd=server.bare,
                          env=env, input=line, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "accepted (1 new commit verified" in done.stdout
    assert server.refs() == before  # the hook itself never moves a ref
    done = subprocess.run([str(BIN / "supervision"), "hook", "pre-receive"], cwd=server.bare,
                          env=env, input="not what git sends\n", capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "is not what git sends" in done.stderr
    assert "Traceback" not in done.stderr
    # A repository that is not a records repository is left alone.
    other = tmp_path / "other"
    subprocess.run(["git", "init", "-q", "-b", "main", str(other)], env=env, check=True)
    (other / "notes.txt").write_text("Nothing to do with supervision.\n")
    subprocess.run(["git", "add", "."], cwd=other, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "Notes"], cwd=other, env=env, check=True)
    bare = tmp_path / "other.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], env=env, check=True)
    shutil.copy(HOOK, bare / "hooks" / "pre-receive")
    pushed = subprocess.run(["git", "push", "-q", str(bare), "main"], cwd=other, env=env,
                            capture_output=True, text=True, timeout=60)
    assert pushed.returncode == 0 and "not a records repository" in pushed.stderr


def test_a_second_history_merged_in_is_refused(server: Server) -> None:
    local = server.local
    local.git(None, "checkout", "-q", "--orphan", "elsewhere")
    local.git(None, "rm", "-rq", "--cached", ".")
    (local.root / "elsewhere.txt").write_text("Another repository's history.\n")
    root = local.commit("supervisor", "Another start", "elsewhere.txt")
    local.git(None, "checkout", "-q", "-f", "main")
    local.git(None, "merge", "-q", "--no-gpg-sign", "--allow-unrelated-histories", "-m",
              "Merge another history", "elsewhere")
    out = server.refused("main")
    assert "SIGNOFF-MANY-ROOTS" in out and f"commit: {root[:10]}" in out
    assert "HISTORY-MERGE" in out and "PUSH-NEW-ROOT" in out

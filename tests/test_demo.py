"""`supervision demo`: the fictional trust is built with real git and gpg, and the tools
find exactly the problems planted in it (and nothing else)."""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import git_env, run_cli

TODAY = "2026-11-27"
UNSIGNED = "records/northwind/2026-27/dsl-nw-1/2026-09-14-session.yaml"
REBOOKED = "records/northwind/2026-27/dsl-nw-2/2026-09-16-session.yaml"
DISPUTED = "records/hollowbrook/2026-27/dsl-hb-1/2026-09-14-session.yaml"
STALE = "records/hollowbrook/2025-26/dsl-hb-2/2026-06-22-session.yaml"
MISSED_CONTRACT = "contracts/wendle/dsl-lw-1-2026-09-03.yaml"
# The rest of the policies (issue 16): one planted example of each new finding.
NOT_ON_CHRONOLOGY = "records/northwind/2025-26/dsl-nw-2/2026-06-22-session.yaml"
QA_CONTRACT = "contracts/northwind/dsl-nw-2-2026-09-03.yaml"
ESCALATION = "records/hollowbrook/2026-27/dsl-hb-1/2026-09-20-escalation.yaml"
NO_REFERRAL_OUTCOME = "records/wendle/2026-27/dsl-lw-2/2026-09-16-session.yaml"


@pytest.fixture(scope="module")
def demo() -> Iterator[Path]:
    # A short path: gpg-agent's socket may live in the demo's keyring folder.
    folder = Path(tempfile.mkdtemp(dir="/tmp", prefix="svdemo-")) / "demo"
    result = run_cli("demo", str(folder), "--no-serve", "--today", TODAY, cwd=folder.parent,
                     env=git_env())
    assert result.code == 0, result.out + result.err
    (folder / "demo-output.txt").write_text(result.out)
    yield folder
    subprocess.run(["gpgconf", "--homedir", str(folder / "gnupg"), "--kill", "all"],
                   capture_output=True)
    shutil.rmtree(folder.parent, ignore_errors=True)


def _json(folder: Path, *args: str) -> object:
    result = run_cli(*args, "--format", "json", "--today", TODAY, cwd=folder / "trust",
                     env=git_env())
    assert result.code in (0, 1), result.err
    return result.json()


def test_check_finds_the_planted_problems_and_nothing_else(demo: Path) -> None:
    found = {(p["rule"], p["path"]) for p in _json(demo, "check")}  # type: ignore[union-attr]
    assert found == {
        ("HALF-TERM-SESSION", MISSED_CONTRACT),      # no session in Autumn 1
        ("RECORD-DEADLINE", UNSIGNED),               # the supervisor never signed it
        ("SUPERVISEE-RESPONSE", UNSIGNED),           # nor did the supervisee
        ("SUPERVISEE-RESPONSE", STALE),              # changed after the supervisee signed
        ("REBOOK-DATE", REBOOKED),                   # rebooked 10 working days later
        ("CHRONOLOGY-ENTRY-DUE", NOT_ON_CHRONOLOGY),  # its decisions never entered
        ("QA-REVIEW-DUE", QA_CONTRACT),              # no QA review in the last 12 months
        ("ESCALATION-OPEN", ESCALATION),             # the dispute, escalated, still open
        ("REFERRAL-FOLLOW-UP", NO_REFERRAL_OUTCOME),  # no outcome of the referral agreed
    }
    output = (demo / "demo-output.txt").read_text()
    assert "=== supervision check" in output and "HALF-TERM-SESSION" in output


def test_verify_sees_the_signatures_the_dispute_and_the_stale_record(demo: Path) -> None:
    data = _json(demo, "verify")
    assert isinstance(data, dict)
    assert data["errors"] == []
    statuses = {r["path"]: r["status"] for r in data["records"]}
    assert statuses.pop(UNSIGNED) == "draft"
    assert statuses.pop(DISPUTED) == "disputed"
    assert statuses.pop(STALE) == "stale"
    assert statuses.pop(REBOOKED) == "cancelled"  # signed, but a cancelled session
    assert statuses.pop(ESCALATION) == "draft"  # signed by all three once resolved
    planned = [p for p, s in statuses.items() if s == "planned"]
    assert planned and all(p.endswith("-session.yaml") for p in planned)  # next ones booked
    statuses = {p: s for p, s in statuses.items() if s != "planned"}
    assert set(statuses.values()) == {"agreed"} and len(statuses) > 100
    # Every chronology entry is signed by its DSL, and points at a version git holds.
    entries = [p for p in statuses if p.endswith("-chronology.yaml")]
    assert len(entries) > 30
    entry = yaml.safe_load((demo / "trust" / entries[0]).read_text())
    blob = entry["entries"][0]["version"]
    assert subprocess.run(["git", "cat-file", "-e", blob], cwd=demo / "trust",
                          env=git_env()).returncode == 0
    # Real signed commits by the right people: the admin's trust root, then everyone's.
    assert data["trust"]["admins"][0]["person"] == "records-admin"
    disputed = (demo / "trust" / DISPUTED).read_text()
    assert "early help lead" in yaml.safe_load(disputed)["disagreement"]
    log = subprocess.run(["git", "log", "--format=%G? %s"], cwd=demo / "trust",
                         capture_output=True, text=True, env=git_env()).stdout
    assert log.count("Sign-off: ") > 150


def test_status_tells_each_person_what_is_overdue(demo: Path) -> None:
    data = _json(demo, "status")
    assert isinstance(data, dict)
    overdue = {(p["id"], item["rule"]) for p in data["people"] for item in p["overdue"]}
    assert ("deputy-nw", "RECORD-DEADLINE") in overdue
    assert ("dsl-nw-1", "SUPERVISEE-RESPONSE") in overdue
    assert ("dsl-hb-2", "SUPERVISEE-RESPONSE") in overdue
    assert {("dsl-lw-1", "HALF-TERM-SESSION"), ("deputy-lw", "HALF-TERM-SESSION")} <= overdue
    assert {("dsl-nw-2", "CHRONOLOGY-ENTRY-DUE"), ("head-nw", "QA-REVIEW-DUE"),
            ("dceo", "ESCALATION-OPEN"), ("dsl-lw-2", "REFERRAL-FOLLOW-UP"),
            ("deputy-lw", "REFERRAL-FOLLOW-UP")} <= overdue
    # The escalation is listed with its age for the person it went to.
    escalated = next(i for p in data["people"] if p["id"] == "dceo" for i in p["overdue"])
    assert "still open after 68 days" in escalated["message"]
    assert data["summary"]["overdue"] == 9  # 4 before issue 16, and 2 chronology items


def test_the_site_is_built_without_any_person_or_case(demo: Path) -> None:
    site = demo / "site"
    assert (site / "index.html").is_file() and (site / "reports").is_dir()
    people = yaml.safe_load((demo / "trust" / "people.yml").read_text())["people"]
    names = [p["name"] for p in people] + [p["id"] for p in people if "-" in p["id"]]
    pages = [p.read_text(errors="replace") for p in site.rglob("*")
             if p.is_file() and p.suffix in (".html", ".json", ".xml", ".svg")]
    assert pages
    refs = _case_refs(demo / "trust")
    for text in pages:
        assert not [n for n in names if n in text]
        assert not [r for r in refs if r in text]


def _case_refs(root: Path) -> set[str]:
    refs: set[str] = set()
    for path in (root / "records").rglob("*case-notes-*.yaml"):
        refs.add(path.stem.rsplit("-case-notes-", 1)[1])
    assert refs
    return refs


def test_checking_one_record_finds_what_the_whole_check_finds_there(demo: Path) -> None:
    """Checking a record judges it against its people's records only (the pre-commit
    hook's speed depends on that); for every record of the demo trust, the findings
    must be exactly those the whole-repository check puts at that path."""
    import datetime as dt

    from supervision.checker import Checker, CrossContext, related_facts
    from supervision.deadlines.time_rules import evaluate, time_rules
    from supervision.repo import RecordsRepo

    repo = RecordsRepo.load(demo / "trust")
    day = dt.date.fromisoformat(TODAY)

    def findings(paths: list[str] | None) -> set[tuple[object, ...]]:
        checker = Checker(repo, cross_rules=(time_rules,), today=day, results_cache=False)
        return {(p.path, p.line, p.col, p.rule, p.severity, p.message)
                for p in checker.run(paths).problems}

    whole = findings(None)
    records = repo.record_files()
    # A record not sent by its deadline is an error in the whole check and a warning when
    # its path alone is checked (Item.until_sent): otherwise the findings are the same.
    every = Checker(repo, today=day).records(records).facts
    unsent = {(i.path, i.line, i.col, i.rule, i.message)
              for i in evaluate(CrossContext(repo, every, None, day)) if i.until_sent}
    assert unsent, "the demo's unsigned session is overdue"

    def limited(f: tuple[object, ...]) -> tuple[object, ...]:
        soft = (f[0], f[1], f[2], f[3], f[5]) in unsent and f[4] == "error"
        return (*f[:4], "warning" if soft else f[4], f[5])

    assert {f for f in whole if (f[0], f[1], f[2], f[3], f[5]) in unsent} <= {
        f for f in whole if f[4] == "error"}
    for path in records:
        assert findings([path]) == {limited(f) for f in whole if f[0] == path}, path
    facts = Checker(repo).records(records).facts
    assert len(related_facts(facts, {UNSIGNED})) < len(facts) / 2


def test_a_rerun_replaces_the_demo_but_never_another_folder(demo: Path) -> None:
    leftover = demo / "trust" / "records" / "leftover.txt"
    leftover.write_text("from an earlier demo")
    # A relative DIR, as `make demo` passes it.
    again = run_cli("demo", demo.name, "--no-serve", "--today", "2027-01-08", cwd=demo.parent,
                    env=git_env())
    assert again.code == 0, again.out + again.err
    assert not leftover.exists()
    assert "Planted on purpose" in again.out
    # Early in a new term the story is shorter, and the problems are planted all the same.
    result = run_cli("verify", "--format", "json", "--today", "2027-01-08",
                     cwd=demo / "trust", env=git_env())
    statuses = sorted(r["status"] for r in result.json()["records"])
    assert {"disputed", "stale", "draft"} <= set(statuses)
    subprocess.run(["gpgconf", "--homedir", str(demo / "gnupg"), "--kill", "all"],
                   capture_output=True)

    other = demo.parent / "not-a-demo"
    other.mkdir()
    (other / "precious.txt").write_text("keep me")
    refused = run_cli("demo", str(other), "--no-serve", cwd=demo.parent, env=git_env())
    assert refused.code == 1
    assert "was not made by `supervision demo`" in refused.err
    assert (other / "precious.txt").read_text() == "keep me"
    assert sorted(p.name for p in other.iterdir()) == ["precious.txt"]


def test_a_story_years_ago_still_signs_under_the_real_clock() -> None:
    """The demo's keys expire on a date after the real today, not a period after the
    story's start: `sign --disagree` (run by the demo) judges expiry by the real clock,
    so a story set years back must not make the demo's own keys expire under it."""
    folder = Path(tempfile.mkdtemp(dir="/tmp", prefix="svold-")) / "demo"
    try:
        built = run_cli("demo", str(folder), "--no-serve", "--today", "2021-11-22",
                        cwd=folder.parent, env=git_env())
        assert built.code == 0, built.out + built.err
        keys = run_cli("keys", "list", "--format", "json", cwd=folder / "trust",
                       env=dict(git_env(), GNUPGHOME=str(folder / "gnupg")))
        rows = keys.json()
        assert rows and {r["state"] for r in rows} == {"ok"}, rows
        assert min(r["expires"] for r in rows) > dt.date.today().isoformat()
        verified = run_cli("verify", "--format", "json", "--today", "2021-11-22",
                           cwd=folder / "trust", env=git_env())
        assert "disputed" in {r["status"] for r in verified.json()["records"]}
    finally:
        subprocess.run(["gpgconf", "--homedir", str(folder / "gnupg"), "--kill", "all"],
                       capture_output=True)
        shutil.rmtree(folder.parent, ignore_errors=True)


def test_the_site_is_served_on_loopback_until_sigterm(demo: Path) -> None:
    code = ("import sys\nfrom pathlib import Path\nfrom supervision.cli.demo import _serve\n"
            "sys.exit(_serve(Path(sys.argv[1]), 0))\n")
    server = subprocess.Popen([sys.executable, "-c", code, str(demo / "site")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = ""
        while "http://" not in line and server.poll() is None:
            line = server.stdout.readline()
        assert "http://127.0.0.1:" in line, line
        url = line[line.index("http://"):].split()[0]
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200 and b"<html" in page.read().lower()
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=10) == 0
    finally:
        server.kill()


def test_bad_demo_arguments_are_refused_before_anything_is_made(tmp_path: Path) -> None:
    bad_port = run_cli("demo", str(tmp_path / "a"), "--port", "70000", cwd=tmp_path)
    assert bad_port.code == 2 and "70000 is not a port number" in bad_port.err
    long = tmp_path / ("x" * 120)
    too_long = run_cli("demo", str(long), "--no-serve", cwd=tmp_path)
    assert too_long.code == 1 and "too long for gpg-agent's sockets" in too_long.err
    assert not (tmp_path / "a").exists() and not long.exists()


def test_serving_on_a_port_in_use_says_so(tmp_path: Path) -> None:
    import socket

    (tmp_path / "index.html").write_text("<html></html>")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = ("import sys\nfrom pathlib import Path\nfrom supervision.cli import Refused\n"
                "from supervision.cli.demo import _serve\n"
                "try:\n    _serve(Path(sys.argv[1]), int(sys.argv[2]))\n"
                "except Refused as exc:\n    print(exc, '|', exc.hint)\n")
        done = subprocess.run([sys.executable, "-c", code, str(tmp_path), str(port)],
                              capture_output=True, text=True, timeout=30)
    assert f"cannot listen on 127.0.0.1:{port}" in done.stdout, done.stdout + done.stderr
    assert "try --port 8001" in done.stdout

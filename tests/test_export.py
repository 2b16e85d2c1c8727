"""`supervision export --person ID -o DIR`: a subject access request answered.

On the demo trust (real signed history): the export holds every record `supervision
verify` lists with the person as a signer, each drawn by the same renderer as
`supervision show`, an index page listing each by path and date, the person's
sign-offs and a JSON copy. On a repository whose every free-text answer is a unique
marker: the export holds no other person's free text (group records' written answers
left out, the person's own actions in them kept), and says so on its index page.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import RecordsRepoFixture, git_env, make_repo, run_cli
from supervision.forms.definition import FREE_TEXT_TYPES, Field
from test_show import html_text, words

TODAY = "2026-11-27"
PERSON = "dsl-sample"


def exported_text(folder: Path) -> str:
    """Everything the export folder holds, as one string (HTML read as its text too)."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            raw = path.read_text(encoding="utf-8")
            parts.append(raw)
            if path.suffix == ".html":
                parts.append(html_text(raw))
    return "\n".join(parts)


# -- the demo trust: everything verify lists for a person is in their export --------------
@pytest.fixture(scope="module")
def demo() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(dir="/tmp", prefix="svexp-")) / "demo"
    result = run_cli("demo", str(folder), "--no-serve", "--today", TODAY, cwd=folder.parent,
                     env=git_env())
    assert result.code == 0, result.out + result.err
    yield folder / "trust"
    subprocess.run(["gpgconf", "--homedir", str(folder / "gnupg"), "--kill", "all"],
                   capture_output=True)
    shutil.rmtree(folder.parent, ignore_errors=True)


@pytest.mark.parametrize("person", ["dsl-nw-1", "deputy-hb"])
def test_the_export_holds_every_record_verify_lists_for_the_person(
        demo: Path, person: str, tmp_path: Path) -> None:
    verified = run_cli("verify", "--format", "json", cwd=demo, env=git_env())
    assert verified.code in (0, 1), verified.err
    theirs = {r["path"]: r for r in verified.json()["records"]
              if person in {s["person"] for s in r["signers"]}}
    assert len(theirs) >= 8, theirs
    out = tmp_path / "sar"
    done = run_cli("export", "--person", person, "-o", str(out), "--today", TODAY, cwd=demo,
                   env=git_env())
    assert done.code == 0, done.out + done.err
    data = json.loads((out / "export.json").read_text())
    listed = {r["path"]: r for r in data["records"]}
    missing = sorted(set(theirs) - set(listed))
    assert missing == [], missing
    index = (out / "index.html").read_text()
    seen = words(html_text(index))
    for path, status in theirs.items():
        record = listed[path]
        assert record["status"] == status["status"], path
        page = out / record["file"]
        assert page.is_file(), page
        text = words(html_text(page.read_text()))
        # the same renderer as `supervision show`: its own output for that record
        shown = run_cli("show", path, "--format", "html", cwd=demo, env=git_env())
        assert shown.code == 0, shown.err
        if record["copy"] == "whole":
            assert text == words(html_text(shown.out)), path
        assert path in seen and f'href="{record["file"]}"' in index, path
        assert record["date"] and words(_long(record["date"])) in seen, path
    # their sign-offs: every one verify counts for them is listed, and counts
    counted = {(s["commit"]) for r in theirs.values() for s in r["signoffs"]
               if s["person"] == person}
    assert counted <= {s["commit"] for s in data["signoffs"] if s["counts"]}
    assert "Your sign-offs" in seen and "What people.yml holds about you" in seen
    assert data["person"]["id"] == person and data["made_on"] == TODAY


def _long(day: str) -> str:
    import datetime as dt

    from supervision.reading.words import long_date

    return long_date(dt.date.fromisoformat(day))


def test_group_records_are_in_part_and_the_index_says_why(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "sar"
    assert run_cli("export", "--person", "dsl-nw-2", "-o", str(out), "--format", "text",
                   cwd=demo, env=git_env()).code == 0
    data = json.loads((out / "export.json").read_text())
    groups = [r for r in data["records"] if r["form"] == "group-session"]
    assert groups and all(r["copy"] == "part" for r in groups)
    for record in groups:
        assert record["your_part"] == ["Members present"]
        assert "discussion" not in record["answers"] and "decisions" not in record["answers"]
        page = (out / record["file"]).read_text()
        assert record["file"].endswith(".txt") and "is a group record" in page
    index = words(html_text((out / "index.html").read_text()))
    assert (f"{len(groups)} group records: what was said in a group is about everyone in it, "
            "so the written answers of group records are left out") in index


# -- marker strings: no other person's free text ------------------------------------------
class Marked:
    """Every free-text answer replaced by a unique marker; which ones are the person's."""

    def __init__(self) -> None:
        self.count = 0
        self.allowed: set[str] = set()
        self.forbidden: set[str] = set()

    def new(self, allowed: bool) -> str:
        self.count += 1
        marker = f"ZQX{self.count:05d}XQZ"
        (self.allowed if allowed else self.forbidden).add(marker)
        return marker

    def fill(self, fields: tuple[Field, ...], data: Any, allowed: bool) -> None:
        """Mark ``data`` in place. ``allowed``: this part is the person's own. Inside a
        list item, an item owned by the person is theirs (their own action)."""
        if not isinstance(data, dict):
            return
        for f in fields:
            value = data.get(f.name)
            if value is None:
                continue
            if f.type in FREE_TEXT_TYPES and isinstance(value, str) and value.strip():
                data[f.name] = self.new(allowed)
            elif f.fields and isinstance(value, dict):
                self.fill(f.fields, value, allowed or value.get("owner") == PERSON)
            elif f.fields and isinstance(value, list):
                for item in value:
                    owned = isinstance(item, dict) and item.get("owner") == PERSON
                    self.fill(f.fields, item, allowed or owned)


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> tuple[RecordsRepoFixture, Marked]:
    repo = make_repo(tmp_path_factory.mktemp("marked") / "repo", "agenda")
    loaded = repo.load_profile()
    m = Marked()

    def add(kind: str, mine: bool, group: bool = False, owners: tuple[str, ...] = (),
            **header: Any) -> None:
        relpath, data = repo.filled(kind, group=group, **header)
        form = loaded.form("example-school", kind, group)
        if owners:  # the first actions list of the form, wherever the form keeps it
            keypath = next(k for k, f in form.walk() if f.type == "actions")
            target = data
            for part in keypath[:-1]:
                target = target.setdefault(part, {})
            target[keypath[-1]] = [{"action": "placeholder", "owner": o, "due": "2026-12-11",
                                    "status": "open"} for o in owners]
        m.fill(form.fields, data, mine)
        repo.write(relpath, data)

    add("contract", True, day="2026-09-07")
    add("session", True, owners=(PERSON, "deputy-sample"))
    add("case-notes", True, day="2026-11-09")
    # other people's records: one names the person as an action's owner only
    add("session", False, supervisee="ddsl-sample", owners=(PERSON, "ddsl-sample"))
    add("case-notes", False, supervisee="ddsl-sample", day="2026-11-09",
        case_ref="C-2WX5LB")
    add("qa-review", False, supervisee="ddsl-sample", day="2026-11-20")
    add("contract", False, supervisee="ddsl-sample", day="2026-09-08")
    # a group session: written answers left out, the person's own action kept
    add("session", False, group=True, day="2026-11-18", owners=("ddsl-sample", PERSON))
    env = git_env()
    subprocess.run(["git", "add", "-A"], cwd=repo.root, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "--no-gpg-sign", "-m", "Records"], cwd=repo.root,
                   env=env, check=True)
    return repo, m


def test_the_export_holds_no_other_persons_free_text(marked: tuple[RecordsRepoFixture,
                                                                   Marked],
                                                     tmp_path: Path) -> None:
    repo, m = marked
    out = tmp_path / "sar"
    done = repo.cli("export", "--person", PERSON, "-o", str(out))
    assert done.code == 0, done.out + done.err
    text = exported_text(out)
    leaked = sorted(marker for marker in m.forbidden if marker in text)
    assert leaked == [], leaked
    absent = sorted(marker for marker in m.allowed if marker not in text)
    assert absent == [], absent  # and the person's own words are all there
    data = json.loads((out / "export.json").read_text())
    copies = {r["path"]: r for r in data["records"]}
    assert {r["form"] for r in copies.values() if r["copy"] == "whole"} == {
        "contract", "session", "case-notes"}
    group = next(r for r in copies.values() if r["form"] == "group-session")
    assert group["copy"] == "part" and group["your_part"] == ["Members present", "Owner"]
    assert [a["owner"] for a in group["answers"]["actions"]] == [PERSON]
    # other people's records are there only where they name the person, and only in part
    for path, r in copies.items():
        if "ddsl-sample" in path:
            assert r["copy"] == "part" and "Supervisee" not in r["your_part"], r
    assert any(r["form"] == "session" and r["copy"] == "part" for r in copies.values())
    assert not any(p.startswith("contracts/") and "ddsl-sample" in p for p in copies)
    assert data["signoffs"] == [] and any("does not use signed sign-off" in n
                                          for n in data["left_out"])


# -- what it refuses ------------------------------------------------------------------------
def test_export_refusals_change_nothing(marked: tuple[RecordsRepoFixture, Marked],
                                        tmp_path: Path) -> None:
    repo, _m = marked

    def refused(*args: str, code: int) -> str:
        result = repo.cli("export", *args)
        assert result.code == code, result.out + result.err
        assert result.err.startswith("supervision: ") and "    hint: " in result.err
        return result.err

    assert "'dsl-sampel' is not a person in people.yml" in refused(
        "--person", "dsl-sampel", "-o", str(tmp_path / "a"), code=2)
    assert "inside the records repository" in refused(
        "--person", PERSON, "-o", str(repo.root / "sar"), code=1)
    full = tmp_path / "full"
    full.mkdir()
    (full / "letter.txt").write_text("keep me")
    assert "not an empty folder" in refused("--person", PERSON, "-o", str(full), code=1)
    assert (full / "letter.txt").read_text() == "keep me"
    assert "does not exist" in refused("--person", PERSON, "-o",
                                       str(tmp_path / "no" / "sar"), code=2)
    assert repo.cli("export", "--person", PERSON).code == 2  # -o is required
    assert not (repo.root / "sar").exists() and not (tmp_path / "a").exists()

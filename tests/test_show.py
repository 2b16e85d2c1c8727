"""`supervision show PATH`: a record as a person reads it, as text, HTML and PDF.

Every hand-written record of both profiles (tests/records/) is shown in each format
by the installed command, and the output must hold every label of the form that was
answered and every answer in the file (dates written out, people as "Name (id)",
yes/no as Yes/No), and no YAML and no guidance from the form. The PDF is read back
with poppler's `pdftotext -layout`. Sign-off states come from real signed commits
(tests/signing.py: real gpg keys, real git).
"""

from __future__ import annotations

import datetime as dt
import html.parser
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import SUPERVISION, RecordsRepoFixture, git_env, make_repo, run_cli
from signing import SESSION, SignedRepo
from supervision.forms.definition import Field
from supervision.forms.validate import is_empty
from supervision.forms.yamlparse import parse_file
from test_handwritten_records import CASES, PATHS, PROFILES, fixture_path

FORMATS = ("text", "html", "pdf")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(PDFTOTEXT is None, reason="poppler-utils not installed")


# -- reading each format back as plain words ----------------------------------------------
class _TextOf(html.parser.HTMLParser):
    """The text a reader sees in an HTML page (what is between the tags, unescaped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("style", "title"):
            self.skip += 1
        self.parts.append("\n" if tag in ("p", "div", "li", "tr", "h1", "h2", "h3", "h4",
                                           "dt", "dd", "caption") else " ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title"):
            self.skip -= 1
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(page: str) -> str:
    reader = _TextOf()
    reader.feed(page)
    return "".join(reader.parts)


class _Nesting(html.parser.HTMLParser):
    """Fails on an element closed out of order or left open (void elements aside)."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr", "col"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()


def well_nested(page: str) -> None:
    checker = _Nesting()
    checker.feed(page)
    checker.close()
    assert checker.open == [], checker.open


def pdf_text(data: bytes, tmp_path: Path) -> str:
    """``pdftotext -layout`` of a PDF, without the page furniture (the footer line)."""
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(data)
    assert PDFTOTEXT is not None
    done = subprocess.run([PDFTOTEXT, "-layout", "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode("utf-8").splitlines()
    return "\n".join(line for line in lines if not re.search(r"Page \d+ of \d+\s*$", line))


def words(text: str) -> str:
    return " ".join(text.split())


def in_order(needle: str, haystack: list[str], gap: int = 40) -> bool:
    """The needle's words appear in order, each within ``gap`` words of the one before:
    how a table cell reads in ``pdftotext -layout``, where a wrapped cell's lines are
    interleaved with the other columns of its row."""
    want = needle.split()
    for start, word in enumerate(haystack):
        if word != want[0]:
            continue
        at, ok = start, True
        for part in want[1:]:
            window = haystack[at + 1:at + 1 + gap]
            if part not in window:
                ok = False
                break
            at = at + 1 + window.index(part)
        if ok:
            return True
    return False


# -- what a record must show ----------------------------------------------------------------
def long_date(text: str) -> str:
    day = dt.date.fromisoformat(text)
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def shown(value: Any) -> str:
    """An answer as the person reading it should see it (independently of the product)."""
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, str) and ISO_DATE.match(value):
        return long_date(value)
    return words(str(value))


def leaves(data: Any, in_item: bool = False, top: bool = True):
    """Every answer in the parsed YAML: (value, inside a list of mappings)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if top and key == "kind":
                continue  # the title says what kind of record it is
            yield from leaves(value, in_item, False)
    elif isinstance(data, list):
        for item in data:
            yield from leaves(item, in_item or isinstance(item, dict), False)
    elif not is_empty(data):
        yield data, in_item


def labels(fields: tuple[Field, ...], data: Any, people: dict[str, str], in_item: bool = False,
           top: bool = True):
    """The labels of answered fields and the people they name: (text, in a list item)."""
    for f in fields:
        value = data.get(f.name) if isinstance(data, dict) else None
        if is_empty(value) or (top and f.name == "kind"):
            continue
        yield f.title, in_item
        items = value if isinstance(value, list) else [value]
        if f.fields:
            for item in items:
                yield from labels(f.fields, item, people, in_item or isinstance(value, list),
                                  False)
        elif "person" in (f.type, f.of):
            for person in items:
                yield f"{people[person]} ({person})", in_item


def no_yaml(text: str, form: Any) -> None:
    """Nothing that only makes sense in the YAML file: keys, block markers, flow
    mappings, comments, the form's guidance."""
    for line in text.splitlines():
        stripped = line.strip()
        assert not re.match(r"[A-Za-z_]+:\s*[|>][-+]?$", stripped), line
        assert not stripped.startswith("#"), line
        assert not re.match(r"-\s+[a-z_]+:\s", stripped), line
    flat = words(text)
    for bad in ("- {", "kind: ", "{action:", "{case_ref:", "$schema", "yaml-language-server",
                "Hand-written test fixture"):
        assert bad not in flat, bad
    for _keypath, f in form.walk():
        if len(f.guidance) >= 25:
            assert words(f.guidance) not in flat, f"guidance of {f.name} is shown"
    if len(form.intro) >= 25:
        assert words(form.intro) not in flat, "the form's intro is shown"


# -- the hand-written records, in every format -------------------------------------------
@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RecordsRepoFixture]:
    out = {}
    for profile in PROFILES:
        repo = make_repo(tmp_path_factory.mktemp(f"show-{profile}") / "repo", profile)
        for (of_profile, form), relpath in PATHS.items():
            if of_profile == profile:
                target = repo.root / relpath
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(fixture_path(profile, form), target)
        out[profile] = repo
    return out


def show(repo: RecordsRepoFixture, relpath: str, fmt: str, tmp_path: Path,
         env: dict[str, str] | None = None) -> tuple[str, str]:
    """(what a reader sees, the raw output) of `supervision show` in one format."""
    out = tmp_path / f"record.{fmt}"
    result = run_cli("show", relpath, "--format", fmt, "-o", str(out), cwd=repo.root,
                     env=env or git_env())
    assert result.code == 0, result.out + result.err
    assert f"Wrote {out}" in result.out
    if fmt == "pdf":
        data = out.read_bytes()
        assert data.startswith(b"%PDF-")
        return pdf_text(data, tmp_path), ""
    raw = out.read_text(encoding="utf-8")
    return (html_text(raw) if fmt == "html" else raw), raw


@needs_pdftotext
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("profile", "form"), CASES)
def test_every_answer_and_label_is_shown_without_yaml(
    repos: dict[str, RecordsRepoFixture], profile: str, form: str, fmt: str, tmp_path: Path
) -> None:
    repo = repos[profile]
    relpath = PATHS[profile, form]
    doc, problems = parse_file(str(fixture_path(profile, form)), relpath)
    assert doc is not None and problems == []
    loaded = repo.load_profile()
    data = doc.data
    definition = loaded.form(data["school"], data["kind"], data.get("format") == "group")
    people = {pid: p.name for pid, p in loaded.people.items()}
    text, raw = show(repo, relpath, fmt, tmp_path)
    flat = words(text)
    tokens = flat.split()

    def present(needle: str, in_item: bool) -> bool:
        needle = words(needle)
        # PDF table cells wrap beside the other cells of their row (see in_order)
        return needle in flat or (fmt == "pdf" and in_item and in_order(needle, tokens))

    assert definition.title in flat
    missing = [value for value, in_item in leaves(data) if not present(shown(value), in_item)]
    assert missing == [], f"answers not shown in {fmt}: {missing}"
    missing = [label for label, in_item in labels(definition.fields, data, people)
               if not present(label, in_item)]
    assert missing == [], f"labels not shown in {fmt}: {missing}"
    no_yaml(text, definition)
    assert "Not committed yet" in flat
    if fmt == "html":
        assert raw.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in raw
        for external in ("http://", "https://", "src=", "@import", "<script", "url(", "<link",
                         "<img", "<iframe", "<object"):
            assert external not in raw.lower(), external
        assert "@media print" in raw and '<th scope="col">' in raw and "<h1>" in raw
        well_nested(raw)
        assert raw.count("<h1>") == 1


def test_answers_are_written_as_a_person_reads_them(
    repos: dict[str, RecordsRepoFixture], tmp_path: Path
) -> None:
    """The forms of the answers themselves: people, dates, yes/no, choices, marks."""
    text, _raw = show(repos["agenda"], PATHS["agenda", "session"], "text", tmp_path)
    flat = words(text)
    for expected in (
        "Date of the session: Monday 16 November 2026",
        "Supervisor: Jo Fictional (deputy-sample)",
        "Owner: Robin Placeholder (ddsl-sample)",
        "Due by: Friday 4 December 2026",
        "Did an immediate safeguarding issue come to light? Yes",
        "Referral made or to be made: childrens-social-care",  # a choice, as written
        "Outcome: carried-forward",
        "!! Immediate safeguarding issues",
        "An immediate safeguarding issue came to light: see what was agreed below.",
        "!! Areas of disagreement",
        "A disagreement is recorded in this record.",
        "Cancellation: (not answered)",
    ):
        assert expected in flat, expected
    # an action written without a status counts as open, as the checker counts it
    assert re.search(r"shown images on a phone Owner: Sam Sample \(dsl-sample\) Due by: "
                     r"Friday 27 November 2026 Status: open", flat)
    notes, _raw = show(repos["agenda"], PATHS["agenda", "case-notes"], "text", tmp_path)
    assert "Is the chronology up to date? No" in words(notes)
    assert "Are the logs up to date? Yes" in words(notes)
    reflective, _raw = show(repos["reflective"], PATHS["reflective", "session"], "text",
                            tmp_path)
    flat = words(reflective)
    assert "Anything you do not agree on: (not answered)" in flat
    assert "!! Anything you do not agree on" not in flat
    assert "!! Immediate safeguarding issues" not in flat  # none was raised
    assert "Did an immediate safeguarding issue come to light? No" in flat


def test_text_is_wrapped_to_the_terminal_width(
    repos: dict[str, RecordsRepoFixture]
) -> None:
    env = git_env()
    for width in (60, 100):
        env["COLUMNS"] = str(width)
        result = run_cli("show", PATHS["reflective", "session"], cwd=repos["reflective"].root,
                         env=env)
        assert result.code == 0, result.err
        lines = result.out.splitlines()
        assert max(len(line) for line in lines) <= width
        assert max(len(line) for line in lines) > width - 15  # it uses the width it has
    # hand-wrapped lines of the file are joined, then wrapped again
    assert "the plan has become a routine that everyone attends and nothing changes" in \
        words(result.out)
    assert "routine that\n" not in result.out


# -- sign-off states, from real signed commits -----------------------------------------
def show_session(repo: SignedRepo, fmt: str, tmp_path: Path) -> str:
    return words(show(repo, SESSION, fmt, tmp_path)[0])


def today() -> str:
    day = dt.date.today()
    return f"{day.day} {MONTHS[day.month - 1][:3]} {day.year}"


@needs_pdftotext
def test_draft_awaiting_and_agreed(signed: SignedRepo, tmp_path: Path) -> None:
    draft = show_session(signed, "text", tmp_path)
    assert ("Sign-off: Not signed yet: it needs the signatures of the supervisor Jo Fictional "
            "(deputy-sample) and the supervisee Sam Sample (dsl-sample).") in draft
    assert signed.sign("supervisor").code == 0
    waiting = show_session(signed, "text", tmp_path)
    assert ("Sign-off: Awaiting the supervisee's signature, from Sam Sample (dsl-sample). "
            f"Signed so far by Jo Fictional (deputy-sample) on {today()}.") in waiting
    assert f"Supervisor: Jo Fictional (deputy-sample), signed this version on {today()}" \
        in waiting
    assert "Supervisee: Sam Sample (dsl-sample), not signed" in waiting
    assert signed.sign("supervisee").code == 0
    agreed = (f"Agreed: signed by Jo Fictional (deputy-sample) on {today()} and Sam Sample "
              f"(dsl-sample) on {today()}.")
    for fmt in FORMATS:
        assert agreed in show_session(signed, fmt, tmp_path), fmt


def test_changed_after_signing_needs_signing_again(signed: SignedRepo, tmp_path: Path) -> None:
    assert signed.sign("supervisor").code == 0
    assert signed.sign("supervisee").code == 0
    path = signed.root / SESSION
    before = path.read_text(encoding="utf-8")
    path.write_text(before.replace("duration_minutes: 60", "duration_minutes: 65"),
                    encoding="utf-8")
    edited = show_session(signed, "text", tmp_path)
    assert "Agreed: signed by" in edited  # the committed version is still the agreed one
    assert "This copy has changes that are not committed yet" in edited
    assert "Length in minutes: 65" in edited
    signed.commit("supervisor", "Correct the length of the session", SESSION)
    stale = show_session(signed, "text", tmp_path)
    assert ("Changed since Jo Fictional (deputy-sample) and Sam Sample (dsl-sample) signed it: "
            "needs signing again.") in stale
    assert f"Changed on {today()} by Jo Fictional (deputy-sample)." in stale
    assert "signed an earlier version" in stale
    assert "not committed yet" not in stale


@needs_pdftotext
def test_disputed_record_shows_the_disagreement(signed: SignedRepo, tmp_path: Path) -> None:
    said = "The second wellbeing action was never agreed in the session."
    assert signed.sign("supervisor", SESSION, "--disagree", said).code == 0
    assert signed.sign("supervisee").code == 0
    for fmt in FORMATS:
        seen = show_session(signed, fmt, tmp_path)
        assert "Disputed: signed by Jo Fictional (deputy-sample)" in seen, fmt
        assert "with a disagreement recorded (see \u201cAreas of disagreement\u201d)" in seen
        assert said in seen, fmt
        assert "A disagreement is recorded in this record." in seen, fmt
    raw = show(signed, SESSION, "html", tmp_path)[1]
    assert re.search(r'<section class="marked disagreement"><h2>Areas of disagreement</h2>\s*'
                     r'<p class="mark">A disagreement is recorded in this record.</p>', raw)


# -- outside git, and before a repository signs ------------------------------------------
def test_outside_git_and_before_signing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", "reflective")
    relpath = PATHS["reflective", "informal"]
    target = repo.root / relpath
    target.parent.mkdir(parents=True)
    shutil.copyfile(fixture_path("reflective", "informal"), target)
    uncommitted = words(repo.cli("show", relpath).out)
    assert "Sign-off: Not committed yet: nobody can sign this record" in uncommitted
    env = git_env()
    subprocess.run(["git", "add", "-A"], cwd=repo.root, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "--no-gpg-sign", "-m", "Records"], cwd=repo.root,
                   env=env, check=True)
    committed = words(repo.cli("show", relpath).out)
    assert ("Sign-off: Not signed: this repository does not use signed sign-off yet (it has "
            "no records admins in supervision.yml). It was last committed on") in committed
    assert "Supervisee: Sam Sample (dsl-sample), not signed" in committed
    shutil.rmtree(repo.root / ".git")
    outside = repo.cli("show", relpath)
    assert outside.code == 0, outside.err
    assert "Sign-off: Not in git yet" in words(outside.out)
    assert "What you talked through:" in outside.out
    assert not (repo.root / ".git").exists(), "show changed nothing"


# -- what it refuses, and awkward content -----------------------------------------------
@pytest.fixture
def plain(tmp_path: Path) -> RecordsRepoFixture:
    repo = make_repo(tmp_path / "repo", "agenda")
    relpath = PATHS["agenda", "session"]
    (repo.root / relpath).parent.mkdir(parents=True)
    shutil.copyfile(fixture_path("agenda", "session"), repo.root / relpath)
    return repo


def refused(repo: RecordsRepoFixture, *args: str, code: int) -> str:
    result = repo.cli("show", *args)
    assert result.code == code, result.out + result.err
    assert result.err.startswith("supervision: "), result.err
    assert "    hint: " in result.err, result.err
    assert result.out == ""
    return result.err


def test_bad_input_is_refused_with_a_hint(plain: RecordsRepoFixture, tmp_path: Path) -> None:
    relpath = PATHS["agenda", "session"]
    assert "there is no record at records/nope.yaml" in refused(plain, "records/nope.yaml",
                                                                  code=2)
    assert "supervision.yml is not a record" in refused(plain, "supervision.yml", code=2)
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("kind: session\n")
    assert "outside the records repository" in refused(plain, str(outside), code=2)
    broken = plain.root / "records" / "broken.yaml"
    broken.write_text("kind: session\nschool: [unclosed\n")
    err = refused(plain, "records/broken.yaml", code=1)
    assert "cannot be read as a record" in err and "supervision check records/broken.yaml" in err
    (plain.root / "records" / "odd.yaml").write_text("kind: minutes\nschool: example-school\n")
    assert "does not say which form it follows" in refused(plain, "records/odd.yaml", code=1)
    assert "looks like a record file" in refused(plain, relpath, "-o", "copy.yaml", code=1)
    assert "does not exist" in refused(plain, relpath, "-o", str(tmp_path / "no" / "x.pdf"),
                                       code=2)
    assert plain.cli("show", relpath, "--format", "word").code == 2


def test_output_file_format_from_its_name(plain: RecordsRepoFixture, tmp_path: Path) -> None:
    relpath = PATHS["agenda", "session"]
    for name, start in (("r.html", b"<!DOCTYPE html>"), ("r.pdf", b"%PDF-"), ("r.txt", b"One")):
        result = plain.cli("show", relpath, "-o", str(tmp_path / name))
        assert result.code == 0, result.err
        assert (tmp_path / name).read_bytes().startswith(start), name
        assert result.err == ""
    inside = plain.cli("show", relpath, "-o", "copy.html")
    assert inside.code == 0
    assert "is inside the records repository; do not commit it" in inside.err
    piped = plain.cli("show", relpath, "--format", "html")
    assert piped.out.startswith("<!DOCTYPE html>")
    # not a terminal: a PDF may go to stdout (into a pipe or a file)
    done = subprocess.run([SUPERVISION, "show", relpath, "--format", "pdf"], cwd=plain.root,
                          env=git_env(), capture_output=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith(b"%PDF-"), done.stderr


@needs_pdftotext
def test_awkward_text_is_escaped_and_never_crashes(plain: RecordsRepoFixture,
                                                   tmp_path: Path) -> None:
    relpath = PATHS["agenda", "session"]
    path = plain.root / relpath
    awkward = ("Mum said \u201cit\u2019s fine\u201d \u2013 then \u2014 nothing\u2026 "
               "<script>alert('x')</script> & **bold** \u2192 next \u2713 \U0001f600 done")
    text = path.read_text(encoding="utf-8")
    text = text.replace("  discussion: |\n    Several staff asked",
                        f"  discussion: |\n    {awkward}\n    Several staff asked")
    text += "extra_notes: Written by hand, not on the form\n"
    path.write_text(text, encoding="utf-8")
    seen, raw = show(plain, relpath, "html", tmp_path)
    assert "<script>" not in raw and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in raw
    assert words(awkward) in words(seen)
    assert "Extra notes (not on the form) Written by hand, not on the form" in words(seen)
    pdf = words(show(plain, relpath, "pdf", tmp_path)[0])
    # Windows-1252 has the quotes, dashes and ellipsis; the rest is replaced, never an error
    assert ("Mum said \u201cit\u2019s fine\u201d \u2013 then \u2014 nothing\u2026 "
            "<script>alert('x')</script> & **bold** -> next yes ? done") in pdf
    assert "Extra notes (not on the form): Written by hand, not on the form" in pdf
    text_out = words(show(plain, relpath, "text", tmp_path)[0])
    assert words(awkward) in text_out
    assert re.search(r"`supervision check` finds \d+ errors? in this record", text_out)

"""The staff site: strict builds, generated forms and reports, and no leaks."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import Markers, git_env, make_repo, run_cli
from supervision.site.metrics import Counts
from supervision.site.reports import ALL_SCHOOLS, POOLED, Settings, publish

ROOT = Path(__file__).resolve().parent.parent


def site_files(site: Path) -> dict[str, bytes]:
    out = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            out[path.relative_to(site).as_posix()] = data
    return out


def test_no_marker_reaches_any_file_of_the_site(marked_site) -> None:
    markers = marked_site.markers
    assert len(markers.made["text"]) > 500 and markers.made["case_ref"] and markers.made[
        "person"], "the fixture really filled the records with markers"
    pattern = re.compile(Markers.PATTERN)
    records = b"".join(p.read_bytes() for p in (marked_site.repo / "records").rglob("*.yaml"))
    assert pattern.search(records), "the markers are in the records (the test can see them)"
    files = site_files(marked_site.site)
    assert "search/search_index.json" in files and "sitemap.xml" in files
    assert "sitemap.xml.gz" in files
    leaks = {name: sorted(set(pattern.findall(data)))[:5] for name, data in files.items()
             if pattern.search(data)}
    assert leaks == {}, leaks
    # nor the digests of action wording that the check cache keeps
    from supervision.checker import Checker
    from supervision.repo import RecordsRepo

    facts = Checker(RecordsRepo.load(marked_site.repo)).run().facts
    digests = {a[0].encode() for f in facts.values() for a in f.get("actions", ())}
    assert digests
    hexes = set(re.findall(rb"[0-9a-f]{12}", b"".join(files.values())))
    assert not digests & hexes
    # and no person's name or email from people.yml
    people = yaml.safe_load((marked_site.repo / "people.yml").read_text())["people"]
    blob = b"".join(files.values())
    for person in people:
        assert person["id"].encode() not in blob
        assert person["name"].encode() not in blob


def test_reports_hold_real_protected_numbers(marked_site) -> None:
    page = (marked_site.site / "reports" / "2025-26" / "index.html").read_text()
    for heading in ("One-to-one sessions held and due", "Records written up on time",
                    "Cancelled sessions and rebooking", "Supervision time against the termly",
                    "Case status of children discussed", "Themes raised",
                    "Quality assurance evidence"):
        assert heading in page
    assert re.search(r"<td[^>]*>c</td>", page), "small counts are shown as c"
    assert re.search(r"<td[^>]*>\d{2,}</td>", page), "larger totals are shown"
    charts = list((marked_site.site / "reports" / "charts").glob("*.svg"))
    # Every chart section has its chart or says why not (all its numbers too small to
    # publish: with the fixture's random data that can be the on-time one).
    without = page.count("so there is no chart")
    assert len(charts) >= 6 and len(charts) + without >= 9, (len(charts), without)
    for chart in charts:
        svg = chart.read_text()
        assert "<script" not in svg and "@import" not in svg and "@font-face" not in svg
        hrefs = re.findall(r'href="([^"]*)"', svg)
        assert all(h.startswith("#") for h in hrefs), hrefs
    index = (marked_site.site / "reports" / "index.html").read_text()
    assert "Trend across half terms" in index and "DSL training" in index


def test_every_page_is_noindex_and_has_no_inline_script(marked_site) -> None:
    pages = list(marked_site.site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        html = page.read_text()
        assert '<meta name="robots" content="noindex, nofollow">' in html, page
        assert not re.search(r"<script>(?!</script>)", html), page
        assert "fonts.googleapis" not in html and "generator" not in html, page
        for url in re.findall(r'(?:src|href)="(https?:)?//([^"/]+)', html):
            pytest.fail(f"{page} points at another server: {url}")
    assert (marked_site.site / "robots.txt").read_text() == "User-agent: *\nDisallow: /\n"


def test_blank_forms_follow_the_profiles(marked_site) -> None:
    forms = marked_site.site / "forms"
    # both profiles are in use in the marked trust, so both sets of forms are there
    assert (forms / "agenda" / "qa-review" / "index.html").is_file()
    assert (forms / "reflective" / "session" / "index.html").is_file()
    qa = (forms / "agenda" / "qa-review" / "index.html").read_text()
    assert "Reflection on practice" in qa and "Signed (Quality assurance reviewer)" in qa
    session = (forms / "reflective" / "session" / "index.html").read_text()
    assert "Reflection: what was this like?" in session


def test_a_profile_change_shows_on_the_blank_form(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", "agenda")
    assert repo.cli("profile", "copy", "agenda", "profiles/ours.yml").code == 0
    path = repo.root / "profiles" / "ours.yml"
    line = "      - {name: other_comments, type: text, label: Anything else}\n"
    text = path.read_text()
    assert line in text
    path.write_text(text.replace(line, line + "      - {name: peer_observed, type: yesno, "
                                 "label: Observed by a peer trainer}\n"))
    config = (repo.root / "supervision.yml").read_text().replace(
        "profile: agenda", "profile: profiles/ours.yml")
    (repo.root / "supervision.yml").write_text(config)
    assert repo.cli("check").code == 0
    result = repo.cli("site", "build", "--site-dir", str(tmp_path / "site"))
    assert result.code == 0, result.out + result.err
    page = (tmp_path / "site" / "forms" / "qa-review" / "index.html").read_text()
    assert "Observed by a peer trainer" in page
    assert not list((repo.root / "docs").rglob("qa-review*")), "nothing written into docs/"


def test_this_repository_builds_strictly(tmp_path: Path) -> None:
    result = run_cli("site", "build", "--site-dir", str(tmp_path / "site"), cwd=ROOT)
    assert result.code == 0, result.out + result.err
    assert (tmp_path / "site" / "policy" / "index.html").is_file()
    assert not (ROOT / "docs" / "reports").exists() and not (ROOT / "docs" / "forms").exists()


def test_a_new_repository_builds_strictly_and_has_the_shared_pages(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", "reflective")
    for page in ("policy/index.md", "guidance/supervisees.md", "using-the-tools/new.md",
                 "deployment.md"):
        assert (repo.root / "docs" / page).is_file(), page
        assert not (repo.root / "docs" / page).is_symlink(), "a school's copy is its own"
    assert not (repo.root / "docs" / "performance.md").exists()
    result = repo.cli("site", "build")
    assert result.code == 0, result.out + result.err
    assert (repo.root / "site" / "reports" / "index.html").is_file()


def test_a_broken_link_fails_the_build_with_a_clear_message(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", "agenda")
    (repo.root / "docs" / "index.md").write_text("# Home\n\nSee [the missing page](nope.md).\n")
    result = repo.cli("site", "build", "--site-dir", str(tmp_path / "site"))
    assert result.code == 1
    assert "the site was not built" in result.err and "hint:" in result.err


def test_web_fonts_are_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", "agenda")
    config = (repo.root / "mkdocs.yml").read_text().replace("font: false", "font: {text: Roboto}")
    (repo.root / "mkdocs.yml").write_text(config)
    result = repo.cli("site", "build", "--site-dir", str(tmp_path / "site"))
    assert result.code == 1
    assert "font: false" in result.err


def test_site_needs_an_action(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", "agenda")
    result = repo.cli("site")
    assert result.code == 2 and "build or serve" in result.err


def test_serve_listens_on_loopback_only_and_prints_the_url(tmp_path: Path) -> None:
    import socket
    import subprocess
    import time
    import urllib.request

    from conftest import SUPERVISION

    repo = make_repo(tmp_path / "repo", "agenda")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([SUPERVISION, "site", "serve", "--port", str(port)], cwd=repo.root,
                            env=git_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in first
        body = b""
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    body = r.read()
                break
            except OSError:
                time.sleep(0.25)
        assert b"noindex" in body
        listening = [line.split()[1] for line in
                     Path("/proc/net/tcp").read_text().splitlines()[1:] + Path(
                         "/proc/net/tcp6").read_text().splitlines()[1:]
                     if line.split()[3] == "0A" and line.split()[1].endswith(f":{port:04X}")]
        assert listening == ["0100007F:" + f"{port:04X}"], listening  # 127.0.0.1 only
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def counts(rows: dict[str, list[int]], people: dict[str, int]) -> Counts:
    return Counts(list(rows), ["A1", "A2"], list(rows.values()), people)


def test_no_row_describes_one_person() -> None:
    settings = Settings(threshold=5, min_people=2)
    table = publish(counts({"Oak": [9, 8], "Ash": [1, 1], "Elm": [1, 0]},
                           {"Oak": 8, "Ash": 1, "Elm": 1}), settings)
    assert table is not None
    assert "Ash" not in table.rows and "Elm" not in table.rows and POOLED in table.rows
    # a trust with a single supervisee: nothing at all
    assert publish(counts({"Oak": [1, 1]}, {"Oak": 1}), settings) is None
    # two schools, one of them a single person: only the total can be shown
    table = publish(counts({"Oak": [9, 8], "Ash": [1, 1]}, {"Oak": 8, "Ash": 1}), settings)
    assert table is not None and table.rows == (ALL_SCHOOLS, "Total")


def test_one_supervisee_schools_get_no_row_of_their_own(tmp_path: Path) -> None:
    from supervision.demo.fictional_trust import write_trust

    repo = make_repo(tmp_path / "repo", "agenda")
    today = write_trust(repo.root, schools=3, supervisees=1, years=1, first_year=2025)
    env = git_env()
    env["SUPERVISION_TODAY"] = today.isoformat()
    result = repo.cli("site", "build", "--site-dir", str(tmp_path / "site"), env=env)
    assert result.code == 0, result.err
    page = (tmp_path / "site" / "reports" / "2025-26" / "index.html").read_text()
    assert "Sample School 1" not in page and "Sample School 2" not in page
    assert POOLED in page
    json.loads((tmp_path / "site" / "search" / "search_index.json").read_text())

"""The report pages say something: tables that survive disclosure control (issue 17).

With two to four DSLs a school nearly every per-school count is ``c``; the reports
show trust-wide totals per half term, shares over the year, and clusters or phases
instead. Real site builds (the demo trust, small trusts made by the real CLI);
the disclosure rules themselves are in test_disclosure.py and stay as strict.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import git_env, make_repo, run_cli
from supervision.site.disclosure import SUPPRESSED, TOTAL, protect, protect_linked, recoverable
from supervision.site.disclosure import with_totals as grid_of
from supervision.site.grouping import Grouping
from supervision.site.metrics import Counts
from supervision.site.shares import Shares
from supervision.site.tables import NO_CHART_HIDDEN, Settings

TODAY = "2026-11-27"


class _Cells(HTMLParser):
    """The body cells (<td>) of every table on a page, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._cell: list[str] | None = None
        self._tables = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "table":
            self._tables += 1
        elif tag == "td" and self._tables:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._tables -= 1
        elif tag == "td" and self._cell is not None:
            self.cells.append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_cells(page: Path) -> list[str]:
    parser = _Cells()
    parser.feed(page.read_text())
    return parser.cells


def section(page: str, heading: str, following: str) -> str:
    """The page's content from one heading (by its id) to the next."""
    start = page.index(f'id="{heading}"')
    return page[start:page.index(f'id="{following}"', start)]


def published(cells: list[str]) -> tuple[int, int]:
    """(non-zero numbers, cells that are exactly 'c'); labels and zeros count for neither."""
    numbers = sum(1 for c in cells if re.fullmatch(r"\d+%?", c) and int(c.rstrip("%")) > 0)
    return numbers, sum(1 for c in cells if c == SUPPRESSED)


@pytest.fixture(scope="module")
def demo_site() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(dir="/tmp", prefix="svrep-")) / "demo"
    result = run_cli("demo", str(folder), "--no-serve", "--today", TODAY, cwd=folder.parent,
                     env=git_env())
    assert result.code == 0, result.out + result.err
    yield folder / "site"
    subprocess.run(["gpgconf", "--homedir", str(folder / "gnupg"), "--kill", "all"],
                   capture_output=True)
    shutil.rmtree(folder.parent, ignore_errors=True)


def test_the_demo_reports_publish_twice_as_many_numbers_as_c(demo_site: Path) -> None:
    pages = sorted((demo_site / "reports").rglob("index.html"))
    assert len(pages) == 3, pages  # the overview and two school years
    numbers = hidden = 0
    for page in pages:
        found, c = published(table_cells(page))
        assert found, f"{page} publishes no number at all"
        numbers, hidden = numbers + found, hidden + c
    assert numbers >= 2 * hidden, (numbers, hidden)
    assert numbers > 100, numbers


def test_the_demo_year_page_opens_with_the_compliance_summary(demo_site: Path) -> None:
    page = (demo_site / "reports" / "2025-26" / "index.html").read_text()
    summary = section(page, "at-a-glance", "one-to-one-sessions-held-and-due")
    assert "held in every half term" in summary and "agreed within the deadline" in summary
    assert re.search(r"<td>100%</td>", summary)
    for school in ("Northwind", "Hollowbrook", "Wendle"):
        assert school not in page, "no row per school"
    # a chart is drawn only when it has something to show, and says so otherwise
    charts = {p.name for p in (demo_site / "reports" / "charts").glob("*.svg")}
    assert "2025-26-sessions.svg" in charts and "2025-26-on-time.svg" in charts
    assert "2025-26-cancelled.svg" not in charts, "no session was cancelled that year"
    assert "Every number here is 0, so there is no chart." in page


def test_a_chart_whose_values_are_all_hidden_is_not_drawn(tmp_path: Path) -> None:
    from supervision.demo.fictional_trust import write_trust

    repo = make_repo(tmp_path / "repo", "agenda")
    # one school, two DSLs: every half term's count is 2 (or less), so every one is c
    today = write_trust(repo.root, schools=1, supervisees=2, years=1, first_year=2025)
    env = git_env()
    env["SUPERVISION_TODAY"] = today.isoformat()
    result = repo.cli("site", "build", "--site-dir", str(tmp_path / "site"), env=env)
    assert result.code == 0, result.out + result.err
    page = (tmp_path / "site" / "reports" / "2025-26" / "index.html").read_text()
    sessions = section(page, "one-to-one-sessions-held-and-due", "records-written-up-on-time")
    assert NO_CHART_HIDDEN in sessions
    assert "<img" not in sessions
    charts = {p.name for p in (tmp_path / "site" / "reports" / "charts").glob("*.svg")}
    assert "2025-26-sessions.svg" not in charts and "2025-26-on-time.svg" not in charts
    for name in charts:  # whatever is drawn has a published number in it
        assert name in {"2025-26-case-mix.svg", "2025-26-group-share.svg",
                        "2025-26-themes.svg", "index-trend.svg", "index-training.svg",
                        "2025-26-qa.svg"}, name
    # the year still says something: the year's totals survive where half terms do not
    numbers, _c = published(table_cells(tmp_path / "site" / "reports" / "2025-26" /
                                        "index.html"))
    assert numbers > 0


def test_schools_of_a_cluster_are_reported_together(tmp_path: Path) -> None:
    from supervision.demo.fictional_trust import write_trust

    repo = make_repo(tmp_path / "repo", "agenda")
    # four schools of one DSL each: two in one cluster, one alone in each of two others
    today = write_trust(repo.root, schools=4, supervisees=1, years=1, first_year=2025)
    path = repo.root / "supervision.yml"
    config = yaml.safe_load(path.read_text())
    clusters = ["Riverside cluster", "Riverside cluster", "Hilltop cluster", "Meadow cluster"]
    for school, cluster in zip(config["schools"], clusters, strict=True):
        school["cluster"] = cluster
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    env = git_env()
    env["SUPERVISION_TODAY"] = today.isoformat()
    assert repo.cli("check", "--no-time-rules", env=env).code == 0
    result = repo.cli("site", "build", "--site-dir", str(tmp_path / "site"), env=env)
    assert result.code == 0, result.out + result.err
    page = (tmp_path / "site" / "reports" / "2025-26" / "index.html").read_text()
    by_cluster = section(page, "by-cluster", "one-to-one-sessions-held-and-due")
    assert "<td>Riverside cluster</td>" in by_cluster, "two people: a row of its own"
    assert "<td>Other clusters (combined)</td>" in by_cluster
    for alone in ("Hilltop cluster", "Meadow cluster"):
        assert alone not in page, "a cluster of one person has no row"
    for n in range(1, 5):
        assert f"Sample School {n}" not in page
    index = (tmp_path / "site" / "reports" / "index.html").read_text()
    assert "Hilltop cluster" not in index and "Meadow cluster" not in index


def test_a_bad_phase_is_refused_by_check(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", "agenda")
    path = repo.root / "supervision.yml"
    text = path.read_text().replace("    name: Example School (replace with yours)\n",
                                    "    name: Example School (replace with yours)\n"
                                    "    phase: infants\n")
    path.write_text(text)
    result = repo.check()
    assert result.code == 1
    assert "SCHEMA-CHOICE" in result.rules()
    path.write_text(text.replace("phase: infants", "phase: primary\n    cluster: North"))
    assert repo.check().code == 0


# -- shares: a count and its base are protected together -----------------------------------
def _counts(values: list[list[int]], people: int = 4) -> Counts:
    rows = [f"S{i}" for i in range(len(values))]
    return Counts(rows, ["A1", "A2"], values, {r: people for r in rows})


def test_a_count_and_its_base_never_give_away_a_small_difference() -> None:
    """13 held of 14 due would show the one missed session even with the share hidden."""
    shares = Shares(Grouping(None, {"S0": "All schools", "S1": "All schools"}),
                    Settings(threshold=5, min_people=2))
    shares.add("due", _counts([[3, 4], [3, 3]]), _counts([[4, 4], [3, 3]]),
               ("Held", "Not held"))
    share = shares.publish()["due"]
    for part, base in [*zip(share.part(), share.base(), strict=True),
                       (share.part_year(), share.base_year())]:
        if part != SUPPRESSED and base != SUPPRESSED:
            assert isinstance(part, int) and isinstance(base, int)
            assert not 1 <= base - part <= 5, (part, base)
    assert share.part()[1] == 7 and share.base()[1] == 7, "nothing missed: shown"


def test_shares_of_the_same_base_hide_it_in_both() -> None:
    shares = Shares(Grouping(None, {"S0": "All schools"}), Settings(5, 2))
    held = _counts([[6, 7]])
    shares.add("written", _counts([[6, 7]]), held, ("Written", "Not written"), base_key="held")
    shares.add("agreed", _counts([[5, 7]]), held, ("Agreed", "Not agreed"), base_key="held")
    out = shares.publish()
    assert out["written"].base() == out["agreed"].base()
    assert out["written"].base_year() == out["agreed"].base_year()


def test_linked_tables_hide_a_shared_number_everywhere() -> None:
    # The first table has to hide its grand total (15) to protect its small cells; the
    # second shows the same 15 when protected alone, which would give the first away.
    first = (["a", "b"], ["x", "y"], [[3, 9], [0, 3]])
    second = (["p", "q"], ["z"], [[8], [7]])
    assert protect(*first, 5).value(TOTAL, TOTAL) == SUPPRESSED
    assert protect(*second, 5).value(TOTAL, TOTAL) == 15
    shared = ((0, TOTAL, TOTAL), (1, TOTAL, TOTAL))
    linked = protect_linked([first, second], [shared], 5)
    assert [linked[i].value(r, c) for i, r, c in shared] == [SUPPRESSED, SUPPRESSED]
    for (_rows, _cols, counts), table in zip([first, second], linked, strict=True):
        hidden = {(r, c) for r, row in enumerate(table.cells) for c, v in enumerate(row)
                  if v == SUPPRESSED}
        assert recoverable(grid_of(counts), hidden) == set(), "each still safe on its own"
        for r, row in enumerate(grid_of(counts)):
            for c, value in enumerate(row):
                assert table.cells[r][c] in (value, SUPPRESSED), "shown numbers are true"


def test_the_reports_need_only_the_facts_they_count(demo_site: Path) -> None:
    """The site keeps a few facts of each record (memory): the pages and charts built
    from them are those built from every record's whole facts, read from the store or
    worked out afresh."""
    from supervision.checker import Checker
    from supervision.deadlines.school_calendar import calendar_for
    from supervision.repo import RecordsRepo
    from supervision.signing.signoff_dates import collect
    from supervision.site.metrics import FACT_KEYS, counted_facts
    from supervision.site.reports import build

    repo = RecordsRepo.load(demo_site.parent / "trust")
    whole = Checker(repo).all_records().facts
    stored = Checker(repo).all_records(pick=counted_facts).facts
    fresh = Checker(repo, use_cache=False).all_records(pick=counted_facts).facts
    assert len(whole) > 50, "enough records for the store to be read"
    assert stored == fresh == {path: {k: v for k, v in f.items() if k in FACT_KEYS}
                               for path, f in whole.items()}
    assert any(len(f) > len(stored[path]) for path, f in whole.items())
    signoffs, note = collect(repo)
    today = dt.date.fromisoformat(TODAY)

    def pages(facts: dict[str, dict[str, object]]) -> dict[str, str]:
        built = build(repo, facts, calendar_for(repo), today, signoffs, note, Settings())
        return {**built.pages, **built.assets}

    assert pages(stored) == pages(whole)


def test_a_chart_asked_for_twice_is_drawn_once() -> None:
    from supervision.site import charts

    def draw(held: int) -> str:
        return charts.bars("Sessions", ["Aut1", "Aut2"], {"Held": [held, SUPPRESSED],
                                                          "Due": [12, 14]}, "sessions")

    first = draw(10)
    drawn = charts._bars.cache_info().misses
    assert draw(10) == first and charts._bars.cache_info().misses == drawn
    other = draw(11)
    assert other != first and charts._bars.cache_info().misses == drawn + 1
    assert first.startswith("<?xml") and "<script" not in first


def test_charts_drawn_before_are_taken_from_the_store(demo_site: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A site rebuilt with the same numbers draws no chart again: each is taken from the
    store by what it shows, byte for byte the one drawn. A chart whose numbers changed
    is drawn; charts no build asks for any more leave the store."""
    import sqlite3

    from supervision.cache import Cache
    from supervision.checker import Checker
    from supervision.deadlines.school_calendar import calendar_for
    from supervision.repo import RecordsRepo
    from supervision.signing.signoff_dates import collect
    from supervision.site import charts
    from supervision.site.metrics import counted_facts
    from supervision.site.reports import Reports

    repo = RecordsRepo.load(demo_site.parent / "trust")
    facts = Checker(repo).all_records(pick=counted_facts).facts
    signoffs, note = collect(repo)
    drawings = Reports(repo, facts, calendar_for(repo), dt.date.fromisoformat(TODAY),
                       signoffs, note, Settings()).build().drawings
    assert all(isinstance(d, charts.Drawing) for d in drawings.values())
    store = tmp_path / "store"

    def kept() -> Cache:
        return Cache(tmp_path, "charts", "test-salt", store)

    fresh = charts.draw_all(drawings, workers=1)
    first = charts.draw_all(drawings, workers=1, kept=kept())
    assert first == fresh
    monkeypatch.setattr(charts.Drawing, "__call__", lambda self: pytest.fail("drawn again"))
    assert charts.draw_all(drawings, workers=1, kept=kept()) == fresh
    monkeypatch.undo()

    path = sorted(drawings)[0]
    old = drawings[path]
    assert isinstance(old, charts.Drawing)
    changed = {**drawings, path: charts.Drawing(old.kind, (old.args[0] + " (changed)",
                                                           *old.args[1:]))}
    drawn: list[str] = []
    real = charts.Drawing.__call__
    monkeypatch.setattr(charts.Drawing, "__call__",
                        lambda self: drawn.append(self.args[0]) or real(self))
    again = charts.draw_all(changed, workers=1, kept=kept())
    assert drawn == [old.args[0] + " (changed)"] and again[path] != fresh[path]
    assert {p: v for p, v in again.items() if p != path} == {
        p: v for p, v in fresh.items() if p != path}
    rows = sqlite3.connect(store / "store.sqlite").execute(
        "SELECT key FROM rows WHERE ns = 'charts'").fetchall()
    assert sorted(k for (k,) in rows) == sorted({d.key for d in changed.values()})


def test_charts_drawn_by_worker_processes_are_the_bytes_drawn_here(demo_site: Path) -> None:
    """A site with many charts shares their drawing between forked processes (one per
    core): each SVG is byte for byte the one this process draws, under the same path."""
    import os
    import threading

    from supervision.checker import Checker
    from supervision.deadlines.school_calendar import calendar_for
    from supervision.repo import RecordsRepo
    from supervision.signing.signoff_dates import collect
    from supervision.site import charts
    from supervision.site.metrics import counted_facts
    from supervision.site.reports import Reports

    repo = RecordsRepo.load(demo_site.parent / "trust")
    facts = Checker(repo).all_records(pick=counted_facts).facts
    signoffs, note = collect(repo)
    built = Reports(repo, facts, calendar_for(repo), dt.date.fromisoformat(TODAY), signoffs,
                    note, Settings()).build()
    assert built.assets == {} and len(built.drawings) >= charts.PARALLEL_CHARTS
    here = charts.draw_all(built.drawings, workers=1)
    assert charts.draw_all(built.drawings, workers=2) == here
    assert sorted(here) == sorted(built.drawings)
    assert all(svg.startswith("<?xml") for svg in here.values())
    # and drawn elsewhere: by processes other than this one (never forked beside a thread)
    assert threading.active_count() == 1, [t.name for t in threading.enumerate()]
    pids = charts.draw_all({f"c{i:02}": lambda: str(os.getpid())
                            for i in range(charts.PARALLEL_CHARTS)}, workers=2)
    assert pids and str(os.getpid()) not in pids.values()


def test_charts_are_drawn_here_while_another_thread_runs() -> None:
    """A fork copies only the forking thread (a lock another one holds stays locked in
    the copy), so beside a web server's thread, say, the charts are drawn here."""
    import os
    import threading

    from supervision.site import charts

    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="a server's thread")
    other.start()
    try:
        pids = charts.draw_all({f"c{i:02}": lambda: str(os.getpid())
                                for i in range(charts.PARALLEL_CHARTS)}, workers=2)
    finally:
        stop.set()
        other.join()
    assert set(pids.values()) == {str(os.getpid())}

"""The report pages: counts from :mod:`metrics`, protected by :mod:`supervision.site.disclosure`,
written as Markdown with a static SVG chart beside each table.

Every number that reaches a page or a chart goes through :func:`publish` (and
percentages through :func:`supervision.site.disclosure.percent`), so nothing
unprotected can be shown by mistake: charts are drawn from published tables.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from supervision.deadlines.school_calendar import SchoolCalendar
from supervision.repo import RecordsRepo
from supervision.signing.signoff_dates import SignOffs
from supervision.site import charts
from supervision.site.disclosure import SUPPRESSED, TOTAL, Protected, percent, pool_rows, protect
from supervision.site.metrics import Counts, Metrics

POOLED = "Other schools (combined)"
ALL_SCHOOLS = "All schools"


@dataclass
class Settings:
    threshold: int = 5
    min_people: int = 2


@dataclass
class Built:
    """Pages (Markdown) and charts (SVG) by their path under the site's docs."""

    pages: dict[str, str] = field(default_factory=dict)
    assets: dict[str, str] = field(default_factory=dict)


def publish(counts: Counts, settings: Settings) -> Protected | None:
    """Pool rows about too few people, then protect. None: nothing can be shown."""
    rows = dict(zip(counts.rows, counts.values, strict=True))
    if counts.people:
        pooled = pool_rows(rows, counts.people, settings.min_people, POOLED)
        if not pooled:
            everyone = sum(counts.people.values())
            if everyone < settings.min_people or not counts.rows:
                return None
            pooled = {ALL_SCHOOLS: [counts.total(i) for i in range(len(counts.cols))]}
        rows = pooled
    return protect(list(rows), list(counts.cols), [rows[r] for r in rows], settings.threshold)


def totals(table: Protected | None, width: int) -> list[int | str]:
    """The published total row without its grand total ('c' where nothing is shown)."""
    if table is None:
        return [SUPPRESSED] * width
    return list(table.cells[-1][:-1])


def _cell(value: Any) -> str:
    return html.escape(str(value)).replace("|", "\\|")


def table_md(table: Protected, row_header: str) -> str:
    rows = list(table.rows)
    cells = list(table.cells)
    if len(rows) == 2:  # one row and its total: show it once
        rows, cells = rows[:1], cells[:1]
    lines = ["| " + " | ".join(_cell(c) for c in (row_header, *table.cols)) + " |",
             "| " + " | ".join(["---"] * (len(table.cols) + 1)) + " |"]
    for label, row in zip(rows, cells, strict=True):
        name = f"**{_cell(label)}**" if label == TOTAL else _cell(label)
        lines.append("| " + " | ".join([name, *(_cell(v) for v in row)]) + " |")
    return "\n".join(lines)


def simple_md(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |",
             "| " + " | ".join(["---"] * len(header)) + " |"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


NOT_SHOWN = ("*Not shown: this table would be about fewer than {n} people, so it could "
             "describe someone.*")


class Writer:
    """Builds one page: sections of text, tables and charts."""

    def __init__(self, built: Built, page: str, settings: Settings) -> None:
        self.built = built
        self.page = page
        self.settings = settings
        self.parts: list[str] = []
        self.folder = page.rsplit("/", 1)[0]
        self.stem = page.rsplit("/", 1)[-1].removesuffix(".md")

    def text(self, markdown: str) -> None:
        self.parts.append(markdown.strip())

    def chart(self, name: str, svg: str, alt: str) -> str:
        path = f"{self.folder}/charts/{self.stem}-{name}.svg"
        self.built.assets[path] = svg
        return f"![{alt}](charts/{self.stem}-{name}.svg){{ .sv-chart }}"

    def pair(self, chart_md: str | None, tables: Sequence[str]) -> None:
        body = "\n\n".join(tables)
        if chart_md is None:
            self.parts.append(f'<div class="sv-pair-table" markdown>\n\n{body}\n\n</div>')
            return
        self.parts.append(f'<div class="sv-pair" markdown>\n<div class="sv-pair-chart" markdown>\n'
                          f"{chart_md}\n</div>\n<div class=\"sv-pair-table\" markdown>\n\n"
                          f"{body}\n\n</div>\n</div>")

    def done(self) -> None:
        self.built.pages[self.page] = "\n\n".join(self.parts) + "\n"


def _pct_row(parts: Sequence[int | str], bases: Sequence[int | str], threshold: int
             ) -> list[str]:
    return [percent(p, b, threshold) for p, b in zip(parts, bases, strict=True)]


def _pct_number(text: str) -> float | None:
    return float(text[:-1]) if text.endswith("%") else None


@dataclass
class Trend:
    labels: list[str] = field(default_factory=list)
    held: list[int | str] = field(default_factory=list)
    due: list[int | str] = field(default_factory=list)
    on_time: list[int | str] = field(default_factory=list)
    cancelled: list[int | str] = field(default_factory=list)


class Reports:
    def __init__(self, repo: RecordsRepo, facts: dict[str, dict[str, Any]],
                 calendar: SchoolCalendar, today: dt.date, signoffs: SignOffs | None,
                 signoff_note: str, settings: Settings, unreadable: int = 0) -> None:
        self.repo = repo
        self.facts = facts
        self.calendar = calendar
        self.today = today
        self.signoffs = signoffs
        self.signoff_note = signoff_note
        self.settings = settings
        self.unreadable = unreadable
        self.built = Built()
        self.trend = Trend()

    def metrics(self, year: str | None) -> Metrics:
        return Metrics(self.repo, self.facts, self.calendar, self.today, self.signoffs, year)

    def build(self) -> Built:
        overall = self.metrics(None)
        years = overall.years()
        for year in years:
            self.year_page(year)
        self.index_page(overall, years)
        return self.built

    # -- one academic year --------------------------------------------------------------
    def year_page(self, year: str) -> None:
        m = self.metrics(year)
        s = self.settings
        w = Writer(self.built, f"reports/{year}.md", s)
        labels = [h.name for h in m.half_terms]
        w.text(f"# Reports {year}\n\nHalf terms of {year} up to {self.today:%-d %B %Y}. "
               f"Counts from 1 to {s.threshold} are shown as **c**, and so are other cells "
               "that would let someone work them out (see [About these reports](index.md)).")

        # sessions held against due
        due = publish(m.sessions_due(), s)
        held = publish(m.sessions_held(), s)
        w.text("## One-to-one sessions held and due\n\nSessions due: each supervisee with a "
               "contract, times the sessions the policy asks for each half term. Held: "
               "one-to-one sessions recorded as held.")
        held_tot, due_tot = totals(held, len(labels)), totals(due, len(labels))
        share = _pct_row(held_tot, due_tot, s.threshold)
        tables = []
        if held is None or due is None:
            tables.append(NOT_SHOWN.format(n=s.min_people))
        else:
            tables += ["**Held**", table_md(held, "School"), "**Due**", table_md(due, "School"),
                       simple_md(["", *labels], [["Held as a share of due", *share]])]
        chart = w.chart("sessions", charts.bars("One-to-one sessions", labels,
                                                {"Held": held_tot, "Due": due_tot},
                                                "sessions"),
                        "Bar chart of one-to-one sessions held and due each half term")
        w.pair(chart if held is not None else None, tables)
        self.trend.labels += [f"{h.name} {h.year}" for h in m.half_terms]
        self.trend.held += held_tot
        self.trend.due += due_tot

        # group sessions
        group = m.group_sessions_held()
        if any(any(row) for row in group.values):
            table = publish(group, s)
            w.text("## Group supervision sessions held")
            w.pair(None, [table_md(table, "School") if table else NOT_SHOWN.format(
                n=s.min_people)])

        # written up on time
        w.text("## Records written up on time\n\n" + self.signoff_note + " The deadline is "
               "the profile's (10 working days in the school policy; where a policy sets no "
               "number, 10 working days is used).")
        on_time_counts = m.signed_on_time()
        on_time = publish(on_time_counts, s) if on_time_counts else None
        if on_time_counts is None:
            self.trend.on_time += [SUPPRESSED] * len(labels)
        elif on_time is None:
            w.text(NOT_SHOWN.format(n=s.min_people))
            self.trend.on_time += [SUPPRESSED] * len(labels)
        else:
            on_tot = totals(on_time, len(labels))
            rate = _pct_row(on_tot, held_tot, s.threshold)
            chart = w.chart("on-time", charts.lines(
                "Records written up on time (% of sessions held)", labels,
                {"On time": [_pct_number(x) for x in rate]}, "%", ymax=100),
                "Line chart of the share of session records written up on time")
            w.pair(chart, [table_md(on_time, "School"),
                           simple_md(["", *labels], [["On time as a share of held", *rate]])])
            self.trend.on_time += on_tot

        # cancellations
        cancelled_counts, rebooked_counts = m.cancellations()
        cancelled, rebooked = publish(cancelled_counts, s), publish(rebooked_counts, s)
        w.text("## Cancelled sessions and rebooking\n\nCancelled sessions, and those "
               "rebooked within the policy's limit (5 working days in the school policy; "
               "where the policy sets no limit, any new date counts).")
        c_tot, r_tot = totals(cancelled, len(labels)), totals(rebooked, len(labels))
        self.trend.cancelled += c_tot
        if cancelled is None or rebooked is None:
            w.text(NOT_SHOWN.format(n=s.min_people))
        else:
            chart = w.chart("cancelled", charts.bars(
                "Cancelled and rebooked in time", labels,
                {"Cancelled": c_tot, "Rebooked in time": r_tot}, "sessions"),
                "Bar chart of cancelled sessions and those rebooked in time")
            w.pair(chart, ["**Cancelled**", table_md(cancelled, "School"),
                           "**Rebooked in time**", table_md(rebooked, "School")])

        self.minutes_section(w, m)
        self.cases_section(w, m, labels)
        self.themes_section(w, m, labels)
        self.qa_section(w, m)
        w.done()

    def minutes_section(self, w: Writer, m: Metrics) -> None:
        s = self.settings
        reached, share = m.minutes()
        w.text("## Supervision time against the termly target\n\nSupervisees whose one-to-one "
               "and group minutes in the term reached their policy's target (for schools "
               "whose policy sets one), and the share of all supervision minutes spent in "
               "groups.")
        terms = list(share)
        everyone = m.supervisees_by_term()
        share_row = [percent(g, a, s.threshold) if sum(everyone.people.values())
                     >= s.min_people else SUPPRESSED for g, a in share.values()]
        tables = []
        if reached is not None:
            table = publish(reached, s)
            base = publish(m.supervisees_by_term([sid for sid, name in m.school_names.items()
                                                  if name in reached.rows]), s)
            if table is None or base is None:
                tables.append(NOT_SHOWN.format(n=s.min_people))
            else:
                tables += ["**Reached the target**", table_md(table, "School"),
                           "**Supervisees with a contract**", table_md(base, "School")]
        tables.append(simple_md(["", *terms], [["Share of minutes in groups", *share_row]]))
        chart = w.chart("group-share", charts.bars(
            "Share of supervision minutes in groups", terms,
            {"Group share (%)": [_pct_number(x) if _pct_number(x) is not None else SUPPRESSED
                                 for x in share_row]}, "%"),
            "Bar chart of the share of supervision minutes spent in groups each term")
        w.pair(chart, tables)

    def cases_section(self, w: Writer, m: Metrics, labels: list[str]) -> None:
        s = self.settings
        mix = publish(m.case_mix_by_half_term(), s)
        by_school = publish(m.case_mix_by_school(), s)
        w.text("## Case status of children discussed\n\nDistinct cases discussed in "
               "supervision or brought in case notes, by status: CP Plan (child protection "
               "plan), CiN (child in need), EHA (early help). Counts only: no case is "
               "named.")
        assert mix is not None
        series = {status: list(mix.cells[i][:-1]) for i, status in enumerate(mix.rows[:-1])}
        chart = w.chart("case-mix", charts.bars("Cases discussed by status", labels, series,
                                                "cases"),
                        "Bar chart of cases discussed each half term by status")
        tables = [table_md(mix, "Status"), "**By school, whole year**",
                  table_md(by_school, "School") if by_school else NOT_SHOWN.format(
                      n=s.min_people)]
        w.pair(chart, tables)

    def themes_section(self, w: Writer, m: Metrics, labels: list[str]) -> None:
        s = self.settings
        counts = m.themes()
        w.text("## Themes raised\n\nHow many records were tagged with each theme from the "
               "policy's fixed list (never free text).")
        if not counts.rows:
            w.text("*No themes were recorded in these half terms.*")
            return
        table = publish(counts, s)
        assert table is not None
        year_totals = [row[-1] for row in table.cells[:-1]]
        chart = w.chart("themes", charts.bars("Themes raised this year", list(table.rows[:-1]),
                                              {"Records": year_totals}, "records",
                                              horizontal=True),
                        "Bar chart of how often each theme was raised this year")
        w.pair(chart, [table_md(table, "Theme")])

    def qa_section(self, w: Writer, m: Metrics) -> None:
        s = self.settings
        counts, reviews = m.qa_evidence()
        if not counts.rows:
            return
        w.text("## Quality assurance evidence\n\nAnswers in the quality assurance reviews "
               "of these half terms: how often each piece of evidence was seen.")
        table = publish(counts, s) if reviews else None
        if table is None or reviews == 0:
            w.text("*No quality assurance reviews can be shown for these half terms.*")
            return
        rows = []
        rates: list[float | str | None] = []
        for label, cells in zip(table.rows[:-1], table.cells[:-1], strict=True):
            rate = percent(cells[0], cells[2], s.threshold)
            rates.append(_pct_number(rate) if _pct_number(rate) is not None else SUPPRESSED)
            rows.append([label, *cells[:2], rate])
        chart = w.chart("qa", charts.bars("Evidence seen in QA reviews (% yes)",
                                          list(table.rows[:-1]), {"Yes (%)": rates}, "%",
                                          horizontal=True),
                        "Bar chart of the share of QA reviews that saw each piece of evidence")
        w.pair(chart, [simple_md(["Question", "Yes", "No", "Yes (%)"], rows)])

    # -- the overview ------------------------------------------------------------------
    def index_page(self, m: Metrics, years: list[str]) -> None:
        s = self.settings
        w = Writer(self.built, "reports/index.md", s)
        w.text(f"""# Reports

These reports count supervision across {_cell(self.repo.config.organisation
            if self.repo.config else "the organisation")}, half term by half term and
school by school. They are built from the records when the site is built
({self.today:%-d %B %Y}) and never show a child, a case reference, a name or anything
anyone wrote in a record: only counts.

## About these reports

- Counts from 1 to {s.threshold} are shown as **c**. A true zero is shown as 0.
- Other cells are hidden as well (also shown as **c**) wherever a hidden number could
  otherwise be worked out from the totals.
- Percentages are hidden when they rest on a small number, or would reveal one.
- No row is about fewer than {s.min_people} people: smaller schools are combined as
  "{POOLED}", or the table shows only the total.
- Charts show exactly what their tables show; a hidden value is marked **c** on the
  chart.
""")
        if self.unreadable:
            w.text(f"{self.unreadable} record files could not be read and are left out. "
                   "Run `supervision check` to see which.")
        w.text("## By academic year\n\n" + "\n".join(
            f"- [{y}]({y}.md)" for y in reversed(years)) if years else
            "## By academic year\n\nNo half term has started yet in the calendar.")

        training = publish(m.dsl_training(), s)
        w.text(f"## DSL training\n\nDSLs and deputies whose DSL training is overdue, due by "
               f"the end of the next half term, or in date, on {self.today:%-d %B %Y}. "
               "Training is renewed at least every two years.")
        if training is None:
            w.text(NOT_SHOWN.format(n=s.min_people))
        else:
            chart = w.chart("training", charts.bars(
                "DSL training", list(training.cols[:-1]),
                {"People": list(training.cells[-1][:-1])}, "people"),
                "Bar chart of DSLs and deputies by the state of their training")
            w.pair(chart, [table_md(training, "School")])

        t = self.trend
        if t.labels:
            held_rate = _pct_row(t.held, t.due, s.threshold)
            on_time_rate = _pct_row(t.on_time, t.held, s.threshold)
            w.text("## Trend across half terms\n\nThe organisation's totals, from the "
                   "yearly pages.")
            short = [label.replace(" 20", " ").replace("Autumn", "Aut").replace(
                "Spring", "Spr").replace("Summer", "Sum") for label in t.labels]
            chart = w.chart("trend", charts.lines(
                "Sessions held and written up on time (%)", short,
                {"Held as % of due": [_pct_number(x) for x in held_rate],
                 "Written up on time (% of held)": [_pct_number(x) for x in on_time_rate]},
                "%", ymax=100), "Line chart of sessions held and records on time over time")
            rows = [[label, held, due, hr, ot, otr, c] for label, held, due, hr, ot, otr, c in
                    zip(t.labels, t.held, t.due, held_rate, t.on_time, on_time_rate,
                        t.cancelled, strict=True)]
            w.pair(chart, [simple_md(["Half term", "Held", "Due", "Held (%)", "On time",
                                      "On time (%)", "Cancelled"], rows)])
        w.done()


def build(repo: RecordsRepo, facts: dict[str, dict[str, Any]], calendar: SchoolCalendar,
          today: dt.date, signoffs: SignOffs | None, signoff_note: str,
          settings: Settings, unreadable: int = 0) -> Built:
    return Reports(repo, facts, calendar, today, signoffs, signoff_note, settings,
                   unreadable).build()

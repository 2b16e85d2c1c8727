"""The report pages: counts from :mod:`metrics`, protected by :mod:`supervision.site.disclosure`,
written as Markdown with a static SVG chart beside each table.

Every number that reaches a page or a chart goes through :func:`tables.publish`
(and percentages through :func:`supervision.site.disclosure.percent`, always of
published cells), so nothing unprotected can be shown by mistake: charts are
drawn from published tables, and a chart with no published value is not drawn.

With two to four DSLs a school, a school's count in one half term is nearly
always ``c``. So the tables are trust-wide per half term (rows are measures, the
trust total of each), or over the school year by cluster or phase
(:mod:`grouping`), and the year page opens with a compliance summary of shares.
No table has a row per school.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from supervision.deadlines.school_calendar import SchoolCalendar
from supervision.repo import RecordsRepo
from supervision.signing.signoff_dates import SignOffs
from supervision.site import charts
from supervision.site.compliance import Compliance
from supervision.site.disclosure import SUPPRESSED
from supervision.site.grouping import ALL_SCHOOLS, Grouping, grouping
from supervision.site.metrics import Counts, Metrics, RecordIndex
from supervision.site.sections import Sections
from supervision.site.tables import (
    NOT_SHOWN,
    POOLED,
    Built,
    Settings,
    Value,
    View,
    Writer,
    cell,
    pct_number,
    publish,
    simple_md,
    table_md,
)

__all__ = ["ALL_SCHOOLS", "POOLED", "Built", "Reports", "Settings", "build", "publish"]

TRUST_STAFF = "Trust-wide staff"


@dataclass
class Trend:
    labels: list[str] = field(default_factory=list)
    held: list[Value] = field(default_factory=list)
    due: list[Value] = field(default_factory=list)
    held_rate: list[Value] = field(default_factory=list)
    on_time: list[Value] = field(default_factory=list)
    on_time_rate: list[Value] = field(default_factory=list)
    agreed_rate: list[Value] = field(default_factory=list)
    cancelled: list[Value] = field(default_factory=list)


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
        self.grouping = grouping(repo.config)
        self.built = Built()
        self.trend = Trend()
        self.index: RecordIndex | None = None

    def metrics(self, year: str | None) -> Compliance:
        """The counts of one year (None: every year); the records are indexed once."""
        m = Compliance(self.repo, self.facts, self.calendar, self.today, self.signoffs, year,
                       self.index)
        self.index = m.index
        return m

    def view(self, counts: Counts, by: Grouping | None = None) -> View:
        """Schools combined into the report's rows, published once."""
        group = by or self.grouping
        return View(publish(group.regroup(counts), self.settings, group.pooled),
                    len(counts.cols))

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
        kind, pooled = self.grouping.kind, self.grouping.pooled
        rows = (f"Tables are for the whole trust; the compliance summary is also shown by "
                f"{kind} ({kind}s about fewer than {s.min_people} people are combined as "
                f'"{pooled}").' if kind else
                "Every table is for the whole trust: schools never have rows of their own. "
                "Give schools a `cluster` or `phase` in supervision.yml to see them in "
                f'groups (groups about fewer than {s.min_people} people are combined as '
                f'"{pooled}").')
        w.text(f"# Reports {year}\n\nHalf terms of {year} up to {self.today:%-d %B %Y}. "
               f"{rows} Counts from 1 to {s.threshold} are shown as **c**, and so are "
               "other cells that would let someone work them out (see "
               "[About these reports](index.md)).")
        sec = Sections(self, m, w, labels, year)
        sec.at_a_glance()
        sec.sessions()
        sec.on_time()
        sec.cancellations()
        sec.minutes()
        sec.cases()
        sec.themes()
        sec.qa()
        w.done()
        t, none = self.trend, [SUPPRESSED] * len(labels)
        t.labels += [f"{h.name} {h.year}" for h in m.half_terms]
        t.held += sec.due.part()
        t.due += sec.due.base()
        t.held_rate += sec.due.rates()
        t.on_time += sec.written.part() if sec.written else none
        t.on_time_rate += sec.written.rates() if sec.written else none
        t.agreed_rate += sec.agreed.rates() if sec.agreed else none
        t.cancelled += sec.rebooked.base()

    # -- the overview ------------------------------------------------------------------
    def index_page(self, m: Metrics, years: list[str]) -> None:
        s = self.settings
        w = Writer(self.built, "reports/index.md", s)
        kind = self.grouping.kind
        rows = (f"by {kind} (schools of the same {kind} are counted together, as set in "
                "supervision.yml)" if kind else "for the whole trust")
        w.text(f"""# Reports

These reports count supervision across {cell(self.repo.config.organisation
            if self.repo.config else "the organisation")}, half term by half term, {rows}.
They are built from the records when the site is built ({self.today:%-d %B %Y}) and
never show a child, a case reference, a name or anything anyone wrote in a record:
only counts.

## About these reports

- Counts from 1 to {s.threshold} are shown as **c**. A true zero is shown as 0.
- Other cells are hidden as well (also shown as **c**) wherever a hidden number could
  otherwise be worked out from the totals.
- Percentages are hidden when they rest on a small number, or would reveal one.
- No row is about fewer than {s.min_people} people: smaller groups are combined as
  "{self.grouping.pooled}", or the table shows only the total.
- No table has a row per school: with a few DSLs in each school nearly every number
  would be hidden. Tables are for the whole trust, or for clusters or phases of
  schools when supervision.yml gives them; where half terms are too small, the
  whole year is shown instead.
- Charts show exactly what their tables show; a hidden value is marked **c** on the
  chart, and a chart with nothing to show is left out.
""")
        if self.unreadable:
            w.text(f"{self.unreadable} record files could not be read and are left out. "
                   "Run `supervision check` to see which.")
        w.text("## By academic year\n\n" + "\n".join(
            f"- [{y}]({y}.md)" for y in reversed(years)) if years else
            "## By academic year\n\nNo half term has started yet in the calendar.")
        self.training_section(w, m)
        self.trend_section(w)
        w.done()

    def training_section(self, w: Writer, m: Metrics) -> None:
        s = self.settings
        by = self.grouping
        if by.kind is None:
            everyone = "All DSLs and deputies"
            by = Grouping(None, {**{n: everyone for n in by.of_school}, TRUST_STAFF: everyone})
        training = self.view(m.dsl_training(), by).table
        w.text(f"## DSL training\n\nDSLs and deputies whose DSL training is overdue, due by "
               f"the end of the next half term, or in date, on {self.today:%-d %B %Y}. "
               "Training is renewed at least every two years.")
        if training is None:
            w.text(NOT_SHOWN.format(n=s.min_people))
            return
        states = list(training.cols[:-1])
        people = list(training.cells[-1][:-1])
        chart = w.chart("training", people, charts.bar_chart(
            "DSL training", states, {"People": people}, "people"),
            "Bar chart of DSLs and deputies by the state of their training")
        w.pair(chart, [table_md(training, by.kind.capitalize() if by.kind else "")])

    def trend_section(self, w: Writer) -> None:
        t = self.trend
        if not t.labels:
            return
        w.text("## Trend across half terms\n\nThe whole trust's totals, from the yearly pages.")
        short = [label.replace(" 20", " ").replace("Autumn", "Aut").replace(
            "Spring", "Spr").replace("Summer", "Sum") for label in t.labels]
        series = {"Held as % of due": [pct_number(x) for x in t.held_rate],
                  "Written up on time (% of held)": [pct_number(x) for x in t.on_time_rate]}
        chart = w.chart("trend", t.held_rate + t.on_time_rate, charts.line_chart(
            "Sessions held and written up on time (%)", short, series, "%", ymax=100),
            "Line chart of sessions held and records on time over time")
        rows = [list(r) for r in zip(t.labels, t.held, t.due, t.held_rate, t.on_time,
                                     t.on_time_rate, t.agreed_rate, t.cancelled, strict=True)]
        w.pair(chart, [simple_md(["Half term", "Held", "Due", "Held (%)", "On time",
                                  "On time (%)", "Agreed (%)", "Cancelled"], rows)])


def build(repo: RecordsRepo, facts: dict[str, dict[str, Any]], calendar: SchoolCalendar,
          today: dt.date, signoffs: SignOffs | None, signoff_note: str,
          settings: Settings, unreadable: int = 0) -> Built:
    built = Reports(repo, facts, calendar, today, signoffs, signoff_note, settings,
                    unreadable).build()
    from supervision.cache import Cache, salt

    kept = Cache(repo.root, "charts", salt(repo.root, [], charts.kept_salt()))
    try:
        built.assets.update(charts.draw_all(built.drawings, kept=kept))
    finally:
        kept.close()
    built.drawings.clear()
    return built

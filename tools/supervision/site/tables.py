"""Publishing counts and writing them as Markdown: the one way numbers reach a page.

:func:`publish` pools rows about too few people and protects the table
(:mod:`supervision.site.disclosure`); :class:`View` reads a published group x
period table two ways (the trust-wide total of each period, and each group's
total over the year), so both come from one protection; :class:`Writer` builds a
page and draws a chart only when at least one of its values is published.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from supervision.site.disclosure import SUPPRESSED, TOTAL, Protected, percent, pool_rows, protect
from supervision.site.grouping import ALL_SCHOOLS
from supervision.site.metrics import Counts

POOLED = "Other schools (combined)"
Value = int | str

NOT_SHOWN = ("*Not shown: this table would be about fewer than {n} people, so it could "
             "describe someone.*")
NO_CHART_HIDDEN = "Every number here is too small to publish, so there is no chart."
NO_CHART_ZERO = "Every number here is 0, so there is no chart."
NO_CHART_MIXED = "Every number here is 0 or too small to publish, so there is no chart."


@dataclass
class Settings:
    threshold: int = 5
    min_people: int = 2


@dataclass
class Built:
    """Pages (Markdown) and charts (SVG) by their path under the site's docs."""

    pages: dict[str, str] = field(default_factory=dict)
    assets: dict[str, str] = field(default_factory=dict)
    #: charts still to draw, by path (:func:`supervision.site.charts.draw_all` draws
    #: them into ``assets``, many at once)
    drawings: dict[str, Callable[[], str]] = field(default_factory=dict)


def publish(counts: Counts, settings: Settings, pooled: str = POOLED) -> Protected | None:
    """Pool rows about too few people, then protect. None: nothing can be shown."""
    rows = dict(zip(counts.rows, counts.values, strict=True))
    if counts.people:
        kept = pool_rows(rows, counts.people, settings.min_people, pooled)
        if not kept:
            everyone = sum(counts.people.values())
            if everyone < settings.min_people or not counts.rows:
                return None
            kept = {ALL_SCHOOLS: [counts.total(i) for i in range(len(counts.cols))]}
        rows = kept
    return protect(list(rows), list(counts.cols), [rows[r] for r in rows], settings.threshold)


def totals(table: Protected | None, width: int) -> list[Value]:
    """The published total row without its grand total ('c' where nothing is shown)."""
    if table is None:
        return [SUPPRESSED] * width
    return list(table.cells[-1][:-1])


@dataclass
class View:
    """A published group x period table, read as trust-wide periods and group years."""

    table: Protected | None
    width: int

    def periods(self) -> list[Value]:
        return totals(self.table, self.width)

    def year(self) -> Value:
        return self.table.cells[-1][-1] if self.table is not None else SUPPRESSED

    def by_group(self) -> dict[str, Value]:
        """Each group's total over the columns; empty when there is no breakdown."""
        if self.table is None or self.table.rows[:-1] in ((), (ALL_SCHOOLS,)):
            return {}
        return {label: row[-1] for label, row in zip(self.table.rows[:-1],
                                                     self.table.cells[:-1], strict=True)}

    def column(self, col: str) -> dict[str, Value]:
        """One column, by group (the total row under TOTAL)."""
        if self.table is None:
            return {}
        index = self.table.cols.index(col)
        return {label: row[index] for label, row in zip(self.table.rows, self.table.cells,
                                                        strict=True)}


def pct_row(parts: Sequence[Value], bases: Sequence[Value], threshold: int) -> list[Value]:
    return [percent(p, b, threshold) for p, b in zip(parts, bases, strict=True)]


def pct_number(text: Any) -> float | None:
    return float(text[:-1]) if isinstance(text, str) and text.endswith("%") else None


def cell(value: Any) -> str:
    return html.escape(str(value)).replace("|", "\\|")


def table_md(table: Protected, row_header: str) -> str:
    rows = list(table.rows)
    cells = list(table.cells)
    if len(rows) == 2:  # one row and its total: show it once
        rows, cells = rows[:1], cells[:1]
    lines = ["| " + " | ".join(cell(c) for c in (row_header, *table.cols)) + " |",
             "| " + " | ".join(["---"] * (len(table.cols) + 1)) + " |"]
    for label, row in zip(rows, cells, strict=True):
        name = f"**{cell(label)}**" if label == TOTAL else cell(label)
        lines.append("| " + " | ".join([name, *(cell(v) for v in row)]) + " |")
    return "\n".join(lines)


def column_md(table: Protected, row_header: str) -> str:
    """A one-column table: its rows and the total, without the repeated total column."""
    rows = [[f"**{cell(label)}**" if label == TOTAL else cell(label), row[0]]
            for label, row in zip(table.rows, table.cells, strict=True)]
    if len(rows) == 2:  # one row and its total: show it once
        rows = rows[:1]
    lines = [f"| {cell(row_header)} | {cell(table.cols[0])} |", "| --- | --- |"]
    return "\n".join(lines + [f"| {label} | {cell(v)} |" for label, v in rows])


def simple_md(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(cell(h) for h in header) + " |",
             "| " + " | ".join(["---"] * len(header)) + " |"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def hidden_only(values: Sequence[Any]) -> bool:
    """True when no value is a published non-zero number (and at least one is hidden)."""
    return not any(_shown(v) for v in values) and any(v == SUPPRESSED for v in values)


def _shown(value: Any) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0
    number = pct_number(value)
    return number is not None and number != 0


def period_tables(period: str, labels: Sequence[str], year: str,
                  rows: Sequence[tuple[str, Sequence[Value], Value]]) -> list[str]:
    """Measures (rows) by period, with the whole year beside them. A measure whose
    every period is hidden is shown for the year only, in a second small table."""
    full = [r for r in rows if not hidden_only(r[1])]
    year_only = [r for r in rows if hidden_only(r[1])]
    out = []
    if full:
        out.append(simple_md(["", *labels, year], [[n, *p, y] for n, p, y in full]))
    if year_only:
        out.append(f"*Each {period}'s number is too small to publish here, so only the "
                   "whole year is shown:*")
        out.append(simple_md(["", year], [[n, y] for n, _p, y in year_only]))
    return out


@dataclass
class Chart:
    """A chart's Markdown, or the sentence saying why there is none."""

    markdown: str | None = None
    note: str | None = None


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

    def chart(self, name: str, values: Sequence[Any], draw: Callable[[], str],
              alt: str) -> Chart:
        """Draw ``draw()`` (later, with every other chart) unless none of ``values`` is a
        published non-zero number."""
        if not any(_shown(v) for v in values):
            hidden = any(v == SUPPRESSED for v in values)
            zero = any(v == 0 or v == "0%" for v in values)
            note = NO_CHART_MIXED if hidden and zero else (
                NO_CHART_HIDDEN if hidden or not zero else NO_CHART_ZERO)
            return Chart(note=note)
        path = f"{self.folder}/charts/{self.stem}-{name}.svg"
        self.built.drawings[path] = draw
        return Chart(f"![{alt}](charts/{self.stem}-{name}.svg){{ .sv-chart }}")

    def pair(self, chart: Chart | None, tables: Sequence[str]) -> None:
        body = "\n\n".join(tables)
        if chart is not None and chart.note:
            body = f"*{chart.note}*\n\n{body}"
        if chart is None or chart.markdown is None:
            self.parts.append(f'<div class="sv-pair-table" markdown>\n\n{body}\n\n</div>')
            return
        self.parts.append(f'<div class="sv-pair" markdown>\n<div class="sv-pair-chart" markdown>\n'
                          f"{chart.markdown}\n</div>\n<div class=\"sv-pair-table\" markdown>\n\n"
                          f"{body}\n\n</div>\n</div>")

    def done(self) -> None:
        self.built.pages[self.page] = "\n\n".join(self.parts) + "\n"

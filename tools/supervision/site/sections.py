"""The sections of one academic year's report page.

Every share (held of due, agreed of held...) is published through
:class:`supervision.site.shares.Shares`: a trust-wide table by half term and, when
supervision.yml gives clusters or phases, a table of groups over the year, all of a
page protected together. Percentages are
:func:`~supervision.site.disclosure.percent` of published cells only. Other counts
(cases, themes, QA answers) are trust-wide, or over the year where half terms are
too small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from supervision.site import charts
from supervision.site.compliance import Compliance
from supervision.site.disclosure import SUPPRESSED, TOTAL, percent, protect
from supervision.site.grouping import whole
from supervision.site.metrics import Counts
from supervision.site.shares import Share, Shares
from supervision.site.tables import (
    NOT_SHOWN,
    Value,
    View,
    Writer,
    column_md,
    hidden_only,
    pct_number,
    period_tables,
    publish,
    simple_md,
    table_md,
)

if TYPE_CHECKING:
    from supervision.site.reports import Reports

OTHER_THEMES = "Other themes (combined)"
RARE_THEMES = "Other themes"


class Sections:
    def __init__(self, reports: Reports, m: Compliance, w: Writer, labels: list[str],
                 year: str) -> None:
        self.r = reports
        self.m = m
        self.w = w
        self.labels = labels
        self.year = f"{year} so far" if m.half_terms and m.half_terms[-1].end >= \
            reports.today else year
        self.s = reports.settings
        shares = Shares(reports.grouping, self.s)
        held = m.due_sessions_held()
        shares.add("due", held, m.sessions_due(), ("Due sessions held", "Due sessions not held"),
                   base_key="due", part_key="held")
        signed = m.signed_on_time()
        if signed:
            shares.add("written", signed[0], held, ("Written up in time", "Not in time"),
                       base_key="held")
            shares.add("agreed", signed[1], held, ("Agreed in time", "Not agreed in time"),
                       base_key="held")
        cancelled, rebooked = m.cancellations()
        shares.add("rebooked", rebooked, cancelled, ("Rebooked in time", "Not in time"),
                   by_group=False)
        every = m.every_half_term_held()
        col = [self.year]
        shares.add("every", Counts(every.rows, col, [[r[0]] for r in every.values],
                                   every.people),
                   Counts(every.rows, col, [[sum(r)] for r in every.values], every.people),
                   ("Every half term held", "Not every half term"))
        self.reached, self.share = m.minutes()
        if self.reached is not None:
            with_target = [sid for sid, name in m.school_names.items()
                           if name in self.reached.rows]
            shares.add("reached", self.reached, m.supervisees_by_term(with_target),
                       ("Reached the target", "Not reached"), by_group=False)
        self.shares = shares.publish()
        self.due = self.shares["due"]
        self.written = self.shares.get("written")
        self.agreed = self.shares.get("agreed")
        self.rebooked = self.shares["rebooked"]
        self.every = self.shares["every"]
        groups = m.group_sessions_held()
        self.groups = (View(publish(whole(groups), self.s), len(groups.cols))
                       if any(any(row) for row in groups.values) else None)

    def pct(self, part: Value, base: Value) -> str:
        return percent(part, base, self.s.threshold)

    # -- the compliance summary -----------------------------------------------------------
    def at_a_glance(self) -> None:
        w = self.w
        w.text(f"## At a glance\n\nThe whole trust over {self.year}. A half term counts "
               "for a supervisee once it has ended, from their first contract. A record's "
               "deadline is the profile's (10 working days where a policy sets no number); "
               "*agreed* means every signer of the form signed within it.")
        rows: list[list[Value]] = []

        def add(label: str, share: Share | None) -> None:
            if share is not None:
                rows.append([label, share.part_year(), share.base_year(), share.rate_year()])

        add("Supervisees whose sessions were held in every half term", self.every)
        add("One-to-one sessions due that were held", self.due)
        add("Session records written up within the deadline (of those held)", self.written)
        add("Session records agreed within the deadline (of those held)", self.agreed)
        add("Cancelled sessions rebooked in time (of those cancelled)", self.rebooked)
        if self.groups:
            rows.append(["Group supervision sessions held", self.groups.year(), "", ""])
        w.pair(None, [simple_md(["", "Number", "Out of", "Share"], rows)])
        self.by_group()

    def by_group(self) -> None:
        kind = self.r.grouping.kind
        if kind is None:
            return
        w = self.w
        w.text(f"### {self.r.grouping.heading}\n\nThe same shares over {self.year} for each "
               f"{kind}.")
        if len(self.r.grouping.labels()) < 2:
            w.text(f"*Every school is in the same {kind}, so the summary above is that "
                   f"{kind}'s.*")
            return
        labels = self.due.group_labels()
        if not labels:
            w.text(NOT_SHOWN.format(n=self.s.min_people))
            return
        header = [kind.capitalize(), "Supervisees", "Every half term held (%)", "Sessions due",
                  "Held (%)", "Written up in time (%)", "Agreed in time (%)"]
        rows = []
        for label in [*labels, TOTAL]:
            people, every = self.every.group(label)[1:]
            due, held = self.due.group(label)[1:]
            rows.append([f"**{TOTAL}**" if label == TOTAL else label, people, every, due, held,
                         self.written.group(label)[2] if self.written else "",
                         self.agreed.group(label)[2] if self.agreed else ""])
        w.pair(None, [simple_md(header, rows)])

    # -- sessions, sign-off, cancellations --------------------------------------------------
    def sessions(self) -> None:
        w, due = self.w, self.due
        w.text("## One-to-one sessions held and due\n\nSessions due: each supervisee with a "
               "contract, times the sessions the policy asks for each half term. Held: the "
               "sessions due that were recorded as held (a supervisee's extra sessions are "
               "not counted). Whole trust.")
        rows: list[tuple[str, list[Value], Value]] = [
            ("Sessions due", due.base(), due.base_year()),
            ("Held", due.part(), due.part_year()),
            ("Held as a share of due", due.rates(), due.rate_year())]
        if self.groups:
            rows.append(("Group supervision sessions held", self.groups.periods(),
                         self.groups.year()))
        chart = w.chart("sessions", due.part() + due.base(), charts.bar_chart(
            "One-to-one sessions", self.labels,
            {"Held": due.part(), "Due": due.base()}, "sessions"),
            "Bar chart of one-to-one sessions held and due each half term")
        w.pair(chart, period_tables("half term", self.labels, self.year, rows))

    def on_time(self) -> None:
        w = self.w
        w.text("## Records written up on time\n\n" + self.r.signoff_note + " The deadline is "
               "the profile's (10 working days in the school policy; where a policy sets no "
               "number, 10 working days is used). Written up: the supervisor signed within "
               "it. Agreed: every signer did. Whole trust.")
        written, agreed = self.written, self.agreed
        if written is None or agreed is None:
            return
        rows: list[tuple[str, list[Value], Value]] = [
            ("Sessions held", written.base(), written.base_year()),
            ("Written up within the deadline", written.part(), written.part_year()),
            ("Written up, as a share of held", written.rates(), written.rate_year()),
            ("Agreed within the deadline", agreed.part(), agreed.part_year()),
            ("Agreed, as a share of held", agreed.rates(), agreed.rate_year())]
        chart = w.chart("on-time", written.rates() + agreed.rates(), charts.line_chart(
            "Session records on time (% of sessions held)", self.labels,
            {"Written up": [pct_number(x) for x in written.rates()],
             "Agreed": [pct_number(x) for x in agreed.rates()]}, "%", ymax=100),
            "Line chart of the share of session records written up and agreed on time")
        w.pair(chart, period_tables("half term", self.labels, self.year, rows))

    def cancellations(self) -> None:
        w, share = self.w, self.rebooked
        w.text("## Cancelled sessions and rebooking\n\nCancelled sessions, and those "
               "rebooked within the policy's limit (5 working days in the school policy; "
               "where the policy sets no limit, any new date counts). Whole trust.")
        rows: list[tuple[str, list[Value], Value]] = [
            ("Cancelled", share.base(), share.base_year()),
            ("Rebooked in time", share.part(), share.part_year())]
        chart = w.chart("cancelled", share.base() + share.part(),
                        charts.bar_chart("Cancelled and rebooked in time", self.labels,
                                            {"Cancelled": share.base(),
                                             "Rebooked in time": share.part()},
                                            "sessions"),
                        "Bar chart of cancelled sessions and those rebooked in time")
        w.pair(chart, period_tables("half term", self.labels, self.year, rows))

    # -- minutes -----------------------------------------------------------------------------
    def minutes(self) -> None:
        m, w, s = self.m, self.w, self.s
        share = self.share
        w.text("## Supervision time against the termly target\n\nSupervisees whose "
               "one-to-one and group minutes in the term reached their policy's target "
               "(for schools whose policy sets one), and the share of all supervision "
               "minutes spent in groups. Whole trust; the year column counts each "
               "supervisee once a term.")
        terms = list(share)
        everyone = m.supervisees_by_term()
        enough = sum(everyone.people.values()) >= s.min_people
        share_row: list[Value] = [percent(g, a, s.threshold) if enough else SUPPRESSED
                                  for g, a in share.values()]
        group_all = sum(g for g, _a in share.values()), sum(a for _g, a in share.values())
        rows: list[tuple[str, list[Value], Value]] = []
        reached = self.shares.get("reached")
        if reached is not None:
            if reached.trust is None:
                w.text(NOT_SHOWN.format(n=s.min_people))
            else:
                rows += [("Supervisees with a contract (schools with a target)",
                          reached.base(), reached.base_year()),
                         ("Reached the target", reached.part(), reached.part_year()),
                         ("Reached, as a share", reached.rates(), reached.rate_year())]
        rows.append(("Share of minutes in groups", share_row,
                     percent(*group_all, s.threshold) if enough else SUPPRESSED))
        chart = w.chart("group-share", share_row, charts.bar_chart(
            "Share of supervision minutes in groups", terms,
            {"Group share (%)": [pct_number(x) if pct_number(x) is not None else SUPPRESSED
                                 for x in share_row]}, "%"),
            "Bar chart of the share of supervision minutes spent in groups each term")
        w.pair(chart, period_tables("term", terms, self.year, rows))

    # -- cases and themes ------------------------------------------------------------------
    def cases(self) -> None:
        m, w, s = self.m, self.w, self.s
        w.text("## Case status of children discussed\n\nDistinct cases discussed in "
               "supervision or brought in case notes: how many each half term, and over the "
               "year by their latest status: CP Plan (child protection plan), CiN (child in "
               "need), EHA (early help). Counts only: no case is named.")
        mix = m.case_mix_by_half_term()
        per_half = protect(["Cases discussed"], list(mix.cols),
                           [[mix.total(i) for i in range(len(mix.cols))]], s.threshold)
        by_status = publish(self.r.grouping.regroup(m.case_mix_by_school()), s,
                            self.r.grouping.pooled)
        statuses = list(by_status.cols[:-1]) if by_status else []
        status_totals = list(by_status.cells[-1][:-1]) if by_status else []
        chart = w.chart("case-mix", status_totals, charts.bar_chart(
            "Cases discussed this year by status", statuses, {"Cases": status_totals},
            "cases"), "Bar chart of cases discussed this year by their latest status")
        tables = period_tables("half term", self.labels, "All half terms",
                               [("Cases discussed", list(per_half.cells[0][:-1]),
                                 per_half.cells[0][-1])])
        tables.append("**By latest status, whole year**")
        kind = self.r.grouping.kind
        if by_status is None:
            tables.append(NOT_SHOWN.format(n=s.min_people))
        else:
            tables.append(table_md(by_status, kind.capitalize() if kind else ""))
        w.pair(chart, tables)

    def themes(self) -> None:
        m, w, s = self.m, self.w, self.s
        counts = m.themes()
        w.text("## Themes raised\n\nHow many records this year were tagged with each theme "
               "from the policy's fixed list (never free text). Themes raised from 1 to "
               f"{s.threshold} times are counted together.")
        if not counts.rows:
            w.text("*No themes were recorded in these half terms.*")
            return
        year = {theme: sum(row) for theme, row in zip(counts.rows, counts.values,
                                                      strict=True)}
        often = sorted((t for t in counts.rows if year[t] > s.threshold),
                       key=lambda t: -year[t])
        rare = [t for t in counts.rows if 1 <= year[t] <= s.threshold]
        if not often:
            w.text(f"*Every theme was raised {s.threshold} times or fewer, so none is shown "
                   "on its own and there is no chart.*")
            return
        rows = often + ([OTHER_THEMES] if rare else [])
        values = [[year[t]] for t in often] + ([[sum(year[t] for t in rare)]] if rare else [])
        table = protect(rows, ["Records"], values, s.threshold)
        shown = [row[0] for row in table.cells[:-1]]
        chart = w.chart("themes", shown, charts.bar_chart(
            "Themes raised this year", rows, {"Records": shown}, "records", horizontal=True),
            "Bar chart of how often each theme was raised this year")
        tables = [column_md(table, "Theme")]
        if rare:
            tables.append(f"*{RARE_THEMES}: " + ", ".join(rare) + ".*")
        w.pair(chart, tables)

    def qa(self) -> None:
        m, w, s = self.m, self.w, self.s
        counts, reviews = m.qa_evidence()
        if not counts.rows:
            return
        w.text("## Quality assurance evidence\n\nAnswers in the quality assurance reviews "
               "of these half terms: how often each piece of evidence was seen.")
        table = publish(counts, s) if reviews else None
        if table is None or reviews == 0:
            w.text("*No quality assurance reviews can be shown for these half terms.*")
            return
        cells = [v for row in table.cells[:-1] for v in row[:2]]
        if hidden_only(cells):
            w.text("*Every number here is too small to publish, so there is no table or "
                   "chart: there were too few reviews.*")
            return
        rows = []
        rates: list[Value | float | None] = []
        for label, row in zip(table.rows[:-1], table.cells[:-1], strict=True):
            rate = percent(row[0], row[2], s.threshold)
            rates.append(pct_number(rate) if pct_number(rate) is not None else SUPPRESSED)
            rows.append([label, *row[:2], rate])
        chart = w.chart("qa", [r[3] for r in rows], charts.bar_chart(
            "Evidence seen in QA reviews (% yes)", list(table.rows[:-1]), {"Yes (%)": rates},
            "%", horizontal=True),
            "Bar chart of the share of QA reviews that saw each piece of evidence")
        w.pair(chart, [simple_md(["Question", "Yes", "No", "Yes (%)"], rows)])


"""Printable blank forms, one page per form, drawn from the profiles' form definitions.

A school that changes a field in its profile sees the change on the next build.
The pages are HTML inside Markdown (MkDocs passes it through); the plugin's
stylesheet lays them out for paper.
"""

from __future__ import annotations

import html

from supervision.forms.definition import Field, Form, Profile

#: Core fields a paper form does not need: the tool fills or manages them.
SKIPPED = frozenset({"kind", "format", "status", "cancellation"})
ROLE_TITLES = {"supervisor": "Supervisor", "supervisee": "Supervisee",
               "reviewer": "Quality assurance reviewer", "mediator": "Person it was referred to",
               "assessor": "Assessed by"}
#: The command that starts a record of this kind, when it is not `supervision new KIND`.
STARTED_BY = {"chronology-entry": "supervision chronology done PATH",
              "escalation": "supervision escalate PATH --to ID --reason TEXT"}


def _e(text: str) -> str:
    return html.escape(text, quote=True)


class _Page:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.out: list[str] = []

    def label(self, f: Field, suffix: str = "") -> str:
        guide = f'<span class="sv-guide">{_e(f.guidance)}</span>' if f.guidance else ""
        return f'<div class="sv-label">{_e(f.title)}{_e(suffix)}{guide}</div>'

    def field(self, f: Field) -> None:
        if f.name in SKIPPED:
            return
        if f.type in ("group", "risk"):
            self.out.append(f'<fieldset class="sv-group"><legend>{_e(f.title)}</legend>')
            if f.guidance:
                self.out.append(f'<div class="sv-guide">{_e(f.guidance)}</div>')
            for sub in f.fields:
                self.field(sub)
            self.out.append("</fieldset>")
        elif f.type in ("actions", "decisions", "review"):
            self.grid(f)
        elif f.type == "tags":
            choices = f.choices or self.profile.themes
            self.out.append(self.label(f, " (tick all that apply)"))
            self.out.append('<div class="sv-ticks sv-columns">' + "".join(
                f'<span class="sv-tick">&#9744; {_e(c)}</span>' for c in choices) + "</div>")
        elif f.type == "list":
            self.repeat(f)
        elif f.type == "text":
            self.out.append(f'<div class="sv-field">{self.label(f)}'
                            f'<div class="sv-box"></div></div>')
        elif f.type in ("choice", "yesno"):
            choices = ("Yes", "No") if f.type == "yesno" else f.choices
            self.out.append(f'<div class="sv-field">{self.label(f)}<div class="sv-ticks">'
                            + "".join(f'<span class="sv-tick">&#9744; {_e(c)}</span>'
                                      for c in choices) + "</div></div>")
        else:
            hint = {"date": " (date)", "time": " (time)", "minutes": " (minutes)",
                    "case_ref": " (case reference, never a name)",
                    "record": " (written by the tools)", "version": " (written by the tools)",
                    "item": " (written by the tools)"}.get(f.type, "")
            self.out.append(f'<div class="sv-field sv-short">{self.label(f, hint)}'
                            '<div class="sv-line"></div></div>')

    def repeat(self, f: Field) -> None:
        count = f.max or 2
        if any(sub.type == "case_ref" for sub in f.fields):
            rules = self.profile.rules
            count = rules.cases_max or max(rules.cases_min, 2)
        count = max(count, f.min or 1)
        self.out.append(f'<fieldset class="sv-group"><legend>{_e(f.title)}</legend>')
        if f.guidance:
            self.out.append(f'<div class="sv-guide">{_e(f.guidance)}</div>')
        for number in range(1, count + 1):
            if f.of is not None:
                self.out.append(f'<div class="sv-field sv-short"><div class="sv-label">'
                                f'{number}.</div><div class="sv-line"></div></div>')
                continue
            self.out.append(f'<div class="sv-item"><div class="sv-item-title">{number}</div>')
            for sub in f.fields:
                self.field(sub)
            self.out.append("</div>")
        self.out.append("</fieldset>")

    def grid(self, f: Field) -> None:
        heads = [sub.title for sub in f.fields]
        rows = 3 if f.type != "decisions" else 2
        self.out.append(f'<div class="sv-field">{self.label(f)}<table class="sv-grid"><thead>'
                        "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr></thead>"
                        "<tbody>" + ("<tr>" + "<td></td>" * len(heads) + "</tr>") * rows
                        + "</tbody></table></div>")


def render(form: Form, profile: Profile) -> str:
    page = _Page(profile)
    page.out.append(f"# {_e(form.title)}\n")
    page.out.append(f'<p class="sv-profile">{_e(profile.title)}</p>\n')
    if form.intro:
        page.out.append(f"<p>{_e(form.intro)}</p>\n")
    page.out.append('<p class="sv-noprint">Print this page (Ctrl+P) for a paper copy. '
                    "Records are kept in the records repository: use "
                    f"<code>{_e(STARTED_BY.get(form.kind, 'supervision new ' + form.kind))}"
                    "</code> to start one.</p>\n")
    page.out.append('<div class="sv-form">')
    for f in form.fields:
        page.field(f)
    page.out.append('<div class="sv-signatures">')
    for role in form.signers:
        page.out.append(f'<div class="sv-sign"><span>Signed ({_e(ROLE_TITLES.get(role, role))})'
                        '</span><span class="sv-line"></span><span>Date</span>'
                        '<span class="sv-line sv-date"></span></div>')
    page.out.append("</div></div>\n")
    return "\n".join(page.out)


def pages(profiles: dict[str, Profile]) -> dict[str, str]:
    """Docs-relative path -> Markdown, for every form of every profile in use."""
    unique = {p.id: p for p in profiles.values()}
    nested = len(unique) > 1
    out: dict[str, str] = {}
    listing = ["# Blank forms", "",
               "One page per form, drawn from the policy profile in use, so a change to the "
               "profile shows here on the next build. Print a page for a paper copy; the "
               "record itself is kept in the records repository.", ""]
    for profile in unique.values():
        if nested:
            listing += [f"## {_e(profile.title)}", ""]
        for key, form in profile.forms.items():
            rel = f"{profile.id}/{key}.md" if nested else f"{key}.md"
            out[f"forms/{rel}"] = render(form, profile)
            listing.append(f"- [{_e(form.title)}]({rel})")
        listing.append("")
    out["forms/index.md"] = "\n".join(listing)
    return out

"""A document as one self-contained HTML page: readable on screen, clean on paper.

Everything is in the one file: the stylesheet is inline, there is no script, no
image and no font or anything else fetched from another server (the page uses
the computer's own fonts), so it can be opened from an email attachment or a
USB stick and printed. Every piece of text is HTML-escaped. Headings follow the
record's structure, tables have column headers, answers are a description list,
and the language is en-GB for screen readers.
"""

from __future__ import annotations

import html

from supervision.reading.model import (
    DISAGREEMENT,
    NOT_ANSWERED,
    RISK,
    Answer,
    Block,
    Bullets,
    Document,
    Items,
    Section,
    Table,
)

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f4f2; color: #1b1b1b;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
main { max-width: 52rem; margin: 1.5rem auto; padding: 1.5rem 2rem 2rem; background: #fff;
  border: 1px solid #d8d8d4; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; padding-bottom: .2rem;
  border-bottom: 2px solid #1b1b1b; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
h4, h5, h6 { font-size: 1rem; margin: 1rem 0 .3rem; }
h2.label, h3.label, h4.label { font-size: 1rem; border: 0; margin: 1rem 0 .3rem; padding: 0; }
.sub, .path { margin: 0; color: #4a4a4a; }
.path code { font-size: .9em; overflow-wrap: anywhere; }
.signoff { margin: 1.25rem 0 1.5rem; padding: .75rem 1rem; border: 2px solid #1b1b1b;
  background: #f6f6f6; }
.signoff h2 { margin-top: 0; border: 0; }
.signoff .summary { font-weight: 700; margin: 0 0 .5rem; }
.signoff.agreed { border-color: #1e6b34; background: #eef7f0; }
.signoff.disputed, .signoff.stale { border-color: #8a4b00; background: #fff6e5; }
.notes { margin: .5rem 0 0; padding-left: 1.25rem; }
dl { margin: 0 0 .75rem; }
dl > div { margin: 0 0 .6rem; break-inside: avoid; }
dt { font-weight: 700; }
dd { margin: .1rem 0 0 1.25rem; }
.text { white-space: pre-line; overflow-wrap: anywhere; }
.none { color: #595959; font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: .25rem 0 1rem; font-size: .95rem; }
caption { text-align: left; font-weight: 700; padding: .25rem 0; }
th, td { border: 1px solid #9a9a96; padding: .3rem .45rem; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
th { background: #ecece8; }
ul, ol { margin: .2rem 0 .9rem; padding-left: 1.5rem; }
ol.items > li { margin-bottom: .6rem; }
section.marked { margin: 1.5rem 0; padding: .25rem 1rem .5rem; border: 2px solid; }
section.marked h2, section.marked h3 { border: 0; margin-top: .5rem; }
section.risk { border-color: #a4161a; background: #fff1f1; }
section.disagreement { border-color: #8a4b00; background: #fff6e5; }
.mark { font-weight: 700; margin: 0 0 .5rem; }
@page { size: A4; margin: 16mm 15mm; }
@media print {
  body { background: #fff; font-size: 10.5pt; }
  main { max-width: none; margin: 0; padding: 0; border: 0; }
  h2, h3, h4, caption { break-after: avoid; }
  tr, li, dl > div { break-inside: avoid; }
  .signoff, section.marked { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


class _Page:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.answers_open = False

    def close_answers(self) -> None:
        if self.answers_open:
            self.out.append("</dl>")
            self.answers_open = False

    def value(self, text: str | None, long: bool) -> str:
        if text is None:
            return f'<span class="none">{_e(NOT_ANSWERED)}</span>'
        return f'<span class="text">{_e(text)}</span>' if long or "\n" in text else _e(text)

    def heading(self, level: int, text: str, css: str = "") -> str:
        n = min(level, 6)
        attribute = f' class="{css}"' if css else ""
        return f"<h{n}{attribute}>{_e(text)}</h{n}>"

    def label(self, level: int, text: str) -> str:
        """The heading of a list or numbered items: a heading, drawn like a label."""
        return self.heading(level, text, "label")

    def blocks(self, blocks: list[Block], level: int) -> None:
        for block in blocks:
            self.block(block, level)
        self.close_answers()

    def block(self, block: Block, level: int) -> None:
        if isinstance(block, Answer):
            if not self.answers_open:
                self.out.append("<dl>")
                self.answers_open = True
            if block.label:
                self.out.append(f"<div><dt>{_e(block.label)}</dt>"
                                f"<dd>{self.value(block.text, block.long)}</dd></div>")
            else:
                self.out.append(f"<div><dd>{self.value(block.text, True)}</dd></div>")
            return
        self.close_answers()
        if isinstance(block, Section):
            marked = block.tone in (RISK, DISAGREEMENT)
            css = f' class="marked {block.tone}"' if marked else ""
            self.out.append(f"<section{css}>{self.heading(level, block.title)}")
            if block.note:
                self.out.append(f'<p class="mark">{_e(block.note)}</p>')
            if block.blocks:
                self.blocks(block.blocks, level + 1)
            else:
                self.out.append(f'<p>{self.value(None, False)}</p>')
            self.out.append("</section>")
        elif isinstance(block, Bullets):
            self.out.append(self.label(level, block.label))
            if not block.items:
                self.out.append(f"<p>{self.value(None, False)}</p>")
            else:
                self.out.append("<ul>" + "".join(
                    f"<li>{self.value(item, True)}</li>" for item in block.items) + "</ul>")
        elif isinstance(block, Table):
            if not block.rows:
                self.out.append(self.label(level, block.label))
                self.out.append(f"<p>{self.value(None, False)}</p>")
                return
            head = "".join(f'<th scope="col">{_e(c)}</th>' for c in block.columns)
            rows = "".join("<tr>" + "".join(f"<td>{self.value(cell, False)}</td>"
                                            for cell in row) + "</tr>" for row in block.rows)
            self.out.append(f"<table><caption>{_e(block.label)}</caption><thead><tr>{head}"
                            f"</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(block, Items):
            self.out.append(self.label(level, block.label))
            if not block.items:
                self.out.append(f"<p>{self.value(None, False)}</p>")
                return
            self.out.append('<ol class="items">')
            for item in block.items:
                self.out.append("<li>")
                self.blocks(item, level + 1)
                self.out.append("</li>")
            self.out.append("</ol>")

    def signoff(self, doc: Document) -> None:
        s = doc.signoff
        self.out.append(f'<section class="signoff {_e(s.state)}" aria-labelledby="signoff">'
                        f'<h2 id="signoff">Sign-off</h2><p class="summary">{_e(s.summary)}</p>')
        if s.signers:
            rows = "".join(
                f"<tr><td>{_e(r.role.capitalize())}</td><td>{_e(r.person)}</td>"
                f"<td>{_e(r.version)}</td><td>{_e(r.signed or '')}</td></tr>"
                for r in s.signers)
            self.out.append('<table><caption>Who signs this record</caption><thead><tr>'
                            '<th scope="col">Role</th><th scope="col">Person</th>'
                            '<th scope="col">Signed</th><th scope="col">On</th></tr></thead>'
                            f"<tbody>{rows}</tbody></table>")
        notes = s.notes + doc.notes
        if notes:
            self.out.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in notes)
                            + "</ul>")
        self.out.append("</section>")


def render(doc: Document) -> str:
    page = _Page()
    page.signoff(doc)
    page.blocks(doc.blocks, 2)
    subtitle = f'<p class="sub">{_e(doc.subtitle)}</p>' if doc.subtitle else ""
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{_e(doc.title)}: {_e(doc.path)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n<header><h1>{_e(doc.title)}</h1>{subtitle}"
        f'<p class="path">Record: <code>{_e(doc.path)}</code></p></header>\n'
        + "\n".join(page.out) + "\n</main>\n</body>\n</html>\n"
    )

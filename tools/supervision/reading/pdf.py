"""A document as an A4 PDF, drawn with fpdf2 (pure Python: no system libraries).

The text uses the PDF's own built-in Helvetica, so no font file is shipped or
looked for and the result is the same on every computer. Those fonts cover the
Windows-1252 characters (English and western European letters, curly quotes
“ ” ‘ ’, dashes – —, …, •, €); anything else is replaced by its closest
plain letter or by "?", never an error. Text is real text, so it can be searched,
copied and read aloud (``pdftotext`` gets every answer back). Each page's foot
names the record and says "Page n of N".
"""

from __future__ import annotations

import unicodedata

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

ENCODING = "windows-1252"  # what fpdf2's core fonts are drawn with (WinAnsiEncoding)
FONT = "Helvetica"
SIZE = 10
LINE = 5.0  # mm per line of body text
INDENT = 5.0
_REPLACEMENTS = {
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-", "\u2015": "\u2014",
    "\u2032": "'", "\u2033": '"', "\u2192": "->", "\u2190": "<-", "\u21d2": "=>",
    "\u2264": "<=", "\u2265": ">=", "\u2260": "!=", "\u2248": "~", "\u00d7": "x",
    "\u2713": "yes", "\u2714": "yes", "\u2717": "x", "\u2022": "\u2022",
    "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u2007": " ", "\u200b": "",
    "\ufeff": "", "\u00ad": "",
}
_TONES = {RISK: ((164, 22, 26), (255, 235, 235)), DISAGREEMENT: ((138, 75, 0), (255, 243, 220))}


def safe(text: str) -> str:
    """``text`` with every character the built-in fonts can draw."""
    out = []
    for char in text:
        if char == "\n" or char == "\t":
            out.append(" " if char == "\t" else char)
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            continue
        if char in _REPLACEMENTS:
            char = _REPLACEMENTS[char]
        try:
            char.encode(ENCODING)
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        plain = "".join(c for c in unicodedata.normalize("NFKD", char)
                        if not unicodedata.combining(c))
        try:
            plain.encode(ENCODING)
            out.append(plain or "?")
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


def _pdf_class():  # fpdf2 is imported only when a PDF is made
    from fpdf import FPDF

    class RecordPDF(FPDF):
        foot = ""
        left = 18.0  # the page's own margin (l_margin moves with indented content)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT, "", 8)
            self.set_text_color(90, 90, 90)
            width = self.w - self.left - self.r_margin
            self.set_x(self.left)
            self.cell(width * 0.75, 5, self.foot, align="L")
            self.cell(width * 0.25, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    return RecordPDF


class _Drawer:
    def __init__(self, doc: Document) -> None:
        from fpdf.enums import XPos, YPos

        self.XPos, self.YPos = XPos, YPos
        self.pdf = _pdf_class()(orientation="portrait", unit="mm", format="A4")
        pdf = self.pdf
        pdf.core_fonts_encoding = ENCODING
        pdf.foot = safe(doc.path)
        pdf.set_margins(pdf.left, 16, 18)
        pdf.set_auto_page_break(True, margin=18)
        pdf.set_title(safe(f"{doc.title}: {doc.path}"))
        pdf.set_subject(safe(doc.path))
        pdf.set_creator("supervision show")
        pdf.set_lang("en-GB")
        pdf.add_page()
        self.left = pdf.l_margin

    # -- primitives ------------------------------------------------------------------
    def indent(self, depth: float) -> None:
        self.pdf.set_left_margin(self.left + depth)
        self.pdf.set_x(self.pdf.l_margin)

    def font(self, style: str = "", size: float = SIZE, grey: int = 0) -> None:
        self.pdf.set_font(FONT, style, size)
        self.pdf.set_text_color(grey, grey, grey)

    def para(self, text: str, style: str = "", size: float = SIZE, grey: int = 0,
             fill: tuple[int, int, int] | None = None, gap: float = 1.0) -> None:
        self.font(style, size, grey)
        if fill is not None:
            self.pdf.set_fill_color(*fill)
        self.pdf.multi_cell(0, size * 0.5, safe(text), align="L", fill=fill is not None,
                            new_x=self.XPos.LMARGIN, new_y=self.YPos.NEXT,
                            padding=(1, 1.5) if fill is not None else 0)
        self.pdf.ln(gap)

    def inline(self, label: str, text: str | None) -> None:
        """``Label: answer`` in one flowing paragraph, the label in bold."""
        pdf = self.pdf
        pdf.set_x(pdf.l_margin)
        self.font("B")
        pdf.write(LINE, safe(label if label.endswith(("?", ":")) else f"{label}:") + " ")
        if text is None:
            self.font("I", grey=90)
            pdf.write(LINE, NOT_ANSWERED)
        else:
            self.font()
            pdf.write(LINE, safe(text))
        pdf.ln(LINE + 1)

    # -- blocks ------------------------------------------------------------------------
    def blocks(self, blocks: list[Block], depth: float, level: int) -> None:
        for block in blocks:
            self.block(block, depth, level)

    def label(self, text: str, level: int) -> None:
        self.para(text, "B", SIZE + (1 if level <= 1 else 0), gap=0.5)

    def block(self, block: Block, depth: float, level: int) -> None:
        self.indent(depth)
        if isinstance(block, Answer):
            if not block.label:
                self.para(block.text or NOT_ANSWERED, "" if block.text else "I")
            elif block.text is not None and block.long and ("\n" in block.text or
                                                           len(block.text) > 70):
                self.label(block.label, 9)
                self.indent(depth + INDENT)
                self.para(block.text, gap=1.5)
            else:
                self.inline(block.label, block.text)
        elif isinstance(block, Section):
            self.section(block, depth, level)
        elif isinstance(block, Bullets):
            self.label(block.label, level)
            if not block.items:
                self.para(NOT_ANSWERED, "I", grey=90)
            for item in block.items:
                self.indent(depth + INDENT)
                self.font()
                self.pdf.cell(INDENT, LINE, "\u2022")
                self.indent(depth + 2 * INDENT)
                self.para(item, gap=0.5)
            self.pdf.ln(1)
        elif isinstance(block, Table):
            self.label(block.label, level)
            if not block.rows:
                self.para(NOT_ANSWERED, "I", grey=90)
            else:
                self.table(block)
        elif isinstance(block, Items):
            self.label(block.label, level)
            if not block.items:
                self.para(NOT_ANSWERED, "I", grey=90)
            for number, entry in enumerate(block.items, start=1):
                self.indent(depth + INDENT)
                self.para(f"{number}.", "B", gap=0)
                self.blocks(entry, depth + 2 * INDENT, level + 1)

    def section(self, block: Section, depth: float, level: int) -> None:
        pdf = self.pdf
        colour, fill = _TONES.get(block.tone, ((0, 0, 0), None))
        if level <= 1:
            pdf.ln(2)
            if pdf.get_y() > pdf.h - 45:  # keep a heading with what follows it
                pdf.add_page()
            pdf.start_section(safe(block.title), level=0)
        self.font("B", 13 if level <= 1 else 11)
        pdf.set_text_color(*colour)
        if fill is not None:
            pdf.set_fill_color(*fill)
        pdf.multi_cell(0, 6.5 if level <= 1 else 5.5, safe(block.title), align="L",
                       fill=fill is not None, new_x=self.XPos.LMARGIN, new_y=self.YPos.NEXT,
                       padding=(0.5, 1.5) if fill is not None else 0)
        if level <= 1:
            pdf.set_draw_color(*colour)
            pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(1.5)
        if block.note:
            self.para(block.note, "B", grey=0)
            pdf.set_text_color(0, 0, 0)
        inner = depth + (0 if level <= 1 else INDENT)
        if block.blocks:
            self.blocks(block.blocks, inner, level + 1)
        else:
            self.indent(inner)
            self.para(NOT_ANSWERED, "I", grey=90)

    def table(self, block: Table, widths: tuple[float, ...] | None = None) -> None:
        from fpdf.fonts import FontFace

        pdf = self.pdf
        count = len(block.columns)
        if widths is None:  # the first column holds the action (or the case reference)
            widths = (2.6, 1.6, 1.5, 0.9) if count == 4 else (2.2, 1.0, 2.0) if count == 3 \
                else tuple([1.0] * count)
        self.font("", SIZE - 1)
        pdf.set_draw_color(150, 150, 150)
        pdf.set_fill_color(255, 255, 255)  # a table's cells take the current fill colour
        with pdf.table(col_widths=widths[:count], text_align="LEFT", line_height=4.6, v_align="TOP",
                       width=pdf.w - pdf.r_margin - pdf.l_margin, align="LEFT",
                       headings_style=FontFace(emphasis="BOLD", fill_color=(236, 236, 232)),
                       padding=1.2) as table:
            row = table.row()
            for column in block.columns:
                row.cell(safe(column))
            for values in block.rows:
                row = table.row()
                for value in values:
                    if value is None:
                        row.cell(NOT_ANSWERED, style=FontFace(emphasis="ITALICS",
                                                              color=(90, 90, 90)))
                    else:
                        row.cell(safe(value))
        pdf.ln(2)

    def signoff(self, doc: Document) -> None:
        s = doc.signoff
        self.font("B", 12)
        self.pdf.start_section("Sign-off", level=0)
        self.para("Sign-off", "B", 12, gap=0.5)
        fill = (238, 247, 240) if s.state == "agreed" else (255, 246, 229) if s.state in (
            "disputed", "stale") else (242, 242, 242)
        self.para(s.summary, "B", fill=fill, gap=1.5)
        if s.signers:
            self.table(Table("", ("Role", "Person", "Signed", "On"),
                             [[r.role.capitalize(), r.person, r.version, r.signed or ""]
                              for r in s.signers]), widths=(1.0, 2.2, 1.4, 1.0))
        for note in s.notes + doc.notes:
            self.para(f"Note: {note}", gap=1)

    def draw(self, doc: Document) -> bytes:
        self.para(doc.title, "B", 16, gap=0.5)
        if doc.subtitle:
            self.para(doc.subtitle, grey=70, gap=0)
        self.para(f"Record: {doc.path}", size=9, grey=70, gap=3)
        self.signoff(doc)
        self.blocks(doc.blocks, 0, 1)
        return bytes(self.pdf.output())


def render(doc: Document) -> bytes:
    """The document as the bytes of a PDF file."""
    return _Drawer(doc).draw(doc)

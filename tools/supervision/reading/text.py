"""A document as plain text for a terminal, wrapped to a given width.

No colour and no box drawing: headings are underlined, answers are
``Label: answer`` (free text indented under its label), lists are bullets, and
each row of a table is a numbered entry with its column headings, so nothing
needs a wide terminal. Words are never split at hyphens, so ids and choices
such as ``carried-forward`` stay whole.
"""

from __future__ import annotations

import textwrap

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

MIN_WIDTH = 40
_MARK = {RISK: "!! ", DISAGREEMENT: "!! "}


class _Writer:
    def __init__(self, width: int) -> None:
        self.width = max(MIN_WIDTH, width)
        self.lines: list[str] = []

    def wrap(self, text: str, first: str, rest: str) -> None:
        """``text`` (line breaks kept) wrapped, the first line after ``first``."""
        for number, line in enumerate(text.split("\n")):
            lead = first if number == 0 else rest
            if not line.strip():
                self.lines.append("")
                continue
            self.lines += textwrap.wrap(line, self.width, initial_indent=lead,
                                        subsequent_indent=rest, break_on_hyphens=False,
                                        drop_whitespace=True) or [lead.rstrip()]

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def heading(self, title: str, indent: int, depth: int, tone: str) -> None:
        pad = " " * indent
        text = _MARK.get(tone, "") + title
        if depth == 0:
            self.blank()
            self.wrap(text, pad, pad)
            self.lines.append(pad + ("=" if tone else "-") * min(len(text),
                                                                 self.width - indent))
        else:
            self.wrap(_colon(text), pad, pad + "  ")

    def blocks(self, blocks: list[Block], indent: int, depth: int) -> None:
        for block in blocks:
            self.block(block, indent, depth)

    def block(self, block: Block, indent: int, depth: int, lead: str = "") -> None:
        pad = " " * indent
        first = pad + lead
        rest = " " * (indent + len(lead))
        if isinstance(block, Answer):
            text = NOT_ANSWERED if block.text is None else block.text
            inline = f"{_colon(block.label)} {text}"
            if not block.label:
                self.wrap(text, first, rest)
            elif len(text.split()) == 1 and len(first) + len(inline) > self.width:
                # one long word (the path of the record a chronology entry or an
                # escalation points at): on a line of its own, never cut, so it can be copied
                self.wrap(_colon(block.label), first, rest + "  ")
                self.lines.append(rest + "    " + text.strip())
            elif block.long and ("\n" in text or len(first) + len(inline) > self.width):
                self.wrap(_colon(block.label), first, rest + "  ")
                self.wrap(text, rest + "    ", rest + "    ")
            else:
                self.wrap(inline, first, rest + "    ")
        elif isinstance(block, Section) and not block.blocks and depth == 0 and not lead:
            self.blank()
            self.wrap(f"{_colon(block.title)} {NOT_ANSWERED}", pad, pad + "    ")
            self.blank()
        elif isinstance(block, Section):
            if lead:
                self.wrap(lead.strip(), pad, pad)
                indent += len(lead)
            self.heading(block.title, indent, depth, block.tone)
            inner = indent + (0 if depth == 0 else 2)
            if block.note:
                self.wrap(block.note, " " * inner, " " * inner)
            if block.blocks:
                self.blocks(block.blocks, inner, depth + 1)
            else:
                self.wrap(NOT_ANSWERED, " " * inner, " " * inner)
            if depth == 0:
                self.blank()
        elif isinstance(block, Bullets):
            if not block.items:
                self.wrap(f"{_colon(block.label)} {NOT_ANSWERED}", first, rest + "    ")
                return
            self.wrap(_colon(block.label), first, rest + "  ")
            for item in block.items:
                self.wrap(item, rest + "  \u2022 ", rest + "    ")
        elif isinstance(block, Table):
            if not block.rows:
                self.wrap(f"{_colon(block.label)} {NOT_ANSWERED}", first, rest + "    ")
                return
            self.wrap(_colon(block.label), first, rest + "  ")
            for number, row in enumerate(block.rows, start=1):
                cells = [Answer(column, cell, long=False)
                         for column, cell in zip(block.columns, row, strict=False)]
                self.numbered(number, list(cells), indent + 2, depth)
        elif isinstance(block, Items):
            if not block.items:
                self.wrap(f"{_colon(block.label)} {NOT_ANSWERED}", first, rest + "    ")
                return
            self.wrap(_colon(block.label), first, rest + "  ")
            for number, entry in enumerate(block.items, start=1):
                self.numbered(number, entry, indent + 2, depth)

    def numbered(self, number: int, blocks: list[Block], indent: int, depth: int) -> None:
        lead = f"{number}. "
        for index, inner in enumerate(blocks):
            if index == 0:
                self.block(inner, indent, depth + 1, lead)
            else:
                self.block(inner, indent + len(lead), depth + 1)


def _colon(label: str) -> str:
    """``Discussion:``; a question keeps its own mark (``Are the logs up to date?``)."""
    return label if label.endswith(("?", ":")) else f"{label}:"


def render(doc: Document, width: int = 80) -> str:
    """The document as text lines of at most ``width`` characters (long words apart)."""
    w = _Writer(width)
    w.wrap(doc.title, "", "")
    w.lines.append("=" * min(len(doc.title), w.width))
    if doc.subtitle:
        w.wrap(doc.subtitle, "", "")
    w.wrap(f"Record: {doc.path}", "", "  ")
    w.blank()
    w.wrap(f"Sign-off: {doc.signoff.summary}", "", "  ")
    for signer in doc.signoff.signers:
        state = (f"signed {signer.version} on {signer.signed}" if signer.signed
                 else signer.version)
        w.wrap(f"{signer.role.capitalize()}: {signer.person}, {state}", "  ", "      ")
    for note in doc.signoff.notes + doc.notes:
        w.wrap(f"Note: {note}", "  ", "        ")
    w.blank()
    w.blocks(doc.blocks, 0, 0)
    while w.lines and w.lines[-1] == "":
        w.lines.pop()
    return "\n".join(w.lines) + "\n"

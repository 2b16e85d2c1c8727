"""The format-neutral document of one record: what ``text``, ``html`` and ``pdf`` draw.

Everything is already in words (dates written out, people as "Name (id)", yes/no
as Yes/No); a value of ``None`` means the question was not answered, and each
renderer writes :data:`NOT_ANSWERED` for it. Renderers never see YAML or the
form's guidance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

NOT_ANSWERED = "(not answered)"

#: How a block is marked: plain, an immediate safeguarding issue, a disagreement.
PLAIN, RISK, DISAGREEMENT = "", "risk", "disagreement"


@dataclass
class Answer:
    """One labelled answer. ``long``: free text, shown as paragraphs under its label."""

    label: str
    text: str | None
    long: bool = False


@dataclass
class Bullets:
    """A list of single answers (``items`` empty: not answered)."""

    label: str
    items: list[str]


@dataclass
class Table:
    """Rows of short answers under column headings (actions, reviews, short lists)."""

    label: str
    columns: tuple[str, ...]
    rows: list[list[str | None]]


@dataclass
class Items:
    """Numbered items, each a few blocks of its own (decisions with their reasons,
    cases of concern with their reflections)."""

    label: str
    items: list[list[Block]]


@dataclass
class Section:
    """A headed part of the record (a group of the form, the immediate-risk block...).
    ``note`` is a short line shown under the heading when the section is marked."""

    title: str
    blocks: list[Block]
    tone: str = PLAIN
    note: str = ""


Block = Union[Answer, Bullets, Table, Items, Section]  # noqa: UP007 (a runtime alias)


@dataclass
class Signer:
    """One row of the sign-off table: who signs in which role, and what they signed."""

    role: str
    person: str
    signed: str | None  # the day, e.g. "20 Nov 2026"; None: not signed
    version: str  # "this version", "an earlier version", "not signed"


@dataclass
class SignOff:
    """Where the record stands: one sentence, the signers, and anything to know."""

    summary: str
    state: str  # a verify status (draft, awaiting-<role>, agreed...) or a word of ours
    signers: list[Signer] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Document:
    title: str  # the form's title, e.g. "One-to-one supervision record"
    subtitle: str  # organisation and school
    path: str  # repository-relative path of the record
    signoff: SignOff
    blocks: list[Block]
    notes: list[str] = field(default_factory=list)  # e.g. what `supervision check` says

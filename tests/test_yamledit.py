"""Targeted YAML edits keep every other line, comment included, exactly as it was."""

from __future__ import annotations

import pytest

from supervision.forms.yamledit import EditError, set_list, set_text
from supervision.forms.yamlparse import parse_text

PEOPLE = """\
# Everyone who appears in a record.
people:
  - id: dsl-sample   # the DSL
    name: Sam Sample
    fingerprints:
      - AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    # the last line of Sam's entry

  - id: deputy-sample
    name: Jo Fictional
"""

FPR = "B" * 40


def _doc(text: str):
    doc, problems = parse_text(text, "people.yml")
    assert doc is not None and not problems
    return doc


def test_adding_to_a_block_list_and_to_an_entry_without_the_key() -> None:
    text = set_list(PEOPLE, _doc(PEOPLE), ("people", 0, "fingerprints"), ["A" * 40, FPR])
    assert f"    fingerprints: [{'A' * 40}, {FPR}]\n" in text
    assert "# Everyone who appears" in text and "# the DSL" in text
    assert "    # the last line of Sam's entry\n" in text
    text = set_list(text, _doc(text), ("people", 1, "fingerprints"), [FPR])
    assert text.endswith(f"    name: Jo Fictional\n    fingerprints: [{FPR}]\n")
    assert _doc(text).data["people"][1]["fingerprints"] == [FPR]


def test_top_level_list_replaced_or_added() -> None:
    text = "# admins\nadmins: []\nother: 1\n"
    assert set_list(text, _doc(text), ("admins",), [FPR]) == f"# admins\nadmins: [{FPR}]\nother: 1\n"
    text = "other: 1"
    assert set_list(text, _doc(text), ("admins",), [FPR]) == f"other: 1\nadmins: [{FPR}]\n"


def test_text_written_as_a_literal_block_in_place() -> None:
    text = "a: 1\n# guidance\ndisagreement: |\n# next\nnext_session: 2026-12-01\n"
    new = set_text(text, _doc(text), ("disagreement",), "First line.\n\nSecond: with a colon.")
    assert new == ("a: 1\n# guidance\ndisagreement: |\n  First line.\n\n  Second: with a colon.\n"
                   "# next\nnext_session: 2026-12-01\n")
    indented = set_text(text, _doc(text), ("disagreement",), "  starts with spaces")
    assert _doc(indented).data["disagreement"] == "  starts with spaces\n"
    tab = set_text(text, _doc(text), ("disagreement",), "a\ttab")
    assert _doc(tab).data["disagreement"] == "a\ttab"


def test_nested_field_added_inside_its_group() -> None:
    text = "outer:\n  first: 1\n  # comment\nafter: 2\n"
    new = set_text(text, _doc(text), ("outer", "note"), "Hello")
    assert _doc(new).data == {"outer": {"first": 1, "note": "Hello\n"}, "after": 2}
    assert "# comment" in new


def test_refuses_rather_than_guess() -> None:
    text = "a: 1\n"
    with pytest.raises(EditError):
        set_text(text, _doc(text), ("missing", "note"), "x")


SESSION = """\
# A planned session
supervisor: deputy-sample   # who supervises
supervisor_role: "Deputy head"
status: planned
notes: |
  Booked at the last session.
"""


def test_a_one_line_answer_is_replaced_and_its_comment_kept() -> None:
    from supervision.forms.yamledit import set_scalar

    text = set_scalar(SESSION, _doc(SESSION), ("supervisor",), "cover-sample")
    assert "supervisor: cover-sample   # who supervises\n" in text
    assert text.replace("cover-sample", "deputy-sample") == SESSION  # nothing else moved
    text = set_scalar(text, _doc(text), ("supervisor_role",), "Supervisor")
    assert "supervisor_role: Supervisor\n" in text
    # a value that plain YAML would read as something else is quoted
    text = set_scalar(text, _doc(text), ("status",), "no")
    assert _doc(text).data["status"] == "no"
    with pytest.raises(EditError):
        set_scalar(text, _doc(text), ("notes",), "x")  # a block, not a one-line answer
    with pytest.raises(EditError):
        set_scalar(text, _doc(text), ("missing",), "x")

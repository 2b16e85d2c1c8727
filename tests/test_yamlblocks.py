"""Block-level YAML edits (forms/yamlblocks.py): any answer changes, every other line stays.

Each case edits the parsed data of a record and checks three things: the text reads
back as exactly the new data (types included), the lines that changed are the
changed field's own, and comments (guidance, and comments after values) stay.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any

import pytest

from supervision.forms.yamlblocks import rewrite, same, scalar
from supervision.forms.yamledit import EditError
from supervision.forms.yamlparse import parse_text

RECORDS = Path(__file__).parent / "records"
SESSION = (RECORDS / "agenda" / "session.yaml").read_text(encoding="utf-8")


def _doc(text: str):
    doc, problems = parse_text(text, "record.yaml")
    assert doc is not None and not problems, problems
    return doc


def _changed(before: str, after: str) -> tuple[list[str], list[str]]:
    """(old lines removed or replaced, new lines added) between two texts."""
    old, new = before.splitlines(), after.splitlines()
    gone: list[str] = []
    added: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new,
                                                       autojunk=False).get_opcodes():
        if tag != "equal":
            gone += old[i1:i2]
            added += new[j1:j2]
    return gone, added


def _edit(text: str, change: Any) -> tuple[str, dict[str, Any]]:
    doc = _doc(text)
    data = copy.deepcopy(doc.data)
    change(data)
    out = rewrite(text, doc, data)
    assert same(_doc(out).data, data)
    return out, data


def test_unchanged_data_gives_the_same_text() -> None:
    doc = _doc(SESSION)
    assert rewrite(SESSION, doc, copy.deepcopy(doc.data)) is SESSION


def test_a_value_in_a_flow_mapping_changes_only_its_characters() -> None:
    out, _ = _edit(SESSION, lambda d: d["previous_actions"]["review"][2].update(
        outcome="done"))
    gone, added = _changed(SESSION, out)
    assert len(gone) == len(added) == 1
    assert added[0] == gone[0].replace("outcome: dropped", "outcome: done")


def test_a_comment_after_a_value_stays() -> None:
    out, _ = _edit(SESSION, lambda d: d["wellbeing"]["actions"][0].update(status="done"))
    assert "      status: done  # the timetabler is already looking at it" in out.splitlines()
    out, _ = _edit(SESSION, lambda d: d["wellbeing"]["actions"][0].update(status=None))
    assert "      status:  # the timetabler is already looking at it" in out.splitlines()


def test_a_block_of_text_is_written_again_as_a_block() -> None:
    out, data = _edit(SESSION, lambda d: d["wellbeing"].update(
        discussion="First line.\n\nA second paragraph, after a blank line.\n"))
    gone, added = _changed(SESSION, out)
    assert added == ["    First line.", "", "    A second paragraph, after a blank line."]
    assert all(line.startswith("    ") for line in gone)
    assert "  discussion: |" in out.splitlines()


def test_text_that_cannot_be_a_block_is_quoted() -> None:
    for awkward in ("  starts with spaces\nand more\n", "tab\there\nx\n", "two\n\n",
                    "ends without a break\nsecond", "# looks like a comment", "yes", "123",
                    "14:30", "- a dash", "a: colon", "null", "", "é ünïcødé “quotes”"):
        out, data = _edit(SESSION, lambda d, a=awkward: d.update(disagreement=a))
        assert _doc(out).data["disagreement"] == awkward


def test_rows_added_removed_and_changed_in_a_block_list() -> None:
    def change(d: dict[str, Any]) -> None:
        actions = d["case_management"]["actions"]
        del actions[0]
        actions[0]["owner"] = "ddsl-sample"
        actions.append({"action": "A new one", "owner": "dsl-sample", "due": "2026-12-01",
                        "status": "open"})

    out, _ = _edit(SESSION, change)
    gone, added = _changed(SESSION, out)
    assert gone[:4] == ["    - action: Email the social worker asking for the review "
                        "conference to be brought forward", "      owner: dsl-sample",
                        "      due: 2026-11-18", "      status: done"]
    assert "    - action: A new one" in added
    # everything else in the file is byte-identical
    assert out.count("\n") == SESSION.count("\n") - 4 + 4


def test_an_empty_list_gets_rows_and_a_list_can_be_emptied() -> None:
    text = "# guidance\nactions: []  # none yet\nnext: 1\n"
    out, _ = _edit(text, lambda d: d.update(actions=[{"action": "x", "status": "open"}]))
    assert out == "# guidance\nactions:\n  - action: x\n    status: open\nnext: 1\n"
    back, _ = _edit(out, lambda d: d.update(actions=[]))
    assert back == "# guidance\nactions: []\nnext: 1\n"


def test_a_missing_key_goes_after_its_previous_sibling() -> None:
    text = "a: 1\n# about c\nc: 3\ngroup:\n  x: 1\n  # about z\n  z: 3\n"

    def change(d: dict[str, Any]) -> None:
        d["b"] = 2
        d["group"]["why"] = "two\nlines\n"

    doc = _doc(text)
    data = copy.deepcopy(doc.data)
    change(data)
    data = {"a": 1, "b": 2, "c": 3, "group": {"x": 1, "why": "two\nlines\n", "z": 3}}
    out = rewrite(text, doc, data)
    assert out == ("a: 1\nb: 2\n# about c\nc: 3\ngroup:\n  x: 1\n  why: |\n    two\n    lines\n"
                   "  # about z\n  z: 3\n")


def test_a_null_group_becomes_a_block_and_types_are_kept() -> None:
    text = "risk:\nother: x\n"
    out, _ = _edit(text, lambda d: d.update(risk={"raised": True, "owner": None, "count": 7}))
    assert out == "risk:\n  raised: yes\n  owner:\n  count: 7\nother: x\n"
    assert _doc(out).data["risk"]["raised"] is True


def test_a_flow_item_whose_shape_changes_stays_one_line() -> None:
    out, _ = _edit(SESSION, lambda d: d["other_business"]["actions"][0].update(
        status="open"))
    gone, added = _changed(SESSION, out)
    assert len(added) == 1 and added[0].startswith("    - {action: ") and \
        added[0].endswith("status: open}")


def test_windows_line_endings_and_no_final_line_break() -> None:
    text = "a: 1\r\nlist:\r\n  - x\r\nb: two"
    out, _ = _edit(text, lambda d: d["list"].append("w"))
    assert out == "a: 1\r\nlist:\r\n  - x\r\n  - w\r\nb: two"
    out, _ = _edit(text, lambda d: d.update(c="three"))
    assert out == "a: 1\r\nlist:\r\n  - x\r\nb: two\r\nc: three\r\n"


def test_keys_removed() -> None:
    text = "a: 1\nb:\n  - x\n# keep\nc: 3\n"
    out, _ = _edit(text, lambda d: d.pop("b"))
    assert out == "a: 1\n# keep\nc: 3\n"
    items = "l:\n  - k: 1\n    j: 2\n"
    out, _ = _edit(items, lambda d: d["l"][0].pop("k"))
    assert _doc(out).data == {"l": [{"j": 2}]}


@pytest.mark.parametrize("path", sorted(RECORDS.glob("*/*.yaml")), ids=lambda p: p.stem)
def test_every_hand_written_record_takes_every_kind_of_change(path: Path) -> None:
    """Every field of every fixture: set to an awkward value and back (data equal)."""
    text = path.read_text(encoding="utf-8")
    doc = _doc(text)

    def leaves(value: Any, kp: tuple) -> list[tuple]:
        if isinstance(value, dict):
            return [x for k, v in value.items() for x in leaves(v, kp + (k,))] or [kp]
        if isinstance(value, list):
            return [x for i, v in enumerate(value) for x in leaves(v, kp + (i,))] or [kp]
        return [kp]

    for kp in leaves(doc.data, ()):
        for replacement in ("Two lines,\nthe second: here\n", None, 42, ["a", "b"],
                            {"k": "v"}):
            data = copy.deepcopy(doc.data)
            target = data
            for part in kp[:-1]:
                target = target[part]
            target[kp[-1]] = replacement
            out = rewrite(text, doc, data)
            assert same(_doc(out).data, data), kp
            back = rewrite(out, _doc(out), copy.deepcopy(doc.data))
            assert same(_doc(back).data, doc.data), kp


def test_scalars_read_back_as_the_same_type() -> None:
    for value in ("2026-11-16", "15:30", "C-7K3QXM", "no", "Yes", "0.5", "1e3", "0x1F", "~",
                  "plain words", "it's", 'say "hi"', "a, b", "[x]", True, False, 0, -3, None):
        doc = _doc(f"k: {scalar(value)}\nf: [{scalar(value, flow=True)}]\n")
        assert same(doc.data["k"], value), value
        assert same(doc.data["f"][0], value), value


def test_the_root_must_be_a_mapping() -> None:
    with pytest.raises(EditError):
        rewrite("- a\n", _doc("- a\n"), {"a": 1})

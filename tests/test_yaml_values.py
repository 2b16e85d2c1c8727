"""The values-only reader (``data_of_bytes``, what verify parses every signed version
with) gives exactly the data of the located parser, and refuses what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from supervision.forms.yamlparse import data_of_bytes, parse_bytes

ROOT = Path(__file__).resolve().parent.parent

BROKEN_AND_ODD = [
    b"a: &x 1\nb: *x\n",                      # alias: refused, nothing expanded
    b"a: *b\n",
    b"--- &a\nx: 1\n",                         # anchor on the document
    b"a: &anchor\n  b: 1\n",
    b"a: !!python/object:os.system 1\n",      # tags
    b"a: !tag x\n",
    b"a: 1\na: 2\n",                           # duplicate: the first counts
    b"---\na: 1\n---\nb: 2\n",                 # a second document
    b"", b"   \n", b"~\n", b"''\n",            # empty
    b"\xff\xfe", b"a: \xe9t\xe9\n",            # not UTF-8
    b"\xef\xbb\xbfa: 1\n",                     # a byte-order mark
    b"a:\n\t- 1\n",                            # tab indent
    b"a: [\n", b"a: 'open\n",                 # syntax
    b"? [a]\n: 1\n",                           # a key that is a list
    b"[" * 45 + b"1" + b"]" * 45 + b"\n",      # too deep
    b"a:\n" + b"".join(b"  " * i + b"- \n" for i in range(1, 5)),
    b"a: !!str 12\nb: '12'\nc: 12\nd: 2026-02-30\ne: yes\nf: 1_000\ng: .5\nh: -0\n",
    b"%YAML 1.1\n---\na: 1\n...\n",
    b"a: |\n  text\n  more\nb: >\n  folded\n  line\n",
    b"{a: 1, b: {c: [d, {e: f}]}}\n",
    b"- a\n- b\n", b"just words\n",
]


@pytest.mark.parametrize("raw", BROKEN_AND_ODD)
def test_values_are_those_of_the_located_parse(raw: bytes) -> None:
    doc, _problems = parse_bytes(raw, "r.yaml")
    expected = doc.data if doc is not None else None
    got = data_of_bytes(raw)
    assert got == expected
    assert type(got) is type(expected)


def test_a_file_over_the_limit_gives_nothing() -> None:
    raw = b"a: " + b"x" * 100 + b"\n"
    assert parse_bytes(raw, "r.yaml", max_bytes=50)[0] is None
    assert data_of_bytes(raw, max_bytes=50) is None
    assert data_of_bytes(raw, max_bytes=500) == {"a": "x" * 100}


def test_every_yaml_file_of_the_package_reads_the_same() -> None:
    files = [p for folder in ("tools", "records", "contracts")
             for p in (ROOT / folder).rglob("*.y*ml")]
    files += [ROOT / "supervision.yml", ROOT / "people.yml"]
    assert len(files) > 5
    for path in files:
        raw = path.read_bytes()
        doc, _problems = parse_bytes(raw, str(path))
        assert data_of_bytes(raw) == (doc.data if doc is not None else None), path


def test_every_form_filled_in_reads_the_same(any_repo) -> None:
    for kind, group in [("session", False), ("session", True), ("contract", False),
                        ("case-notes", False), ("qa-review", False),
                        ("chronology-entry", False)]:
        if any_repo.load_profile().form("example-school", kind, group) is None:
            continue  # not a form of this profile
        relpath, data = any_repo.filled(kind, group=group)
        raw = any_repo.write(relpath, data).read_bytes()
        doc, problems = parse_bytes(raw, relpath)
        assert doc is not None and not problems
        assert data_of_bytes(raw) == doc.data

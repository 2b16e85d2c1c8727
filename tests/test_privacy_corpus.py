"""Acceptance: the privacy guard on a labelled corpus of synthetic snippets.

Every snippet becomes the answer to a free-text question in a real record, written
three ways (a double-quoted line, a block under '|', and whatever PyYAML picks), and
the real `supervision check` reads them all. Recall must be 100% on valid identifiers
and deny-listed names, each finding must point at the exact line and column of what
it found, and at most 2% of clean snippets may raise anything.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import yaml

from conftest import git_env, make_repo, per_record, run_cli

CORPUS = Path(__file__).parent / "privacy_corpus.yaml"
MAX_FALSE_ALARM_RATE = 0.02


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _write(repo, index: int, text: str) -> str:
    from supervision.forms.scaffold import render

    day = dt.date(2026, 9, 1) + dt.timedelta(days=index)
    relpath, data = repo.filled("session", day=day.isoformat())
    mode = index % 3
    data["wellbeing"]["discussion"] = text + ("\nNothing else to add." if mode == 1 else "")
    if mode == 2:
        repo.write(relpath, yaml.safe_dump(data, sort_keys=False, allow_unicode=True,
                                           width=1000))
    else:  # as `supervision new` writes it: comments, quoted lines, '|' blocks
        loaded = repo.load_profile()
        profile = loaded.profile_for("example-school")
        form = profile.form_for("session")
        repo.write(relpath, render(form, profile, data, "schema.json"))
    return relpath


def test_recall_and_false_alarms_on_the_labelled_corpus(tmp_path: Path) -> None:
    corpus = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    snippets = corpus["snippets"]
    assert len(snippets) >= 200
    repo = make_repo(tmp_path / "corpus-repo", "agenda")
    deny = tmp_path / "pupils-export.csv"  # outside the repository, as in a school
    deny.write_text(corpus["deny_list_csv"], encoding="utf-8")
    env = git_env()
    env["SUPERVISION_DENY_LIST"] = str(deny)
    paths = [_write(repo, i, entry["text"]) for i, entry in enumerate(snippets)]

    result = run_cli("check", "--format", "json", "--no-cache", cwd=repo.root, env=env)
    findings = per_record(result.json())
    by_path: dict[str, list[dict]] = defaultdict(list)
    for f in findings:
        by_path[f["path"]].append(f)
    assert all(f["rule"].startswith("PRIVACY-") for f in findings), [
        f for f in findings if not f["rule"].startswith("PRIVACY-")]

    found_positive = total_positive = 0
    clean_flagged: list[str] = []
    lookalike_flagged: list[str] = []
    clean_total = lookalike_total = 0
    missed = []
    for entry, relpath in zip(snippets, paths, strict=True):
        got = by_path.get(relpath, [])
        if entry["expect"] == "clean":
            if entry.get("group") == "lookalike":
                lookalike_total += 1
                if got:
                    lookalike_flagged.append(entry["text"])
            else:
                clean_total += 1
                if got:
                    clean_flagged.append(entry["text"])
            continue
        total_positive += 1
        lines = (repo.root / relpath).read_text(encoding="utf-8").split("\n")
        pointed = [f for f in got if f["rule"] == entry["expect"]
                   and lines[f["line"] - 1][f["col"] - 1:].startswith(entry["value"])]
        if pointed:
            found_positive += 1
        else:
            missed.append((entry["expect"], entry["text"], got))

    recall = found_positive / total_positive
    clean_rate = len(clean_flagged) / clean_total
    lookalike_rate = len(lookalike_flagged) / lookalike_total
    print(f"\nprivacy corpus: {len(snippets)} snippets; recall {recall:.1%} "
          f"({found_positive}/{total_positive} identifiers and deny-listed names); "
          f"false alarms {clean_rate:.1%} on clean prose ({len(clean_flagged)}/{clean_total}), "
          f"{lookalike_rate:.1%} on look-alikes ({len(lookalike_flagged)}/{lookalike_total})")
    assert not missed, missed
    assert recall == 1.0
    assert clean_rate <= MAX_FALSE_ALARM_RATE, clean_flagged
    assert lookalike_rate <= MAX_FALSE_ALARM_RATE, lookalike_flagged

    # Nothing on the deny list reaches the output, in any spelling.
    output = _fold(result.out + result.err)
    from supervision.privacy.denylist import parse

    for name in parse(corpus["deny_list_csv"], is_csv=True):
        assert not re.search(rf"(?<!\w){re.escape(_fold(name))}(?!\w)", output), name
    text_result = run_cli("check", "--no-cache", cwd=repo.root, env=env)
    assert text_result.code == 1
    folded = _fold(text_result.out + text_result.err)
    for entry in snippets:
        if entry["expect"] != "clean":
            assert _fold(entry["value"]) not in folded, entry["value"]

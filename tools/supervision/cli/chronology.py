"""``supervision chronology``: what is still to enter on children's chronologies, and
``supervision chronology done PATH...``: record that it is entered.

The listing is for the DSL to copy into the school's safeguarding system (CPOMS,
MyConcern, RecordMy...): per case reference, each decision or action with its date, its
text and the record it is in. It is printed, never saved: it holds what was written in the
records. Which child a case reference is stays in the safeguarding system.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from supervision.cli import EXIT_OK, Refused, date_arg, known_id, open_repo, require_settings, today


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "chronology", parents=[common],
        help="decisions about children still to enter on their chronology; `done` records it",
        description="List, per case reference, every decision and action about a child in "
        "a session, case notes or informal note that is not yet recorded as entered on the "
        "child's chronology in the school's safeguarding system, with its date, its text and "
        "the record it is in. `supervision chronology done PATH...` then writes the "
        "chronology entry record for those records (the DSL signs it).",
    )
    p.add_argument("--school", metavar="ID", help="only this school's records")
    p.add_argument("--person", metavar="ID", help="only this supervisee's (DSL's) records")
    p.add_argument("--format", choices=("text", "csv", "json"), default="text",
                   help="text (default), csv (to open in a spreadsheet) or json")
    p.set_defaults(run=run_list)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    done = actions.add_parser(
        "done", parents=[common], help="record that these records' decisions are entered",
        description="Write a chronology entry record saying that the decisions and actions "
        "of these records still to enter are now on the children's chronologies (or, with "
        "--not-needed, why no entry is needed). Each record must be committed: the entry "
        "names the version you entered from. Never overwrites a file.")
    done.add_argument("paths", nargs="+", metavar="PATH", help="the records entered")
    done.add_argument("--date", type=date_arg, metavar="YYYY-MM-DD",
                      help="the day you entered them (default: today)")
    done.add_argument("--by", metavar="ID",
                      help="who entered them (default: the records' supervisee; needed for "
                      "a group session: one of its members)")
    done.add_argument("--not-needed", metavar="REASON",
                      help="no chronology entry is needed, for this reason")
    done.set_defaults(run=run_done)


# -- the listing ---------------------------------------------------------------------------
def _rows(repo: Any, items: list[Any]) -> list[dict[str, Any]]:
    from supervision.cli.pointing import value_at
    from supervision.forms.yamlparse import parse_file

    docs: dict[str, Any] = {}
    rows = []
    for item in items:
        rec = item.rec
        if rec.path not in docs:
            doc, _problems = parse_file(str(repo.root / rec.path), rec.path)
            docs[rec.path] = _readable(repo, doc)
        data = docs[rec.path]
        what, text = _describe(value_at(data, item.keypath), item.keypath, data)
        for ref in item.case_refs or ("",):
            rows.append({"case_ref": ref, "date": rec.day.isoformat(),
                         "due": item.due.isoformat() if item.due else "", "what": what,
                         "text": text, "record": rec.path, "place": item.place,
                         "supervisee": ", ".join(rec.supervisees)})
    rows.sort(key=lambda r: (r["case_ref"] or "~", r["date"], r["record"], r["place"]))
    return rows


def _readable(repo: Any, doc: Any) -> Any:
    """A record's answers as this person can read them: a sealed record they are not a
    reader of has the sentence saying so in place of each answer in words."""
    if doc is None or not isinstance(doc.data, dict) or "sealed" not in doc.data:
        return doc.data if doc is not None else None
    from supervision.sealing.versions import NOT_A_READER
    from supervision.sealing.view import is_sealed, readable_data
    from supervision.signing.signoff import form_of

    form = form_of(repo, doc.data)
    if form is None or not is_sealed(doc):
        return doc.data
    return readable_data(doc.data, form, NOT_A_READER)


def _describe(value: Any, keypath: tuple[Any, ...], data: Any) -> tuple[str, str]:
    """(what it is, its text) for one item, in words."""
    if isinstance(value, dict) and "decision" in value:
        reasons = f" (reasons: {str(value['reasons']).strip()})" if value.get("reasons") else ""
        return "decision", f"{str(value['decision']).strip()}{reasons}"
    if isinstance(value, dict) and "action" in value:
        extra = ", ".join(f"{label} {value[key]}" for key, label in
                          (("owner", "who:"), ("due", "by")) if value.get(key))
        return "action", str(value["action"]).strip() + (f" ({extra})" if extra else "")
    if value is True:  # a conversation about a child: a professionals' meeting
        summary = next((v for v in (data or {}).values()
                        if isinstance(v, str) and len(v) > 40), "")
        return "professionals' meeting", str(summary).strip()
    name = str(keypath[-1]).replace("_", " ") if keypath else "answer"
    return name, str(value or "").strip()


def run_list(args: argparse.Namespace) -> int:
    from supervision.cli.pointing import rule_context
    from supervision.deadlines.rules.chronology import outstanding
    from supervision.reporters import plural

    repo = open_repo(args)
    require_settings(repo, "listed")
    if args.school:
        known_id(args.school, list(repo.config.schools), "school", "supervision.yml")
    if args.person:
        known_id(args.person, list(repo.people), "person", "people.yml")
    day = today(args)
    items = [i for i in outstanding(rule_context(repo, day))
             if (not args.school or i.rec.school == args.school)
             and (not args.person or args.person in i.rec.supervisees)]
    rows = _rows(repo, items)
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return EXIT_OK
    if args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else [
            "case_ref", "date", "due", "what", "text", "record", "place", "supervisee"])
        writer.writeheader()
        writer.writerows(rows)
        return EXIT_OK
    if not rows:
        print(f"Nothing is waiting to go on a chronology ({day}).")
        return EXIT_OK
    children = len({r["case_ref"] for r in rows if r["case_ref"]})
    print(f"Still to enter on children's chronologies ({day}): {plural(len(items), 'item')}, "
          f"{plural(children, 'case reference')}.")
    shown = None
    for row in rows:
        if row["case_ref"] != shown:
            shown = row["case_ref"]
            print(f"\n{shown or 'No case reference (see the record)'}")
        due = f"  (due by {row['due']})" if row["due"] else ""
        print(f"  {row['date']}  {row['what']}{due}\n    {row['record']} ({row['place']})")
        for line in _wrap(row["text"]):
            print(f"    | {line}")
    paths = sorted({r["record"] for r in rows})
    print("\nOnce they are on the chronology, record it: supervision chronology done "
          + " ".join(paths[:3]) + (" ..." if len(paths) > 3 else ""))
    return EXIT_OK


def _wrap(text: str) -> list[str]:
    import textwrap

    return [line for para in text.splitlines() for line in (textwrap.wrap(para, 80) or [""])]


# -- done ---------------------------------------------------------------------------------
def run_done(args: argparse.Namespace) -> int:
    from supervision.cli.pointing import committed_record, rule_context, written
    from supervision.deadlines.rules.chronology import outstanding
    from supervision.forms.scaffold import RecordExists, write_new

    repo = open_repo(args)
    require_settings(repo, "written")
    if args.not_needed is not None and not args.not_needed.strip():
        raise Refused("--not-needed needs the reason no chronology entry is needed")
    day = args.date or today(args)
    chosen = [committed_record(repo, given) for given in args.paths]
    if len({path for path, _blob, _facts in chosen}) < len(chosen):
        raise Refused("the same record is named twice; nothing was written")
    waiting: dict[str, list[Any]] = {}
    for item in outstanding(rule_context(repo, day)):
        waiting.setdefault(item.rec.path, []).append(item)
    person = _who(repo, args.by, chosen)
    schools = {facts.get("school") for _path, _blob, facts in chosen}
    if len(schools) != 1:
        raise Refused("these records belong to different schools; nothing was written",
                      "Record one school's records at a time.")
    school = schools.pop()
    entries = []
    for relpath, blob, facts in chosen:
        if not facts.get("chronology_items"):
            raise Refused(f"{relpath} has no decisions or actions to enter on a chronology; "
                          "nothing was written",
                          "`supervision chronology` lists the records that have.")
        items = waiting.get(relpath, [])
        if not items:
            raise Refused(f"everything in {relpath} is already recorded as entered on the "
                          "chronology; nothing was written",
                          "`supervision chronology` lists what is still to enter.")
        entry: dict[str, Any] = {"record": relpath, "version": blob,
                                 "outcome": "not-needed" if args.not_needed else "entered"}
        if args.not_needed:
            entry["reason"] = args.not_needed.strip()
        entry["items"] = [{"id": i.id, "place": i.place} for i in items]
        entries.append(entry)
    form = repo.form(school, "chronology-entry")
    profile = repo.profile_for(school)
    if form is None or profile is None:
        raise Refused(f"the profile used by {school} has no chronology entry form",
                      "Add a `chronology-entry` form to the profile (see the built-in ones).")
    values = {"kind": "chronology-entry", "school": school, "date": day,
              "supervisee": person, "entries": entries}
    try:
        path = write_new(repo, form, profile, values)
    except RecordExists as exc:  # pragma: no cover - numbered kinds take the next free name
        raise Refused(f"{exc.relpath} already exists; nothing was written") from None
    relpath = repo.relative(path)
    print(written(path, f"Check it, then commit and sign it: supervision submit {relpath}"))
    return EXIT_OK


def _who(repo: Any, by: str | None, chosen: list[tuple[str, str, dict[str, Any]]]) -> str:
    """The supervisee who enters the decisions: the records' own (a member, for a group)."""
    people = [list(facts.get("supervisees") or ()) for _path, _blob, facts in chosen]
    if by is not None:
        known_id(by, list(repo.people), "person", "people.yml")
        for (path, _blob, _facts), members in zip(chosen, people, strict=True):
            if by not in members:
                raise Refused(f"{by} is not the supervisee of {path}; nothing was written",
                              "The supervisee of a record (the DSL) enters its decisions on "
                              "the chronology.")
        return by
    if any(len(members) != 1 for members in people):
        raise Refused("a group session has several members; say which of them entered its "
                      "decisions with --by ID")
    named = {members[0] for members in people}
    if len(named) != 1:
        raise Refused("these records are about different supervisees; nothing was written",
                      "Record each supervisee's records in a chronology entry of their own.")
    return named.pop()

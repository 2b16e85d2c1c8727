"""The index page and the JSON copy of a subject access export.

The index page (``index.html``, one self-contained page like ``supervision show``'s,
no script, nothing fetched) says whose records these are and when the copy was made,
lists every record by date and path with the person's part in it and where it stands,
says plainly what was left out and why (group records' written answers, earlier
versions kept in the history), lists the person's own sign-offs and what people.yml
holds about them. The JSON copy holds the same, with each record's answers (only
the person's part, for a part copy) and its audit trail.
"""

from __future__ import annotations

import html
import json
from typing import Any

from supervision.reading import words
from supervision.reading.html import CSS
from supervision.reading.subject_access import Export, Exported, person_entry
from supervision.reporters import plural

FORMAT_VERSION = 1


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _day(value: str | None) -> str:
    if not value:
        return "(no date)"
    return words.date_text(value[:10])


def _part(item: Exported) -> str:
    copy = "the whole record" if item.involvement.whole else "your part only"
    return f"{', '.join(item.involvement.roles)}: {copy}"


def what_is_left_out(export: Export) -> list[str]:
    """The sentences the index page (and the JSON copy) say about what is not here."""
    out = []
    groups = [r for r in export.part if r.form.key == "group-session"]
    if groups:
        out.append(f"{plural(len(groups), 'group record')}: "
                   "what was said in a group is about everyone in it, so the written answers "
                   "of group records are left out. Your own actions in them are kept, with "
                   "the dates, people, length, themes and status.")
    others = [r for r in export.part if r.form.key != "group-session"]
    if others:
        out.append(f"{plural(len(others), 'record')} about "
                   "other people that name you only in part (for example as the owner of an "
                   "action): only your part is included.")
    out.append("Each record is shown as it is now. The records' history (git) also keeps "
               "every earlier version and who changed it; each record's audit trail in "
               "export.json lists those changes (the names of the fields changed, not their "
               "text). Ask the records admin if you need an earlier version.")
    if any(r.deleted for r in export.records):
        out.append("Records deleted from the current records are included, marked as deleted: "
                   "the history still holds them.")
    if export.unreadable:
        out.append(f"{plural(len(export.unreadable), 'file')} holding your id could not be "
                   "read as records; they are listed below without their content. Ask the "
                   "records admin to correct them and make this copy again.")
    if not export.signing:
        out.append("This repository does not use signed sign-off yet, so there is no "
                   "sign-off history.")
    return out


def _table(head: list[str], rows: list[list[str]], caption: str) -> str:
    th = "".join(f'<th scope="col">{_e(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return (f"<table><caption>{_e(caption)}</caption><thead><tr>{th}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def index_html(export: Export, links: dict[str, str]) -> str:
    """The index page; ``links``: record path -> the file of its copy (relative)."""
    p = export.person
    title = f"Records about {p.name} ({p.id})"
    parts = [f"<header><h1>{_e(title)}</h1>"
             f'<p class="sub">{_e(export.organisation)}. Made on '
             f"{_e(words.long_date(export.made_on))}.</p></header>"]
    parts.append(f"<p>This copy holds {plural(len(export.records), 'record')} that name you: "
                 f"{len(export.whole)} in full and {len(export.part)} in part. Keep it as "
                 "safely as the records themselves.</p>")
    rows = []
    for item in export.records:
        link = links.get(item.path)
        name = f'<a href="{_e(link)}">{_e(item.form.title)}</a>' if link else _e(item.form.title)
        where = _e(item.status)
        rows.append([_e(_day(item.date)), name, f"<code>{_e(item.path)}</code>",
                     _e(_part(item)), where])
    parts.append(_table(["Date", "Record", "Path", "Your part", "Where it stands"], rows,
                        "The records"))
    parts.append("<h2>What is not in this copy, and why</h2><ul>" + "".join(
        f"<li>{_e(n)}</li>" for n in what_is_left_out(export)) + "</ul>")
    if export.unreadable:
        parts.append("<h2>Files that could not be read</h2><ul>" + "".join(
            f"<li><code>{_e(path)}</code></li>" for path in export.unreadable) + "</ul>")
    if export.signing:
        rows = [[_e(_day(s["date"])), f"<code>{_e(s['record'])}</code>", _e(s["role"]),
                 _e(s["version"][:10]), "yes" if s["counts"] else "no (see verify)"]
                for s in export.signoffs]
        parts.append("<h2>Your sign-offs</h2>")
        parts.append(_table(["Date", "Record", "As", "Version", "Counts"], rows,
                            "Every sign-off in your name, oldest first") if rows else
                     "<p>No sign-off in your name.</p>")
    entry = person_entry(p)
    parts.append("<h2>What people.yml holds about you</h2><dl>" + "".join(
        f"<div><dt>{_e(words.humanise(k))}</dt><dd>{_e(words.plain(v))}</dd></div>"
        for k, v in entry.items()) + "</dl>")
    return ('<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="robots" content="noindex, nofollow">\n'
            f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(parts) + "\n</main>\n</body>\n</html>\n")


def as_json(export: Export, links: dict[str, str]) -> str:
    """The JSON copy (UTF-8 text)."""
    records = []
    for item in export.records:
        records.append({
            "path": item.path, "title": item.form.title, "form": item.form.key,
            "date": item.date, "your_part": list(item.involvement.roles),
            "copy": item.involvement.copy, "status": item.status,
            "sign_off": item.document.signoff.summary, "notes": item.document.notes,
            "deleted": item.deleted, "file": links.get(item.path),
            "answers": item.answers, "history": item.history,
        })
    document: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "person": person_entry(export.person),
        "organisation": export.organisation,
        "made_on": export.made_on.isoformat(),
        "left_out": what_is_left_out(export),
        "records": records,
        "signoffs": export.signoffs,
        "unreadable": export.unreadable,
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"

"""The form page of `supervision edit` without a browser: Flask's test client, and the
page's <form> read the way a browser reads it (what each control would post).

Used by the tests that drive every field of every hand-written record through the
same code path the page posts to (tests/test_edit_form.py); the real browser tests
are in tests/test_edit.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

PORT = 8765
ORIGIN = f"http://127.0.0.1:{PORT}"


@dataclass
class Control:
    name: str
    kind: str  # text, textarea, hidden, date, time, radio, checkbox, select
    value: str = ""  # text-like: the value; radio/checkbox: the chosen values
    options: list[str] = field(default_factory=list)  # radio, checkbox, select
    chosen: list[str] = field(default_factory=list)  # radio, checkbox, select
    id: str = ""
    numeric: bool = False
    datalist: bool = False


class FormReader(HTMLParser):
    """The controls of <form id="record-form">, in page order, as a browser posts them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.controls: dict[str, Control] = {}
        self.order: list[str] = []
        self.buttons: list[tuple[str, str]] = []
        self.in_form = False
        self.textarea: Control | None = None
        self.select: Control | None = None
        self.option: str | None = None
        self.ids: dict[str, str] = {}  # element id -> text of its findings list
        self.findings: dict[str, list[str]] = {}
        self.list_id: str | None = None
        self.item: list[str] | None = None
        self.status = ""
        self.in_status = 0

    def control(self, name: str, kind: str) -> Control:
        if name not in self.controls:
            self.controls[name] = Control(name, kind)
            self.order.append(name)
        return self.controls[name]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "ul" and a.get("class") == "findings":
            self.list_id = a.get("id", "")[2:]
            self.findings.setdefault(self.list_id, [])
        if tag == "li" and self.list_id is not None:
            self.item = []
        if a.get("id") == "message":
            self.in_status = 1
        elif self.in_status and tag == "div":
            self.in_status += 1
        if tag == "form" and a.get("id") == "record-form":
            self.in_form = True
        if not self.in_form:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            c = self.control(name, kind)
            c.id = c.id or a.get("id", "")
            c.numeric = a.get("inputmode") == "numeric"
            c.datalist = bool(a.get("list"))
            if kind in ("radio", "checkbox"):
                c.options.append(a.get("value", "on"))
                if "checked" in a:
                    c.chosen.append(a.get("value", "on"))
            else:
                c.value = a.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = self.control(name, "textarea")
            self.textarea.id = a.get("id", "")
            self.textarea.value = ""
        elif tag == "select" and name:
            self.select = self.control(name, "select")
            self.select.id = a.get("id", "")
        elif tag == "option" and self.select is not None:
            self.option = a.get("value", "")
            self.select.options.append(self.option)
            if "selected" in a:
                self.select.chosen = [self.option]
        elif tag == "button" and name:
            self.buttons.append((name, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "li" and self.item is not None and self.list_id is not None:
            self.findings[self.list_id].append(" ".join("".join(self.item).split()))
            self.item = None
        elif tag == "ul":
            self.list_id = None
        elif tag == "div" and self.in_status:
            self.in_status -= 1

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.value += data
        if self.item is not None:
            self.item.append(data)
        if self.in_status:
            self.status += data

    def posted(self) -> list[tuple[str, str]]:
        """What submitting the form posts (without a button)."""
        out: list[tuple[str, str]] = []
        for name in self.order:
            c = self.controls[name]
            if c.kind in ("radio", "checkbox"):
                out += [(name, v) for v in c.chosen]
            elif c.kind == "select":
                out.append((name, c.chosen[0] if c.chosen else (c.options[0] if c.options
                                                                else "")))
            elif c.kind == "textarea":
                # the HTML parser drops the line break straight after <textarea>
                out.append((name, c.value[1:] if c.value.startswith("\n") else c.value))
            else:
                out.append((name, c.value))
        return out


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    reader.close()
    return reader


class Page:
    """One `supervision edit` page served by Flask's test client (no sockets)."""

    def __init__(self, root: Path, relpath: str, today: str = "2026-11-22",
                 submitter: Any = None, terminal_needed: bool = False) -> None:
        from supervision.editing.editor import Editor
        from supervision.editing.server import Access, create_app
        from supervision.repo import RecordsRepo

        self.root = root
        self.relpath = relpath
        self.editor = Editor(RecordsRepo.load(root), relpath, dt.date.fromisoformat(today),
                             submitter=submitter, terminal_needed=terminal_needed)
        self.access = Access()
        self.access.origin = ORIGIN
        self.done = 0
        self.app = create_app(self.editor, self.access, self._done, lambda: None)
        self.client = self.app.test_client()
        got = self.client.get(f"/?token={self.access.token}", base_url=ORIGIN)
        assert got.status_code == 303, got.status_code
        self.form = self.get()

    def _done(self) -> None:
        self.done += 1

    def close(self) -> None:
        self.editor.close()

    def get(self) -> FormReader:
        response = self.client.get("/", base_url=ORIGIN)
        assert response.status_code == 200
        self.html = response.get_data(as_text=True)
        self.form = read_form(self.html)
        return self.form

    def post(self, op: str, values: dict[str, str | list[str]] | None = None,
             form: FormReader | None = None) -> FormReader:
        """Submit the page's form with ``values`` changed, pressing the button ``op``."""
        form = form or self.form
        data = [(k, v) for k, v in form.posted() if k not in (values or {})]
        for name, value in (values or {}).items():
            data += [(name, v) for v in ([value] if isinstance(value, str) else value)]
        data.append(("op", op))
        from werkzeug.datastructures import MultiDict

        response = self.client.post("/", data=MultiDict(data), base_url=ORIGIN,
                                    headers={"Origin": ORIGIN})
        assert response.status_code == 200, response.status_code
        self.html = response.get_data(as_text=True)
        self.form = read_form(self.html)
        return self.form

    def text(self) -> str:
        return (self.root / self.relpath).read_text(encoding="utf-8")

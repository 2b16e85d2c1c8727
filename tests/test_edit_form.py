"""`supervision edit` without a browser: the page's HTML read as a browser reads it, and
posted back through Flask's test client, the same code path the page posts to.

The acceptance round trip: for every hand-written record of both profiles, each
control on the page is changed and saved on its own (the file's diff must touch
only that field's lines), then changed back (the parsed data must equal what it
was); then every control at once, and back.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo
from formpage import ORIGIN, Control, FormReader, Page
from supervision.editing.model import ROW, parse_name
from supervision.forms.yamlblocks import rewrite, same
from supervision.forms.yamlparse import KeyPath, parse_text
from test_handwritten_records import PATHS, PROFILES, fixture_path

CASES = sorted(PATHS)
SPECIAL = ("__version", "__fields")
#: Forms with nothing a person types on the page: a chronology entry is written by
#: `supervision chronology done`, and every field of it is shown as fixed text.
NOTHING_TO_TYPE = frozenset({"chronology-entry"})


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for profile in PROFILES:
        root = make_repo(tmp_path_factory.mktemp(f"edit-{profile}") / "repo", profile).root
        for (of_profile, form), relpath in PATHS.items():
            if of_profile == profile:
                (root / relpath).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(fixture_path(profile, form), root / relpath)
        out[profile] = root
    return out


def esc(text: str) -> str:
    """``text`` as the page's templates write it (Jinja2's escaping)."""
    from markupsafe import escape

    return str(escape(text))


def _data(text: str) -> Any:
    doc, problems = parse_text(text, "x.yaml")
    assert doc is not None and not problems
    return doc


def leaves(form: FormReader) -> list[Control]:
    """The controls a person can change (not the hidden bookkeeping ones)."""
    return [form.controls[n] for n in form.order
            if n not in SPECIAL and not n.endswith("." + ROW)
            and form.controls[n].kind != "hidden"]


def changed(c: Control) -> list[str] | None:
    """A different answer for the control (None: it has no other)."""
    if c.kind == "textarea":
        value = c.value[1:] if c.value.startswith("\n") else c.value
        if not value:
            return ["An answer typed on the page."]
        # one line stays one line, several stay several: changing back is then exact
        return [value + ("\nOne more line, typed on the page." if "\n" in value
                         else " (changed on the page)")]
    if c.kind == "date":
        return ["2026-12-02" if c.value != "2026-12-02" else "2026-12-03"]
    if c.kind == "time":
        return ["09:05" if c.value != "09:05" else "10:10"]
    if c.kind in ("radio", "select"):
        others = [o for o in c.options if o and o not in c.chosen]
        return [others[0]] if others else None
    if c.kind == "checkbox":
        unticked = [o for o in c.options if o not in c.chosen]
        return c.chosen + unticked[:1] if unticked else c.chosen[:-1]
    if c.datalist:  # a case reference
        return ["C-2B3C4D" if c.value != "C-2B3C4D" else "C-3C4D5F"]
    if c.numeric:
        return [str(int(c.value) + 1) if c.value.isdigit() else "5"]
    return [c.value + " (changed)" if c.value else "Typed on the page"]


def original(c: Control) -> list[str]:
    if c.kind in ("radio", "checkbox"):
        return list(c.chosen)
    if c.kind == "select":
        return c.chosen[:1] or [""]
    if c.kind == "textarea":
        return [c.value[1:] if c.value.startswith("\n") else c.value]
    return [c.value]


def owners(doc: Any) -> list[set[KeyPath]]:
    """For each line, the key paths that start on it (or, for a line where none
    starts, the one whose value it continues)."""
    lines = doc.text.split("\n")
    starts: list[set[KeyPath]] = [set() for _ in lines]
    for kp, (line, _col) in doc.positions.items():
        if kp and line <= len(lines):
            starts[line - 1].add(kp)
    out, current = [], set()
    for here in starts:
        current = here or current
        out.append(current)
    return out


def touched_only(before: str, after: str, field: KeyPath) -> None:
    """Every line that changed (old or new) belongs to ``field`` or a part of it."""
    old, new = _data(before), _data(after)
    old_owners, new_owners = owners(old), owners(new)

    def mine(keys: set[KeyPath]) -> bool:
        return any(kp[:len(field)] == field for kp in keys)

    # A field the file did not have may also rewrite the one line its nearest existing
    # ancestor starts on (a flow mapping such as "- {action: ..., owner: ...}").
    ancestor = field
    while ancestor and ancestor not in old.positions:
        ancestor = ancestor[:-1]
    own_line = old.positions[ancestor][0] - 1 if ancestor != field and ancestor else None
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
            None, before.split("\n"), after.split("\n"), autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        for i in range(i1, i2):
            assert mine(old_owners[i]) or i == own_line, (field, before.split("\n")[i])
        for j in range(j1, j2):
            assert mine(new_owners[j]), (field, after.split("\n")[j])


@pytest.mark.parametrize(("profile", "form"), CASES)
def test_every_field_round_trips_through_the_page(repos, profile: str, form: str) -> None:
    root, relpath = repos[profile], PATHS[profile, form]
    page = Page(root, relpath)
    try:
        start = page.text()
        start_data = _data(start).data
        controls = leaves(page.form)
        if form in NOTHING_TO_TYPE:
            assert not controls
            return
        assert len(controls) >= 6
        for c in controls:
            page.get()
            before = page.text()
            value = changed(page.form.controls[c.name])
            if value is None:
                continue
            page.post("save", {c.name: value})
            after = page.text()
            assert not same(_data(after).data, _data(before).data), c.name
            touched_only(before, after, _field_of(c.name))
            page.get()
            page.post("save", {c.name: original(c)})
            assert same(_data(page.text()).data, _data(before).data), c.name
        assert same(_data(page.text()).data, start_data)
    finally:
        page.close()


def _field_of(name: str) -> KeyPath:
    return parse_name(name)


@pytest.mark.parametrize(("profile", "form"), CASES)
def test_every_field_at_once_and_back(repos, profile: str, form: str) -> None:
    root, relpath = repos[profile], PATHS[profile, form]
    page = Page(root, relpath)
    try:
        start = page.text()
        controls = leaves(page.form)
        if form in NOTHING_TO_TYPE:
            assert not controls
            return
        new = {c.name: v for c in controls if (v := changed(c)) is not None}
        page.post("save", new)
        assert not same(_data(page.text()).data, _data(start).data)
        page.get()
        page.post("save", {c.name: original(c) for c in controls})
        assert same(_data(page.text()).data, _data(start).data)
    finally:
        page.close()


@pytest.mark.parametrize(("profile", "form"), CASES)
def test_saving_untouched_changes_nothing(repos, profile: str, form: str) -> None:
    root, relpath = repos[profile], PATHS[profile, form]
    before = (root / relpath).read_bytes()
    page = Page(root, relpath)
    try:
        page.post("save")
        assert (root / relpath).read_bytes() == before
        assert "Nothing had changed" in page.form.status
    finally:
        page.close()


# -- what the page offers and refuses ----------------------------------------------------
def fictional_upn() -> str:
    """A UPN with a correct check letter and LA code (the guard's test), invented here."""
    from stdnum.gb import upn

    body = "801" + "26" + "4410" + "937"
    number = upn.calc_check_digit(body) + body
    assert upn.is_valid(number)
    return number


@pytest.fixture
def blank_session(tmp_path: Path) -> tuple[Path, str]:
    """A repository with the agenda contract and a blank one-to-one session (as `new`)."""
    repo = make_repo(tmp_path / "repo", "agenda")
    contract = PATHS["agenda", "contract"]
    (repo.root / contract).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(fixture_path("agenda", "contract"), repo.root / contract)
    made = repo.cli("new", "session", "--supervisee", "dsl-sample", "--date", "2026-11-16")
    assert made.code == 0, made.err
    return repo.root, PATHS["agenda", "session"]


def test_findings_show_beside_their_fields_and_never_echo_what_was_typed(blank_session):
    root, relpath = blank_session
    page = Page(root, relpath)
    try:
        upn = fictional_upn()
        page.post("check", {"wellbeing.discussion": f"The pupil's number {upn} came up.",
                            "duration_minutes": "60"})
        found = page.form.findings
        assert any("a Unique Pupil Number (UPN) is written in" in f and "(PRIVACY-UPN)" in f
                   for f in found["f-wellbeing-discussion"]), found
        assert any("is empty" in f and "(SCHEMA-REQUIRED)" in f
                   for f in found["f-training-discussion"]), found
        assert upn not in page.html.replace(f"{upn} came up", "")  # only in the text box
        # the check never wrote the file
        assert "came up" not in page.text()
        data = page.editor.check_json({**_posted(page.form), "op": ["check"]})
        assert all(upn not in str(f) for f in data["findings"])
        targets = {f["target"] for f in data["findings"]}
        assert {"f-wellbeing-discussion", "f-training-discussion"} <= targets
    finally:
        page.close()


def _posted(form: FormReader) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in form.posted():
        out.setdefault(name, []).append(value)
    return out


def test_the_file_changed_meanwhile_save_refuses_and_keeps_the_answers(blank_session):
    root, relpath = blank_session
    page = Page(root, relpath)
    try:
        path = root / relpath
        path.write_text(path.read_text() + "# someone else was here\n")
        on_disk = path.read_bytes()
        page.post("save", {"wellbeing.discussion": "Typed before the other change."})
        assert path.read_bytes() == on_disk
        assert "changed this file since you opened it" in page.form.status
        assert "your answers are kept on the page" in page.form.status
        assert page.form.controls["wellbeing.discussion"].value.strip() == \
            "Typed before the other change."
        assert ("op", "reload") in page.form.buttons
        page.post("save")  # still refused: the page is still the old version
        assert path.read_bytes() == on_disk
        page.post("reload")
        assert "someone else was here" in page.text()
        page.post("save", {"wellbeing.discussion": "Now it saves."})
        assert "Now it saves." in page.text() and "someone else was here" in page.text()
    finally:
        page.close()


def test_rows_are_added_and_removed_with_the_buttons(blank_session):
    root, relpath = blank_session
    page = Page(root, relpath)
    try:
        before = page.text()
        page.post("add:wellbeing.actions")
        page.post("add:wellbeing.actions")
        assert page.form.controls["wellbeing.actions.1.status"].chosen == ["open"]
        assert 'autofocus' in page.html
        page.post("remove:wellbeing.actions.0", {
            "wellbeing.actions.0.action": "Gone again",
            "wellbeing.actions.1.action": "Ask for cover on Fridays",
            "wellbeing.actions.1.owner": "deputy-sample",
            "wellbeing.actions.1.due": "2026-12-04"})
        assert "wellbeing.actions.1.action" not in page.form.controls
        assert page.form.controls["wellbeing.actions.0.action"].value.strip() == \
            "Ask for cover on Fridays"
        page.post("save")
        saved = _data(page.text()).data
        assert saved["wellbeing"]["actions"] == [{"action": "Ask for cover on Fridays",
                                                  "owner": "deputy-sample",
                                                  "due": "2026-12-04", "status": "open"}]
        touched_only(before, page.text(), ("wellbeing", "actions"))
        page.post("remove:wellbeing.actions.0")
        page.post("save")
        assert _data(page.text()).data["wellbeing"]["actions"] == []
    finally:
        page.close()


def test_a_new_case_reference_is_issued_and_used_ones_are_offered(blank_session):
    root, relpath = blank_session
    page = Page(root, relpath)
    try:
        page.post("add:case_management.cases")
        page.post("caseref:case_management.cases.0.case_ref")
        ref = page.form.controls["case_management.cases.0.case_ref"].value
        import re

        assert re.fullmatch(r"C-[0-9A-HJ-NP-Z]{6}", ref)
        assert "never here" in page.form.status
        page.post("save", {"case_management.cases.0.case_status": "CiN"})
        assert _data(page.text()).data["case_management"]["cases"] == [
            {"case_ref": ref, "case_status": "CiN"}]
        page.get()
        assert f'<option value="{ref}">' in page.html
    finally:
        page.close()


def test_the_review_of_last_sessions_actions_is_prefilled(blank_session):
    root, relpath = blank_session
    earlier = "records/example-school/2026-27/dsl-sample/2026-10-12-session.yaml"
    shutil.copyfile(root / relpath, root / earlier)
    text = (root / earlier).read_text().replace("date: 2026-11-16", "date: 2026-10-12")
    text = text.replace("  actions: []\n# Personal", "  actions:\n    - action: Book the "
                        "refresher\n      status: open\n    - action: Already done\n"
                        "      status: done\n# Personal", 1)
    (root / earlier).write_text(text)
    (root / relpath).unlink()
    assert run_new(root) == 0
    # `new` copied it in; empty it, and the page copies it again (not saved yet)
    path = root / relpath
    doc = _data(path.read_text())
    assert [r["action"] for r in doc.data["previous_actions"]["review"]] == \
        ["Book the refresher"]
    emptied = {**doc.data, "previous_actions": {**doc.data["previous_actions"], "review": []}}
    path.write_text(rewrite(doc.text, doc, emptied))
    assert "Book the refresher" not in path.read_text()
    page = Page(root, relpath)
    try:
        assert page.form.controls["previous_actions.review.0.action"].value.strip() == \
            "Book the refresher"
        assert "previous_actions.review.1.action" not in page.form.controls
        assert "Copied from the open actions of the last session" in page.html
        assert "Book the refresher" not in path.read_text()
        page.post("save", {"previous_actions.review.0.outcome": "done"})
        assert _data(path.read_text()).data["previous_actions"]["review"] == [
            {"action": "Book the refresher", "outcome": "done"}]
    finally:
        page.close()


def run_new(root: Path) -> int:
    from conftest import run_cli

    return run_cli("new", "session", "--supervisee", "dsl-sample", "--date", "2026-11-16",
                   cwd=root).code


@pytest.mark.parametrize("profile", PROFILES)
def test_contract_clauses_start_with_the_policys_wording(tmp_path: Path, profile: str):
    repo = make_repo(tmp_path / "repo", profile)
    made = repo.cli("new", "contract", "--supervisee", "dsl-sample", "--supervisor",
                    "deputy-sample", "--date", "2026-09-07")
    assert made.code == 0, made.err
    relpath = PATHS[profile, "contract"]
    from supervision.repo import RecordsRepo

    form = RecordsRepo.load(repo.root).form("example-school", "contract")
    page = Page(repo.root, relpath)
    try:
        clause = next(f for f in form.fields if f.name == "cancellation")
        assert page.form.controls["cancellation"].value.strip() == clause.guidance
        # a core field's guidance ("For example DSL, ...") is help, not a clause
        assert page.form.controls["supervisee_role"].value == ""
        assert esc("policy's wording") in page.html
        page.post("save")
        assert _data(page.text()).data["cancellation"].strip() == clause.guidance
    finally:
        page.close()


def test_an_answer_the_form_cannot_show_is_kept_as_it_is(blank_session):
    root, relpath = blank_session
    path = root / relpath
    path.write_text(path.read_text().replace("duration_minutes:\n",
                                             "duration_minutes: [60, 30]\nodd_extra: kept\n"))
    before = path.read_text()
    page = Page(root, relpath)
    try:
        assert "duration_minutes" not in page.form.controls
        assert "cannot be changed here" in page.html and "odd_extra" in page.html
        page.post("save", {"wellbeing.discussion": "Something."})
        data = _data(page.text()).data
        assert data["duration_minutes"] == [60, 30] and data["odd_extra"] == "kept"
        touched_only(before, page.text(), ("wellbeing", "discussion"))
    finally:
        page.close()


def test_a_file_that_is_not_readable_yaml_is_explained(blank_session):
    root, relpath = blank_session
    (root / relpath).write_text("kind: session\n  bad: [\n")
    page = Page(root, relpath)
    try:
        assert "cannot be opened as a form" in page.html
        assert "record-form" not in page.html
    finally:
        page.close()


@pytest.mark.parametrize(("profile", "form"), CASES)
def test_every_form_renders_blank_with_a_control_for_every_field(tmp_path, profile, form):
    from supervision.editing.model import fixed_fields, shown_fields
    from supervision.forms.scaffold import render
    from supervision.repo import RecordsRepo

    repo = make_repo(tmp_path / "repo", profile)
    loaded = RecordsRepo.load(repo.root)
    definition = loaded.profile_for("example-school").forms[form]
    data = _data(fixture_path(profile, form).read_text()).data
    header = {f.name: data[f.name] for f in definition.fields if f.name in
              fixed_fields(definition) and f.name in data}
    relpath = PATHS[profile, form]
    (repo.root / relpath).parent.mkdir(parents=True, exist_ok=True)
    (repo.root / relpath).write_text(render(definition, loaded.profile_for("example-school"),
                                            header, "schema.json"))
    page = Page(repo.root, relpath)
    try:
        for f in shown_fields(definition, header):
            if f.name not in fixed_fields(definition):
                assert f'id="f-{f.name}"' in page.html, f.name
        assert esc(definition.title) in page.html
    finally:
        page.close()


def test_only_the_token_then_the_cookie_opens_the_page(blank_session):
    from supervision.editing.server import Access, create_app

    root, relpath = blank_session
    page = Page(root, relpath)
    try:
        fresh = create_app(page.editor, page.access, lambda: None, lambda: None).test_client()
        assert fresh.get("/", base_url=ORIGIN).status_code == 403
        assert fresh.get("/static/edit.css", base_url=ORIGIN).status_code == 403
        assert fresh.get("/?token=wrong", base_url=ORIGIN).status_code == 403
        other = Access()
        assert fresh.get(f"/?token={other.token}", base_url=ORIGIN).status_code == 403
        got = fresh.get(f"/?token={page.access.token}", base_url=ORIGIN)
        assert got.status_code == 303 and got.headers["Location"] == "/"
        cookie = got.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        assert page.access.token not in cookie
        shown = fresh.get("/", base_url=ORIGIN)
        assert shown.status_code == 200
        for response in (shown, fresh.get("/static/edit.js", base_url=ORIGIN)):
            assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
            assert response.headers["Cache-Control"] == "no-store"
        # another Host (DNS rebinding) is refused even with the cookie
        assert fresh.get("/", base_url="http://attacker.example:8765").status_code == 403
        # a POST needs the page's own Origin
        for origin in (None, "http://evil.example", "http://127.0.0.1:1"):
            headers = {"Origin": origin} if origin else {}
            posted = fresh.post("/", data={"op": "save"}, base_url=ORIGIN, headers=headers)
            assert posted.status_code == 403, origin
            assert fresh.post("/check", data={}, base_url=ORIGIN,
                              headers=headers).status_code == 403
        assert fresh.post("/alive", base_url=ORIGIN,
                          headers={"Origin": ORIGIN}).status_code == 204
    finally:
        page.close()


def test_done_stops_but_asks_first_when_answers_are_not_saved(blank_session):
    root, relpath = blank_session
    page = Page(root, relpath)
    try:
        page.post("done", {"wellbeing.discussion": "Not saved yet."})
        assert page.done == 0 and ("op", "done-anyway") in page.form.buttons
        assert "not saved" in page.form.status
        page.post("done-anyway")
        assert page.done == 1 and "You can close this tab" in page.html
    finally:
        page.close()


def test_submit_says_use_the_terminal_where_gpg_cannot_ask_here(blank_session):
    root, relpath = blank_session
    page = Page(root, relpath, terminal_needed=True)
    try:
        assert ("op", "submit") not in page.form.buttons
        assert f"supervision submit {relpath}" in page.html
    finally:
        page.close()


def test_pinentry_detection(tmp_path: Path) -> None:
    from supervision.editing import pinentry

    conf = tmp_path / "gnupg"
    conf.mkdir()
    (conf / "gpg-agent.conf").write_text("pinentry-program /usr/bin/pinentry-curses\n")
    env = {"GNUPGHOME": str(conf), "PATH": "/usr/bin:/bin", "DISPLAY": ":0"}
    assert pinentry.configured_program(env) == "/usr/bin/pinentry-curses"
    assert not pinentry.is_graphical("/usr/bin/pinentry-curses", env)
    assert not pinentry.is_graphical("pinentry-tty", env)
    assert pinentry.is_graphical("pinentry-gnome3", {"WAYLAND_DISPLAY": "wayland-0"})
    assert not pinentry.is_graphical("pinentry-gnome3", {})
    for platform in ("win32", "darwin"):
        assert not pinentry.terminal_needed(tmp_path, env, platform)
    assert pinentry.terminal_needed(tmp_path, env, "linux")  # no key set up here


@pytest.mark.parametrize("profile", ["agenda", "reflective"])
def test_what_only_the_tools_write_is_shown_but_not_edited(profile: str) -> None:
    """A chronology entry's records and versions, and an escalation's disputed record,
    are written by `supervision chronology done` and `supervision escalate`: the page
    shows them as text and never posts them back."""
    from supervision.editing.model import fixed_fields
    from supervision.forms.definition import load_profile

    loaded, problems = load_profile(profile)
    assert loaded is not None and not problems
    forms = loaded.forms
    assert "entries" in fixed_fields(forms["chronology-entry"])
    escalation = fixed_fields(forms["escalation"])
    assert "disputed" in escalation and "resolution" not in escalation

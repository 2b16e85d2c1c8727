"""`supervision edit` in a real browser: Debian's Chromium driven by Playwright, against
the real command started as a subprocess (its address read from its output).

A one-to-one session of each profile is filled in entirely on the page (choices,
dates, rows added with the buttons, a case reference), a missing answer and a pupil
number typed into a text box are each shown beside their field, fixed, saved, and
`supervision check` is then clean and the YAML holds exactly what was typed. The
page makes no request to another host; the server refuses requests without the
token or with a foreign Origin, listens on 127.0.0.1 only, refuses to overwrite a
file changed meanwhile, signs with "Submit and sign", and stops on Done, SIGTERM
and when idle. A screenshot of a filled form is written to build/edit-form.png.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import SUPERVISION, git_env, make_repo, run_cli
from supervision.forms.yamlparse import parse_text
from test_handwritten_records import PATHS, fixture_path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--lang=en-GB"]
SCREENSHOT = ROOT / "build" / "edit-form.png"
SESSION = "records/example-school/2026-27/dsl-sample/2026-11-16-session.yaml"


@dataclass
class Server:
    proc: subprocess.Popen[str]
    url: str
    output: list[str]
    ended: tuple[int, str, str] | None = None

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 0)

    def finish(self, timeout: float = 30) -> tuple[int, str]:
        """Wait for the process to end: its exit code and everything it printed."""
        if self.ended is None:
            rest = self.proc.stdout.read() if self.proc.stdout else ""  # incl. what is buffered
            out, err = self.proc.communicate(timeout=timeout)
            out = rest + out
            self.ended = (self.proc.returncode, "".join(self.output) + out, err)
        return self.ended[0], self.ended[1]

    @property
    def stderr(self) -> str:
        return self.ended[2] if self.ended else ""


@contextlib.contextmanager
def serving(root: Path, relpath: str, *extra: str, env: dict[str, str] | None = None,
            args: tuple[str, ...] | None = None) -> Iterator[Server]:
    """`supervision edit PATH --no-browser` as a real process; stopped with SIGTERM."""
    command = [SUPERVISION, *(args or ("edit", relpath, "--no-browser", *extra))]
    proc = subprocess.Popen(command, cwd=root, env=env or git_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    output: list[str] = []
    url = ""
    while not url:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError("no address printed: " + "".join(output) +
                                 (proc.stderr.read() if proc.stderr else ""))
        output.append(line)
        if line.startswith("http://"):
            url = line.strip()
    server = Server(proc, url, output)
    try:
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code, said = server.finish()
        assert code == 0, said + server.stderr
        assert "Stopped" in said and "Traceback" not in server.stderr, said + server.stderr


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert Path(CHROMIUM).is_file(), (
        "Debian's chromium is needed for this test: apt-get install chromium "
        "(.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="sv-chromium-", dir="/tmp")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS,
                viewport={"width": 1280, "height": 900}, locale="en-GB",
                env={**os.environ, "LANGUAGE": "en_GB", "LANG": "en_GB.UTF-8"})
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class FormPage:
    """The page, with every request and console error it caused."""

    def __init__(self, context: Any, server: Server) -> None:
        self.server = server
        self.page = context.new_page()
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.problems.append(m.text)
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.goto(server.url, wait_until="networkidle")
        assert self.page.url == server.origin + "/"  # the token is gone from the address

    def field(self, name: str) -> Any:
        return self.page.locator(f'[name="{name}"]').first

    def fill(self, name: str, value: str) -> None:
        self.field(name).fill(value)

    def choose(self, name: str, value: str) -> None:
        self.page.locator(f'input[name="{name}"][value="{value}"]').check()

    def select(self, name: str, value: str) -> None:
        self.page.locator(f'select[name="{name}"]').select_option(value)

    def press(self, op: str) -> None:
        """Press a button and wait until the page has been updated from the server."""
        before = int(self.page.locator("html").get_attribute("data-swapped") or 0)
        self.page.locator(f'button[name="op"][value="{op}"]:not(.default-button)').click()
        # (a selector, not a script: the page's CSP forbids evaluating strings)
        self.page.wait_for_selector(f'html[data-swapped="{before + 1}"]', state="attached")

    def blur_check(self, name: str) -> None:
        """Leave a field: the page checks the answers in the background.

        Waits until no check is due or in flight, not for the next answer to come
        back: a check sent before the field was left may answer first, with
        findings from before the change.
        """
        html = self.page.locator("html")
        before = int(html.get_attribute("data-checked") or 0)
        self.field(name).blur()
        assert html.get_attribute("data-checking"), "leaving a changed field sent no check"
        self.page.wait_for_selector("html:not([data-checking])", state="attached")
        assert int(html.get_attribute("data-checked") or 0) > before

    def findings(self, name: str) -> str:
        control = self.field(name).get_attribute("id")
        return self.page.locator(f"#e-{control}").inner_text()

    def message(self) -> str:
        return self.page.locator("#message").inner_text()

    def close(self) -> None:
        others = sorted({u for u in self.requests if not u.startswith(self.server.origin + "/")})
        self.page.close()
        assert others == [], others
        assert self.problems == [], self.problems  # a CSP violation is a console error


def screenshot(page: Any, top: str, height: int) -> None:
    """build/edit-form.png: the form from ``top`` down, on a laptop screen."""
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": height})
    page.locator(top).scroll_into_view_if_needed()
    page.locator(top).evaluate("e => e.scrollIntoView()")
    page.mouse.wheel(0, -24)
    page.wait_for_timeout(100)
    page.screenshot(path=str(SCREENSHOT))
    page.set_viewport_size({"width": 1280, "height": 900})


def fictional_upn() -> str:
    from stdnum.gb import upn

    body = "801" + "26" + "4410" + "937"
    number = upn.calc_check_digit(body) + body
    assert upn.is_valid(number)
    return number


def records_repo(base: Path, profile: str) -> Path:
    """A repository with the profile's hand-written contract and a blank session (`new`)."""
    repo = make_repo(base / f"{profile}-repo", profile)
    contract = PATHS[profile, "contract"]
    (repo.root / contract).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(fixture_path(profile, "contract"), repo.root / contract)
    made = repo.cli("new", "session", "--supervisee", "dsl-sample", "--date", "2026-11-16")
    assert made.code == 0, made.err
    return repo.root


def data_of(path: Path) -> Any:
    doc, problems = parse_text(path.read_text(encoding="utf-8"), path.name)
    assert doc is not None and not problems, problems
    return doc.data


def put(data: dict[str, Any], name: str, value: Any) -> None:
    parts: list[Any] = [int(p) if p.isdigit() else p for p in name.split(".")]
    target: Any = data
    for part in parts[:-1]:
        target = target[part]
    if isinstance(target, list) and parts[-1] == len(target):
        target.append(value)  # a row added on the page
    else:
        target[parts[-1]] = value


def clean(value: Any) -> Any:
    """Free text compared without its last line break (a block of text ends with one)."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value.rstrip("\n") if isinstance(value, str) else value


def check_clean(root: Path, relpath: str) -> None:
    result = run_cli("check", "--format", "json", relpath, cwd=root)
    assert (result.code, result.json()) == (0, []), result.out + result.err


# -- filling in a session ------------------------------------------------------------------
def test_agenda_session_filled_in_on_the_page(browser, tmp_path: Path) -> None:
    root = records_repo(tmp_path, "agenda")
    path = root / SESSION
    expected = data_of(path)
    upn = fictional_upn()
    with serving(root, SESSION) as server:
        form = FormPage(browser, server)
        typed: dict[str, Any] = {}

        def answer(name: str, value: str, saved: Any = None) -> None:
            form.fill(name, value)
            typed[name] = value if saved is None else saved

        answer("duration_minutes", "60", 60)
        form.page.locator('input[name="themes"][value="neglect"]').check()
        form.page.locator('input[name="themes"][value="workload"]').check()
        typed["themes"] = ["neglect", "workload"]
        form.press("add:added_topics")
        answer("added_topics.0", "Cover while the DSL is on the refresher course")
        answer("previous_actions.discussion", "The first session under this contract: no "
               "actions to review.")
        form.press("add:case_management.cases")
        form.press("caseref:case_management.cases.0.case_ref")
        ref = form.field("case_management.cases.0.case_ref").input_value()
        assert ref.startswith("C-") and len(ref) == 8
        form.select("case_management.cases.0.case_status", "CP Plan")
        typed["case_management.cases"] = [{"case_ref": ref, "case_status": "CP Plan"}]
        discussion = (f"{ref}: attendance has dropped since half term.\n"
                      "The DSL will ask for the review conference to be brought forward.")
        answer("case_management.discussion", discussion)
        form.press("add:case_management.decisions")
        form.fill("case_management.decisions.0.decision", "Ask for an earlier review conference")
        form.press("check")  # the policy wants each decision's reasons
        said = form.page.locator("#e-r-case_management-decisions-0").inner_text()
        assert "has no reasons" in said and "DECISION-NO-REASON" in said, said
        screenshot(form.page, "#f-case_management", height=1000)
        form.fill("case_management.decisions.0.reasons", "Attendance and home conditions "
                  "have both got worse.")
        typed["case_management.decisions"] = [
            {"decision": "Ask for an earlier review conference",
             "reasons": "Attendance and home conditions have both got worse."}]
        form.press("add:case_management.actions")
        form.press("add:case_management.actions")
        rows = [("Email the social worker about the conference", "dsl-sample", "2026-11-27",
                 "open"),
                ("Add the case to the daily attendance check", "ddsl-sample", "2026-11-25",
                 "done")]
        for index, (action, owner, due, status) in enumerate(rows):
            form.fill(f"case_management.actions.{index}.action", action)
            form.select(f"case_management.actions.{index}.owner", owner)
            form.fill(f"case_management.actions.{index}.due", due)
            form.select(f"case_management.actions.{index}.status", status)
        typed["case_management.actions"] = [
            {"action": a, "owner": o, "due": d, "status": s} for a, o, d, s in rows]
        # a pupil number typed into a free-text answer: found when leaving the field
        form.fill("wellbeing.discussion", f"Workload is heavy; the transfer file for {upn} "
                  "took a whole afternoon.")
        form.blur_check("wellbeing.discussion")
        said = form.findings("wellbeing.discussion")
        assert "Unique Pupil Number" in said and "PRIVACY-UPN" in said, said
        assert upn not in said and upn not in form.page.locator("#check-summary").inner_text()
        answer("wellbeing.discussion", "Workload is heavy; a transfer file took a whole "
               "afternoon.")
        form.choose("immediate_risk.raised", "no")
        typed["immediate_risk.raised"] = False
        form.choose("immediate_risk.referral", "none")
        typed["immediate_risk.referral"] = "none"
        answer("next_meeting.date", "2027-01-18")
        answer("next_meeting.time", "15:30")
        # a missing answer: the training discussion, found by "Check answers"
        form.press("check")
        said = form.findings("training.discussion")
        assert "is empty" in said and "SCHEMA-REQUIRED" in said, said
        assert form.findings("wellbeing.discussion") == ""  # fixed
        assert "1 error" in form.message(), form.message()
        answer("training.discussion", "The refresher is booked for the summer term.")
        form.press("save")
        assert "finds no problems" in form.message(), form.message()
        form.close()
    check_clean(root, SESSION)
    for name, value in typed.items():
        put(expected, name, value)
    assert clean(data_of(path)) == clean(expected)


def test_reflective_session_filled_in_on_the_page(browser, tmp_path: Path) -> None:
    root = records_repo(tmp_path, "reflective")
    path = root / SESSION
    expected = data_of(path)
    with serving(root, SESSION) as server:
        form = FormPage(browser, server)
        page = form.page
        typed: dict[str, Any] = {}
        # every free-text answer the session needs, in the page's order
        skip = {"disagreement", "immediate_risk.action"}
        areas = page.locator("textarea")
        for index in range(areas.count()):
            name = areas.nth(index).get_attribute("name")
            if name in skip or areas.nth(index).input_value():
                continue
            text = f"Answer {index + 1}, typed on the page."
            if name == "cases.0.analysis":
                text = "Two lines about the first child.\nThe second line."
            areas.nth(index).fill(text)
            typed[name] = text
        form.fill("duration_minutes", "75")
        typed["duration_minutes"] = 75
        form.fill("start_time", "15:45")
        typed["start_time"] = "15:45"
        form.fill("dsl_training_renewal", "2027-09-15")
        typed["dsl_training_renewal"] = "2027-09-15"
        form.fill("vulnerable_list_count", "27")
        typed["vulnerable_list_count"] = 27
        for index, (ref, status) in enumerate((("C-7K3QXM", "CP Plan"), ("C-4RT8WV", "CiN"))):
            form.fill(f"cases.{index}.case_ref", ref)
            form.choose(f"cases.{index}.case_status", status)
            typed[f"cases.{index}.case_ref"] = ref
            typed[f"cases.{index}.case_status"] = status
        form.choose("immediate_risk.raised", "no")
        typed["immediate_risk.raised"] = False
        form.press("add:actions")
        form.press("add:actions")
        rows = [("Ask the social worker for the core group notes", "dsl-sample", "2026-12-04"),
                ("Book the DSL onto the trust's briefing", "deputy-sample", "2027-01-15")]
        for index, (action, owner, due) in enumerate(rows):
            form.fill(f"actions.{index}.action", action)
            form.select(f"actions.{index}.owner", owner)
            form.fill(f"actions.{index}.due", due)
        typed["actions"] = [{"action": a, "owner": o, "due": d, "status": "open"}
                            for a, o, d in rows]
        # the date of the next session is still missing
        form.press("check")
        said = form.findings("next_session")
        assert "is empty" in said, said
        form.fill("next_session", "2027-01-13")
        typed["next_session"] = "2027-01-13"
        form.press("save")
        assert "finds no problems" in form.message(), form.message()
        form.close()
    check_clean(root, SESSION)
    for name, value in typed.items():
        put(expected, name, value)
    assert clean(data_of(path)) == clean(expected)


# -- refusals ---------------------------------------------------------------------------------
def _request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None
             ) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kw: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _listening(port: int) -> list[str]:
    """Local addresses of the TCP sockets listening on ``port`` (Linux /proc)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.append(address)
    return found


def _other_address() -> str | None:
    """This machine's address on its network, if it has one."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
        address = s.getsockname()[0]
        return None if address.startswith("127.") else address
    return None


def test_refused_without_the_token_or_with_a_foreign_origin(browser, tmp_path: Path) -> None:
    root = records_repo(tmp_path, "agenda")
    before = (root / SESSION).read_bytes()
    with serving(root, SESSION) as server:
        origin = server.origin
        assert _request(origin + "/") == 403
        assert _request(origin + "/static/edit.js") == 403
        assert _request(origin + "/?token=not-the-token") == 403
        assert _request(server.url) == 303
        form = FormPage(browser, server)
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in browser.cookies(origin))
        assert all(c["httpOnly"] and c["sameSite"] == "Strict" for c in browser.cookies(origin))
        body = b"op=save&__version=x"
        assert _request(origin + "/", body, {"Cookie": cookie}) == 403  # no Origin
        assert _request(origin + "/", body, {"Cookie": cookie,
                                             "Origin": "http://evil.example"}) == 403
        assert _request(origin + "/check", body, {"Cookie": cookie,
                                                  "Origin": "null"}) == 403
        assert _request(origin + "/alive", b"", {"Cookie": cookie, "Origin": origin}) == 204
        # 127.0.0.1 only
        assert _listening(server.port) == ["0100007F"]
        other = _other_address()
        if other is not None:
            with pytest.raises(OSError), socket.create_connection((other, server.port), 3):
                pass
        form.close()
    assert (root / SESSION).read_bytes() == before


def test_a_file_changed_meanwhile_is_not_overwritten(browser, tmp_path: Path) -> None:
    root = records_repo(tmp_path, "agenda")
    path = root / SESSION
    with serving(root, SESSION) as server:
        form = FormPage(browser, server)
        form.fill("wellbeing.discussion", "Typed on the page before the other change.")
        path.write_text(path.read_text() + "# changed in a text editor meanwhile\n")
        on_disk = path.read_bytes()
        form.press("save")
        assert "someone or something changed this file since you opened it" in \
            form.message().lower()
        assert "your answers are kept on the page" in form.message()
        assert form.field("wellbeing.discussion").input_value() == \
            "Typed on the page before the other change."
        assert path.read_bytes() == on_disk
        form.close()


def test_an_older_check_answering_late_does_not_replace_newer_findings(browser,
                                                                       tmp_path: Path) -> None:
    """Two checks in flight, the first answered last: its findings (for answers since
    changed) are dropped, and so are those of a check sent before a button was pressed
    (here one that renumbers the rows the findings point at)."""
    root = records_repo(tmp_path, "agenda")
    upn = fictional_upn()
    held: list[Any] = []
    hold_next = [True]

    def hold_first(route: Any) -> None:
        if hold_next:
            hold_next.clear()
            held.append(route)  # answered below, after a newer check or a button
        else:
            route.continue_()

    def answer_late() -> None:
        route = held.pop()
        route.fulfill(response=route.fetch())  # the real server's answer, just later

    with serving(root, SESSION) as server:
        form = FormPage(browser, server)
        form.page.route("**/check", hold_first)
        field = "wellbeing.discussion"
        html = form.page.locator("html")
        form.fill(field, f"The transfer file for {upn} took an afternoon.")
        form.field(field).blur()
        form.page.wait_for_timeout(400)  # the first check is sent, and held
        assert held and html.get_attribute("data-checking") == "1"
        form.fill(field, "A transfer file took an afternoon.")
        form.field(field).blur()
        form.page.wait_for_selector('html[data-checked="1"]', state="attached")
        assert "PRIVACY-UPN" not in form.findings(field)
        answer_late()
        form.page.wait_for_selector("html:not([data-checking])", state="attached")
        assert html.get_attribute("data-checked") == "1"  # the late answer was not shown
        assert "PRIVACY-UPN" not in form.findings(field)
        # a check sent before a row is removed, answered after the page came back: its
        # findings are for the rows as they were numbered before
        form.press("add:added_topics")
        form.press("add:added_topics")
        form.fill("added_topics.0", f"Transfer file for {upn}")
        form.fill("added_topics.1", "Cover for the refresher course")
        form.page.wait_for_selector("html:not([data-checking])", state="attached")
        assert "PRIVACY-UPN" in form.findings("added_topics.0")
        hold_next.append(True)
        form.field("added_topics.1").blur()
        form.page.wait_for_timeout(400)
        assert held
        form.press("remove:added_topics.0")
        assert form.field("added_topics.0").input_value() == "Cover for the refresher course"
        assert "PRIVACY-UPN" not in form.findings("added_topics.0")
        answer_late()
        form.page.wait_for_selector("html:not([data-checking])", state="attached")
        assert "PRIVACY-UPN" not in form.findings("added_topics.0"), \
            form.findings("added_topics.0")
        form.page.unroute("**/check")
        form.close()


# -- submit and sign --------------------------------------------------------------------------
def test_submit_and_sign_on_the_page(browser, signed) -> None:
    from signing import SESSION as SIGNED_SESSION

    supervisor = signed.actors["supervisor"]
    signed.git(None, "config", "user.signingkey", supervisor.fpr)
    with serving(signed.root, SIGNED_SESSION, env=supervisor.env()) as server:
        form = FormPage(browser, server)
        text = form.field("wellbeing.discussion").input_value()
        form.fill("wellbeing.discussion", text + "\nAdded on the page before signing.")
        form.press("submit")
        said = form.message()
        assert "Submitted and signed." in said, said
        assert "Signed it as supervisor (deputy-sample)" in said, said
        assert "Sam Sample (dsl-sample) now needs to read and sign it" in said, said
        form.close()
    _result, verified = signed.verify()
    record = next(r for r in verified["records"] if r["path"] == SIGNED_SESSION)
    assert record["status"] == "awaiting-supervisee"
    assert [(s["role"], s["person"], s["current"]) for s in record["signoffs"]] == [
        ("supervisor", "deputy-sample", True)]
    assert "Added on the page" in (signed.root / SIGNED_SESSION).read_text()
    assert signed.git(None, "status", "--porcelain").strip() == ""


# -- stopping ---------------------------------------------------------------------------------
def test_done_stops_the_server(browser, tmp_path: Path) -> None:
    root = records_repo(tmp_path, "agenda")
    with serving(root, SESSION) as server:
        form = FormPage(browser, server)
        form.press("done")
        assert "You can close this tab" in form.message()
        code, said = server.finish()
        assert code == 0 and "Stopped: Done was pressed on the page." in said
        form.close()


def test_idle_timeout_stops_the_server(tmp_path: Path) -> None:
    root = records_repo(tmp_path, "agenda")
    with serving(root, SESSION, "--idle-timeout", "1.5") as server:
        code, said = server.finish(timeout=30)
        assert code == 0 and "Stopped after 2 seconds without use" in said, said


def test_new_form_writes_the_record_and_serves_its_form(tmp_path: Path) -> None:
    root = records_repo(tmp_path, "agenda")
    env = git_env()
    env["BROWSER"] = shutil.which("true") or "true"  # the "browser" opens nothing
    args = ("new", "case-notes", "--supervisee", "dsl-sample", "--case", "C-7K3QXM",
            "--date", "2026-11-23", "--form")
    with serving(root, "", env=env, args=args) as server:
        assert server.output[0].strip().endswith("2026-11-23-case-notes-C-7K3QXM.yaml")
        assert _request(server.url) == 303
    assert (root / "records/example-school/2026-27/dsl-sample/"
            "2026-11-23-case-notes-C-7K3QXM.yaml").is_file()
    edit = run_cli("new", "session", "--supervisee", "dsl-sample", "--date", "2026-11-30",
                   "--edit", "--form", cwd=root)
    assert edit.code == 2 and "not allowed with" in edit.err


def test_edit_refuses_what_is_not_a_record(tmp_path: Path) -> None:
    root = records_repo(tmp_path, "agenda")
    for path in ("people.yml", "records/nothing-here.yaml"):
        done = run_cli("edit", path, "--no-browser", cwd=root)
        assert done.code == 2 and "is not a record file" in done.err, done.err
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        done = run_cli("edit", SESSION, "--no-browser", "--port",
                       str(busy.getsockname()[1]), cwd=root)
        assert done.code == 1 and "cannot serve the form on port" in done.err, done.err
    finally:
        busy.close()


def test_every_control_has_a_label_and_the_keyboard_reaches_it(browser, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", "reflective")
    for form_key in ("contract", "session"):
        target = repo.root / PATHS["reflective", form_key]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fixture_path("reflective", form_key), target)
    with serving(repo.root, SESSION) as server:
        form = FormPage(browser, server)
        controls = form.page.locator("#record-form input:not([type=hidden]), "
                                     "#record-form select, #record-form textarea")
        assert controls.count() > 40
        unlabelled = controls.evaluate_all(
            "els => els.filter(e => !(e.labels && e.labels.length) && "
            "!e.getAttribute('aria-label')).map(e => e.name)")
        assert unlabelled == []
        # Tab from the top of the page: the first stop is the first answer, and the
        # focused control is drawn with a visible outline
        form.page.locator("h1").click()
        form.page.keyboard.press("Tab")
        focused = form.page.locator(":focus")
        assert focused.get_attribute("name") == "start_time"
        outline = focused.evaluate("e => getComputedStyle(e).outlineStyle")
        assert outline not in ("", "none")
        for _ in range(12):
            form.page.keyboard.press("Tab")
        assert form.page.locator(":focus").evaluate("e => e.tagName") in (
            "INPUT", "SELECT", "TEXTAREA", "BUTTON")
        form.close()


def test_ctrl_c_stops_the_server(tmp_path: Path) -> None:
    root = records_repo(tmp_path, "agenda")
    with serving(root, SESSION) as server:
        server.proc.send_signal(signal.SIGINT)
        code, said = server.finish()
        assert code == 0 and "Stopped (Ctrl+C)." in said, said

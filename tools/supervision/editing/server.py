"""The form's web server: Flask on 127.0.0.1, for one person and one record.

Why Flask: it is small, well kept and already brings Jinja2 (which the project uses
for ``init``), its request parsing and cookies are well tested, and no HTTP
handling is written by hand here. It is served by werkzeug's own server (Flask's
dependency) in threaded mode, bound to 127.0.0.1: one person's browser is the only
client, so a production server (gunicorn, waitress) would add a dependency and
nothing else; threads keep the page's small requests answered while a signature
waits for gpg. Flask's ``app.run`` is not used: no reloader, no debugger.

Access: the address printed on the terminal carries a random token. The first
request with it sets an HttpOnly, SameSite=Strict cookie (a second random value)
and redirects to the clean address; any request without the cookie, or for another
Host, gets 403; a POST must also carry ``Origin: http://127.0.0.1:PORT``. Every
response says ``Content-Security-Policy: default-src 'self'`` (so no inline script
or style, nothing from another server) and ``Cache-Control: no-store``.

The server stops when the page's Done button is pressed, on Ctrl+C or SIGTERM,
and after ``idle_timeout`` seconds without a request (typing on the page counts:
the page tells the server at most once a minute).
"""

from __future__ import annotations

import hmac
import secrets
import signal
import socket
import sys
import threading
import time
import webbrowser
from typing import IO, Any

from supervision.editing.editor import VERSION, Editor, View
from supervision.editing.model import FIELDS

COOKIE = "supervision_edit"
HOST = "127.0.0.1"
IDLE_TIMEOUT = 30 * 60.0
CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
REFUSED = ("<!doctype html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>Not "
           "allowed</title></head><body><h1>Not allowed</h1><p>Open this form with the "
           "address that <code>supervision edit</code> printed in the terminal.</p></body>"
           "</html>")


def _equal(given: str | None, wanted: str) -> bool:
    return hmac.compare_digest((given or "").encode("utf-8"), wanted.encode("utf-8"))


class Access:
    """The secrets and the origin one server run accepts."""

    def __init__(self) -> None:
        self.token = secrets.token_urlsafe(24)
        self.cookie = secrets.token_urlsafe(32)
        self.origin = ""

    @property
    def host(self) -> str:
        return self.origin.removeprefix("http://")


def create_app(editor: Editor, access: Access, on_done: Any, touch: Any) -> Any:
    from flask import Flask, Response, jsonify, redirect, render_template, request

    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=4_000_000, TEMPLATES_AUTO_RELOAD=False)

    def refuse() -> Response:
        return Response(REFUSED, status=403, mimetype="text/html")

    @app.before_request
    def guard() -> Any:
        touch()
        if request.host != access.host:
            return refuse()
        if request.method == "GET" and request.path == "/" and "token" in request.args:
            if not _equal(request.args.get("token"), access.token):
                return refuse()
            response = redirect("/", code=303)
            response.set_cookie(COOKIE, access.cookie, httponly=True, samesite="Strict",
                                path="/")
            return response
        if not _equal(request.cookies.get(COOKIE), access.cookie):
            return refuse()
        if request.method not in ("GET", "HEAD") and \
                request.headers.get("Origin") != access.origin:
            return refuse()
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers[name] = value
        return response

    def page(view: View) -> str:
        return render_template("edit.html", view=view, form=view.form, VERSION=VERSION,
                               FIELDS=FIELDS)

    @app.get("/")
    def show() -> str:
        return page(editor.open())

    @app.post("/")
    def post() -> str:
        view = editor.post(request.form.to_dict(flat=False))
        if view.closed:
            on_done()
        return page(view)

    @app.post("/check")
    def check() -> Any:
        return jsonify(editor.check_json(request.form.to_dict(flat=False)))

    @app.post("/alive")
    def alive() -> Response:
        return Response(status=204)

    @app.get("/favicon.ico")
    def favicon() -> Response:  # browsers ask for one; there is none
        return Response(status=204)

    @app.errorhandler(Exception)
    def failed(exc: Exception) -> Any:
        from werkzeug.exceptions import HTTPException

        if isinstance(exc, HTTPException):
            return exc
        if _debug():
            raise exc
        sys.stderr.write(f"supervision edit: internal error: {type(exc).__name__} (a bug in "
                         "the tool, not in your record; SUPERVISION_DEBUG=1 shows it)\n")
        return Response("<!doctype html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
                        "<title>Error</title></head><body><h1>Something went wrong</h1><p>This "
                        "is a bug in the supervision tool, not in your record. Your file was "
                        "not changed by this request.</p></body></html>", status=500,
                        mimetype="text/html")

    return app


def _debug() -> bool:
    import os

    return bool(os.environ.get("SUPERVISION_DEBUG"))


def serve(editor: Editor, port: int = 0, open_browser: bool = True,
          idle_timeout: float = IDLE_TIMEOUT, out: IO[str] | None = None) -> str:
    """Serve the form until Done, Ctrl+C, SIGTERM or the idle timeout; returns which."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    out = out or sys.stdout

    class Quiet(WSGIRequestHandler):
        def log(self, type: str, message: str, *args: Any) -> None:  # no request log
            pass

    access = Access()
    stop = threading.Event()
    reasons: list[str] = []
    last = [time.monotonic()]

    def touch() -> None:
        last[0] = time.monotonic()

    def done() -> None:
        reasons.append("done")
        stop.set()

    app = create_app(editor, access, done, touch)
    listening = bind(port)  # OSError (e.g. the port is in use) for the caller to explain
    server = make_server(HOST, port, app, threaded=True, request_handler=Quiet,
                         fd=listening.fileno())
    listening.close()  # the server holds its own copy of the socket
    access.origin = f"http://{HOST}:{server.port}"
    url = f"{access.origin}/?token={access.token}"

    def watch() -> None:
        while not stop.wait(0.25):
            if time.monotonic() - last[0] > idle_timeout:
                reasons.append("idle")
                break
        time.sleep(0.3)  # let the last page reach the browser
        server.shutdown()

    def on_signal(_signum: int, _frame: Any) -> None:
        reasons.append("signal")
        stop.set()

    def on_interrupt(_signum: int, _frame: Any) -> None:
        reasons.append("interrupt")
        stop.set()

    old = signal.signal(signal.SIGTERM, on_signal) if _main_thread() else None
    # Ctrl+C too, explicitly: a process started with SIGINT ignored (a background job, a
    # test runner's worker) would otherwise never see it and the form would not stop.
    old_int = signal.signal(signal.SIGINT, on_interrupt) if _main_thread() else None
    watcher = threading.Thread(target=watch, name="supervision-edit-watch", daemon=True)
    watcher.start()
    try:  # from here on, Ctrl+C stops the server cleanly
        if open_browser:
            out.write(f"Opening the form for {editor.relpath} in your web browser. If it does "
                      "not open, copy this address into the browser:\n")
        else:
            out.write(f"The form for {editor.relpath} is at this address (open it in your web "
                      "browser):\n")
        out.write(url + "\n")
        out.write("Press Done on the page when you have finished (or Ctrl+C here).\n")
        out.flush()
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        server.serve_forever(poll_interval=0.25)  # werkzeug's returns on Ctrl+C
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        editor.close()
        if old is not None:
            signal.signal(signal.SIGTERM, old)
        if old_int is not None:
            signal.signal(signal.SIGINT, old_int)
    reason = reasons[0] if reasons else "interrupt"  # nothing else stopped it: Ctrl+C
    said = {"done": "Stopped: Done was pressed on the page.",
            "idle": f"Stopped after {_duration(idle_timeout)} without use. Run the same "
                    "command again to carry on.",
            "interrupt": "Stopped (Ctrl+C).",
            "signal": "Stopped."}[reason]
    out.write(said + "\n")
    out.flush()
    return reason


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 only (werkzeug would exit the process itself when
    the port is taken; binding here lets the command say so in its own words)."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if sys.platform != "win32":
            listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((HOST, port))
        listening.listen(64)
    except OSError:
        listening.close()
        raise
    return listening


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds)} seconds"

"""``supervision edit PATH``: fill in a record in the web browser (and ``new ... --form``).

Serves the record's form on 127.0.0.1 (see :mod:`supervision.editing.server`) until
Done is pressed on the page, Ctrl+C, SIGTERM or the idle timeout. "Submit and sign"
on the page runs this command line's own ``submit`` (``cli/submit.py``), handed to
the editing wing here so that the wing never imports the command line.
"""

from __future__ import annotations

import argparse
import io
from typing import Any

from supervision.cli import EXIT_OK, Refused, UsageError, open_repo, today
from supervision.cli.paths import in_repo


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "edit", parents=[common], help="fill in a record in your web browser",
        description="Open the record's form in your web browser: the school's form with its "
        "guidance, checks as you go, Save (only the answers you changed are written), and "
        "Submit and sign. The page is served on 127.0.0.1 only, to the address printed here "
        "(with a secret token), until you press Done.")
    p.add_argument("path", metavar="PATH", help="the record")
    add_options(p)
    p.set_defaults(run=run)


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=0, metavar="N",
                   help="serve on this port (default: any free port)")
    p.add_argument("--no-browser", action="store_true",
                   help="do not open the web browser; open the printed address yourself")
    p.add_argument("--idle-timeout", type=float, default=30 * 60.0, metavar="SECONDS",
                   help="stop after this long without the page being used (default 1800: "
                   "30 minutes)")


def run(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    relpath = in_repo(repo, args.path)
    return open_form(repo, relpath, args)


def open_form(repo: Any, relpath: str, args: argparse.Namespace) -> int:
    """Serve the form of ``relpath`` until it is closed (also `new --form`)."""
    from supervision.editing.editor import Editor
    from supervision.editing.pinentry import terminal_needed
    from supervision.editing.server import serve
    from supervision.signing.signoff import is_record_path

    port = getattr(args, "port", 0) or 0
    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be between 0 (any free port) and 65535, not {port}")
    idle = getattr(args, "idle_timeout", 30 * 60.0)
    if idle <= 0:
        raise UsageError("--idle-timeout must be a number of seconds above 0")
    if not is_record_path(relpath) or not (repo.root / relpath).is_file():
        raise UsageError(f"{relpath} is not a record file",
                         "Give the path of a record under records/ or contracts/ (start one "
                         "with `supervision new ... --form`).")
    if repo.config is None or not repo.profiles:
        raise Refused("the repository's settings have problems, so no form can be shown",
                      "Run `supervision check supervision.yml people.yml` and fix what it says.")
    editor = Editor(repo, relpath, today(args), submitter=_submit,
                    terminal_needed=terminal_needed(repo.root))
    try:
        serve(editor, port=port, open_browser=not getattr(args, "no_browser", False),
              idle_timeout=idle)
    except OSError as exc:
        editor.close()
        raise Refused(f"cannot serve the form on port {port}: {exc.strerror or exc}",
                      "Leave out --port to use any free port.") from None
    return EXIT_OK


def _submit(repo: Any, relpath: str) -> Any:
    """`supervision submit` for the page: its words collected instead of printed."""
    from supervision import reporters
    from supervision.cli.submit import Output, submit_record
    from supervision.editing.editor import SubmitOutcome

    lines: list[str] = []

    class Collect(Output):
        def say(self, text: str) -> None:
            lines.append(text)

        def warn(self, text: str) -> None:
            lines.append(text)

        def findings(self, problems: list[Any]) -> None:
            out = io.StringIO()
            reporters.text(problems, out)
            lines.extend(out.getvalue().rstrip("\n").splitlines())

    try:
        code = submit_record(repo, relpath, out=Collect())
    except (Refused, UsageError) as exc:
        return SubmitOutcome(False, lines, str(exc), exc.hint)
    if code != EXIT_OK:
        return SubmitOutcome(False, lines, "It was signed, but `supervision verify` reports a "
                             "problem with the signature (see below).")
    return SubmitOutcome(True, lines)

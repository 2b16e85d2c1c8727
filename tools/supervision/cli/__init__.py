"""The ``supervision`` command line.

One module per command group (``cli/check.py``, ``cli/new.py``...). Each has
``register(subparsers, common)`` and a ``run(args) -> int``. Heavy libraries
(GitPython, MkDocs, gnupg) are imported inside the commands that need them, so
``supervision check`` starts quickly.

Exit codes: 0 all good, 1 findings (or the action was refused), 2 usage error,
3 internal error (a bug: please report it).

May import: core, forms, deadlines, signing, privacy, site, demo, reading, editing,
admin, sealing.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

from supervision import __version__

TYPE_CHECKING = False  # not typing's: importing typing costs a command handed to the resident
if TYPE_CHECKING:  # imported where used: a command handed to the resident needs neither
    import argparse
    import datetime as dt

#: Command name -> module that implements it, in the order ``--help`` lists them.
COMMANDS: dict[str, str] = {
    "init": "supervision.cli.init",
    "join": "supervision.cli.join",
    "new": "supervision.cli.new",
    "edit": "supervision.cli.edit",
    "check": "supervision.cli.check",
    "schema": "supervision.cli.schema",
    "profile": "supervision.cli.profile",
    "case": "supervision.cli.case",
    "site": "supervision.cli.site",
    "calendar": "supervision.cli.calendar",
    "status": "supervision.cli.status",
    "schedule": "supervision.cli.schedule",
    "cancel": "supervision.cli.cancel",
    "chronology": "supervision.cli.chronology",
    "escalate": "supervision.cli.escalate",
    "qa": "supervision.cli.qa",
    "keys": "supervision.cli.keys",
    "sign": "supervision.cli.sign",
    "verify": "supervision.cli.verify",
    "show": "supervision.cli.show",
    "export": "supervision.cli.export",
    "retention": "supervision.cli.retention",
    "reassign": "supervision.cli.reassign",
    "history": "supervision.cli.history",
    "submit": "supervision.cli.submit",
    "demo": "supervision.cli.demo",
    # Enforcement on the git server (issue 8)
    "hook": "supervision.cli.hook",
    # Sealed records (issue 19)
    "seal": "supervision.cli.seal",
}

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    """A mistake in how the command was called; printed with exit code 2."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class Refused(Exception):
    """The command understood the request but will not do it (exit 1)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def date_arg(text: str) -> dt.date:
    import argparse
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a real date; write it as YYYY-MM-DD") from None


def _common() -> argparse.ArgumentParser:
    """Options accepted both before and after the command name."""
    import argparse

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-C", "--repo", metavar="DIR", default=argparse.SUPPRESS,
                        help="the records repository (default: the one containing the "
                        "current folder)")
    common.add_argument("--today", metavar="YYYY-MM-DD", type=date_arg,
                        default=argparse.SUPPRESS,
                        help="treat this date as today (for planning and tests); "
                        "also SUPERVISION_TODAY")
    return common


#: Options before the command name that take a value (skipped when finding the name).
_VALUE_OPTIONS = ("-C", "--repo", "--today")


def command_named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` asks for, when it names one (else None: show them all;
    "" for ``--version``, which needs none)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in _VALUE_OPTIONS:
            skip = True
        elif token.startswith("-"):
            if token == "--version":
                return ""  # no command's module is needed to print the version
            if token in ("-h", "--help"):
                return None
        else:
            return token if token in COMMANDS else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with ``only`` just that command's (only its module is
    imported: ``supervision check`` in a pre-commit hook starts without loading
    twenty other commands)."""
    import argparse

    common = _common()
    parser = argparse.ArgumentParser(
        prog="supervision",
        description="Safeguarding supervision records: start a record from the school's "
        "form, check it against the policy, sign it, and see what is due.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"supervision {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(module).register(sub, common)
    return parser


def today(args: argparse.Namespace) -> dt.date:
    import datetime as dt

    given = getattr(args, "today", None)
    if given is not None:
        return given
    env = os.environ.get("SUPERVISION_TODAY")
    if env:
        try:
            return dt.date.fromisoformat(env)
        except ValueError:
            raise UsageError(f"SUPERVISION_TODAY={env!r} is not a date",
                             "Write it as YYYY-MM-DD, or unset it.") from None
    return dt.date.today()


def open_repo(args: argparse.Namespace):  # -> RecordsRepo (import kept lazy)
    from pathlib import Path

    from supervision.repo import NotARecordsRepo, RecordsRepo, find_root

    start = Path(getattr(args, "repo", None) or os.getcwd())
    try:
        root = find_root(start)
    except NotARecordsRepo as exc:
        raise UsageError(str(exc), "Run the command inside a records repository, pass "
                         "--repo DIR, or create one with `supervision init DIR`.") from None
    # The person's own clone: settings that checked clean may come from its store
    # (never with --no-cache, which touches no store).
    return RecordsRepo.load(root, remembered=not getattr(args, "no_cache", False))


def require_settings(repo, doing: str) -> None:  # repo: RecordsRepo
    """Refuse (exit 1) when supervision.yml or a profile is broken."""
    if repo.config is None or not repo.profiles:
        raise Refused(f"the repository's settings have problems, so nothing can be {doing}",
                      "Run `supervision check supervision.yml people.yml` and fix what it says.")


def known_id(value: str, choices: Sequence[str], what: str, where: str) -> None:
    """Usage error (exit 2) naming the closest ids when ``value`` is not one of ``choices``."""
    if value in choices:
        return
    import difflib

    close = difflib.get_close_matches(value, list(choices), n=3)
    raise UsageError(f"'{value}' is not a {what} in {where}",
                     f"Did you mean: {', '.join(close)}?" if close else
                     f"Check the id in {where}.")


def _fail(prefix: str, message: str, hint: str = "") -> None:
    sys.stderr.write(f"supervision: {prefix}{message}\n")
    if hint:
        sys.stderr.write(f"    hint: {hint}\n")


#: Commands that run once, end and never commit: their store namespaces share one SQLite
#: connection (supervision.cache.one_connection) and they ask git for HEAD once
#: (signing.commit_dates.one_head). Never a long-running server such as `edit`.
ONE_STORE_CONNECTION = frozenset({"check", "status", "verify"})


def main(argv: Sequence[str] | None = None) -> int:
    named = command_named(sys.argv[1:] if argv is None else argv)
    if argv is None:  # a command line (not Python code, nor the resident itself)
        from supervision.cli import resident

        if resident.wanted(named):
            code = resident.forward(sys.argv[1:])
            if code is not None:
                return code
        from supervision.signing.head_start import started

        # git starts on check's first question while the rest is imported
        with started(named):
            return _run(argv, named)
    return _run(argv, named)


def _run(argv: Sequence[str] | None, named: str | None) -> int:
    parser = build_parser(named)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if args.command in ONE_STORE_CONNECTION:
            from supervision.cache import one_connection
            from supervision.signing.commit_dates import one_head

            with one_connection(), one_head():
                return int(args.run(args))
        return int(args.run(args))
    except UsageError as exc:
        _fail("error: ", str(exc), exc.hint)
        return EXIT_USAGE
    except Refused as exc:
        _fail("", str(exc), exc.hint)
        return EXIT_FINDINGS
    except KeyboardInterrupt:
        sys.stderr.write("supervision: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # never show a traceback to a school user
        if os.environ.get("SUPERVISION_DEBUG"):
            raise
        _fail("internal error: ", f"{type(exc).__name__}: {exc}",
              "This is a bug in the supervision tool, not in your records. Please report "
              "it with the command you ran (set SUPERVISION_DEBUG=1 to see the details).")
        return EXIT_INTERNAL

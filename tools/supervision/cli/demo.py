"""``supervision demo [DIR]``: a fictional trust, end to end, in one command.

Builds the demo trust (:mod:`supervision.demo`), runs ``check``, ``verify`` and
``status`` on it and prints what each found, builds the staff site, and serves
it on 127.0.0.1 until Ctrl+C (or SIGTERM). ``--no-serve`` stops after the build.
Running it again replaces the earlier demo in DIR, and only a demo.
"""

from __future__ import annotations

import argparse
import http.server
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from supervision.cli import EXIT_OK, Refused, UsageError, today

DEFAULT_DIR = "supervision-demo"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "demo", parents=[common],
        help="build a fictional trust's records (signed), check them and serve its site",
        description="Build a complete demo records repository for a fictional trust: three "
        "schools on both profiles, throwaway signing keys, a year and a bit of contracts, "
        "sessions, case notes, QA reviews and chronology entries with real signed sign-offs, "
        "and nine planted problems. Then run check, verify and status, build the staff site and serve it on "
        "127.0.0.1. Running it again replaces the earlier demo.")
    p.add_argument("directory", metavar="DIR", nargs="?", default=DEFAULT_DIR,
                   help=f"where to build it (default: ./{DEFAULT_DIR}); must be empty, new, "
                   "or an earlier demo")
    p.add_argument("--no-serve", action="store_true",
                   help="stop after building the site instead of serving it")
    p.add_argument("--sealed", action="store_true",
                   help="seal the records (privacy: sealed: true): each record's answers in "
                   "words encrypted to its readers; every demo person gets an encryption key")
    p.add_argument("--port", type=int, default=8000,
                   help="port on 127.0.0.1 for the site (default 8000; 0 picks a free one)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from supervision.demo.build import build
    from supervision.demo.story import PLANTED, DemoError
    from supervision.reporters import plural

    if not 0 <= args.port < 65536:
        raise UsageError(f"{args.port} is not a port number", "Use a number from 1024 to "
                         "65535, or 0 for any free port.")
    day = today(args)
    folder = Path(args.directory)
    started = time.perf_counter()
    print(f"Building the demo trust in {folder} (everything in it is fictional) ...", flush=True)
    try:
        built = build(folder, day, say=lambda text: print(text, flush=True),
                      sealed=args.sealed)
    except DemoError as exc:
        raise Refused(str(exc), exc.hint) from None
    root = built.root
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(built.by_kind.items()))
    print(f"Built {plural(len(built.plan.records), 'record')} ({kinds}), "
          f"{plural(built.commits + 1, 'signed commit')} of which {built.signoffs} are "
          "sign-offs, in "
          f"{time.perf_counter() - started:.0f} s.")
    print("\nPlanted on purpose, for the tools to find:")
    for key, (person, what) in PLANTED.items():
        print(f"  - {what} ({person}): {built.plan.planted.get(key, 'not planted')}")

    common = ["--today", day.isoformat()]
    print("\n=== supervision check: the records against the policy ===", flush=True)
    _tool(root, ["check", *common])
    print("\n=== supervision verify: who has signed what ===", flush=True)
    _verify_summary(root, common)
    print("\n=== supervision status: what is overdue, due and awaiting signature ===",
          flush=True)
    _tool(root, ["status", *common])

    site = folder / "site"
    print("\n=== supervision site build: the staff site ===", flush=True)
    if _tool(root, ["site", "build", "--site-dir", str(site.resolve()), *common]) != 0:
        raise Refused("the demo's staff site did not build", "See the messages above.")
    print(f"\nThe demo records repository: {root}\n"
          f"Try: cd {root} && supervision status --person {PLANTED['unsigned'][0]}\n"
          f"Sign as a demo person: GNUPGHOME={built.keyring.resolve()} supervision sign PATH "
          "--key FINGERPRINT (fingerprints: supervision keys list)")
    if args.no_serve:
        return EXIT_OK
    return _serve(site, args.port)


def _verify_summary(root: Path, common: list[str]) -> None:
    """verify's verdict on every record that is not simply agreed, then its summary."""
    done = subprocess.run([sys.executable, "-m", "supervision", "verify", *common], cwd=root,
                          capture_output=True, text=True)
    lines = done.stdout.splitlines()
    shown = [line for line in lines if line and not line.startswith("agreed ")]
    print("\n".join(shown))
    if done.stderr:
        print(done.stderr, end="", file=sys.stderr)
    agreed = len(lines) - len(shown)
    print(f"(and {agreed} agreed records not listed: `supervision verify` lists them all)")


def _tool(root: Path, argv: list[str]) -> int:
    """Run one of our commands on the demo, its output straight to the terminal."""
    sys.stdout.flush()
    return subprocess.run([sys.executable, "-m", "supervision", *argv], cwd=root).returncode


def _serve(site: Path, port: int) -> int:
    """Serve the built site on 127.0.0.1 until Ctrl+C or SIGTERM."""
    import functools
    import signal

    handler = functools.partial(_QuietHandler, directory=str(site))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise Refused(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}",
                      "Another program may be using that port: try --port 8001 (the site is "
                      f"also in {site}).") from None

    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"\nServing the demo staff site at http://127.0.0.1:{server.server_address[1]}/ "
          "(this computer only; Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("Stopped serving the demo site.")
    finally:
        server.server_close()
    return EXIT_OK


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging every request to the terminal."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

"""``supervision site build|serve``: the staff site, built with MkDocs.

Both read the repository's ``mkdocs.yml`` (its ``supervision`` plugin adds the
forms and reports). ``serve`` listens on 127.0.0.1 only: the site holds
aggregate figures about safeguarding and is for staff, never for the network.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from supervision.cli import EXIT_OK, Refused, UsageError, open_repo

DEFAULT_PORT = 8000


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "site", parents=[common],
        help="build or preview the staff site (policy, guidance, forms, reports)",
        description="Build the staff site from docs/ and the records (reports are counts "
        "only, with small numbers hidden), or preview it on this computer.",
    )
    actions = p.add_subparsers(dest="site_action", metavar="ACTION")
    build = actions.add_parser("build", parents=[common], help="build the site into a folder",
                               description="Build the site (strict: any warning stops it).")
    build.add_argument("--site-dir", metavar="DIR",
                       help="where to write the site (default: site/ in the repository)")
    serve = actions.add_parser("serve", parents=[common],
                               help="preview the site at http://127.0.0.1:PORT/",
                               description="Build the site and serve it on 127.0.0.1 only, "
                               "rebuilding when docs change. Stop with Ctrl+C.")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"port on 127.0.0.1 (default {DEFAULT_PORT})")
    p.set_defaults(run=run)


def _config_file(repo: Any) -> Path:
    path = repo.root / "mkdocs.yml"
    if not path.is_file():
        raise UsageError(f"{path} does not exist",
                         "The site needs mkdocs.yml at the top of the records repository; "
                         "`supervision init` writes one.")
    return path


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "site_action", None)
    if action is None:
        raise UsageError("say what to do with the site: build or serve",
                         "For example: supervision site build")
    repo = open_repo(args)
    config_file = _config_file(repo)
    if getattr(args, "today", None) is not None:
        import os

        os.environ["SUPERVISION_TODAY"] = args.today.isoformat()
    _read_ahead(repo)
    if action == "build":
        return _build(config_file, args.site_dir)
    return _serve(config_file, args.port)


def _read_ahead(repo: Any) -> None:
    """A first build after an update, or in a fresh clone, finds no verified sign-offs
    for this history in the store. Read the records now, with the history verified
    beside them, before MkDocs and its theme are loaded: the forked verify starts from
    a small process (the whole tree stays under the memory of a cold check), and the
    plugin then finds the records and the sign-offs in the store. With the store warm
    this is one question to it."""
    from supervision.signing.background import needed

    if not needed(repo):
        return
    from supervision.checker import Checker
    from supervision.site.metrics import counted_facts

    Checker(repo).all_records(pick=counted_facts, verified=True)


def _build(config_file: Path, site_dir: str | None) -> int:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    overrides: dict[str, Any] = {"strict": True}
    if site_dir:
        overrides["site_dir"] = str(Path(site_dir).resolve())
    try:
        config = load_config(str(config_file), **overrides)
        build(config)
    except (Abort, ConfigurationError, PluginError) as exc:
        raise Refused(f"the site was not built: {exc}",
                      "Fix what the message says (warnings count as errors in a strict "
                      "build), then run `supervision site build` again.") from None
    print(f"Built the staff site in {config['site_dir']}")
    return EXIT_OK


def _serve(config_file: Path, port: int) -> int:
    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    if not 0 < port < 65536:
        raise UsageError(f"{port} is not a port number", "Use a number from 1024 to 65535.")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    address = f"127.0.0.1:{port}"
    print(f"Serving the staff site at http://{address}/ (this computer only; Ctrl+C stops)",
          flush=True)
    try:
        serve(str(config_file), dev_addr=address, strict=True)
    except (Abort, ConfigurationError, PluginError) as exc:
        raise Refused(f"the site could not be served: {exc}",
                      "Fix what the message says, then run `supervision site serve` again.") \
            from None
    except OSError as exc:
        raise Refused(f"cannot listen on {address}: {exc.strerror or exc}",
                      "Another program may be using that port: try --port 8001.") from None
    sys.stdout.flush()
    return EXIT_OK

"""``supervision schema``: write the JSON Schemas editors use to help fill in records."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from supervision.cli import EXIT_OK, UsageError


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "schema", parents=[common],
        help="write JSON Schemas for the forms (for editor completion)",
        description="Write one JSON Schema per form of each profile in use (or of the "
        "built-in profiles with --builtin) into FOLDER, by default schemas/ in the records "
        "repository. Scaffolds point editors at these files.",
    )
    p.add_argument("--write", metavar="FOLDER", help="folder to write into")
    p.add_argument("--builtin", action="store_true",
                   help="write the built-in profiles' schemas (no repository needed)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from supervision.config import DEFAULT_CASE_REF
    from supervision.forms.definition import BUILTIN_PROFILES, load_profile
    from supervision.forms.json_schema import write_profile_schemas

    if args.builtin:
        if not args.write:
            raise UsageError("--builtin needs --write FOLDER")
        folder = Path(args.write)
        for name in BUILTIN_PROFILES:
            profile, problems = load_profile(name)
            assert profile is not None, problems
            for path in write_profile_schemas(profile, folder, DEFAULT_CASE_REF):
                print(f"wrote {path}")
        return EXIT_OK
    from supervision.cli import open_repo

    repo = open_repo(args)
    folder = Path(args.write) if args.write else repo.root / "schemas"
    pattern = repo.config.case_ref_pattern if repo.config else DEFAULT_CASE_REF
    if not repo.profiles:
        raise UsageError("no profile could be loaded; run `supervision check` to see why")
    for profile in repo.profiles.values():
        for path in write_profile_schemas(profile, folder, pattern):
            print(f"wrote {path}")
    return EXIT_OK

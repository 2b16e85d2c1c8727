"""``supervision profile``: list, show and copy policy profiles."""

from __future__ import annotations

import argparse
import re
from importlib import resources
from pathlib import Path
from typing import Any

from supervision.cli import EXIT_OK, Refused, UsageError


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "profile", parents=[common],
        help="list, show or copy the policy profiles (forms and rule numbers)",
        description="A profile holds one policy's forms and numbers. Copy a built-in one "
        "into your repository to change fields or numbers without touching code.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="the built-in profiles and the ones this repository uses")
    show = actions.add_parser("show", help="a profile's rule numbers and forms")
    show.add_argument("name", help="reflective, agenda, or a profile file path")
    show.add_argument("--yaml", action="store_true", help="print the profile file itself")
    copy = actions.add_parser("copy", help="copy a built-in profile into this repository")
    copy.add_argument("name", choices=("reflective", "agenda"))
    copy.add_argument("destination", help="e.g. profiles/our-policy.yml")
    copy.add_argument("--id", help="id of the copy (default: the file name)")
    p.set_defaults(run=run)


def _load(name: str, root: Path | None) -> Any:
    from supervision.forms.definition import BUILTIN_PROFILES, load_profile

    source: str | Path = name
    if name not in BUILTIN_PROFILES:
        source = (root or Path.cwd()) / name
        if not source.is_file():
            raise UsageError(f"there is no profile called {name!r}",
                             "Use reflective, agenda, or the path of a profile file.")
    profile, problems = load_profile(source)
    if profile is None:
        first = problems[0] if problems else None
        where = f"{first.path}:{first.line}:{first.col}: {first.message}" if first else ""
        raise Refused(f"the profile {name} is not valid: {where}",
                      "Run `supervision check` in the repository to see every problem.")
    return profile


def _root_or_none(args: argparse.Namespace) -> Path | None:
    from supervision.cli import open_repo

    try:
        return open_repo(args).root
    except UsageError:
        return None


def run(args: argparse.Namespace) -> int:
    from supervision.forms.definition import BUILTIN_PROFILES, PolicyRules

    root = _root_or_none(args)
    if args.action == "list":
        for name in BUILTIN_PROFILES:
            profile = _load(name, root)
            print(f"{name:12} {profile.title}")
            print(f"{'':12} {profile.summary}")
        if root is not None:
            from supervision.repo import RecordsRepo

            repo = RecordsRepo.load(root)
            for ref, profile in repo.profiles.items():
                if ref not in BUILTIN_PROFILES:
                    print(f"{ref:12} {profile.title} (this repository)")
        return EXIT_OK
    if args.action == "show":
        if args.yaml and args.name in BUILTIN_PROFILES:
            print(resources.files("supervision.forms").joinpath("profiles", f"{args.name}.yml")
                  .read_text(encoding="utf-8"), end="")
            return EXIT_OK
        if args.yaml:
            print(((root or Path.cwd()) / args.name).read_text(encoding="utf-8"), end="")
            return EXIT_OK
        profile = _load(args.name, root)
        print(f"{profile.title} ({profile.id})\n{profile.summary}\n\nRules:")
        for key in PolicyRules.names():
            value = getattr(profile.rules, key)
            shown = ", ".join(value) if isinstance(value, tuple) else (
                "not set" if value is None else value)
            print(f"  {key}: {shown}")
        print("\nForms:")
        for form in profile.forms.values():
            print(f"  {form.key}: {form.title} ({len(form.walk())} fields; signed by "
                  f"{', '.join(form.signers)})")
        return EXIT_OK
    # copy
    if root is None:
        raise UsageError("profile copy needs a records repository",
                         "Run it inside the repository, or pass --repo DIR.")
    target = (root / args.destination).resolve()
    if not target.is_relative_to(root):
        raise UsageError("the copy must be inside the records repository")
    if target.suffix not in (".yml", ".yaml"):
        raise UsageError("the copy's file name must end in .yml")
    if target.exists():
        raise Refused(f"{args.destination} already exists; nothing was written")
    new_id = args.id or target.stem
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", new_id):
        raise UsageError("the profile id must be lower-case letters, digits and hyphens")
    text = resources.files("supervision.forms").joinpath("profiles", f"{args.name}.yml").read_text(
        encoding="utf-8")
    text = re.sub(r"(?m)^id: .*$", f"id: {new_id}", text, count=1)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    rel = target.relative_to(root).as_posix()
    print(f"Copied the {args.name} profile to {rel} (id: {new_id}).")
    print(f"To use it, set `profile: {rel}` in supervision.yml (or on one school), then run "
          "`supervision check`.")
    return EXIT_OK

"""``supervision init DIR``: a ready-to-use records repository."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from supervision.cli import EXIT_OK, UsageError, today

#: Skeleton files whose names cannot start with a dot inside the package.
RENAMES = {"gitignore": ".gitignore", "pre-commit-config.yaml": ".pre-commit-config.yaml",
           "gitlab-ci.yml": ".gitlab-ci.yml"}
#: The same for folders at the top of the skeleton (the GitHub Actions workflow).
DIR_RENAMES = {"github/": ".github/"}


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "init", parents=[common],
        help="create a new records repository",
        description="Create a records repository in DIR (which must be new or empty): "
        "settings, an example people.yml, a calendar, the staff site skeleton, the "
        "pre-commit hook, CI for GitLab (.gitlab-ci.yml) and GitHub "
        "(.github/workflows/supervision.yml), and empty records/ and contracts/ folders. "
        "Records are sealed (privacy: sealed: true): only each record's own readers can "
        "read its answers in words; --no-seal turns that off.",
    )
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--profile", choices=("reflective", "agenda"), default="reflective",
                   help="policy profile: reflective (trust DSL model, the default) or agenda "
                   "(school one-to-one agenda model)")
    p.add_argument("--org", default="Example Trust", metavar="NAME",
                   help="organisation name shown on the staff site")
    p.add_argument("--no-hooks", action="store_true",
                   help="do not install the pre-commit hook into the new repository")
    p.add_argument("--no-seal", action="store_true",
                   help="do not seal records (privacy: sealed: false): every answer in words "
                   "is then readable by anyone with a copy of the repository, the git host "
                   "included. Only if your school has decided so; a records admin can turn "
                   "sealing on later with `supervision seal --all`")
    p.set_defaults(run=run)


#: Who reads every record of their school besides its own people, by profile: the
#: policy's senior managers (a school's headteacher) or its safeguarding lead (a trust's).
DEFAULT_READERS = {"agenda": ("headteacher",), "reflective": ("trust-lead",)}

#: Skeleton files copied byte for byte (everything else is text, some of it a template).
BINARY_SUFFIXES = (".png",)


def _skeleton_files() -> list[tuple[str, Any]]:
    root = resources.files("supervision").joinpath("skeleton")
    out: list[tuple[str, Any]] = []

    def visit(node: Any, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name == "__pycache__":
                continue
            rel = f"{prefix}{child.name}"
            if child.is_dir():
                visit(child, rel + "/")
            else:
                out.append((rel, child))

    visit(root, "")
    return out


def run(args: argparse.Namespace) -> int:
    import jinja2

    from supervision.cli.seal_all import NO_SEAL_NOTE
    from supervision.deadlines.school_year import academic_year
    from supervision.forms.json_schema import write_profile_schemas
    from supervision.repo import RecordsRepo

    target = Path(args.directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} already exists and is not empty",
                         "Choose a new folder name, or empty the folder first.")
    day: dt.date = today(args)
    context = {
        "org": args.org,
        "profile": args.profile,
        "today": day.isoformat(),
        "review": (day + dt.timedelta(days=365)).isoformat(),
        "year": academic_year(day),
        "sealed": not args.no_seal,
        "readers": DEFAULT_READERS[args.profile],
        "no_seal_note": NO_SEAL_NOTE,
    }
    env = jinja2.Environment(autoescape=False, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    target.mkdir(parents=True, exist_ok=True)
    for rel, source in _skeleton_files():
        if rel.endswith(BINARY_SUFFIXES):  # the docs' screenshots: copied as they are
            out = target / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(source.read_bytes())
            continue
        text = source.read_text(encoding="utf-8")
        if rel.endswith(".j2"):
            rel = rel[:-3]
            text = env.from_string(text).render(**context)
        name = rel.rsplit("/", 1)[-1]
        if name in RENAMES:
            rel = rel[: -len(name)] + RENAMES[name]
        for folder, renamed in DIR_RENAMES.items():
            if rel.startswith(folder):
                rel = renamed + rel[len(folder):]
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    (target / "keys").mkdir(exist_ok=True)
    repo = RecordsRepo.load(target.resolve())
    for profile in repo.profiles.values():
        write_profile_schemas(profile, target / "schemas", repo.config.case_ref_pattern
                              if repo.config else "")
    _git(["init", "-q", "-b", "main"], target)
    if repo.config is not None and repo.config.sealed:
        from supervision.cli.seal import install

        install(target.resolve())  # .gitattributes and git's filter settings (issue 19)
    hooks = "not installed (--no-hooks)"
    if not args.no_hooks:
        done = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=target,
                              capture_output=True, text=True)
        hooks = "installed" if done.returncode == 0 else (
            "NOT installed: " + (done.stderr.strip() or done.stdout.strip()))
    print(f"Created a records repository for {args.org} in {target} "
          f"(profile: {args.profile}).")
    print(f"pre-commit hook: {hooks}")
    if args.no_seal:
        print("Sealed records: OFF (--no-seal). Every answer in words is readable by anyone "
              "with a copy of the repository; `supervision seal --all` turns sealing on.")
    else:
        print("Sealed records: on. Only each record's own people and the readers in "
              "supervision.yml (privacy: readers) can read its answers in words, so everyone "
              "needs a key that can receive them (`supervision keys create` makes one).")
    print("Next steps:")
    print(f"  1. cd {target} and replace the example people in people.yml and the school in "
          "supervision.yml with your own.")
    print(f"  2. Put your term dates in calendar/{context['year']}.yml.")
    print("  3. Before the first commit, the records admin makes their signing key (it can "
          "also receive sealed records) and signs the first commit with it:\n"
          "     supervision keys create --person ID --admin\n"
          "     git add -A && git commit -S -m 'Start the supervision records'\n"
          "     Then write down that first commit's id (git rev-parse HEAD): it is the trust "
          "root.")
    print("  4. Start a contract: supervision new contract --supervisee ID --supervisor ID")
    print("  5. On your git server: set SUPERVISION_TOOL and SUPERVISION_TRUST_ROOT (the id of "
          "the first commit) for CI,\n"
          "     allow fast-forward merges only, protect the main branch and install the "
          "pre-receive hook\n"
          "     (supervision hook install; docs/server-enforcement.md). Delete .gitlab-ci.yml "
          "or .github/ if you use the other host.")
    return EXIT_OK


def _git(argv: list[str], cwd: Path) -> None:
    env = dict(os.environ)
    done = subprocess.run(["git", *argv], cwd=cwd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise UsageError(f"git {' '.join(argv)} failed: {done.stderr.strip()}",
                         "Check that git is installed (git --version).")

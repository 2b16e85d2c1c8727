"""This repository is itself a valid records repository (what `init` copies)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent


def test_top_level_is_a_clean_records_repository() -> None:
    result = run_cli("check", "--no-cache", cwd=ROOT)
    assert result.code == 0, result.out
    assert result.out == "No records to check.\n", result.out  # records/ holds only READMEs


def test_skeleton_links_point_at_real_files() -> None:
    skeleton = ROOT / "tools" / "supervision" / "skeleton"
    links = [p for p in skeleton.rglob("*") if p.is_symlink()]
    assert links, "the skeleton shares files with the top level through symlinks"
    for link in links:
        assert link.resolve().is_file(), f"{link} is a broken link"
        assert ROOT in link.resolve().parents


def test_check_path_imports_neither_gitpython_nor_mkdocs(agenda_repo) -> None:
    import subprocess
    import sys

    relpath, data = agenda_repo.filled("session")
    agenda_repo.write(relpath, data)
    code = (
        "import sys\n"
        "from supervision.cli import main\n"
        f"rc = main(['check', {relpath!r}, '--today', '2026-11-16'])\n"
        "heavy = sorted(m for m in ('git', 'mkdocs', 'gnupg', 'jinja2', 'material') "
        "if m in sys.modules)\n"
        "print('HEAVY', heavy, rc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=agenda_repo.root,
                          capture_output=True, text=True, timeout=60)
    assert "HEAVY [] 0" in done.stdout, done.stdout + done.stderr

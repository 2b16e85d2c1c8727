"""The package's layout holds: wings import only what they declare, no import cycle,
small modules, and ARCHITECTURE.md names every module.

Each wing (sub-package) says in its ``__init__.py`` docstring what it may import::

    May import: core, forms.
    May import lazily: deadlines, signing.

An entry is a wing (``forms``), ``core`` (the modules directly in the package), a
core module (``config``) or a dotted module (``deadlines.school_year``). "Lazily"
entries may only be imported inside a function. The core's own declaration is in
``supervision/__init__.py``.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tools" / "supervision"
CORE = "core"
MAX_LINES = 500
MAX_CORE_MODULES = 8


@dataclass(frozen=True)
class Import:
    source: str   # the importing module, e.g. supervision.signing.verify
    target: str   # the imported module, e.g. supervision.forms.yamlparse
    line: int
    lazy: bool    # inside a function body


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, path: Path, known: set[str]) -> list[Import]:
    """Every import of a package module in ``path``, lazy ones included,
    ``if TYPE_CHECKING:`` blocks excepted."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def resolve(node: ast.ImportFrom) -> str | None:
        if node.level == 0:
            return node.module
        base = name.split(".") if is_package else name.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def add(target: str, line: int, lazy: bool) -> None:
        # "from pkg import module" names a module; "from module import thing" does not.
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.append(Import(name, target, line, lazy))

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for sub in child.orelse:
                    visit(sub, lazy)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "supervision":
                        add(alias.name, child.lineno, lazy)
            elif isinstance(child, ast.ImportFrom):
                module = resolve(child)
                if module and module.split(".")[0] == "supervision":
                    for alias in child.names:
                        add(f"{module}.{alias.name}", child.lineno, lazy)
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef |
                                       ast.Lambda)
            visit(child, inner)

    visit(tree, False)
    return found


def wing_of(module: str) -> str:
    if module == "supervision.__main__":  # `python -m supervision`: the command itself
        return "cli"
    parts = module.split(".")
    if len(parts) == 1 or (len(parts) == 2 and (PACKAGE / f"{parts[1]}.py").is_file()):
        return CORE
    return parts[1]


def declarations(path: Path) -> tuple[list[str], list[str]]:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    eager, lazy = [], []
    for line in " ".join(doc.split()).split("May import")[1:]:
        kind, _, rest = line.partition(":")
        entries = [e.strip(" .") for e in rest.split(".")[0].split(",") if e.strip(" .")]
        # "lazily" declarations may be reached only inside functions
        (lazy if kind.strip() == "lazily" else eager).extend(
            re.split(r"\s+", e)[0] for e in entries)
    return eager, lazy


def allows(entries: list[str], target: str) -> bool:
    short = target.removeprefix("supervision.")
    for entry in entries:
        if entry == CORE and wing_of(target) == CORE:
            return True
        if short == entry or short.startswith(entry + "."):
            return True
    return False


def all_imports() -> tuple[dict[str, Path], list[Import]]:
    modules = package_modules()
    known = set(modules)
    found = [imp for name, path in modules.items() for imp in imports_of(name, path, known)]
    return modules, found


def test_every_wing_declares_what_it_may_import() -> None:
    wings = sorted(p.parent for p in PACKAGE.glob("*/__init__.py"))
    assert {w.name for w in wings} >= {"forms", "deadlines", "signing", "privacy", "site",
                                        "demo", "cli"}
    for wing in [PACKAGE, *wings]:
        eager, lazy = declarations(wing / "__init__.py")
        assert eager or lazy, f"{wing.name}/__init__.py does not say what it may import"
        doc = ast.get_docstring(ast.parse((wing / "__init__.py").read_text())) or ""
        assert len(doc.split()) > 30, f"{wing.name}/__init__.py does not say what it owns"


def test_imports_between_wings_are_declared() -> None:
    modules, found = all_imports()
    rules: dict[str, tuple[list[str], list[str]]] = {CORE: declarations(PACKAGE / "__init__.py")}
    for init in PACKAGE.glob("*/__init__.py"):
        rules[init.parent.name] = declarations(init)
    undeclared = []
    for imp in found:
        source_wing, target_wing = wing_of(imp.source), wing_of(imp.target)
        if source_wing == target_wing or imp.target == "supervision":
            continue
        eager, lazy = rules[source_wing]
        if allows(eager, imp.target) or (imp.lazy and allows(lazy, imp.target)):
            continue
        how = "inside a function" if imp.lazy else "at module level"
        undeclared.append(f"{modules[imp.source].relative_to(ROOT)}:{imp.line}: "
                          f"{imp.source} imports {imp.target} {how}")
    assert not undeclared, "\n".join(undeclared)


def test_the_declaration_test_catches_an_undeclared_import() -> None:
    """The checker above is not vacuous: an import the privacy wing does not declare
    (the repository) is caught, and a lazy-only entry does not allow a top-level import."""
    eager, lazy = declarations(PACKAGE / "privacy" / "__init__.py")
    assert not allows(eager, "supervision.repo")
    assert allows(eager, "supervision.forms.yamlparse")
    core_eager, core_lazy = declarations(PACKAGE / "__init__.py")
    assert allows(core_lazy, "supervision.signing.gitio")
    assert not allows(core_eager, "supervision.signing.gitio")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_no_import_cycle() -> None:
    _modules, found = all_imports()
    graph: dict[str, set[str]] = {}
    for imp in found:
        # a package's __init__ is imported on the way to any of its modules
        graph.setdefault(imp.source, set()).add(imp.target)
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_small_core_and_small_modules() -> None:
    core = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert len(core) <= MAX_CORE_MODULES, sorted(core)
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_architecture_names_every_module() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = [str(p.relative_to(PACKAGE)) for p in sorted(PACKAGE.rglob("*.py"))
               if str(p.relative_to(PACKAGE)) not in text]
    assert not missing, f"ARCHITECTURE.md does not mention: {missing}"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")
def test_wheel_installs_and_init_works_from_it(tmp_path: Path) -> None:
    """The wheel carries the package data that moved (profiles, schemas) and the
    skeleton's symlinked files, so `supervision init` works from a plain install."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                    str(wheels), str(ROOT)], check=True, capture_output=True, timeout=600)
    wheel = next(wheels.glob("supervision-*.whl"))
    fresh = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True,
                   timeout=120)
    # The libraries come from this venv (no network needed); the package from the wheel.
    site = next((fresh / "lib").glob("python3*/site-packages"))
    here = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    (site / "deps.pth").write_text(here + "\n")
    python = fresh / "bin" / "python"
    # Without PYTHONPATH: a tools/ on it (with the egg-info a build leaves there) would make
    # pip see the package as installed already and install nothing.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--quiet", "--no-deps", "--no-index", str(wheel)], check=True,
                   capture_output=True, timeout=300, env=env)
    env["PATH"] = f"{fresh / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    where = subprocess.run([str(python), "-c", "import supervision, sys; "
                            "print(supervision.__file__)"], check=True, capture_output=True,
                           text=True, env=env, cwd=tmp_path).stdout.strip()
    assert where.startswith(str(fresh)), where
    records = tmp_path / "records"
    done = subprocess.run([str(fresh / "bin" / "supervision"), "init", str(records),
                           "--profile", "reflective", "--org", "Wheel Trust (fictional)",
                           "--no-hooks"], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    for name in ("people.yml", "calendar/2026-27.yml", "docs/guidance/index.md",
                 "schemas/reflective/session.schema.json", ".gitlab-ci.yml"):
        path = records / name
        assert path.is_file() and not path.is_symlink() and path.stat().st_size, name
    listed = subprocess.run([str(fresh / "bin" / "supervision"), "profile", "show", "agenda",
                             "--yaml"], capture_output=True, text=True, env=env, cwd=tmp_path,
                            timeout=120)
    assert listed.returncode == 0 and "id: agenda" in listed.stdout, listed.stderr

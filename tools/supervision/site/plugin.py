"""The ``supervision`` MkDocs plugin: blank forms, reports, and a site that calls no one.

Registered through the ``mkdocs.plugins`` entry point; a records repository's
``mkdocs.yml`` lists it under ``plugins``. At build time it:

* reads the records through :class:`supervision.checker.Checker` (cached facts,
  never free text) and adds the report pages and their SVG charts, and one
  printable page per form, as generated files (nothing is written into ``docs/``);
* refuses settings that would make the site fetch from elsewhere (web fonts,
  the generator tag) and marks every page ``noindex``;
* moves the theme's small inline scripts into files under
  ``assets/supervision/js/`` so the site works under a strict
  ``Content-Security-Policy: default-src 'self'`` (see ``deploy/``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page

CSS_PATH = "assets/supervision/site.css"
JS_DIR = "assets/supervision/js"
ROBOTS = "User-agent: *\nDisallow: /\n"
NOINDEX = '<meta name="robots" content="noindex, nofollow">'
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_HEAD = re.compile(r"<head>", re.I)
_GENERATOR = re.compile(r'\s*<meta name="generator"[^>]*>')
GENERATED_SECTIONS = ("forms", "reports")


class SupervisionPluginConfig(Config):
    repo = opt.Optional(opt.Type(str))          # default: the folder holding mkdocs.yml
    reports = opt.Type(bool, default=True)
    forms = opt.Type(bool, default=True)
    min_people = opt.Type(int, default=2)
    threshold = opt.Optional(opt.Type(int))     # default: supervision.yml's privacy setting
    today = opt.Optional(opt.Type(str))         # default: SUPERVISION_TODAY, else today


class SupervisionPlugin(BasePlugin[SupervisionPluginConfig]):
    def __init__(self) -> None:
        self.scripts: dict[str, str] = {}
        self.generated: dict[str, list[str]] = {}

    # -- configuration -------------------------------------------------------------------
    def on_config(self, config: Any) -> Any:
        theme = config["theme"]
        if theme.get("font") is not False:
            raise PluginError("mkdocs.yml: set 'font: false' under 'theme:'. Otherwise the "
                              "theme loads Google Fonts and every visit calls Google.")
        if (config.get("extra") or {}).get("generator") is not False:
            raise PluginError("mkdocs.yml: set 'generator: false' under 'extra:' so pages do "
                              "not advertise the software they were built with.")
        for name in ("attr_list", "md_in_html", "tables"):
            if name not in config["markdown_extensions"]:
                config["markdown_extensions"].append(name)
        if CSS_PATH not in config["extra_css"]:
            config["extra_css"].append(CSS_PATH)
        self.scripts = {}
        return config

    def _root(self, config: Any) -> Path:
        if self.config.repo:
            base = Path(config["config_file_path"] or ".").parent
            return (base / self.config.repo).resolve()
        return Path(config["config_file_path"] or "mkdocs.yml").resolve().parent

    def _today(self) -> dt.date:
        text = self.config.today or os.environ.get("SUPERVISION_TODAY")
        if not text:
            return dt.date.today()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise PluginError(f"the date {text!r} (plugin 'today' or SUPERVISION_TODAY) is not "
                              "a date written YYYY-MM-DD") from None

    # -- generated pages -------------------------------------------------------------------
    def on_files(self, files: Files, config: Any) -> Files:
        from supervision.repo import RecordsRepo

        root = self._root(config)
        if not (root / "supervision.yml").is_file():
            raise PluginError(f"{root} has no supervision.yml, so there are no records to "
                              "report on. Build the site from inside a records repository, "
                              "or set the plugin's 'repo' option.")
        repo = RecordsRepo.load(root)
        if repo.config is None or not repo.profiles:
            raise PluginError("supervision.yml or the policy profile has errors; run "
                              "`supervision check` and fix what it reports, then build again.")
        content: dict[str, str] = {}
        if self.config.forms:
            from supervision.site.forms_pages import pages

            content.update(pages(repo.profiles))
        if self.config.reports:
            content.update(self._reports(repo, config, files))
        content[CSS_PATH] = _css()
        content["robots.txt"] = ROBOTS
        self.generated = {section: [] for section in GENERATED_SECTIONS}
        for path, text in sorted(content.items()):
            if files.get_file_from_path(path) is not None:
                raise PluginError(f"docs/{path} clashes with a page the supervision plugin "
                                  "generates; rename or remove docs/" + path)
            files.append(File.generated(config, path, content=text))
            top = path.split("/", 1)[0]
            if top in self.generated and path.endswith(".md"):
                self.generated[top].append(path)
        return files

    def _reports(self, repo: Any, config: Any, files: Files) -> dict[str, str]:
        from supervision.checker import Checker
        from supervision.deadlines.school_calendar import calendar_for
        from supervision.signing.signoff_dates import collect
        from supervision.site.metrics import counted_facts
        from supervision.site.reports import Settings, build

        result = Checker(repo).all_records(pick=counted_facts, verified=True)
        unreadable = len(repo.record_files()) - len(result.facts)
        signoffs, note = collect(repo)
        threshold = self.config.threshold or repo.config.suppression_threshold
        settings = Settings(threshold=threshold, min_people=max(2, self.config.min_people))
        built = build(repo, result.facts, calendar_for(repo), self._today(), signoffs, note,
                      settings, unreadable)
        return {**built.pages, **built.assets}

    def on_nav(self, nav: Navigation, config: Any, files: Files) -> Navigation:
        """Put the generated pages under their section's index page in the nav."""
        if config["nav"] is None:
            return nav
        changed = False
        for section, paths in self.generated.items():
            index = f"{section}/index.md"
            children = [files.get_file_from_path(p) for p in _ordered(section, paths)
                        if p != index]
            pages = [f.page for f in children if f is not None and isinstance(f.page, Page)]
            changed |= _expand(nav.items, index, pages)
        if changed:
            nav.pages = _pages(nav.items)
            bookended = [None, *nav.pages, None]
            for before, page, after in zip(bookended[:-2], nav.pages, bookended[2:],
                                           strict=True):
                page.previous_page, page.next_page = before, after
        return nav

    # -- every page: noindex, and no inline scripts ------------------------------------------
    def _rewrite(self, html: str, depth: int) -> str:
        def move(match: re.Match[str]) -> str:
            body = match.group(1)
            name = hashlib.sha256(body.encode("utf-8")).hexdigest()[:16] + ".js"
            self.scripts[name] = body
            return f'<script src="{"../" * depth}{JS_DIR}/{name}"></script>'

        html = _INLINE_SCRIPT.sub(move, html)
        html = _GENERATOR.sub("", html)  # no advertising of versions to probe for
        return _HEAD.sub("<head>\n    " + NOINDEX, html, count=1)

    def on_post_page(self, output: str, page: Page, config: Any) -> str:
        return self._rewrite(output, (page.url or "").count("/"))

    def on_post_template(self, output_content: str, template_name: str, config: Any) -> str:
        if template_name.endswith(".html"):
            return self._rewrite(output_content, 0)
        return output_content

    def on_post_build(self, config: Any) -> None:
        target = Path(config["site_dir"]) / JS_DIR
        target.mkdir(parents=True, exist_ok=True)
        for name, body in self.scripts.items():
            (target / name).write_text(body, encoding="utf-8")


def _ordered(section: str, paths: list[str]) -> list[str]:
    if section == "reports":  # newest year first
        return sorted(paths, reverse=True)
    return paths


def _expand(items: list[Any], index: str, pages: list[Page]) -> bool:
    for position, item in enumerate(items):
        if isinstance(item, Page) and item.file.src_uri == index:
            section = Section(item.title or index, [item, *pages])
            section.parent = item.parent
            for child in section.children:
                child.parent = section
            items[position] = section
            return True
        if isinstance(item, Section) and _expand(item.children, index, pages):
            return True
    return False


def _pages(items: list[Any]) -> list[Page]:
    out: list[Page] = []
    for item in items:
        if isinstance(item, Page):
            out.append(item)
        elif isinstance(item, Section):
            out += _pages(item.children)
    return out


def _css() -> str:
    from importlib import resources

    return resources.files("supervision.site").joinpath("site.css").read_text(encoding="utf-8")

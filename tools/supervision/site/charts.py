"""Static SVG charts for the reports, drawn at build time with matplotlib.

Only published values are drawn: a value hidden by disclosure control (``c``)
is left out of the chart and marked "c" on the axis, so a chart never shows what
its table hides. The SVG is self-contained: text is drawn as paths (no fonts to
fetch), no scripts, no links outside the file, and the output is the same for
the same numbers (fixed hash salt, no date in the metadata). So a chart asked for
again with the same arguments (a year whose numbers are all hidden looks like the next)
is drawn once: the last :data:`REMEMBERED` are kept.

A page asks for its charts as it is written, each as a :class:`Drawing` (what kind of
chart, and exactly what it shows); :func:`draw_all` then draws them all, spread over
the cores (matplotlib lays out every label's text, so one chart takes about a tenth of
a second and a trust's reports have dozens). Given the store's ``kept`` namespace, it
first takes every chart drawn before from there, by a hash of what it shows (and the
code and matplotlib that drew it): a site rebuilt after a commit draws only the charts
whose numbers changed.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supervision.cache import Cache

Value = int | float | str | None
#: How many drawn charts are kept for a second request with the same arguments.
REMEMBERED = 64
Series = tuple[tuple[str, tuple[Value, ...]], ...]

COLOURS = ("#3f51b5", "#9e9e9e", "#009688", "#ff7043", "#8d6e63")
#: Fewer charts than this are drawn in this process: starting workers would cost more.
PARALLEL_CHARTS = 8

_DRAWINGS: Mapping[str, Callable[[], str]] = {}  # in a worker process only: its charts


@dataclass(frozen=True, slots=True)
class Drawing:
    """A chart still to draw: its kind and exactly what it shows. Called, it draws it."""

    kind: str  # "bars" or "lines"
    args: tuple[Any, ...]

    def __call__(self) -> str:
        return _bars(*self.args) if self.kind == "bars" else _lines(*self.args)

    @property
    def key(self) -> str:
        """The same for the same chart, in any build (a hash of what it shows)."""
        return hashlib.sha256(repr((self.kind, self.args)).encode()).hexdigest()


def kept_salt() -> str:
    """What a kept chart depends on besides what it shows: the code (every store
    namespace's salt starts from it) and the matplotlib that drew it."""
    from importlib.metadata import version

    return f"charts:matplotlib {version('matplotlib')}"


def draw_all(drawings: Mapping[str, Callable[[], str]],
             workers: int | None = None, kept: Cache | None = None) -> dict[str, str]:
    """Each chart drawn: path -> SVG, the same bytes however it is drawn.

    ``kept``: the store's namespace of charts drawn before (see :func:`kept_salt`):
    a :class:`Drawing` found there is not drawn again, each one drawn now is added, and
    charts no build asks for any more are let go of.

    With :data:`PARALLEL_CHARTS` or more to draw, they are shared between forked worker
    processes, one per core (``workers`` says how many; 1 draws them here). Not
    while this process runs another thread (a web server's, say): a fork copies
    only the thread that forks, and any lock another thread held stays locked.
    """
    keys = {path: d.key for path, d in drawings.items() if isinstance(d, Drawing)} \
        if kept is not None else {}
    found: dict[str, str] = {}
    if kept is not None:
        stored = kept.get_many(set(keys.values()), dict.fromkeys(keys.values(), ""))
        found = {path: svg for path, key in keys.items()
                 if isinstance(svg := stored.get(key), str)}
    drawn = _drawn({p: d for p, d in drawings.items() if p not in found}, workers)
    if kept is not None:
        for path, svg in drawn.items():
            if path in keys:
                kept.put(keys[path], "", svg)
        kept.prune(set(keys.values()))
        kept.save()
    return dict(sorted({**found, **drawn}.items()))


def _drawn(drawings: Mapping[str, Callable[[], str]],
           workers: int | None) -> dict[str, str]:
    paths = sorted(drawings)
    count = min(os.cpu_count() or 1, 8) if workers is None else workers
    if count < 2 or len(paths) < PARALLEL_CHARTS or threading.active_count() > 1:
        return {path: drawings[path]() for path in paths}
    import gc
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    import matplotlib.backends.backend_svg  # noqa: F401 - imported once, before the fork
    import matplotlib.figure  # noqa: F401

    gc.freeze()  # a worker's collections then never touch (and so copy) this one's pages
    try:
        with ProcessPoolExecutor(max_workers=count, mp_context=get_context("fork"),
                                 initializer=_take, initargs=(drawings,)) as pool:
            drawn = list(pool.map(_draw, paths,
                                  chunksize=max(1, len(paths) // (3 * count))))
    finally:
        gc.unfreeze()
    return dict(zip(paths, drawn, strict=True))


def _take(drawings: Mapping[str, Callable[[], str]]) -> None:  # pragma: no cover (worker)
    global _DRAWINGS
    _DRAWINGS = drawings  # a fork's copy: closures need no pickling


def _draw(path: str) -> str:  # pragma: no cover (worker)
    return _DRAWINGS[path]()


def _figure(width: float, height: float):  # -> matplotlib Figure (import kept lazy)
    import matplotlib

    matplotlib.rcParams.update({"svg.hashsalt": "supervision", "svg.fonttype": "path",
                                "font.size": 9})
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _svg(fig) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.StringIO()
    FigureCanvasSVG(fig).print_svg(buffer, metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def _number(value: Value) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _frozen(series: Mapping[str, Sequence[Value]]) -> Series:
    return tuple((name, tuple(values)) for name, values in series.items())


def bars(title: str, labels: Sequence[str], series: Mapping[str, Sequence[Value]],
         ylabel: str = "", horizontal: bool = False) -> str:
    """Grouped bars; hidden values are not drawn and are marked 'c'."""
    return bar_chart(title, labels, series, ylabel, horizontal)()


def bar_chart(title: str, labels: Sequence[str], series: Mapping[str, Sequence[Value]],
              ylabel: str = "", horizontal: bool = False) -> Drawing:
    """:func:`bars`, to be drawn later (with the others, by :func:`draw_all`)."""
    return Drawing("bars", (title, tuple(labels), _frozen(series), ylabel, horizontal))


@functools.lru_cache(maxsize=REMEMBERED)
def _bars(title: str, labels: tuple[str, ...], series: Series, ylabel: str,
          horizontal: bool) -> str:
    fig = _figure(6.4, max(2.6, 0.28 * len(labels) + 1.2) if horizontal else 3.0)
    ax = fig.add_subplot()
    count = max(1, len(series))
    width = 0.8 / count
    for index, (name, values) in enumerate(series):
        positions = [i + (index - (count - 1) / 2) * width for i in range(len(labels))]
        heights = [_number(v) or 0.0 for v in values]
        colour = COLOURS[index % len(COLOURS)]
        if horizontal:
            ax.barh(positions, heights, height=width, label=name, color=colour)
        else:
            ax.bar(positions, heights, width=width, label=name, color=colour)
        for pos, value in zip(positions, values, strict=True):
            if isinstance(value, str):
                if horizontal:
                    ax.text(0, pos, " c", va="center", ha="left", fontsize=8)
                else:
                    ax.text(pos, 0, "c", va="bottom", ha="center", fontsize=8)
    ticks = list(range(len(labels)))
    if horizontal:
        ax.set_yticks(ticks, labels)
        ax.invert_yaxis()
        ax.set_xlabel(ylabel)
        ax.set_xlim(left=0)  # counts: no axis below zero
    else:
        ax.set_xticks(ticks, labels)
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    _legend(ax, len(series), horizontal)
    fig.tight_layout()
    return _svg(fig)


def _legend(ax, count: int, horizontal: bool = False) -> None:
    """Below the plot, so it never covers a bar or a point."""
    if count > 1:
        ax.legend(frameon=False, fontsize=8, ncol=count, loc="upper center",
                  bbox_to_anchor=(0.5, -0.16 if not horizontal else -0.08))


def lines(title: str, labels: Sequence[str], series: Mapping[str, Sequence[Value]],
          ylabel: str = "", ymax: float | None = None) -> str:
    """One line per series; hidden values leave a gap."""
    return line_chart(title, labels, series, ylabel, ymax)()


def line_chart(title: str, labels: Sequence[str], series: Mapping[str, Sequence[Value]],
               ylabel: str = "", ymax: float | None = None) -> Drawing:
    """:func:`lines`, to be drawn later (with the others, by :func:`draw_all`)."""
    return Drawing("lines", (title, tuple(labels), _frozen(series), ylabel, ymax))


@functools.lru_cache(maxsize=REMEMBERED)
def _lines(title: str, labels: tuple[str, ...], series: Series, ylabel: str,
           ymax: float | None) -> str:
    fig = _figure(6.4, 3.0)
    ax = fig.add_subplot()
    positions = list(range(len(labels)))
    for index, (name, values) in enumerate(series):
        ys = [_number(v) for v in values]
        ax.plot(positions, [float("nan") if y is None else y for y in ys], marker="o",
                label=name, color=COLOURS[index % len(COLOURS)])
    ax.set_xticks(positions, labels)
    if ymax is not None:
        ax.set_ylim(0, ymax)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    _legend(ax, len(series))
    fig.tight_layout()
    return _svg(fig)

"""Statistical disclosure control for the staff site's tables.

Pure functions over small tables of counts; nothing here knows about records.
The rules (see the staff site's "About these reports" page):

* a count from 1 up to the threshold (5 by default) is shown as ``c``
  (*primary suppression*); a true zero stays 0;
* further cells are hidden until no hidden cell can be worked out from the row
  and column totals (*secondary suppression*). :func:`recoverable` is the audit:
  it solves the table's sum equations exactly and also catches lines where the
  hidden cells must all be 1 (hidden counts are never 0);
* a percentage is hidden when its base, its count or the count it leaves out is
  small (:func:`percent`);
* tables that share a number (a total shown in two tables) are protected together
  (:func:`protect_linked`): a shared number hidden in one is hidden in all;
* a table of people is never broken down into a row about fewer than
  ``min_people`` people: small rows are pooled, and when even the pool is too
  small only the total is shown (:func:`pool_rows`).

A table is a grid of counts with a total column and a total row added, so every
line (row or column) says: the cells add up to the line's total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SUPPRESSED = "c"
TOTAL = "Total"

Cell = tuple[int, int]


@dataclass(frozen=True)
class Protected:
    """A table ready to publish: every cell is a number or ``c``."""

    rows: tuple[str, ...]  # the last one is TOTAL
    cols: tuple[str, ...]  # the last one is TOTAL
    cells: tuple[tuple[int | str, ...], ...]

    def value(self, row: str, col: str) -> int | str:
        return self.cells[self.rows.index(row)][self.cols.index(col)]


def with_totals(counts: list[list[int]]) -> list[list[int]]:
    """Add a total to each row, then a total row (the last cell is the grand total)."""
    width = len(counts[0]) if counts else 0
    grid = [list(row) + [sum(row)] for row in counts]
    grid.append([sum(row[c] for row in grid) for c in range(width + 1)])
    return grid


def primary(grid: list[list[int]], threshold: int) -> set[Cell]:
    """Cells holding 1..threshold."""
    return {(r, c) for r, row in enumerate(grid) for c, value in enumerate(row)
            if 1 <= value <= threshold}


def _lines(grid: list[list[int]]) -> list[list[tuple[Cell, int]]]:
    """Each line as (cell, sign): cells with +1, the line's total with -1, summing to 0."""
    rows, cols = len(grid), len(grid[0])
    lines: list[list[tuple[Cell, int]]] = []
    for r in range(rows):
        lines.append([((r, c), 1) for c in range(cols - 1)] + [((r, cols - 1), -1)])
    for c in range(cols):
        lines.append([((r, c), 1) for r in range(rows - 1)] + [((rows - 1, c), -1)])
    return lines


def recoverable(grid: list[list[int]], hidden: set[Cell]) -> set[Cell]:
    """Hidden cells whose value someone could work out from what is shown.

    Exact recovery: with the shown values filled in, the line sums are the
    equations of a graph whose nodes are the lines and whose edges are the hidden
    cells (each cell sits in one row and one column). After flipping the signs of
    some equations every cell is +1 in one line and -1 in the other, so the system
    is a graph's incidence matrix: a cell is fixed exactly when its edge lies on no
    cycle, that is when it is a *bridge*.
    Bound recovery: a line whose total is shown and whose hidden cells add up to
    exactly their number: each must be 1, because a hidden count is never 0.
    """
    found = _bridges(hidden)
    for line in _lines(grid):
        total_cell = line[-1][0]
        parts = [cell for cell, sign in line if sign == 1 and cell in hidden]
        if total_cell not in hidden and parts and sum(grid[r][c] for r, c in parts) == len(parts):
            found.update(parts)
    return found


def _bridges(hidden: set[Cell]) -> set[Cell]:
    """Cells that are bridges of the line graph (Tarjan's algorithm, iterative)."""
    adjacency: dict[tuple[str, int], list[tuple[tuple[str, int], Cell]]] = {}
    for cell in sorted(hidden):
        row, col = ("r", cell[0]), ("c", cell[1])
        adjacency.setdefault(row, []).append((col, cell))
        adjacency.setdefault(col, []).append((row, cell))
    order: dict[tuple[str, int], int] = {}
    low: dict[tuple[str, int], int] = {}
    out: set[Cell] = set()
    for start in adjacency:
        if start in order:
            continue
        order[start] = low[start] = len(order)
        stack: list[tuple[tuple[str, int], Cell | None, Any]] = [
            (start, None, iter(adjacency[start]))]
        while stack:
            node, via, edges = stack[-1]
            advanced = False
            for nxt, cell in edges:
                if cell == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = len(order)
                    stack.append((nxt, cell, iter(adjacency[nxt])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        assert via is not None
                        out.add(via)
    return out


def _candidates(grid: list[list[int]], hidden: set[Cell], cells: set[Cell]) -> list[Cell]:
    """Shown, non-zero cells sharing a row or a column with any of ``cells``."""
    rows = {r for r, _c in cells}
    cols = {c for _r, c in cells}
    return sorted((r, c) for r, row in enumerate(grid) for c, value in enumerate(row)
                  if (r in rows or c in cols) and value != 0 and (r, c) not in hidden)


def protect_grid(grid: list[list[int]], threshold: int,
                 withhold: set[Cell] | frozenset[Cell] = frozenset()) -> set[Cell]:
    """Primary then secondary suppression; returns the hidden cells of ``grid``.

    ``withhold``: cells to hide as well (a true zero is never hidden), e.g. because
    another table showing the same number hides it there.
    Greedy: while some hidden cell can be worked out, hide one more cell sharing a
    line with an exposed one, choosing the one that leaves the fewest cells exposed, then the
    smallest count, then an inner cell rather than a total.
    """
    hidden = primary(grid, threshold) | {(r, c) for r, c in withhold if grid[r][c]}
    last_r, last_c = len(grid) - 1, len(grid[0]) - 1
    exposed = recoverable(grid, hidden)
    while exposed:
        best: tuple[int, int, bool, Cell] | None = None
        best_exposed: set[Cell] = set()
        for option in _candidates(grid, hidden, exposed):
            left = recoverable(grid, hidden | {option})
            key = (len(left), grid[option[0]][option[1]],
                   option[0] == last_r or option[1] == last_c, option)
            if best is None or key < best:
                best, best_exposed = key, left
        if best is None:  # nothing left to hide beside it: hide every non-zero cell
            hidden |= {(r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v}
            return hidden
        hidden.add(best[3])
        exposed = best_exposed
    return hidden


def protect(rows: list[str], cols: list[str], counts: list[list[int]],
            threshold: int, withhold: frozenset[tuple[str, str]] = frozenset()) -> Protected:
    """Totals added, small counts hidden, and nothing hidden can be worked back.

    ``withhold`` names (row, column) cells, TOTAL included, to hide as well."""
    grid = with_totals(counts) if rows else [[0] * (len(cols) + 1)]
    labels_r, labels_c = [*rows, TOTAL], [*cols, TOTAL]
    hidden = protect_grid(grid, threshold, {(labels_r.index(r), labels_c.index(c))
                                            for r, c in withhold})
    cells = tuple(
        tuple(SUPPRESSED if (r, c) in hidden else value for c, value in enumerate(row))
        for r, row in enumerate(grid)
    )
    return Protected(tuple(rows) + (TOTAL,), tuple(cols) + (TOTAL,), cells)


Spec = tuple[list[str], list[str], list[list[int]]]  # rows, columns, counts
Link = tuple[tuple[int, str, str], ...]  # the same number in several tables: (table, row, col)


def protect_linked(tables: list[Spec], links: list[Link], threshold: int) -> list[Protected]:
    """Tables that show some of the same numbers, each protected on its own, and then
    again until a shared number hidden in one table is hidden in every table that
    shows it (otherwise the other table would give back what this one hides).
    Hiding only ever grows, so this stops."""
    withhold: list[set[tuple[str, str]]] = [set() for _ in tables]
    while True:
        out = [protect(*spec, threshold, frozenset(withhold[i]))
               for i, spec in enumerate(tables)]
        changed = False
        for link in links:
            if any(out[i].value(r, c) == SUPPRESSED for i, r, c in link):
                for i, r, c in link:
                    if out[i].value(r, c) != SUPPRESSED and out[i].value(r, c) != 0:
                        withhold[i].add((r, c))
                        changed = True
        if not changed:
            return out


def percent(part: int | str, base: int | str, threshold: int) -> str:
    """``part`` of ``base`` as a whole percentage, or ``c`` when it would reveal a small count.

    Hidden when either count is hidden, when the base is small (1..threshold), or when
    the count or what is left of the base is small. A base of 0 gives a dash.
    """
    if isinstance(part, str) or isinstance(base, str):
        return SUPPRESSED
    if base == 0:
        return "-"
    rest = base - part
    if base <= threshold or 1 <= part <= threshold or 1 <= rest <= threshold:
        return SUPPRESSED
    return f"{round(100 * part / base)}%"


def pool_rows(rows: dict[str, list[int]], people: dict[str, int], min_people: int,
              pooled: str) -> dict[str, list[int]]:
    """Rows about fewer than ``min_people`` people are merged into one ``pooled`` row.

    If the pooled row is still too small, there is no safe breakdown at all and an
    empty mapping is returned: show only the total.
    """
    keep = {label: row for label, row in rows.items() if people.get(label, 0) >= min_people}
    small = [label for label in rows if label not in keep]
    if not small:
        return dict(rows)
    if sum(people.get(label, 0) for label in small) < min_people:
        return {}
    width = len(next(iter(rows.values())))
    keep[pooled] = [sum(rows[label][i] for label in small) for i in range(width)]
    return keep

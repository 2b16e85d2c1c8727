"""Disclosure control: small counts hidden, and nothing hidden can be worked back."""

from __future__ import annotations

import itertools
import random

import pytest

from supervision.site.disclosure import (
    SUPPRESSED,
    TOTAL,
    Protected,
    percent,
    pool_rows,
    primary,
    protect,
    protect_grid,
    recoverable,
    with_totals,
)


def hidden_of(table) -> set[tuple[int, int]]:
    return {(r, c) for r, row in enumerate(table.cells) for c, v in enumerate(row)
            if v == SUPPRESSED}


def brute_force_solutions(table, threshold: int, limit: int = 30) -> dict:
    """Values each hidden cell can take, consistent with what is shown (search with
    propagation; stops once every hidden cell is known to have two possible values)."""
    cells = [list(row) for row in table.cells]
    rows, cols = len(cells), len(cells[0])
    lines = [[(r, c) for c in range(cols)] for r in range(rows)] + [
        [(r, c) for r in range(rows)] for c in range(cols)]
    hidden = sorted(hidden_of(table))
    possible: dict[tuple[int, int], set[int]] = {h: set() for h in hidden}

    def line_ok(line, grid) -> bool:
        *parts, total = line
        values = [grid[r][c] for r, c in parts] + [grid[total[0]][total[1]]]
        if any(v is None for v in values):
            return True
        return sum(values[:-1]) == values[-1]

    def solve(grid) -> bool:
        if all(len(v) > 1 for v in possible.values()):
            return True
        # propagate: a line with one unknown left fixes it
        for line in lines:
            unknown = [x for x in line if grid[x[0]][x[1]] is None]
            if len(unknown) == 1:
                *parts, total = line
                (r, c), = unknown
                known = sum(grid[i][j] for i, j in parts if (i, j) != (r, c))
                value = known if (r, c) == total else grid[total[0]][total[1]] - known
                if not 1 <= value <= limit:
                    return False
                grid[r][c] = value
                ok = all(line_ok(x, grid) for x in lines) and solve(grid)
                grid[r][c] = None
                return ok
        todo = [h for h in hidden if grid[h[0]][h[1]] is None]
        if not todo:
            if all(line_ok(x, grid) for x in lines):
                for h in hidden:
                    possible[h].add(grid[h[0]][h[1]])
            return False
        r, c = todo[0]
        for value in range(1, limit + 1):
            grid[r][c] = value
            if all(line_ok(x, grid) for x in lines) and solve(grid):
                grid[r][c] = None
                return True
        grid[r][c] = None
        return False

    for h in hidden:
        cells[h[0]][h[1]] = None
    solve(cells)
    return possible


def test_small_counts_become_c_and_zero_stays_zero() -> None:
    table = protect(["A", "B"], ["x", "y"], [[0, 12], [3, 20]], threshold=5)
    assert table.value("A", "x") == 0
    assert table.value("B", "x") == SUPPRESSED
    assert table.value("A", "y") == 12


def test_primary_alone_would_let_the_hidden_cell_be_recomputed_from_the_total() -> None:
    # Row B: 3 is small, 20 is not; the row total 23 is shown. Primary suppression
    # alone hides only the 3, and 23 - 20 gives it straight back.
    counts = [[9, 12], [3, 20], [8, 11]]
    grid = with_totals(counts)
    only_primary = primary(grid, 5)
    assert only_primary == {(1, 0)}
    assert recoverable(grid, only_primary) == {(1, 0)}, "the audit must see the leak"
    naive = Protected(("A", "B", "C", TOTAL), ("x", "y", TOTAL), tuple(
        tuple(SUPPRESSED if (r, c) in only_primary else v for c, v in enumerate(row))
        for r, row in enumerate(grid)))
    assert brute_force_solutions(naive, 5, limit=25) == {(1, 0): {3}}, "and so does a solver"

    table = protect(["A", "B", "C"], ["x", "y"], counts, threshold=5)
    hidden = hidden_of(table)
    assert (1, 0) in hidden
    assert len(hidden) > 1, "a second cell must be hidden"
    assert recoverable(grid, hidden) == set()
    # and by brute force: the small cell could be any of several values
    possible = brute_force_solutions(table, 5, limit=25)
    assert len(possible[(1, 0)]) > 1


def test_a_lone_hidden_cell_beside_zeros_hides_the_total_instead() -> None:
    # Row A is [0, 2]: the total (2) would give the hidden 2 away, and zeros stay zeros.
    table = protect(["A", "B"], ["x", "y"], [[0, 2], [10, 14]], threshold=5)
    assert table.value("A", "x") == 0
    assert table.value("A", "y") == SUPPRESSED
    assert table.value("A", TOTAL) == SUPPRESSED
    grid = with_totals([[0, 2], [10, 14]])
    assert recoverable(grid, hidden_of(table)) == set()


def test_hidden_cells_that_must_all_be_one_count_as_disclosed() -> None:
    # Two hidden cells in a row whose total is 2: each is 1, since a hidden count is never 0.
    grid = with_totals([[1, 1, 0], [9, 8, 7], [6, 9, 8]])
    hidden = {(0, 0), (0, 1), (3, 0), (3, 1)}  # some cells hidden by hand
    assert {(0, 0), (0, 1)} <= recoverable(grid, hidden)
    table = protect(["A", "B", "C"], ["x", "y", "z"], [[1, 1, 0], [9, 8, 7], [6, 9, 8]], 5)
    possible = brute_force_solutions(table, 5, limit=20)
    assert all(len(values) > 1 for values in possible.values()), possible


def test_a_bridge_between_two_hidden_blocks_is_caught() -> None:
    # Every line below has two hidden cells, yet cell (2,2) is fixed by the equations:
    # the degree rule "at least two per line" is not enough on its own.
    counts = [
        [2, 3, 0, 0, 9],
        [4, 2, 9, 0, 9],
        [0, 0, 2, 3, 9],
        [0, 0, 4, 1, 9],
        [9, 9, 9, 9, 9],
    ]
    grid = with_totals(counts)
    hidden = {(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3)}
    assert recoverable(grid, hidden), "some cell is determined by the sums"
    final = protect_grid(grid, 5)
    assert recoverable(grid, final) == set()


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_never_leave_a_recoverable_cell(seed: int) -> None:
    rng = random.Random(seed)
    rows, cols = rng.randint(1, 6), rng.randint(1, 5)
    counts = [[rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 30]) for _ in range(cols)]
              for _ in range(rows)]
    table = protect([f"r{i}" for i in range(rows)], [f"c{j}" for j in range(cols)], counts, 5)
    grid = with_totals(counts)
    hidden = hidden_of(table)
    assert recoverable(grid, hidden) == set()
    for (r, c), value in ((cell, grid[cell[0]][cell[1]]) for cell in
                          itertools.product(range(rows + 1), range(cols + 1))):
        shown = table.cells[r][c]
        if 1 <= value <= 5:
            assert shown == SUPPRESSED
        if value == 0:
            assert shown == 0, "a true zero stays 0"
        if shown != SUPPRESSED:
            assert shown == value


def test_small_random_tables_hold_against_brute_force() -> None:
    rng = random.Random(99)
    checked = 0
    for _ in range(200):
        counts = [[rng.choice([0, 1, 2, 3, 7, 8]) for _ in range(2)] for _ in range(2)]
        table = protect(["a", "b"], ["x", "y"], counts, 5)
        hidden = hidden_of(table)
        if not hidden or len(hidden) > 4:
            continue
        possible = brute_force_solutions(table, 5, limit=18)
        for cell, values in possible.items():
            assert len(values) > 1, (counts, cell, values)
        checked += 1
    assert checked > 20


def test_threshold_is_a_parameter() -> None:
    table = protect(["A", "B"], ["x"], [[8], [30]], threshold=10)
    assert table.value("A", "x") == SUPPRESSED
    table = protect(["A", "B"], ["x"], [[8], [30]], threshold=5)
    assert table.value("A", "x") == 8


@pytest.mark.parametrize(("part", "base", "shown"), [
    (40, 80, "50%"),
    (3, 80, SUPPRESSED),      # the count is small
    (77, 80, SUPPRESSED),     # what is left out (3) is small
    (2, 4, SUPPRESSED),       # the base is small
    (0, 20, "0%"),
    (20, 20, "100%"),
    (0, 0, "-"),
    (SUPPRESSED, 30, SUPPRESSED),
    (10, SUPPRESSED, SUPPRESSED),
])
def test_percentages_on_small_counts_are_hidden(part, base, shown) -> None:
    assert percent(part, base, 5) == shown


def test_rows_about_too_few_people_are_pooled_or_dropped() -> None:
    rows = {"oak": [3, 1], "ash": [1, 0], "elm": [0, 1], "yew": [5, 4]}
    people = {"oak": 4, "ash": 1, "elm": 1, "yew": 9}
    pooled = pool_rows(rows, people, 2, "Other schools")
    assert set(pooled) == {"oak", "yew", "Other schools"}
    assert pooled["Other schools"] == [1, 1]
    # one small school alone cannot be pooled with anyone: no breakdown at all
    assert pool_rows({"oak": [3], "ash": [1]}, {"oak": 4, "ash": 1}, 2, "Other") == {}
    assert pool_rows({"oak": [3]}, {"oak": 4}, 2, "Other") == {"oak": [3]}


def test_empty_table_has_only_zero_totals() -> None:
    table = protect([], ["x", "y"], [], 5)
    assert table.rows == (TOTAL,)
    assert table.cells == ((0, 0, 0),)

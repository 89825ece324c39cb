"""Which numeric columns of a sheet could be the amount, their totals, and which are derived.

A warehouse export often carries, beside the amount, a column computed from it: a running total
(`Running Total`, `Cumulative`, `YTD Total`), or a per-group subtotal repeated on every row
(`Dept Total`). Summing such a column gives a budget thousands of times too large, so the
suggestion never proposes one, and the mapping dialog and `kcplanner suggest-mapping` show every
candidate's total side by side.

A column is *derived* when, by its values (vectorized over the whole sheet):

- **running total**: each value is the previous value plus another numeric column's value on
  that row (restarts, where the value equals the other column's, are allowed: a running total per
  department) for at least 98% of the rows;
- **per-group sum**: each value equals the sum of another numeric column over the rows sharing
  a text column's value (a subtotal repeated on every row of its group);
- **cumulative by name and shape**: the header says running / cumulative / YTD total / subtotal
  and the values never decrease.

`total_warning` gives the message the app shows before loading a total more than 10 times every
other candidate's, or more than 10 times the previous import's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import values as V
from .columns import norm
from .mapping_sheet import header_text

#: A chosen total more than this many times every other candidate's (or the previous import's) is
#: questioned before loading.
RATIO = 10.0
#: Share of rows that must fit a pattern for the column to count as derived from another.
FIT = 0.98
_CUMULATIVE_NAME = re.compile(r"(?i)running|cumulative|\bcum\b|\bytd\b|year[\s-]*to[\s-]*date|sub[\s-]*total|"
                              r"grand[\s-]*total|\bbalance\b|\bsubtot")
#: Texts that stand for a missing number (`#Missing`, `#N/A`, `No Data`, `-`): not counted as filled cells.
_BLANKISH = re.compile(r"(?i)^\s*(#.*|n/?a|-+|none|null|no data|not available|missing)?\s*$")
_CODE_WORDS = ("code", "id", "number", "num", "no", "key", "year", "fy", "org", "level", "zip", "phone", "line")
_CODE_FIELDS = ("fund", "account", "unit", "dept", "department", "division", "program", "object", "project",
                "activity", "center", "agency", "section", "class", "category", "type", "function")
_AMOUNT_WORDS = ("amt", "amount", "dollar", "total", "budget", "value", "appropriation", "expense", "revenue",
                 "actual", "adopted", "cost", "spend", "proposed", "requested", "estimate")


@dataclass
class Candidate:
    """A numeric column that could be an amount, with its total over the whole sheet."""

    column: str
    total: float
    count: int  # numbers in the column
    derived: str = ""  # why it is not an amount ("running total of 'Amount'"), or ""

    def to_dict(self) -> dict:
        return {"column": self.column, "total": self.total, "count": self.count, "derived": self.derived}


def _tokens(header: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", header.casefold()) if t]


def code_like(header: str, vals: np.ndarray) -> bool:
    """An identifier, code or year column rather than an amount (by its header and values)."""
    toks = _tokens(header)
    hk = norm(header)
    if any(w in hk for w in _AMOUNT_WORDS):
        return False
    if any(t in _CODE_WORDS for t in toks) or any(hk.endswith(w) for w in ("code", "id", "number", "key")):
        return True
    v = vals[~np.isnan(vals)]
    if not len(v) or (v != np.round(v)).any():
        return False
    if v.min() >= 1900 and v.max() <= 2100:
        return True  # years
    # whole non-negative numbers named like a field, or few distinct ones repeated: codes (Fund 1010, Unit 30111)
    return bool(v.min() >= 0 and (any(t in _CODE_FIELDS for t in toks) or len(np.unique(v)) <= 0.05 * len(v)))


def _close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.isclose(a, b, rtol=1e-9, atol=0.011)


def running_total_of(a: np.ndarray, b: np.ndarray) -> bool:
    """True when `a` is a running total of `b` (restarting allowed), row by row, on ≥ FIT of the rows."""
    ok = ~np.isnan(a)
    if ok.sum() < 3:
        return False
    a = a[ok]
    b = np.nan_to_num(b[ok])
    if not (b != 0).any():
        return False
    prev = np.concatenate(([0.0], a[:-1]))
    step = _close(a, prev + b)
    restart = _close(a, b)
    fits = step | restart
    # a column equal to b everywhere is a copy, not a running total: most rows must be real steps
    nonzero = b != 0
    real_steps = step & ~restart & nonzero  # a copy of b, or a constant beside zeros, has none
    return bool(fits.mean() >= FIT and real_steps.sum() >= max(2, 0.5 * nonzero.sum()))


def constant_in_groups(a: np.ndarray, groups: np.ndarray) -> bool:
    """True when `a` takes one value within each group (on ≥ FIT of the rows): a subtotal may be one."""
    _u, first = np.unique(groups, return_index=True)
    lookup = np.full(int(groups.max()) + 1, np.nan)
    lookup[groups[first]] = a[first]
    same = _close(np.nan_to_num(a, nan=np.inf), np.nan_to_num(lookup[groups], nan=np.inf))
    return bool(same.mean() >= FIT)


def group_sum_of(a: np.ndarray, b: np.ndarray, groups: np.ndarray) -> bool:
    """True when `a` equals the sum of `b` over the rows sharing `groups`' value (on ≥ FIT of the rows)."""
    ok = ~np.isnan(a)
    if ok.sum() < 3:
        return False
    sums = pd.Series(np.nan_to_num(b)).groupby(groups, sort=False).transform("sum").to_numpy(dtype=float)
    fits = _close(a[ok], sums[ok])
    differs = ~_close(a[ok], np.nan_to_num(b[ok]))
    return bool(fits.mean() >= FIT and differs.mean() >= 0.2)


def _group_columns(headers: list[str], data: np.ndarray, skip: set[int],
                   limit: int = 40) -> list[tuple[str, np.ndarray]]:
    """Text columns with repeated values (departments, funds …), as group codes for `group_sum_of`."""
    n = data.shape[0]
    out = []
    for j, h in enumerate(headers):
        if j in skip or not h or len(out) >= limit:
            continue
        codes, uniques = pd.factorize(pd.Series(data[:, j], dtype=object), use_na_sentinel=False)
        if 1 < len(uniques) <= max(2, n // 2):
            out.append((h, codes))
    return out


def numeric_columns(headers: list[str], data: np.ndarray, min_numeric: float = 0.9,
                    min_filled: float = 0.5) -> dict[int, np.ndarray]:
    """Columns (index → float values) where at least `min_numeric` of the filled cells are numbers and at
    least `min_filled` of the rows are filled."""
    out: dict[int, np.ndarray] = {}
    n = data.shape[0]
    for j, h in enumerate(headers):
        if not h:
            continue
        col = data[:, j]
        head, _bad = V.parse_amounts(col[:200])  # a column of words shows it in its first cells: skip it cheaply
        if len(head) and (~np.isnan(head)).sum() < 0.5 * min_numeric * sum(1 for c in col[:200] if c is not None):
            continue
        vals, _bad = V.parse_amounts(col)
        isnum = ~np.isnan(vals)
        rest = col[~isnum]  # only the cells that are not numbers are looked at one by one
        nf = int(isnum.sum()) + sum(1 for c in rest if not (c is None or (isinstance(c, float) and c != c) or
                                                            (isinstance(c, str) and _BLANKISH.match(c))))
        if nf == 0 or nf < min_filled * n:
            continue
        if isnum.sum() >= min_numeric * nf:
            out[j] = vals
    return out


def derived_columns(headers: list[str], data: np.ndarray, nums: dict[int, np.ndarray] | None = None) -> dict[str, str]:
    """Header → why the column is a running total, subtotal or cumulative column (see the module doc)."""
    nums = numeric_columns(headers, data) if nums is None else nums
    out: dict[str, str] = {}
    groups = None
    for j, a in nums.items():
        h = headers[j]
        for k, b in nums.items():
            if k == j:
                continue
            if running_total_of(a, b):
                out[h] = f"its values are a running total of {headers[k]!r} (each row adds that row's {headers[k]!r})"
                break
        if h in out:
            continue
        named = bool(_CUMULATIVE_NAME.search(h))
        if named:
            v = a[~np.isnan(a)]
            if len(v) >= 2 and (np.diff(v) >= -0.011).all():
                out[h] = "its header says it is cumulative and its values never decrease"
                continue
        if len(np.unique(a[~np.isnan(a)])) <= 0.5 * len(a):  # a subtotal repeats on every row of its group
            if groups is None:
                groups = _group_columns(headers, data, set(nums))
            for g, codes in groups:
                if not constant_in_groups(a, codes):
                    continue
                k = next((k for k, b in nums.items() if k != j and group_sum_of(a, b, codes)), None)
                if k is not None:
                    out[h] = f"its values are the sum of {headers[k]!r} per {g!r} (a subtotal on every row)"
                    break
        if h not in out and named and re.search(r"(?i)running|cumulative|sub[\s-]*total|grand[\s-]*total", h):
            out[h] = "its header says it is a running total or subtotal"
    return out


def amount_candidates(grid: np.ndarray, header_row: int) -> list[Candidate]:
    """Every numeric column of the sheet (below the 1-based `header_row`) that could be an amount, with
    its total over the whole sheet and, for derived columns, why it is not an amount."""
    r = max(0, (header_row or 1) - 1)
    if r >= grid.shape[0]:
        return []
    headers = [header_text(h) for h in grid[r]]
    data = grid[r + 1:]
    nums = numeric_columns(headers, data)
    derived = derived_columns(headers, data, nums)
    out = []
    for j, vals in nums.items():
        h = headers[j]
        if code_like(h, vals) and h not in derived:
            continue
        ok = ~np.isnan(vals)
        out.append(Candidate(h, float(np.sum(vals[ok])) if ok.any() else 0.0, int(ok.sum()), derived.get(h, "")))
    return out


def money(x: float) -> str:
    return f"{x:,.2f}" if abs(x) < 1e15 else f"{x:.3e}"


def total_warning(chosen: list[str], candidates: list[Candidate], imported_total: float | None = None,
                  previous_total: float | None = None) -> str | None:
    """Why the chosen amount column(s) look wrong, or None.

    Questioned: a chosen column that is a running total or subtotal; a chosen column whose total is more
    than RATIO times every other (non-derived) candidate's; an import whose largest total is more than
    RATIO times the previous import's."""
    by = {c.column: c for c in candidates}
    lines = []
    for col in chosen:
        c = by.get(col)
        if c is None:
            continue
        if c.derived:
            lines.append(f"{col!r} does not look like an amount: {c.derived}. Its total is {money(c.total)}.")
            continue
        others = [o for o in candidates if o.column not in chosen and not o.derived and o.total != 0]
        if others and abs(c.total) > RATIO * max(abs(o.total) for o in others):
            big = max(others, key=lambda o: abs(o.total))
            lines.append(f"{col!r} totals {money(c.total)}, {abs(c.total) / abs(big.total):,.0f} times "
                         f"{big.column!r} ({money(big.total)}) and more than {RATIO:g} times every other "
                         "numeric column.")
    if imported_total is not None and previous_total and abs(imported_total) > RATIO * abs(previous_total):
        lines.append(f"The import totals {money(imported_total)}, {abs(imported_total) / abs(previous_total):,.0f} "
                     f"times the budget loaded now ({money(previous_total)}).")
    if not lines:
        return None
    return " ".join(lines) + " Check the amount column before loading."

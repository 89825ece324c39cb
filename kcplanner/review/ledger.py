"""Actuals as dense group arrays: the quarterly review's hot path (SPEC, "The quarterly review").

Every actual row of R−3 … R is reduced, in a few vectorized numpy passes, to one cell of a dense
array `M[g, k, m]`: group g, year R−k (k = 0 … 3), last month m (1 … 12) of its period.  "Through
p" is then a cumulative sum along the month axis, for one p or all twelve (the burn-up) alike.
A group is an integer key over the codes of its name columns; names match case-insensitively
with surrounding spaces ignored, spelled as first seen (budget tables first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..periods import FULL_YEAR, months_mask

YEARS = 4          # R, R−1, R−2, R−3
MONTHS = 12
#: Key spaces up to this size are mapped to groups with a dense lookup table, larger by hashing.
DENSE_LIMIT = 1 << 23


def _key(value: object) -> str:
    return " ".join(str(value).split()).casefold()


class Vocabulary:
    """One name column's spellings: a name's code is its position; code −1 is 'not given'."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.names: list[str] = []

    def codes(self, column: pd.Series, shift: bool = False) -> np.ndarray:
        """The column's codes (−1 where blank; with `shift`, code + 1 as int32: 0 where blank),
        adding names not seen before."""
        if isinstance(column.dtype, pd.CategoricalDtype):
            raw, uniques = column.cat.codes.to_numpy(), column.cat.categories.astype(object)
        else:
            raw, uniques = pd.factorize(column, use_na_sentinel=True)
            uniques = np.asarray(uniques, dtype=object)
        lut = np.full(len(uniques) + 1, -1, dtype=np.int64)  # last slot: raw −1 (blank)
        for k, u in enumerate(uniques):
            if u is None or u != u or str(u).strip() == "":
                continue
            key = _key(u)
            code = self.index.get(key)
            if code is None:
                code = self.index[key] = len(self.names)
                self.names.append(str(u).strip())
            lut[k] = code
        if shift:
            return (lut + 1).astype(np.int32)[raw]
        return lut[raw]

    def labels(self, codes: np.ndarray) -> np.ndarray:
        """Names (object array) for codes; None for −1."""
        table = np.array(self.names + [None], dtype=object)
        return table[np.where(codes < 0, len(self.names), codes)]


@dataclass
class Ledger:
    """One side of the review (spending or revenue) as dense arrays over its groups.

    - `dims`: (G, d) name codes of each group (−1 = not given); `vocab`: a Vocabulary per dim
    - `M`: (G, 4, 12) actual amounts by year offset k (year R−k) and last month of the period;
      rows of R after p are left out
    - `whole`: (G, 4) the group has a whole-year period in that year (it offers no share)
    - `complete`: (4,) the year's actuals (this side) cover all twelve months
    - `budget`, `has_budget`: (G,) B_g and whether a budget line of the group gives one
    - `in_r`: (G,) the group has an actual row in R through p
    - `parent`: (G,) the middle level of the fallback (department, or the fund for revenue)
    """

    dims: np.ndarray
    vocab: list[Vocabulary]
    M: np.ndarray
    whole: np.ndarray
    complete: np.ndarray
    budget: np.ndarray
    has_budget: np.ndarray
    in_r: np.ndarray
    parent: np.ndarray
    n_parent: int

    @property
    def reviewed(self) -> np.ndarray:
        """The groups of the review: a budget or actuals in R."""
        return self.has_budget | self.in_r


def _int(column: pd.Series) -> np.ndarray:
    return np.asarray(column, dtype=np.int64)


def latest(frames: list[pd.DataFrame], year: int | None) -> tuple[int | None, int | None]:
    """(R, p) defaults: the latest fiscal year with rows (or `year`), and the latest month a period
    of that year ends in; None where there is none."""
    years = [_int(f["fiscal_year"]) for f in frames if len(f)]
    if year is None:
        year = max((int(y.max()) for y in years if len(y)), default=None)
        if year is None:
            return None, None
    ends = [_int(f["last_month"])[_int(f["fiscal_year"]) == year] for f in frames if len(f)]
    p = max((int(e.max()) for e in ends if len(e)), default=None)
    return year, p


def _combine(codes: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """One key per row from per-dimension codes already shifted by one (0 = not given), in place."""
    space = int(np.prod([n + 1 for n in sizes], dtype=np.float64))
    key = codes[0].astype(np.int32 if space < 2**31 else np.int64)
    for c, n in zip(codes[1:], sizes[1:]):
        key *= n + 1
        key += c
    return key


def _split(keys: np.ndarray, sizes: list[int]) -> np.ndarray:
    out = np.empty((len(keys), len(sizes)), dtype=np.int64)
    rest = keys.astype(np.int64)
    for j in range(len(sizes) - 1, -1, -1):
        rest, out[:, j] = np.divmod(rest, sizes[j] + 1)
    return out - 1


def _coverage(month_counts: np.ndarray, first: np.ndarray, last: np.ndarray, k: np.ndarray) -> np.ndarray:
    """(4,) whether the rows of each year offset cover all twelve months: `month_counts` (4, 12)
    counts the one-month rows; the longer periods (`first`, `last`, `k`: only those rows) are
    taken from their distinct (k, first, last) combinations, not row by row."""
    covered = ((month_counts > 0) * (1 << np.arange(MONTHS))).sum(axis=1)
    combos = np.flatnonzero(np.bincount((k * 12 + first - 1) * 12 + last - 1, minlength=YEARS * 144))
    for c in combos.tolist():
        kk, rest = divmod(c, 144)
        f, la = divmod(rest, 12)
        covered[kk] |= months_mask(f + 1, la + 1)
    return covered == FULL_YEAR


def _rows(actuals: pd.DataFrame, year: int, p: int):
    """The rows of R−3 … R (R through p): the frame, and per row idx = k·12 + last − 1 (k: year R−k)."""
    if not len(actuals):
        return actuals, np.zeros(0, np.int64)
    idx = np.subtract(year, _int(actuals["fiscal_year"]))  # in place from here: no 30 MB temporaries
    idx *= MONTHS
    idx += _int(actuals["last_month"])
    idx -= 1
    keep = idx.view(np.uint64) < YEARS * MONTHS
    if p < MONTHS:
        keep &= (idx < p) | (idx >= MONTHS)  # R's rows after p are not seen
    if keep.all():
        return actuals, idx
    take = np.flatnonzero(keep)
    return actuals.iloc[take], idx[take]


def build_ledger(actuals: pd.DataFrame, budget_names: pd.DataFrame, budget: np.ndarray, has_budget: np.ndarray,
                 dims: list[str], parent_dim: int, year: int, p: int) -> Ledger:
    """Reduce the actual rows of R−3 … R (R through p) and the budget lines to group arrays."""
    vocab = [Vocabulary() for _ in dims]
    b_codes = [v.codes(budget_names[d], shift=True) for v, d in zip(vocab, dims)]
    rows, idx = _rows(actuals, year, p)
    a_codes = [v.codes(rows[d], shift=True) if len(rows) else np.zeros(0, np.int32) for v, d in zip(vocab, dims)]
    amount = np.asarray(rows["amount"], dtype=np.float64) if len(rows) else np.zeros(0)
    if np.isnan(amount).any():
        amount = np.where(np.isnan(amount), 0.0, amount)  # a blank amount counts as 0 in sums
    sizes = [len(v.names) for v in vocab]
    b_keys = _combine(b_codes, sizes)[has_budget] if len(b_codes[0]) else np.zeros(0, np.int64)
    a_keys = _combine(a_codes, sizes) if len(rows) else np.zeros(0, np.int64)
    del a_codes
    space = int(np.prod([s + 1 for s in sizes], dtype=np.float64))
    if space <= DENSE_LIMIT:
        present = np.zeros(space, dtype=bool)
        present[b_keys] = True
        present[a_keys] = True
        lut = np.cumsum(present, dtype=np.int32) - 1
        group_keys = np.flatnonzero(present)
        b_gid, a_gid = lut[b_keys], lut[a_keys]
    else:
        codes, group_keys = pd.factorize(np.concatenate([b_keys.astype(np.int64), a_keys.astype(np.int64)]))
        b_gid, a_gid = codes[:len(b_keys)], codes[len(b_keys):]
        group_keys = np.asarray(group_keys, dtype=np.int64)
    G = len(group_keys)
    cell = a_gid.astype(np.int64)
    cell *= YEARS * MONTHS
    cell += idx
    del a_gid
    M = np.bincount(cell, weights=amount, minlength=G * YEARS * MONTHS).reshape(G, YEARS, MONTHS)
    per_month = np.bincount(idx, minlength=YEARS * MONTHS)
    first_all = _int(rows["first_month"]) if len(rows) else np.zeros(0, np.int64)
    last_all = _int(rows["last_month"]) if len(rows) else np.zeros(0, np.int64)
    longer = np.flatnonzero(first_all != last_all)                  # quarters and whole years
    k_l, first_l, last_l = idx[longer] // MONTHS, first_all[longer], last_all[longer]
    per_month -= np.bincount(idx[longer], minlength=YEARS * MONTHS)
    whole_rows = longer[(first_l == 1) & (last_l == MONTHS)]
    whole = np.zeros(G * YEARS, dtype=bool)
    whole[cell[whole_rows] // MONTHS] = True                        # (g, k) of each whole-year row
    in_r = np.bincount(cell[idx < MONTHS] // (YEARS * MONTHS), minlength=G) > 0
    g_budget = np.bincount(b_gid, weights=np.nan_to_num(budget[has_budget]), minlength=G)
    g_has = np.bincount(b_gid, minlength=G) > 0
    group_dims = _split(group_keys, sizes)
    return Ledger(dims=group_dims, vocab=vocab, M=M, whole=whole.reshape(G, YEARS),
                  complete=_coverage(per_month.reshape(YEARS, MONTHS), first_l, last_l, k_l), budget=g_budget,
                  has_budget=g_has, in_r=in_r, parent=group_dims[:, parent_dim], n_parent=max(sizes[parent_dim], 1))


def level_shares(M: np.ndarray, whole: np.ndarray, complete: np.ndarray, months: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(share, offered) for each unit and each month in `months`: the mean over the complete prior
    years in which the unit's full-year total is above 0 (and not given whole) of its actuals
    through the month ÷ its full-year actuals; `offered` False where no year qualifies."""
    cum = np.cumsum(M[:, 1:, :], axis=2)                     # (U, 3, 12)
    full = cum[:, :, MONTHS - 1]
    ok = complete[None, 1:] & (full > 0) & ~whole[:, 1:]     # (U, 3)
    through = cum[:, :, months - 1]                          # (U, 3, P)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ok[:, :, None], through / np.where(full > 0, full, 1.0)[:, :, None], 0.0)
    n = ok.sum(axis=1)
    share = ratio.sum(axis=1) / np.maximum(n, 1)[:, None]
    return share, np.broadcast_to((n > 0)[:, None], share.shape)


LEVELS = ("group", "parent", "city", "elapsed")


def group_shares(ledger: Ledger, rows: np.ndarray, months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(share, level) of the groups `rows` for each month: group → parent → city → month ÷ 12;
    level is an index into LEVELS."""
    M, W = ledger.M, ledger.whole
    s_g, ok_g = level_shares(M[rows], W[rows], ledger.complete, months)
    parent = np.where(ledger.parent < 0, ledger.n_parent, ledger.parent)  # a blank parent is its own unit
    n_par = ledger.n_parent + 1
    M_p = np.zeros((n_par, YEARS * MONTHS))
    _sum_rows(M_p, parent, M)
    W_p = np.bincount(np.repeat(parent, YEARS) * YEARS + np.tile(np.arange(YEARS), len(parent)),
                      weights=W.reshape(-1).astype(np.float64), minlength=n_par * YEARS).reshape(n_par, YEARS) > 0
    s_p, ok_p = level_shares(M_p.reshape(n_par, YEARS, MONTHS), W_p, ledger.complete, months)
    s_c, ok_c = level_shares(M.sum(axis=0)[None], W.any(axis=0)[None], ledger.complete, months)
    pr = parent[rows]
    share = np.where(ok_g, s_g, np.where(ok_p[pr], s_p[pr], np.where(ok_c, s_c, months[None, :] / MONTHS)))
    level = np.where(ok_g, 0, np.where(ok_p[pr], 1, np.where(ok_c, 2, 3)))
    return share, level


def _sum_rows(out: np.ndarray, parent: np.ndarray, M: np.ndarray) -> None:
    """out[parent[g]] += M[g] for every g, in one bincount over (parent, year, month) cells."""
    width = out.shape[1]
    cells = (parent[:, None] * width + np.arange(width)[None, :]).reshape(-1)
    out += np.bincount(cells, weights=M.reshape(-1), minlength=out.size).reshape(out.shape)

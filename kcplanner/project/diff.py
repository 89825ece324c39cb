"""What changed between two datasets: the re-import preview (`diff_datasets(old, new)`).

Line items are matched by their key (fund, department, program, account, account class,
recurring), revenue lines by (fund, source, recurring), requests by request ID; names match
case-insensitively with surrounding spaces ignored (SPEC: names), and results use the new
spelling.  Line items sharing one key (a workbook may list the same account twice) are compared
as one: their amounts summed, their count compared.  Amounts differ when they differ by more than
half a cent, or when one side is blank and the other is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..dataset import Dataset, LINE_ITEM_KEYS, REQUEST_COLUMNS

REVENUE_KEYS = ["fund", "source", "recurring"]
TOLERANCE = 0.005


@dataclass(frozen=True)
class AmountChange:
    fiscal_year: Any
    phase: str | None      # None for request costs (one amount a fiscal year)
    old: float | None      # None = blank
    new: float | None

    @property
    def difference(self) -> float:
        return (self.new or 0.0) - (self.old or 0.0)

    def describe(self) -> str:
        label = f"FY{self.fiscal_year}" + (f" {self.phase}" if self.phase else "")
        return f"{label} {_money(self.old)} → {_money(self.new)} ({self.difference:+,.2f})"


@dataclass(frozen=True)
class KeyedChange:
    """One line item (or revenue line) key that was added, removed or changed."""

    key: tuple
    status: str                       # "added" | "removed" | "changed"
    old_lines: int
    new_lines: int
    amounts: tuple[AmountChange, ...] = ()

    @property
    def total_difference(self) -> float:
        return float(sum(a.difference for a in self.amounts))

    def describe(self) -> str:
        name = " / ".join("" if k is None else str(k) for k in self.key)
        if self.status == "added":
            return f"Added {name}"
        if self.status == "removed":
            return f"Removed {name}"
        parts = [a.describe() for a in self.amounts]
        if self.old_lines != self.new_lines:
            parts.insert(0, f"lines {self.old_lines} → {self.new_lines}")
        return f"Changed {name}: " + "; ".join(parts)


@dataclass(frozen=True)
class RequestChange:
    request_id: str
    status: str                                        # "added" | "removed" | "changed"
    title: str = ""
    fields: tuple[tuple[str, Any, Any], ...] = ()      # (column, old, new)
    costs: tuple[AmountChange, ...] = ()

    def describe(self) -> str:
        if self.status != "changed":
            return f"{self.status.capitalize()} request {self.request_id} '{self.title}'"
        parts = [f"{c} {o!r} → {n!r}" for c, o, n in self.fields] + [a.describe() for a in self.costs]
        return f"Changed request {self.request_id}: " + "; ".join(parts)


@dataclass
class DatasetDiff:
    line_items: list[KeyedChange] = field(default_factory=list)
    revenue: list[KeyedChange] = field(default_factory=list)
    requests: list[RequestChange] = field(default_factory=list)
    tables_changed: list[str] = field(default_factory=list)   # other tables that differ at all

    def _count(self, items, status) -> int:
        return sum(1 for c in items if c.status == status)

    @property
    def added(self) -> list[KeyedChange]:
        return [c for c in self.line_items if c.status == "added"]

    @property
    def removed(self) -> list[KeyedChange]:
        return [c for c in self.line_items if c.status == "removed"]

    @property
    def changed(self) -> list[KeyedChange]:
        return [c for c in self.line_items if c.status == "changed"]

    @property
    def is_empty(self) -> bool:
        return not (self.line_items or self.revenue or self.requests or self.tables_changed)

    def counts(self) -> dict[str, int]:
        out = {}
        for name, items in (("line_items", self.line_items), ("revenue", self.revenue), ("requests", self.requests)):
            for status in ("added", "removed", "changed"):
                out[f"{name}_{status}"] = self._count(items, status)
        out["tables_changed"] = len(self.tables_changed)
        return out

    def summary(self) -> str:
        if self.is_empty:
            return "No differences"
        parts = []
        for label, items in (("line items", self.line_items), ("revenue lines", self.revenue),
                             ("requests", self.requests)):
            if items:
                a, r, c = (self._count(items, s) for s in ("added", "removed", "changed"))
                parts.append(f"{label}: {a} added, {r} removed, {c} changed")
        if self.tables_changed:
            parts.append("also changed: " + ", ".join(self.tables_changed))
        return "; ".join(parts)

    def rows(self) -> list[list]:
        """Plain rows for a preview table or a sheet: what, status, key…, description, difference."""
        rows: list[list] = [["What", "Status", "Name", "Change", "Difference"]]
        for what, items in (("Line item", self.line_items), ("Revenue", self.revenue)):
            for c in items:
                rows.append([what, c.status, " / ".join("" if k is None else str(k) for k in c.key), c.describe(),
                             c.total_difference])
        for c in self.requests:
            rows.append(["Request", c.status, c.request_id, c.describe(),
                         float(sum(a.difference for a in c.costs))])
        for t in self.tables_changed:
            rows.append(["Table", "changed", t, f"{t} differs", None])
        return rows


def _money(v: float | None) -> str:
    return "blank" if v is None else f"{v:,.2f}"


def _show(v) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "Y" if v else "N"
    return str(v).strip()


def _norm(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(matching codes, matching strings of those codes, display strings) of one key column."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        cats, codes = list(series.cat.categories), series.cat.codes.to_numpy()
    else:
        codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
        cats = list(uniques)
    display = np.array([_show(v) for v in cats] + [""], dtype=object)
    match_codes, match_uniques = pd.factorize(np.array([" ".join(d.split()).casefold() for d in display], dtype=object))
    return match_codes[codes], np.asarray(match_uniques, dtype=object), display[codes]


def _grouped(keys: pd.DataFrame, amounts: pd.DataFrame, key_cols: list[str], amount_cols: list) -> pd.DataFrame:
    """One row per matching key: the first line's display names, the line count and summed amounts
    (NaN where every line is blank), indexed by the matching strings."""
    n = len(keys)
    codes, uniques, displays = [], [], []
    for c in key_cols:
        if c in keys.columns:
            mc, mu, disp = _norm(keys[c])
        else:
            mc, mu, disp = np.zeros(n, np.int64), np.array([""], dtype=object), np.full(n, "", dtype=object)
        codes.append(mc.astype(np.int64))
        uniques.append(mu)
        displays.append(disp)
    # one int id per distinct key: mixed-radix codes, re-factorized before they could overflow
    inverse = np.zeros(n, dtype=np.int64)
    size = 1
    for mc, mu in zip(codes, uniques):
        radix = len(mu) + 1
        if size * radix >= 2**62:
            inverse, u = pd.factorize(inverse)
            size = len(u)
        inverse = inverse * radix + mc
        size *= radix
    inverse, u = pd.factorize(inverse)          # group ids in order of first appearance
    ng = len(u)
    _ids, first = np.unique(inverse, return_index=True)
    index = pd.Index(["\x1f".join(parts) for parts in zip(*(uniques[j][codes[j][first]]
                                                            for j in range(len(key_cols))))], dtype=object)
    data = {("d", c): displays[j][first] for j, c in enumerate(key_cols)}
    data[("n", "")] = np.bincount(inverse, minlength=ng)
    for j, col in enumerate(amount_cols):
        values = amounts[col].to_numpy(dtype=float) if col in amounts.columns else np.full(n, np.nan)
        given = ~np.isnan(values)
        total = np.bincount(inverse, weights=np.where(given, values, 0.0), minlength=ng)
        count = np.bincount(inverse, weights=given.astype(float), minlength=ng)
        data[("a", j)] = np.where(count > 0, total, np.nan)
    return pd.DataFrame(data, index=index)


def _keyed_diff(old_keys, old_amounts, new_keys, new_amounts, key_cols, tol) -> list[KeyedChange]:
    amount_cols = list(dict.fromkeys(list(old_amounts.columns) + list(new_amounts.columns)))
    try:
        amount_cols = sorted(amount_cols, key=lambda c: tuple(str(x) for x in (c if isinstance(c, tuple) else (c,))))
    except TypeError:
        pass
    old = _grouped(old_keys, old_amounts, key_cols, amount_cols)
    new = _grouped(new_keys, new_amounts, key_cols, amount_cols)
    acols = [("a", j) for j in range(len(amount_cols))]
    out: list[KeyedChange] = []

    def key_of(row_display) -> tuple:
        return tuple(v if v != "" else None for v in row_display)

    dcols = [("d", c) for c in key_cols]
    added = new.index.difference(old.index, sort=False)
    removed = old.index.difference(new.index, sort=False)
    common = new.index.intersection(old.index, sort=False)
    for idx in added:
        row = new.loc[idx]
        out.append(KeyedChange(key_of(row[dcols]), "added", 0, int(row[("n", "")]),
                               tuple(AmountChange(*_split(amount_cols[j]), None, _f(row[("a", j)]))
                                     for j in range(len(amount_cols)) if _f(row[("a", j)]) is not None)))
    for idx in removed:
        row = old.loc[idx]
        out.append(KeyedChange(key_of(row[dcols]), "removed", int(row[("n", "")]), 0,
                               tuple(AmountChange(*_split(amount_cols[j]), _f(row[("a", j)]), None)
                                     for j in range(len(amount_cols)) if _f(row[("a", j)]) is not None)))
    if len(common):
        a = old.loc[common, acols].to_numpy(dtype=float)
        b = new.loc[common, acols].to_numpy(dtype=float)
        na, nb = np.isnan(a), np.isnan(b)
        differs = (na != nb) | (~na & ~nb & (np.abs(np.nan_to_num(a) - np.nan_to_num(b)) > tol))
        counts_old = old.loc[common, ("n", "")].to_numpy()
        counts_new = new.loc[common, ("n", "")].to_numpy()
        rows = np.flatnonzero(differs.any(axis=1) | (counts_old != counts_new))
        disp = new.loc[common, dcols].to_numpy(dtype=object)
        for r in rows:
            changes = tuple(AmountChange(*_split(amount_cols[j]), _f(a[r, j]), _f(b[r, j]))
                            for j in np.flatnonzero(differs[r]))
            out.append(KeyedChange(key_of(disp[r]), "changed", int(counts_old[r]), int(counts_new[r]), changes))
    return out


def _split(col) -> tuple:
    if isinstance(col, tuple) and len(col) == 2:
        return col[0], col[1]
    return col, None


def _f(v) -> float | None:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return None if v != v else v


def _plain(v):
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def diff_requests(old_requests: pd.DataFrame, old_costs: pd.DataFrame, new_requests: pd.DataFrame,
                  new_costs: pd.DataFrame, tol: float = TOLERANCE) -> list[RequestChange]:
    def table(requests, costs):
        out = {}
        if "request_id" not in requests.columns:
            return out
        cols = [c for c in REQUEST_COLUMNS if c in requests.columns and c != "request_id"]
        records = requests[cols].astype(object).to_numpy()
        cost_lookup = {" ".join(str(i).split()).casefold(): row for i, row in
                       zip(costs.index, costs.to_numpy(dtype=float))} if len(costs.columns) else {}
        for rid, rec in zip(requests["request_id"].astype(object), records):
            key = " ".join(str(rid).split()).casefold()
            vals = {c: _plain(v) for c, v in zip(cols, rec)}
            row = cost_lookup.get(key)
            out[key] = (str(rid).strip(), vals, {} if row is None else
                        {y: _f(x) for y, x in zip(costs.columns, row)})
        return out

    old, new = table(old_requests, old_costs), table(new_requests, new_costs)
    changes = []
    for key, (rid, vals, _c) in new.items():
        if key not in old:
            changes.append(RequestChange(rid, "added", str(vals.get("title") or "")))
    for key, (rid, vals, _c) in old.items():
        if key not in new:
            changes.append(RequestChange(rid, "removed", str(vals.get("title") or "")))
    for key, (rid, vals, costs) in new.items():
        if key not in old:
            continue
        _rid, ovals, ocosts = old[key]
        fields = tuple((c, ovals.get(c), vals.get(c)) for c in vals
                       if not _same(ovals.get(c), vals.get(c), tol))
        years = list(dict.fromkeys(list(ocosts) + list(costs)))
        cost_changes = tuple(AmountChange(y, None, ocosts.get(y), costs.get(y)) for y in years
                             if not _same(ocosts.get(y), costs.get(y), tol))
        if fields or cost_changes:
            changes.append(RequestChange(rid, "changed", str(vals.get("title") or ""), fields, cost_changes))
    return changes


def _same(a, b, tol) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) <= tol
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()) == " ".join(b.split())
    return a == b


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if a.shape != b.shape or list(a.columns) != list(b.columns):
        return False
    try:
        pd.testing.assert_frame_equal(a.reset_index(drop=False), b.reset_index(drop=False), check_dtype=False,
                                      check_categorical=False, check_index_type=False, check_column_type=False,
                                      check_names=False)
        return True
    except (AssertionError, TypeError, ValueError):
        return False


def diff_datasets(old: Dataset, new: Dataset, tolerance: float = TOLERANCE) -> DatasetDiff:
    """Added, removed and changed line items, revenue lines and requests between two datasets,
    plus the names of the other tables (goals, KPIs, positions, funds, …) that differ at all."""
    diff = DatasetDiff()
    ob, nb = old.budget, new.budget
    diff.line_items = _keyed_diff(ob.line_items, ob.amounts, nb.line_items, nb.amounts, LINE_ITEM_KEYS, tolerance)
    op, np_ = old.plan, new.plan
    diff.revenue = _keyed_diff(op.revenue, op.revenue_amounts, np_.revenue, np_.revenue_amounts, REVENUE_KEYS,
                               tolerance)
    diff.requests = diff_requests(ob.requests, ob.request_costs, nb.requests, nb.request_costs, tolerance)
    covered = {("budget", "line_items"), ("budget", "amounts"), ("plan", "revenue"), ("plan", "revenue_amounts"),
               ("budget", "requests"), ("budget", "request_costs")}
    for owner in ("plan", "budget"):
        a, b = getattr(old, owner), getattr(new, owner)
        for name in type(a).__dataclass_fields__:
            if (owner, name) in covered:
                continue
            x, y = getattr(a, name, None), getattr(b, name, None)
            if isinstance(x, pd.DataFrame) and isinstance(y, pd.DataFrame):
                if not _frames_equal(x, y):
                    diff.tables_changed.append(f"{owner}.{name}")
            elif x != y:
                diff.tables_changed.append(f"{owner}.{name}")
    return diff


__all__ = ["diff_datasets", "diff_requests", "DatasetDiff", "KeyedChange", "RequestChange", "AmountChange"]

"""Reading one field of a mapped sheet (the pass after mapping_sheet.prepare): text, fiscal year,
phase, account class, recurring flag, amounts and rates, each through the field's values map, once
per distinct value of its column; a cell that is not what the field expects is an error naming it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import values as V
from ..fiscal import LINE_ITEM_PHASES, REVENUE_PHASES, parse_fiscal_year, parse_phase
from .bounds import AMOUNT, GROWTH, check
from .columns import CLASS_ALIASES, CLASS_LOOKUP, describe_choices, norm
from .mapping import Mapping
from .mapping_sheet import Context, key
from .table import _blank_value

PHASES = tuple(dict.fromkeys(LINE_ITEM_PHASES + REVENUE_PHASES))


def _vmap(m: Mapping, f: str) -> dict[str, object] | None:
    vm = m.values.get(f)
    if not vm:
        return None
    return {("*" if k == "*" else key(k)): v for k, v in vm.items()}


def _map_value(vm, v):
    if vm is None:
        return v
    k = key(v)
    if k in vm:
        return vm[k]
    if k and "*" in vm:
        return vm["*"]
    return v


def per_unique(ctx: Context, f: str, fn, dtype=object, na=None) -> tuple[np.ndarray, int | None]:
    """fn(value after the field's values map) per distinct value of the field's column, or of its constant."""
    n = ctx.t.data.shape[0]
    src = ctx.m.source_of(f)
    vm = _vmap(ctx.m, f)
    if src is None:
        return np.full(n, na, dtype=dtype), None
    kind, v = src
    if kind == "constant":
        out = np.empty(n, dtype=dtype)
        out[:] = fn(_map_value(vm, v))
        return out, None
    j = ctx.fields[f]
    codes, uniques = ctx.t.factorized(j)
    out = np.empty(len(uniques) + 1, dtype=dtype)
    for k, u in enumerate(uniques):
        out[k] = fn(_map_value(vm, u) if not _blank_value(u) else u)
    out[-1] = na
    return out[codes], j


def text(ctx: Context, f: str, required: str | None = None, rows: np.ndarray | None = None) -> np.ndarray:
    vals, j = per_unique(ctx, f, V._clean_one)
    if required and j is not None:
        mask = pd.isna(vals) & ctx.t.live
        if rows is not None:
            mask &= rows
        for i in np.flatnonzero(mask):
            ctx.t.cell_error(int(i), j, f"expected {required}, found a blank cell", kind="blank")
    return vals


def bad_values(ctx: Context, f: str, ok: np.ndarray, expected: str, rows: np.ndarray | None = None) -> None:
    j = ctx.fields.get(f)
    bad = ~ok & ctx.t.live & ~ctx.t.bad
    if rows is not None:
        bad &= rows
    if j is None:
        if bad.any():
            src = ctx.m.source_of(f)
            ctx.report.error(ctx.t.file, ctx.t.sheet, "", f"the mapping's constant {f} {src[1] if src else ''!r}: "
                             f"expected {expected}")
            ctx.t.bad |= bad
        return
    ctx.t.report_bad(bad, j, expected)


def account_class(ctx: Context, rows: np.ndarray) -> np.ndarray:
    def one(v):
        if _blank_value(v):
            return "Other"
        return CLASS_LOOKUP.get(norm(v))

    vals, j = per_unique(ctx, "account_class", one, na="Other")
    if ctx.m.source_of("account_class") is None:
        return np.full(ctx.t.data.shape[0], "Other", dtype=object)
    ok = np.array([v is not None for v in vals], dtype=bool)
    bad_values(ctx, "account_class", ok, "an account class: " + describe_choices(CLASS_ALIASES)
               + " (or give the mapping a values map for account_class)", rows)
    return vals


def flag(ctx: Context, f: str = "recurring") -> np.ndarray:
    def one(v):
        if _blank_value(v):
            return True
        if isinstance(v, bool):
            return v
        out, bad = V.parse_flags([v], True)
        return None if bad[0] else bool(out[0])

    vals, j = per_unique(ctx, f, one, na=True)
    if ctx.m.source_of(f) is None:
        return np.ones(ctx.t.data.shape[0], dtype=bool)
    ok = np.array([v is not None for v in vals], dtype=bool)
    bad_values(ctx, f, ok, "Y or N (or give the mapping a values map for recurring)")
    return np.array([bool(v) if v is not None else True for v in vals], dtype=bool)


def year(ctx: Context, rows: np.ndarray | None = None) -> np.ndarray:
    def one(v):
        if _blank_value(v):
            return np.nan
        y = parse_fiscal_year(v.strip() if isinstance(v, str) else v)
        return float(y) if y is not None else -1.0

    vals, j = per_unique(ctx, "fiscal_year", one, dtype=float, na=np.nan)
    vals = vals.astype(float)
    if ctx.m.source_of("fiscal_year") is None:
        return vals
    bad_values(ctx, "fiscal_year", vals != -1.0, "a fiscal year such as FY2027, 2027 or FY16-17", rows)
    if j is not None:
        blank = np.isnan(vals) & ctx.t.live & ~ctx.t.bad
        if rows is not None:
            blank &= rows
        for i in np.flatnonzero(blank):
            ctx.t.cell_error(int(i), j, "expected a fiscal year, found a blank cell", kind="blank")
    return np.where(vals == -1.0, np.nan, vals)


def phase(ctx: Context, dest: np.ndarray) -> np.ndarray:
    vals, j = per_unique(ctx, "phase", lambda v: None if _blank_value(v) else (parse_phase(str(v), PHASES) or "?"),
                         na=None)
    if ctx.m.source_of("phase") is None:
        return vals
    ok_line = np.array([v in LINE_ITEM_PHASES for v in vals], dtype=bool)
    ok_rev = np.array([v in REVENUE_PHASES for v in vals], dtype=bool)
    ok = np.where(dest == "revenue", ok_rev, ok_line)
    bad_values(ctx, "phase", ok | (dest == ""), "a phase: Actual, Adopted or Requested (Submitted, Proposed) for "
               "line items; Actual, Adopted, Estimate or Projected for revenue")
    return vals


def amount_column(ctx: Context, j: int) -> np.ndarray:
    vals, bad = V.parse_amounts(ctx.t.data[:, j])
    ctx.t.report_bad(bad, j, "an amount")
    check(ctx.t, j, np.where(bad, np.nan, vals), AMOUNT, "an amount")  # 1e308 would overflow the totals
    return vals


def rate(ctx: Context, f: str) -> np.ndarray:
    src = ctx.m.source_of(f)
    n = ctx.t.data.shape[0]
    if src is None:
        return np.zeros(n)
    if src[0] == "constant":
        vals, bad = V.parse_rates([src[1]], isinstance(src[1], str) and "%" in src[1])
        return np.full(n, 0.0 if np.isnan(vals[0]) else vals[0])
    j = ctx.fields[f]
    vals, bad = V.parse_rates(ctx.t.data[:, j], "%" in ctx.t.header_text(j))
    ctx.t.report_bad(bad, j, "a rate such as 3% or 0.03")
    check(ctx.t, j, np.where(bad, np.nan, vals), GROWTH, "a rate", percent=True)
    return np.where(np.isnan(vals), 0.0, vals)

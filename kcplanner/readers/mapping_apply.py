"""Applying an import mapping to one sheet: rows → line items, revenue lines (or KPIs, kpi_export.py).

Every row below the header is accounted for (read = imported + excluded, with reasons), like the
standard readers.  Sentinel texts (`missing`) are counted per column and reported once per column
with their first cells; an Excel error cell (`#N/A` …) in a column the mapping uses is an error
unless its text is one of the sentinels; in a column the mapping does not use it is a warning
naming the cell.  Everything is vectorized on the distinct values of each column, so an 11,000-row
sheet maps in well under a second (the dialog re-runs it on every edit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import values as V
from ..dataset import REVENUE_KEYS, SOURCE_COLUMNS, amounts_frame
from ..fiscal import LINE_ITEM_PHASES, REVENUE_PHASES, parse_fiscal_year, parse_phase
from ..report import RowCount, ValidationReport, column_letter
from .columns import CLASS_ALIASES, CLASS_LOOKUP, KPIS, LINE_ITEMS, REVENUE, describe_choices, norm
from .mapping import Mapping
from .table import HEADER_SEARCH_ROWS, Table, _blank_value
from .workbook import ERROR_TEXTS, Sheet, UnreadableFile, Workbook

MAX_CELLS_LISTED = 20
PHASES = tuple(dict.fromkeys(LINE_ITEM_PHASES + REVENUE_PHASES))


def key(v) -> str:
    """How source values are compared (split, values maps, where): trimmed, spaces collapsed, case-folded."""
    if v is None:
        return ""
    if isinstance(v, float) and v == v and v.is_integer():
        v = int(v)
    return " ".join(str(v).split()).casefold()


class MappedTable(Table):
    """A Table that also remembers why each excluded row was excluded (for the dialog)."""

    def __post_init__(self):
        super().__post_init__()
        self.reasons = np.full(self.data.shape[0], "", dtype=object)

    def exclude(self, mask: np.ndarray, reason: str) -> None:
        new = mask & ~self.excluded
        self.reasons[new] = reason
        super().exclude(mask, reason)


@dataclass
class MappedPart:
    """What one mapping made of one sheet."""

    file: str
    sheet: str
    mapping: Mapping
    header_row: int = 0  # 0-based
    count: RowCount | None = None
    line_items: pd.DataFrame | None = None
    amounts: pd.DataFrame | None = None
    revenue: pd.DataFrame | None = None
    revenue_amounts: pd.DataFrame | None = None
    kpis: pd.DataFrame | None = None
    kpi_targets: pd.DataFrame | None = None
    kpi_history: pd.DataFrame | None = None
    goals: pd.DataFrame | None = None
    sentinels: dict[str, int] = field(default_factory=dict)  # column header → cells holding a sentinel
    error_cells: list[str] = field(default_factory=list)  # A1 of Excel error cells (any column)
    rows: pd.DataFrame | None = None  # per source row: Excel row, table, fields, amounts, excluded reason
    unreadable: dict[str, int] = field(default_factory=dict)  # kpis: values reported, not guessed

    def totals(self) -> pd.DataFrame:
        """Sum per table, fiscal year and phase (unrounded dollars)."""
        out = []
        for table, am in (("line_items", self.amounts), ("revenue", self.revenue_amounts)):
            if am is None or not len(am.columns):
                continue
            sums = am.sum(axis=0, min_count=0)
            for (y, ph), v in sums.items():
                out.append({"table": table, "fiscal_year": int(y), "phase": ph, "total": float(v),
                            "lines": int(am[(y, ph)].notna().sum())})
        return pd.DataFrame(out, columns=["table", "fiscal_year", "phase", "total", "lines"])


# -- opening ---------------------------------------------------------------------------------------

def open_sheet(path, sheet: str | None = None) -> tuple[Sheet, list[str]]:
    """The sheet a mapping reads (by name, matched like the readers; else the first with data)."""
    wb = Workbook(path)
    try:
        names = wb.sheet_names
        name = None
        if wb.suffix == ".csv":  # one sheet, named after the file: any mapping's sheet name is this one
            sheet = None
        if sheet is not None:
            name = next((n for n in names if n == sheet), None) or \
                next((n for n in names if norm(n) == norm(sheet)), None)
            if name is None:
                raise UnreadableFile(f"has no sheet {sheet!r} (the mapping's sheet); its sheets: {', '.join(names)}")
            s = wb.sheet(name)
            s.grid()
            return s, names
        for n in names:
            s = wb.sheet(n)
            if s.grid().size:
                return s, names
        raise UnreadableFile("is empty: no sheet holds any data")
    finally:
        wb.close()


def header_text(v) -> str:
    """A header cell as text: `FY2025 Actual`; a number keeps its digits (2021.0 → `2021`)."""
    return V._clean_one(v) or ""


def header_keys(row) -> dict[str, int]:
    """norm(header text) → first column index."""
    out: dict[str, int] = {}
    for j, v in enumerate(row):
        k = norm(header_text(v))
        if k and k not in out:
            out[k] = j
    return out


def referenced_columns(m: Mapping) -> list[str]:
    cols = list(m.columns.values()) + list(m.amounts) + list(m.history) + list(m.targets) + list(m.where)
    if m.amount:
        cols.append(m.amount)
    if m.split is not None:
        cols.append(m.split.column)
    return list(dict.fromkeys(c for c in cols if c))


def find_header(grid: np.ndarray, m: Mapping) -> int | None:
    """0-based header row: the mapping's, else the first row (of 20) holding every column it names."""
    if m.header_row is not None:
        return m.header_row - 1 if m.header_row - 1 < grid.shape[0] else None
    wanted = {norm(c) for c in referenced_columns(m)}
    best, best_n = None, -1
    for r in range(min(HEADER_SEARCH_ROWS, grid.shape[0])):
        have = set(header_keys(grid[r]))
        n = len(wanted & have)
        if wanted and n == len(wanted):
            return r
        if n > best_n:
            best, best_n = r, n
    if not wanted:
        return 0
    return best if best_n > 0 else None  # the closest row: the message names the columns it lacks


def resolve(headers, name: str) -> int | None:
    for j, h in enumerate(headers):
        if header_text(h) == name.strip():
            return j
    return header_keys(headers).get(norm(name))


# -- the shared first pass --------------------------------------------------------------------------

@dataclass
class Context:
    m: Mapping
    t: MappedTable
    report: ValidationReport
    fields: dict[str, int]
    amount_cols: dict[int, tuple[int, str]]
    amount_col: int | None
    split_col: int | None
    used: list[int]
    miss: set[str]
    part: MappedPart


def prepare(sheet, m: Mapping, report: ValidationReport, file: str, sheet_name: str) -> Context | None:
    """Header, columns, sentinels, error cells, blank and subtotal rows, the row filter and the split."""
    grid = sheet.grid() if isinstance(sheet, Sheet) else sheet
    r = find_header(grid, m)
    wanted = referenced_columns(m)
    if r is None:
        report.error(file, sheet_name, "", f"no header row in the first {HEADER_SEARCH_ROWS} rows holds the columns "
                     f"the mapping names: {', '.join(wanted)}")
        return None
    headers = list(grid[r])
    where = f"A{r + 1}"
    missing_cols = [c for c in wanted if resolve(headers, c) is None]
    if missing_cols:
        texts = [str(h).strip() for h in headers if str(h).strip()]
        report.error(file, sheet_name, where, f"the mapping names the column(s) {', '.join(map(repr, missing_cols))}, "
                     f"which the header row (row {r + 1}) does not have; its columns: {', '.join(texts[:40])}")
        return None
    fields = {f: resolve(headers, c) for f, c in m.columns.items()}
    amount_cols = {resolve(headers, c): yp for c, yp in m.amounts.items()}
    amount_col = resolve(headers, m.amount) if m.amount else None
    split_col = resolve(headers, m.split.column) if m.split is not None else None
    if isinstance(sheet, Sheet):
        sheet.find_errors(r + 1)
        positions = sheet.errors if sheet.scanned else None
        grid = sheet.grid()  # formula cells computed from the XML may have grown it
    else:
        positions = None
    data = np.array(grid[r + 1:], dtype=object, copy=True)
    n, width = data.shape if data.ndim == 2 else (0, len(headers))
    used = sorted({*fields.values(), *amount_cols, *(x for x in (amount_col, split_col) if x is not None),
                   *(resolve(headers, c) for c in list(m.history) + list(m.targets) + list(m.where))})
    part = MappedPart(file, sheet_name, m, r)
    miss = {key(x) for x in m.missing}
    # the row filter first, on the cells as they are: sentinels are counted in the selected rows only
    selected = np.ones(n, dtype=bool)
    where_masks = []
    for col, vals in m.where.items():
        j = resolve(headers, col)
        wanted_keys = {key(v) for v in vals}
        codes, uniques = pd.factorize(pd.Series(data[:, j], dtype=object), use_na_sentinel=True)
        ok_u = np.array([key(u) in wanted_keys for u in uniques] + [False], dtype=bool)
        where_masks.append((~ok_u[codes], f"not selected ({header_text(headers[j])} is not "
                                          f"{', '.join(str(v) for v in vals)})"))
        selected &= ok_u[codes]
    numeric_cols = set(amount_cols) | ({amount_col} if amount_col is not None else set()) | \
        {resolve(headers, c) for c in list(m.history) + list(m.targets)} | \
        {fields[f] for f in ("target", "baseline", "weight", "minimum", "maximum", "growth") if f in fields}
    # sentinels: counted and reported per column, then read as blank (or 0 in amount columns)
    if miss and n:
        for j in used:
            codes, uniques = pd.factorize(pd.Series(data[:, j], dtype=object), use_na_sentinel=True)
            hit_u = np.array([isinstance(u, str) and key(u) in miss for u in uniques] + [False], dtype=bool)
            mask = hit_u[codes]
            cnt = int((mask & selected).sum())
            if not cnt:
                continue
            texts = sorted({str(u).strip() for u, h in zip(uniques, hit_u) if h})
            head = header_text(headers[j])
            part.sentinels[head] = part.sentinels.get(head, 0) + cnt
            rows = np.flatnonzero(mask & selected)
            cells = [f"{column_letter(j)}{r + 2 + i}" for i in rows[:10]]
            zero = m.missing_means == "zero" and j in numeric_cols and m.table != "kpis"
            report.warning(file, sheet_name, column_letter(j),
                           f"{cnt} cell(s) of column {head!r} hold {', '.join(map(repr, texts))}, read as "
                           f"{'zero' if zero else 'not given (blank)'}: {', '.join(cells)}"
                           + (" …" if cnt > 10 else ""))
            data[mask, j] = 0.0 if zero else ""
    # Excel error cells: in a used column an error (unless a sentinel, handled above); elsewhere a warning
    errs: list[tuple[int, int, str]] = []
    if positions is not None:
        errs = sorted((rr - r - 1, c, str(txt)) for (rr, c), txt in positions.items()
                      if 0 <= rr - r - 1 < n and selected[rr - r - 1])
    elif n:
        for j in range(width):
            if j in used:
                continue
            codes, uniques = pd.factorize(pd.Series(data[:, j], dtype=object), use_na_sentinel=True)
            hit_u = np.array([isinstance(u, str) and u.strip() in ERROR_TEXTS for u in uniques] + [False], dtype=bool)
            errs.extend((int(i), j, str(data[i, j]).strip()) for i in np.flatnonzero(hit_u[codes] & selected))
    per_col: dict[int, int] = {}
    for i, c, txt in errs:
        part.error_cells.append(f"{column_letter(c)}{r + 2 + i}")
        if c in used:
            continue
        per_col[c] = per_col.get(c, 0) + 1
        if per_col[c] <= MAX_CELLS_LISTED:
            report.warning(file, sheet_name, f"{column_letter(c)}{r + 2 + i}",
                           f"the cell holds the error {txt} (column {header_text(headers[c])!r}, which the mapping "
                           "does not import)")
    for c, k in per_col.items():
        if k > MAX_CELLS_LISTED:
            report.warning(file, sheet_name, column_letter(c), f"… and {k - MAX_CELLS_LISTED} more error cells in "
                           f"column {header_text(headers[c])!r}")
    spec = KPIS if m.table == "kpis" else (REVENUE if m.table == "revenue" else LINE_ITEMS)
    t = MappedTable(report, file, sheet_name, spec, r, dict(fields), headers, data)
    t.found = {}  # type: ignore[attr-defined]
    if positions is not None:
        t.error_positions = {(rr, c): txt for (rr, c), txt in positions.items()  # type: ignore[attr-defined]
                             if not (isinstance(txt, str) and key(txt) in miss)}
    else:
        t.error_positions = None  # type: ignore[attr-defined]
    t.formula_failures = getattr(sheet, "formula_failures", {})  # type: ignore[attr-defined]
    part.count = t.count
    ctx = Context(m, t, report, fields, amount_cols, amount_col, split_col, used, miss, part)
    parsed = numeric_cols
    t.drop_blank_rows(used, parsed)
    keys = [f for f in ("fund", "department", "program", "account", "source", "kpi_id") if f in fields]
    t.drop_subtotals(keys)
    for mask, reason in where_masks:
        t.exclude(mask, reason)
    expected = {j: "a value" for j in used}
    for j in parsed:
        expected[j] = "an amount"
    t.flag_error_cells(used, expected, parsed=set())
    return ctx


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
    from .bounds import AMOUNT, check

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
    from .bounds import GROWTH, check

    check(ctx.t, j, np.where(bad, np.nan, vals), GROWTH, "a rate", percent=True)
    return np.where(np.isnan(vals), 0.0, vals)


# -- line items and revenue --------------------------------------------------------------------------

def destinations(ctx: Context) -> np.ndarray:
    """Per row: "line_items", "revenue" or "" (excluded by the split)."""
    t, m = ctx.t, ctx.m
    n = t.data.shape[0]
    if m.split is None:
        return np.full(n, m.table, dtype=object)
    vm = {key(k): v for k, v in m.split.values.items()}
    codes, uniques = t.factorized(ctx.split_col)
    dest_u = np.array([vm.get(key(u), "") for u in uniques] + [""], dtype=object)
    dest = dest_u[codes]
    head = t.header_text(ctx.split_col)
    unmapped = (dest == "") & t.live
    if unmapped.any():
        vals = sorted({str(v).strip() or "(blank)" for v in t.data[unmapped, ctx.split_col]})
        t.report.warning(t.file, t.sheet, column_letter(ctx.split_col),
                         f"{int(unmapped.sum())} row(s) whose {head!r} is {', '.join(map(repr, vals[:10]))} are not "
                         f"imported: the mapping's split sends only {', '.join(map(repr, m.split.values))}")
        t.exclude(unmapped, f"{head} not in the split")
    skip = (dest == "skip") & t.live
    if skip.any():
        t.exclude(skip, f"{head} skipped by the split")
    dest = np.where(dest == "skip", "", dest)
    return dest


def check_mapping(m: Mapping) -> list[str]:
    """Problems of a line_items / revenue mapping that no sheet can fix (missing fields, amounts)."""
    out = []
    dests = m.destinations()
    for d in sorted(dests & {"line_items", "revenue"}):
        for f in ("fund", "department", "program") if d == "line_items" else ("fund",):
            if m.source_of(f) is None:
                out.append(f"the field {f} (needed by {d}) has no column and no constant")
        if d == "revenue" and m.source_of("source") is None and m.source_of("account") is None:
            out.append("the field source (needed by revenue) has no column and no constant (nor an account column "
                       "to take it from)")
    if not m.amount and not m.amounts:
        out.append("no amounts: give 'amount' (one column) or 'amounts' (one column per year and phase)")
    if m.amount:
        for f in ("fiscal_year", "phase"):
            if m.source_of(f) is None:
                out.append(f"'amount' needs the {f.replace('_', ' ')} from a column or a constant")
    for c, (y, ph) in m.amounts.items():
        if "line_items" in dests and ph not in LINE_ITEM_PHASES:
            out.append(f"the amount column {c!r} has the phase {ph}, which line items do not have "
                       f"({', '.join(LINE_ITEM_PHASES)})")
        if "revenue" in dests and ph not in REVENUE_PHASES:
            out.append(f"the amount column {c!r} has the phase {ph}, which revenue does not have "
                       f"({', '.join(REVENUE_PHASES)})")
    return out


def apply_budget(sheet, m: Mapping, report: ValidationReport, file: str, sheet_name: str) -> MappedPart | None:
    """Apply a line_items / revenue mapping to a sheet (a workbook.Sheet or a 2-D object array)."""
    problems = check_mapping(m)
    if problems:
        for p in problems:
            report.error(file, sheet_name, "", f"the import mapping{' ' + m.name if m.name else ''}: {p}")
        return None
    ctx = prepare(sheet, m, report, file, sheet_name)
    if ctx is None:
        return None
    t, part = ctx.t, ctx.part
    n = t.data.shape[0]
    dest = destinations(ctx)
    is_line = dest == "line_items"
    is_rev = dest == "revenue"
    fund = text(ctx, "fund", "a fund name")
    dept = text(ctx, "department", "a department name", rows=is_line)
    prog = text(ctx, "program", "a program name", rows=is_line)
    acct = text(ctx, "account")
    if is_rev.any():
        src = text(ctx, "source", "a revenue source", rows=is_rev) if m.source_of("source") else acct
        if m.source_of("source") is None:
            jj = ctx.fields.get("account")
            for i in np.flatnonzero(is_rev & pd.isna(src) & t.live):
                if jj is not None:
                    t.cell_error(int(i), jj, "expected a revenue source (the account), found a blank cell", kind="blank")
    else:
        src = np.full(n, None, dtype=object)
    acls = account_class(ctx, is_line) if is_line.any() else np.full(n, "Other", dtype=object)
    rec = flag(ctx)
    growth = rate(ctx, "growth") if is_rev.any() else np.zeros(n)
    wide = {yp: amount_column(ctx, j) for j, yp in ctx.amount_cols.items()}
    if m.amount:
        fy = year(ctx, is_line | is_rev)
        ph = phase(ctx, dest)
        amt = amount_column(ctx, ctx.amount_col)
    keep = t.close()
    acct_li = np.where(pd.isna(acct), acls, acct)
    # per-row detail for the dialog
    detail = {"row": t.header_row + 2 + np.arange(n), "table": dest, "fund": fund, "department": dept,
              "program": prog, "account": acct_li if is_line.any() else acct, "account_class":
              np.where(is_line, acls, None), "source": np.where(is_rev, src, None), "recurring": rec}
    if m.amount:
        detail.update({"fiscal_year": fy, "phase": ph, "amount": amt})
    for (y, p), v in sorted(wide.items()):
        detail[f"FY{y} {p}"] = v
    detail["excluded"] = t.reasons
    part.rows = pd.DataFrame(detail)
    L = keep & is_line
    R = keep & is_rev

    def single(mask) -> bool:  # one year and one phase over these rows (constants, or a column with one value)
        return len(set(fy[mask].tolist())) == 1 and len(set(ph[mask].tolist())) == 1

    def per_row_amounts(mask, phases, lines) -> pd.DataFrame:
        cols = {yp: v[mask] for yp, v in wide.items() if yp[1] in phases}
        if m.amount:
            yp = (int(fy[mask][0]), ph[mask][0])
            a = amt[mask]
            cols[yp] = np.where(np.isnan(a), cols[yp], a + np.nan_to_num(cols[yp])) if yp in cols else a
        order = sorted(cols)
        am = amounts_frame(lines, order)
        if order:
            am[:] = np.column_stack([cols[c] for c in order])
        return am

    from .common import sources
    for mask in (L, R):
        if mask.any() and m.amount and wide and not single(mask):
            report.error(file, sheet_name, "", "the mapping has both 'amount' (whose year or phase varies by row) "
                         "and 'amounts'; with both, the year and the phase of 'amount' must be one each")
            return None
    if L.any():
        from .budget import _group_long

        srcs = sources(t, L)
        if m.amount and not wide and not single(L):
            # rows of the same line in several years or phases: grouped like the long layout
            li, am = _group_long(fund[L], dept[L], prog[L], acct_li[L], acls[L], rec[L], fy[L], ph[L], amt[L], srcs)
        else:  # each row is one line item
            li = pd.DataFrame({"fund": fund[L], "department": dept[L], "program": prog[L], "account": acct_li[L],
                               "account_class": acls[L], "recurring": rec[L], **srcs})
            am = per_row_amounts(L, LINE_ITEM_PHASES, len(li))
        part.line_items, part.amounts = li, am
    if R.any():
        srcs = sources(t, R)
        rv = pd.DataFrame({"fund": fund[R], "source": src[R], "recurring": rec[R], "growth": growth[R], **srcs})
        if m.amount and not wide:
            # a revenue line is a fund and a source: rows of the same one are added up
            rv, ram = _group_revenue(rv, fy[R], ph[R], amt[R])
        else:
            ram = per_row_amounts(R, REVENUE_PHASES, len(rv))
        part.revenue, part.revenue_amounts = rv[REVENUE_KEYS + SOURCE_COLUMNS], ram
    return part


def _group_revenue(rv: pd.DataFrame, fy, ph, amt):
    """Rows with the same fund, source, recurring and growth make one revenue line (amounts added)."""
    codes = [pd.factorize(V.name_key(rv[c].astype(object)))[0] for c in ("fund", "source")]
    codes += [pd.factorize(rv["recurring"])[0], pd.factorize(rv["growth"])[0]]
    group = pd.DataFrame(dict(enumerate(codes))).groupby(list(range(len(codes))), sort=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(group))).groupby(group).min().sort_index().to_numpy()
    lines = rv.iloc[first].reset_index(drop=True)
    vals = pd.DataFrame({"g": group, "fiscal_year": fy.astype(np.int64), "phase": ph, "amount": amt})
    summed = vals.groupby(["g", "fiscal_year", "phase"], sort=True)["amount"].sum(min_count=1)
    wide = summed.unstack(["fiscal_year", "phase"]).reindex(np.arange(len(first))).sort_index(axis=1)
    am = amounts_frame(len(lines), list(wide.columns))
    am[:] = wide.to_numpy(dtype=float)
    return lines, am


def apply_mapping(sheet, m: Mapping, report: ValidationReport, file: str = "", sheet_name: str = "") -> MappedPart | None:
    """Apply any mapping to a sheet (line items / revenue, or KPIs)."""
    if isinstance(sheet, Sheet):
        sheet_name = sheet_name or sheet.name
    if m.table == "kpis":
        from .kpi_export import apply_kpis

        return apply_kpis(sheet, m, report, file, sheet_name)
    return apply_budget(sheet, m, report, file, sheet_name)


def read_mapped_file(path, m: Mapping, report: ValidationReport) -> MappedPart | None:
    """Open a file and apply one mapping to its sheet; problems go to `report`."""
    from pathlib import Path

    path = Path(path)
    file = path.name
    try:
        sheet, _names = open_sheet(path, m.sheet)
    except UnreadableFile as exc:
        report.error(file, getattr(exc, "sheet", ""), getattr(exc, "cell", ""), f"{file} {exc}")
        return None
    except OSError as exc:
        report.error(file, "", "", f"{file} cannot be opened: {exc.strerror or exc}")
        return None
    return apply_mapping(sheet, m, report, file, sheet.name)


def needs_mapping(path) -> bool:
    """True when the standard readers cannot take this budget file as it is (no sheet with the columns of
    Line Items, Positions or Requests) — the place to offer the mapping dialog.  Reads the file."""
    from pathlib import Path

    from .budget import BudgetPart, read_budget_file

    report = ValidationReport()
    part = BudgetPart()
    read_budget_file(Path(path), report, part)
    if part.line_items or part.positions or part.requests:
        return False
    return any(("no sheet with the required columns" in p.message or "no header row" in p.message
                or "has no amount columns" in p.message) for p in report.errors)

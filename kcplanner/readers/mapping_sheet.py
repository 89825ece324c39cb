"""The first pass of any import mapping over a sheet, shared by the line-item and revenue mapping
(mapping_budget.py) and the KPI-export mapping (kpi_export.py): opening the sheet, finding the header
row and the columns the mapping names, then sentinels, error cells, blank and subtotal rows and the row
filter, each counted and reported.

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
from ..report import RowCount, ValidationReport, column_letter
from .columns import KPIS, LINE_ITEMS, REVENUE, norm
from .mapping import Mapping
from .table import HEADER_SEARCH_ROWS, Table
from .unreadable import UnreadableFile
from .workbook import ERROR_TEXTS, Sheet, Workbook

MAX_CELLS_LISTED = 20


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


def prepare_checked(sheet, m: Mapping, report: ValidationReport, file: str, sheet_name: str, problems: list[str],
                    what: str) -> Context | None:
    """`prepare`, unless the mapping has problems of its own (`problems`: no sheet can fix them), each
    reported as an error naming the mapping as `what`."""
    if problems:
        for p in problems:
            report.error(file, sheet_name, "", f"the {what}{' ' + m.name if m.name else ''}: {p}")
        return None
    return prepare(sheet, m, report, file, sheet_name)

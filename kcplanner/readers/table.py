"""One sheet as a table: find its header row, map its columns, account for its rows.

The header row is the first row, within the first `HEADER_SEARCH_ROWS`, that holds every
required column of the sheet (names compared with `columns.norm`, aliases accepted).
Rows below it are read; each ends up imported or excluded with a reason:
`blank row`, `subtotal row`, `row with errors`.  Per-cell problems name the A1 cell,
what was found and what was expected; after `MAX_MESSAGES_PER_COLUMN` problems of one
kind in one column the rest are summarised in one line.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from ..report import RowCount, ValidationReport, column_letter
from .columns import SheetSpec, norm
from .workbook import ERROR_TEXTS

HEADER_SEARCH_ROWS = 20
MAX_MESSAGES_PER_COLUMN = 20

# SPEC: a key cell that starts with Total, Subtotal or Grand Total ("Totals", "TOTAL:", "Total Patrol");
# a word that merely begins with those letters ("Totalizer lease") is a name, not a subtotal.
SUBTOTAL = re.compile(r"^\s*(grand\s*totals?|sub\s*-?\s*totals?|totals?)\b", re.IGNORECASE)


def is_blank(arr: np.ndarray) -> np.ndarray:
    """Elementwise: None, NaN, or a string of only spaces."""
    if arr.size == 0:
        return np.zeros(arr.shape, dtype=bool)
    # calamine and the CSV reader give "" for an empty cell; None/NaN come from other callers
    out = (arr == "") | (arr == None)  # noqa: E711 (elementwise on an object array)
    if arr.dtype != object:
        out |= pd.isna(arr)
    return np.asarray(out, dtype=bool)


def find_sheet(names: list[str], spec: SheetSpec) -> str | None:
    keys = spec.keys()
    for n in names:
        if norm(n) in keys:
            return n
    return None


def header_fields(cells, spec: SheetSpec) -> dict[str, list[int]]:
    """Field → the column indexes of a candidate header row whose text names it."""
    lookup: dict[str, str] = {}
    for c in spec.columns:
        for k in c.keys():
            lookup.setdefault(k, c.field)
    found: dict[str, list[int]] = {}
    for j, v in enumerate(cells):
        if isinstance(v, str):
            f = lookup.get(norm(v))
            if f:
                found.setdefault(f, []).append(j)
    return found


def locate_header(grid: np.ndarray, spec: SheetSpec,
                  accept: Callable[[dict[str, list[int]], list], bool] | None = None) -> tuple[int, dict[str, list[int]]] | None:
    """The first row (0-based) within the first 20 that holds every required column."""
    required = {c.field for c in spec.required}
    for r in range(min(HEADER_SEARCH_ROWS, grid.shape[0])):
        row = list(grid[r])
        found = header_fields(row, spec)
        if required <= found.keys() and (accept is None or accept(found, row)):
            return r, found
    return None


def best_guess_row(grid: np.ndarray, spec: SheetSpec) -> tuple[int, list[str]]:
    """For a message: the row within the first 20 with the most known columns, and its texts."""
    best, best_n = 0, -1
    for r in range(min(HEADER_SEARCH_ROWS, grid.shape[0])):
        n = len(header_fields(list(grid[r]), spec))
        if n > best_n:
            best, best_n = r, n
    texts = [str(v).strip() for v in grid[best]] if grid.shape[0] else []
    return best, [t for t in texts if t]


def typo_hint(grid: np.ndarray, r: int, spec: SheetSpec) -> str:
    """For a message about row `r` (0-based): its header cells that look like typos of known columns."""
    from .typos import header_suggestions

    if not grid.shape[0]:
        return ""
    cells = list(grid[r])
    found = header_fields(cells, spec)
    taken = {j for js in found.values() for j in js}
    hints = header_suggestions(cells, [j for j in range(len(cells)) if j not in taken], spec, set(found))
    return "".join(f"; did you mean {name!r} for {str(cells[j]).strip()!r} ({column_letter(j)}{r + 1})?"
                   for j, (name, _column) in hints.items())


@dataclass
class Table:
    report: ValidationReport
    file: str
    sheet: str
    spec: SheetSpec
    header_row: int  # 0-based
    fields: dict[str, int]  # field → column index
    headers: list[object]  # the header row's cells
    data: np.ndarray  # the rows below the header
    count: RowCount = None  # type: ignore[assignment]
    bad: np.ndarray = None  # type: ignore[assignment]
    excluded: np.ndarray = None  # type: ignore[assignment]
    _messages: Counter = field(default_factory=Counter)

    def __post_init__(self):
        n = self.data.shape[0]
        self.count = self.report.count(self.file, self.sheet)
        self.count.read = n
        self.bad = np.zeros(n, dtype=bool)
        self.excluded = np.zeros(n, dtype=bool)

    # -- places -------------------------------------------------------------------------------------
    def excel_row(self, i) -> np.ndarray | int:
        return self.header_row + 2 + i  # 1-based Excel row of data row i

    def cell(self, i: int, col: int) -> str:
        return f"{column_letter(col)}{self.header_row + 2 + i}"

    def header_text(self, col: int) -> str:
        v = self.headers[col] if col < len(self.headers) else ""
        return str(v).strip()

    def factorized(self, col: int) -> tuple[np.ndarray, np.ndarray]:
        """(codes, uniques) of a column, computed once: parsers then work on distinct values only."""
        cache = self.__dict__.setdefault("_factorized", {})
        if col not in cache:
            codes, uniques = pd.factorize(pd.Series(self.data[:, col], dtype=object), use_na_sentinel=True)
            cache[col] = (codes, np.asarray(uniques, dtype=object))
        return cache[col]

    def per_unique(self, col: int, fn, dtype=object, na=None, categorical: bool = False):
        """fn applied to each distinct value of a column, spread back over its rows (NA → `na`); with
        `categorical`, as a pandas Categorical (no million-row object array for a few names)."""
        codes, uniques = self.factorized(col)
        out = np.empty(len(uniques) + 1, dtype=dtype)
        for k, u in enumerate(uniques):
            out[k] = fn(u)
        out[-1] = na
        return spread_categorical(codes, out) if categorical else out[codes]

    def column(self, f: str) -> np.ndarray | None:
        j = self.fields.get(f)
        return None if j is None else self.data[:, j]

    # -- problems ------------------------------------------------------------------------------------
    def cell_error(self, i: int, col: int, message: str, kind: str = "") -> None:
        key = (col, kind or message[:30])
        self._messages[key] += 1
        if self._messages[key] <= MAX_MESSAGES_PER_COLUMN:
            self.report.error(self.file, self.sheet, self.cell(i, col), message)
        self.bad[i] = True

    def finish_messages(self) -> None:
        for (col, kind), n in self._messages.items():
            if n > MAX_MESSAGES_PER_COLUMN:
                self.report.error(self.file, self.sheet, column_letter(col),
                                  f"… and {n - MAX_MESSAGES_PER_COLUMN} more cells in column "
                                  f"{self.header_text(col)!r} with the same problem")

    def exclude(self, mask: np.ndarray, reason: str) -> None:
        mask = mask & ~self.excluded
        n = int(mask.sum())
        if n:
            self.count.excluded[reason] += n
            self.excluded |= mask

    @property
    def live(self) -> np.ndarray:
        return ~self.excluded

    # -- the standard passes -------------------------------------------------------------------------
    def drop_blank_rows(self, used_cols: list[int], amount_cols=()) -> None:
        """Rows with nothing (or only spaces) in every used column.

        Text columns are judged on their distinct values; amount columns (many distinct values)
        only on the few rows whose text cells are all blank.
        """
        n = self.data.shape[0]
        if n == 0:
            return
        amount_cols = [j for j in used_cols if j in set(amount_cols)]
        text_cols = [j for j in used_cols if j not in set(amount_cols)]
        blank = np.ones(n, dtype=bool)
        for j in text_cols:
            blank &= self.per_unique(j, _blank_value, dtype=bool, na=True)
        if amount_cols:
            for i in np.flatnonzero(blank):
                if not all(_blank_value(self.data[i, j]) for j in amount_cols):
                    blank[i] = False
        self.exclude(blank, "blank row")

    def drop_subtotals(self, key_fields: list[str]) -> None:
        mask = np.zeros(self.data.shape[0], dtype=bool)
        for f in key_fields:
            j = self.fields.get(f)
            if j is None:
                continue
            mask |= self.per_unique(j, lambda u: isinstance(u, str) and bool(SUBTOTAL.match(u)), dtype=bool, na=False)
        self.exclude(mask, "subtotal row")

    def flag_error_cells(self, used_cols: list[int], expected: dict[int, str], parsed: set[int] = frozenset()) -> None:
        """Cells holding an Excel error (`#N/A`, or that text in a CSV) in a used column.

        Error cells of an .xlsx are known by position (`Sheet.errors`, from its XML); a text
        such as `#N/A` elsewhere is found per column among its distinct values, except in the
        `parsed` columns, whose parser reports such a text itself (amount columns).
        """
        n = self.data.shape[0]
        if n == 0:
            return
        used = set(used_cols)
        positions = getattr(self, "error_positions", None)
        if positions is not None:
            first = self.header_row + 1
            hits = sorted((r - first, c) for (r, c) in positions if c in used and 0 <= r - first < n)
        else:
            hits = []
            for j in used_cols:
                if j in parsed:
                    continue
                errs = self.per_unique(j, lambda u: isinstance(u, str) and u.strip() in ERROR_TEXTS,
                                       dtype=bool, na=False)
                if errs.any():
                    hits.extend((int(i), j) for i in np.flatnonzero(errs))
        reasons = getattr(self, "formula_failures", None) or {}
        for i, j in hits:
            if self.live[i]:
                text = str(self.data[i, j]).strip()
                if text.startswith("="):  # a formula saved without its result (openpyxl), not computed
                    why = reasons.get((self.header_row + 1 + int(i), j), "")
                    found = (f"the formula {text} saved without its result, which the readers do not compute"
                             + (f" ({why})" if why else "") + "; open the file in Excel and save it (Excel stores "
                             "the result), or type the value")
                else:
                    found = f"the error {text}"
                self.cell_error(int(i), j, f"expected {expected.get(j, 'a value')}, found {found}", kind="error-cell")
                self.error_cell_mask(j)[i] = True

    def error_cell_mask(self, col: int) -> np.ndarray:
        masks = self.__dict__.setdefault("_error_masks", {})
        if col not in masks:
            masks[col] = np.zeros(self.data.shape[0], dtype=bool)
        return masks[col]

    def report_bad(self, mask: np.ndarray, col: int, expected: str, values: np.ndarray | None = None) -> None:
        """Cells flagged by a parser: `expected …, found '…'`."""
        values = self.data[:, col] if values is None else values
        for i in np.flatnonzero(mask & self.live & ~self.bad_error_cells(col)):
            self.cell_error(int(i), col, f"expected {expected}, found {_show(values[i])}", kind="bad")

    def bad_error_cells(self, col: int) -> np.ndarray:
        """Cells of column `col` already reported as Excel errors (not to be reported twice)."""
        return self.error_cell_mask(col)

    def require(self, f: str, what: str) -> None:
        """A required cell left blank in a row that is otherwise in use."""
        j = self.fields.get(f)
        if j is None:
            return
        blank = self.per_unique(j, _blank_value, dtype=bool, na=True) & self.live
        for i in np.flatnonzero(blank):
            self.cell_error(int(i), j, f"expected {what}, found a blank cell", kind="blank")

    def close(self) -> np.ndarray:
        """Exclude rows with errors; return the mask of imported rows."""
        self.exclude(self.bad, "row with errors")
        self.count.imported = int(self.live.sum())
        self.finish_messages()
        return self.live


def _blank_value(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v)


def _show(v: object) -> str:
    if isinstance(v, str) and v.strip() in ERROR_TEXTS:
        return f"the error {v.strip()}"
    if isinstance(v, str):
        return repr(v.strip()) if v.strip() else "a blank cell"
    if isinstance(v, bool):
        return f"the logical value {str(v).upper()}"
    return repr(v) if not hasattr(v, "isoformat") else f"the date {v.isoformat()}"


def merged_header(report: ValidationReport, file: str, sheet_name: str, grid: np.ndarray, r: int,
                  merges, headers: list) -> bool:
    """Merged cells across the header row (`G4:H4`): their text heads the one column under them that holds data.

    Excel shows a merged range's text across every column it spans, but stores it in its first
    cell only.  When exactly one spanned column holds data below, the text is that column's
    header (whichever it is); when several do, the header is ambiguous: an error names the
    merged cells.  `headers` (the header row's cells) is changed in place; True if it changed.
    """
    changed = False
    height, width = grid.shape
    for r0, c0, r1, c1 in merges:
        if not (r0 <= r <= r1) or (c0 == c1 and r0 == r) or c0 >= width:
            continue
        text = grid[r0, c0]
        if not isinstance(text, str) or not text.strip():
            continue
        below = grid[max(r, r1) + 1:, c0:min(c1, width - 1) + 1]
        with_data = [c0 + k for k in range(below.shape[1]) if not is_blank(below[:, k]).all()]
        where = f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"
        if len(with_data) > 1:
            report.error(file, sheet_name, where,
                         f"the header cells {where} are merged ({text.strip()!r}) over the columns "
                         f"{', '.join(column_letter(c) for c in with_data)}, which all hold data; expected one header "
                         "cell per column: unmerge them and give each column its own header")
            continue
        target = with_data[0] if with_data else c0
        for c in range(c0, min(c1, width - 1) + 1):
            new = text if c == target else ""
            if headers[c] != new:
                headers[c] = new
                changed = True
    return changed


def open_table(report: ValidationReport, file: str, sheet_name: str, grid, spec: SheetSpec,
               accept=None, require_found: bool = True, what: str = "") -> Table | None:
    """Find the header and build a Table; report (error) a sheet without its required columns.

    `grid` is a `workbook.Sheet` (its error cells known from the XML when it is an .xlsx) or a
    2-D object array.
    """
    sheet = grid if hasattr(grid, "grid") else None
    if sheet is not None:
        grid = sheet.grid()
    located = locate_header(grid, spec, accept)
    if located is None:
        if require_found:
            r, texts = best_guess_row(grid, spec)
            found = (f"; the closest row is {r + 1}: {', '.join(texts[:15])}" + typo_hint(grid, r, spec)) \
                if texts else "; the sheet is empty"
            report.error(file, sheet_name, "",
                         f"no header row{what} in the first {HEADER_SEARCH_ROWS} rows with the required columns "
                         f"{spec.describe_required()}" + (f"; {spec.extra}" if spec.extra else "") + found)
        return None
    r, found = located
    positions = None
    headers = list(grid[r])
    if sheet is not None:
        sheet.find_errors(r + 1)  # before any column is parsed: error texts go into the grid
        positions = sheet.errors if sheet.scanned else None
        grid = sheet.grid()  # formula cells beyond calamine's values may have grown it
        headers = list(grid[r])
        if sheet.merges and merged_header(report, file, sheet_name, grid, r, sheet.merges, headers):
            found = header_fields(headers, spec)
    fields = {}
    for f, cols in found.items():
        fields[f] = cols[0]
        if len(cols) > 1 and f != "account":
            report.warning(file, sheet_name, f"{column_letter(cols[1])}{r + 1}",
                           f"a second column for {spec.column(f).name}; the first one ({column_letter(cols[0])}) is used")
    t = Table(report, file, sheet_name, spec, r, fields, headers, grid[r + 1:])
    t.found = found  # type: ignore[attr-defined]
    t.error_positions = positions  # type: ignore[attr-defined]
    t.formula_failures = sheet.formula_failures if sheet is not None else {}  # type: ignore[attr-defined]
    return t


def spread_categorical(codes: np.ndarray, per_unique: np.ndarray) -> pd.Categorical:
    """Rows as a Categorical from their factorize codes (−1 = NA) and one value per distinct value, the
    value for NA last: values that clean to the same text share a category; None is NA."""
    cat_codes, categories = pd.factorize(per_unique, use_na_sentinel=True)
    return pd.Categorical.from_codes(cat_codes[codes], categories=pd.Index(categories, dtype=object))

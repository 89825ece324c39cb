"""Write-back for departments: a copy of a department's own workbook with the scenario's amounts.

`write_back(department_workbook, dataset, results, out_path)` opens the department's workbook with
openpyxl, adds the scenario's amounts, and saves the copy to `out_path` (atomically); the original
file is only read.  Sheets, cell values, formats and formulas of the original are kept as they
were (openpyxl does not keep images and charts; see docs/export.md).

- Wide line-item sheets (one row per line): one new column per plan year, headed
  `FY2027 Scenario: <name>`, after the last used column, on the row of each line
  (`Budget.line_items.source_row`, the 1-based row of the line's first source row).
- Long line-item sheets (one row per line, year and phase): a new sheet `Scenario <name>`,
  one row per line keyed by its fund, department, program, account, class and Recurring (and
  its first source row), one column per plan year.
- Requests sheets: one new column `Funded: <name>` (Y/N) on the row of each request.
"""

from __future__ import annotations

import math
import warnings
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..atomic import OutputError, atomic_path
from ._common import ExportError, Steps, safe_sheet_title

AMOUNT_FORMAT = "#,##0.00;(#,##0.00)"
WRITE_BACK_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class WriteBackInfo:
    """What write_back did: the output path, per sheet how many rows got amounts, new sheets."""

    path: Path
    lines: int = 0
    requests: int = 0
    sheets: dict[str, str] = field(default_factory=dict)  # sheet → "columns" | "new sheet <name>"


def write_back_targets(books, folder: str | Path, scenario_name: str) -> dict[Path, Path]:
    """Where each department workbook's write-back copy goes: `<book> - <scenario>.<ext>` in
    `folder`, the name made safe (kcplanner.filenames: no separators, `..`, NUL, reserved names,
    at most 120 bytes) and checked to stay inside `folder`; two books of the same name get
    ` (2)`, ` (3)`."""
    from ..filenames import file_in

    out: dict[Path, Path] = {}
    taken: set[str] = set()
    for book in books:
        book = Path(book)
        base = f"{book.stem} - {scenario_name}"
        target, k = file_in(folder, base, book.suffix), 2
        while target.name.casefold() in taken:
            target = file_in(folder, f"{base[:100]} ({k})", book.suffix)
            k += 1
        taken.add(target.name.casefold())
        out[book] = target
    return out


def _key(v) -> str:
    return " ".join(str(v).split()).casefold() if v is not None else ""


def _header_row(ws, spec) -> tuple[int, dict[str, list[int]]] | None:
    """(1-based header row, field → 0-based columns) found the way the readers find it."""
    from ..readers.table import HEADER_SEARCH_ROWS, header_fields

    required = {c.field for c in spec.required}
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS, values_only=True), start=1):
        found = header_fields(list(row), spec)
        if required <= found.keys():
            return r, found
    return None


def _is_long(found: dict[str, list[int]]) -> bool:
    return {"fiscal_year", "phase", "amount"} <= found.keys()


def write_back(department_workbook: str | Path, dataset, results, out_path: str | Path, *,
               progress=None, cancelled=None) -> WriteBackInfo:
    """Copy `department_workbook` to `out_path` with the scenario's amounts of its lines added.

    The lines are matched by `dataset.budget.line_items` source_file (the workbook's file name),
    source_sheet and source_row, and each matched row is checked against the line's department
    and program before anything is written.  Raises ExportError when the workbook is not one the
    dataset was read from, is not .xlsx/.xlsm, or has changed since (rows no longer match);
    OutputError when `out_path` cannot be written or is the original itself.
    """
    import openpyxl

    steps = Steps(progress, cancelled)
    src = Path(department_workbook)
    out = Path(out_path)
    suffix = src.suffix.lower()
    if suffix not in WRITE_BACK_SUFFIXES:
        raise ExportError(f"{src.name}: write-back keeps a workbook's own formatting, which needs an .xlsx or .xlsm "
                          f"file; open it in Excel, save it as .xlsx, and write back to that copy")
    if not src.exists():
        raise ExportError(f"{src}: the file does not exist")
    if out.suffix.lower() != suffix:
        raise OutputError(f"{out}: write back to a file of the same type as the original ({suffix})")
    try:
        same = out.exists() and out.resolve().samefile(src.resolve())
    except OSError:
        same = False
    if same or out.resolve() == src.resolve():
        raise OutputError(f"{out}: that is the department's original workbook; write-back never changes it. "
                          "Choose a new file name")
    li = dataset.budget.line_items
    _base, scen = results.line_amounts()
    if scen.shape[0] != len(li):
        raise ValueError("results were computed for another dataset (line counts differ)")
    from_file = np.array([_key(v) == _key(src.name) for v in li.get("source_file", [None] * len(li))], dtype=bool) \
        if len(li) else np.zeros(0, dtype=bool)
    rq = dataset.budget.requests
    req_file = np.array([_key(v) == _key(src.name) for v in rq["source_file"]], dtype=bool) \
        if len(rq) and "source_file" in rq.columns else np.zeros(len(rq), dtype=bool)
    if not from_file.any() and not req_file.any():
        raise ExportError(f"{src.name}: none of the dataset's line items or requests were read from this file; "
                          "write back to a department workbook that was part of the import")
    steps(0.05, f"Opening {src.name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "Data Validation extension is not supported"
        try:
            wb = openpyxl.load_workbook(src, keep_vba=(suffix == ".xlsm"), rich_text=True)
        except Exception as exc:
            raise ExportError(f"{src.name}: cannot be opened for write-back ({exc})") from None
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    name = ILLEGAL_CHARACTERS_RE.sub("", results.scenario.name)  # a NUL in a name cannot go in a cell
    years = list(results.plan_years)
    info = WriteBackInfo(path=out)
    from ..readers.columns import LINE_ITEMS, REQUESTS

    idx_all = np.flatnonzero(from_file)
    sheets = li["source_sheet"].to_numpy(dtype=object)[idx_all] if len(idx_all) else np.zeros(0, dtype=object)
    rows_all = li["source_row"].to_numpy()[idx_all] if len(idx_all) else np.zeros(0)
    for k, sheet in enumerate(dict.fromkeys(sheets.tolist())):
        steps(0.1 + 0.6 * k / max(len(set(sheets.tolist())), 1), f"Adding amounts to {sheet}")
        if sheet not in wb.sheetnames:
            raise ExportError(f"{src.name}: the sheet '{sheet}' the lines were read from is gone; was the workbook "
                              "changed since it was imported?")
        ws = wb[sheet]
        sel = idx_all[sheets == sheet]
        srows = rows_all[sheets == sheet].astype(int)
        head = _header_row(ws, LINE_ITEMS)
        if head is None:
            raise ExportError(f"{src.name}, sheet {sheet}: no header row with the Line Items columns in the first 20 "
                              "rows; was the workbook changed since it was imported?")
        header_row, found = head
        if _is_long(found):
            title = _long_sheet(wb, li, sel, scen, years, name)
            info.sheets[sheet] = f"new sheet {title}"
        else:
            _check_rows(src.name, ws, found, li, sel, srows)
            _add_columns(ws, header_row, srows, scen[sel], years, name)
            info.sheets[sheet] = "columns"
        info.lines += len(sel)

    if req_file.any():
        steps(0.75, "Marking funded requests")
        funded = {_key(r) for r in results.scenario.funded_requests}
        req_sheets = rq["source_sheet"].to_numpy(dtype=object)
        for sheet in dict.fromkeys(req_sheets[req_file].tolist()):
            if sheet not in wb.sheetnames:
                continue
            ws = wb[sheet]
            head = _header_row(ws, REQUESTS)
            if head is None:
                continue
            mask = req_file & (req_sheets == sheet)
            ids = rq["request_id"].to_numpy(dtype=object)[mask]
            rrows = rq["source_row"].to_numpy()[mask].astype(int)
            col = ws.max_column + 1
            _header_cell(ws, head[0], col, f"Funded: {name}")
            for rid, r in zip(ids, rrows):
                c = ws.cell(row=int(r), column=col)
                c.value = "Y" if _key(rid) in funded else "N"
                c.data_type = "s"
            info.requests += len(ids)
            info.sheets.setdefault(sheet, "columns")

    steps(0.85, f"Saving {out.name}")
    with atomic_path(out) as tmp:
        steps.check()
        wb.save(tmp)
    wb.close()
    steps(1.0, "Done")
    return info


def _check_rows(file: str, ws, found, li, sel, srows) -> None:
    """Each target row must still hold its line's department and program (the file may have changed)."""
    bad = []
    for field_name in ("department", "program"):
        cols = found.get(field_name)
        if not cols or field_name not in li.columns:
            continue
        col = cols[0] + 1
        expected = li[field_name].astype(object).to_numpy()[sel]
        for r, e in zip(srows, expected):
            got = ws.cell(row=int(r), column=col).value
            if e is not None and _key(got) != _key(e):
                bad.append(f"row {r}: expected {field_name} '{e}', found {got!r}")
                if len(bad) >= 5:
                    break
    if bad:
        raise ExportError(f"{file}, sheet {ws.title}: the rows no longer match the imported lines (was the workbook "
                          f"changed since it was imported? import it again); " + "; ".join(bad))


def _header_cell(ws, header_row: int, col: int, text: str) -> None:
    """A new header cell styled like the last header cell of the row."""
    c = ws.cell(row=header_row, column=col)
    c.value = text
    c.data_type = "s"
    left = ws.cell(row=header_row, column=max(col - 1, 1))
    if left.has_style:
        c.font = copy(left.font)
        c.fill = copy(left.fill)
        c.border = copy(left.border)
        c.alignment = copy(left.alignment)
    from openpyxl.utils import get_column_letter
    ws.column_dimensions[get_column_letter(col)].width = max(14, min(40, len(text) + 2))


def _add_columns(ws, header_row: int, srows: np.ndarray, amounts: np.ndarray, years: list[int], name: str) -> None:
    first = ws.max_column + 1
    for t, year in enumerate(years):
        _header_cell(ws, header_row, first + t, f"FY{year} Scenario: {name}")
    values = amounts.tolist()
    for r, row in zip(srows.tolist(), values):
        for t, v in enumerate(row):
            if v is None or (isinstance(v, float) and not math.isfinite(v)):
                continue
            c = ws.cell(row=r, column=first + t, value=float(v))
            c.number_format = AMOUNT_FORMAT


def _long_sheet(wb, li, sel, scen, years, name) -> str:
    """A new sheet keyed by the line keys (long layouts have several rows per line)."""
    from openpyxl.styles import Font

    title = safe_sheet_title(f"Scenario {name}", wb.sheetnames)
    new = wb.create_sheet(title)
    headers = ["Fund", "Department", "Program", "Account", "Account class", "Recurring", "Source sheet",
               "First source row"] + [f"FY{y} Scenario: {name}" for y in years]
    bold = Font(bold=True)
    for j, h in enumerate(headers, start=1):
        c = new.cell(row=1, column=j, value=h)
        c.data_type = "s"
        c.font = bold
    cols = {k: (li[k].astype(object).to_numpy() if k in li.columns else np.full(len(li), None, dtype=object))
            for k in ("fund", "department", "program", "account", "account_class", "recurring", "source_sheet",
                      "source_row")}
    for r, i in enumerate(sel.tolist(), start=2):
        keys = [cols["fund"][i], cols["department"][i], cols["program"][i], cols["account"][i],
                cols["account_class"][i]]
        for j, v in enumerate(keys, start=1):
            if v is not None and v == v:
                c = new.cell(row=r, column=j, value=str(v))
                c.data_type = "s"  # input text stays text, even when it starts with "="
        rec = cols["recurring"][i]
        new.cell(row=r, column=6, value="N" if rec is False or rec is np.False_ else "Y")
        sh = cols["source_sheet"][i]
        if sh is not None:
            c = new.cell(row=r, column=7, value=str(sh))
            c.data_type = "s"
        sr = cols["source_row"][i]
        if sr is not None and sr == sr:
            new.cell(row=r, column=8, value=int(sr))
        for t in range(len(years)):
            v = float(scen[i, t])
            if math.isfinite(v):
                new.cell(row=r, column=9 + t, value=v).number_format = AMOUNT_FORMAT
    from openpyxl.utils import get_column_letter
    for j, w in enumerate([12, 22, 24, 28, 20, 9, 14, 9] + [22] * len(years), start=1):
        new.column_dimensions[get_column_letter(j)].width = w
    new.freeze_panes = "A2"
    return title

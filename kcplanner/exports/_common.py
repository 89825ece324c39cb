"""Helpers shared by the Excel exports: progress and cancel, safe text, formats, formulas, hashes."""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import math
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]

#: Workbook options for every xlsxwriter export.  Input text never turns into a formula, a number
#: or a hyperlink; NaN/inf are never written as numbers (we write blanks instead).
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "use_zip64": True,
}

MONEY = '"$"#,##0.00_);[Red]("$"#,##0.00)'
MONEY_WHOLE = '"$"#,##0_);[Red]("$"#,##0)'
PERCENT = "0.0%"
NUMBER = "#,##0.00"
YEAR = "0"


class ExportCancelled(Exception):
    """The export was cancelled by the caller's `cancelled()` callback; the target is unchanged."""


class ExportError(ValueError):
    """An export or a read-back that cannot be done with these inputs; the message says why."""


@dataclass
class Steps:
    """Reports progress (fraction 0..1, text) and raises ExportCancelled when `cancelled()` says so."""

    progress: Progress | None = None
    cancelled: Cancelled | None = None

    def check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise ExportCancelled("the export was cancelled; nothing was written")

    def __call__(self, fraction: float, text: str) -> None:
        self.check()
        if self.progress is not None:
            self.progress(max(0.0, min(1.0, float(fraction))), text)


@dataclass
class ExportInfo:
    """What an export wrote: the path, the sheets, and how many line rows."""

    path: Path
    sheets: list[str]
    line_rows: int = 0
    formula_cells: int = 0
    notes: list[str] = field(default_factory=list)


def finite(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def cell(row: int, col: int, row_abs: bool = False, col_abs: bool = False) -> str:
    return xl_rowcol_to_cell(row, col, row_abs, col_abs)


def col_range(col: int, first_row: int, last_row: int) -> str:
    """`$L$2:$L$100001` (0-based rows and column in, absolute A1 out)."""
    name = xl_col_to_name(col)
    return f"${name}${first_row + 1}:${name}${max(last_row, first_row) + 1}"


def sheet_ref(sheet: str) -> str:
    """A sheet name as used in a formula: quoted, with quotes doubled."""
    return "'" + sheet.replace("'", "''") + "'"


def formula_text(text: str) -> str:
    """A text literal inside a formula: "..." with inner quotes doubled."""
    return '"' + str(text).replace('"', '""') + '"'


def criterion_safe(name: str) -> bool:
    """Whether a name can be a SUMIFS criterion that matches exactly itself (case-insensitively).

    SUMIFS reads its criterion: a leading `=`, `<`, `>` is an operator, `*`, `?`, `~` are wildcards,
    and text that looks like a number, a date or TRUE/FALSE is compared as that value.  Only names
    that start with a letter, hold no digit and no wildcard, and are not TRUE/FALSE are safe; the
    rest are summed with SUMPRODUCT(--(range=name), amounts), which compares text exactly.
    """
    if not name or not unicodedata.category(name[0]).startswith("L"):
        return False
    if any(ch in name for ch in "*?~") or any(ch.isdigit() for ch in name):
        return False
    return name.strip().casefold() not in ("true", "false")


def sum_by(sum_rng: str, conditions: list[tuple[str, str, str | None]]) -> str:
    """SUMIFS over `sum_rng` where each (range, criterion formula, name) matches.

    `criterion formula` is what goes in the formula (a cell reference or a quoted literal);
    `name` is the text it holds (None when it is our own safe literal).  Falls back to
    SUMPRODUCT exact comparison when any name is unsafe as a SUMIFS criterion.
    """
    if all(name is None or criterion_safe(name) for _, _, name in conditions):
        parts = ", ".join(f"{rng}, {crit}" for rng, crit, _ in conditions)
        return f"SUMIFS({sum_rng}, {parts})"
    parts = ", ".join(f"--({rng}={crit})" for rng, crit, _ in conditions)
    return f"SUMPRODUCT({parts}, {sum_rng})"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def source_rows(sources: Iterable[str | Path]) -> list[tuple[str, str, str, str]]:
    """(file name, full path, size, SHA-256) per source file; a missing file says so."""
    out = []
    for s in sources:
        p = Path(s)
        try:
            size = p.stat().st_size
            digest = sha256_file(p)
            out.append((p.name, str(p.resolve()), f"{size:,} bytes", digest))
        except OSError as exc:
            out.append((p.name, str(p), "", f"(not readable now: {exc.strerror or exc})"))
    return out


def now_text(when: _dt.datetime | None = None) -> str:
    when = when or _dt.datetime.now().astimezone()
    return when.strftime("%Y-%m-%d %H:%M %Z").strip()


def make_formats(wb) -> dict[str, Any]:
    """The shared cell formats of an export workbook."""
    f = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "subtitle": wb.add_format({"bold": True, "font_size": 11}),
        "header": wb.add_format({"bold": True, "bg_color": "#DDE5F0", "border": 1, "text_wrap": True,
                                 "valign": "top"}),
        "label": wb.add_format({"bold": True}),
        "text": wb.add_format({}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "money": wb.add_format({"num_format": MONEY}),
        "money_bold": wb.add_format({"num_format": MONEY, "bold": True}),
        "money_total": wb.add_format({"num_format": MONEY, "bold": True, "top": 1}),
        "percent": wb.add_format({"num_format": PERCENT}),
        "number": wb.add_format({"num_format": NUMBER}),
        "year": wb.add_format({"num_format": YEAR}),
        "int": wb.add_format({"num_format": "0"}),
        "muted": wb.add_format({"font_color": "#666666", "italic": True}),
        "bad": wb.add_format({"bg_color": "#F8CBAD"}),
        "warn": wb.add_format({"bg_color": "#FFE699"}),
        "high": wb.add_format({"bg_color": "#BDD7EE"}),
        "good": wb.add_format({"bg_color": "#C6EFCE"}),
    }
    return f


def print_setup(ws, header_rows: tuple[int, int] | None, title: str) -> None:
    """Landscape, fit to one page wide, title rows repeated, a footer with the page number."""
    ws.set_landscape()
    ws.set_paper(1)  # Letter
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    short = title if len(title) <= 80 else title[:79] + "…"
    ws.set_header("&L&\"-,Bold\"" + short.replace("&", "&&") + "&R&D")
    ws.set_footer("&L&A&RPage &P of &N")


def set_literal_title(chart, text: str, **options) -> None:
    """Give `chart` the title `text`, always as literal text.

    xlsxwriter reads a title or series name that looks like `Sheet!A1` (with or without a leading
    `=`) as a cell reference: a KPI ID such as `=cmd|' /C calc'!A0` would become a formula.  The
    title is set with a neutral placeholder and then given the text itself, so it is written as
    `<a:t>` text, never as a `<c:f>` reference."""
    chart.set_title({**options, "name": "title"})
    title = getattr(chart, "title", None)
    if title is not None and hasattr(title, "formula") and hasattr(title, "name"):
        title.name, title.formula, title.data_id = str(text), None, None
    else:  # another xlsxwriter: break the reference pattern with an invisible word joiner
        chart.set_title({**options, "name": str(text).replace("!", "!\u2060")})


def write_text(ws, row: int, col: int, value: Any, fmt=None) -> None:
    """Input text always as text (never a formula, number or URL); None/NaN → blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
        return
    ws.write_string(row, col, str(value), fmt)


def write_num(ws, row: int, col: int, value: Any, fmt=None) -> None:
    """A number; NaN/None → a blank cell (JSON null)."""
    if finite(value):
        ws.write_number(row, col, float(value), fmt)
    elif fmt is not None:
        ws.write_blank(row, col, None, fmt)


def formula_value(value: Any) -> Any:
    """The cached value of a formula cell: the engine's number, or "" where there is none."""
    return float(value) if finite(value) else ""


def safe_sheet_title(text: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique worksheet name (≤ 31 chars, none of []:*?/\\ )."""
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(text)).strip().strip("'") or "Sheet"
    clean = clean[:31]
    taken_keys = {t.casefold() for t in taken}
    name, k = clean, 2
    while name.casefold() in taken_keys:
        suffix = f" ({k})"
        name = clean[: 31 - len(suffix)] + suffix
        k += 1
    return name


def write_summary_head(ws, fmt, r: int, meta: list[tuple[str, str]], sources) -> int:
    """The label/value lines of a Summary sheet, then its "Source files" table (name, path, size,
    SHA-256); returns the next free row after a blank one."""
    for key, value in meta:
        ws.write_string(r, 0, key, fmt["label"])
        write_text(ws, r, 1, value)
        r += 1
    r += 1
    ws.write_string(r, 0, "Source files", fmt["subtitle"])
    r += 1
    for j, h in enumerate(["File", "Path", "Size", "SHA-256"]):
        ws.write_string(r, j, h, fmt["header"])
    r += 1
    for row in source_rows(sources):
        for j, v in enumerate(row):
            write_text(ws, r, j, v)
        r += 1
    if not sources:
        ws.write_string(r, 0, "(none given)", fmt["muted"])
        r += 1
    return r + 1


def discard_workbook(wb) -> None:
    """Remove xlsxwriter's per-sheet temporary files of an abandoned workbook."""
    for ws in wb.worksheets():
        fh = getattr(ws, "row_data_fh", None)
        with contextlib.suppress(Exception):
            if fh is not None:
                fh.close()
        name = getattr(ws, "row_data_filename", None)
        with contextlib.suppress(Exception):
            if name:
                os.remove(name)

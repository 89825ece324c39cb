"""What calamine does not say about an .xlsx/.xlsm sheet, read from the sheet's XML part in the zip.

- `check_extent`: the sheet's used range, before calamine reads it.  calamine holds a sheet as a
  dense grid from A1 to its last cell, so one stray cell at XFD1048576 (a mis-click that Excel
  saves) asks for 17 billion cells (it aborts the process); one at AZ1048576, 54 million (16 s,
  2 GB).  The `<dimension>` element at the head of the part gives the range; when it is larger than
  `SCAN_ABOVE_CELLS` (or missing), the part is streamed to count the cells that hold something.  A
  sheet whose grid would exceed `MAX_GRID_CELLS`, or exceed `SCAN_ABOVE_CELLS` while less than
  `MIN_DENSITY` of it holds anything, is refused with `SheetRefused`, naming its farthest cell(s).
- `scan_sheet`: one streamed pass that finds the error cells (`t="e"`, which calamine reads as
  blanks), the formula cells saved without a result (openpyxl writes `<f>1+2</f>` and no `<v>`:
  calamine skips them) and the merged ranges (`<mergeCell ref="G4:H4"/>`).

Both read the part in 1 MiB chunks: memory stays bounded whatever the sheet's size.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..report import a1
from .unreadable import UnreadableFile

#: A grid (A1 to the sheet's last cell) above this many cells is counted before it is read.
SCAN_ABOVE_CELLS = 5_000_000
#: Such a grid is refused when less than this share of its cells hold anything (a stray far cell).
MIN_DENSITY = 0.01
#: No sheet is read as a grid of more cells than this (about 1.6 GB in calamine alone).
MAX_GRID_CELLS = 50_000_000
CHUNK = 1 << 20
HEAD = 1 << 16
MAX_TAIL = 32 << 20  # a single cell element longer than this is not a sheet

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([A-Za-z]{1,3}\d{1,7})(?::([A-Za-z]{1,3}\d{1,7}))?"')
_CELL_TAG = re.compile(rb'<c\b[^>/]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>/]*(/?)>')
_REF = re.compile(rb"([A-Za-z]{1,3})([0-9]{1,7})")
_ERROR_CELL = re.compile(rb'<c\b([^>/]*?)\bt="e"([^>/]*)>(.*?)</c>', re.DOTALL)
_FORMULA_CELL = re.compile(rb"<c\b([^>/]*)>\s*<f\b([^>]*?)(?:/>|>(.*?)</f>)(.*?)</c>", re.DOTALL)
_R_ATTR = re.compile(rb'\br="([A-Z]{1,3}[0-9]{1,7})"')
_V_TAG = re.compile(rb"<v>([^<]*)</v>")
_V_SAVED = re.compile(rb"<v>")  # a saved result, even an empty text; openpyxl writes `<v />` or no <v>
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Za-z]{1,3}\d{1,7}):([A-Za-z]{1,3}\d{1,7})"')


class SheetRefused(UnreadableFile):
    """A sheet too large or too sparse to read as a grid; `sheet` and `cell` say where."""

    def __init__(self, message: str, sheet: str = "", cell: str = ""):
        super().__init__(message)
        self.sheet = sheet
        self.cell = cell


def _letters_to_col(letters: bytes) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + (ch - 64)
    return col - 1


def ref_to_rc(ref: bytes) -> tuple[int, int]:
    m = _REF.fullmatch(ref)
    return int(m.group(2)) - 1, _letters_to_col(m.group(1))


def _chunks(path: Path, part: str):
    with zipfile.ZipFile(path) as zf, zf.open(part) as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                return
            yield chunk


def declared_extent(path: Path, part: str) -> tuple[int, int] | None:
    """(rows, columns) of the grid from A1 to the `<dimension>` end, or None when the part has none."""
    try:
        with zipfile.ZipFile(path) as zf, zf.open(part) as fh:
            head = fh.read(HEAD)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError):
        return None
    m = _DIMENSION.search(head)
    if not m:
        return None
    r, c = ref_to_rc(m.group(2) or m.group(1))
    return r + 1, c + 1


def _cell_refs(path: Path, part: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns (0-based) of every cell of the part that holds something (not `<c .../>`)."""
    rows: list[bytes] = []
    cols: list[bytes] = []
    tail = b""
    for chunk in _chunks(path, part):
        buf = tail + chunk
        cut = buf.rfind(b">") + 1  # a tag is never split across the processed part and the tail
        for letters, digits, slash in _CELL_TAG.findall(buf, 0, cut):
            if not slash:
                rows.append(digits)
                cols.append(letters)
        tail = buf[cut:]
        if len(tail) > MAX_TAIL:
            raise UnreadableFile(f"is corrupt: the sheet part {part} holds an element longer than {MAX_TAIL:,} bytes")
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    r = np.array(rows).astype(np.int64) - 1
    names, codes = np.unique(np.array(cols), return_inverse=True)
    c = np.array([_letters_to_col(n) for n in names], dtype=np.int64)[codes]
    return r, c


def _filled_count(path: Path, part: str) -> int:
    """Cells of the part that hold something: each has a closing `</c>` (an empty cell is `<c .../>`)."""
    n, tail = 0, b""
    for chunk in _chunks(path, part):
        buf = tail + chunk
        n += buf.count(b"</c>")  # a tag split across chunks is whole in tail + chunk, never counted twice
        tail = buf[-3:]
    return n


def check_extent(path: Path, part: str, sheet: str) -> tuple[int, int] | None:
    """Refuse a sheet whose grid would be too large (`SheetRefused`); else its (rows, columns).

    Cheap first: a declared range up to `SCAN_ABOVE_CELLS` is read as it is; a larger one is read when
    the cells holding something (counted by their closing tags, one streamed pass) fill at least
    `MIN_DENSITY` of it.  Only otherwise (or with no `<dimension>`) is every cell's reference parsed, to
    find the true extent and name the farthest cells.
    """
    declared = declared_extent(path, part)
    if declared is not None:
        area = declared[0] * declared[1]
        if area <= SCAN_ABOVE_CELLS:
            return declared
        try:
            if area <= MAX_GRID_CELLS and _filled_count(path, part) >= MIN_DENSITY * area:
                return declared
        except (KeyError, zipfile.BadZipFile, OSError, EOFError):
            return declared
    try:
        rows, cols = _cell_refs(path, part)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError):
        return declared
    if not len(rows):
        return declared
    height, width = int(rows.max()) + 1, int(cols.max()) + 1
    area = height * width
    filled = len(rows)
    if area <= SCAN_ABOVE_CELLS or (area <= MAX_GRID_CELLS and filled >= MIN_DENSITY * area):
        return height, width
    # the cells that make the grid so large: the last row's first cell and the last column's first cell
    far = []
    for mask in (rows == height - 1, cols == width - 1):
        i = int(np.flatnonzero(mask)[0])
        ref = a1(int(rows[i]), int(cols[i]))
        if ref not in far:
            far.append(ref)
    rest = ~np.isin(np.arange(filled), [int(np.flatnonzero(rows == height - 1)[0]),
                                        int(np.flatnonzero(cols == width - 1)[0])])
    block = (f"A1:{a1(int(rows[rest].max()), int(cols[rest].max()))}" if rest.any() else "the sheet holds no other")
    cells = " and ".join(far)
    noun = "cell" if len(far) == 1 else "cells"
    sparse = filled < MIN_DENSITY * area
    raise SheetRefused(
        f"is refused: in the sheet {sheet!r} the {noun} {cells} lie{'s' if len(far) == 1 else ''} far from the "
        f"rest of the data ({block}), so the sheet spans A1:{a1(height - 1, width - 1)}, {area:,} cells"
        + (f" of which {filled:,} hold anything" if sparse else f", more than the {MAX_GRID_CELLS:,} read")
        + f"; expected the data in one block. Delete the stray {noun} (or everything beyond the data) "
        "in Excel, save, and load the file again", sheet=sheet, cell=far[0])


@dataclass
class SheetScan:
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) → "#N/A"
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # saved without a result: (row, col) → "1+2"
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row0, col0, row1, col1), inclusive


def _scan_part(buf: bytes, out: SheetScan) -> None:
    if b't="e"' in buf:
        for m in _ERROR_CELL.finditer(buf):
            r = _R_ATTR.search(m.group(1) + b" " + m.group(2))
            v = _V_TAG.search(m.group(3))
            if r:
                out.errors[ref_to_rc(r.group(1))] = v.group(1).decode("utf-8", "replace") if v else "#ERROR!"
    if b"<f" in buf:
        for m in _FORMULA_CELL.finditer(buf):
            attrs, f_attrs, text, rest = m.groups()
            if b't="e"' in attrs or _V_SAVED.search(rest):
                continue  # an error cell, or a formula with its saved result: calamine reads those
            r = _R_ATTR.search(attrs)
            if not r:
                continue
            formula = html.unescape(text.decode("utf-8", "replace")) if text else ""
            if not formula and b"shared" in f_attrs:
                formula = "(a shared formula)"
            out.formulas[ref_to_rc(r.group(1))] = formula
    if b"<mergeCell" in buf:
        for m in _MERGE.finditer(buf):
            (r0, c0), (r1, c1) = ref_to_rc(m.group(1).upper()), ref_to_rc(m.group(2).upper())
            out.merges.append((min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)))


def scan_sheet(path: Path, part: str) -> SheetScan:
    """Stream a sheet part once: its error cells, its formulas without a saved result, its merged ranges."""
    out = SheetScan()
    tail = b""
    try:
        for chunk in _chunks(path, part):
            buf = tail + chunk
            cut = buf.rfind(b"</c>")
            cut = cut + 4 if cut >= 0 else 0
            _scan_part(buf[:cut], out)
            tail = buf[cut:]
            if len(tail) > MAX_TAIL:
                break
        _scan_part(tail, out)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError):
        return out
    return out

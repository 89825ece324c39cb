"""A worksheet's rows as XML, built from numpy columns a chunk of rows at a time (the bulk sheets).

xlsxwriter formats each cell in Python (a few microseconds a cell: most of a 100,000-line export).
Here a chunk of rows is one `%` formatting of a row template repeated over the chunk, its
arguments laid out by numpy: no Python loop over rows or cells.  The XML is what xlsxwriter writes
in constant_memory mode (inline strings, numbers as `%.16G`, a column's format on each of its
cells), so the workbook reads back cell for cell as the xlsxwriter one did.

A text column is factorized: each distinct value is escaped once (pandas string methods) into
the rest of its `<c>` element, and a row picks its value's piece by code (-1: no value).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

#: Excel's longest cell text, in UTF-16 units (xlsxwriter truncates to it too).
TEXT_LIMIT = 32767
#: The end of a `<c>` element without a value (a code of -1).
NO_VALUE = "/>"


class Lazy:
    """A column computed a chunk at a time: `fn(a, b)` gives rows a..b-1 as an array, so nothing
    is held per line (a difference of two amount arrays, a code looked up by group)."""

    def __init__(self, n: int, fn):
        self.n, self.fn = int(n), fn

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, rows: slice) -> np.ndarray:
        a, b, _ = rows.indices(self.n)
        return np.asarray(self.fn(a, b))


@dataclass(frozen=True)
class TextColumn:
    """Text cells: `codes[i]` picks row i's value from `tails` (-1, the last entry, or any code
    out of range is no value); `codes` is an array or a Lazy.

    `tails` holds the rest of each value's cell after `<c r="A2"`: its style, `t="inlineStr"`
    and the escaped text; build it with `text_column` or `text_tails`."""

    codes: np.ndarray | Lazy
    tails: np.ndarray  # object array, NO_VALUE last

    def __len__(self) -> int:
        return len(self.codes)

    @cached_property
    def blank(self) -> np.ndarray:
        """Which tails are no value (NO_VALUE: a missing or empty text)."""
        return np.asarray(self.tails == NO_VALUE, dtype=bool)


@dataclass(frozen=True)
class NumberColumn:
    """Number cells with one style (xf index, or None); NaN and ±inf are no value.  `values` is
    an array or a Lazy."""

    values: np.ndarray | Lazy
    style: int | None = None

    def __len__(self) -> int:
        return len(self.values)


Column = TextColumn | NumberColumn


def _cut(text: str) -> str:
    """`text` cut to Excel's limit in UTF-16 units, never inside a character beyond U+FFFF."""
    units = text.encode("utf-16-le", "surrogatepass")
    if len(units) <= 2 * TEXT_LIMIT:
        return text
    cut = units[:2 * TEXT_LIMIT]
    if 0xD800 <= int.from_bytes(cut[-2:], "little") <= 0xDBFF:  # the first half of a pair: drop it
        cut = cut[:-2]
    return cut.decode("utf-16-le", "surrogatepass")


def _style(style: int | None) -> str:
    return f' s="{style}"' if style else ""


def text_tails(values: Sequence, style: int | None = None) -> np.ndarray:
    """The `<c>` tail of each text in `values` (strings, or anything `str()` makes one), escaped
    as xlsxwriter escapes it: `_xHHHH_` for control characters (and for text that looks like
    one), `&amp;` `&lt;` `&gt;`, `xml:space="preserve"` for leading or trailing white space;
    texts longer than Excel's limit are cut to it; an empty text is no value (xlsxwriter writes
    no cell for it).  NO_VALUE is appended last."""
    s = pd.Series(np.asarray(values, dtype=object), dtype=object).astype(str).astype(object)  # plain str objects
    long = s.str.len() > TEXT_LIMIT // 2
    if long.any():  # rare: only these few are measured in UTF-16 units
        s[long] = [_cut(t) for t in s[long]]
    s = (s.str.replace(r"(_x[0-9a-fA-F]{4}_)", r"_x005F\1", regex=True)
          .str.replace(r"[\x00-\x08\x0b-\x1f]", lambda m: f"_x{ord(m.group(0)):04X}_", regex=True)
          .str.replace("\ufffe", "_xFFFE_", regex=False).str.replace("\uffff", "_xFFFF_", regex=False)
          .str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False)
          .str.replace(">", "&gt;", regex=False))
    preserve = s.str.contains(r"^\s|\s$", regex=True).to_numpy(dtype=bool)
    head = np.where(preserve, _style(style) + ' t="inlineStr"><is><t xml:space="preserve">',
                    _style(style) + ' t="inlineStr"><is><t>').astype(object)
    tails = head + s.to_numpy(dtype=object) + "</t></is></c>"
    tails[(s == "").to_numpy(dtype=bool)] = NO_VALUE
    return np.append(tails.astype(object), np.array([NO_VALUE], dtype=object))


def text_column(values, style: int | None = None) -> TextColumn:
    """A TextColumn of `values` (a pandas Series or a sequence; None and NaN are no value), each
    distinct text escaped once."""
    if not isinstance(values, pd.Series):
        values = pd.Series(np.asarray(values, dtype=object), dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return TextColumn(codes.astype(np.int32, copy=False), text_tails(np.asarray(uniques, dtype=object), style))


def coded_column(codes: np.ndarray | Lazy, names: Sequence, style: int | None = None) -> TextColumn:
    """A TextColumn from codes into `names` (a code of -1 or len(names) is no value)."""
    return TextColumn(codes, text_tails(list(names), style))


def _whole_cells(letter: str, rows: np.ndarray, tails: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Whole `<c>` elements, "" where there is no value (xlsxwriter writes no cell there): for the
    rare chunk where a column has gaps."""
    refs = (f'<c r="{letter}' + rows.astype(str).astype(object) + '"') + tails
    refs[missing] = ""
    return refs


def _cells(col: Column, letter: str, a: int, b: int, rows: np.ndarray) -> tuple[str, list]:
    """The template of one column's cell in a row and its argument arrays for rows a..b-1."""
    ref = f'<c r="{letter}%d"'
    if isinstance(col, TextColumn):
        codes = np.asarray(col.codes[a:b])
        codes = np.where((codes < 0) | (codes >= len(col.tails)), -1, codes)
        tails, missing = col.tails[codes], col.blank[codes]
        if not missing.any():
            return ref + "%s", [rows, tails]
        if missing.all():
            return "", []  # xlsxwriter writes no cell for no value
        return "%s", [_whole_cells(letter, rows, tails, missing)]
    values = np.asarray(col.values[a:b], dtype=float)
    finite = np.isfinite(values)
    if finite.all():
        return ref + _style(col.style) + "><v>%.16G</v></c>", [rows, values]
    if not finite.any():
        return "", []
    tails = np.full(len(values), NO_VALUE, dtype=object)
    tails[finite] = np.char.mod(_style(col.style) + "><v>%.16G</v></c>", values[finite]).astype(object)
    return "%s", [_whole_cells(letter, rows, tails, ~finite)]


#: Bytes of the longest number cell (`<c r="XFD1048576" s="999"><v>-1.234567890123457E-308</v></c>`).
NUMBER_CELL_BYTES = 64


def row_bytes_bound(columns: Sequence[Column]) -> int:
    """At most how many UTF-8 bytes a row of `columns` takes (to choose ZIP64 before writing)."""
    total = len('<row r="1048576"></row>')
    for col in columns:
        if isinstance(col, TextColumn):
            longest = pd.Series(col.tails, dtype=object).str.encode("utf-8").str.len().max()
            total += len('<c r="XFD1048576"') + int(longest)
        else:
            total += NUMBER_CELL_BYTES
    return total


def rows_xml(columns: Sequence[Column], a: int, b: int, first_row: int) -> str:
    """The `<row>` elements of rows a..b-1 of `columns` (the first column is A); row a is the
    sheet's row `first_row` (1-based, as in A1).  One `%` over the chunk: no loop over rows."""
    k = b - a
    if k <= 0:
        return ""
    rows = np.arange(first_row, first_row + k).astype(object)  # one int object per row, shared by its cells
    template, args = ['<row r="%d">'], [rows]
    for j, col in enumerate(columns):
        piece, extra = _cells(col, xl_col_to_name(j), a, b, rows)
        template.append(piece)
        args.extend(extra)
    template.append("</row>")
    table = np.empty((k, len(args)), dtype=object)
    for i, arg in enumerate(args):
        table[:, i] = arg
    return ("".join(template) * k) % tuple(table.ravel().tolist())

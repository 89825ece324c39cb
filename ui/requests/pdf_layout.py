"""Page layout for the justification PDF: measured text, tables and charts flowed onto pages.

Everything is in points (1/72 inch); text is measured with QFontMetricsF on a 72-dpi device, the
resolution the PDF is painted at, so what is measured here is what is drawn.  The result is a
plain model (`Page`s holding `Text`, `Box` and `Chart` items, plus a record of every table's
column widths and every paragraph) that ui.requests.pdf paints and the tests inspect.

Tables: every column gets its natural width (its widest cell on one line; headers may wrap at
their words).  When the table is wider than the line, the widest wrapping (text) columns shrink
first, never below a sensible minimum: the longest word of the column (a single word longer
than `WORD_CAP` points is broken between characters), its header's longest word, and
`MIN_TEXT_COL` (or the column's whole text when that is narrower).  Number columns never wrap.
A table that does not fit even so asks for landscape, then a smaller font (`fit_table`).  Rows
never split unless one row is taller than a page; the header row repeats on every new page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .pdf_text import Fonts, longest_word, wrap

LETTER = (612.0, 792.0)        # US Letter, portrait, points
MARGIN = 42.0                  # about 15 mm
FOOTER = 16.0                  # the page footer's band inside the bottom margin
PAD_X, PAD_Y = 3.0, 1.6        # cell padding
MIN_TEXT_COL = 60.0            # a wrapping column is never narrower than this (unless all its text is)
WORD_CAP = 100.0               # a word wider than this (about 22 characters) is broken between characters
TABLE_SIZES = (8.0, 7.5, 7.0, 6.5, 6.0)   # a table too wide for the page tries these in turn


# =============================================================================================
# Tables
# =============================================================================================

@dataclass
class Column:
    header: str
    align: str = "left"        # "left" | "right"
    wrap: bool = True          # a text column (wraps at words); False: numbers, never wrapped


@dataclass
class TableSpec:
    name: str                               # what the table is (tests look tables up by it)
    columns: list[Column]
    rows: list[list[str]]
    bold_rows: frozenset = frozenset()      # row indexes printed bold (totals)
    stretch: bool = False                   # widen the text columns to fill the line
    header: bool = True
    shade_cols: frozenset = frozenset()     # columns of row labels (shaded)


@dataclass
class Widths:
    widths: list[float]
    natural: list[float]
    minimum: list[float]
    size: float                 # the table's font size
    fits: bool                  # every column at or above its minimum


def _limits(spec: TableSpec, fonts: Fonts, key: str, bkey: str, line_width: float) -> tuple[list, list]:
    pad = 2 * PAD_X
    cap = min(WORD_CAP, line_width)
    natural, minimum = [], []
    for c, col in enumerate(spec.columns):
        cells = [(row[c], bkey if r in spec.bold_rows else key) for r, row in enumerate(spec.rows)]
        full = max((fonts.width(k, ln) for t, k in cells for ln in str(t).split("\n")), default=0.0)
        head_word = longest_word(col.header, fonts, bkey) if spec.header else 0.0
        head_full = fonts.width(bkey, col.header) if spec.header else 0.0
        nat = max(full, head_full)
        if col.wrap:
            word = max((longest_word(t, fonts, k) for t, k in cells), default=0.0)
            low = max(head_word, min(word, cap), min(full, MIN_TEXT_COL))
        else:
            low = max(head_word, full)
        natural.append(nat + pad)
        minimum.append(min(low, nat) + pad)
    return natural, minimum


def column_widths(spec: TableSpec, fonts: Fonts, available: float, size: float = TABLE_SIZES[0]) -> Widths:
    """The columns' widths on a line `available` points wide (see the module docstring)."""
    key, bkey = f"table{size:g}", f"table{size:g}_b"
    natural, minimum = _limits(spec, fonts, key, bkey, available)
    total = sum(natural)
    if total <= available:
        widths = list(natural)
        extra = available - total
        grow = [c for c, col in enumerate(spec.columns) if col.wrap]
        if spec.stretch and grow and extra > 0:
            share = sum(natural[c] for c in grow)
            for c in grow:
                widths[c] += extra * natural[c] / share
        return Widths(widths, natural, minimum, size, True)
    if sum(minimum) > available:
        scale = available / sum(minimum)
        return Widths([m * scale for m in minimum], natural, minimum, size, False)
    # water-fill: a cap C on every column's width (never below its minimum), the widest shrink first
    lo, hi = 0.0, max(natural)
    for _ in range(60):
        mid = (lo + hi) / 2
        if sum(max(m, min(n, mid)) for n, m in zip(natural, minimum)) > available:
            hi = mid
        else:
            lo = mid
    widths = [max(m, min(n, lo)) for n, m in zip(natural, minimum)]
    spare = available - sum(widths)   # the last fraction of a point: to the widest shrunk column
    shrunk = [c for c in range(len(widths)) if widths[c] < natural[c]]
    if shrunk and spare > 0:
        c = max(shrunk, key=lambda i: widths[i])
        widths[c] += spare
    return Widths(widths, natural, minimum, size, True)


def fit_table(spec: TableSpec, fonts: Fonts, portrait: float, landscape: float | None) -> tuple[Widths, str]:
    """(widths, orientation): portrait when the table fits there at its natural width, else
    landscape (when `landscape` is given); then the largest font size at which it fits."""
    w = column_widths(spec, fonts, portrait)
    if landscape is not None and sum(w.natural) > portrait:
        return _smaller(spec, fonts, landscape, column_widths(spec, fonts, landscape)), "landscape"
    return _smaller(spec, fonts, portrait, w), "portrait"


def _smaller(spec: TableSpec, fonts: Fonts, available: float, w: Widths) -> Widths:
    for size in TABLE_SIZES[1:]:
        if w.fits:
            break
        w = column_widths(spec, fonts, available, size)
    return w


# =============================================================================================
# Pages
# =============================================================================================

@dataclass
class Text:
    x: float
    y: float                 # top of the line box
    w: float
    h: float
    text: str
    font: str
    align: str = "left"
    color: str = "#000000"


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: str | None = None
    stroke: str | None = "#9a9a9a"


@dataclass
class Chart:
    x: float
    y: float
    w: float
    h: float
    kpi: dict                # the values by series key (a KPI's "without", "with", "target" by default)
    labels: list
    request_id: str
    series: tuple | None = None          # (legend, key, colour, dashed) each; None: the KPI chart's
    title: str | None = None             # None: the KPI's title
    tick_text: Any = None                # value → axis text; None: as many decimals as the step needs
    floor: float | None = None           # the axis never starts below this when no value is below it


@dataclass
class Page:
    orientation: str
    width: float
    height: float
    items: list = field(default_factory=list)
    section: str = ""        # the request ID a page belongs to ("" for the summary)


@dataclass
class TableRecord:
    name: str
    section: str
    orientation: str
    widths: Widths
    pages: list[int]
    spec: TableSpec
    header_rows_drawn: int = 0


@dataclass
class ParagraphRecord:
    label: str
    text: str
    section: str
    pages: list[int]


class Flow:
    """Blocks placed top to bottom; a block that does not fit goes on (or continues on) a new page."""

    def __init__(self, fonts: Fonts | None = None):
        self.fonts = fonts or Fonts()
        self.pages: list[Page] = []
        self.tables: list[TableRecord] = []
        self.paragraphs: list[ParagraphRecord] = []
        self.charts: list[Chart] = []
        self.section = ""
        self.y = 0.0

    # -- geometry ----------------------------------------------------------------------------------
    @staticmethod
    def line_width(orientation: str) -> float:
        w, h = LETTER if orientation == "portrait" else LETTER[::-1]
        return w - 2 * MARGIN

    @property
    def page(self) -> Page:
        return self.pages[-1]

    @property
    def left(self) -> float:
        return MARGIN

    @property
    def width(self) -> float:
        return self.page.width - 2 * MARGIN

    @property
    def bottom(self) -> float:
        return self.page.height - MARGIN - FOOTER

    def room(self) -> float:
        return self.bottom - self.y

    def new_page(self, orientation: str | None = None, section: str | None = None) -> Page:
        orientation = orientation or (self.page.orientation if self.pages else "portrait")
        w, h = LETTER if orientation == "portrait" else LETTER[::-1]
        if section is not None:
            self.section = section
        self.pages.append(Page(orientation, w, h, section=self.section))
        self.y = MARGIN
        return self.page

    def ensure(self, height: float) -> None:
        """A new page unless `height` fits below (a fresh page always takes the block)."""
        if self.y > MARGIN + 0.01 and height > self.room():
            self.new_page()

    def space(self, h: float) -> None:
        self.y = min(self.y + h, self.bottom)

    # -- text --------------------------------------------------------------------------------------
    def text_lines(self, lines: list[str], key: str, x: float | None = None, width: float | None = None,
                   color: str = "#000000") -> list[int]:
        """Lines one under another, continued on new pages; returns the pages used."""
        x = self.left if x is None else x
        lh = self.fonts.line(key)
        used = []
        for ln in lines:
            if lh > self.room():
                self.new_page()
            self.page.items.append(Text(x, self.y, width or self.width, lh, ln, key, color=color))
            self.y += lh
            if not used or used[-1] != len(self.pages):
                used.append(len(self.pages))
        return used

    def heading(self, text: str, key: str, keep: float = 0.0, before: float = 0.0) -> None:
        """A heading kept on one page with the first `keep` points of what follows it."""
        lines = wrap(text, self.width, self.fonts, key)
        self.ensure(before + len(lines) * self.fonts.line(key) + keep)
        if self.y > MARGIN + 0.01:
            self.space(before)
        self.text_lines(lines, key)
        self.space(2)

    def paragraph(self, text: str, label: str = "", key: str = "body", color: str = "#000000") -> None:
        lines = wrap(text, self.width, self.fonts, key)
        lh = self.fonts.line(key)
        if label:
            self.ensure(self.fonts.line("label") + min(len(lines), 2) * lh)
            self.text_lines([label], "label")
        else:
            self.ensure(min(len(lines), 2) * lh)
        pages = self.text_lines(lines, key, color=color)
        self.paragraphs.append(ParagraphRecord(label, text, self.section, pages))
        self.space(5)

    # -- tables ------------------------------------------------------------------------------------
    def _cells(self, spec: TableSpec, widths: Widths) -> tuple[list | None, float, list[list[list[str]]]]:
        """(header lines per column, header height, lines per cell of every row)."""
        fonts, cols = self.fonts, widths.widths
        key, bkey = f"table{widths.size:g}", f"table{widths.size:g}_b"
        head = ([wrap(c.header, cols[i] - 2 * PAD_X, fonts, bkey) for i, c in enumerate(spec.columns)]
                if spec.header else None)
        head_h = (max(len(h) for h in head) * fonts.line(key) + 2 * PAD_Y) if head else 0.0
        rows = [[wrap(t, cols[c] - 2 * PAD_X, fonts, bkey if r in spec.bold_rows else key) for c, t in enumerate(row)]
                for r, row in enumerate(spec.rows)]
        return head, head_h, rows

    def table_height(self, spec: TableSpec, widths: Widths | None = None) -> float:
        """The height the table takes when it fits on one page."""
        widths = widths or column_widths(spec, self.fonts, self.width)
        _, head_h, rows = self._cells(spec, widths)
        lh = self.fonts.line(f"table{widths.size:g}")
        return head_h + sum(max(len(c) for c in row) * lh + 2 * PAD_Y for row in rows) + 8

    def table(self, spec: TableSpec, widths: Widths | None = None, caption: str = "") -> TableRecord:
        """The table at the current position (header repeated on each new page)."""
        widths = widths or column_widths(spec, self.fonts, self.width)
        key, bkey = f"table{widths.size:g}", f"table{widths.size:g}_b"
        lh = self.fonts.line(key)
        cols = widths.widths
        head, head_h, body = self._cells(spec, widths)
        rec = TableRecord(spec.name, self.section, self.page.orientation, widths, [], spec)
        self.tables.append(rec)

        def draw_header() -> None:
            if caption:
                cont = " (continued)" if rec.pages else ""
                self.text_lines([caption + cont], "h3")
                self.space(1)
            if head:
                self._row(head, [bkey] * len(cols), cols, spec, head_h, fill="#dce6f1", header=True)
                rec.header_rows_drawn += 1
            rec.pages.append(len(self.pages))

        cap_h = (self.fonts.line("h3") + 1) if caption else 0.0
        fresh_room = (self.bottom - MARGIN) - cap_h - head_h   # below the header on a new page
        first = max(len(c) for c in body[0]) * lh + 2 * PAD_Y if body else lh
        if first > fresh_room:      # a first row taller than a page starts here with a few lines
            first = 3 * lh + 2 * PAD_Y
        self.ensure(cap_h + head_h + first)
        draw_header()
        fresh = False                                          # nothing but the header on this page yet
        for r, cells in enumerate(body):
            k = bkey if r in spec.bold_rows else key
            while True:
                n = max(len(c) for c in cells)
                h = n * lh + 2 * PAD_Y
                if h <= self.room():
                    self._row(cells, [k] * len(cols), cols, spec, h)
                    fresh = False
                    break
                fit = int((self.room() - 2 * PAD_Y) // lh)
                if not fresh and (fit < 1 or h <= fresh_room):
                    self.new_page()      # the row fits on a fresh page: move it there whole
                    draw_header()
                    fresh = True
                    continue
                # a row taller than a page: as many lines as fit here, the rest on the next page
                fit = max(fit, 1)
                self._row([c[:fit] for c in cells], [k] * len(cols), cols, spec, fit * lh + 2 * PAD_Y)
                cells = [c[fit:] or [""] for c in cells]
                self.new_page()
                draw_header()
                fresh = True
        self.space(8)
        return rec

    def _row(self, cells: list[list[str]], keys: list[str], cols: list[float], spec: TableSpec, h: float,
             fill: str | None = None, header: bool = False) -> None:
        x = self.left
        lh = self.fonts.line(keys[0])
        for c, (lines, w) in enumerate(zip(cells, cols)):
            shade = fill or ("#f2f2f2" if c in spec.shade_cols else None)
            self.page.items.append(Box(x, self.y, w, h, shade))
            align = "left" if header and spec.columns[c].wrap else spec.columns[c].align
            for i, ln in enumerate(lines):
                if ln:
                    self.page.items.append(Text(x + PAD_X, self.y + PAD_Y + i * lh, w - 2 * PAD_X, lh, ln, keys[c],
                                                align))
            x += w
        self.y += h

    # -- charts ------------------------------------------------------------------------------------
    def chart(self, kpi: dict[str, Any], labels: list, request_id: str, w: float, h: float, **options) -> Chart:
        """A chart (`options`: Chart's series, title, tick_text, floor) at the current position."""
        self.ensure(h)
        ch = Chart(self.left, self.y, min(w, self.width), h, kpi, list(labels), request_id, **options)
        self.page.items.append(ch)
        self.charts.append(ch)
        self.y += h + 6
        return ch


__all__ = ["Fonts", "wrap", "Column", "TableSpec", "Widths", "column_widths", "fit_table", "Flow", "Page", "Text",
           "Box", "Chart", "LETTER", "MARGIN", "MIN_TEXT_COL", "WORD_CAP"]

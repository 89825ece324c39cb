"""Copy any table or tree of the app the way an analyst pastes it into Excel.

`install(view)` gives a QTableView or QTreeView:
- Ctrl+C: the selected rows (every row shown when none is selected) as tab-separated text, the
  header row first, with the RAW values (`RAW_ROLE` of ui/common/models.py: 1234567.5, not
  `$1,234,568`), so Excel pastes numbers, not text;
- Ctrl+Shift+C: the same without the header row;
- a right-click menu: Copy with headers, Copy without headers, Export selection… (.xlsx or .csv,
  ui/common/table_export.py; written on the thread pool when large).

A model that has no `RAW_ROLE` for a cell gives its number under `SORT_ROLE`, else its edit value,
else its text (a checkbox column its check state as TRUE/FALSE; `$1,234` and `($1,234)` as numbers). A tree's first column is written as one column per level
(Fund, Department, Program: `model.level_names()` when the model has it), so a copied row says
where it sits. A model with `raw_frame(rows, columns)` (the 100,000-row line items) gives a whole
block at once instead of cell by cell.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QMenu, QTreeView

from .models import RAW_ROLE, SORT_ROLE

INSTALLED = "tableCopyInstalled"  # the view property a test walks the widget tree for
DISPLAY = Qt.ItemDataRole.DisplayRole
EDIT = Qt.ItemDataRole.EditRole
CHECK = Qt.ItemDataRole.CheckStateRole
_TEXT_BLANKS = {"–", "—"}
_MONEY = re.compile(r"^(\(\$[\d,]+(\.\d+)?\)|[+-]?\$[\d,]+(\.\d+)?)$")  # $1,234  ($1,234)  -$1,234.50  # a dash shown for "no figure" is an empty cell in Excel


@dataclass
class Block:
    """What a copy or an export holds: column titles and rows of plain Python values."""

    headers: list[str]
    rows: list[list] = field(default_factory=list)
    table: object = None  # a DataFrame of the same, when a model gave the block at once (written by pandas)

    @property
    def count(self) -> int:
        """How many rows."""
        return len(self.table) if self.table is not None else len(self.rows)

    def tsv(self, headers: bool = True) -> str:
        if self.table is not None and len(self.table):
            cols = [_column_texts(self.table[c].to_numpy()) for c in self.table.columns]
            body = "\n".join(map("\t".join, zip(*cols)))
            return ("\t".join(_clean(h) for h in self.headers) + "\n" if headers else "") + body + "\n"
        lines = (["\t".join(_clean(h) for h in self.headers)] if headers else [])
        lines += ["\t".join(cell_text(v) for v in row) for row in self.rows]
        return "\n".join(lines) + "\n"

    def frame(self):
        import pandas as pd

        if self.table is not None:
            return self.table.set_axis(_unique(self.headers), axis=1)
        return pd.DataFrame(self.rows, columns=_unique(self.headers))


def _column_texts(values: np.ndarray) -> list[str]:
    """A whole column as `cell_text` would write each cell, vectorized (floats: shortest exact text)."""
    if values.dtype.kind == "f":
        texts = list(map(repr, values.tolist()))
        bad = np.flatnonzero(~np.isfinite(values))
        for i in bad.tolist():
            texts[i] = ""
        return texts
    if values.dtype.kind in "iu":
        return list(map(str, values.tolist()))
    import pandas as pd

    codes, uniq = pd.factorize(values, use_na_sentinel=False)  # few names: each cleaned once
    return np.array([cell_text(u) for u in uniq.tolist()], dtype=object)[codes].tolist()


def _clean(text) -> str:
    return " ".join(str(text).split())


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in (_clean(h) for h in headers):
        k = seen.get(h, 0)
        seen[h] = k + 1
        out.append(h if not k else f"{h} ({k + 1})")
    return out


def plain(v):
    """A cell's value as a plain Python value (numpy scalars unwrapped, NaN and dashes → None)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, str) and v.strip() in _TEXT_BLANKS:
        return None
    return v


def cell_text(v) -> str:
    """A value as Excel reads it from a paste: numbers unformatted, TRUE/FALSE, blank for none."""
    v = plain(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return repr(v)  # exact; Excel reads 1234567.5 and 1.0 as numbers
    if isinstance(v, int):
        return str(v)
    return _clean(v)


def raw(index: QModelIndex):
    """The raw value of one cell (see the module's docstring for the fallbacks)."""
    v = index.data(RAW_ROLE)
    if v is not None:
        return plain(v)
    check = index.data(CHECK)
    if check is not None:
        state = check.value if hasattr(check, "value") else int(check)
        return state == Qt.CheckState.Checked.value
    key = index.data(SORT_ROLE)  # a model that sorts numbers as numbers holds them there
    if isinstance(key, (int, float, np.number)) and not isinstance(key, (bool, np.bool_)):
        return plain(float(key) if isinstance(key, float) else key)
    v = index.data(EDIT)
    if v is None or isinstance(v, str):
        v = index.data(DISPLAY)
    if isinstance(v, str) and not v.strip():
        return None
    if isinstance(v, str) and _MONEY.match(v.strip()):  # a dollar figure shown as text: its number
        text = v.strip()
        number = float(text.strip("()+-$").replace("$", "").replace(",", ""))
        return -number if text.startswith(("(", "-")) else number
    return plain(v)


# -- which rows and columns ---------------------------------------------------------------------
def shown_columns(view: QAbstractItemView) -> list[int]:
    """The logical columns in the order shown, hidden ones left out."""
    header = view.header() if isinstance(view, QTreeView) else view.horizontalHeader()
    model = view.model()
    n = model.columnCount(view.rootIndex()) if model is not None else 0
    out = [header.logicalIndex(v) for v in range(n)]
    return [c for c in out if 0 <= c < n and not header.isSectionHidden(c)]


def _tree_rows(view: QTreeView) -> list[QModelIndex]:
    """Every row a tree shows (expanded), top to bottom."""
    model = view.model()
    out = []
    index = model.index(0, 0, view.rootIndex())
    while index.isValid():
        out.append(index)
        index = view.indexBelow(index)
    return out


def selected_rows(view: QAbstractItemView, every: bool = False) -> tuple[list[QModelIndex], list[int]]:
    """(column-0 indexes of the rows to copy in the order shown, the columns to copy).

    The selected rows (every row shown when nothing is selected); all shown columns unless only
    some cells of some columns are selected."""
    model = view.model()
    columns = shown_columns(view)
    sel = view.selectionModel()
    ranges = list(sel.selection()) if sel is not None and not every else []
    if not ranges:
        if isinstance(view, QTreeView):
            return _tree_rows(view), columns
        return [model.index(r, 0, view.rootIndex()) for r in range(model.rowCount(view.rootIndex()))], columns
    picked_cols: set[int] = set()
    if isinstance(view, QTreeView):
        rows = {}
        for rg in ranges:
            picked_cols.update(range(rg.left(), rg.right() + 1))
            for r in range(rg.top(), rg.bottom() + 1):
                i = model.index(r, 0, rg.parent())
                rows[_path(i)] = i
        ordered = [rows[k] for k in sorted(rows)]
    else:
        row_set: set[int] = set()
        for rg in ranges:
            picked_cols.update(range(rg.left(), rg.right() + 1))
            row_set.update(range(rg.top(), rg.bottom() + 1))
        ordered = [model.index(r, 0, view.rootIndex()) for r in sorted(row_set)]
    whole_rows = view.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectRows
    if not whole_rows and not set(columns) <= picked_cols:
        columns = [c for c in columns if c in picked_cols]
    return ordered, columns


def _path(index: QModelIndex) -> tuple[int, ...]:
    out = []
    while index.isValid():
        out.append(index.row())
        index = index.parent()
    return tuple(reversed(out))


# -- the block ----------------------------------------------------------------------------------
def _header(model, c: int) -> str:
    h = model.headerData(c, Qt.Orientation.Horizontal, DISPLAY)
    return "" if h is None else _clean(h)


def _fast_source(view):
    """The model's `raw_frame` when the view's model has one (no proxy in between)."""
    return getattr(view.model(), "raw_frame", None)


def block(view: QAbstractItemView, all_rows: bool = False) -> Block:
    """The selected rows of `view` (or all shown with `all_rows`) with their headers and raw values."""
    model = view.model()
    if model is None:
        return Block([])
    rows, columns = selected_rows(view, every=all_rows)
    fast = _fast_source(view)
    if fast is not None:
        headers, table = fast([i.row() for i in rows], columns)
        return Block(headers, table.to_numpy(dtype=object).tolist() if len(table) <= 1000 else [], table)
    if isinstance(view, QTreeView) and rows and 0 in columns:
        return _tree_block(view, rows, columns)
    headers = [_header(model, c) for c in columns]
    out = [[raw(i.siblingAtColumn(c)) for c in columns] for i in rows]
    labels = _row_labels(view, rows)
    if labels is not None:  # rows named in the vertical header ("Net budget effect"): a first column
        return Block([""] + headers, [[label] + row for label, row in zip(labels, out)])
    return Block(headers, out)


def _row_labels(view, rows: list[QModelIndex]) -> list[str] | None:
    """The row names of a shown vertical header, unless it only numbers the rows."""
    header = getattr(view, "verticalHeader", lambda: None)()
    if header is None or header.isHidden() or not rows:
        return None
    model = view.model()
    labels = [model.headerData(i.row(), Qt.Orientation.Vertical, DISPLAY) for i in rows]
    texts = ["" if v is None else _clean(v) for v in labels]
    if all(t == str(i.row() + 1) or t.isdigit() or not t for t, i in zip(texts, rows)):
        return None
    return texts


def _tree_block(view: QTreeView, rows: list[QModelIndex], columns: list[int]) -> Block:
    """A tree's rows with its first column spread over one column per level."""
    model = view.model()
    names = list(getattr(model, "level_names", lambda: ())())
    depth = max([1 + max(len(_path(i)) - 1 for i in rows), len(names)])  # every level: the same columns always
    level_headers = [names[k] if k < len(names) else f"Level {k + 1}" for k in range(depth)]
    rest = [c for c in columns if c != 0]
    headers = level_headers + [_header(model, c) for c in rest]
    out = []
    for i in rows:
        chain = []
        p = i
        while p.isValid():
            chain.append(raw(p.siblingAtColumn(0)))
            p = p.parent()
        chain.reverse()
        out.append(chain + [None] * (depth - len(chain)) + [raw(i.siblingAtColumn(c)) for c in rest])
    return Block(headers, out)


# -- the actions --------------------------------------------------------------------------------
def copy_rows(view: QAbstractItemView, headers: bool = True) -> str:
    """Put the selected rows on the clipboard; return the text."""
    text = block(view).tsv(headers)
    QGuiApplication.clipboard().setText(text)
    return text


def install(view: QAbstractItemView, name: str = "table", shortcuts: bool = True) -> QAbstractItemView:
    """Give `view` Ctrl+C, Ctrl+Shift+C and the right-click menu. `name` is the export's file name;
    `shortcuts` False leaves the keys to a dialog that has its own Copy (the validation report)."""
    if view.property(INSTALLED):
        return view
    copy = QAction("Copy with headers", view)
    copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
    copy.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    copy.setToolTip("Copy the selected rows (all rows when none is selected) as numbers, with the column titles")
    copy.triggered.connect(lambda: copy_rows(view, True))
    bare = QAction("Copy without headers", view)
    bare.setShortcut(QKeySequence("Ctrl+Shift+C"))
    bare.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    bare.triggered.connect(lambda: copy_rows(view, False))
    export = QAction("Export selection…", view)
    export.setToolTip("Write the selected rows (all rows when none is selected) to a workbook or a CSV file")

    def _export():
        from .table_export import export_view

        export_view(view, block, name)

    export.triggered.connect(_export)
    if shortcuts:
        for a in (copy, bare):
            view.addAction(a)
    else:
        copy.setShortcut(QKeySequence())
        bare.setShortcut(QKeySequence())
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def _menu(pos):
        menu = QMenu(view)
        for a in (copy, bare):
            menu.addAction(a)
        menu.addSeparator()
        menu.addAction(export)
        extra = getattr(view, "extra_menu_actions", None)  # a panel's own row actions, after ours
        if extra:
            menu.addSeparator()
            for a in extra():
                menu.addAction(a)
        menu.exec(view.viewport().mapToGlobal(pos))

    view.customContextMenuRequested.connect(_menu)
    view.setProperty(INSTALLED, True)
    view.copy_actions = (copy, bare, export)
    return view


__all__ = ["install", "copy_rows", "block", "Block", "cell_text", "raw", "INSTALLED"]

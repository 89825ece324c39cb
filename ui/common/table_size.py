"""Column widths that fit the content, cheaply: the header and a sample of rows (the first ones and
an even spread of the rest), measured with the view's font, never all 100,000 rows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QTreeView

SAMPLE = 200   # rows measured: the first half of them, and the rest spread evenly
PADDING = 18   # the cell's margins and the sort arrow


def _sample_rows(n: int, sample: int = SAMPLE) -> list[int]:
    if n <= sample:
        return list(range(n))
    head = list(range(sample // 2))
    step = max(1, (n - sample // 2) // (sample - sample // 2))
    return head + list(range(sample // 2, n, step))[: sample - sample // 2]


def fit_columns(view: QAbstractItemView, columns=None, *, minimum: int = 48, maximum: int = 320,
                limits: dict[int, tuple[int, int]] | None = None) -> dict[int, int]:
    """Set each column's width to its header's and its sampled cells' widest text (clamped to
    `minimum`–`maximum`, or `limits[c]`); return the widths set."""
    model = view.model()
    if model is None:
        return {}
    fm = view.fontMetrics()
    header = view.header() if isinstance(view, QTreeView) else view.horizontalHeader()
    hfm = header.fontMetrics()
    root = view.rootIndex()
    n = model.rowCount(root)
    rows = _sample_rows(n)
    cols = range(model.columnCount(root)) if columns is None else columns
    out = {}
    for c in cols:
        title = model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        lines = str(title or "").split("\n")
        width = max((hfm.horizontalAdvance(t) for t in lines), default=0)
        for r in rows:
            text = model.index(r, c, root).data(Qt.ItemDataRole.DisplayRole)
            if text:
                width = max(width, fm.horizontalAdvance(str(text)))
        if isinstance(view, QTreeView) and c == 0:
            width += view.indentation() * 3
        lo, hi = (limits or {}).get(c, (minimum, maximum))
        out[c] = max(lo, min(hi, width + PADDING))
        header.resizeSection(c, out[c])
    return out

"""The line-items table's item model: every line item over numpy arrays (keys as integer codes + name
lists, amounts as (lines, 5) arrays); sort by an `np.argsort` permutation, filter by a numpy mask."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from ..common import fmt
from ..common.models import DISPLAY, LEFT, RAW_ROLE, RIGHT


class LineItemsModel(QAbstractTableModel):
    """Every line item: keys + baseline and scenario per plan year, over numpy arrays.

    `rows` is the permutation shown (sorted, then filtered); `data()` reads one array cell and
    formats it (only visible cells are ever asked for)."""

    KEYS = ["fund", "department", "program", "account", "account_class", "recurring"]
    KEY_HEADERS = ["Fund", "Department", "Program", "Account", "Account class", "Recurring"]
    CHANGE = len(KEYS) + 10  # scenario − baseline in the selected plan year (the last column)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.prepared = None
        self.codes: list[np.ndarray] = []
        self.names: list[list[str]] = []
        self.folded: list[list[str]] = []
        self.rank: list[np.ndarray] = []
        self.base = np.zeros((0, 5))
        self.scen = np.zeros((0, 5))
        self.order = np.zeros(0, dtype=np.int64)
        self.rows = np.zeros(0, dtype=np.int64)
        self.filter_text = ""
        self.sort_column = -1
        self.sort_order = Qt.SortOrder.AscendingOrder
        self.labels: list[str] = []
        self.sources = None
        self._results = None
        self._stale = False
        self.active = True
        self.year = 0  # the plan year whose change the Change column shows (the window's plan year)

    def set_prepared(self, prepared) -> None:
        self.beginResetModel()
        self.prepared = prepared
        self.codes, self.names, self.folded, self.rank = [], [], [], []
        if prepared is not None:
            li = prepared.dataset.budget.line_items
            n = prepared.n_lines
            for key in self.KEYS:
                if key == "recurring":
                    codes = prepared.line_recurring.astype(np.int64)
                    names = ["No", "Yes"]
                elif key in li.columns:
                    col = li[key]
                    if isinstance(col.dtype, pd.CategoricalDtype):
                        codes = col.cat.codes.to_numpy().astype(np.int64)
                        names = [str(c) for c in col.cat.categories] + [""]
                        codes = np.where(codes < 0, len(names) - 1, codes)
                    else:
                        codes, uniq = pd.factorize(col.astype(object), use_na_sentinel=True)
                        names = ["" if v is None else str(v) for v in uniq] + [""]
                        codes = np.where(codes < 0, len(names) - 1, codes).astype(np.int64)
                else:
                    codes, names = np.zeros(n, dtype=np.int64), [""]
                self.codes.append(codes)
                self.names.append(names)
                folded = [s.casefold() for s in names]
                self.folded.append(folded)
                rank = np.empty(len(names), dtype=np.int64)
                rank[np.argsort(np.array(folded, dtype=object), kind="stable")] = np.arange(len(names))
                self.rank.append(rank)
            self.base = prepared.E0
            self.scen = prepared.E0
            self.labels = list(prepared.year_labels)
            src = [c for c in ("source_file", "source_sheet", "source_row") if c in li.columns]
            self.sources = li[src].to_numpy(dtype=object) if len(src) == 3 else None
            self.order = np.arange(n, dtype=np.int64)
        else:
            self.base = self.scen = np.zeros((0, 5))
            self.order = np.zeros(0, dtype=np.int64)
        self.sort_column = -1
        self.filter_text = ""
        self.rows = self.order
        self.endResetModel()

    # -- results (pulled lazily: line amounts are materialised only while the table is shown) -----
    def set_results(self, results) -> None:
        self._results = results
        self._stale = True
        if self.active:
            self.refresh()

    def set_active(self, active: bool) -> None:
        self.active = active
        if active and self._stale:
            self.refresh()

    def refresh(self) -> None:
        if not self._stale or self._results is None:
            return
        self._stale = False
        _, self.scen = self._results.line_amounts()
        if len(self.rows):
            self.dataChanged.emit(self.index(0, len(self.KEYS)), self.index(len(self.rows) - 1, self.columnCount() - 1))

    # -- sort and filter ---------------------------------------------------------------------------
    def column_key(self, column: int) -> np.ndarray:
        if column < len(self.KEYS):
            return self.rank[column][self.codes[column]]
        if column == self.CHANGE:
            return self.scen[:, self.year] - self.base[:, self.year]
        t, which = divmod(column - len(self.KEYS), 2)
        return (self.base if which == 0 else self.scen)[:, t]

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if not self.codes:
            self.sort_column, self.sort_order = column, order
            return
        self.layoutAboutToBeChanged.emit()
        old_rows = self.rows
        self.sort_column, self.sort_order = column, order
        n = len(self.base)
        if column < 0 or column >= self.columnCount():
            self.order = np.arange(n, dtype=np.int64)
        else:
            key = self.column_key(column)
            if order == Qt.SortOrder.DescendingOrder:
                key = -key if key.dtype.kind == "f" else key.max(initial=0) - key
            self.order = np.argsort(key, kind="stable")
        self._apply_filter()
        self._remap(old_rows)
        self.layoutChanged.emit()

    def set_filter(self, text: str) -> None:
        if not self.codes:
            self.filter_text = text
            return
        self.layoutAboutToBeChanged.emit()
        old_rows = self.rows
        self.filter_text = text
        self._apply_filter()
        self._remap(old_rows)
        self.layoutChanged.emit()

    def filter_mask(self, text: str) -> np.ndarray:
        """Lines whose fund, department, program, account or account class contains `text`
        (case-insensitive)."""
        needle = text.strip().casefold()
        n = len(self.base)
        if not needle:
            return np.ones(n, dtype=bool)
        mask = np.zeros(n, dtype=bool)
        for k in range(len(self.KEYS) - 1):  # every key but Recurring
            hit = np.fromiter((needle in s for s in self.folded[k]), dtype=bool, count=len(self.folded[k]))
            if hit.any():
                mask |= hit[self.codes[k]]
        return mask

    def _apply_filter(self) -> None:
        if self.filter_text.strip():
            mask = self.filter_mask(self.filter_text)
            self.rows = self.order[mask[self.order]]
        else:
            self.rows = self.order

    def _remap(self, old_rows: np.ndarray) -> None:
        """Keep persistent indexes (the current cell) on the same line items."""
        persistent = self.persistentIndexList()
        if not persistent:
            return
        where = np.full(len(self.base), -1, dtype=np.int64)
        where[self.rows] = np.arange(len(self.rows))
        new = []
        for idx in persistent:
            line = old_rows[idx.row()] if idx.row() < len(old_rows) else -1
            r = where[line] if line >= 0 else -1
            new.append(self.index(int(r), idx.column()) if r >= 0 else QModelIndex())
        self.changePersistentIndexList(persistent, new)

    # -- Qt ------------------------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.KEYS) + 11

    def amount_column(self, year: int, scenario: bool) -> int:
        """The column of a plan year's baseline (or scenario) amounts."""
        return len(self.KEYS) + 2 * year + (1 if scenario else 0)

    def set_year(self, year: int) -> None:
        """The plan year of the Change column (its header and values follow)."""
        self.year = max(0, min(int(year), 4))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, self.CHANGE, self.CHANGE)
        if len(self.rows):
            self.dataChanged.emit(self.index(0, self.CHANGE), self.index(len(self.rows) - 1, self.CHANGE))

    def _short(self, t: int) -> str:
        label = self.labels[t] if t < len(self.labels) else f"y{t + 1}"
        digits = "".join(ch for ch in label if ch.isdigit())
        return f"FY{digits[-2:]}" if len(digits) >= 2 else label

    def _amount(self, i, c: int) -> float | np.ndarray:
        if c == self.CHANGE:
            return self.scen[i, self.year] - self.base[i, self.year]
        t, which = divmod(c - len(self.KEYS), 2)
        return (self.base if which == 0 else self.scen)[i, t]

    def raw_frame(self, rows: list[int], columns: list[int]) -> tuple[list[str], pd.DataFrame]:
        """The headers and a DataFrame of the raw values of `rows` (shown positions) × `columns`, a
        column at a time (a copy of 100,000 lines without a call per cell)."""
        lines = self.rows[np.asarray(rows, dtype=np.int64)] if len(rows) else np.zeros(0, dtype=np.int64)
        data = {}
        for k, c in enumerate(columns):
            if c < len(self.KEYS):
                names = np.array(self.names[c], dtype=object)
                data[k] = names[self.codes[c][lines]]
            else:
                data[k] = np.asarray(self._amount(lines, c), dtype=float)
        headers = [" ".join(str(self.headerData(c, Qt.Orientation.Horizontal)).split()) for c in columns]
        return headers, pd.DataFrame(data, index=pd.RangeIndex(len(lines)))

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if (role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal and self.prepared is not None
                and len(self.KEYS) <= section < self.CHANGE and (section - len(self.KEYS)) % 2 == 0):
            return self.prepared.baseline_source.detail
        if role != DISPLAY:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        if section < len(self.KEYS):
            return self.KEY_HEADERS[section]
        if section == self.CHANGE:
            return f"Change {self._short(self.year)}"
        if section < self.columnCount():
            t, which = divmod(section - len(self.KEYS), 2)
            return f"{'Baseline' if which == 0 else 'Scenario'} {self._short(t)}"
        return None

    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return None
        c = index.column()
        if role == DISPLAY:
            i = self.rows[index.row()]
            if c < 6:
                return self.names[c][self.codes[c][i]]
            v = float(self._amount(i, c))
            if c == self.CHANGE:
                return "" if abs(v) < 0.5 else ("+" if v > 0 else "") + fmt.money_fast(v)
            return fmt.money_fast(v)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if c < 6 else RIGHT
        if role == RAW_ROLE:
            i = self.rows[index.row()]
            if c < 6:
                return self.names[c][self.codes[c][i]]
            return float(self._amount(i, c))
        if role == Qt.ItemDataRole.ToolTipRole and self.sources is not None and c < 6:
            f, s, r = self.sources[self.rows[index.row()]]
            return f"{f}, sheet {s}, row {r}"
        return None

    def line_at(self, row: int) -> int:
        return int(self.rows[row])

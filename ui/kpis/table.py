"""The KPIs tab's table view: the figures of the small multiples as rows (one per KPI), for reading
exact values, sorting, and screen readers."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from ..common import charts, fmt, meaning, table_copy
from ..common.models import SORT_ROLE, TableModel

FIXED = ["KPI", "Name", "Unit", "Better when"]
CHANGE_COLUMN = len(FIXED)  # the change comes first after the names: in view at 1280 px


class KpiFigures(TableModel):
    """TableModel with the row's colour on the Change column (TableModel colours the last one)."""

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.ForegroundRole:
            col = self.colors[index.row()] if index.isValid() and index.row() < len(self.colors) else None
            return QBrush(col) if col is not None and index.column() == CHANGE_COLUMN else None
        return super().data(index, role)


def change_text(change: float, lower_is_better: bool, percent: bool) -> str:
    """`▼ 0.40 better` (the marker and the word: the meaning never rests on the colour alone)."""
    if not math.isfinite(change):
        return fmt.DASH
    sense = meaning.judged(change, lower_is_better)
    if sense == 0:
        return "no change"
    return f"{meaning.marker(change)} {fmt.kpi_value(abs(change))}{' pt' if percent else ''} " \
           f"{'better' if sense > 0 else 'worse'}"


class KpiTable(QTableView):
    """Every KPI: for the selected year its change against the baseline (coloured better / worse, with
    ▲▼ and words), baseline, target, low, high; whether it meets its targets; its scenario per year."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model_ = KpiFigures(FIXED)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model_)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setAccessibleName("KPI figures")
        table_copy.install(self, "kpi-figures")  # Ctrl+C and the right-click menu, as every table
        self.rows_filled = 0  # fills (tests: a hidden table is not filled)

    def fill(self, results, t: int, shown: list[int] | None = None) -> None:
        r = results.kpis
        years = [charts.short_year(y) for y in results.year_labels]
        y = years[t]
        headers = FIXED + [f"Change {y}", f"Baseline {y}", f"Target {y}", f"Low {y}", f"High {y}", "Targets"] \
            + [f"Scenario {v}" for v in years]
        num = lambda v: fmt.kpi_value(v)  # noqa: E731
        formats = [None] * 5 + [num] * 4 + [None] + [num] * len(years)
        numeric = [False] * 4 + [True] * 5 + [False] + [True] * len(years)
        if headers != self.model_.headers:
            self.model_.beginResetModel()
            self.model_.headers, self.model_.formats, self.model_.numeric = headers, formats, numeric
            self.model_.rows = []
            self.model_.endResetModel()
        rows, colors = [], []
        off = r.has_target & ~r.met
        for k in (range(len(r.ids)) if shown is None else shown):
            lower = r.direction[k] < 0
            percent = str(r.units[k]).strip() == "%"
            change = float(r.scenario[k, t] - r.baseline[k, t])
            missed = [years[j] for j in np.flatnonzero(off[k])]
            status = ("off target in " + ", ".join(missed)) if missed else \
                ("meets every target" if r.has_target[k].any() else "no targets")
            rows.append((r.ids[k], r.names[k], r.units[k] or "", "lower" if lower else "higher",
                         change_text(change, lower, percent), float(r.baseline[k, t]), float(r.target[k, t]),
                         float(r.low[k, t]), float(r.high[k, t]), status, *[float(v) for v in r.scenario[k]]))
            colors.append(meaning.color_of(change, lower))
        self.model_.set_rows(rows, colors=colors)
        self.rows_filled += 1

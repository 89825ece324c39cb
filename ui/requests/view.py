"""Requests panel: every request (decision package) with its department, program, fund, type,
five-year cost, FTE, linked KPI, justification and rank; fund it with a checkbox (a scenario
edit, live and undoable); create, edit, duplicate and delete requests (dataset edits, undoable,
see ui/requests/commands.py); and, beside the list, the selected request's projected effect:
KPI changes by year, cost per KPI unit-year, and each fund's expenditure, balance and
structural balance (kcplanner.requests.request_effect: the engine with and without it).

The panel also opens the justification builder, exports justifications (workbook + PDF per
department, on a worker thread) and opens the optimizer ("Fund the best set").

The main window builds the panel in its "Requests" tab and fills its Requests menu with
`add_requests_menu`; `install_requests(main_window)` returns that panel (or, for a window
without it, installs one).
"""

from __future__ import annotations

import html
import math
import threading
import traceback
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QRunnable, QSortFilterProxyModel, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFileDialog, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QMessageBox, QPlainTextEdit, QProgressBar, QPushButton,
                               QSplitter, QTableView, QVBoxLayout, QWidget)

from kcplanner.dataset import ACCOUNT_CLASSES, REQUEST_TYPES
from kcplanner.engine import Prepared, evaluate
from kcplanner.justification import JustificationNarrative, justification_data, write_justification_workbook
from kcplanner.requests import (Request, RequestEffect, RequestError, new_request_id, request_effects,
                                request_records, validate_request)

from ..common import charts, fmt
from ..common.charts import X
from ..common.models import GREEN, SORT_ROLE, TableModel
from .commands import copy_request, create_request, delete_request, edit_request, set_funded

ALL_DEPARTMENTS = "All departments"
DISPLAY = Qt.ItemDataRole.DisplayRole
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
CENTER = int(Qt.AlignmentFlag.AlignCenter)
REQUEST_ID_ROLE = Qt.ItemDataRole.UserRole + 10


def _key(value) -> str:
    return " ".join(str(value).split()).casefold()


def _esc(text) -> str:
    return html.escape("" if text is None else str(text))


def _rank_text(rank) -> str:
    if rank is None or (isinstance(rank, float) and math.isnan(rank)):
        return ""
    return str(int(rank)) if float(rank).is_integer() else fmt.number(rank, 2)


def _fte_text(fte: float) -> str:
    if not fte:
        return ""
    return fmt.number(fte, 0 if float(fte).is_integer() else 2)


# =============================================================================================
# The table model
# =============================================================================================

class RequestsModel(QAbstractTableModel):
    """Every request of the dataset (rows in dataset order); the Funded column is checkable (a
    scenario edit through `fund_callback`), Title and Rank are editable (a request edit through
    `edit_callback`)."""

    COLUMNS = ["Funded", "Rank", "Request ID", "Title", "Department", "Program", "Fund", "Type", "Recurring",
               "Five-year cost", "FTE", "KPI", "Justification"]
    FUNDED, RANK, ID, TITLE, DEPT, PROG, FUND, TYPE, REC, COST, FTE, KPI, JUST = range(13)
    EDITABLE = {TITLE, RANK}

    def __init__(self, parent=None):
        super().__init__(parent)
        self.records: list[Request] = []
        self.costs = np.zeros((0, 5))
        self.labels: list[str] = []
        self.kpi_names: dict[str, str] = {}
        self.funded: set[str] = set()
        self.fund_callback = None   # (request_id, bool) -> None
        self.edit_callback = None   # (request_id, Request) -> None

    def set_prepared(self, prepared: Prepared | None) -> None:
        self.beginResetModel()
        if prepared is None:
            self.records, self.costs, self.labels, self.kpi_names = [], np.zeros((0, 5)), [], {}
        else:
            self.records = request_records(prepared.dataset)
            costs = np.zeros((len(self.records), len(prepared.plan_years)))
            for i, r in enumerate(self.records):
                j = prepared.request_index.get(_key(r.request_id))
                if j is not None:
                    costs[i] = prepared.req_costs[j]
            self.costs = costs
            self.labels = list(prepared.year_labels)
            self.kpi_names = {_key(k): n for k, n in zip(prepared.kpi_ids, prepared.kpi_names)}
        self.endResetModel()

    def set_scenario(self, scenario) -> None:
        funded = {_key(r) for r in scenario.funded_requests} if scenario is not None else set()
        if funded != self.funded:
            self.funded = funded
            if self.records:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.records) - 1, len(self.COLUMNS) - 1),
                                      [Qt.ItemDataRole.CheckStateRole, Qt.ItemDataRole.FontRole])

    def row_of(self, request_id: str) -> int:
        key = _key(request_id)
        for i, r in enumerate(self.records):
            if _key(r.request_id) == key:
                return i
        return -1

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            if role == DISPLAY:
                return self.COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return {self.FUNDED: "Check to fund the request in the current scenario (undoable)",
                        self.COST: "Net budget effect over the five plan years (a Reduction's savings are negative)",
                        self.RANK: "The department's priority (1 = first); double-click to change",
                        self.KPI: "The KPI the request names"}.get(section)
        if orientation == Qt.Orientation.Vertical and role == DISPLAY:
            return str(section + 1)
        return None

    def _value(self, r: Request, i: int, c: int):
        if c == self.FUNDED:
            return _key(r.request_id) in self.funded
        if c == self.RANK:
            return r.rank
        if c == self.COST:
            return float(self.costs[i].sum()) if i < len(self.costs) else 0.0
        if c == self.KPI:
            return r.kpi_id or ""
        return {self.ID: r.request_id, self.TITLE: r.title, self.DEPT: r.department, self.PROG: r.program,
                self.FUND: r.fund, self.TYPE: r.type, self.REC: r.recurring, self.FTE: r.fte,
                self.JUST: r.justification}.get(c)

    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return None
        i, c = index.row(), index.column()
        if not (0 <= i < len(self.records) and 0 <= c < len(self.COLUMNS)):
            return None
        r = self.records[i]
        if role == DISPLAY:
            if c == self.FUNDED:
                return None
            v = self._value(r, i, c)
            if c == self.RANK:
                return _rank_text(v)
            if c == self.REC:
                return "Yes" if v else "No"
            if c == self.COST:
                return fmt.money(v)
            if c == self.FTE:
                return _fte_text(v)
            if c == self.JUST:
                text = " ".join(str(v).split())
                return text if len(text) <= 90 else text[:88] + "…"
            return "" if v is None else str(v)
        if role == Qt.ItemDataRole.EditRole:
            if c == self.RANK:
                return _rank_text(r.rank)
            return self._value(r, i, c)
        if role == Qt.ItemDataRole.CheckStateRole and c == self.FUNDED:
            return Qt.CheckState.Checked if _key(r.request_id) in self.funded else Qt.CheckState.Unchecked
        if role == SORT_ROLE:
            v = self._value(r, i, c)
            if c == self.RANK:
                return math.inf if v is None else float(v)
            if isinstance(v, bool):
                return int(v)
            if isinstance(v, str):
                return v.casefold()
            return v
        if role == REQUEST_ID_ROLE:
            return r.request_id
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if c in (self.COST, self.FTE, self.RANK):
                return RIGHT
            if c in (self.FUNDED, self.REC):
                return CENTER
            return LEFT
        if role == Qt.ItemDataRole.FontRole and c == self.TITLE and _key(r.request_id) in self.funded:
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.ForegroundRole and c == self.COST and self._value(r, i, c) < 0:
            return QColor(GREEN)
        if role == Qt.ItemDataRole.ToolTipRole:
            if c == self.COST and i < len(self.costs):
                return "\n".join(f"{lab}: {fmt.money(v)}" for lab, v in zip(self.labels, self.costs[i]))
            if c == self.KPI and r.kpi_id:
                return self.kpi_names.get(_key(r.kpi_id), r.kpi_id)
            if c == self.JUST and r.justification:
                return r.justification
            if c == self.TITLE:
                return r.title
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.FUNDED:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        if index.column() in self.EDITABLE:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if not index.isValid() or not (0 <= index.row() < len(self.records)):
            return False
        r = self.records[index.row()]
        c = index.column()
        if role == Qt.ItemDataRole.CheckStateRole and c == self.FUNDED:
            state = value.value if hasattr(value, "value") else value
            want = int(state) == Qt.CheckState.Checked.value
            if self.fund_callback is not None:
                self.fund_callback(r.request_id, want)
            return True
        if role == Qt.ItemDataRole.EditRole and c in self.EDITABLE and self.edit_callback is not None:
            if c == self.TITLE:
                text = " ".join(str(value or "").split())
                if not text or text == r.title:
                    return False
                new = r.with_changes(title=text)
            else:
                text = str(value if value is not None else "").strip()
                rank = None
                if text:
                    try:
                        rank = float(text.replace(",", ""))
                    except ValueError:
                        return False
                    if not math.isfinite(rank):
                        return False
                if rank == r.rank:
                    return False
                new = r.with_changes(rank=rank)
            try:
                self.edit_callback(r.request_id, new)
            except RequestError:
                return False
            return True
        return False


class RequestFilter(QSortFilterProxyModel):
    """Sorts by raw values; keeps the rows of one department (or all) whose text matches."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.department: str | None = None
        self.text = ""
        self.setSortRole(SORT_ROLE)

    def set_department(self, department: str | None) -> None:
        self.beginFilterChange()
        self.department = None if not department or department == ALL_DEPARTMENTS else department
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self.text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row, source_parent):  # noqa: N802
        m = self.sourceModel()
        if not isinstance(m, RequestsModel) or source_row >= len(m.records):
            return True
        r = m.records[source_row]
        if self.department is not None and _key(r.department) != _key(self.department):
            return False
        if self.text:
            hay = " ".join([r.request_id, r.title, r.program, r.fund, r.type, r.kpi_id or "",
                            r.justification]).casefold()
            return self.text in hay
        return True


# =============================================================================================
# The effect pane
# =============================================================================================

def _delta_text(v: float) -> str:
    if v is None or not math.isfinite(v):
        return fmt.DASH
    if v == 0:
        return "0"
    a = abs(v)
    digits = 0 if a >= 1000 else 1 if a >= 100 else 2 if a >= 1 else 3 if a >= 0.01 else 5
    return f"{v:+,.{digits}f}"


def _signed_compact(v: float) -> str:
    if v is None or not math.isfinite(v):
        return fmt.DASH
    if abs(v) < 0.5:
        return "0"
    return ("+" if v > 0 else "") + fmt.compact_money(v)


def _cpu_text(v: float) -> str:
    if v is None or not math.isfinite(v):
        return fmt.DASH
    return fmt.money(v, 0 if abs(v) >= 100 else 2)


class EffectPane(QWidget):
    """The projected effect of one request on the current scenario: KPI changes by year (with
    the cost per KPI unit-year), a chart of the selected KPI with and without the request, and
    the change in each fund's expenditure, ending balance and structural balance."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.effect: RequestEffect | None = None
        self.kpi_rows: list[int] = []
        self.units: dict[str, str] = {}
        self.header = QLabel("Select a request to see its projected effect.")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.kpi_model = TableModel(["KPI"] + [f"Y{i + 1}" for i in range(5)] + ["$ per unit-year"],
                                    [None] + [_delta_text] * 5 + [_cpu_text], [False] + [True] * 6, self)
        self.kpi_table = self._table(self.kpi_model, fixed=[72] + [64] * 5 + [96])
        self.kpi_table.setToolTip("Change in each KPI the request moves (with − without), by plan year; "
                                  "cost per unit-year = five-year cost ÷ the sum of the yearly improvements")
        self.kpi_table.selectionModel().currentRowChanged.connect(lambda cur, _p: self._plot_kpi(cur.row()))
        self.fund_model = TableModel(["Fund", "Measure"] + [f"Y{i + 1}" for i in range(5)],
                                     [None, None] + [_signed_compact] * 5, [False, False] + [True] * 5, self)
        self.fund_table = self._table(self.fund_model, fixed=[128, 78] + [60] * 5)
        self.fund_table.setToolTip("Change in each fund's figures when the request is funded (with − without)")
        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        charts.static_plot(self.plot)
        self.plot.addLegend(offset=(5, 1), colCount=3)
        self.curve_without = self.plot.plot(pen=charts.pen(charts.GREY, 2, Qt.PenStyle.DashLine), name="without")
        self.curve_with = self.plot.plot(pen=charts.pen(charts.BLUE, 2.5), symbol="o", symbolSize=6,
                                         symbolBrush=charts.BLUE, name="with the request")
        self.curve_target = self.plot.plot(pen=charts.pen(charts.GREEN, 1.5, Qt.PenStyle.DotLine), name="target")
        self.plot.getAxis("left").setWidth(56)
        self.plot_widget.setMinimumHeight(190)
        self.kpi_title = QLabel()
        self.kpi_title.setWordWrap(True)
        self.findings = QLabel()
        self.findings.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.header)
        lay.addWidget(QLabel("<b>KPI change by year</b> (with − without the request)"))
        lay.addWidget(self.kpi_table, 1)
        lay.addWidget(self.kpi_title)
        lay.addWidget(self.plot_widget, 3)
        lay.addWidget(QLabel("<b>Fund effect</b> (with − without the request)"))
        lay.addWidget(self.fund_table, 2)
        lay.addWidget(self.findings)

    @staticmethod
    def _table(model, fixed: list[int] | None = None) -> QTableView:
        t = QTableView()
        t.setModel(model)
        t.setTextElideMode(Qt.TextElideMode.ElideRight)
        t.verticalHeader().setDefaultSectionSize(22)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.verticalHeader().hide()
        t.setAlternatingRowColors(True)
        t.horizontalHeader().setStretchLastSection(True)
        for c, w in enumerate(fixed or []):
            t.setColumnWidth(c, w)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        return t

    def set_prepared(self, prepared) -> None:
        self.units = dict(zip(prepared.kpi_ids, prepared.kpi_units)) if prepared is not None else {}
        if prepared is not None:
            self.set_labels(prepared.year_labels)

    def set_labels(self, labels: list[str]) -> None:
        short = [charts.short_year(x) for x in labels] + [""] * (5 - len(labels))
        self.kpi_model.headers[1:6] = short[:5]
        self.fund_model.headers[2:7] = short[:5]
        self.kpi_model.headerDataChanged.emit(Qt.Orientation.Horizontal, 1, 5)
        self.fund_model.headerDataChanged.emit(Qt.Orientation.Horizontal, 2, 6)
        charts.set_year_ticks(self.plot, labels)

    def clear(self) -> None:
        self.effect = None
        self.kpi_rows = []
        self.header.setText("Select a request to see its projected effect.")
        self.kpi_model.set_rows([])
        self.fund_model.set_rows([])
        self.findings.setText("")
        self._plot_kpi(-1)

    def set_effect(self, e: RequestEffect, linked_kpi: str | None = None, findings=None) -> None:
        """Show `e`; `findings` = (new, cleared) policy findings in words, matched by fund, year and
        kind (a finding whose amount only changes is neither)."""
        row_before = self.kpi_table.currentIndex().row()
        kpi_before = (self.effect.kpi_ids[self.kpi_rows[row_before]]
                      if self.effect is not None and 0 <= row_before < len(self.kpi_rows) else None)
        same_request = self.effect is not None and self.effect.request_id == e.request_id
        self.effect = e
        status = "funded in this scenario" if e.funded_in_base else "not funded in this scenario"
        score_text = ", ".join(fmt.DASH if not math.isfinite(v) else f"{v * 100:+.1f} pt" for v in e.score_delta)
        rec = "recurring" if e.recurring else "one-time"
        cost_years = " · ".join(f"{charts.short_year(lab)} {fmt.money(c)}" for lab, c in zip(e.year_labels, e.cost))
        self.header.setText(
            f"<b>{_esc(e.request_id)} — {_esc(e.title)}</b><br/>"
            f"{_esc(e.request_type)}, {rec} · {_esc(e.department)} / {_esc(e.program)} · {_esc(e.fund)} · "
            f"<i>{status}</i><br/>Five-year cost <b>{fmt.money(e.total_cost)}</b> ({cost_years})<br/>"
            f"Plan score change by year: {score_text}")
        moved = e.moved_kpis()
        linked = next((i for i, k in enumerate(e.kpi_ids) if linked_kpi and _key(k) == _key(linked_kpi)), None)
        rows = ([linked] if linked is not None else []) + [i for i in moved if i != linked]
        self.kpi_rows = rows
        self.kpi_model.set_rows([(e.kpi_ids[i],) + tuple(float(v) for v in e.kpi_delta[i])
                                 + (float(e.cost_per_unit[i]),) for i in rows],
                                tooltips=[f"{e.kpi_names[i]} ({'higher' if e.kpi_direction[i] > 0 else 'lower'} "
                                          f"is better){' — the KPI the request names' if i == linked else ''}"
                                          for i in rows])
        fund_rows = []
        for f, name in enumerate(e.fund_names):
            if np.any(e.expenditure_delta[f] != 0) or np.any(np.nan_to_num(e.balance_delta[f]) != 0) or \
                    np.any(np.nan_to_num(e.structural_delta[f]) != 0):  # NaN: a fund without revenue data
                fund_rows.append((name, "Expenditure") + tuple(float(v) for v in e.expenditure_delta[f]))
                fund_rows.append((name, "Balance") + tuple(float(v) for v in e.balance_delta[f]))
                fund_rows.append((name, "Structural") + tuple(float(v) for v in e.structural_delta[f]))
        self.fund_model.set_rows(fund_rows, tooltips=[f"{r[0]} — {r[1]}: " + ", ".join(
            f"{lab} {fmt.signed_money(v)}" for lab, v in zip(e.year_labels, r[2:])) for r in fund_rows])
        notes = []
        if not rows:
            notes.append("The request moves no KPI (no driver links its program or department to a KPI).")
        added, cleared = findings or ([], [])
        if added:
            notes.append(f"<span style='color:#b3261e'>{len(added)} new policy finding(s) with the request:</span> "
                         + "; ".join(_esc(m) for m in added[:2]) + (" …" if len(added) > 2 else ""))
        if cleared:
            notes.append(f"<span style='color:#1b7f3b'>{len(cleared)} policy finding(s) the request clears:</span> "
                         + "; ".join(_esc(m) for m in cleared[:2]) + (" …" if len(cleared) > 2 else ""))
        if findings is not None and not added and not cleared:
            notes.append("No policy finding appears or clears with the request.")
        self.findings.setText("<br/>".join(notes))
        self.findings.setToolTip("\n".join(["New with the request:"] + list(added) + ["", "Cleared:"] + list(cleared))
                                 if added or cleared else "")
        want = 0
        if same_request and kpi_before is not None:
            want = next((n for n, i in enumerate(rows) if e.kpi_ids[i] == kpi_before), 0)
        if rows:
            self.kpi_table.selectRow(want)
            self._plot_kpi(want)
        else:
            self._plot_kpi(-1)

    def _plot_kpi(self, row: int) -> None:
        e = self.effect
        if e is None or not (0 <= row < len(self.kpi_rows)):
            for c in (self.curve_without, self.curve_with, self.curve_target):
                c.setData([], [])
            self.kpi_title.setText("")
            return
        i = self.kpi_rows[row]
        x = X[:len(e.plan_years)]
        self.curve_without.setData(x, charts.finite(e.kpi_without[i]), connect="finite")
        self.curve_with.setData(x, charts.finite(e.kpi_with[i]), connect="finite")
        target = charts.finite(e.kpi_target[i])
        if np.isfinite(target).any():
            self.curve_target.setData(x, target, connect="finite")
        else:
            self.curve_target.setData([], [])
        unit = f" ({_esc(self.units.get(e.kpi_ids[i], ''))})" if self.units.get(e.kpi_ids[i]) else ""
        self.kpi_title.setText(f"<b>{_esc(e.kpi_ids[i])}</b> {_esc(e.kpi_names[i])}{unit} · "
                               f"{'higher' if e.kpi_direction[i] > 0 else 'lower'} is better")


def finding_changes(with_r, without_r) -> tuple[list[str], list[str]]:
    """(findings only with the request, findings only without it), matched by fund, year and kind."""
    key = lambda f: (f.fund, f.year, f.kind)  # noqa: E731
    w = {key(f) for f in with_r.findings}
    o = {key(f) for f in without_r.findings}
    return ([f.message for f in with_r.findings if key(f) not in o],
            [f.message for f in without_r.findings if key(f) not in w])


# =============================================================================================
# The request form
# =============================================================================================

class RequestDialog(QDialog):
    """Create or edit one request: names, type, class, recurring, cost per plan year, FTE,
    KPI, rank and justification.  OK checks the request (validate_request) before closing."""

    def __init__(self, prepared: Prepared, request: Request | None = None, replacing: str | None = None,
                 parent=None):
        super().__init__(parent)
        self.prepared = prepared
        self.replacing = replacing
        ds = prepared.dataset
        self.setWindowTitle("Edit request" if replacing else "New request")
        req = request or Request(request_id=new_request_id(ds), department="", program="", fund="", title="")
        self.original = req
        self.id = QLineEdit(req.request_id)
        self.title = QLineEdit(req.title)
        self.title.setPlaceholderText("What the request buys, in a few words")
        depts = sorted({n for n in prepared.departments.names if not n.startswith("(no ")}, key=str.casefold)
        self.department = self._combo(depts, req.department)
        self.program = self._combo([], req.program)
        self.fund = self._combo(sorted((n for n in prepared.funds.names if not n.startswith("(no ")),
                                       key=str.casefold), req.fund)
        self.type = QComboBox()
        self.type.addItems(list(REQUEST_TYPES))
        self.type.setCurrentIndex(next((i for i, t in enumerate(REQUEST_TYPES) if _key(t) == _key(req.type)), 0))
        self.account_class = self._combo(list(ACCOUNT_CLASSES), req.account_class or "Other")
        self.recurring = QCheckBox("Recurring (the cost continues every year; counts in structural balance)")
        self.recurring.setChecked(bool(req.recurring))
        self.costs: dict[int, QDoubleSpinBox] = {}
        cost_box = QGridLayout()
        for t, (y, lab) in enumerate(zip(prepared.plan_years, prepared.year_labels)):
            sb = QDoubleSpinBox()
            sb.setRange(0, 1e12)
            sb.setDecimals(0)
            sb.setSingleStep(10000)
            sb.setGroupSeparatorShown(True)
            sb.setPrefix("$")
            sb.setValue(float(req.cost(y)))
            sb.setAccelerated(True)
            self.costs[y] = sb
            cost_box.addWidget(QLabel(lab), 0, t)
            cost_box.addWidget(sb, 1, t)
        self.fte = QDoubleSpinBox()
        self.fte.setRange(0, 10000)
        self.fte.setDecimals(2)
        self.fte.setValue(float(req.fte or 0))
        self.kpi = QComboBox()
        self.kpi.addItem("(none)", None)
        for k, n in zip(prepared.kpi_ids, prepared.kpi_names):
            self.kpi.addItem(f"{k} — {n}"[:70], k)
        if req.kpi_id:
            self.kpi.setCurrentIndex(next((i for i in range(1, self.kpi.count())
                                           if _key(self.kpi.itemData(i)) == _key(req.kpi_id)), 0))
        self.rank = QLineEdit(_rank_text(req.rank))
        self.rank.setPlaceholderText("blank = unranked")
        self.justification = QPlainTextEdit(req.justification)
        self.justification.setMinimumHeight(80)
        self.errors = QLabel()
        self.errors.setStyleSheet("color: #b3261e")
        self.errors.setWordWrap(True)
        self.department.currentTextChanged.connect(self._fill_programs)
        self._fill_programs(req.department)
        self.program.setCurrentText(req.program)

        form = QFormLayout()
        form.addRow("Request ID", self.id)
        form.addRow("Title", self.title)
        form.addRow("Department", self.department)
        form.addRow("Program", self.program)
        form.addRow("Fund", self.fund)
        form.addRow("Type", self.type)
        form.addRow("Account class", self.account_class)
        form.addRow("", self.recurring)
        form.addRow("Cost by plan year", cost_box)
        form.addRow("Positions (FTE)", self.fte)
        form.addRow("KPI it moves", self.kpi)
        form.addRow("Rank in the department", self.rank)
        form.addRow("Justification", self.justification)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.errors)
        lay.addWidget(buttons)
        self.resize(820, 620)

    @staticmethod
    def _combo(items: list[str], current: str) -> QComboBox:
        c = QComboBox()
        c.setEditable(True)
        c.addItems(items)
        c.setCurrentText(current or "")
        c.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        return c

    def _fill_programs(self, department: str) -> None:
        P = self.prepared
        current = self.program.currentText()
        code = P.departments.find(department) if department else None
        names = set()
        if code is not None:
            for d, p in zip(P.pair_dept, P.pair_prog):
                if int(d) == int(code):
                    names.add(P.programs.names[int(p)])
        self.program.blockSignals(True)
        self.program.clear()
        self.program.addItems(sorted(names, key=str.casefold))
        self.program.setCurrentText(current)
        self.program.blockSignals(False)

    def request(self) -> Request:
        """The request as the form stands (not validated)."""
        rank_text = self.rank.text().strip().replace(",", "")
        try:
            rank = float(rank_text) if rank_text else None
        except ValueError:
            rank = math.nan
        costs = tuple((y, float(sb.value())) for y, sb in self.costs.items() if sb.value() != 0)
        outside = tuple((y, v) for y, v in self.original.costs if y not in self.costs)  # kept as entered
        return Request(request_id=self.id.text(), department=self.department.currentText(),
                       program=self.program.currentText(), fund=self.fund.currentText(), title=self.title.text(),
                       type=self.type.currentText(), account_class=self.account_class.currentText() or "Other",
                       recurring=self.recurring.isChecked(), fte=float(self.fte.value()),
                       justification=self.justification.toPlainText().strip(), kpi_id=self.kpi.currentData(),
                       rank=rank, costs=tuple(sorted(outside + costs)))

    def problems(self) -> list[str]:
        r = self.request()
        out = validate_request(self.prepared.dataset, r, replacing=self.replacing)
        if r.rank is not None and not math.isfinite(r.rank):
            out.append("rank: expected a number (or blank)")
        return out

    def accept(self) -> None:
        problems = self.problems()
        if problems:
            self.errors.setText("Cannot save: " + "; ".join(problems))
            return
        super().accept()


# =============================================================================================
# Justification export on a worker
# =============================================================================================

def safe_file_name(text: str) -> str:
    from kcplanner.filenames import safe_file_name as safe  # one rule for every name made a file name
    return safe(text, fallback="department", max_bytes=100)  # room for " justification.xlsx"


class ExportSignals(QObject):
    progress = Signal(float, str)
    finished = Signal(list)   # written paths
    failed = Signal(str)
    cancelled = Signal()


class JustificationExportTask(QRunnable):
    """Write each department's justification workbook (.xlsx) and PDF into a folder.  Runs the
    plain kcplanner functions; never touches a widget; reports through `signals`."""

    def __init__(self, prepared: Prepared, scenario, departments: list[str], folder: str | Path,
                 narratives: dict[str, JustificationNarrative] | None = None, pdf: bool = True):
        super().__init__()
        self.setAutoDelete(False)
        self.prepared = prepared
        self.scenario = scenario
        self.departments = list(departments)
        self.folder = Path(folder)
        self.narratives = dict(narratives or {})
        self.pdf = pdf
        self.signals = ExportSignals()
        self._cancel = threading.Event()
        self.written: list[str] = []

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        try:
            from .pdf import write_justification_pdf

            P = self.prepared
            n = max(len(self.departments), 1)
            steps = 3 if self.pdf else 2
            for k, dept in enumerate(self.departments):
                if self._cancel.is_set():
                    self.signals.cancelled.emit()
                    return
                # The suffix is appended, never swapped: "St. Services" must not become "St.xlsx".
                book = self.folder / f"{safe_file_name(dept)} justification.xlsx"
                pdf = book.with_name(book.stem + ".pdf")
                self.signals.progress.emit((k * steps) / (n * steps), f"{dept}: projecting each request's effect")
                data = justification_data(P.dataset, P, self.scenario, dept, self.narratives)
                self.signals.progress.emit((k * steps + 1) / (n * steps), f"{dept}: writing the workbook")
                write_justification_workbook(data, book)
                self.written.append(str(book))
                if self.pdf:
                    self.signals.progress.emit((k * steps + 2) / (n * steps), f"{dept}: writing the PDF")
                    write_justification_pdf(data, pdf)
                    self.written.append(str(pdf))
            self.signals.progress.emit(1.0, "Done")
            self.signals.finished.emit(list(self.written))
        except Exception:  # noqa: BLE001 - shown to the user, never lost
            self.signals.failed.emit(traceback.format_exc())


class ExportDialog(QDialog):
    """Which departments' justifications to export, and where."""

    def __init__(self, departments: list[str], selected: list[str], folder: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export justifications")
        self.list = QListWidget()
        for d in departments:
            it = QListWidgetItem(d)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Checked if d in selected else Qt.CheckState.Unchecked)
            self.list.addItem(it)
        all_box = QCheckBox("All departments")
        all_box.toggled.connect(self._check_all)
        self.folder = QLineEdit(folder)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.pdf = QCheckBox("Also write a PDF for the council packet")
        self.pdf.setChecked(True)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        intro = QLabel("One workbook (and PDF) per department: its requests in rank order, each with its costs, "
                       "positions, narrative, fund effect and KPI effect on the current scenario.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        lay.addWidget(all_box)
        lay.addWidget(self.list, 1)
        lay.addWidget(QLabel("Folder"))
        lay.addLayout(row)
        lay.addWidget(self.pdf)
        lay.addWidget(buttons)
        self.resize(480, 520)

    def _check_all(self, on: bool) -> None:
        for i in range(self.list.count()):
            self.list.item(i).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Export justifications to", self.folder.text())
        if path:
            self.folder.setText(path)

    def departments(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]


# =============================================================================================
# The panel
# =============================================================================================

class RequestsPanel(QWidget):
    """The Requests tab.  `narratives` (request ID → JustificationNarrative) holds what managers
    wrote in the justification builder; the project file stores it (`to_dict`/`from_dict`)."""

    narrativesChanged = Signal()
    exportFinished = Signal(list)   # paths written ([] when it failed or was cancelled)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.narratives: dict[str, JustificationNarrative] = {}
        self.export_task: JustificationExportTask | None = None
        self.optimizer_dialog = None
        self.builder = None
        self._prepared_shown: Prepared | None = None
        self._effect_pending = False
        self.export_folder = str(Path.home())

        self.model = RequestsModel(self)
        self.model.fund_callback = lambda rid, on: set_funded(self.session, rid, on)
        self.model.edit_callback = lambda rid, req: self._edit(rid, req, quiet=True)
        self.proxy = RequestFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        for c, w in enumerate([58, 44, 104, 250, 150, 160, 130, 96, 72, 108, 44, 64, 260]):
            self.table.setColumnWidth(c, w)
        self.table.selectionModel().currentRowChanged.connect(lambda _c, _p: self.update_effect())
        self.table.doubleClicked.connect(self._double_clicked)

        self.department = QComboBox()
        self.department.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.department.setToolTip("Show the requests of one department")
        self.department.currentTextChanged.connect(self._department_changed)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter: ID, title, program, KPI…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.count = QLabel()

        self.actions: dict[str, QAction] = {}
        self.buttons: dict[str, QPushButton] = {}
        specs = [
            ("new", "&New request…", self.new_request, "Ctrl+Shift+N", "Create a request (undoable)"),
            ("edit", "&Edit request…", self.edit_selected, None, "Edit the selected request (undoable)"),
            ("duplicate", "&Duplicate request", self.duplicate_selected, None,
             "Copy the selected request with a new ID (undoable)"),
            ("delete", "De&lete request", self.delete_selected, None,
             "Delete the selected request; scenarios stop funding it (undoable)"),
            ("justify", "&Build justification…", self.build_justification, None,
             "Write the selected request's justification: what, why, cost, positions, KPIs, alternatives"),
            ("export", "E&xport justification…", self.export_dialog, None,
             "Write each department's justification workbook and PDF"),
            ("optimize", "&Fund the best set…", self.open_optimizer, "Ctrl+Shift+B",
             "Let the optimizer propose which requests to fund (and department changes)"),
        ]
        for key, text, slot, shortcut, tip in specs:
            a = QAction(text, self)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
            a.setToolTip(tip)
            a.setStatusTip(tip)
            a.triggered.connect(lambda _c=False, slot=slot: slot())
            self.actions[key] = a
            b = QPushButton(text.replace("&", ""))
            b.setToolTip(tip)
            b.clicked.connect(lambda _c=False, slot=slot: slot())
            self.buttons[key] = b
        delete_key = QAction(self.table)
        delete_key.setShortcut(QKeySequence.StandardKey.Delete)
        delete_key.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.triggered.connect(self.delete_selected)
        self.table.addAction(delete_key)

        top = QHBoxLayout()
        top.addWidget(QLabel("Department:"))
        top.addWidget(self.department)
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        buttons = QGridLayout()
        for n, key in enumerate(("new", "edit", "duplicate", "delete")):
            buttons.addWidget(self.buttons[key], 0, n)
        for n, key in enumerate(("justify", "export", "optimize")):
            buttons.addWidget(self.buttons[key], 1, n)
        buttons.setColumnStretch(4, 1)

        self.effect = EffectPane()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(top)
        ll.addWidget(self.table, 1)
        ll.addLayout(buttons)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(left)
        self.split.addWidget(self.effect)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setSizes([780, 620])

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress_label = QLabel()
        self.cancel_export = QPushButton("Cancel")
        self.cancel_export.clicked.connect(self.cancel_export_task)
        self.strip = QWidget()
        strip = QHBoxLayout(self.strip)
        strip.setContentsMargins(0, 0, 0, 0)
        strip.addWidget(self.progress_label)
        strip.addWidget(self.progress, 1)
        strip.addWidget(self.cancel_export)
        self.strip.hide()
        self.message = QLabel()
        self.message.setWordWrap(True)

        lay = QVBoxLayout(self)
        lay.addWidget(self.split, 1)
        lay.addWidget(self.strip)
        lay.addWidget(self.message)

        session.datasetChanged.connect(self._rebuild)
        session.scenarioChanged.connect(lambda: self.model.set_scenario(self.session.scenario))
        session.resultsChanged.connect(self._results_changed)
        for sig in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset, self.proxy.layoutChanged):
            sig.connect(self._update_count)
        if session.prepared is not None:
            self._rebuild()
        self._update_actions()

    # -- data -------------------------------------------------------------------------------------
    def _rebuild(self) -> None:
        """Rows from the session's dataset, keeping the selection and the department filter."""
        P = self.session.prepared
        selected = self.selected_id()
        self._prepared_shown = P
        self.model.set_prepared(P)
        self.model.funded = set()
        self.model.set_scenario(self.session.scenario if P is not None else None)
        depts = sorted({r.department for r in self.model.records}, key=str.casefold)
        current = self.department.currentText()
        self.department.blockSignals(True)
        self.department.clear()
        self.department.addItem(ALL_DEPARTMENTS)
        self.department.addItems(depts)
        self.department.setCurrentIndex(max(0, self.department.findText(current)))
        self.department.blockSignals(False)
        self.proxy.set_department(self.department.currentText())
        self.effect.set_prepared(P)
        if selected is None or not self.select_request(selected):
            if self.proxy.rowCount():
                self.table.selectRow(0)
        self._update_count()
        self.update_effect()

    def _results_changed(self, results) -> None:
        if self.session.prepared is not self._prepared_shown:
            self._rebuild()  # a request edit that kept the structure (no datasetChanged)
            return
        self.model.set_scenario(self.session.scenario)
        self.update_effect(results)

    def _department_changed(self, text: str) -> None:
        self.proxy.set_department(text)
        self._after_filter()

    def _search_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._after_filter()

    def _after_filter(self) -> None:
        if not self.table.currentIndex().isValid() and self.proxy.rowCount():
            self.table.selectRow(0)
        self._update_count()
        self.update_effect()

    def _update_count(self, *args) -> None:
        self.count.setText(f"{self.proxy.rowCount()} of {self.model.rowCount()} request(s)")

    def _update_actions(self) -> None:
        has_data = self.session.prepared is not None
        has_sel = self.selected_id() is not None
        for key in ("edit", "duplicate", "delete", "justify"):
            self.actions[key].setEnabled(has_sel)
            self.buttons[key].setEnabled(has_sel)
        for key in ("new", "export", "optimize"):
            self.actions[key].setEnabled(has_data and (key != "export" or self.export_task is None))
            self.buttons[key].setEnabled(has_data and (key != "export" or self.export_task is None))

    # -- selection ------------------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        idx = self.table.currentIndex()
        if not idx.isValid():
            return None
        return self.proxy.data(self.proxy.index(idx.row(), 0), REQUEST_ID_ROLE)

    def selected_request(self) -> Request | None:
        rid = self.selected_id()
        if rid is None:
            return None
        row = self.model.row_of(rid)
        return self.model.records[row] if row >= 0 else None

    def select_request(self, request_id: str) -> bool:
        row = self.model.row_of(request_id)
        if row < 0:
            return False
        source = self.model.index(row, RequestsModel.ID)
        idx = self.proxy.mapFromSource(source)
        if not idx.isValid():
            self.department.setCurrentIndex(0)
            self.search.clear()
            idx = self.proxy.mapFromSource(source)
        if not idx.isValid():
            return False
        self.table.setCurrentIndex(idx)
        self.table.scrollTo(idx)
        return True

    def current_effect(self) -> RequestEffect | None:
        return self.effect.effect

    def update_effect(self, results=None) -> None:
        """The selected request's effect on the current scenario (one extra engine run; skipped
        while the panel is hidden and done when it is shown)."""
        self._update_actions()
        P = self.session.prepared
        rid = self.selected_id()
        if P is None or rid is None:
            self.effect.clear()
            return
        if not self.isVisible():
            self._effect_pending = True
            return
        self._effect_pending = False
        scenario = self.session.scenario
        base = results if results is not None and results is self.session.results else evaluate(P, scenario)
        effect = request_effects(P, scenario, [rid], base_results=base)[0]
        other = evaluate(P, scenario.unfund_request(rid) if effect.funded_in_base else scenario.fund_request(rid))
        with_r, without_r = (base, other) if effect.funded_in_base else (other, base)
        rec = self.selected_request()
        self.effect.set_effect(effect, rec.kpi_id if rec is not None else None, finding_changes(with_r, without_r))

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._effect_pending:
            self.update_effect()

    # -- edits ----------------------------------------------------------------------------------------
    def _double_clicked(self, index) -> None:
        if index.column() not in RequestsModel.EDITABLE and index.column() != RequestsModel.FUNDED:
            self.edit_selected()

    def new_request(self) -> RequestDialog | None:
        P = self.session.prepared
        if P is None:
            return None
        template = None
        dept = self.department.currentText()
        if dept and dept != ALL_DEPARTMENTS:
            fund = next((r.fund for r in self.model.records if _key(r.department) == _key(dept)), "")
            template = Request(request_id=new_request_id(P.dataset), department=dept, program="", fund=fund, title="")
        dlg = RequestDialog(P, template, None, self)
        dlg.accepted.connect(lambda: self._create(dlg.request()))
        dlg.open()
        return dlg

    def _create(self, request: Request) -> None:
        try:
            create_request(self.session, request)
        except RequestError as exc:
            QMessageBox.warning(self, "Could not add the request", str(exc))
            return
        self.select_request(request.request_id)
        self.message.setText(f"Added request {request.request_id} (Edit > Undo takes it back).")

    def edit_selected(self) -> RequestDialog | None:
        rec = self.selected_request()
        if rec is None or self.session.prepared is None:
            return None
        dlg = RequestDialog(self.session.prepared, rec, rec.request_id, self)
        dlg.accepted.connect(lambda: self._edit(rec.request_id, dlg.request()))
        dlg.open()
        return dlg

    def _edit(self, request_id: str, request: Request, quiet: bool = False) -> None:
        try:
            edit_request(self.session, request_id, request)
        except RequestError as exc:
            if quiet:
                raise
            QMessageBox.warning(self, "Could not change the request", str(exc))
            return
        old = self.narrative_for(request_id)
        if _key(request_id) != _key(request.request_id) and old is not None:
            self.narratives[request.request_id] = old
            self.narrativesChanged.emit()  # the project file keeps it under the new ID at once
        self.select_request(request.request_id)

    def duplicate_selected(self) -> Request | None:
        rid = self.selected_id()
        if rid is None:
            return None
        copy = copy_request(self.session, rid)
        self.select_request(copy.request_id)
        self.message.setText(f"Duplicated {rid} as {copy.request_id}.")
        return copy

    def delete_selected(self) -> Request | None:
        rid = self.selected_id()
        if rid is None:
            return None
        row = self.table.currentIndex().row()
        removed = delete_request(self.session, rid)
        if self.proxy.rowCount():
            self.table.selectRow(min(row, self.proxy.rowCount() - 1))
        self.message.setText(f"Deleted request {removed.request_id} (Edit > Undo brings it back).")
        return removed

    def fund(self, request_id: str, funded: bool = True) -> None:
        set_funded(self.session, request_id, funded)

    # -- justification ---------------------------------------------------------------------------------
    def narrative_for(self, request_id: str) -> JustificationNarrative | None:
        key = _key(request_id)
        return next((v for k, v in self.narratives.items() if _key(k) == key), None)

    def build_justification(self):
        from .builder import JustificationBuilder

        rec = self.selected_request()
        if rec is None:
            return None
        effect = self.effect.effect
        if effect is None or _key(effect.request_id) != _key(rec.request_id):
            effect = request_effects(self.session.prepared, self.session.scenario, [rec.request_id])[0]
        dlg = JustificationBuilder(rec, effect, self.narrative_for(rec.request_id), self.session.prepared, self)
        dlg.accepted.connect(lambda: self.save_narrative(rec.request_id, dlg.narrative()))
        self.builder = dlg
        dlg.open()
        return dlg

    def save_narrative(self, request_id: str, narrative: JustificationNarrative) -> None:
        for k in [k for k in self.narratives if _key(k) == _key(request_id)]:
            del self.narratives[k]
        self.narratives[request_id] = narrative
        self.narrativesChanged.emit()
        self.message.setText(f"Saved the justification of {request_id}.")

    def departments(self) -> list[str]:
        return sorted({r.department for r in self.model.records}, key=str.casefold)

    def export_dialog(self) -> ExportDialog | None:
        if self.session.prepared is None:
            return None
        dept = self.department.currentText()
        rec = self.selected_request()
        selected = [dept] if dept != ALL_DEPARTMENTS else ([rec.department] if rec else [])
        dlg = ExportDialog(self.departments(), selected, self.export_folder, self)
        dlg.accepted.connect(lambda: self.export_justifications(dlg.departments(), dlg.folder.text(),
                                                                dlg.pdf.isChecked()))
        dlg.open()
        return dlg

    def export_justifications(self, departments: list[str], folder: str, pdf: bool = True):
        """Start writing the justifications on the thread pool; returns the task (or None)."""
        if not departments or self.session.prepared is None:
            return None
        if self.export_task is not None:
            self.message.setText("An export is already running.")
            return None
        folder_path = Path(folder)
        try:
            folder_path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            QMessageBox.warning(self, "Export justifications", f"Cannot use the folder {folder}: {exc}")
            return None
        self.export_folder = str(folder_path)
        task = JustificationExportTask(self.session.prepared, self.session.scenario, departments, folder_path,
                                       self.narratives, pdf)
        task.signals.progress.connect(self._export_progress)
        task.signals.finished.connect(lambda paths, t=task: self._export_done(t, paths, None))
        task.signals.failed.connect(lambda text, t=task: self._export_done(t, [], text))
        task.signals.cancelled.connect(lambda t=task: self._export_done(t, [], "cancelled"))
        self.export_task = task
        self.progress.setValue(0)
        self.progress_label.setText("Exporting justifications…")
        self.strip.show()
        self._update_actions()
        QThreadPool.globalInstance().start(task)
        return task

    def cancel_export_task(self) -> None:
        if self.export_task is not None:
            self.export_task.cancel()

    def _export_progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress_label.setText(text)

    def _export_done(self, task, paths: list, error: str | None) -> None:
        if task is not self.export_task:
            return
        self.export_task = None
        self.strip.hide()
        self._update_actions()
        if error == "cancelled":
            self.message.setText("Export cancelled; the files written so far are kept.")
        elif error:
            self.message.setText("The export failed.")
            box = QMessageBox(QMessageBox.Icon.Warning, "Export justifications",
                              "The justifications could not be written.", QMessageBox.StandardButton.Close, self)
            box.setDetailedText(error)
            box.open()
        else:
            self.message.setText(f"Wrote {len(paths)} file(s) to {self.export_folder}.")
        self.exportFinished.emit(list(paths))

    # -- optimizer --------------------------------------------------------------------------------------
    def open_optimizer(self):
        from ..optimizer.dialog import OptimizerDialog

        if self.session.prepared is None:
            return None
        if self.optimizer_dialog is not None:
            self.optimizer_dialog.close()
        self.optimizer_dialog = OptimizerDialog(self.session, self)
        self.optimizer_dialog.show()
        return self.optimizer_dialog


# =============================================================================================
# Wiring into the main window
# =============================================================================================

def install_requests(main_window) -> RequestsPanel:
    """The Requests panel of `main_window`.  The MainWindow builds it itself (its "Requests" tab and
    Requests menu); this returns that panel (`main_window.requests_panel`).  For another window
    (one without the panel) it puts a panel in the "Requests" tab (replacing that tab's widget,
    same index, or adding the tab) and adds the Requests menu.

    Uses only `main_window.session`, `main_window.tabs` and `main_window.menuBar()`."""
    existing = getattr(main_window, "requests_panel", None)
    if isinstance(existing, RequestsPanel):
        return existing
    session = main_window.session
    panel = RequestsPanel(session, main_window)
    tabs = main_window.tabs
    index = next((i for i in range(tabs.count()) if tabs.tabText(i).replace("&", "") == "Requests"), -1)
    if index >= 0:
        current = tabs.currentIndex()
        old = tabs.widget(index)
        tabs.removeTab(index)
        tabs.insertTab(index, panel, "Requests")
        old.hide()
        tabs.setCurrentIndex(current)
    else:
        tabs.addTab(panel, "Requests")
    add_requests_menu(main_window, panel, main_window.menuBar().addMenu("&Requests"))
    return panel


def add_requests_menu(main_window, panel: RequestsPanel, m) -> None:
    """Fill the menu `m` with the panel's actions (New request, Edit request, Duplicate request,
    Delete request, Build justification…, Export justification…, Fund the best set…); the actions
    that act on the selection show the panel first."""
    tabs = main_window.tabs

    def shown(slot):
        def run():
            tabs.setCurrentWidget(panel)
            return slot()
        return run

    for key, slot in (("edit", panel.edit_selected), ("duplicate", panel.duplicate_selected),
                      ("delete", panel.delete_selected), ("justify", panel.build_justification)):
        a = panel.actions[key]
        a.triggered.disconnect()
        a.triggered.connect(lambda _c=False, f=shown(slot): f())
    for key in ("new", "edit", "duplicate", "delete"):
        m.addAction(panel.actions[key])
    m.addSeparator()
    for key in ("justify", "export"):
        m.addAction(panel.actions[key])
    m.addSeparator()
    m.addAction(panel.actions["optimize"])
    panel.menu = m
    main_window.requests_panel = panel


__all__ = ["RequestsPanel", "RequestsModel", "RequestFilter", "EffectPane", "RequestDialog", "ExportDialog",
           "JustificationExportTask", "install_requests", "add_requests_menu", "safe_file_name"]

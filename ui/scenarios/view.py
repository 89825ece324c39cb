"""The scenario list (new, duplicate, rename, delete, open, save) and the comparison of two
scenarios side by side."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QHeaderView, QLabel,
                               QListView, QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget)

from kcplanner.engine import compare
from kcplanner.engine.change_sense import good_sign, judge
from kcplanner.engine.fund_data import NO_DATA_KIND
from kcplanner.scenario import EMPTY_SCENARIO, Scenario

from ..common import access, charts, fmt, meaning, table_copy
from ..common.charts import X
from ..common.models import RAW_ROLE, SORT_ROLE, TableModel
from ..common.table_size import fit_columns
from .models import ScenarioListModel


class ScenarioList(QWidget):
    """The scenarios of the session; the current one (bold) is the one every panel shows."""

    openRequested = Signal()
    saveRequested = Signal()

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.model = ScenarioListModel(session, self)
        self.view = access.name(QListView(), "Scenarios")
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed | QAbstractItemView.EditTrigger.DoubleClicked)
        self.view.setToolTip("Click a scenario to work on it; double-click or F2 to rename")
        self.view.selectionModel().currentRowChanged.connect(lambda cur, _prev: cur.isValid() and
                                                             self.session.select_scenario(cur.row()))
        buttons = QGridLayout()
        self.buttons = {}
        for i, (name, tip, slot) in enumerate([
                ("New", "A new empty scenario (Ctrl+N)", self.new),
                ("Duplicate", "A copy of the current scenario (Ctrl+D)", self.duplicate),
                ("Rename", "Rename the current scenario (F2)", self.rename),
                ("Delete", "Delete the current scenario", self.delete),
                ("Open…", "Open a scenario file (.json)", self.openRequested.emit),
                ("Save…", "Save the current scenario as a file (.json)", self.saveRequested.emit)]):
            b = QPushButton(name)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            buttons.addWidget(b, i // 2, i % 2)
            self.buttons[name] = b
        lay = QVBoxLayout(self)
        lay.addWidget(self.view, 1)
        lay.addLayout(buttons)
        session.scenariosChanged.connect(self.refresh)

    def refresh(self) -> None:
        self.model.refresh()
        cur = self.session.state.current
        if self.view.currentIndex().row() != cur:
            self.view.selectionModel().blockSignals(True)
            self.view.setCurrentIndex(self.model.index(cur))
            self.view.selectionModel().blockSignals(False)
            self.view.viewport().update()

    def new(self) -> None:
        self.session.add_scenario(Scenario(f"Scenario {len(self.session.scenarios) + 1}"), "New scenario")

    def duplicate(self) -> None:
        s = self.session.scenario
        self.session.add_scenario(s.rename(f"{s.name} copy"), f"Duplicate '{s.name}'")

    def rename(self) -> None:
        self.view.edit(self.model.index(self.session.state.current))

    def delete(self) -> None:
        scenarios = list(self.session.scenarios)
        cur = self.session.state.current
        name = scenarios[cur].name
        del scenarios[cur]
        if not scenarios:
            scenarios = [Scenario("Scenario 1")]
        self.session.set_scenarios(scenarios, min(cur, len(scenarios) - 1), f"Delete scenario '{name}'")


MEASURE_FORMAT = {"reserve_ratio": lambda v: fmt.percent(v, 1), "met": lambda v: fmt.DASH if v != v else ("met" if v else "missed"),
                  "value": fmt.kpi_value, "low": fmt.kpi_value, "high": fmt.kpi_value,
                  "score": lambda v: fmt.percent(v, 1)}
SECTIONS = [("All", None), ("Funds", "funds"), ("Departments", "departments"), ("Programs", "programs"),
            ("Account classes", "account classes"), ("KPIs", "kpis"), ("Plan score", "score")]
SECTION_TEXT = {key: label for label, key in SECTIONS if key}
MEASURE_TEXT = {"revenue": "Revenue", "expenditure": "Expenditure", "balance": "Ending balance",
                "reserve_ratio": "Reserve ratio", "structural": "Structural balance", "value": "Value",
                "low": "Low", "high": "High", "met": "Target met", "score": "Plan score"}
POINTS = frozenset({"reserve_ratio", "score"})  # fractions: a difference is in percentage points
QUALITY_COLOR = {"good": meaning.BETTER, "bad": meaning.WORSE}


def points(v: float) -> str:
    """A difference of two percentages in percentage points: 0.012 → `+1.2 pt`."""
    return fmt.DASH if v != v else ("+" if v > 0 else "") + fmt.number(v * 100, 1) + " pt"


class CompareTable(TableModel):
    """Section, name, measure, A, B, difference for the selected year. `rows` keep the engine's keys
    (section "kpis", the KPI ID); the table shows words (KPIs, `PS-01 Response time`, Reserve ratio),
    differences of percentages in points, and colours a difference by whether it is better or worse
    (ui/common/meaning.py; dollars neutral) with ▲/▼ beside it."""

    def __init__(self, parent=None):
        super().__init__(["Section", "Name", "Measure", "A", "B", "Difference"], numeric=[False] * 3 + [True] * 3,
                         parent=parent)
        self.directions: dict[str, float] = {}  # KPI ID → +1 higher is better, −1 lower is better
        self.kpi_names: dict[str, str] = {}     # KPI ID → its name

    def quality(self, row: int) -> str | None:
        """"good", "bad" or None (neither) for the difference of `row` (docs/ui.md, "Colours of a change")."""
        section, name, measure, _a, _b, d = self.rows[row]
        return judge(d, good_sign(section, measure, self.directions.get(name)))

    def words(self, row: tuple, column: int) -> str:
        """The readable text of a row's section, name or measure."""
        section, name, measure = row[:3]
        if column == 0:
            return SECTION_TEXT.get(section, section)
        if column == 1:
            if section == "kpis" and self.kpi_names.get(name):
                return f"{name} {self.kpi_names[name]}"
            return "Plan score" if section == "score" else name
        return MEASURE_TEXT.get(measure, measure)

    def difference_text(self, row: tuple, judged: bool = True) -> str:
        """B − A in words: `+$1,255,000`, `▼ -1.6 pt`, `▲ +0.25`, `→ met`; ▲/▼ beside a figure judged
        better or worse (`judged`), never beside spending, whose sign is in the text."""
        v, measure = row[5], row[2]
        if measure == "met":
            return fmt.DASH if v != v or v == 0 else ("→ met" if v > 0 else "→ missed")
        if v != v:
            return fmt.DASH
        f = MEASURE_FORMAT.get(measure, fmt.money)
        if f is fmt.money:
            text = fmt.signed_money(v)
        else:
            text = points(v) if measure in POINTS else ("+" if v > 0 else "") + fmt.kpi_value(v)
        return f"{meaning.marker(v)} {text}".strip() if judged else text

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, c = self.rows[index.row()], index.column()
        if c < 3 and role in (Qt.ItemDataRole.DisplayRole, RAW_ROLE):
            return self.words(row, c)
        if role == Qt.ItemDataRole.DisplayRole and c >= 3:
            if c == 5:
                return self.difference_text(row, self.quality(index.row()) is not None)
            return MEASURE_FORMAT.get(row[2], fmt.money)(row[c])
        if role == Qt.ItemDataRole.ForegroundRole and c == 5:
            v = row[5]
            if isinstance(v, float) and v == v and abs(v) > 1e-9:
                return QBrush(QUALITY_COLOR.get(self.quality(index.row()), meaning.NEUTRAL))
        if role == Qt.ItemDataRole.ToolTipRole and c == 5:
            q = self.quality(index.row())
            sense = {"good": "A change for the better", "bad": "A change for the worse"}.get(
                q, "Neither better nor worse in itself (spending and revenue are choices)")
            lower = row[0] == "kpis" and self.directions.get(row[1], 1.0) < 0
            return sense + (" (lower is better for this KPI)" if lower and q else "")
        return super().data(index, role)


def _policy(results) -> int:
    """Policy findings, without the notes on funds that have no revenue data."""
    return sum(1 for x in results.findings if x.kind != NO_DATA_KIND)


class ComparePanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.comparison = None
        self._dirty = True
        self.a = QComboBox()
        self.b = QComboBox()
        self.a.setToolTip("Scenario A")
        self.b.setToolTip("Scenario B (differences are B − A)")
        self.section = QComboBox()
        for label, key in SECTIONS:
            self.section.addItem(label, key)
        self.only_diff = QCheckBox("Only differences")
        self.only_diff.setChecked(True)
        self.kpi = QComboBox()
        self.kpi.setToolTip("The KPI whose paths are drawn")
        for w in (self.a, self.b, self.section, self.kpi):
            w.currentIndexChanged.connect(self._changed)
        self._kpi_chosen = False
        self.kpi.activated.connect(lambda _i: setattr(self, "_kpi_chosen", True))
        self.only_diff.toggled.connect(self._changed)
        top = QHBoxLayout()
        top.addWidget(access.label_for("&A:", self.a))
        top.addWidget(self.a, 1)
        top.addWidget(access.label_for("&B:", self.b))
        top.addWidget(self.b, 1)
        top.addWidget(access.label_for("Sho&w:", self.section))
        top.addWidget(self.section)
        top.addWidget(self.only_diff)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.model = CompareTable(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = access.name(QTableView(), "Comparison", "Every figure of the selected year: A, B and B − A")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the engine's order until a header is clicked
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for c, w in enumerate([110, 300, 120, 130, 130, 130]):
            self.table.setColumnWidth(c, w)
        table_copy.install(self.table, "comparison")
        self._sized = False
        self.graphics = access.chart(pg.GraphicsLayoutWidget(), "Charts of A and B",
                                     "Total expenditure, total ending fund balance and the KPI's path by year")
        self.total_plot = self.graphics.addPlot(title="Total expenditure", axisItems={"left": charts.MoneyAxis("left")})
        self.balance_plot = self.graphics.addPlot(title="Total ending fund balance",
                                                  axisItems={"left": charts.MoneyAxis("left")})
        self.kpi_plot = self.graphics.addPlot(title="KPI path")
        self.curves = {}
        for p in (self.total_plot, self.balance_plot, self.kpi_plot):
            charts.static_plot(p)
            p.getAxis("left").setWidth(64)
            p.addLegend(offset=(5, 5))
        for key, p in (("total", self.total_plot), ("balance", self.balance_plot), ("kpi", self.kpi_plot)):
            self.curves[key] = (p.plot(pen=charts.pen(charts.GREY, 2.5, Qt.PenStyle.DashLine), symbol="o", symbolSize=5,
                                       symbolBrush=charts.GREY, name="A"),
                                p.plot(pen=charts.pen(charts.BLUE, 2.5), symbol="o", symbolSize=5,
                                       symbolBrush=charts.BLUE, name="B"))
        kpi_row = QHBoxLayout()
        kpi_row.addStretch(1)
        kpi_row.addWidget(access.label_for("&KPI:", self.kpi))
        kpi_row.addWidget(self.kpi)
        split = QSplitter(Qt.Orientation.Vertical)
        charts_box = QWidget()
        cl = QVBoxLayout(charts_box)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addLayout(kpi_row)
        cl.addWidget(self.graphics, 1)
        split.addWidget(charts_box)
        split.addWidget(self.table)
        split.setSizes([300, 400])
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(split, 1)
        session.datasetChanged.connect(self._dataset_changed)
        session.scenariosChanged.connect(self._scenarios_changed)
        session.resultsChanged.connect(lambda _r: self._changed())
        session.yearChanged.connect(lambda _y: self._changed())

    def _dataset_changed(self) -> None:
        P = self.session.prepared
        self.kpi.blockSignals(True)
        self.kpi.clear()
        if P is not None:
            for kid, name in zip(P.kpi_ids, P.kpi_names):
                self.kpi.addItem(f"{kid} {name}"[:60])
            for p in (self.total_plot, self.balance_plot, self.kpi_plot):
                charts.set_year_ticks(p, P.year_labels)
        self.kpi.blockSignals(False)
        self._scenarios_changed()

    def _scenarios_changed(self) -> None:
        P = self.session.prepared
        base = f"Baseline, no rules ({P.baseline_source.source_label})" if P is not None else "Baseline (no rules)"
        names = [base] + [s.name for s in self.session.scenarios]
        for combo, default in ((self.a, 0), (self.b, self.session.state.current + 1)):
            keep = combo.currentIndex()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            if P is not None:  # where the baseline comes from, in full
                combo.setItemData(0, f"{P.baseline_source.describe()}. {P.baseline_source.detail}",
                                  Qt.ItemDataRole.ToolTipRole)
            combo.setCurrentIndex(keep if 0 <= keep < len(names) else min(default, len(names) - 1))
            combo.blockSignals(False)
        self._changed()

    def scenario_at(self, combo_index: int) -> Scenario:
        if combo_index <= 0:
            return EMPTY_SCENARIO
        return self.session.scenarios[min(combo_index - 1, len(self.session.scenarios) - 1)]

    def set_pair(self, a: int, b: int) -> None:
        """Compare scenario `a` with `b` (indexes into the session's scenarios; -1 = baseline)."""
        self.a.setCurrentIndex(a + 1)
        self.b.setCurrentIndex(b + 1)
        self.refresh()

    def _changed(self, *_args) -> None:
        self._dirty = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def refresh(self) -> None:
        self._dirty = False
        if self.session.prepared is None or self.a.count() == 0:
            return
        sa, sb = self.scenario_at(self.a.currentIndex()), self.scenario_at(self.b.currentIndex())
        ra, rb = self.session.results_for(sa), self.session.results_for(sb)
        self.comparison = compare(ra, rb)
        t = self.session.year
        year = ra.plan_years[t]
        table = self.comparison.table
        table = table[table["fiscal_year"] == year]
        key = self.section.currentData()
        if key:
            table = table[table["section"] == key]
        keep = table["measure"].isin(["revenue", "expenditure", "balance", "reserve_ratio", "structural", "value",
                                      "met", "score"])
        table = table[keep]
        if self.only_diff.isChecked():
            d = table["difference"].to_numpy(dtype=float)
            table = table[np.abs(np.nan_to_num(d)) > 1e-9]
        rows = list(zip(table["section"], table["name"].astype(str), table["measure"],
                        table["a"].astype(float), table["b"].astype(float), table["difference"].astype(float)))
        self.model.directions = dict(zip(ra.kpis.ids, (float(d) for d in ra.kpis.direction)))
        self.model.kpi_names = dict(zip(ra.kpis.ids, ra.kpis.names))
        self.model.set_rows(rows)
        if rows and not self._sized:
            fit_columns(self.table, limits={1: (120, 360)})
            self._sized = True
        tot_a, tot_b = ra.funds.expenditure[:, t].sum(), rb.funds.expenditure[:, t].sum()
        sc_a, sc_b = ra.kpis.score[t], rb.kpis.score[t]
        self.summary.setText(
            f"<b>{sa.name}</b> vs <b>{sb.name}</b> in {ra.year_labels[t]}: total expenditure "
            f"{fmt.money(tot_a)} → {fmt.money(tot_b)} ({fmt.signed_money(tot_b - tot_a)}); plan score "
            f"{fmt.percent(sc_a, 0)} → {fmt.percent(sc_b, 0)}; policy findings {_policy(ra)} → {_policy(rb)}; "
            f"{len(rows)} figure(s) differ" if self.only_diff.isChecked() else
            f"<b>{sa.name}</b> vs <b>{sb.name}</b> in {ra.year_labels[t]}")
        ca, cb = self.curves["total"]
        ca.setData(X, ra.funds.expenditure.sum(axis=0))
        cb.setData(X, rb.funds.expenditure.sum(axis=0))
        ca, cb = self.curves["balance"]
        checked = ra.funds.checked  # funds without revenue data have no balance (null)
        self.balance_plot.setTitle("Total ending fund balance" if checked.all() else
                                   "Ending balance, funds with revenue data" if checked.any() else
                                   "Ending fund balance: fund checks need the plan's Revenue and Funds sheets")
        x = X if checked.any() else X[:0]  # nothing to draw: empty curves
        ca.setData(x, ra.funds.balance[checked].sum(axis=0)[:len(x)], connect="finite")
        cb.setData(x, rb.funds.balance[checked].sum(axis=0)[:len(x)], connect="finite")
        if not self._kpi_chosen and len(ra.kpis.ids):  # show the KPI that moves most, until one is chosen
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.nan_to_num(np.abs(rb.kpis.scenario - ra.kpis.scenario) / np.abs(ra.kpis.scenario)).max(axis=1)
            if rel.max() > 0 and self.kpi.currentIndex() != int(rel.argmax()):
                self.kpi.blockSignals(True)
                self.kpi.setCurrentIndex(int(rel.argmax()))
                self.kpi.blockSignals(False)
        k = self.kpi.currentIndex()
        ca, cb = self.curves["kpi"]
        if 0 <= k < len(ra.kpis.ids):
            self.kpi_plot.setTitle(f"KPI {ra.kpis.ids[k]} {ra.kpis.names[k]}"[:60])
            ca.setData(X, ra.kpis.scenario[k], connect="finite")
            cb.setData(X, rb.kpis.scenario[k], connect="finite")

    def difference(self, section: str, name: str, measure: str) -> float:
        """B − A of one figure in the selected year (tests and tooltips)."""
        for row in self.model.rows:
            if row[0] == section and row[1] == name and row[2] == measure:
                return row[5]
        return math.nan

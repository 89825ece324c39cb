"""Funds panel: balance and reserve ratio per fund with the floor–ceiling band, structural
balance bars, and the policy findings in words."""

from __future__ import annotations

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QListWidget, QSplitter, QTableView,
                               QVBoxLayout, QWidget)

from kcplanner.engine.fund_data import MISSING_TEXT, NO_DATA_KIND

from ..common import access, charts, fmt, meaning, table_copy
from ..common.charts import X
from ..common.deferred import UpdatesWhenShown
from ..common.models import AMBER, SORT_ROLE, TableModel
from ..common.table_size import fit_columns
from ..overview.view import missing_data_text

STATUS_TEXT = {"no_policy": "no policy", "no_expenditure": "no expenditure", "below_floor": "below floor",
               "below_target": "below target", "within": "within policy", "above_ceiling": "above ceiling",
               "no_revenue_data": "no revenue data"}
#: Better (blue, ✓) only when the reserve is within policy AND the fund is structurally balanced; worse
#: (orange, ▼) below the floor or with a structural deficit; a caution (amber) below target or above
#: the ceiling (ui/common/meaning.py: meaning never rests on colour alone, the words say it).
STATUS_COLOR = {"below_floor": meaning.WORSE, "below_target": AMBER, "above_ceiling": AMBER, "within": meaning.BETTER}
DEFICIT = "structural deficit"


def status_text(status: str, deficit: bool) -> str:
    """`within policy`, `▼ below floor`, `within reserve policy · ▼ structural deficit`, …"""
    words = STATUS_TEXT.get(status, status)
    if status == "no_revenue_data":
        return words
    if deficit:
        reserve = "within reserve policy" if status == "within" else words
        return f"{'▼ ' if status == 'below_floor' else ''}{reserve} · ▼ {DEFICIT}"
    return ("✓ " if status == "within" else "▼ " if status == "below_floor" else "") + words


def status_color(status: str, deficit: bool):
    if status == "no_revenue_data":
        return None
    return meaning.WORSE if deficit else STATUS_COLOR.get(status)


def fund_findings(findings, fund: str) -> list[str]:
    """The policy findings of one fund (the notes on missing revenue data left out)."""
    return [x.message for x in findings if x.fund == fund and x.kind != NO_DATA_KIND]


def _pct(v):
    return fmt.percent(v, 1)


BALANCE_TITLE = "Ending balance"
POLICY_BAND = (0, 114, 178, 28)  # the better colour, faint: where the reserve policy is met


class FundsPanel(UpdatesWhenShown, QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.fund = 0
        self.model = TableModel(["Fund", "Revenue", "Expenditure", "Ending balance", "Reserve ratio",
                                 "Floor", "Ceiling", "Structural balance", "Status"],
                                [None, fmt.money, fmt.money, fmt.money, _pct, _pct, _pct, fmt.money, None],
                                [False] + [True] * 7 + [False])
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = access.name(QTableView(), "Funds", "Each fund's figures in the selected plan year")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # copy several funds
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)  # every fund in view (11 in the sample)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        table_copy.install(self.table, "funds")
        self._sized = False
        h = self.table.horizontalHeader()  # Status beside the fund's name: in view at 1280 (the model keeps its order)
        h.moveSection(h.visualIndex(8), 1)
        h.setStretchLastSection(False)
        self.table.selectionModel().currentRowChanged.connect(self._fund_selected)
        self.title = QLabel()
        self.title.setWordWrap(True)  # the window fits beside Excel (docs/ui.md)
        self.missing = QLabel()  # funds without revenue data: what the fund checks need
        self.missing.setWordWrap(True)
        self.missing.setStyleSheet("color: #a05a00; background: #fff6e5; border: 1px solid #e8cfa0; padding: 4px;")
        self.missing.hide()

        self.charts = access.chart(pg.GraphicsLayoutWidget(), "Charts of the selected fund",
                                   "Ending balance, reserve ratio and structural balance by year; the figures are "
                                   "in the table above")
        labels = ["FY"] * 5
        self.balance_plot = self.charts.addPlot(title=BALANCE_TITLE)
        self.ratio_plot = self.charts.addPlot(title="Reserve ratio (balance ÷ expenditure)")
        self.struct_plot = self.charts.addPlot(title="Structural balance")
        for p in (self.balance_plot, self.ratio_plot, self.struct_plot):
            charts.static_plot(p)
            charts.set_year_ticks(p, labels)
            p.getAxis("left").setWidth(64)
        # round major ticks only, the axis changed only when the values leave it (charts.RoundAxis)
        self.balance_axis = charts.RoundAxis(self.balance_plot, charts.money_tick)
        self.ratio_axis = charts.RoundAxis(self.ratio_plot, charts.percent_tick)
        self.struct_axis = charts.RoundAxis(self.struct_plot, charts.money_tick, zero=True)
        self.balance_plot.addLegend(offset=(5, 5))
        self.balance_base = self.balance_plot.plot(pen=charts.pen(charts.GREY, 2, Qt.PenStyle.DotLine), name="baseline")
        self.balance_scen = self.balance_plot.plot(pen=charts.pen(meaning.NEUTRAL_HEX, 2.5), symbol="o", symbolSize=6,
                                                   symbolBrush=meaning.NEUTRAL_HEX, name="scenario")
        # the reserve ratio's legend says what each line is (the policy's floor, target and ceiling)
        self.ratio_plot.addLegend(offset=(5, 5), labelTextSize="7pt", colCount=2, verSpacing=-6)
        self.floor = pg.PlotCurveItem(pen=charts.pen(meaning.WORSE_HEX, 1.5, Qt.PenStyle.DashLine), name="floor")
        self.ceiling = pg.PlotCurveItem(pen=charts.pen(charts.GREY, 1.5, Qt.PenStyle.DashDotLine), name="ceiling")
        self.policy_band = pg.FillBetweenItem(self.floor, self.ceiling, brush=charts.brush(POLICY_BAND))
        self.target = pg.PlotCurveItem(pen=charts.pen(meaning.BETTER_HEX, 1.5, Qt.PenStyle.DotLine), name="target")
        self.ratio_base = pg.PlotCurveItem(pen=charts.pen(charts.GREY, 2, Qt.PenStyle.DotLine), name="baseline")
        self.ratio_scen = pg.PlotDataItem(pen=charts.pen(meaning.NEUTRAL_HEX, 2.5), symbol="o", symbolSize=6,
                                          symbolBrush=meaning.NEUTRAL_HEX, name="scenario")
        for item in (self.policy_band, self.floor, self.ceiling, self.target, self.ratio_base, self.ratio_scen):
            self.ratio_plot.addItem(item)
        # the band's legend entry: a swatch of its brush (pyqtgraph's legend cannot sample a FillBetweenItem)
        self._band_swatch = pg.BarGraphItem(x=[0], height=[1], width=1, brush=charts.brush(POLICY_BAND),
                                            pen=pg.mkPen(None))
        self.ratio_plot.legend.addItem(self._band_swatch, "policy range")
        self.bars_base = pg.BarGraphItem(x=X - 0.18, height=np.zeros(5), width=0.34, brush=pg.mkBrush("#c8c8c8"))
        self.bars = pg.BarGraphItem(x=X + 0.18, height=np.zeros(5), width=0.34, brush=pg.mkBrush(meaning.BETTER_HEX))
        self.struct_plot.addItem(self.bars_base)
        self.struct_plot.addItem(self.bars)
        self.struct_plot.addLine(y=0, pen=pg.mkPen("#555555"))
        self.struct_note = QLabel("Structural balance = recurring revenue − recurring expenditure: grey bars "
                                  "baseline; scenario bars blue at or above zero, orange below zero (a structural "
                                  "deficit)")
        self.struct_note.setWordWrap(True)
        self.findings = QListWidget()
        self.findings.setToolTip("Policy findings of the selected fund, year by year")
        self.findings.setWordWrap(True)
        self.findings_title = access.label_for("<b>Policy findings</b>", self.findings)

        split = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.missing)
        table_row = QSplitter(Qt.Orientation.Horizontal)  # the findings of the selected fund beside its row
        table_row.addWidget(self.table)
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.findings_title)
        sl.addWidget(self.findings, 1)
        table_row.addWidget(side)
        table_row.setStretchFactor(0, 3)
        table_row.setStretchFactor(1, 1)
        table_row.setSizes([980, 260])
        tl.addWidget(table_row)
        mid = QWidget()
        ml = QVBoxLayout(mid)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.title)
        ml.addWidget(self.charts, 1)
        ml.addWidget(self.struct_note)
        split.addWidget(top)
        split.addWidget(mid)
        split.setSizes([290, 330])
        lay = QVBoxLayout(self)
        lay.addWidget(split)
        session.datasetChanged.connect(self._dataset_changed)
        session.resultsChanged.connect(self.set_results)
        session.yearChanged.connect(lambda _y: self.set_results(self.session.results))

    def _dataset_changed(self) -> None:
        P = self.session.prepared
        if P is None:
            return
        for p in (self.balance_plot, self.ratio_plot, self.struct_plot):
            charts.set_year_ticks(p, P.year_labels)
        self.fund = 0

    def _fund_selected(self, current, _previous=None) -> None:
        if current.isValid():
            self.fund = self.proxy.mapToSource(current).row()
            self.update_findings(self.session.results)
            self.update_charts(self.session.results)

    def select_fund(self, name: str) -> None:
        r = self.session.results
        if r is not None and name in r.funds.names:
            row = self.proxy.mapFromSource(self.model.index(r.funds.names.index(name), 0)).row()
            self.table.selectRow(row)

    def _update(self, results) -> None:
        f, t = results.funds, self.session.year
        rows, colors, tips = [], [], []
        checked = f.checked
        for i, name in enumerate(f.names):
            # a fund without revenue data: its revenue is unknown (not 0) and it has no balance figures
            rev = f.revenue[i, t] if checked[i] else float("nan")
            deficit = bool(checked[i] and f.structural_deficit[i, t])
            rows.append((name, rev, f.expenditure[i, t], f.balance[i, t], f.reserve_ratio[i, t],
                         f.floor[i], f.ceiling[i], f.structural[i, t], status_text(f.status[i, t], deficit)))
            colors.append(status_color(f.status[i, t], deficit))
            tips.append(None if checked[i] else f"{name} has no Revenue lines and no Funds row: {MISSING_TEXT}")
            if deficit:
                tips[-1] = (f"{name}: recurring revenue falls short of recurring expenditure by "
                            f"{fmt.money(-f.structural[i, t])} in {results.year_labels[t]}")
        self.model.headers[1:4] = [f"Revenue {results.year_labels[t]}", f"Expenditure {results.year_labels[t]}",
                                   f"Ending balance {results.year_labels[t]}"]
        self.model.set_rows(rows, colors=colors, tooltips=tips)
        if not self._sized and rows:
            fit_columns(self.table, limits={0: (90, 220), 8: (90, 420)})
            self._sized = True
        self.missing.setVisible(not checked.all())
        if not checked.all():
            self.missing.setText(missing_data_text(f.names, checked) + " Their balance, reserve and structural "
                                 "figures are shown as –, and they get no policy findings.")
        if self.table.currentIndex().row() < 0 and rows:
            self.table.selectRow(0)
        self.update_findings(results)
        self.update_charts(results)

    def update_findings(self, results) -> None:
        """The selected fund's policy findings (every year), or why it has none."""
        if results is None or not results.funds.names:
            return
        f = results.funds
        i = min(self.fund, len(f.names) - 1)
        name = f.names[i]
        self.findings_title.setText(f"<b>Policy findings: {escape(name)}</b>")
        if not f.checked[i]:
            messages = [f"{name} is not checked: {MISSING_TEXT}"]
        else:
            messages = fund_findings(results.findings, name) or [
                f"No policy findings: {name} is within its reserve policy and structurally balanced in every plan "
                "year."]
        if not f.checked.all():  # never an all-clear for funds that were not checked
            messages = messages + [missing_data_text(f.names, f.checked)]
        if messages != getattr(self, "_messages", None):  # rebuild the list only when it changes
            self._messages = messages
            self.findings.clear()
            self.findings.addItems(messages)

    def update_charts(self, results) -> None:
        if results is None or not results.funds.names:
            return
        i = min(self.fund, len(results.funds.names) - 1)
        f = results.funds
        b = self.session.baseline.funds if self.session.baseline is not None else f
        if f.checked[i]:
            self.title.setText(f"<b>{escape(f.names[i])}</b> — beginning balance {fmt.money(f.beginning_balance[i])}; "
                               f"reserve policy floor {_pct(f.floor[i])}, target {_pct(f.target[i])}, "
                               f"ceiling {_pct(f.ceiling[i])}")
        else:
            self.title.setText(f"<b>{escape(f.names[i])}</b> — no revenue data, so no balance, reserve or structural "
                               f"figures: {MISSING_TEXT}")
        self.charts.setVisible(bool(f.checked[i]))  # no figures to draw for a fund without revenue data
        self.struct_note.setVisible(bool(f.checked[i]))
        x = X if f.checked[i] else X[:0]  # no figures: empty curves (pyqtgraph warns on all-NaN points)
        self.balance_base.setData(x, b.balance[i][:len(x)], connect="finite")
        self.balance_scen.setData(x, f.balance[i][:len(x)], connect="finite")
        policy = [np.full(5, v) for v in (f.floor[i], f.ceiling[i], f.target[i])]
        for item, line in zip((self.floor, self.ceiling, self.target), policy):
            item.setData(X, line, connect="finite")
        self.ratio_base.setData(x, b.reserve_ratio[i][:len(x)], connect="finite")
        self.ratio_scen.setData(x, f.reserve_ratio[i][:len(x)], connect="finite")
        s = np.nan_to_num(f.structural[i])
        self.bars_base.setOpts(height=np.nan_to_num(b.structural[i]))
        self.bars.setOpts(height=s, brushes=[DEFICIT_BRUSH if d else SURPLUS_BRUSH for d in f.structural_deficit[i]])
        if not f.checked[i]:
            return
        if self.balance_axis.fit(b.balance[i], f.balance[i]):
            lo = self.balance_axis.range[0]
            self.balance_plot.setTitle(BALANCE_TITLE if self.balance_axis.starts_at_zero() else
                                       charts.zero_note(BALANCE_TITLE, lo))
        self.ratio_axis.fit(b.reserve_ratio[i], f.reserve_ratio[i], *policy)
        self.struct_axis.fit(b.structural[i], f.structural[i])


SURPLUS_BRUSH = pg.mkBrush(meaning.BETTER_HEX)
DEFICIT_BRUSH = pg.mkBrush(meaning.WORSE_HEX)

"""The KPI detail window: one KPI's large chart, its values per year, and its drivers with their
contributions. Like the tabs, it draws only while it is open: a closed (hidden) detail keeps the
latest results and draws them when it is shown again."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter, QTableView, QVBoxLayout

from ..common import access, charts, fmt, meaning, table_copy
from ..common.charts import X
from ..common.deferred import UpdatesWhenShown
from ..common.models import TableModel
from .cell import largest_change, tick_label
from .goals import kpi_goals


class KpiDetail(UpdatesWhenShown, QDialog):
    """One KPI: a large chart, its values per year, and its drivers with their contributions."""

    def __init__(self, session, k: int, parent=None):
        super().__init__(parent)
        self.session = session
        self.k = k
        self.setWindowTitle("KPI detail")
        self.resize(920, 640)
        P = session.prepared
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.plot_widget = access.chart(pg.PlotWidget(), "KPI by year", "Baseline, scenario, low-high band and "
                                        "targets; the same figures are in the table below")
        plot = self.plot_widget.getPlotItem()
        charts.static_plot(plot)
        charts.set_year_ticks(plot, P.year_labels, short=False)
        plot.addLegend(offset=(10, 10))
        self.low = pg.PlotCurveItem(pen=pg.mkPen(None))
        self.high = pg.PlotCurveItem(pen=pg.mkPen(None))
        band = pg.FillBetweenItem(self.low, self.high, brush=charts.brush(charts.BAND))
        self.baseline = pg.PlotCurveItem(pen=charts.pen(charts.GREY, 2, Qt.PenStyle.DotLine), name="baseline")
        self.scenario = pg.PlotCurveItem(pen=charts.pen(meaning.NEUTRAL_HEX, 3), name="scenario")
        self.target = pg.ScatterPlotItem(symbol="o", size=10, pen=pg.mkPen("#222", width=1.5), brush=pg.mkBrush(None),
                                         name="target")
        self.axis = charts.RoundAxis(plot, tick_label, max_ticks=6)  # round ticks, the unit's % on them
        for item in (band, self.low, self.high, self.baseline, self.scenario, self.target):
            plot.addItem(item)
        labels = list(P.year_labels)
        self.values = TableModel(["Measure"] + labels, None, [False] + [True] * 5)
        self.values_view = access.name(QTableView(), "KPI values by year")
        self.values_view.setModel(self.values)
        self.values_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.values_view.verticalHeader().hide()
        pct = lambda v: fmt.percent(v, 2, signed=True)  # noqa: E731
        self.drivers = TableModel(["Department", "Program", "Spending change"] + [f"Effect {charts.short_year(y)}" for y in labels]
                                  + ["Contribution"],
                                  [None, None, pct] + [pct] * 5 + [fmt.kpi_value], [False, False] + [True] * 7)
        self.drivers_view = access.name(QTableView(), "Drivers of the KPI")
        self.drivers_view.setModel(self.drivers)
        self.drivers_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.drivers_view.horizontalHeader().setStretchLastSection(True)
        self.drivers_view.verticalHeader().hide()
        table_copy.install(self.values_view, "kpi-values")
        table_copy.install(self.drivers_view, "kpi-drivers")
        self.drivers_view.setToolTip("Each driver links spending to this KPI: spending change x is the scenario's "
                                     "spending against the baseline (lagged); effect e = elasticity × x (capped); "
                                     "KPI = baseline path × (1 + Σ e).  Contribution = baseline × e in the selected year.")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plot_widget)
        split.addWidget(self.values_view)
        split.addWidget(self.drivers_view)
        self.values_view.verticalHeader().setDefaultSectionSize(22)
        self.drivers_view.verticalHeader().setDefaultSectionSize(22)
        split.setSizes([280, 175, 160])
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        lay.addWidget(split, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        lay.addLayout(row)
        session.resultsChanged.connect(self.set_results)  # drawn while open; kept for when it reopens
        session.yearChanged.connect(lambda _y: self.set_results(self.session.results))
        self.set_kpi(k)

    def set_kpi(self, k: int) -> None:
        self.k = k
        self._pending = None
        if self.isVisible():
            self._update(self.session.results)
        else:
            self._pending = self.session.results

    def update_results(self, results) -> None:
        """Draw `results` now (shown or not)."""
        self._update(results)

    def _update(self, results) -> None:
        if results is None or self.session.prepared is None or self.k >= len(results.kpis.ids):
            return
        P = self.session.prepared
        k, r = self.k, results.kpis
        unit = r.units[k]
        direction = "higher is better" if r.direction[k] > 0 else "lower is better"
        goal = kpi_goals(P)[k]
        met_years = [results.year_labels[t] for t in range(5) if r.has_target[k, t] and not r.met[k, t]]
        status = (f"<span style='color:{meaning.WORSE_HEX}'>✗ off target in " + ", ".join(met_years) + "</span>") \
            if met_years else (f"<span style='color:{meaning.BETTER_HEX}'>✓ meets every target</span>"
                               if r.has_target[k].any() else "no targets")
        self.setWindowTitle(f"KPI {r.ids[k]} — {r.names[k]}")
        j, change = largest_change(r.scenario[k], r.baseline[k])
        sense = meaning.judged(change, r.direction[k] < 0)
        color = meaning.BETTER_HEX if sense > 0 else meaning.WORSE_HEX if sense < 0 else meaning.NEUTRAL_HEX
        said = (f" · <span style='color:{color}'>{meaning.marker(change)} {fmt.kpi_value(abs(change))} "
                f"{'better' if sense > 0 else 'worse'} than the baseline in {results.year_labels[j]}</span>"
                if sense else "")
        self.heading.setText(f"<h3>{r.ids[k]} {r.names[k]}</h3>Goal {goal[0]} {goal[1]} · unit {unit or '–'} · "
                             f"<b>{direction}</b> · weight {r.weight[k]:g} · {status}{said}")
        self.scenario.setPen(charts.pen(color, 3))
        percent = str(unit or "").strip() == "%"
        self.axis.label = lambda v, step: tick_label(v, step, percent)
        if k != getattr(self, "_axis_kpi", None):
            self._axis_kpi, self.axis.range = k, None
        self.axis.fit(r.baseline[k], r.scenario[k], r.low[k], r.high[k], r.target[k])
        self.baseline.setData(X, r.baseline[k], connect="finite")
        self.scenario.setData(X, r.scenario[k], connect="finite")
        self.low.setData(X, r.low[k], connect="finite")
        self.high.setData(X, r.high[k], connect="finite")
        ok = ~np.isnan(r.target[k])
        self.target.setData(X[ok], r.target[k][ok])
        met = [("met" if m else "missed") if h else fmt.DASH for m, h in zip(r.met[k], r.has_target[k])]
        rows = [(name, *[fmt.kpi_value(v) for v in arr]) for name, arr in
                (("Baseline", r.baseline[k]), ("Scenario", r.scenario[k]), ("Low", r.low[k]), ("High", r.high[k]),
                 ("Target", r.target[k]))]
        rows.append(("Scenario meets target", *met))
        self.values.set_rows(rows)
        d = r.drivers
        t = self.session.year
        idx = np.flatnonzero(np.asarray(d.kpi_index) == k)
        rows, tips = [], []
        for j in idx:
            contribution = float(r.baseline[k, t] * d.effect[j, t])
            rows.append((d.departments[j], d.programs[j] or "(whole department)", float(d.x[j, t]),
                         *[float(v) for v in d.effect[j]], contribution))
            tips.append(f"low {fmt.percent(d.effect_low[j, t], 2, True)}, high {fmt.percent(d.effect_high[j, t], 2, True)} "
                        f"in {results.year_labels[t]}")
        if len(idx):
            total = d.effect[idx].sum(axis=0)
            rows.append(("Total", "", float("nan"), *[float(v) for v in total], float(r.baseline[k, t] * total[t])))
            tips.append("K = baseline × (1 + Σ e), then clamped to the KPI's minimum and maximum")
        self.drivers.set_rows(rows, tooltips=tips)

"""The pane beside the requests list: the selected request's projected effect on the current
scenario (KPI change by year and cost per unit-year, the KPI's chart with and without it, each
fund's expenditure, balance and structural balance, and the policy findings it adds or clears)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableView, QVBoxLayout, QWidget

from kcplanner.requests import RequestEffect

from ..common import access, charts, fmt
from ..common.charts import X
from ..common import table_copy
from ..common.models import TableModel
from .text import esc_html, format_delta, name_key


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
                                    [None] + [format_delta] * 5 + [_cpu_text], [False] + [True] * 6, self)
        self.kpi_table = self._table(self.kpi_model, fixed=[72] + [64] * 5 + [96])
        self.kpi_table.setToolTip("Change in each KPI the request moves (with − without), by plan year; "
                                  "cost per unit-year = five-year cost ÷ the sum of the yearly improvements")
        self.kpi_table.selectionModel().currentRowChanged.connect(lambda cur, _p: self._plot_kpi(cur.row()))
        self.fund_model = TableModel(["Fund", "Measure"] + [f"Y{i + 1}" for i in range(5)],
                                     [None, None] + [_signed_compact] * 5, [False, False] + [True] * 5, self)
        self.fund_table = self._table(self.fund_model, fixed=[128, 78] + [60] * 5)
        access.name(self.kpi_table, "KPI change by year")
        access.name(self.fund_table, "Fund effect")
        self.fund_table.setToolTip("Change in each fund's figures when the request is funded (with − without)")
        self.plot_widget = access.chart(pg.PlotWidget(), "The KPI with and without the request",
                                        "The figures are in the KPI change table above")
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
        lay.addWidget(_wrapped("<b>KPI change by year</b> (with − without the request)"))
        lay.addWidget(self.kpi_table, 1)
        lay.addWidget(self.kpi_title)
        lay.addWidget(self.plot_widget, 3)
        lay.addWidget(_wrapped("<b>Fund effect</b> (with − without the request)"))
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
        table_copy.install(t, "request-effect")
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
            f"<b>{esc_html(e.request_id)} — {esc_html(e.title)}</b><br/>"
            f"{esc_html(e.request_type)}, {rec} · {esc_html(e.department)} / {esc_html(e.program)} · "
            f"{esc_html(e.fund)} · <i>{status}</i><br/>"
            f"Five-year cost <b>{fmt.money(e.total_cost)}</b> ({cost_years})<br/>"
            f"Plan score change by year: {score_text}")
        moved = e.moved_kpis()
        linked = next((i for i, k in enumerate(e.kpi_ids) if linked_kpi and name_key(k) == name_key(linked_kpi)), None)
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
                         + "; ".join(esc_html(m) for m in added[:2]) + (" …" if len(added) > 2 else ""))
        if cleared:
            notes.append(f"<span style='color:#1b7f3b'>{len(cleared)} policy finding(s) the request clears:</span> "
                         + "; ".join(esc_html(m) for m in cleared[:2]) + (" …" if len(cleared) > 2 else ""))
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
        unit = f" ({esc_html(self.units.get(e.kpi_ids[i], ''))})" if self.units.get(e.kpi_ids[i]) else ""
        self.kpi_title.setText(f"<b>{esc_html(e.kpi_ids[i])}</b> {esc_html(e.kpi_names[i])}{unit} · "
                               f"{'higher' if e.kpi_direction[i] > 0 else 'lower'} is better")


def finding_changes(with_r, without_r) -> tuple[list[str], list[str]]:
    """(findings only with the request, findings only without it), matched by fund, year and kind."""
    key = lambda f: (f.fund, f.year, f.kind)  # noqa: E731
    w = {key(f) for f in with_r.findings}
    o = {key(f) for f in without_r.findings}
    return ([f.message for f in with_r.findings if key(f) not in o],
            [f.message for f in without_r.findings if key(f) not in w])


__all__ = ["EffectPane", "finding_changes"]


def _wrapped(text: str) -> QLabel:
    """A heading that wraps: the window fits beside Excel (docs/ui.md)."""
    label = QLabel(text)
    label.setWordWrap(True)
    return label

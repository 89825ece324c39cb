"""Overview: headline cards for the selected year, total spending and plan score by year, and
the policy findings."""

from __future__ import annotations

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QListWidget, QVBoxLayout, QWidget

from kcplanner.city import city_name
from kcplanner.engine.fund_data import MISSING_TEXT

from ..common import access, charts, fmt, meaning
from ..common.charts import X
from ..common.deferred import UpdatesWhenShown


class Card(QFrame):
    def __init__(self, title: str, tooltip: str, parent=None):
        super().__init__(parent)
        self.setObjectName("card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#card { background: #f7f9fc; border: 1px solid #d0d7e2; border-radius: 6px; }")
        self.setToolTip(tooltip)
        self.title = QLabel(title)
        self.title.setStyleSheet("color: #4a5868; font-size: 10pt;")
        self.value = QLabel("–")
        self.value.setStyleSheet("font-size: 20pt; font-weight: 600; color: #1f3b5a;")
        self.note = QLabel("")
        self.note.setStyleSheet("color: #4a5868; font-size: 9pt;")
        self.note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.value)
        lay.addWidget(self.note)
        lay.addStretch(1)

    def set(self, value: str, note: str = "", color: str = "#1f3b5a") -> None:
        self.value.setText(value)
        self.value.setStyleSheet(f"font-size: 20pt; font-weight: 600; color: {color};")
        self.note.setText(note)


SPEND_TITLE = "Total expenditure, all funds"
SCORE_TITLE = "Plan score (share of KPI targets met, weighted)"
CITY_ORIGIN = {"settings": "the plan's Settings (City)", "mapping": "the import mapping",
               "file": "the budget file's name (the plan's Settings give no City)"}
NEUTRAL, BAD, GOOD = "#1f3b5a", "#c0392b", "#1b7f3b"
MUTED = "#6b7785"


def missing_data_text(names: list[str], checked) -> str:
    """One line for every fund without revenue data (Overview and Funds)."""
    missing = [n for n, c in zip(names, checked) if not c]
    if len(missing) == len(names):
        return (f"No fund has revenue data, so there are no balances, reserves or structural figures: "
                f"{MISSING_TEXT}.")
    shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
    return (f"{len(missing)} of {len(names)} funds have no revenue data and are not checked ({shown}): "
            f"{MISSING_TEXT}.")


def _fund_card(card, hits: list[str], clear: str, checked) -> None:
    """A fund-check card: red with the funds that fail; green only when every fund was checked."""
    n, k = len(checked), int(checked.sum())
    if k == 0:
        card.set(fmt.DASH, f"no fund has revenue data: {MISSING_TEXT}", MUTED)
    elif hits:
        card.set(f"{len(hits)} of {k}", ", ".join(hits) + ("" if k == n else f" ({n - k} not checked)"), BAD)
    elif k < n:
        card.set(f"0 of {k}", f"every checked fund {clear}; {n - k} fund(s) without revenue data not checked",
                 NEUTRAL)
    else:
        card.set(f"0 of {n}", f"every fund {clear}", GOOD)


class OverviewPanel(UpdatesWhenShown, QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 13pt;")
        self.heading.setWordWrap(True)  # the window fits beside Excel (docs/ui.md)
        self.total = Card("Total budget", "Scenario expenditure of every fund in the selected year (requests included)")
        self.change = Card("Change vs baseline", "Scenario − baseline expenditure in the selected year")
        self.below = Card("Funds below reserve floor", "Funds whose reserve ratio falls below their policy floor")
        self.deficits = Card("Structural deficits", "Funds whose recurring expenditure exceeds recurring revenue")
        self.score = Card("Plan score", "Weighted share of KPIs that meet their target in the selected year")
        cards = QHBoxLayout()
        for c in (self.total, self.change, self.below, self.deficits, self.score):
            cards.addWidget(c, 1)
        self.graphics = access.chart(pg.GraphicsLayoutWidget(), "Total expenditure and plan score by year",
                                     "Baseline and scenario for each plan year; the figures are in the cards above")
        self.spend_plot = self.graphics.addPlot(title=SPEND_TITLE)
        self.score_plot = self.graphics.addPlot(title=SCORE_TITLE)
        for p in (self.spend_plot, self.score_plot):
            charts.static_plot(p)
            p.getAxis("left").setWidth(64)
            p.addLegend(offset=(5, 5))
        # round major ticks only, set when they change; dollars in the neutral colour (a change of
        # spending is neither better nor worse), the plan score judged against the baseline's
        self.spend_axis = charts.RoundAxis(self.spend_plot, charts.money_tick)
        self.spend_base = self.spend_plot.plot(pen=charts.pen(charts.GREY, 2, Qt.PenStyle.DotLine), name="baseline")
        self.spend_scen = self.spend_plot.plot(pen=charts.pen(meaning.NEUTRAL_HEX, 2.5), symbol="o", symbolSize=6,
                                               symbolBrush=meaning.NEUTRAL_HEX, name="scenario")
        self.score_base = pg.BarGraphItem(x=X - 0.18, height=np.zeros(5), width=0.34, brush=pg.mkBrush("#c8c8c8"),
                                          name="baseline")
        self.score_scen = pg.BarGraphItem(x=X + 0.18, height=np.zeros(5), width=0.34,
                                          brush=pg.mkBrush(meaning.NEUTRAL_HEX),
                                          name="scenario (blue ▲ better, orange ▼ worse than the baseline)")
        self.score_plot.addItem(self.score_base)
        self.score_plot.addItem(self.score_scen)
        self.score_plot.enableAutoRange(y=False)
        self.score_plot.setYRange(0, 1.12, padding=0)
        self.score_plot.getAxis("left").setTicks([[(v, fmt.percent(v, 0)) for v in (0.0, 0.25, 0.5, 0.75, 1.0)], []])
        self.score_labels = []  # the values on the bars: text items created once, given new text
        label_font = QFont(self.font())
        label_font.setPointSizeF(7.5)
        for dx in (-0.18, 0.18):
            row = []
            for i in range(5):
                item = pg.TextItem("", color="#555555" if dx < 0 else meaning.NEUTRAL_HEX, anchor=(0.5, 1.0))
                item.setFont(label_font)
                item.setPos(i + dx, 0)
                self.score_plot.addItem(item)
                row.append(item)
            self.score_labels.append(row)
        self.findings = QListWidget()
        self.findings.setWordWrap(True)
        self.findings.setToolTip("Policy findings of the scenario")
        self.messages = QLabel()
        self.messages.setWordWrap(True)
        self.messages.setStyleSheet("color: #a05a00;")
        grid = QGridLayout(self)
        grid.addWidget(self.heading, 0, 0)
        grid.addLayout(cards, 1, 0)
        grid.addWidget(self.graphics, 2, 0)
        grid.addWidget(access.label_for("<b>Policy findings</b>", self.findings), 3, 0)
        grid.addWidget(self.findings, 4, 0)
        grid.addWidget(self.messages, 5, 0)
        grid.setRowStretch(2, 3)
        grid.setRowStretch(4, 2)
        session.datasetChanged.connect(self._dataset_changed)
        session.resultsChanged.connect(self.set_results)
        session.yearChanged.connect(lambda _y: self.set_results(self.session.results))

    def _dataset_changed(self) -> None:
        P = self.session.prepared
        if P is not None:
            for p in (self.spend_plot, self.score_plot):
                charts.set_year_ticks(p, P.year_labels)

    def _update(self, results) -> None:
        t = self.session.year
        base = self.session.baseline
        f = results.funds
        label = results.year_labels[t]
        city, origin = city_name(self.session.dataset, self.session.mappings)
        src = self.session.prepared.baseline_source
        self.heading.setText(f"<b>{escape(city or 'City not named')}</b> — scenario <b>{escape(results.scenario.name)}"
                             f"</b>, {label} <span style='color:#4a5868; font-size: 10pt;'>· baseline: "
                             f"{escape(src.describe())}</span>")
        self.heading.setToolTip(src.detail + (f"\nCity name from {CITY_ORIGIN[origin]}." if origin else ""))
        total = f.expenditure[:, t].sum()
        btotal = base.funds.expenditure[:, t].sum()
        self.total.set(fmt.compact_money(total), f"{fmt.money(total)} in {label}")
        d = total - btotal
        color = "#1f3b5a"  # a cut is not bad nor a rise good: the sign says which
        self.change.set(fmt.signed_money(d) if abs(d) < 1e5 else ("+" if d > 0 else "-") + fmt.compact_money(abs(d)),
                        f"{fmt.percent(d / btotal, 2, signed=True) if btotal else '–'} against the baseline "
                        f"{fmt.compact_money(btotal)}", color)
        checked = f.checked
        below = [n for i, n in enumerate(f.names) if f.status[i, t] == "below_floor"]
        deficit = [n for i, n in enumerate(f.names) if f.structural_deficit[i, t]]
        for card, hits, clear in ((self.below, below, "at or above its floor"),
                                  (self.deficits, deficit, "structurally balanced")):
            _fund_card(card, hits, clear, checked)
        s, s0 = results.kpis.score[t], base.kpis.score[t]
        note = f"baseline {fmt.percent(s0, 0)}" if np.isfinite(s0) else "no KPI targets this year"
        d_score = s - s0 if np.isfinite(s) and np.isfinite(s0) else float("nan")
        mark = meaning.marker(d_score)
        self.score.set(f"{fmt.percent(s, 0)} {mark}".strip(), note,
                       (meaning.color_of(d_score, lower_is_better=False) or meaning.NEUTRAL).name())
        self._draw_charts(base, results)
        label_t = results.plan_years[t]
        messages = [x.message for x in results.findings if x.year == label_t]
        if not checked.all():  # funds without revenue data: say what is missing, once
            messages.append(missing_data_text(f.names, checked))
        messages = messages or [f"No policy findings in {label}."]
        if messages != getattr(self, "_messages", None):  # rebuild the list only when it changes
            self._messages = messages
            self.findings.clear()
            self.findings.addItems(messages)
        msgs = results.messages
        self.messages.setText(("Scenario problems (skipped): " + "; ".join(msgs[:3]) +
                               (f" … and {len(msgs) - 3} more (see Rules)" if len(msgs) > 3 else "")) if msgs else "")

    def _draw_charts(self, base, results) -> None:
        """New data for the same chart items; the axis and its zero note only when they change."""
        spend_base = base.funds.expenditure.sum(axis=0)
        spend = results.funds.expenditure.sum(axis=0)
        new_base = base is not getattr(self, "_base_drawn", None)  # the baseline changes with the data only
        if new_base:
            self._base_drawn = base
            self.spend_base.setData(X, spend_base)
            self.score_base.setOpts(height=np.nan_to_num(base.kpis.score))
        self.spend_scen.setData(X, spend)
        if self.spend_axis.fit(spend_base, spend):
            lo = self.spend_axis.range[0]
            self.spend_plot.setTitle(SPEND_TITLE if self.spend_axis.starts_at_zero() else
                                     charts.zero_note(SPEND_TITLE, lo))
        s0, s1 = base.kpis.score, results.kpis.score
        senses = [meaning.judged(float(b - a), False) if np.isfinite(a) and np.isfinite(b) else 0
                  for a, b in zip(s0, s1)]
        self.score_scen.setOpts(height=np.nan_to_num(s1), brushes=[SCORE_BRUSH[x] for x in senses])
        for row, values in zip(self.score_labels, (s0, s1)):
            for i, (item, v) in enumerate(zip(row, values)):
                text = fmt.percent(v, 0) if np.isfinite(v) else ""
                if row is self.score_labels[1] and senses[i]:
                    text = f"{text} {meaning.marker(s1[i] - s0[i])}"
                if text != item.textItem.toPlainText():
                    item.setText(text, color=SCORE_TEXT[senses[i]] if row is self.score_labels[1] else "#555555")
                    item.setPos(item.pos().x(), float(np.nan_to_num(v)) + 0.01)


SCORE_BRUSH = {1: pg.mkBrush(meaning.BETTER_HEX), -1: pg.mkBrush(meaning.WORSE_HEX), 0: pg.mkBrush("#8fa3b8")}
SCORE_TEXT = {1: meaning.BETTER_HEX, -1: meaning.WORSE_HEX, 0: "#333333"}

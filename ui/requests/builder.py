"""The justification builder: a form that walks a department manager through one request —
what it is, why it is needed, its cost by year and positions, the KPIs it moves and by how much,
and the alternatives considered — and saves a `JustificationNarrative`.

On the KPI step the projected effect (the engine with and without the request, from
kcplanner.requests.request_effect) sits beside the manager's own expectation, and a row is
highlighted when the two disagree (`compare_expectation`): of opposite sign, the model projects
no change where the manager expects one, or more than 25% apart (relative to the projection).

The narrative keeps the manager's expectation as text (`JustificationNarrative.expected_effects`
is "in words"); a number typed in the form is written first in a fixed form that
`parse_expectation` reads back when the form is opened again:

    "Expected change: +0.5 min by FY2030-31. Faster dispatch with two more crews."
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGridLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QListWidget, QPlainTextEdit, QPushButton,
                               QScrollArea, QStackedWidget, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from kcplanner.fiscal import parse_fiscal_year
from kcplanner.justification import JustificationNarrative
from kcplanner.requests import Request, RequestEffect

from ..common import access, fmt, table_copy
from .pdf_action import RequestPdfAction
from .text import format_delta, name_key

#: Projected and expected effects more than this far apart (relative to the projection) differ.
TOLERANCE = 0.25
STEPS = ["What", "Why", "Cost and positions", "KPIs and expected effect", "Alternatives", "Review"]
STATUS_STYLE = {
    "agree": "background:#e3f1e6; color:#1b5e20;",
    "differs": "background:#fdf0d5; color:#7a4b00;",
    "opposite": "background:#f9dedc; color:#8c1d18;",
    "no_projection": "background:#f9dedc; color:#8c1d18;",
    "none": "",
}
_EXPECT = re.compile(r"^\s*Expected change:\s*([+\-−]?[\d,]*\.?\d+(?:[eE][+\-]?\d+)?)\s*(?:\(([^)]*)\)\s*)?"
                     r"(?:by\s+(\S+?))?\s*\.(?:\s+(.*))?$", re.S)


# =============================================================================================
# Pure helpers (tested without widgets)
# =============================================================================================

def compare_expectation(projected: float, expected: float | None, tolerance: float = TOLERANCE) -> tuple[str, str]:
    """(status, message) comparing the projected KPI change with the manager's expected change.

    status: "none" (no expectation), "agree", "differs" (more than `tolerance` apart, relative to
    the projection), "opposite" (opposite signs), "no_projection" (the model projects no change)."""
    if expected is None or not math.isfinite(expected):
        return "none", ""
    p = float(projected) if projected is not None and math.isfinite(projected) else 0.0
    scale = max(abs(p), abs(expected), 1e-300)
    if abs(p) <= 1e-12 * scale:
        if abs(expected) <= 1e-12 * scale:
            return "agree", "Both expect no change."
        return "no_projection", "The model projects no change in this KPI; you expect one."
    if expected != 0 and (p > 0) != (expected > 0):
        return "opposite", "Opposite direction: the model projects the KPI moving the other way."
    if expected == 0:
        return "differs", "You expect no change; the model projects one."
    apart = abs(expected - p) / abs(p)
    if apart > tolerance:
        more = "above" if abs(expected) > abs(p) else "below"
        return "differs", f"Your expectation is {apart * 100:.0f}% {more} the projection."
    return "agree", f"Within {tolerance * 100:.0f}% of the projection."


def format_expectation(value: float | None, unit: str = "", year_label: str = "", words: str = "") -> str:
    """The expectation as the narrative's text (see the module docstring)."""
    words = " ".join(str(words or "").split())
    if value is None or not math.isfinite(value):
        return words
    num = f"{value:+.12g}"
    text = f"Expected change: {num}"
    if unit:
        text += f" ({unit.replace('(', '[').replace(')', ']')})"
    if year_label:
        text += f" by {year_label}"
    text += "."
    return f"{text} {words}".strip()


def parse_expectation(text: str) -> tuple[float | None, int | None, str]:
    """(expected change, fiscal year, words) from a narrative's expected-effect text; a text not in
    the form gives (None, None, text)."""
    m = _EXPECT.match(text or "")
    if not m:
        return None, None, (text or "").strip()
    try:
        value = float(m.group(1).replace(",", "").replace("−", "-"))
    except ValueError:
        return None, None, (text or "").strip()
    year = parse_fiscal_year(m.group(3)) if m.group(3) else None
    return value, year, (m.group(4) or "").strip()


@dataclass
class KpiExpectation:
    kpi_id: str
    value: float | None
    year: int | None
    words: str


# =============================================================================================
# The dialog
# =============================================================================================

class _KpiRow:
    def __init__(self, index: int, kpi_id: str, name: str, unit: str, direction: float, linked: bool):
        self.index = index
        self.kpi_id = kpi_id
        self.name = name
        self.unit = unit
        self.direction = direction
        self.linked = linked
        self.projected = QLabel()
        self.expected = QLineEdit()
        self.year = QComboBox()
        self.words = QLineEdit()
        self.status = QLabel()


class JustificationBuilder(QDialog):
    """The form.  `narrative()` is what it saves; `flags()` lists the KPIs whose expectation
    differs from the projection."""

    changed = Signal()

    def __init__(self, request: Request, effect: RequestEffect, narrative: JustificationNarrative | None = None,
                 prepared=None, parent=None, scenario=None):
        super().__init__(parent)
        self.scenario = scenario  # None: the parent's session's current scenario (for the PDF)
        self.request = request
        self.effect = effect
        self.prepared = prepared
        self.setWindowTitle(f"Justification — {request.request_id} {request.title}")
        self.locale = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
        units = dict(zip(prepared.kpi_ids, prepared.kpi_units)) if prepared is not None else {}
        self.units = units
        given = narrative or JustificationNarrative(what=request.title, why=request.justification)

        self.flag_label = QLabel()
        self.flag_label.setWordWrap(True)
        self.flag_label.setTextFormat(Qt.TextFormat.RichText)
        self.steps = access.name(QListWidget(), "Steps")
        for i, s in enumerate(STEPS):
            self.steps.addItem(f"{i + 1}. {s}")
        self.steps.setFixedWidth(180)
        self.stack = QStackedWidget()
        self.steps.currentRowChanged.connect(self._go)

        # 1 what
        self.what = QPlainTextEdit(given.what)
        self.what.setPlaceholderText("What the request buys: the service, the people, the equipment.")
        self.stack.addWidget(self._page("What is requested?", self._request_summary(), self.what))
        # 2 why
        self.why = QPlainTextEdit(given.why)
        self.why.setPlaceholderText("Why it is needed now: the problem, who it serves, what happens without it.")
        self.stack.addWidget(self._page("Why is it needed?", None, self.why))
        # 3 cost and positions
        self.stack.addWidget(self._page("Cost by year and positions", None, self._cost_widget()))
        # 4 KPIs
        self.kpi_rows: list[_KpiRow] = []
        self.kpi_grid = QGridLayout()
        self.kpi_grid.setColumnStretch(4, 1)
        self.kpi_grid.setVerticalSpacing(4)
        self.kpi_grid.setHorizontalSpacing(8)
        for c, h in enumerate(["KPI", "Projected change", "Your expected change", "By", "Check"]):
            lab = QLabel(f"<b>{h}</b>")
            self.kpi_grid.addWidget(lab, 0, c)
        self.add_kpi = access.name(QComboBox(), "Add a KPI")
        self.add_kpi.addItem("Add a KPI…", None)
        for i, (k, n) in enumerate(zip(effect.kpi_ids, effect.kpi_names)):
            self.add_kpi.addItem(f"{k} — {n}"[:70], i)
        self.add_kpi.activated.connect(self._add_kpi_chosen)
        kpi_page = QWidget()
        kl = QVBoxLayout(kpi_page)
        kl.setContentsMargins(0, 0, 0, 0)
        grid_host = QWidget()
        grid_host.setLayout(self.kpi_grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        kl.addWidget(QLabel("The projected change is the engine with the request minus without it, on the current "
                            "scenario. Type the change you expect (in the KPI's unit); a row is highlighted when "
                            f"the two are of opposite sign or more than {TOLERANCE * 100:.0f}% apart."))
        kl.itemAt(0).widget().setWordWrap(True)
        kl.addWidget(scroll, 1)
        row = QHBoxLayout()
        row.addWidget(self.add_kpi)
        row.addStretch(1)
        kl.addLayout(row)
        self.stack.addWidget(self._page("Which KPIs move, and by how much?", None, kpi_page))
        # 5 alternatives
        self.alternatives = QPlainTextEdit(given.alternatives)
        self.alternatives.setPlaceholderText("Other ways considered (a smaller request, a contract, a one-time "
                                             "purchase, doing nothing) and why this one was chosen.")
        self.stack.addWidget(self._page("Alternatives considered", None, self.alternatives))
        # 6 review
        self.review = QLabel()
        self.review.setWordWrap(True)
        self.review.setTextFormat(Qt.TextFormat.RichText)
        self.review.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        review_scroll = QScrollArea()
        review_scroll.setWidgetResizable(True)
        review_scroll.setWidget(self.review)
        self.stack.addWidget(self._page("Review", None, review_scroll))

        # KPI rows: the named KPI, the ones the request moves, the ones the narrative mentions
        expectations = {name_key(k): v for k, v in given.expected_effects}
        order: list[int] = []
        for i, k in enumerate(effect.kpi_ids):
            if request.kpi_id and name_key(k) == name_key(request.kpi_id):
                order.append(i)
        order += [i for i in effect.moved_kpis() if i not in order]
        order += [i for i, k in enumerate(effect.kpi_ids) if name_key(k) in expectations and i not in order]
        for i in order:
            self._add_row(i, expectations.get(name_key(effect.kpi_ids[i]), ""))
        if not order:
            self.no_kpi = QLabel("The request moves no KPI in the model. Add the KPI you expect it to move.")
            self.kpi_grid.addWidget(self.no_kpi, 1, 0, 1, 5)

        self.back = QPushButton("< Back")
        self.next = QPushButton("Next >")
        self.back.clicked.connect(lambda: self.steps.setCurrentRow(max(0, self.steps.currentRow() - 1)))
        self.next.clicked.connect(lambda: self.steps.setCurrentRow(min(len(STEPS) - 1, self.steps.currentRow() + 1)))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.pdf = RequestPdfAction(self)  # "PDF for this request…" (ui.requests.pdf_action)
        bottom = QHBoxLayout()
        bottom.addWidget(self.flag_label, 1)
        bottom.addWidget(self.pdf.status)
        bottom.addWidget(self.pdf.button)
        bottom.addWidget(self.back)
        bottom.addWidget(self.next)
        bottom.addWidget(self.buttons)
        body = QHBoxLayout()
        body.addWidget(self.steps)
        body.addWidget(self.stack, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(body, 1)
        lay.addLayout(bottom)
        self.steps.setCurrentRow(0)
        self.resize(1060, 600)
        self._refresh_flags()

    # -- pages ------------------------------------------------------------------------------------
    def _page(self, title: str, above: QWidget | None, body: QWidget) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(8, 0, 0, 0)
        lay.addWidget(access.label_for(f"<h3>{html.escape(title)}</h3>", body))  # names the page's field
        if above is not None:
            lay.addWidget(above)
        lay.addWidget(body, 1)
        return w

    def _request_summary(self) -> QLabel:
        r = self.request
        lab = QLabel(f"<b>{html.escape(r.request_id)}</b> · {html.escape(r.type)} · {html.escape(r.department)} / "
                     f"{html.escape(r.program)} · {html.escape(r.fund)} · "
                     f"{'recurring' if r.recurring else 'one-time'} · five-year cost "
                     f"{fmt.money(self.effect.total_cost)}")
        lab.setWordWrap(True)
        return lab

    def _cost_widget(self) -> QWidget:
        e, r = self.effect, self.request
        table = access.name(QTableWidget(4, len(e.plan_years) + 1), "Cost by year")
        table.setHorizontalHeaderLabels(list(e.year_labels) + ["Five years"])
        table.setVerticalHeaderLabels(["Cost as requested", "Net budget effect", "Fund expenditure change",
                                       "Structural balance change"])
        entered = [r.cost(y) for y in e.plan_years]
        f = next((i for i, n in enumerate(e.fund_names) if name_key(n) == name_key(e.fund)), None)
        exp = e.expenditure_delta[f] if f is not None else np.zeros(len(e.plan_years))
        struct = e.structural_delta[f] if f is not None else np.zeros(len(e.plan_years))
        rows = [entered, list(e.cost), list(exp), list(struct)]
        for i, vals in enumerate(rows):
            for t, v in enumerate(list(vals) + [float(np.sum(vals))]):
                it = QTableWidgetItem(fmt.money(v))
                it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                it.setFlags(Qt.ItemFlag.ItemIsEnabled)
                table.setItem(i, t, it)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.resizeRowsToContents()
        table_copy.install(table, "justification-cost")
        table.setFixedHeight(table.horizontalHeader().sizeHint().height()
                             + sum(table.rowHeight(i) for i in range(table.rowCount())) + 2 * table.frameWidth() + 2)
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(table)
        form = QFormLayout()
        form.addRow("Positions (FTE)", QLabel(fmt.number(r.fte, 2) if r.fte else "none"))
        form.addRow("Recurring", QLabel("yes: the cost continues every year and counts in structural balance"
                                        if r.recurring else "no: a one-time cost"))
        form.addRow("Account class", QLabel(r.account_class))
        lay.addLayout(form)
        note = QLabel("Change the costs or positions in the request itself (Requests > Edit request); "
                      "the figures here follow.")
        note.setWordWrap(True)
        lay.addWidget(note)
        lay.addStretch(1)
        return w

    # -- KPI rows ---------------------------------------------------------------------------------
    def _add_row(self, i: int, text: str = "") -> _KpiRow:
        e = self.effect
        if hasattr(self, "no_kpi"):
            self.no_kpi.hide()
        unit = self.units.get(e.kpi_ids[i], "")
        linked = bool(self.request.kpi_id) and name_key(e.kpi_ids[i]) == name_key(self.request.kpi_id)
        row = _KpiRow(i, e.kpi_ids[i], e.kpi_names[i], unit, float(e.kpi_direction[i]), linked)
        value, year, words = parse_expectation(text)
        v = QDoubleValidator(row.expected)
        v.setLocale(self.locale)
        v.setNotation(QDoubleValidator.Notation.StandardNotation)
        row.expected.setValidator(v)
        row.expected.setPlaceholderText(f"e.g. {'+' if row.direction > 0 else '-'}5 {unit}".strip())
        row.expected.setMaximumWidth(110)
        if value is not None:
            row.expected.setText(f"{value:g}")
        for t, lab in enumerate(e.year_labels):
            row.year.addItem(lab, e.plan_years[t])
        if year in e.plan_years:
            t = e.plan_years.index(year)
        else:  # the year the request moves the KPI most (the last one when it moves nothing)
            d = np.abs(np.nan_to_num(e.kpi_delta[i]))
            t = int(np.argmax(d)) if d.max() > 0 else len(e.plan_years) - 1
        row.year.setCurrentIndex(t)
        row.words.setText(words)
        for w, what in ((row.expected, "your expected change"), (row.year, "by"), (row.words, "in words")):
            access.name(w, f"{row.kpi_id}: {what}")
        row.words.setPlaceholderText("The effect you expect, in words (goes into the justification)")
        row.status.setWordWrap(True)
        row.status.setMinimumWidth(170)
        row.projected.setWordWrap(True)
        row.projected.setMaximumWidth(150)
        name = QLabel(f"<b>{html.escape(row.kpi_id)}</b> {html.escape(row.name)}"
                      f"{' (' + html.escape(unit) + ')' if unit else ''}<br/><small>"
                      f"{'higher' if row.direction > 0 else 'lower'} is better"
                      f"{' · the KPI the request names' if linked else ''}</small>")
        name.setWordWrap(True)
        name.setMinimumWidth(200)
        name.setMaximumWidth(260)
        r = 2 * len(self.kpi_rows) + 1
        self.kpi_grid.addWidget(name, r, 0, 2, 1, Qt.AlignmentFlag.AlignTop)
        self.kpi_grid.addWidget(row.projected, r, 1)
        self.kpi_grid.addWidget(row.expected, r, 2)
        self.kpi_grid.addWidget(row.year, r, 3)
        self.kpi_grid.addWidget(row.status, r, 4)
        self.kpi_grid.addWidget(row.words, r + 1, 1, 1, 4)
        for k in range(r + 2):
            self.kpi_grid.setRowStretch(k, 0)
        self.kpi_grid.setRowStretch(r + 2, 1)
        row.expected.textChanged.connect(self._refresh_flags)
        row.year.currentIndexChanged.connect(self._refresh_flags)
        self.kpi_rows.append(row)
        self._refresh_flags()
        return row

    def _add_kpi_chosen(self, combo_index: int) -> None:
        i = self.add_kpi.itemData(combo_index)
        self.add_kpi.setCurrentIndex(0)
        if i is None or any(r.index == i for r in self.kpi_rows):
            return
        self._add_row(int(i))

    def add_kpi_row(self, kpi_id: str) -> _KpiRow | None:
        for i, k in enumerate(self.effect.kpi_ids):
            if name_key(k) == name_key(kpi_id):
                existing = next((r for r in self.kpi_rows if r.index == i), None)
                return existing or self._add_row(i)
        return None

    def row_for(self, kpi_id: str) -> _KpiRow | None:
        return next((r for r in self.kpi_rows if name_key(r.kpi_id) == name_key(kpi_id)), None)

    def projected(self, row: _KpiRow) -> float:
        t = max(0, row.year.currentIndex())
        return float(self.effect.kpi_delta[row.index, t])

    @staticmethod
    def expected_value(row: _KpiRow) -> float | None:
        text = row.expected.text().strip().replace(",", "").replace("−", "-")
        if not text:
            return None
        try:
            v = float(text)
        except ValueError:
            return None
        return v if math.isfinite(v) else None

    def _refresh_flags(self, *args) -> None:
        flagged = []
        for row in self.kpi_rows:
            p = self.projected(row)
            unit = f" {row.unit}" if row.unit else ""
            row.projected.setText(f"{format_delta(p)}{unit}")
            row.projected.setToolTip("Projected with − without the request in " + row.year.currentText())
            status, message = compare_expectation(p, self.expected_value(row))
            row.status.setText(message)
            row.status.setStyleSheet(STATUS_STYLE[status] + " padding:2px 4px; border-radius:3px;")
            row.expected.setStyleSheet("" if status in ("none", "agree") else
                                       "border: 2px solid " + ("#b3261e" if status in ("opposite", "no_projection")
                                                               else "#d68910") + ";")
            row.status_code = status
            if status not in ("none", "agree"):
                flagged.append(f"{row.kpi_id}: {message}")
        self.flag_label.setText(("<span style='color:#8c1d18'>⚠ " + html.escape(" · ".join(flagged)) + "</span>")
                                if flagged else "")
        self.changed.emit()

    def flags(self) -> list[tuple[str, str, str]]:
        """(KPI ID, status, message) of every KPI whose expectation differs from the projection."""
        return [(r.kpi_id, r.status_code, r.status.text()) for r in self.kpi_rows
                if getattr(r, "status_code", "none") not in ("none", "agree")]

    # -- navigation and result ----------------------------------------------------------------------
    def _go(self, step: int) -> None:
        if step < 0:
            return
        if STEPS[step] == "Review":
            self._fill_review()
        self.stack.setCurrentIndex(step)
        self.back.setEnabled(step > 0)
        self.next.setEnabled(step < len(STEPS) - 1)
        # Enter goes to the next step; only on the last (Review) does it save (a wizard's way)
        self.next.setDefault(step < len(STEPS) - 1)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setDefault(step == len(STEPS) - 1)

    def _fill_review(self) -> None:
        n = self.narrative()
        parts = [f"<h4>What</h4><p>{_para(n.what)}</p>", f"<h4>Why</h4><p>{_para(n.why)}</p>",
                 f"<h4>Cost</h4><p>{fmt.money(self.effect.total_cost)} over five years · "
                 f"{fmt.number(self.request.fte, 2) if self.request.fte else 'no'} FTE</p>",
                 "<h4>Expected effect</h4><ul>"]
        for row in self.kpi_rows:
            exp = self.expected_value(row)
            words = row.words.text().strip()
            status = getattr(row, "status_code", "none")
            mark = "" if status in ("none", "agree") else " <b style='color:#8c1d18'>⚠ differs</b>"
            parts.append(f"<li><b>{html.escape(row.kpi_id)}</b> {html.escape(row.name)}: projected "
                         f"{format_delta(self.projected(row))} by {html.escape(row.year.currentText())}"
                         + (f"; expected {format_delta(exp)}" if exp is not None else "")
                         + (f" — {html.escape(words)}" if words else "") + f"{mark}</li>")
        parts.append("</ul>")
        parts.append(f"<h4>Alternatives considered</h4><p>{_para(n.alternatives)}</p>")
        self.review.setText("".join(parts))

    def narrative(self) -> JustificationNarrative:
        effects = []
        for row in self.kpi_rows:
            text = format_expectation(self.expected_value(row), row.unit, row.year.currentText(), row.words.text())
            if text:
                effects.append((row.kpi_id, text))
        return JustificationNarrative(what=self.what.toPlainText().strip(), why=self.why.toPlainText().strip(),
                                      alternatives=self.alternatives.toPlainText().strip(),
                                      expected_effects=tuple(effects))

    def expectations(self) -> list[KpiExpectation]:
        return [KpiExpectation(r.kpi_id, self.expected_value(r), r.year.currentData(), r.words.text().strip())
                for r in self.kpi_rows]


def _para(text: str) -> str:
    return html.escape(text or "—").replace("\n", "<br/>")


__all__ = ["JustificationBuilder", "compare_expectation", "format_expectation", "parse_expectation", "TOLERANCE",
           "KpiExpectation"]

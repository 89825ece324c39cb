"""The Evidence tab's tables: the KPI review (every KPI, SPEC's figures and the recommendation) and
the figures of one KPI's drivers.  Raw values sit under SORT_ROLE (numbers sort as numbers) and
`rows_as_tsv` copies them unformatted, headers first.

- `review_rows(ev)`: the KPI review's rows (`REVIEW_HEADERS`), one per KPI in the KPIs sheet's order.
- `ReviewFilter`: a text filter over ID, name and reasons, and a recommendation filter ("consider
  merging with K05" counts as "consider merging").
- `driver_rows(ev, kpi, scenario)`: a KPI's drivers: n, estimate, interval, p, R², entered, pooled, the
  value in effect in the scenario, and the flags in words.
"""

from __future__ import annotations

import math

import pandas as pd
from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush

from ..common import fmt
from ..common.models import AMBER, GREEN, SORT_ROLE, TableModel
from .choices import in_effect

REVIEW_HEADERS = ["KPI ID", "KPI", "Goal", "Years", "Completeness", "Volatility", "Attainment", "Responsive",
                  "Redundant with", "Recommendation", "Reasons"]
REVIEW_TIPS = {
    "Years": "How many fiscal years of history the KPI has",
    "Completeness": "Years with a value ÷ years from its first to its last",
    "Volatility": "Standard deviation of its yearly log changes (≈ the typical yearly change)",
    "Attainment": "Share of the past years with a target in which the KPI met it",
    "Responsive": "Yes: some driver's 80% interval excludes no effect; No: every estimated driver's includes it",
    "Redundant with": "KPIs whose yearly changes correlate with this one's (|r| ≥ 0.9 over ≥ 5 years)",
}
MERGE = "consider merging"
RECOMMENDATION_COLOR = {"keep": GREEN}

DRIVER_HEADERS = ["Spending", "Lag", "n", "Estimate", "80% interval", "p", "R²", "Entered", "Pooled", "In effect",
                  "Flags"]
FLAG_WORDS = {"not enough history": "not enough history", "no evidence": "no evidence (interval includes 0)",
              "entered outside interval": "entered value outside the interval",
              "drivers move together": "drivers' spending moved together"}


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _num(v):
    return None if _missing(v) else float(v)


def _yes_no(v) -> str:
    return fmt.DASH if v is None else ("yes" if v else "no")


def _dash(f):
    return lambda v: fmt.DASH if _missing(v) else f(v)


def recommendation_kind(text: str) -> str:
    """"consider merging with K05" → "consider merging"; the others as they are."""
    return MERGE if str(text).startswith(MERGE) else str(text)


def review_rows(ev) -> list[tuple]:
    out = []
    for kid, r in ev.kpis.iterrows():
        red = r["redundant_with"] if isinstance(r["redundant_with"], list) else []
        responsive = None if _missing(r["responsive"]) else bool(r["responsive"])
        out.append((str(kid), r.get("name") or "", "" if _missing(r.get("goal_id")) else str(r["goal_id"]),
                    int(r["years"]), _num(r["completeness"]), _num(r["volatility"]), _num(r["attainment"]),
                    responsive, ", ".join(red), str(r["recommendation"]), str(r["reasons"] or "")))
    return out


def review_model(parent=None) -> TableModel:
    pct = _dash(lambda v: fmt.percent(v, 0))
    formats = [None, None, None, str, pct, _dash(lambda v: fmt.number(v, 3)), pct, _yes_no, None, None, None]
    numeric = [False, False, False, True, True, True, True, False, False, False, False]
    return ReviewModel(REVIEW_HEADERS, formats, numeric, parent)


class ReviewModel(TableModel):
    """The KPI review; the Recommendation column coloured ("keep" green, the others amber) and the
    reasons as the row's tooltip."""

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role == SORT_ROLE and self.rows[index.row()][index.column()] is None:
            return -math.inf
        if index.isValid() and role == Qt.ItemDataRole.ForegroundRole:
            if index.column() != REVIEW_HEADERS.index("Recommendation"):
                return None
            rec = self.rows[index.row()][index.column()]
            return QBrush(RECOMMENDATION_COLOR.get(rec, AMBER))
        if index.isValid() and role == Qt.ItemDataRole.ToolTipRole:
            row = self.rows[index.row()]
            return f"{row[9]}: {row[10]}" if row[10] else None
        return super().data(index, role)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 - Qt's name
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.headers):
            return REVIEW_TIPS.get(self.headers[section])
        return super().headerData(section, orientation, role)


class ReviewFilter(QSortFilterProxyModel):
    """Text (KPI ID, name, goal, reasons) and recommendation filters over the KPI review."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = ""
        self.recommendation: str | None = None
        self.setSortRole(SORT_ROLE)

    def set_filters(self, text: str, recommendation: str | None) -> None:
        self.beginFilterChange()
        self.text = " ".join(text.split()).casefold()
        self.recommendation = recommendation
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row, parent) -> bool:  # noqa: N802 - Qt's name
        values = self.sourceModel().rows[row]
        if self.recommendation and recommendation_kind(values[9]) != self.recommendation:
            return False
        if self.text:
            hay = " ".join(str(values[c]) for c in (0, 1, 2, 8, 9, 10)).casefold()
            return self.text in hay
        return True


def rows_as_tsv(model: TableModel, rows: list[int]) -> str:
    """The rows' raw values (numbers unformatted, blanks for none), headers first, tab-separated."""

    def cell(v) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if isinstance(v, float):
            return repr(v)
        return " ".join(str(v).split())

    lines = ["\t".join(model.headers)]
    lines += ["\t".join(cell(v) for v in model.rows[r]) for r in rows]
    return "\n".join(lines) + "\n"


# -- one KPI's drivers -------------------------------------------------------------------------------

def _interval(low, high) -> str:
    if _missing(low) or _missing(high):
        return fmt.DASH
    return f"{fmt.number(low, 3)} to {fmt.number(high, 3)}"


def driver_rows(ev, kpi_id: str, scenario) -> tuple[list[tuple], list[object], list[list[str]]]:
    """(rows, driver index labels, flags per row) of the KPI's drivers in the Drivers sheet's order."""
    d = ev.drivers
    mine = d[d["kpi"].map(lambda k: " ".join(str(k).split()).casefold()) == " ".join(kpi_id.split()).casefold()]
    rows, labels, flags = [], [], []
    for i, r in mine.iterrows():
        o = in_effect(scenario, r) if scenario is not None else None
        effect = (f"{fmt.number(o.elasticity, 3)} (estimated{', pooled' if o.pooled else ''})" if o is not None
                  else f"{fmt.number(r['entered'], 3)} (entered)")
        f = [FLAG_WORDS.get(x, x) for x in (r["flags"] or [])]
        rows.append((str(r["spending"]), int(r["lag"]), int(r["n"]), _num(r["estimate"]), (r["low"], r["high"]),
                     _num(r["p"]), _num(r["r2"]), _num(r["entered"]), _num(r["pooled"]), effect, "; ".join(f)))
        labels.append(i)
        flags.append(list(r["flags"] or []))
    return rows, labels, flags


def driver_model(parent=None) -> TableModel:
    num3 = _dash(lambda v: fmt.number(v, 3))
    formats = [None, str, str, num3, lambda v: _interval(*v), _dash(lambda v: fmt.number(v, 3)),
               _dash(lambda v: fmt.number(v, 2)), num3, num3, None, None]
    numeric = [False, True, True, True, True, True, True, True, True, False, False]
    return DriverModel(DRIVER_HEADERS, formats, numeric, parent)


class DriverModel(TableModel):
    """A KPI's drivers; the interval sorts by its low end; the flags column carries a warning icon
    (set by the panel through `decorations`) beside the words, never a colour alone."""

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role == SORT_ROLE and index.column() == 4:
            low = self.rows[index.row()][4][0]
            return -math.inf if _missing(low) else float(low)
        if index.isValid() and role == SORT_ROLE and self.rows[index.row()][index.column()] is None:
            return -math.inf
        if index.isValid() and role == Qt.ItemDataRole.DecorationRole:
            if index.column() != len(self.headers) - 1:
                return None
            return self.decorations[index.row()]
        return super().data(index, role)

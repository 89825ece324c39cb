"""The Review panel's tables: rows built from a kcplanner.review.Review, flags in words and colours.

- `flag_text` / `FLAG_COLOR`: "over budget" (red), "under-spent" (amber: a caution, not a fault),
  "revenue short" (red); "too early" in grey where the projection is the budget itself.
- `ReviewTableModel`: a `TableModel` whose flag (or "met") column is coloured, wherever it is.
- `ReviewFilter`: the proxy behind every table: a text filter over the name columns, a department,
  and "flagged only".
- `summary_rows`, `revenue_rows`, `kpi_rows`, `bought_rows`: the rows of each table.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from ..common import fmt
from ..common.models import AMBER, GREEN, RED, SORT_ROLE, TableModel, name_key

GREY = QColor("#6b6b6b")
FLAG_TEXT = {"over": "over budget", "under": "under-spent", "short": "revenue short"}
FLAG_COLOR = {"over": RED, "under": AMBER, "short": RED, "too early": GREY, "met": GREEN, "not met": RED}
FLAG_TIPS = {"over": "The year-end projection exceeds the budget by more than the overspend tolerance",
             "under": "The year-end projection falls short of the budget by more than the underspend tolerance: "
                      "money that may not be needed this year (or spending that is late)",
             "short": "Revenue is projected to fall short of its estimate by more than the revenue tolerance",
             "too early": "Less than 5% of the year is usually spent by now: the projection is the budget itself"}

VIEWS = ("department", "program", "fund")
#: the flag right after the names: the first thing read, and never scrolled out of sight
SUMMARY_HEADERS = ["Flag", "Budget", "Spent to date", "% spent", "% expected", "Projection", "Variance"]
HEADER_TIPS = {"% spent": "Spent to date ÷ budget",
               "% collected": "Collected to date ÷ estimate",
               "% expected": "The share of the year usually spent (collected) by the end of this period in the prior "
                             "years",
               "Projection": "Year-end projection: to date ÷ the share usually reached by now (the budget itself when "
                             "it is too early to tell)",
               "Variance": "Projection − budget",
               "Same period last year": "The KPI's value for the same period one year earlier"}


def flag_key(flag, too_early: bool = False) -> str | None:
    """The flag's key in FLAG_TEXT/FLAG_COLOR ("over", "under", "short", "too early") or None."""
    if isinstance(flag, str) and flag:
        return flag
    return "too early" if too_early else None


def flag_text(key: str | None) -> str:
    return "" if key is None else FLAG_TEXT.get(key, key)


def _pct(x) -> str:
    return fmt.percent(x, 1)


def _met_text(met) -> str:
    if met is None or (isinstance(met, float) and math.isnan(met)):
        return "–"
    return "met" if bool(met) else "not met"


class ReviewTableModel(TableModel):
    """A TableModel whose colour column is `color_column` (the flag), and whose `keys[r]` hold
    (department, flag key) for the filter."""

    def __init__(self, headers, formats, numeric, color_column: int, parent=None):
        super().__init__(headers, formats, numeric, parent)
        self.color_column = color_column
        self.keys: list[tuple[str, str | None]] = []

    def set_review_rows(self, rows, keys, tooltips=None) -> None:
        self.keys = list(keys)
        self.set_rows(rows, tooltips=tooltips, colors=[FLAG_COLOR.get(k) for _d, k in keys])

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 - Qt's name
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.headers):
            return HEADER_TIPS.get(self.headers[section])
        return super().headerData(section, orientation, role)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.ForegroundRole:
            if not index.isValid() or index.column() != self.color_column or index.row() >= len(self.colors):
                return None
            col = self.colors[index.row()]
            return QBrush(col) if col is not None else None
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid() and index.column() == self.color_column \
                and index.row() < len(self.keys):
            return FLAG_TIPS.get(self.keys[index.row()][1]) or super().data(index, role)
        return super().data(index, role)


class ReviewFilter(QSortFilterProxyModel):
    """Text (over the model's `text_columns`), department and "flagged only" filters; sorts raw values."""

    def __init__(self, text_columns=(0,), parent=None):
        super().__init__(parent)
        self.text_columns = tuple(text_columns)
        self.text = ""
        self.department: str | None = None
        self.flagged_only = False
        self.setSortRole(SORT_ROLE)

    def set_filters(self, text: str | None = None, department: str | None = "", flagged_only: bool | None = None):
        self.beginFilterChange()
        if text is not None:
            self.text = text.strip().casefold()
        if department != "":
            self.department = None if department is None else name_key(department)
        if flagged_only is not None:
            self.flagged_only = flagged_only
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row, parent):  # noqa: N802 - Qt's name
        m = self.sourceModel()
        department, flag = m.keys[row] if row < len(m.keys) else ("", None)
        if self.flagged_only and flag not in ("over", "under", "short", "not met"):
            return False
        if self.department is not None and department is not None and name_key(department) != self.department:
            return False
        if self.text:
            return any(self.text in str(m.rows[row][c]).casefold() for c in self.text_columns)
        return True


def summary_model(view: str) -> ReviewTableModel:
    names = {"department": ["Department"], "program": ["Department", "Program"], "fund": ["Fund"]}[view]
    n = len(names)
    return ReviewTableModel(names + SUMMARY_HEADERS,
                            [None] * n + [None, fmt.money, fmt.money, _pct, _pct, fmt.money, fmt.signed_money],
                            [False] * (n + 1) + [True] * 6, color_column=n)


def expected_to_date(r, keys: list[str]) -> pd.Series:
    """Σ share × budget of the spending groups by `keys`: what the prior years say would be spent by p."""
    s = r.spending
    if s.empty:
        return pd.Series(dtype=float)
    exp = (s["share"].to_numpy(dtype=float) * np.nan_to_num(s["budget"].to_numpy(dtype=float)))
    return pd.Series(exp).groupby([s[k].to_numpy() for k in keys], sort=False).sum()


def summary_rows(r, view: str):
    """(rows, keys) of the department / program / fund table."""
    if view == "fund":
        f = r.funds
        frame = pd.DataFrame({"budget": f["expenditure_budget"], "actual": f["expenditure_actual"],
                              "projection": f["expenditure_projection"], "variance": f["expenditure_variance"],
                              "flag": f["expenditure_flag"]}, index=f.index)
        frame = frame[frame["budget"].notna() | frame["actual"].notna()]
        names = [(str(i),) for i in frame.index]
        keys = ["fund"]
    else:
        frame = r.departments if view == "department" else r.programs
        names = [(str(i),) if view == "department" else (str(i[0]), str(i[1])) for i in frame.index]
        keys = ["department"] if view == "department" else ["department", "program"]
    expected = expected_to_date(r, keys)
    if len(expected) and len(frame):
        idx = pd.MultiIndex.from_tuples(names) if len(keys) > 1 else pd.Index([n[0] for n in names])
        ex = expected.reindex(idx).to_numpy(dtype=float)
    else:
        ex = np.full(len(frame), np.nan)
    budget = frame["budget"].to_numpy(dtype=float)
    actual = frame["actual"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        spent = np.where(budget != 0, actual / budget, np.nan)
        share = np.where(budget != 0, ex / budget, np.nan)
    flags = [flag_key(f) for f in frame["flag"].to_numpy(dtype=object)]
    rows = [name + (flag_text(k), float(b), float(a), float(s), float(e), float(p), float(v))
            for name, b, a, s, e, p, v, k in zip(names, budget, actual, spent, share,
                                                  frame["projection"].to_numpy(dtype=float),
                                                  frame["variance"].to_numpy(dtype=float), flags)]
    kinds = [(None if view == "fund" else name[0], k) for name, k in zip(names, flags)]
    return rows, kinds


def revenue_model() -> ReviewTableModel:
    return ReviewTableModel(["Fund", "Source", "Estimate", "Collected to date", "% collected", "% expected",
                             "Projection", "Variance", "Flag"],
                            [None, None, fmt.money, fmt.money, _pct, _pct, fmt.money, fmt.signed_money, None],
                            [False, False] + [True] * 6 + [False], color_column=8)


def revenue_rows(r):
    rows, keys = [], []
    for x in r.revenue.itertuples(index=False):
        key = flag_key(x.flag, bool(x.too_early))
        budget = float(x.budget)
        rows.append((str(x.fund), str(x.source), budget, float(x.actual), x.actual / budget if budget else np.nan,
                     float(x.share), float(x.projection), float(x.variance), flag_text(key)))
        keys.append((None, key))
    return rows, keys


def kpi_model() -> ReviewTableModel:
    return ReviewTableModel(["KPI", "Latest", "Period", "Target", "Same period last year", "Status"],
                            [None, fmt.kpi_value, None, fmt.kpi_value, fmt.kpi_value, None],
                            [False, True, False, True, True, False], color_column=5)


def kpi_names(dataset) -> dict[str, str]:
    k = dataset.plan.kpis
    if k.empty or "kpi_id" not in k:
        return {}
    names = k["name"] if "name" in k else [None] * len(k)
    return {str(i): (str(n) if isinstance(n, str) and n else str(i)) for i, n in zip(k["kpi_id"], names)}


def kpi_rows(r, dataset):
    names = kpi_names(dataset)
    rows, keys = [], []
    k = r.kpis
    for kid, latest, period, target, met, previous in zip(
            k.index, k["latest"].to_numpy(dtype=float), k["period"].to_numpy(dtype=object),
            k["target"].to_numpy(dtype=float), k["met"].to_numpy(dtype=object), k["previous"].to_numpy(dtype=float)):
        status = _met_text(met)
        rows.append((names.get(str(kid), str(kid)), float(latest), str(period or ""), float(target), float(previous),
                     status))
        keys.append((None, status if status != "–" else None))
    return rows, keys


def bought_model() -> ReviewTableModel:
    return ReviewTableModel(["Department", "Program", "Budget", "Spent to date", "Projection", "Spending",
                             "KPIs it drives: latest result"],
                            [None, None, fmt.money, fmt.money, fmt.money, None, None],
                            [False, False, True, True, True, False, False], color_column=5)


def kpi_status(r) -> dict[str, str]:
    """kpi_id → "81.5 (FY2027 Q2), target met" / "…, target not met" / "…, no target for FY2027"."""
    out = {}
    k = r.kpis
    for kid, latest, period, met in zip(k.index, k["latest"].to_numpy(dtype=float), k["period"].to_numpy(dtype=object),
                                        k["met"].to_numpy(dtype=object)):
        state = _met_text(met)
        tail = f"target {state}" if state != "–" else f"no target for FY{r.fiscal_year}"
        out[str(kid)] = f"{fmt.kpi_value(latest)} ({period}), {tail}"
    return out


def bought_rows(r, dataset):
    """For each reviewed program, its spending and the KPIs it drives (Drivers: a row without a
    program drives through every program of its department) with their latest result."""
    names = kpi_names(dataset)
    status = kpi_status(r)
    drivers = dataset.plan.drivers
    by_prog: dict[tuple[str, str], list[str]] = {}
    by_dept: dict[str, list[str]] = {}
    columns = [drivers[c] if c in drivers else [None] * len(drivers) for c in ("kpi_id", "department", "program")]
    for kid, dept, prog in zip(*columns):
        target = by_dept.setdefault(name_key(dept), []) if not isinstance(prog, str) or not prog \
            else by_prog.setdefault((name_key(dept), name_key(prog)), [])
        if str(kid) not in target:
            target.append(str(kid))
    rows, keys, tips = [], [], []
    pr = r.programs
    for (dept, prog), budget, actual, projection, flag in zip(
            pr.index, pr["budget"].to_numpy(dtype=float), pr["actual"].to_numpy(dtype=float),
            pr["projection"].to_numpy(dtype=float), pr["flag"].to_numpy(dtype=object)):
        own = by_prog.get((name_key(dept), name_key(prog)), [])
        kids = own + [k for k in by_dept.get(name_key(dept), []) if k not in own]
        key = flag_key(flag)
        lines = [f"{names.get(k, k)}: {status.get(k, 'no actuals yet')}" for k in kids]
        rows.append((str(dept), str(prog), float(budget), float(actual), float(projection),
                     flag_text(key) or "on track", "; ".join(lines) or "– (drives no KPI)"))
        keys.append((str(dept), key))
        tips.append("\n".join(lines) or None)
    return rows, keys, tips

"""The quarterly report's content as plain data, shared by the workbook and the PDF.

    data = report_data(review(dataset), dataset)

`ReportData` holds the citywide summary (sentences, the departments, funds, revenue and KPI
tables) and one `DepartmentPage` per department: its table by program and account class (each
reviewed group, then its program's total), its burn-up path, its KPIs (those of the department
and those its programs drive) and the flags explained in words (kcplanner.review.report_text).
Every figure is review()'s own; "% spent" is actual ÷ budget, "% expected" the budget-weighted
expected share Σ s_g·B_g ÷ Σ B_g (blank where the budget is not above 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..city import city_name
from ..dataset import Dataset
from .burnup import burn_up
from .core import Review
from .report_text import explanations, revenue_explanation, summary_lines

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FLAG_WORDS = {"over": "Over budget", "under": "Under-spent", "short": "Short", None: ""}
BASIS_WORDS = {"group": "its own prior years", "department": "its department's prior years",
               "fund": "its fund's prior years", "city": "the city's prior years", "elapsed": "months elapsed"}


def month_labels(start_month: int = 1) -> list[str]:
    """Fiscal months 1..12 as calendar month names (start month 5: May … Apr)."""
    return [MONTH_NAMES[(start_month - 1 + m) % 12] for m in range(12)]


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 and math.isfinite(a) else None


@dataclass
class DepartmentPage:
    name: str
    explanation: str
    totals: dict[str, Any]
    rows: list[dict[str, Any]]            # kind "group" (one reviewed group) or "program" (its total)
    burn_up: pd.DataFrame                 # month 1..12: actual, expected, budget, projection
    kpis: list[dict[str, Any]]
    program_notes: list[str]              # the flagged programs, explained


@dataclass
class ReportData:
    city: str
    fiscal_year: int | None
    through_label: str | None
    through: int | None
    months: list[str]
    summary: list[str]
    departments: list[dict[str, Any]] = field(default_factory=list)   # name, figures, explanation
    funds: list[dict[str, Any]] = field(default_factory=list)
    revenue: list[dict[str, Any]] = field(default_factory=list)
    kpis: list[dict[str, Any]] = field(default_factory=list)
    city_burn_up: pd.DataFrame | None = None
    pages: list[DepartmentPage] = field(default_factory=list)

    @property
    def title(self) -> str:
        what = f"Quarterly review, FY{self.fiscal_year} through {self.through_label}" if self.through_label \
            else "Quarterly review"
        return f"{self.city} — {what}" if self.city else what


def _kpi_rows(r: Review, dataset: Dataset, department: str | None) -> list[dict[str, Any]]:
    kp = dataset.plan.kpis
    info = {str(k).casefold(): row for k, row in zip(kp["kpi_id"], kp.to_dict("records"))} if len(kp) else {}
    wanted = None
    if department is not None:
        key = department.casefold()
        wanted = ({str(k).casefold() for k, d in zip(kp["kpi_id"], kp["department"]) if str(d).casefold() == key}
                  if "department" in kp.columns else set())
        dr = dataset.plan.drivers
        if len(dr) and {"kpi_id", "department"} <= set(dr.columns):
            wanted |= {str(k).casefold() for k, d in zip(dr["kpi_id"], dr["department"]) if str(d).casefold() == key}
    out = []
    for kpi_id, row in r.kpis.iterrows():
        if wanted is not None and str(kpi_id).casefold() not in wanted:
            continue
        meta = info.get(str(kpi_id).casefold(), {})
        name, unit = meta.get("name"), meta.get("unit")
        out.append({"kpi_id": str(kpi_id), "name": "" if name is None or name != name else str(name),
                    "unit": "" if unit is None or unit != unit else str(unit), "period": row["period"],
                    "latest": _num(row["latest"]), "target": _num(row["target"]), "met": row["met"],
                    "previous": _num(row["previous"])})
    return out


def group_rows(frame: pd.DataFrame, names: list[str]) -> list[dict[str, Any]]:
    """One row of figures per group of `frame` (a slice of r.spending or r.revenue), vectorized."""
    b = frame["budget"].to_numpy(dtype=np.float64, na_value=np.nan)
    b = np.where(np.isnan(b), 0.0, b)
    a = np.nan_to_num(frame["actual"].to_numpy(dtype=np.float64, na_value=np.nan))
    share = frame["share"].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        spent = np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)
    expected = np.where(b > 0, np.nan_to_num(share), np.nan)
    early = frame["too_early"].to_numpy(dtype=bool)
    basis = np.where(early, "too early to tell", frame["share_from"].map(BASIS_WORDS).fillna("").to_numpy(dtype=object))
    cols = {**{n: frame[n].to_numpy(dtype=object) for n in names}, "budget": b, "actual": a,
            "pct_spent": [_num(x) for x in spent], "pct_expected": [_num(x) for x in expected],
            "projection": np.nan_to_num(frame["projection"].to_numpy(dtype=np.float64, na_value=np.nan)),
            "variance": np.nan_to_num(frame["variance"].to_numpy(dtype=np.float64, na_value=np.nan)),
            "flag": frame["flag"].to_numpy(dtype=object), "basis": basis}
    out = pd.DataFrame(cols).to_dict("records")
    for row in out:
        for k in ("budget", "actual", "projection", "variance"):
            row[k] = float(row[k])
        row["flag"] = row["flag"] if isinstance(row["flag"], str) else None
        row["basis"] = str(row["basis"])
    return out


def totals(frame: pd.DataFrame, keys: list[str], flags: pd.Series) -> dict[Any, dict[str, Any]]:
    """`figures` of every group of `frame` by `keys` at once (flag from `flags`, indexed the same)."""
    b = frame["budget"].astype(float).fillna(0.0)
    t = pd.DataFrame({**{k: frame[k].to_numpy(dtype=object) for k in keys}, "budget": b,
                      "actual": frame["actual"].astype(float).fillna(0.0),
                      "expected": frame["share"].astype(float).fillna(0.0) * b,
                      "projection": frame["projection"].astype(float).fillna(0.0),
                      "variance": frame["variance"].astype(float).fillna(0.0)})
    sums = t.groupby(keys, sort=False, dropna=False).sum()
    out = {}
    for key, (bb, a, e, p, v) in zip(sums.index, sums[["budget", "actual", "expected", "projection", "variance"]]
                                     .itertuples(index=False, name=None)):
        flag = flags.get(key) if key in flags.index else None
        out[key] = {"budget": float(bb), "actual": float(a), "pct_spent": _ratio(a, bb), "pct_expected": _ratio(e, bb),
                    "projection": float(p), "variance": float(v), "flag": flag if isinstance(flag, str) else None}
    return out


def _pages(r: Review, dataset: Dataset, texts: dict[str, str], notes: dict[tuple[str, str], str],
           dep_figures: dict[str, dict[str, Any]]) -> list[DepartmentPage]:
    names = ["department", "program", "account_class", "fund"]
    s = r.spending.sort_values(names, na_position="last", kind="stable")
    rows = group_rows(s, names)
    progs = totals(s, ["department", "program"], r.programs["flag"])
    by_dep: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_dep.setdefault(row["department"], []).append(row)
    pages = []
    for d in r.departments.index:
        out: list[dict[str, Any]] = []
        mine = by_dep.get(d, [])
        for i, row in enumerate(mine):
            out.append({"kind": "group", **{k: v for k, v in row.items() if k != "department"}})
            if i + 1 == len(mine) or mine[i + 1]["program"] != row["program"]:
                out.append({"kind": "program", "program": row["program"], "account_class": None, "fund": None,
                            **progs[(d, row["program"])], "basis": ""})
        pages.append(DepartmentPage(str(d), texts[d], dep_figures[d], out, burn_up(r, department=d),
                                    _kpi_rows(r, dataset, d), [t for (dd, _p), t in notes.items() if dd == d]))
    return pages


def report_data(r: Review, dataset: Dataset) -> ReportData:
    """The report's content (see the module docstring)."""
    settings = dataset.plan.settings
    data = ReportData(city_name(dataset)[0], r.fiscal_year, r.through_label, r.through,
                      month_labels(getattr(settings, "fiscal_year_start_month", 1) or 1), summary_lines(r))
    texts, notes = explanations(r)
    deps = totals(r.spending, ["department"], r.departments["flag"]) if len(r.spending) else {}
    deps = {k[0] if isinstance(k, tuple) else k: v for k, v in deps.items()}
    for d in r.departments.index:
        data.departments.append({"name": str(d), **deps[d], "explanation": texts[d]})
    for f, row in r.funds.iterrows():
        data.funds.append({"fund": str(f), **{c: (_num(v) if not c.endswith("flag") else v)
                                              for c, v in row.items()}})
    rev = r.revenue.sort_values(["fund", "source"], kind="stable")
    for row, (_, full) in zip(group_rows(rev, ["fund", "source"]), rev.iterrows()):
        data.revenue.append({**row, "explanation": revenue_explanation(full, r)})
    data.kpis = _kpi_rows(r, dataset, None)
    if len(r.spending):
        data.city_burn_up = burn_up(r)
        data.pages = _pages(r, dataset, texts, notes, deps)
    return data


__all__ = ["ReportData", "DepartmentPage", "report_data", "group_rows", "totals", "month_labels", "FLAG_WORDS"]

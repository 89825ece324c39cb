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

import pandas as pd

from ..city import city_name
from ..dataset import Dataset
from .burnup import burn_up
from .core import Review
from .report_text import (department_explanation, program_explanation, revenue_explanation, summary_lines)

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


def figures(frame: pd.DataFrame, flag: str | None) -> dict[str, Any]:
    """budget, actual, pct_spent, pct_expected, projection, variance, flag of a set of groups."""
    b = float(frame["budget"].astype(float).fillna(0).sum())
    a = float(frame["actual"].astype(float).fillna(0).sum())
    expected = float((frame["share"].astype(float).fillna(0) * frame["budget"].astype(float).fillna(0)).sum())
    p = float(frame["projection"].astype(float).fillna(0).sum())
    v = float(frame["variance"].astype(float).fillna(0).sum())
    return {"budget": b, "actual": a, "pct_spent": _ratio(a, b), "pct_expected": _ratio(expected, b),
            "projection": p, "variance": v, "flag": flag}


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


def _page(r: Review, dataset: Dataset, department: str) -> DepartmentPage:
    s = r.spending[r.spending["department"] == department]
    rows = []
    for program, groups in s.groupby("program", sort=True, dropna=False):
        for _, g in groups.sort_values(["account_class", "fund"], na_position="last").iterrows():
            rows.append({"kind": "group", "program": program, "account_class": g["account_class"], "fund": g["fund"],
                         **figures(g.to_frame().T, g["flag"]),
                         "basis": "too early to tell" if g["too_early"] else BASIS_WORDS.get(g["share_from"], "")})
        flag = r.programs.loc[(department, program), "flag"] if (department, program) in r.programs.index else None
        rows.append({"kind": "program", "program": program, "account_class": None, "fund": None,
                     **figures(groups, flag), "basis": ""})
    notes = [program_explanation(r, department, prog) for (dep, prog), flag in r.programs["flag"].items()
             if dep == department and flag is not None]
    return DepartmentPage(department, department_explanation(r, department),
                          figures(s, r.departments.loc[department, "flag"]), rows,
                          burn_up(r, department=department), _kpi_rows(r, dataset, department), notes)


def report_data(r: Review, dataset: Dataset) -> ReportData:
    """The report's content (see the module docstring)."""
    settings = dataset.plan.settings
    data = ReportData(city_name(dataset)[0], r.fiscal_year, r.through_label, r.through,
                      month_labels(getattr(settings, "fiscal_year_start_month", 1) or 1), summary_lines(r))
    for d in r.departments.index:
        fig = figures(r.spending[r.spending["department"] == d], r.departments.loc[d, "flag"])
        data.departments.append({"name": str(d), **fig, "explanation": department_explanation(r, d)})
    for f, row in r.funds.iterrows():
        data.funds.append({"fund": str(f), **{c: (_num(v) if not c.endswith("flag") else v)
                                              for c, v in row.items()}})
    for _, row in r.revenue.sort_values(["fund", "source"]).iterrows():
        data.revenue.append({"fund": row["fund"], "source": row["source"], **figures(row.to_frame().T, row["flag"]),
                             "basis": ("too early to tell" if row["too_early"]
                                       else BASIS_WORDS.get(row["share_from"], "")),
                             "explanation": revenue_explanation(row, r)})
    data.kpis = _kpi_rows(r, dataset, None)
    if len(r.spending):
        data.city_burn_up = burn_up(r)
        data.pages = [_page(r, dataset, str(d)) for d in r.departments.index]
    return data


__all__ = ["ReportData", "DepartmentPage", "report_data", "figures", "month_labels", "FLAG_WORDS"]

"""The Results of one evaluation: plain numpy arrays (rows × 5 plan years) plus the name lists.

Every array has one column per plan year, `Results.plan_years` (y1..y5).  Amounts are unrounded
dollars; NaN means "nothing there" (JSON null).  Views read these arrays directly; `.frame()`
methods give the same figures as pandas DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: Reserve status codes of a fund-year (FundResults.status).
STATUS_NO_POLICY = "no_policy"          # the fund has no floor, target or ceiling
STATUS_NO_EXPENDITURE = "no_expenditure"  # reserve ratio undefined (expenditure 0)
STATUS_BELOW_FLOOR = "below_floor"
STATUS_BELOW_TARGET = "below_target"
STATUS_WITHIN = "within"
STATUS_ABOVE_CEILING = "above_ceiling"
STATUS_NO_REVENUE_DATA = "no_revenue_data"  # no revenue line and no Funds row: no balance (engine/fund_data.py)

#: Finding kinds.
FINDING_KINDS = ("negative_balance", "below_floor", "below_target", "above_ceiling", "structural_deficit",
                 "no_revenue_data")


@dataclass(frozen=True)
class Finding:
    """A policy finding in words: `General Fund reserve falls below its 8% floor in FY2029-30`.

    `year` is None for a note that holds in every plan year (`no_revenue_data`)."""

    fund: str
    year: int | None
    kind: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"fund": self.fund, "year": self.year, "kind": self.kind, "message": self.message}


def _frame(names, values: np.ndarray, years: list[int]) -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples(names) if names and isinstance(names[0], tuple) else pd.Index(names)
    return pd.DataFrame(values, index=index, columns=pd.Index(years, name="fiscal_year"))


@dataclass
class Rollup:
    """Expenditure summed by one key: `names` (str, or (department, program) pairs) × plan years.

    `baseline` has no rules and no requests; `scenario` has the rules and the funded requests."""

    names: list
    baseline: np.ndarray
    scenario: np.ndarray
    plan_years: list[int]

    @property
    def difference(self) -> np.ndarray:
        return self.scenario - self.baseline

    def frame(self) -> pd.DataFrame:
        parts = {"baseline": self.baseline, "scenario": self.scenario, "difference": self.difference}
        return pd.concat({k: _frame(self.names, v, self.plan_years) for k, v in parts.items()}, axis=1)


@dataclass
class FundResults:
    """Per fund (`names`, as spelled in the workbooks) and plan year."""

    names: list[str]
    revenue: np.ndarray
    expenditure: np.ndarray
    recurring_revenue: np.ndarray
    recurring_expenditure: np.ndarray
    balance: np.ndarray              # ending balance of each year (NaN: no revenue data)
    beginning_balance: np.ndarray    # (funds,) balance at the start of y1 (NaN: no revenue data)
    reserve_ratio: np.ndarray        # balance / expenditure, NaN where expenditure is 0 or no revenue data
    structural: np.ndarray           # recurring revenue − recurring expenditure (NaN: no revenue data)
    floor: np.ndarray                # (funds,) fractions, NaN = no policy
    target: np.ndarray
    ceiling: np.ndarray
    status: np.ndarray               # (funds, 5) object array of STATUS_* codes
    structural_deficit: np.ndarray   # (funds, 5) bool
    negative_balance: np.ndarray     # (funds, 5) bool
    plan_years: list[int]
    no_revenue_data: np.ndarray | None = None  # (funds,) bool: no revenue line and no Funds row
    #: (funds,) the review's fund balance change carried into beginning_balance (the scenario's
    #: review_carry; engine/carry.py), 0 where the review has none; None when nothing is carried
    carried: np.ndarray | None = None

    @property
    def checked(self) -> np.ndarray:
        """(funds,) bool: the funds whose balance and policies are checked (they have revenue data)."""
        return np.ones(len(self.names), dtype=bool) if self.no_revenue_data is None else ~self.no_revenue_data

    def frame(self) -> pd.DataFrame:
        parts = {k: getattr(self, k) for k in ("revenue", "expenditure", "balance", "reserve_ratio", "structural",
                                                "recurring_revenue", "recurring_expenditure")}
        return pd.concat({k: _frame(self.names, v, self.plan_years) for k, v in parts.items()}, axis=1)


@dataclass
class RevenueResults:
    """Revenue lines (fund, source) × plan years, before and after the revenue rules."""

    funds: list[str]
    sources: list[str]
    recurring: np.ndarray
    baseline: np.ndarray
    scenario: np.ndarray


@dataclass
class RequestLines:
    """The funded requests, each added as its own line (rules never change these)."""

    ids: list[str]
    titles: list[str]
    types: list[str]
    funds: list[str]
    departments: list[str]
    programs: list[str]
    account_classes: list[str]
    recurring: np.ndarray
    costs: np.ndarray                # (requests, 5), a Reduction negative


@dataclass
class DriverResults:
    """Per driver (spending → KPI link) and plan year."""

    kpi_index: np.ndarray            # row of the driver's KPI in KPIResults
    kpi_ids: list[str]
    departments: list[str]
    programs: list[str | None]       # None = the whole department
    x: np.ndarray                    # relative change of the driver's spending (lagged), 0 where undefined
    effect: np.ndarray               # e (after Max effect), the driver's contribution: K = K0 × (1 + Σ e)
    effect_low: np.ndarray
    effect_high: np.ndarray


@dataclass
class KPIResults:
    ids: list[str]
    names: list[str]
    units: list[str]
    goal_ids: list[str | None]       # the KPI's goal (resolved through its objective by the readers)
    direction: np.ndarray            # +1 higher is better, −1 lower is better
    weight: np.ndarray               # KPI weight × goal weight
    baseline: np.ndarray             # K0, clamped
    scenario: np.ndarray             # K, clamped
    low: np.ndarray
    high: np.ndarray
    target: np.ndarray               # NaN where none
    has_target: np.ndarray           # bool
    met: np.ndarray                  # bool (False where no target: see has_target)
    baseline_met: np.ndarray         # the baseline path against the targets
    score: np.ndarray                # (5,) NaN where no KPI has a target
    baseline_score: np.ndarray
    drivers: DriverResults
    plan_years: list[int]

    def frame(self) -> pd.DataFrame:
        parts = {k: getattr(self, k) for k in ("baseline", "scenario", "low", "high", "target")}
        parts["met"] = np.where(self.has_target, self.met.astype(float), np.nan)
        return pd.concat({k: _frame(self.ids, v, self.plan_years) for k, v in parts.items()}, axis=1)


@dataclass
class Results:
    """Everything one `evaluate(prepared, scenario)` computes.  Arrays are rows × plan years."""

    scenario: Any
    plan_years: list[int]
    year_labels: list[str]
    funds: FundResults
    by_fund: Rollup
    by_department: Rollup
    by_program: Rollup               # names are (department, program) pairs
    by_account_class: Rollup
    revenue: RevenueResults
    requests: RequestLines
    kpis: KPIResults
    findings: list[Finding]
    invalid_rules: list[tuple[int, str]]     # (0-based rule index, message); these rules were skipped
    rule_notes: list[tuple[int, str]]        # valid rules that could not place dollars in some year
    unknown_requests: list[str]              # funded request IDs not in the dataset (ignored)
    carry_notes: list[str] = field(default_factory=list)  # why the review carry-over was not applied
    override_notes: list[str] = field(default_factory=list)  # driver overrides naming no driver (ignored)
    _prepared: Any = field(default=None, repr=False)
    _log: list | None = field(default=None, repr=False)
    _lines: tuple | None = field(default=None, repr=False)

    @property
    def score(self) -> np.ndarray:
        return self.kpis.score

    @property
    def messages(self) -> list[str]:
        """Everything skipped or noteworthy about the scenario, in words."""
        return ([m for _, m in self.invalid_rules] + [m for _, m in self.rule_notes] + list(self.unknown_requests)
                + list(self.carry_notes) + list(self.override_notes))

    def line_amounts(self) -> tuple[np.ndarray, np.ndarray]:
        """(baseline, scenario) expenditure per line item × plan year, in the dataset's row order.

        Materialised on first call: scenario[i, t] = a_g[t]·E0[i, t] + b_g[t] for line i's group g
        (b only in years where the line exists).  Request lines are in `requests`, not here."""
        if self._lines is None:
            A, B = self.group_coefficients()
            P = self._prepared
            g = P.line_group
            scen = A[g] * P.E0
            if B.any():
                add = B[g]
                add[~P.line_recurring, 1:] = 0.0
                scen += add
            self._lines = (P.E0, scen)
        return self._lines

    def group_coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        """(a, b), groups × plan years: each line i of group g is a[g,t]·E0[i,t] + b[g,t]."""
        P = self._prepared
        A = np.ones((P.n_groups, len(self.plan_years)))
        B = np.zeros_like(A)
        for idx, s, e, factor, add in self._log or ():
            A[idx, s:e] *= factor
            if add is None:
                B[idx, s:e] *= factor
            else:
                B[idx, s:e] = B[idx, s:e] * factor + add
        return A, B

    def line_frame(self) -> pd.DataFrame:
        """Line items (keys) with baseline and scenario amounts per plan year (for exports)."""
        P = self._prepared
        base, scen = self.line_amounts()
        keys = P.dataset.budget.line_items[["fund", "department", "program", "account", "account_class", "recurring"]]
        keys = keys.reset_index(drop=True)
        cols = {}
        for t, y in enumerate(self.plan_years):
            cols[("baseline", y)] = base[:, t]
        for t, y in enumerate(self.plan_years):
            cols[("scenario", y)] = scen[:, t]
        amounts = pd.DataFrame(cols)
        amounts.columns = [f"{k} {self.year_labels[self.plan_years.index(y)]}" for k, y in amounts.columns]
        return pd.concat([keys, amounts], axis=1)

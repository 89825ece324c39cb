"""The arrays `prepare` settles for a dataset: everything `evaluate` reads and no scenario changes.

Codes of every name, the baseline (E0, R0, KPI paths), groups, roll-up matrices, fund policy,
requests and drivers, one field each (shapes in the comments; 5 = plan years).  `Prepared`
(preparation.py) is this plus the cached results of the empty scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..dataset import Dataset
from ..fiscal import FiscalCalendar
from .baseline_source import baseline_source as _baseline_source
from .codes import Vocab
from .targeting import RuleTargets


@dataclass
class PreparedArrays(RuleTargets):
    """A dataset made ready for fast evaluation.  Treat as read-only; `evaluate` never changes it."""

    dataset: Dataset
    plan_years: list[int]
    year_labels: list[str]
    calendar: FiscalCalendar
    funds: Vocab
    departments: Vocab
    programs: Vocab
    classes: Vocab
    sources: Vocab
    # line items
    n_lines: int
    line_group: np.ndarray          # (lines,) group of each line item
    E0: np.ndarray                  # (lines, 5) baseline expenditure
    line_recurring: np.ndarray      # (lines,) bool
    # groups (department, program, fund, class, recurring)
    g_pair: np.ndarray
    g_fund: np.ndarray
    g_class: np.ndarray
    g_dept: np.ndarray
    g_prog: np.ndarray
    g_rec: np.ndarray
    g_S0: np.ndarray                # (groups, 5) Σ E0
    g_n: np.ndarray                 # (groups, 5) lines that exist in each year
    # department/program pairs
    pair_dept: np.ndarray
    pair_prog: np.ndarray
    growth: np.ndarray              # (classes, 5)
    personnel_growth: np.ndarray    # (5,)
    # roll-ups: rows [pairs | departments | funds | classes | funds (recurring only)]
    cell_pair: np.ndarray           # (groups·5,) flat (pair, year) cell of each group-year
    cell_combo: np.ndarray          # (groups·5,) flat ((fund, class, recurring), year) cell
    n_combos: int
    R_cells: sp.csr_matrix          # cells → roll-up rows
    R_req: sp.csr_matrix            # requests → roll-up rows
    rows: dict[str, slice]
    baseline_totals: np.ndarray     # roll-ups of the baseline (no rules, no requests)
    shown_departments: np.ndarray
    shown_pairs: np.ndarray
    shown_classes: np.ndarray
    # revenue
    rev_fund: np.ndarray
    rev_source: np.ndarray
    rev_recurring: np.ndarray
    rev_growth: np.ndarray
    R0: np.ndarray                  # (revenue lines, 5)
    R_rev: sp.csr_matrix            # rows [funds | funds (recurring only)]
    # funds
    beginning_balance: np.ndarray
    reserve_floor: np.ndarray
    reserve_target: np.ndarray
    reserve_ceiling: np.ndarray
    fund_no_data: np.ndarray        # (funds,) no revenue line and no Funds row (fund_data.py)
    # requests
    request_ids: list[str]
    request_index: dict[str, int]
    request_titles: list[str]
    request_types: list[str]
    req_fund: np.ndarray
    req_dept: np.ndarray
    req_prog: np.ndarray
    req_pair: np.ndarray
    req_class: np.ndarray
    req_rec: np.ndarray
    req_costs: np.ndarray           # (requests, 5), signed (a Reduction is negative)
    # KPIs
    kpi_ids: list[str]
    kpi_names: list[str]
    kpi_units: list[str]
    kpi_goal_ids: list[str | None]
    kpi_direction: np.ndarray       # +1 higher is better, -1 lower is better
    kpi_weight: np.ndarray          # KPI weight × goal weight
    kpi_min: np.ndarray
    kpi_max: np.ndarray
    K0u: np.ndarray                 # (kpis, 5) unclamped baseline path
    K0: np.ndarray                  # clamped
    kpi_target: np.ndarray          # (kpis, 5), NaN = none
    drv_kpi: np.ndarray
    drv_dept: np.ndarray
    drv_prog: np.ndarray            # -1 = whole department
    drv_flat: np.ndarray            # (drivers, 5) flat index into the spending units (units × 5)
    drv_mask: np.ndarray            # (drivers, 5) where x is defined (t − lag ≥ y1 and S0 ≠ 0)
    drv_S0: np.ndarray              # (drivers, 5)
    drv_el: np.ndarray              # (3, drivers): elasticity, low, high
    drv_cap: np.ndarray             # (drivers,) max effect (NaN = none)
    drv_lag: np.ndarray             # (drivers,) lag in years
    A_kpi: sp.csr_matrix            # (kpis, drivers)
    default_cost_per_fte: float | None
    _targets: dict = field(default_factory=dict, repr=False)
    _baseline_results: Any = field(default=None, repr=False)
    #: driver rows by key and the elasticities of each set of driver overrides seen (driver_values.py)
    _driver_cache: dict = field(default_factory=dict, repr=False)
    #: review carry-overs by period label, filled by the review layer (kcplanner.review.carry.ensure_carry)
    #: and read by evaluate (engine/carry.py): the engine may not call the review itself
    carry_over: dict = field(default_factory=dict, repr=False)

    # -- sizes --------------------------------------------------------------------------------
    @property
    def y0(self) -> int:
        return self.plan_years[0] - 1

    @property
    def n_groups(self) -> int:
        return len(self.g_pair)

    def label(self, year: int) -> str:
        return self.calendar.label(year)

    @cached_property
    def names(self) -> dict[str, list]:
        """Name lists that every Results shares (computed once)."""
        d, p, f, c, s = self.departments.names, self.programs.names, self.funds.names, self.classes.names, self.sources.names
        return {
            "funds": list(f),
            "departments": [d[i] for i in self.shown_departments],
            "pairs": [(d[self.pair_dept[i]], p[self.pair_prog[i]]) for i in self.shown_pairs],
            "classes": [c[i] for i in self.shown_classes],
            "revenue_funds": [f[i] for i in self.rev_fund],
            "revenue_sources": [s[i] for i in self.rev_source],
            "driver_kpis": [self.kpi_ids[k] for k in self.drv_kpi],
            "driver_departments": [d[i] for i in self.drv_dept],
            "driver_programs": [None if i < 0 else p[i] for i in self.drv_prog],
            "request_funds": [f[i] for i in self.req_fund],
            "request_departments": [d[i] for i in self.req_dept],
            "request_programs": [p[i] for i in self.req_prog],
            "request_classes": [c[i] for i in self.req_class],
        }

    @cached_property
    def baseline_source(self):
        """Where E0 for y1 comes from: `FY2016-17 Adopted → FY2017-18 baseline` (baseline_source.py)."""
        return _baseline_source(self)

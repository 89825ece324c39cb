"""`prepare(dataset) -> Prepared`: everything about a loaded dataset that no scenario can change.

Run once per loaded dataset.  It settles the plan years, turns every name into an integer code,
computes the baseline (expenditure E0 per line item, revenue R0 per revenue line, KPI baseline
paths) and builds the index arrays and sparse roll-up matrices that `evaluate` uses.

Expenditure lines are gathered into *groups*: line items sharing (department, program, fund,
account class, Recurring).  Every SPEC rule acts on whole groups, and inside a group each line's
scenario amount stays `a_g[t]·E0[i,t] + b_g[t]` (see docs/model.md), so `evaluate` works on group
totals and line-level amounts are only materialised on request.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..dataset import Dataset
from ..fiscal import FiscalCalendar, parse_fiscal_year
from ..scenario import Rule, Scenario, Target, value_problem
from .fund_data import funds_without_data

NYEARS = 5
PERSONNEL = "personnel services"
OTHER_CLASS = "Other"


def name_key(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


class Vocab:
    """Names of one kind (funds, departments, …): case-insensitive key → code, spelling first seen."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, name: Any) -> int:
        key = name_key(name)
        code = self.index.get(key)
        if code is None:
            code = len(self.names)
            self.names.append(" ".join(str(name).split()))
            self.index[key] = code
        return code

    def find(self, name: Any) -> int | None:
        return self.index.get(name_key(name))

    def __len__(self) -> int:
        return len(self.names)

    def encode(self, series: pd.Series | None, n: int, missing: str | None = None) -> np.ndarray:
        """Codes of a name column (categorical or text); missing names → code of `missing`, else -1."""
        if series is None:
            return np.full(n, -1 if missing is None else self.add(missing), dtype=np.int64)
        if isinstance(series.dtype, pd.CategoricalDtype):
            cats = list(series.cat.categories)
            codes = series.cat.codes.to_numpy().astype(np.int64)
        else:
            codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
            cats = list(uniques)
            codes = codes.astype(np.int64)
        mapping = np.empty(len(cats) + 1, dtype=np.int64)
        for j, c in enumerate(cats):
            mapping[j] = -1 if (_is_missing(c) or not str(c).strip()) else self.add(c)
        if (codes < 0).any() or (mapping[:-1] < 0).any():
            fill = -1 if missing is None else self.add(missing)
            mapping[mapping == -1] = fill
            mapping[-1] = fill
        else:
            mapping[-1] = -1
        return mapping[codes]

    def suggest(self, name: str) -> str:
        close = difflib.get_close_matches(name, self.names, n=1, cutoff=0.6)
        if not close:
            by_key = {name_key(n): n for n in self.names}
            hit = difflib.get_close_matches(name_key(name), list(by_key), n=1, cutoff=0.6)
            close = [by_key[hit[0]]] if hit else []
        return f" (did you mean '{close[0]}'?)" if close else ""


def _float(frame: pd.DataFrame, col: str, n: int, default: float = np.nan) -> np.ndarray:
    if col not in frame.columns:
        return np.full(n, default)
    out = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if not math.isnan(default):
        out = np.where(np.isnan(out), default, out)
    return out


def _flags(frame: pd.DataFrame, col: str, n: int) -> np.ndarray:
    """Recurring flags: True unless the cell says N/No/False (default Y)."""
    if col not in frame.columns:
        return np.ones(n, dtype=bool)
    s = frame[col]
    if s.dtype == bool:
        return s.to_numpy(dtype=bool)
    text = s.astype(object).map(lambda v: v if isinstance(v, (bool, np.bool_)) else
                                (None if _is_missing(v) else str(v).strip().casefold()))
    out = ~text.isin([False, "n", "no", "false", "0", "f"]).to_numpy(dtype=bool)
    return out


def _year_columns(frame: pd.DataFrame) -> dict[int, Any]:
    """Columns of a per-year table (assumptions, targets, request costs) by fiscal year."""
    out: dict[int, Any] = {}
    for col in frame.columns:
        year = parse_fiscal_year(col)
        if year is not None and year not in out:
            out[year] = col
    return out


def _phase_column(amounts: pd.DataFrame, year: int, phase: str, n: int) -> np.ndarray:
    if (year, phase) in amounts.columns:
        return pd.to_numeric(amounts[(year, phase)], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.full(n, np.nan)


def _phase_years(amounts: pd.DataFrame, phase: str) -> list[int]:
    return sorted({int(y) for (y, p) in amounts.columns if p == phase})


@dataclass
class TargetInfo:
    """What a rule target matches (cached per target and kind)."""

    side: str                      # "expenditure" or "revenue"
    idx: np.ndarray | slice | None  # group indices (a slice when contiguous) or revenue line indices
    n: np.ndarray | None           # lines that exist per plan year among the matches
    problem: str | None = None     # why the rule cannot be applied (invalid)
    cost_per_fte: float = np.nan   # fte rules
    cost_source: str = ""          # "positions" or "settings default"


@dataclass
class Prepared:
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
    A_kpi: sp.csr_matrix            # (kpis, drivers)
    default_cost_per_fte: float | None
    _targets: dict = field(default_factory=dict, repr=False)
    _baseline_results: Any = field(default=None, repr=False)

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
        from .baseline_source import baseline_source
        return baseline_source(self)

    def baseline_results(self):
        """The results of the empty scenario (cached)."""
        if self._baseline_results is None:
            from ..scenario import EMPTY_SCENARIO
            from .evaluation import evaluate
            self._baseline_results = evaluate(self, EMPTY_SCENARIO)
        return self._baseline_results

    # -- rule targets -------------------------------------------------------------------------
    def target_info(self, target: Target, kind: str) -> TargetInfo:
        key = (target, kind)
        info = self._targets.get(key)
        if info is None:
            info = self._target_info(target, kind)
            self._targets[key] = info
        return info

    def _lookup(self, vocab: Vocab, name: str, what: str, where: str) -> tuple[int | None, str | None]:
        code = vocab.find(name)
        if code is None:
            return None, f"no {where} of {what} '{name}'{vocab.suggest(name)}"
        return code, None

    def _target_info(self, target: Target, kind: str) -> TargetInfo:
        if target.is_revenue:
            if kind == "fte":
                return TargetInfo("revenue", None, None, "an fte rule adds positions to a program; it cannot target a revenue source")
            extra = [k for k in ("department", "program", "account_class") if getattr(target, k) is not None]
            if extra:
                return TargetInfo("revenue", None, None,
                                  f"a revenue-source rule can be narrowed by fund only; revenue lines have no {extra[0].replace('_', ' ')}")
            mask = np.ones(len(self.rev_fund), dtype=bool)
            for attr, vocab, codes, what in (("fund", self.funds, self.rev_fund, "fund"),
                                             ("revenue_source", self.sources, self.rev_source, "revenue source")):
                name = getattr(target, attr)
                if name is None:
                    continue
                code, problem = self._lookup(vocab, name, what, "revenue lines")
                if problem is None and not (codes == code).any():
                    problem = f"no revenue lines of {what} '{name}'"
                if problem:
                    return TargetInfo("revenue", None, None, problem)
                mask &= codes == code
            idx = np.flatnonzero(mask)
            if idx.size == 0:
                return TargetInfo("revenue", None, None, f"no revenue lines match {target.describe()}")
            return TargetInfo("revenue", idx, np.full(NYEARS, float(idx.size)))

        if kind == "fte" and target.program is None:
            return TargetInfo("expenditure", None, None, "an fte rule must name a program")
        if kind == "fte" and target.account_class is not None and name_key(target.account_class) != PERSONNEL:
            return TargetInfo("expenditure", None, None,
                              f"an fte rule adds to Personnel Services lines; account class '{target.account_class}' conflicts")
        mask = np.ones(self.n_groups, dtype=bool)
        for attr, vocab, codes, what in (("fund", self.funds, self.g_fund, "fund"),
                                         ("department", self.departments, self.g_dept, "department"),
                                         ("program", self.programs, self.g_prog, "program"),
                                         ("account_class", self.classes, self.g_class, "account class")):
            name = getattr(target, attr)
            if name is None:
                continue
            code, problem = self._lookup(vocab, name, what, "line items")
            if problem is None and not (codes == code).any():
                problem = f"no line items of {what} '{name}'"
            if problem:
                return TargetInfo("expenditure", None, None, problem)
            mask &= codes == code
        if not mask.any():
            return TargetInfo("expenditure", None, None, f"no line items match {target.describe()}")
        info = TargetInfo("expenditure", None, None)
        if kind == "fte":
            ps = self.classes.find("Personnel Services")
            ps_mask = mask & (self.g_class == (-2 if ps is None else ps))
            if not ps_mask.any():
                return TargetInfo("expenditure", None, None,
                                  f"program '{target.program}' has no Personnel Services line items to add positions to")
            mask = ps_mask
            cost, source = self._cost_per_fte(target)
            if math.isnan(cost):
                return TargetInfo("expenditure", None, None,
                                  f"program '{target.program}' has no positions with a Cost per FTE and the plan's "
                                  "Settings give no Default cost per FTE")
            info.cost_per_fte, info.cost_source = cost, source
        idx = np.flatnonzero(mask)
        info.n = self.g_n[idx].sum(axis=0)
        # groups are sorted by (department, program, fund, class, recurring), so a department or
        # program target is a contiguous run: a slice makes every update an in-place view
        info.idx = slice(int(idx[0]), int(idx[-1]) + 1) if idx[-1] - idx[0] + 1 == idx.size else idx
        return info

    def _cost_per_fte(self, target: Target) -> tuple[float, str]:
        """Σ FTE·Cost / Σ FTE over the program's Positions rows that have a cost; else the default."""
        positions = self.dataset.budget.positions
        n = len(positions)
        if n:
            prog = self.programs.find(target.program)
            pcodes = _codes_lookup(positions.get("program"), self.programs, n)
            mask = pcodes == (-2 if prog is None else prog)
            if target.department is not None:
                dept = self.departments.find(target.department)
                dcodes = _codes_lookup(positions.get("department"), self.departments, n)
                mask &= dcodes == (-2 if dept is None else dept)
            fte = _float(positions, "fte", n)
            cost = _float(positions, "cost_per_fte", n)
            mask &= ~np.isnan(fte) & ~np.isnan(cost)
            total_fte = fte[mask].sum()
            if mask.any() and total_fte != 0:
                return float((fte[mask] * cost[mask]).sum() / total_fte), "positions"
        if self.default_cost_per_fte is not None and not math.isnan(self.default_cost_per_fte):
            return float(self.default_cost_per_fte), "settings default"
        return np.nan, ""

    def rule_years(self, rule: Rule) -> tuple[int, int] | str:
        """Plan-year indices (s, e) inclusive of a rule's range, clipped to the plan; or a problem."""
        y1, y5 = self.plan_years[0], self.plan_years[-1]
        start = y1 if rule.start is None else int(rule.start)
        end = y5 if rule.end is None else int(rule.end)
        if start > end:
            return f"its start {self.label(start)} is after its end {self.label(end)}"
        s, e = max(start, y1), min(end, y5)
        if s > e:
            return (f"its years {self.label(start)} to {self.label(end)} are outside the plan years "
                    f"{self.label(y1)} to {self.label(y5)}")
        return s - y1, e - y1

    def rule_problem(self, rule: Rule) -> str | None:
        if rule.kind not in ("percent", "amount", "fte"):
            return f"unknown kind '{rule.kind}'"
        if not math.isfinite(rule.value):
            return "its value is not a number"
        out_of_range = value_problem(rule.kind, rule.value)  # 1e300% typed in the app: skipped and listed
        if out_of_range:
            return f"value {out_of_range}"
        years = self.rule_years(rule)
        if isinstance(years, str):
            return years
        return self.target_info(rule.target, rule.kind).problem

    def rule_message(self, index: int, rule: Rule, problem: str) -> str:
        return f"rule {index + 1} '{rule.label}': {problem}"

    def request_problems(self, scenario: Scenario) -> list[str]:
        out = []
        for rid in scenario.funded_requests:
            if name_key(rid) not in self.request_index:
                close = difflib.get_close_matches(rid, self.request_ids, n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                out.append(f"funded request '{rid}': no request with this ID{hint}")
        return out

    def validate(self, scenario: Scenario) -> list[str]:
        out = []
        for i, rule in enumerate(scenario.rules):
            problem = self.rule_problem(rule)
            if problem:
                out.append(self.rule_message(i, rule, problem))
        return out + self.request_problems(scenario)


def _codes_lookup(series: pd.Series | None, vocab: Vocab, n: int) -> np.ndarray:
    """Codes of a name column against an existing vocabulary, without adding names (-1 = unknown)."""
    if series is None:
        return np.full(n, -1, dtype=np.int64)
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    mapping = np.array([(-1 if _is_missing(u) else (vocab.find(u) if vocab.find(u) is not None else -1))
                        for u in uniques] + [-1], dtype=np.int64)
    return mapping[codes]


def _indicator(rows: np.ndarray, n_rows: int, mask: np.ndarray | None = None) -> sp.csr_matrix:
    n_cols = len(rows)
    cols = np.arange(n_cols)
    keep = rows >= 0 if mask is None else (rows >= 0) & mask
    return sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], cols[keep])), shape=(n_rows, n_cols))


def prepare(dataset: Dataset) -> Prepared:
    """Settle plan years, codes, baseline and index arrays for `dataset` (not modified)."""
    plan, budget = dataset.plan, dataset.budget
    years = list(dataset.plan_years)
    y1 = years[0]
    y0 = y1 - 1
    calendar = FiscalCalendar(int(plan.settings.fiscal_year_start_month or 5))

    vf, vd, vp, vc, vs = Vocab(), Vocab(), Vocab(), Vocab(), Vocab()

    # -- line items (vocabulary order follows Dataset.unify: budget tables, then plan tables) --
    li = budget.line_items
    n = len(li)
    amounts = budget.amounts
    if len(amounts) != n:
        raise ValueError(f"budget.amounts has {len(amounts)} rows for {n} line items")
    lf = vf.encode(li.get("fund"), n, missing="(no fund)")
    ld = vd.encode(li.get("department"), n, missing="(no department)")
    lp = vp.encode(li.get("program"), n, missing="(no program)")
    lc = vc.encode(li.get("account_class"), n, missing=OTHER_CLASS)
    lrec = _flags(li, "recurring", n)

    rq = budget.requests
    nq = len(rq)
    qf = vf.encode(rq.get("fund"), nq, missing="(no fund)")
    qd = vd.encode(rq.get("department"), nq, missing="(no department)")
    qp = vp.encode(rq.get("program"), nq, missing="(no program)")
    qc = vc.encode(rq.get("account_class"), nq, missing=OTHER_CLASS)
    qrec = _flags(rq, "recurring", nq)

    pos = budget.positions
    vd.encode(pos.get("department"), len(pos))
    vp.encode(pos.get("program"), len(pos))

    rv = plan.revenue
    nr = len(rv)
    rf = vf.encode(rv.get("fund"), nr, missing="(no fund)")
    rs = vs.encode(rv.get("source"), nr, missing="(no source)")
    rrec = _flags(rv, "recurring", nr)
    rgrowth = _float(rv, "growth", nr, default=0.0)

    fd = plan.funds
    ff = vf.encode(fd.get("fund"), len(fd))

    dr = plan.drivers
    kp = plan.kpis
    kpi_ids = [str(k).strip() for k in kp["kpi_id"]] if "kpi_id" in kp.columns else []
    kpi_index = {name_key(k): j for j, k in enumerate(kpi_ids)}
    drv_k_all = np.array([kpi_index.get(name_key(k), -1) for k in dr["kpi_id"]], dtype=np.int64) \
        if "kpi_id" in dr.columns else np.zeros(0, dtype=np.int64)
    keep_drv = drv_k_all >= 0
    dr = dr.loc[keep_drv] if len(dr) else dr
    nd = len(dr)
    dd = vd.encode(dr.get("department"), nd, missing="(no department)")
    dp = vp.encode(dr.get("program"), nd)  # -1 = whole department
    drv_kpi = drv_k_all[keep_drv]

    nf, ndp, npg, ncl = len(vf), len(vd), len(vp), len(vc)

    # -- growth by class -----------------------------------------------------------------------
    growth = np.zeros((ncl, NYEARS))
    ps_growth = np.zeros(NYEARS)
    assumptions = plan.assumptions
    if len(assumptions):
        ycols = _year_columns(assumptions)
        for label, row in assumptions.iterrows():
            rates = np.array([pd.to_numeric(row.get(ycols[y]), errors="coerce") if y in ycols else np.nan
                              for y in years], dtype=float)
            rates = np.where(np.isnan(rates), 0.0, rates)
            code = vc.find(label)
            if code is not None:
                growth[code] = rates
            if name_key(label) == PERSONNEL:
                ps_growth = rates

    # -- baseline expenditure --------------------------------------------------------------------
    g_line = growth[lc] if n else np.zeros((0, NYEARS))
    requested = _phase_column(amounts, y1, "Requested", n)
    adopted = _phase_column(amounts, y0, "Adopted", n)
    actual = np.full(n, np.nan)
    for y in _phase_years(amounts, "Actual"):
        if y <= y0:
            col = _phase_column(amounts, y, "Actual", n)
            actual = np.where(np.isnan(col), actual, col)
    g1 = 1.0 + g_line[:, 0]
    e1 = np.where(~np.isnan(requested), requested,
                  np.where(~np.isnan(adopted), adopted * g1,
                           np.where(~np.isnan(actual), actual * g1, 0.0)))
    E0 = np.empty((n, NYEARS))
    E0[:, 0] = e1
    for t in range(1, NYEARS):
        E0[:, t] = E0[:, t - 1] * (1.0 + g_line[:, t])
    E0[~lrec, 1:] = 0.0

    # -- department/program pairs ------------------------------------------------------------------
    pair_keys = np.concatenate([ld * npg + lp, qd * npg + qp, (dd * npg + dp)[dp >= 0]]).astype(np.int64)
    pair_uni, pair_inv = np.unique(pair_keys, return_inverse=True)
    npair = len(pair_uni)
    pair_dept, pair_prog = pair_uni // npg, pair_uni % npg
    l_pair = pair_inv[:n]
    q_pair = pair_inv[n:n + nq]
    d_pair = np.full(nd, -1, dtype=np.int64)
    d_pair[dp >= 0] = pair_inv[n + nq:]

    # -- groups ------------------------------------------------------------------------------------
    gkey = ((l_pair * nf + lf) * ncl + lc) * 2 + lrec.astype(np.int64)
    g_uni, line_group = np.unique(gkey, return_inverse=True)
    line_group = line_group.astype(np.int64)
    ng = len(g_uni)
    g_rec = (g_uni % 2).astype(bool)
    rest = g_uni // 2
    g_class = rest % ncl
    rest //= ncl
    g_fund = rest % nf
    g_pair = rest // nf
    g_S0 = np.empty((ng, NYEARS))
    for t in range(NYEARS):
        g_S0[:, t] = np.bincount(line_group, weights=E0[:, t], minlength=ng)
    counts = np.bincount(line_group, minlength=ng).astype(float)
    g_n = np.repeat(counts[:, None], NYEARS, axis=1)
    g_n[~g_rec, 1:] = 0.0

    # -- roll-up matrices ------------------------------------------------------------------------
    g_dept = pair_dept[g_pair]
    g_prog = pair_prog[g_pair]
    rows = {}
    start = 0
    for name, size in (("pairs", npair), ("departments", ndp), ("funds", nf), ("classes", ncl), ("funds_recurring", nf)):
        rows[name] = slice(start, start + size)
        start += size
    # stage 1 (per evaluate): one bincount of group totals into (pair, year) cells and one into
    # (fund, class, recurring) cells; stage 2: a small sparse matrix from those cells to every roll-up
    ckey = (g_fund * ncl + g_class) * 2 + g_rec.astype(np.int64)
    c_uni, g_combo = np.unique(ckey, return_inverse=True)
    ncombo = len(c_uni)
    c_rec = (c_uni % 2).astype(bool)
    c_class = (c_uni // 2) % ncl
    c_fund = (c_uni // 2) // ncl
    tt5 = np.arange(NYEARS)
    cell_pair = (g_pair[:, None] * NYEARS + tt5[None, :]).ravel()
    cell_combo = (g_combo.astype(np.int64)[:, None] * NYEARS + tt5[None, :]).ravel()
    eye_pairs = sp.identity(npair, format="csr")
    zeros = lambda r, c: sp.csr_matrix((r, c))  # noqa: E731
    R_cells = sp.vstack([
        sp.hstack([eye_pairs, zeros(npair, ncombo)]),
        sp.hstack([_indicator(pair_dept, ndp), zeros(ndp, ncombo)]),
        sp.hstack([zeros(nf, npair), _indicator(c_fund, nf)]),
        sp.hstack([zeros(ncl, npair), _indicator(c_class, ncl)]),
        sp.hstack([zeros(nf, npair), _indicator(c_fund, nf, c_rec)]),
    ]).tocsr()
    R_req = sp.vstack([_indicator(q_pair, npair), _indicator(qd, ndp), _indicator(qf, nf),
                       _indicator(qc, ncl), _indicator(qf, nf, qrec)]).tocsr()
    baseline_totals = _rollup(g_S0, cell_pair, cell_combo, npair, ncombo, R_cells)

    shown_departments = np.unique(np.concatenate([ld, qd])).astype(np.int64)
    shown_pairs = np.unique(np.concatenate([l_pair, q_pair])).astype(np.int64)
    shown_classes = np.unique(np.concatenate([lc, qc])).astype(np.int64)

    # -- baseline revenue ------------------------------------------------------------------------
    ra = plan.revenue_amounts
    if len(ra) != nr:
        raise ValueError(f"plan.revenue_amounts has {len(ra)} rows for {nr} revenue lines")
    latest = np.full(nr, np.nan)
    latest_year = np.full(nr, np.nan)
    seed_years = sorted({int(y) for (y, p) in ra.columns if p in ("Estimate", "Adopted", "Actual") and int(y) <= y0})
    for y in seed_years:
        val = _phase_column(ra, y, "Estimate", nr)
        val = np.where(np.isnan(val), _phase_column(ra, y, "Adopted", nr), val)
        val = np.where(np.isnan(val), _phase_column(ra, y, "Actual", nr), val)
        given = ~np.isnan(val)
        latest = np.where(given, val, latest)
        latest_year = np.where(given, y, latest_year)
    prev = np.zeros(nr)
    has = ~np.isnan(latest)
    if has.any():
        steps = (y0 - latest_year[has]).astype(int)
        vals = latest[has].copy()
        gr = rgrowth[has]
        for k in range(int(steps.max()) if steps.size else 0):
            vals = np.where(steps > k, vals * (1.0 + gr), vals)
        prev[has] = vals
    R0 = np.empty((nr, NYEARS))
    for t, y in enumerate(years):
        given = _phase_column(ra, y, "Projected", nr)
        given = np.where(np.isnan(given), _phase_column(ra, y, "Estimate", nr), given)
        R0[:, t] = np.where(np.isnan(given), prev * (1.0 + rgrowth), given)
        prev = R0[:, t]
    R_rev = sp.vstack([_indicator(rf, nf), _indicator(rf, nf, rrec)]).tocsr()

    # -- funds ---------------------------------------------------------------------------------
    beginning = np.zeros(nf)
    floor = np.full(nf, np.nan)
    target = np.full(nf, np.nan)
    ceiling = np.full(nf, np.nan)
    if len(fd):
        bb = _float(fd, "beginning_balance", len(fd), default=0.0)
        fl, ta, ce = (_float(fd, c, len(fd)) for c in ("reserve_floor", "reserve_target", "reserve_ceiling"))
        ok = ff >= 0
        beginning[ff[ok]] = bb[ok]
        floor[ff[ok]], target[ff[ok]], ceiling[ff[ok]] = fl[ok], ta[ok], ce[ok]
    fund_no_data = funds_without_data(nf, rf, ff)

    # -- requests --------------------------------------------------------------------------------
    request_ids = [str(r).strip() for r in rq["request_id"]] if "request_id" in rq.columns else []
    request_index: dict[str, int] = {}
    for j, rid in enumerate(request_ids):
        request_index.setdefault(name_key(rid), j)
    costs = np.zeros((nq, NYEARS))
    rc = budget.request_costs
    if nq and len(rc):
        ycols = _year_columns(rc)
        rc_index = {name_key(k): j for j, k in enumerate(rc.index)}
        for t, y in enumerate(years):
            if y not in ycols:
                continue
            col = pd.to_numeric(rc[ycols[y]], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            for j, rid in enumerate(request_ids):
                r = rc_index.get(name_key(rid))
                if r is not None and not np.isnan(col[r]):
                    costs[j, t] = col[r]
    types = [("" if _is_missing(v) else str(v).strip()) for v in rq["type"]] if "type" in rq.columns else [""] * nq
    sign = np.array([-1.0 if name_key(t) == "reduction" else 1.0 for t in types])
    # a Reduction's costs are savings whether typed as 50 or as (50): spending goes down
    costs = np.where(sign[:, None] < 0, -np.abs(costs), costs) if nq else costs
    titles = [("" if _is_missing(v) else str(v)) for v in rq["title"]] if "title" in rq.columns else [""] * nq

    # -- KPIs ------------------------------------------------------------------------------------
    nk = len(kpi_ids)
    goal_weight: dict[str, float] = {}
    goals = plan.goals
    if len(goals) and "goal_id" in goals.columns:
        gw = _float(goals, "weight", len(goals), default=1.0)
        for gid, w in zip(goals["goal_id"], gw):
            goal_weight[name_key(gid)] = float(w)
    kw = _float(kp, "weight", nk, default=1.0)
    gids = kp["goal_id"] if "goal_id" in kp.columns else [None] * nk
    kpi_weight = np.array([kw[j] * goal_weight.get(name_key(g), 1.0) if not _is_missing(g) else kw[j]
                           for j, g in enumerate(gids)], dtype=float)
    direction = np.ones(nk)
    if "direction" in kp.columns:
        for j, v in enumerate(kp["direction"]):
            if isinstance(v, str):
                direction[j] = -1.0 if name_key(v).startswith(("lower", "down", "decrease")) else 1.0
            elif not _is_missing(v):
                direction[j] = -1.0 if float(v) < 0 else 1.0
    base = _float(kp, "baseline", nk, default=0.0)
    bfy = _float(kp, "baseline_fy", nk, default=float(y0))
    trend = _float(kp, "trend", nk, default=0.0)
    kmin = _float(kp, "minimum", nk)
    kmax = _float(kp, "maximum", nk)
    ty = np.array(years, dtype=float)
    K0u = base[:, None] * (1.0 + trend[:, None]) ** (ty[None, :] - bfy[:, None]) if nk else np.zeros((0, NYEARS))
    K0 = _clamp(K0u, kmin, kmax)
    kpi_target = np.full((nk, NYEARS), np.nan)
    kt = plan.kpi_targets
    if nk and len(kt):
        ycols = _year_columns(kt)
        kt_index = {name_key(k): j for j, k in enumerate(kt.index)}
        for t, y in enumerate(years):
            if y in ycols:
                col = pd.to_numeric(kt[ycols[y]], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                for j, k in enumerate(kpi_ids):
                    r = kt_index.get(name_key(k))
                    if r is not None:
                        kpi_target[j, t] = col[r]
    names = [("" if _is_missing(v) else str(v)) for v in kp["name"]] if "name" in kp.columns else list(kpi_ids)
    units = [("" if _is_missing(v) else str(v)) for v in kp["unit"]] if "unit" in kp.columns else [""] * nk

    # -- drivers ------------------------------------------------------------------------------------
    unit = np.where(dp >= 0, d_pair, npair + dd).astype(np.int64)
    lag = _float(dr, "lag", nd, default=0.0).astype(np.int64)
    tt = np.arange(NYEARS)
    j = tt[None, :] - lag[:, None]
    valid = (j >= 0) & (j < NYEARS)
    drv_flat = unit[:, None] * NYEARS + np.clip(j, 0, NYEARS - 1)
    units0 = np.vstack([baseline_totals[rows["pairs"]], baseline_totals[rows["departments"]]])
    drv_S0 = units0.ravel()[drv_flat] if nd else np.zeros((0, NYEARS))
    drv_mask = valid & (drv_S0 != 0)
    drv_S0 = np.where(drv_mask, drv_S0, 1.0)
    el = _float(dr, "elasticity", nd, default=0.0)
    el_low = _float(dr, "elasticity_low", nd)
    el_high = _float(dr, "elasticity_high", nd)
    drv_el = np.vstack([el, np.where(np.isnan(el_low), el, el_low), np.where(np.isnan(el_high), el, el_high)])
    cap = np.abs(_float(dr, "max_effect", nd))
    A_kpi = sp.csr_matrix((np.ones(nd), (drv_kpi, np.arange(nd))), shape=(nk, nd))

    default_cost = plan.settings.default_cost_per_fte
    default_cost = None if default_cost is None or _is_missing(default_cost) else float(default_cost)

    for array in (E0, g_S0, g_n, baseline_totals, R0, K0u, K0, kpi_target, costs, growth, ps_growth):
        array.flags.writeable = False  # shared by every Results: views must not change them

    return Prepared(
        dataset=dataset, plan_years=years, year_labels=[calendar.label(y) for y in years], calendar=calendar,
        funds=vf, departments=vd, programs=vp, classes=vc, sources=vs,
        n_lines=n, line_group=line_group, E0=E0, line_recurring=lrec,
        g_pair=g_pair, g_fund=g_fund, g_class=g_class, g_dept=g_dept, g_prog=g_prog, g_rec=g_rec,
        g_S0=g_S0, g_n=g_n, pair_dept=pair_dept, pair_prog=pair_prog,
        growth=growth, personnel_growth=ps_growth,
        cell_pair=cell_pair, cell_combo=cell_combo, n_combos=ncombo, R_cells=R_cells, R_req=R_req, rows=rows, baseline_totals=baseline_totals,
        shown_departments=shown_departments, shown_pairs=shown_pairs, shown_classes=shown_classes,
        rev_fund=rf, rev_source=rs, rev_recurring=rrec, rev_growth=rgrowth, R0=R0, R_rev=R_rev,
        beginning_balance=beginning, reserve_floor=floor, reserve_target=target, reserve_ceiling=ceiling,
        fund_no_data=fund_no_data,
        request_ids=request_ids, request_index=request_index, request_titles=titles, request_types=types,
        req_fund=qf, req_dept=qd, req_prog=qp, req_pair=q_pair, req_class=qc, req_rec=qrec, req_costs=costs,
        kpi_ids=kpi_ids, kpi_names=names, kpi_units=units,
        kpi_goal_ids=[None if _is_missing(g) else str(g) for g in gids], kpi_direction=direction, kpi_weight=kpi_weight,
        kpi_min=kmin, kpi_max=kmax, K0u=K0u, K0=K0, kpi_target=kpi_target,
        drv_kpi=drv_kpi, drv_dept=dd, drv_prog=dp, drv_flat=drv_flat, drv_mask=drv_mask, drv_S0=drv_S0,
        drv_el=drv_el, drv_cap=cap, A_kpi=A_kpi, default_cost_per_fte=default_cost,
    )


def _rollup(G: np.ndarray, cell_pair: np.ndarray, cell_combo: np.ndarray, npair: int, ncombo: int,
            R_cells: sp.csr_matrix) -> np.ndarray:
    """Group totals (groups × 5) → roll-up rows [pairs | departments | funds | classes | funds recurring] × 5."""
    flat = np.ascontiguousarray(G).ravel()
    cells = np.concatenate([np.bincount(cell_pair, weights=flat, minlength=npair * NYEARS),
                            np.bincount(cell_combo, weights=flat, minlength=ncombo * NYEARS)])
    return np.asarray(R_cells @ cells.reshape(npair + ncombo, NYEARS))


def _clamp(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    out = values
    lo2 = lo[:, None]
    hi2 = hi[:, None]
    out = np.where(~np.isnan(lo2) & (out < lo2), lo2, out)
    out = np.where(~np.isnan(hi2) & (out > hi2), hi2, out)
    return out

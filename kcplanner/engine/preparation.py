"""`prepare(dataset) -> Prepared`: everything about a loaded dataset that no scenario can change.

Run once per loaded dataset.  It settles the plan years, turns every name into an integer code
(codes.py), computes the baseline (expenditure E0 per line item, revenue R0 per revenue line:
baseline.py; KPI baseline paths: kpis.py) and builds the index arrays and sparse roll-up matrices
(rollup.py) that `evaluate` uses.  The fields are listed in arrays.py; rule targeting and
validation are in targeting.py.

Expenditure lines are gathered into *groups*: line items sharing (department, program, fund,
account class, Recurring).  Every SPEC rule acts on whole groups, and inside a group each line's
scenario amount stays `a_g[t]·E0[i,t] + b_g[t]` (see docs/model.md), so `evaluate` works on group
totals and line-level amounts are only materialised on request.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..dataset import Dataset
from ..fiscal import FiscalCalendar
from ..scenario import EMPTY_SCENARIO
from .arrays import PreparedArrays
from .baseline import baseline_expenditure, baseline_revenue, class_growth
from .codes import NYEARS, OTHER_CLASS, Vocab, _is_missing, name_key
from .columns import _flags, _float, _year_columns
from .evaluation import evaluate
from .fund_data import funds_without_data
from .kpis import driver_fields, kpi_fields
from .rollup import _indicator, groups_and_rollups


class Prepared(PreparedArrays):
    """A dataset made ready for fast evaluation (arrays.py), with the baseline results cached."""

    def baseline_results(self):
        """The results of the empty scenario (cached)."""
        if self._baseline_results is None:
            self._baseline_results = evaluate(self, EMPTY_SCENARIO)
        return self._baseline_results


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

    growth, ps_growth = class_growth(plan.assumptions, vc, years)
    E0 = baseline_expenditure(amounts, growth, lc, lrec, y0, y1)
    groups, d_pair = groups_and_rollups(ld, lp, lf, lc, lrec, qd, qp, qf, qc, qrec, dd, dp, E0, nf, ndp, npg, ncl)
    R0 = baseline_revenue(plan.revenue_amounts, rgrowth, years, y0)
    R_rev = sp.vstack([_indicator(rf, nf), _indicator(rf, nf, rrec)]).tocsr()
    funds = _fund_fields(fd, ff, nf, rf)
    requests = _request_fields(rq, budget.request_costs, years)
    kpis = kpi_fields(kp, plan.goals, plan.kpi_targets, kpi_ids, years, y0)
    drivers = driver_fields(dr, dd, dp, d_pair, drv_kpi, len(kpi_ids), len(groups["pair_dept"]),
                            groups["baseline_totals"], groups["rows"])

    default_cost = plan.settings.default_cost_per_fte
    default_cost = None if default_cost is None or _is_missing(default_cost) else float(default_cost)

    for array in (E0, groups["g_S0"], groups["g_n"], groups["baseline_totals"], R0, kpis["K0u"], kpis["K0"],
                  kpis["kpi_target"], requests["req_costs"], growth, ps_growth):
        array.flags.writeable = False  # shared by every Results: views must not change them

    return Prepared(
        dataset=dataset, plan_years=years, year_labels=[calendar.label(y) for y in years], calendar=calendar,
        funds=vf, departments=vd, programs=vp, classes=vc, sources=vs,
        n_lines=n, E0=E0, line_recurring=lrec, growth=growth, personnel_growth=ps_growth, **groups,
        rev_fund=rf, rev_source=rs, rev_recurring=rrec, rev_growth=rgrowth, R0=R0, R_rev=R_rev, **funds,
        req_fund=qf, req_dept=qd, req_prog=qp, req_class=qc, req_rec=qrec, **requests, **kpis, **drivers,
        default_cost_per_fte=default_cost,
    )


def _fund_fields(fd: pd.DataFrame, ff: np.ndarray, nf: int, rf: np.ndarray) -> dict:
    """Beginning balance and reserve policy per fund (Funds table), and the funds without data."""
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
    return dict(beginning_balance=beginning, reserve_floor=floor, reserve_target=target, reserve_ceiling=ceiling,
                fund_no_data=fund_no_data)


def _request_fields(rq: pd.DataFrame, rc: pd.DataFrame, years: list[int]) -> dict:
    """Request IDs, titles, types and signed costs per plan year (a Reduction is negative)."""
    nq = len(rq)
    request_ids = [str(r).strip() for r in rq["request_id"]] if "request_id" in rq.columns else []
    request_index: dict[str, int] = {}
    for j, rid in enumerate(request_ids):
        request_index.setdefault(name_key(rid), j)
    costs = np.zeros((nq, NYEARS))
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
    return dict(request_ids=request_ids, request_index=request_index, request_titles=titles, request_types=types,
                req_costs=costs)

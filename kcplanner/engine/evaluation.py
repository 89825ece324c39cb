"""`evaluate(prepared, scenario) -> Results`: one scenario, vectorized over group totals.

Expenditure state is the group total G[g, t] (groups × plan years).  Every line i of group g stays
at a[g,t]·E0[i,t] + b[g,t] (b only where the line exists): a percent rule multiplies G (and a, b) by
(1 + v/100); an amount spread in proportion multiplies by (1 + V/T); an amount spread equally over
a zero-sum set adds V/N to b and n_g·V/N to G.  Each step is logged, so line-level amounts are
materialised only on request (Results.line_amounts replays the log on a and b).  Revenue lines
are few and are handled line by line.
"""

from __future__ import annotations

import numpy as np

from ..scenario import Scenario
from .arrays import PreparedArrays
from .carry import carry_beginning
from .codes import NYEARS, name_key
from .driver_values import driver_elasticities
from .fund_data import blank_figures, no_data_findings
from .results import (STATUS_ABOVE_CEILING, STATUS_BELOW_FLOOR, STATUS_BELOW_TARGET, STATUS_NO_EXPENDITURE,
                      STATUS_NO_POLICY, STATUS_NO_REVENUE_DATA, STATUS_WITHIN, DriverResults, Finding, FundResults, KPIResults,
                      RequestLines, Results, RevenueResults, Rollup)
from .rollup import _rollup

#: "Those add up to zero": |T| ≤ ZERO_ABS + ZERO_REL·Σ|group totals| (dollars; see docs/model.md).
ZERO_ABS = 1e-6
ZERO_REL = 1e-12
#: Relative tolerance of the KPI target and reserve policy comparisons.
REL_TOL = 1e-9


def _spread_groups(G: np.ndarray, idx: np.ndarray, n_idx: np.ndarray, g_n: np.ndarray, s: int, e: int,
                   V: np.ndarray, log: list) -> np.ndarray:
    """Add V[t] dollars (t in s..e-1) over groups idx; return the years where no line exists.

    In proportion: every matching line × (1 + V/T).  Zero-sum set: V/N to every existing line."""
    block = G[idx, s:e]
    T = block.sum(axis=0)
    N = n_idx[s:e]
    zero = np.abs(T) <= ZERO_ABS + ZERO_REL * np.abs(block).sum(axis=0)
    none = N == 0
    prop = ~zero & ~none
    equal = zero & ~none
    factor = np.ones(e - s)
    factor[prop] = 1.0 + V[prop] / T[prop]
    if equal.any():
        add = np.zeros(e - s)
        add[equal] = V[equal] / N[equal]
        G[idx, s:e] = block * factor + g_n[idx, s:e] * add
        log.append((idx, s, e, factor, add))
    elif prop.any():
        G[idx, s:e] = block * factor
        log.append((idx, s, e, factor, None))
    return np.flatnonzero(none & (V != 0)) + s


def _spread_lines(R: np.ndarray, idx: np.ndarray, s: int, e: int, V: np.ndarray) -> None:
    block = R[idx, s:e]
    T = block.sum(axis=0)
    zero = np.abs(T) <= ZERO_ABS + ZERO_REL * np.abs(block).sum(axis=0)
    safe = np.where(zero, 1.0, T)
    factor = np.where(zero, 1.0, 1.0 + V / safe)
    add = np.where(zero, V / len(idx), 0.0)
    R[idx, s:e] = block * factor[None, :] + add[None, :]


def evaluate(prepared: PreparedArrays, scenario: Scenario) -> Results:
    """Apply `scenario` to the prepared baseline and compute every figure (SPEC.md, "The model")."""
    P = prepared
    years = P.plan_years
    G = P.g_S0.copy()      # group totals, changed rule by rule
    log: list = []         # (groups, s, e, factor, add): replayed by Results.line_amounts()
    R = P.R0.copy()
    invalid: list[tuple[int, str]] = []
    notes: list[tuple[int, str]] = []

    for i, rule in enumerate(scenario.rules):
        problem = P.rule_problem(rule)
        if problem:
            invalid.append((i, P.rule_message(i, rule, problem)))
            continue
        s, e = P.rule_years(rule)
        e += 1
        info = P.target_info(rule.target, rule.kind)
        if info.side == "revenue":
            if rule.kind == "percent":
                R[info.idx, s:e] *= 1.0 + rule.value / 100.0
            else:
                _spread_lines(R, info.idx, s, e, np.full(e - s, rule.value))
            continue
        if rule.kind == "percent":
            factor = np.full(e - s, 1.0 + rule.value / 100.0)
            G[info.idx, s:e] *= factor
            log.append((info.idx, s, e, factor, None))
            continue
        if rule.kind == "amount":
            V = np.full(e - s, rule.value)
        else:  # fte: value × cost per FTE in the first year of the range, grown by the PS rate after
            V = np.empty(e - s)
            V[0] = rule.value * info.cost_per_fte
            for k in range(1, e - s):
                V[k] = V[k - 1] * (1.0 + P.personnel_growth[s + k])
        empty_years = _spread_groups(G, info.idx, info.n, P.g_n, s, e, V, log)
        if empty_years.size:
            labels = ", ".join(P.label(years[t]) for t in empty_years)
            notes.append((i, P.rule_message(i, rule, f"no matching line item exists in {labels} "
                                                     "(one-time lines exist in the first plan year only); "
                                                     "nothing was added there")))

    # -- funded requests -------------------------------------------------------------------------
    funded = np.zeros(len(P.request_ids))
    unknown = P.request_problems(scenario)
    order: list[int] = []
    for rid in scenario.funded_requests:
        j = P.request_index.get(name_key(rid))
        if j is not None and funded[j] == 0:
            funded[j] = 1.0
            order.append(j)
    req_costs = P.req_costs * funded[:, None]

    # -- roll-ups --------------------------------------------------------------------------------
    totals = _rollup(G, P.cell_pair, P.cell_combo, len(P.pair_dept), P.n_combos, P.R_cells)
    if order:
        totals += np.asarray(P.R_req @ req_costs)
    rows = P.rows
    base = P.baseline_totals
    pair_s = totals[rows["pairs"]]
    dept_s = totals[rows["departments"]]
    fund_exp = totals[rows["funds"]]
    fund_rec_exp = totals[rows["funds_recurring"]]
    rev_tot = np.asarray(P.R_rev @ R)
    nf = len(P.funds)
    fund_rev, fund_rec_rev = rev_tot[:nf], rev_tot[nf:]

    # -- funds -----------------------------------------------------------------------------------
    balance = np.empty((nf, NYEARS))
    beginning, carry, carry_notes = carry_beginning(P, scenario.review_carry)  # engine/carry.py
    prev = beginning
    for t in range(NYEARS):
        prev = prev + fund_rev[:, t] - fund_exp[:, t]
        balance[:, t] = prev
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(fund_exp != 0, balance / np.where(fund_exp != 0, fund_exp, 1.0), np.nan)
    structural = fund_rec_rev - fund_rec_exp
    no_data = P.fund_no_data
    if no_data.any():  # budget-only funds: no balance, reserve or structural figures (fund_data.py)
        blank_figures(no_data, balance, ratio, structural)
    funds = _fund_results(P, fund_rev, fund_exp, fund_rec_rev, fund_rec_exp, balance, ratio, structural, beginning,
                          None if carry is None else carry.amounts)

    # -- KPIs ------------------------------------------------------------------------------------
    drivers_in_effect = driver_elasticities(P, scenario.driver_overrides)  # driver_values.py
    kpis = _kpi_results(P, pair_s, dept_s, drivers_in_effect.el)

    names = P.names
    findings = _findings(P, funds)
    q = np.array(order, dtype=np.int64)
    requests = RequestLines(
        ids=[P.request_ids[j] for j in order], titles=[P.request_titles[j] for j in order],
        types=[P.request_types[j] for j in order], funds=[names["request_funds"][j] for j in order],
        departments=[names["request_departments"][j] for j in order],
        programs=[names["request_programs"][j] for j in order],
        account_classes=[names["request_classes"][j] for j in order],
        recurring=P.req_rec[q] if q.size else np.zeros(0, dtype=bool),
        costs=P.req_costs[q] if q.size else np.zeros((0, NYEARS)))
    sd, spair, scl = P.shown_departments, P.shown_pairs, P.shown_classes
    return Results(
        scenario=scenario, plan_years=list(years), year_labels=list(P.year_labels), funds=funds,
        by_fund=Rollup(names["funds"], base[rows["funds"]], fund_exp, list(years)),
        by_department=Rollup(names["departments"], base[rows["departments"]][sd], dept_s[sd], list(years)),
        by_program=Rollup(names["pairs"], base[rows["pairs"]][spair], pair_s[spair], list(years)),
        by_account_class=Rollup(names["classes"], base[rows["classes"]][scl], totals[rows["classes"]][scl], list(years)),
        revenue=RevenueResults(names["revenue_funds"], names["revenue_sources"], P.rev_recurring, P.R0, R),
        requests=requests, kpis=kpis, findings=findings, invalid_rules=invalid, rule_notes=notes,
        unknown_requests=unknown, carry_notes=carry_notes, override_notes=list(drivers_in_effect.problems),
        _prepared=P, _log=log)


def _fund_results(P: PreparedArrays, rev, exp, rrev, rexp, balance, ratio, structural, beginning,
                  carried=None) -> FundResults:
    nf = len(P.funds)
    floor, target, ceiling = (x[:, None] for x in (P.reserve_floor, P.reserve_target, P.reserve_ceiling))
    status = np.full((nf, NYEARS), STATUS_WITHIN, dtype=object)
    has_policy = ~(np.isnan(floor) & np.isnan(target) & np.isnan(ceiling))
    with np.errstate(invalid="ignore"):
        below_floor = ratio < floor - REL_TOL * np.abs(floor)
        below_target = ratio < target - REL_TOL * np.abs(target)
        above_ceiling = ratio > ceiling + REL_TOL * np.abs(ceiling)
        scale = np.maximum(np.abs(rrev), np.abs(rexp))
        deficit = structural < -(ZERO_ABS + REL_TOL * scale)
        negative = balance < -(ZERO_ABS + REL_TOL * np.abs(beginning)[:, None])
    status[above_ceiling] = STATUS_ABOVE_CEILING
    status[below_target & ~below_floor] = STATUS_BELOW_TARGET
    status[below_floor] = STATUS_BELOW_FLOOR
    status[np.isnan(ratio)] = STATUS_NO_EXPENDITURE
    status[~np.broadcast_to(has_policy, (nf, NYEARS))] = STATUS_NO_POLICY
    no_data = P.fund_no_data
    if no_data.any():
        status[no_data] = STATUS_NO_REVENUE_DATA
        deficit[no_data] = False
        negative[no_data] = False
        beginning = np.where(no_data, np.nan, beginning)
        if carried is not None:
            carried = np.where(no_data, np.nan, carried)
    return FundResults(
        names=list(P.funds.names), revenue=rev, expenditure=exp, recurring_revenue=rrev, recurring_expenditure=rexp,
        balance=balance, beginning_balance=beginning, reserve_ratio=ratio, structural=structural,
        floor=P.reserve_floor, target=P.reserve_target, ceiling=P.reserve_ceiling, status=status,
        structural_deficit=deficit, negative_balance=negative, plan_years=list(P.plan_years),
        no_revenue_data=no_data, carried=carried)


def _pct(x: float, decimals: int = 1) -> str:
    text = f"{x * 100:.{decimals}f}".rstrip("0").rstrip(".")
    return text + "%"


def _pct_pair(ratio: float, policy: float) -> tuple[str, str]:
    """The ratio and the policy as percentages, with enough decimals to tell them apart."""
    for d in (1, 2, 3, 4):
        a, b = _pct(ratio, d), _pct(policy, d)
        if a != b:
            return a, b
    return _pct(ratio, 6), _pct(policy, 6)


def _money(x: float) -> str:
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def _findings(P: PreparedArrays, funds: FundResults) -> list[Finding]:
    """Policy findings in words, fund by fund and year by year (fund order, then year); then one
    `no_revenue_data` note per fund without revenue data (year None)."""
    out: list[Finding] = []
    flagged = (funds.status == STATUS_BELOW_FLOOR) | (funds.status == STATUS_BELOW_TARGET) | \
              (funds.status == STATUS_ABOVE_CEILING) | funds.structural_deficit | funds.negative_balance
    notes = no_data_findings(funds.names, P.fund_no_data) if P.fund_no_data.any() else []
    if not flagged.any():
        return notes
    for f, t in zip(*(a.tolist() for a in np.nonzero(flagged))):
        name, year = funds.names[f], P.plan_years[t]
        label = P.label(year)
        ratio = funds.reserve_ratio[f, t]
        if funds.negative_balance[f, t]:
            out.append(Finding(name, year, "negative_balance",
                               f"{name} balance is negative in {label} ({_money(funds.balance[f, t])})"))
        st = funds.status[f, t]
        if st == STATUS_BELOW_FLOOR:
            r, p = _pct_pair(ratio, funds.floor[f])
            out.append(Finding(name, year, "below_floor",
                               f"{name} reserve falls below its {p} floor in {label} ({r} of expenditure)"))
        elif st == STATUS_BELOW_TARGET:
            r, p = _pct_pair(ratio, funds.target[f])
            out.append(Finding(name, year, "below_target",
                               f"{name} reserve is below its {p} target in {label} ({r} of expenditure)"))
        elif st == STATUS_ABOVE_CEILING:
            r, p = _pct_pair(ratio, funds.ceiling[f])
            out.append(Finding(name, year, "above_ceiling",
                               f"{name} reserve rises above its {p} ceiling in {label} ({r} of expenditure)"))
        if funds.structural_deficit[f, t]:
            out.append(Finding(name, year, "structural_deficit",
                               f"{name} has a structural deficit of {_money(-funds.structural[f, t])} in {label} "
                               "(recurring expenditure exceeds recurring revenue)"))
    return out + notes


def _saturate(E: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """e = m·tanh(e/m) where a Max effect m is given (m = 0 → no effect)."""
    has = ~np.isnan(cap)
    if not has.any():
        return E
    m = np.where(has & (cap > 0), cap, 1.0)
    sat = np.where(cap > 0, m * np.tanh(E / m), 0.0)
    return np.where(has, sat, E)


def _kpi_results(P: PreparedArrays, pair_s: np.ndarray, dept_s: np.ndarray, drv_el: np.ndarray) -> KPIResults:
    """KPI paths from the spending; `drv_el` (3, drivers): elasticity, low, high in effect."""
    nk, nd = len(P.kpi_ids), len(P.drv_kpi)
    if nd:
        units = np.concatenate([pair_s, dept_s], axis=0).ravel()
        S = units[P.drv_flat]
        x = np.where(P.drv_mask, S / P.drv_S0 - 1.0, 0.0)
        E = drv_el[:, :, None] * x[None, :, :]                     # (3, drivers, 5)
        E = _saturate(E, P.drv_cap[None, :, None])
        sums = np.asarray(P.A_kpi @ E.transpose(1, 0, 2).reshape(nd, 3 * NYEARS)).reshape(nk, 3, NYEARS)
    else:
        x = np.zeros((0, NYEARS))
        E = np.zeros((3, 0, NYEARS))
        sums = np.zeros((nk, 3, NYEARS))
    K0u = P.K0u
    lo, hi = P.kpi_min[:, None], P.kpi_max[:, None]

    def clamp(v):
        v = np.where(~np.isnan(lo) & (v < lo), lo, v)
        return np.where(~np.isnan(hi) & (v > hi), hi, v)

    K = clamp(K0u * (1.0 + sums[:, 0]))
    Kl = clamp(K0u * (1.0 + sums[:, 1]))
    Kh = clamp(K0u * (1.0 + sums[:, 2]))
    target = P.kpi_target
    has_target = ~np.isnan(target)
    met = _met(K, target, P.kpi_direction, has_target)
    met0 = _met(P.K0, target, P.kpi_direction, has_target)
    names = P.names
    drivers = DriverResults(
        kpi_index=P.drv_kpi, kpi_ids=names["driver_kpis"],
        departments=names["driver_departments"], programs=names["driver_programs"],
        x=x, effect=E[0], effect_low=E[1], effect_high=E[2])
    return KPIResults(
        ids=list(P.kpi_ids), names=list(P.kpi_names), units=list(P.kpi_units), goal_ids=list(P.kpi_goal_ids),
        direction=P.kpi_direction,
        weight=P.kpi_weight, baseline=P.K0, scenario=K, low=np.minimum(Kl, Kh), high=np.maximum(Kl, Kh),
        target=target, has_target=has_target, met=met, baseline_met=met0,
        score=_score(met, has_target, P.kpi_weight), baseline_score=_score(met0, has_target, P.kpi_weight),
        drivers=drivers, plan_years=list(P.plan_years))


def _met(K: np.ndarray, target: np.ndarray, direction: np.ndarray, has_target: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        close = np.abs(K - target) <= REL_TOL * np.maximum(np.abs(K), np.abs(target))
        better = np.where(direction[:, None] > 0, K >= target, K <= target)
    return has_target & (better | close)


def _score(met: np.ndarray, has_target: np.ndarray, weight: np.ndarray) -> np.ndarray:
    w = weight[:, None] * has_target
    den = w.sum(axis=0)
    num = (w * met).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(has_target.any(axis=0) & (den != 0), num / np.where(den != 0, den, 1.0), np.nan)


"""A plain, line-level implementation of SPEC.md "The model", written independently of the engine.

Straight loops over lines, rules and years on the Dataset's own tables (no Prepared, no groups,
no sparse matrices), used by the tests to check every figure the engine computes.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kcplanner.scenario import Scenario


def key(x) -> str:
    return " ".join(str(x).split()).casefold()


def _blank(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _num(x) -> float:
    return np.nan if _blank(x) else float(x)


def _years_of(columns) -> dict[int, object]:
    from kcplanner.fiscal import parse_fiscal_year
    return {parse_fiscal_year(c): c for c in columns if parse_fiscal_year(c) is not None}


def reference(ds, scenario: Scenario) -> dict:
    years = ds.plan_years
    y1, y0 = years[0], years[0] - 1
    li = ds.budget.line_items.reset_index(drop=True)
    am = ds.budget.amounts.reset_index(drop=True)
    n = len(li)

    asm = ds.plan.assumptions
    acols = _years_of(asm.columns)
    growth = {key(c): [(_num(asm.loc[c, acols[y]]) if y in acols else np.nan) for y in years] for c in asm.index}
    growth = {k: [0.0 if math.isnan(v) else v for v in g] for k, g in growth.items()}

    def g(cls, t):
        return growth.get(key("Other" if _blank(cls) else cls), [0.0] * 5)[t]

    def amount(i, y, phase):
        return _num(am.loc[i, (y, phase)]) if (y, phase) in am.columns else np.nan

    actual_years = sorted({y for (y, p) in am.columns if p == "Actual" and y <= y0}, reverse=True)
    cls_of = ["Other" if _blank(c) else str(c) for c in li["account_class"]]
    rec_of = [bool(r) for r in li["recurring"]]
    E0 = np.zeros((n, 5))
    for i in range(n):
        req, adopted = amount(i, y1, "Requested"), amount(i, y0, "Adopted")
        latest_actual = next((amount(i, y, "Actual") for y in actual_years if not math.isnan(amount(i, y, "Actual"))), np.nan)
        if not math.isnan(req):
            e = req
        elif not math.isnan(adopted):
            e = adopted * (1 + g(cls_of[i], 0))
        elif not math.isnan(latest_actual):
            e = latest_actual * (1 + g(cls_of[i], 0))
        else:
            e = 0.0
        E0[i, 0] = e
        for t in range(1, 5):
            E0[i, t] = E0[i, t - 1] * (1 + g(cls_of[i], t)) if rec_of[i] else 0.0
        if not rec_of[i]:
            E0[i, 1:] = 0.0

    # revenue
    rv = ds.plan.revenue.reset_index(drop=True)
    ra = ds.plan.revenue_amounts.reset_index(drop=True)
    nr = len(rv)
    R0 = np.zeros((nr, 5))
    for r in range(nr):
        gr = 0.0 if _blank(rv.loc[r, "growth"]) else float(rv.loc[r, "growth"])

        def ramount(y, phase):
            return _num(ra.loc[r, (y, phase)]) if (y, phase) in ra.columns else np.nan
        seed_years = sorted({y for (y, p) in ra.columns if p in ("Estimate", "Adopted", "Actual") and y <= y0}, reverse=True)
        prev = 0.0
        for y in seed_years:
            val = next((ramount(y, p) for p in ("Estimate", "Adopted", "Actual") if not math.isnan(ramount(y, p))), np.nan)
            if not math.isnan(val):
                prev = val
                for _ in range(y, y0):
                    prev *= 1 + gr
                break
        for t, y in enumerate(years):
            given = ramount(y, "Projected")
            if math.isnan(given):
                given = ramount(y, "Estimate")
            R0[r, t] = given if not math.isnan(given) else prev * (1 + gr)
            prev = R0[r, t]

    # rules
    X = E0.copy()
    R = R0.copy()
    lkeys = {c: [key(v) if not _blank(v) else None for v in li[c]] for c in ("fund", "department", "program")}
    lkeys["account_class"] = [key(c) for c in cls_of]
    rkeys = {"fund": [key(v) for v in rv["fund"]], "revenue_source": [key(v) for v in rv["source"]]}
    pos = ds.budget.positions
    ps_rates = growth.get(key("Personnel Services"), [0.0] * 5)
    for rule in scenario.rules:
        start = y1 if rule.start is None else rule.start
        end = years[-1] if rule.end is None else rule.end
        range_t = [t for t, y in enumerate(years) if start <= y <= end]
        tg = rule.target
        if tg.revenue_source is not None:
            mask = np.array([all(rkeys[k][r] == key(v) for k, v in tg.items()) for r in range(nr)])
            for t in range(len(years)):
                if t not in range_t:
                    continue
                if rule.kind == "percent":
                    R[mask, t] *= 1 + rule.value / 100
                else:
                    T = R[mask, t].sum()
                    if abs(T) <= 1e-6 + 1e-12 * np.abs(R[mask, t]).sum():
                        R[mask, t] += rule.value / mask.sum()
                    else:
                        R[mask, t] += rule.value * R[mask, t] / T
            continue
        mask = np.array([all(lkeys[k][i] == key(v) for k, v in tg.items()) for i in range(n)], dtype=bool)
        V = {}
        if rule.kind == "fte":
            mask &= np.array([key(c) == "personnel services" for c in cls_of])
            sel = [j for j in range(len(pos)) if key(pos["program"].iloc[j]) == key(tg.program)
                   and (tg.department is None or key(pos["department"].iloc[j]) == key(tg.department))
                   and not _blank(pos["cost_per_fte"].iloc[j]) and not _blank(pos["fte"].iloc[j])]
            sfte = sum(float(pos["fte"].iloc[j]) for j in sel)
            if sel and sfte != 0:
                cost = sum(float(pos["fte"].iloc[j]) * float(pos["cost_per_fte"].iloc[j]) for j in sel) / sfte
            else:
                cost = float(ds.plan.settings.default_cost_per_fte)
            c = rule.value * cost
            for k, t in enumerate(range_t):
                if k > 0:
                    c = c * (1 + ps_rates[t])
                V[t] = c
        elif rule.kind == "amount":
            V = {t: rule.value for t in range_t}
        for t in range_t:
            exists = np.array(rec_of) | (t == 0)
            m = mask & exists
            if rule.kind == "percent":
                X[m, t] *= 1 + rule.value / 100
                continue
            if not m.any():
                continue
            T = X[m, t].sum()
            if abs(T) <= 1e-6 + 1e-12 * np.abs(X[m, t]).sum():
                X[m, t] += V[t] / m.sum()
            else:
                X[m, t] += V[t] * X[m, t] / T

    # requests
    rq = ds.budget.requests.reset_index(drop=True)
    rc = ds.budget.request_costs
    rcols = _years_of(rc.columns)
    req_rows = []
    funded = {key(r) for r in scenario.funded_requests}
    for j in range(len(rq)):
        if key(rq.loc[j, "request_id"]) not in funded:
            continue
        sign = -1.0 if key(rq.loc[j, "type"]) == "reduction" else 1.0
        rid = key(rq.loc[j, "request_id"])
        row = next(k for k in rc.index if key(k) == rid)
        costs = np.array([sign * (0.0 if y not in rcols or _blank(rc.loc[row, rcols[y]]) else float(rc.loc[row, rcols[y]]))
                          for y in years])
        req_rows.append({"fund": key(rq.loc[j, "fund"]), "department": key(rq.loc[j, "department"]),
                         "program": key(rq.loc[j, "program"]), "recurring": bool(rq.loc[j, "recurring"]),
                         "costs": costs})

    # funds
    fund_names = {}
    for v in list(li["fund"]) + list(rv["fund"]) + list(ds.plan.funds["fund"]) + list(rq["fund"]):
        if not _blank(v):
            fund_names.setdefault(key(v), str(v))
    fs = ds.plan.funds
    funds = {}
    for fk, fname in fund_names.items():
        lm = np.array([k == fk for k in lkeys["fund"]], dtype=bool)
        rm = np.array([k == fk for k in rkeys["fund"]], dtype=bool)
        rec = np.array(rec_of, dtype=bool)
        rrec = np.array([bool(x) for x in rv["recurring"]], dtype=bool)
        exp = X[lm].sum(0) + sum((q["costs"] for q in req_rows if q["fund"] == fk), np.zeros(5))
        rexp = X[lm & rec].sum(0) + sum((q["costs"] for q in req_rows if q["fund"] == fk and q["recurring"]), np.zeros(5))
        rev = R[rm].sum(0)
        rrev = R[rm & rrec].sum(0)
        row = [j for j in range(len(fs)) if key(fs["fund"].iloc[j]) == fk]
        bal0 = float(fs["beginning_balance"].iloc[row[0]]) if row and not _blank(fs["beginning_balance"].iloc[row[0]]) else 0.0
        bal = np.zeros(5)
        b = bal0
        for t in range(5):
            b = b + rev[t] - exp[t]
            bal[t] = b
        ratio = np.array([bal[t] / exp[t] if exp[t] != 0 else np.nan for t in range(5)])
        funds[fname] = {"revenue": rev, "expenditure": exp, "balance": bal, "reserve_ratio": ratio,
                        "structural": rrev - rexp}

    # spending by department and (department, program)
    def spending(dept, prog, scen: bool):
        m = np.array([lkeys["department"][i] == key(dept) and (prog is None or lkeys["program"][i] == key(prog))
                      for i in range(n)], dtype=bool)
        s = (X if scen else E0)[m].sum(0)
        if scen:
            for q in req_rows:
                if q["department"] == key(dept) and (prog is None or q["program"] == key(prog)):
                    s = s + q["costs"]
        return s

    departments = {}
    for v in list(li["department"]) + list(rq["department"]):
        name = str(v)
        if key(name) not in {key(d) for d in departments}:
            departments[name] = {"baseline": spending(name, None, False), "scenario": spending(name, None, True)}

    # KPIs
    kp = ds.plan.kpis.reset_index(drop=True)
    dr = ds.plan.drivers.reset_index(drop=True)
    kt = ds.plan.kpi_targets
    tcols = _years_of(kt.columns)
    goals = ds.plan.goals
    gweight = {key(goals["goal_id"].iloc[j]): (1.0 if _blank(goals["weight"].iloc[j]) else float(goals["weight"].iloc[j]))
               for j in range(len(goals))}
    kpis = {}
    num, den = np.zeros(5), np.zeros(5)
    for k in range(len(kp)):
        kid = str(kp.loc[k, "kpi_id"])
        base = float(kp.loc[k, "baseline"])
        bfy = y0 if _blank(kp.loc[k, "baseline_fy"]) else int(kp.loc[k, "baseline_fy"])
        trend = 0.0 if _blank(kp.loc[k, "trend"]) else float(kp.loc[k, "trend"])
        lo, hi = _num(kp.loc[k, "minimum"]), _num(kp.loc[k, "maximum"])
        K0u = np.array([base * (1 + trend) ** (y - bfy) for y in years])
        sums = np.zeros((3, 5))
        for d in range(len(dr)):
            if key(dr.loc[d, "kpi_id"]) != key(kid):
                continue
            prog = None if _blank(dr.loc[d, "program"]) else dr.loc[d, "program"]
            S = spending(dr.loc[d, "department"], prog, True)
            S0 = spending(dr.loc[d, "department"], prog, False)
            lag = 0 if _blank(dr.loc[d, "lag"]) else int(dr.loc[d, "lag"])
            m = _num(dr.loc[d, "max_effect"])
            els = [float(dr.loc[d, "elasticity"])]
            for c in ("elasticity_low", "elasticity_high"):
                els.append(float(dr.loc[d, "elasticity"]) if _blank(dr.loc[d, c]) else float(dr.loc[d, c]))
            for t in range(5):
                j = t - lag
                x = S[j] / S0[j] - 1 if 0 <= j and S0[j] != 0 else 0.0
                for b_, el in enumerate(els):
                    e = el * x
                    if not math.isnan(m):
                        e = m * math.tanh(e / m) if m > 0 else 0.0
                    sums[b_, t] += e

        def clamp(v):
            v = max(v, lo) if not math.isnan(lo) else v
            return min(v, hi) if not math.isnan(hi) else v
        K0 = np.array([clamp(v) for v in K0u])
        paths = [np.array([clamp(K0u[t] * (1 + sums[b_, t])) for t in range(5)]) for b_ in range(3)]
        target = np.array([_num(kt.loc[kid, tcols[y]]) if y in tcols and kid in kt.index else np.nan for y in years])
        direction = kp.loc[k, "direction"]
        direction = 1 if (direction in (1, "1") or (isinstance(direction, (int, float)) and direction > 0)) else -1
        met = []
        for t in range(5):
            if math.isnan(target[t]):
                met.append(None)
                continue
            K = paths[0][t]
            ok = (K >= target[t]) if direction > 0 else (K <= target[t])
            ok = ok or math.isclose(K, target[t], rel_tol=1e-9)
            met.append(bool(ok))
            gid = kp.loc[k, "goal_id"]
            w = (1.0 if _blank(kp.loc[k, "weight"]) else float(kp.loc[k, "weight"])) * \
                (1.0 if _blank(gid) else gweight.get(key(gid), 1.0))
            den[t] += w
            num[t] += w * ok
        kpis[kid] = {"baseline": K0, "scenario": paths[0], "low": np.minimum(paths[1], paths[2]),
                     "high": np.maximum(paths[1], paths[2]), "target": target, "met": met}
    score = np.array([num[t] / den[t] if den[t] else np.nan for t in range(5)])
    return {"plan_years": years, "lines": (E0, X), "revenue": (R0, R), "funds": funds, "departments": departments,
            "kpis": kpis, "score": score}

"""The sample city's line items and positions, department by department (`kcplanner sample`).

Every draw comes from the one generator `kcplanner.sample.city.generate` passes in, consumed in a
fixed order, so the same seed and line count give the same tables.
"""

from __future__ import annotations

import bisect
import itertools

import numpy as np
import pandas as pd

from . import names as S

AMOUNT_KEYS = ("a2024", "a2025", "adopted", "requested")
MIN_LINES = sum(len(d.programs) for d in S.DEPARTMENTS)


def _choice(rng: np.random.Generator, items: list, weights) -> object:
    """One item drawn with the given weights (one uniform draw from `rng`)."""
    cum = list(itertools.accumulate(float(w) for w in weights))
    return items[min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(items) - 1)]


def lines_per_department(lines: int) -> list[int]:
    """Lines for each department: one per program, the rest by size (weight ∝ budget^0.75)."""
    base = [len(d.programs) for d in S.DEPARTMENTS]
    lines = max(lines, sum(base))  # at least one line per program
    weights = np.array([d.adopted_millions ** 0.75 for d in S.DEPARTMENTS])
    extra = lines - sum(base)
    share = weights / weights.sum() * extra
    counts = np.floor(share).astype(int)
    order = np.argsort(-(share - counts), kind="stable")
    for i in order[: extra - counts.sum()]:
        counts[i] += 1
    return [b + int(c) for b, c in zip(base, counts)]


def department_lines(rng: np.random.Generator, dept: S.Department, n: int, total: float) -> pd.DataFrame:
    mix = S.CLASS_MIX[dept.profile]
    classes = list(mix)
    count_p = np.array([mix[c] ** 0.6 for c in classes])
    programs = [p for p, _ in dept.programs]
    prog_w = [w for _, w in dept.programs]
    non_debt = [c for c in classes if c != "Debt Service"]
    non_debt_p = np.array([mix[c] ** 0.6 for c in non_debt])

    rows = []
    used: dict[tuple[str, str, str], int] = {}
    for k in range(n):
        if k < len(programs):  # every program gets a line
            program = programs[k]
            cls = "Personnel Services" if k % 3 != 2 else _choice(rng, non_debt, non_debt_p)
        else:
            cls = _choice(rng, classes, count_p)
            if cls == "Debt Service" and dept.debt_program:
                program = dept.debt_program
            else:
                program = _choice(rng, programs, prog_w)
        fmix = dept.program_funds.get(program, dept.funds)
        fund = _choice(rng, list(fmix), list(fmix.values()))
        sign = 1.0
        if cls == "Personnel Services" and k >= len(programs) and rng.random() < 0.012:
            code, desc = S.VACANCY_ACCOUNT
            sign = -0.35
        else:
            accounts = S.ACCOUNTS[cls]
            code, desc, _w = _choice(rng, accounts, [a[2] for a in accounts])
        seq = used.get((fund, program, code), 0)
        used[(fund, program, code)] = seq + 1
        account = f"{code} {desc}" if seq == 0 else f"{code}-{seq:02d} {desc}"
        p_onetime = {"Capital Outlay": 0.55, "Contractual Services": 0.03, "Other": 0.05}.get(cls, 0.0)
        recurring = "N" if rng.random() < p_onetime else "Y"
        raw = sign * rng.lognormal(0.0, 1.25)
        u = rng.random()
        kind = "normal"
        if k >= len(programs) and sign > 0:
            if u < 0.005:
                kind = "actual_only"
            elif u < 0.017:
                kind = "no_request"
        rows.append((fund, dept.name, program, account, cls, recurring, raw, kind,
                     rng.uniform(0.90, 1.03), rng.uniform(0.92, 1.02), rng.normal(0.004, 0.03),
                     rng.uniform(0.5, 1.5), rng.random()))
    cols = list(zip(*rows))
    cls = np.array(cols[4], dtype=object)
    raw = np.array(cols[6], dtype=float)
    kind = np.array(cols[7], dtype=object)
    n1, n2, n3, n4, n5 = (np.array(c, dtype=float) for c in cols[8:13])
    # scale each class to its share of the department's FY2026 Adopted total
    budgeted = kind != "actual_only"
    present = [c for c in classes if (budgeted & (cls == c)).any()]
    share_sum = sum(mix[c] for c in present)
    scale = np.ones(n)
    for c in classes:
        m = cls == c
        if c in present:
            scale[m] = total * mix[c] / share_sum / raw[m & budgeted].sum()
        elif m.any():
            scale[m] = total * 0.001 / max(np.abs(raw[m]).sum(), 1e-9)
    amount = raw * scale
    g1 = np.array([S.GROWTH[c][0] / 100 for c in cls])
    recurring = np.array(cols[5], dtype=object) == "Y"
    a2025 = np.round(amount * n1 / (1 + g1), 2)
    a2024 = np.round(a2025 * n2 / (1 + g1), 2)
    requested = np.round(np.where(recurring, amount * (1 + g1 + n3), amount * n4), 0)
    actual_only = kind == "actual_only"
    out = {
        "a2024": np.where(actual_only, np.round(amount * 1.02, 2), np.where(recurring | (n5 < 0.3), a2024, np.nan)),
        "a2025": np.where(actual_only, np.round(amount, 2), np.where(recurring | (n5 < 0.5), a2025, np.nan)),
        "adopted": np.where(budgeted, np.round(amount, 0), np.nan),
        "requested": np.where(kind == "normal", requested, np.nan),
    }
    # the ledger's order: fund, program, account
    fund_order = {f[0]: i for i, f in enumerate(S.FUNDS)}
    prog_order = {p: i for i, p in enumerate(programs)}
    order = sorted(range(n), key=lambda k: (fund_order[rows[k][0]], prog_order[rows[k][2]], rows[k][3]))
    frame = {name: [cols[c][k] for k in order]
             for c, name in enumerate(["fund", "department", "program", "account", "account_class", "recurring"])}
    frame.update({key: out[key][order] for key in AMOUNT_KEYS})
    return pd.DataFrame(frame)


def department_positions(rng: np.random.Generator, dept: S.Department, lines: pd.DataFrame) -> list[tuple]:
    costs = dict(dept.positions)
    titles_all = [t for t, _ in dept.positions]
    out = []
    personnel = lines[lines["account_class"] == "Personnel Services"].groupby("program")["adopted"].sum()
    for i, (program, _w) in enumerate(dept.programs):
        titles = [t for t in S.PROGRAM_TITLES.get(program, []) if t in costs]
        if not titles:
            k = int(rng.integers(2, 4))
            start = i % len(titles_all)
            titles = [titles_all[(start + j) % len(titles_all)] for j in range(k)]
        weights = np.array([0.65] + [0.35 / max(len(titles) - 1, 1)] * (len(titles) - 1))
        weights = weights / weights.sum()
        unit = [round(costs[t] * rng.uniform(0.97, 1.03), -2) for t in titles]
        avg = float(np.dot(weights, unit))
        spend = float(personnel.get(program, 0.0))
        fte_total = max(spend * 0.97 / avg, 1.0)
        for t, w, c in zip(titles, weights, unit):
            fte = max(round(fte_total * w * 2) / 2, 0.5)
            cost = None if rng.random() < 0.03 else c
            out.append((dept.name, program, t, fte, cost))
    return out


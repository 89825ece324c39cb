"""A deterministic sample city in the Kansas City, Missouri mould (`kcplanner sample`).

`write_sample(out_dir, lines, seed)` writes a plan workbook (`plan.xlsx`) and one budget
workbook per department (`police.xlsx`, …), in the formats of SPEC.md.  The same seed and
line count give byte-identical files: every random draw comes from one
`numpy.random.Generator(PCG64(seed))` consumed in a fixed order, and every workbook carries a
fixed creation date.  The fixed facts (departments, programs, funds, goals, KPIs, requests)
live in `kcplanner.sample_names`; docs/sample-data.md describes the result.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from . import sample_names as S
from .atomic import atomic_path

DEFAULT_LINES = 20000
DEFAULT_SEED = 1
CREATED = datetime(2026, 1, 1)
PLAN_FILE = "plan.xlsx"
MIN_LINES = sum(len(d.programs) for d in S.DEPARTMENTS)

Y1 = S.FIRST_PLAN_YEAR
Y0 = Y1 - 1
PLAN_YEARS = list(range(Y1, Y1 + 5))

#: Amount headers of a department workbook by style: (FY2024 Actual, FY2025 Actual, FY2026 Adopted, FY2027 Requested)
HEADER_STYLES = {
    "standard": ("FY2024 Actual", "FY2025 Actual", "FY2026 Adopted", "FY2027 Requested"),
    "range": ("FY 2023-24 Actual", "FY 2024-25 Actual", "FY 2025-26 Adopted", "FY 2026-27 Requested"),
    "short": ("FY24 Actual", "FY25 Actual", "FY26 Adopted", "FY27 Requested"),
    "proposed": ("FY2024 Actual", "FY2025 Actual", "FY2026 Adopted", "FY2027 Proposed"),
}
AMOUNT_KEYS = ("a2024", "a2025", "adopted", "requested")


@dataclass
class SampleFiles:
    """What `write_sample` wrote."""

    plan: Path
    departments: list[Path] = field(default_factory=list)

    @property
    def budgets(self) -> list[Path]:
        """The department budget workbooks (the same list as `departments`)."""
        return self.departments

    @property
    def all(self) -> list[Path]:
        return [self.plan, *self.departments]


@dataclass
class SampleCity:
    """The generated tables, before they are written (also handy in tests and docs)."""

    lines: pd.DataFrame  # fund, department, program, account, account_class, recurring + AMOUNT_KEYS
    positions: pd.DataFrame
    requests: pd.DataFrame  # with cost_<year> columns
    revenue: pd.DataFrame  # fund, source, recurring, growth (%), a2024, a2025, adopted, estimate, projected
    funds: pd.DataFrame  # fund, fund_name, beginning_balance, floor, target, ceiling (%)


# ------------------------------------------------------------------ generation


def _choice(rng: np.random.Generator, items: list, weights) -> object:
    """One item drawn with the given weights (one uniform draw from `rng`)."""
    cum = list(itertools.accumulate(float(w) for w in weights))
    return items[min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(items) - 1)]


def _lines_per_department(lines: int) -> list[int]:
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


def _department_lines(rng: np.random.Generator, dept: S.Department, n: int, total: float) -> pd.DataFrame:
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


def _department_positions(rng: np.random.Generator, dept: S.Department, lines: pd.DataFrame) -> list[tuple]:
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


def _request_costs(base: float, profile: str) -> list[float | None]:
    if profile == "ongoing":
        vals = [base * 1.03 ** k for k in range(5)]
    elif profile == "onetime":
        vals = [base, None, None, None, None]
    elif profile == "capital2":
        vals = [base, base, None, None, None]
    elif profile == "phased":
        vals = [base / 2] + [base * 1.03 ** k for k in range(4)]
    else:  # pragma: no cover - data error
        raise ValueError(profile)
    return [None if v is None else float(round(v, -3)) for v in vals]


def baseline_expenditure(lines: pd.DataFrame) -> pd.DataFrame:
    """SPEC's baseline expenditure E0 per line (rows) and plan year (columns), before any scenario."""
    g = {c: S.GROWTH[c] for c in S.GROWTH}
    cls = lines["account_class"]
    g1 = cls.map(lambda c: g[c][0] / 100)
    latest_actual = lines["a2025"].where(lines["a2025"].notna(), lines["a2024"])
    e = lines["requested"].where(lines["requested"].notna(),
                                 (lines["adopted"].where(lines["adopted"].notna(), latest_actual)) * (1 + g1)).fillna(0.0)
    out = {Y1: e}
    recurring = lines["recurring"] == "Y"
    for k, year in enumerate(PLAN_YEARS[1:], start=1):
        gk = cls.map(lambda c, k=k: g[c][k] / 100)
        e = e * (1 + gk)
        out[year] = e.where(recurring, 0.0)
    return pd.DataFrame(out)


def _revenue(rng: np.random.Generator, revenue_y1: dict[str, float]) -> pd.DataFrame:
    rows = []
    for fund, _name, *_ in S.FUNDS:
        total = revenue_y1[fund]
        for source, share, recurring, growth, projected in S.REVENUE_SOURCES[fund]:
            r1 = total * share
            g = growth / 100
            estimate = r1 / (1 + g) * (rng.uniform(0.99, 1.01) if projected else 1.0)
            adopted = estimate * rng.uniform(0.97, 1.02)
            a2025 = estimate / (1 + g) * rng.uniform(0.97, 1.03)
            a2024 = a2025 / (1 + g) * rng.uniform(0.97, 1.03)
            rows.append((fund, source, "Y" if recurring else "N", growth, round(a2024, 2), round(a2025, 2),
                         round(adopted, -3), round(estimate, -3), round(r1, -3) if projected else np.nan))
    return pd.DataFrame(rows, columns=["fund", "source", "recurring", "growth", "a2024", "a2025", "adopted",
                                       "estimate", "projected"])


def baseline_revenue(revenue: pd.DataFrame) -> pd.DataFrame:
    """SPEC's baseline revenue R0 per revenue line and plan year (Projected, else Estimate grown)."""
    g = revenue["growth"] / 100
    r = revenue["projected"].where(revenue["projected"].notna(), revenue["estimate"] * (1 + g))
    out = {Y1: r}
    for year in PLAN_YEARS[1:]:
        r = r * (1 + g)
        out[year] = r
    return pd.DataFrame(out)


def fund_projection(city: SampleCity) -> pd.DataFrame:
    """Baseline revenue, expenditure, balance, reserve ratio and structural balance by fund and year."""
    exp = baseline_expenditure(city.lines)
    exp_by_fund = exp.groupby(city.lines["fund"]).sum()
    rec_exp = exp[city.lines["recurring"] == "Y"].groupby(city.lines["fund"]).sum()
    rev = baseline_revenue(city.revenue)
    rev_by_fund = rev.groupby(city.revenue["fund"]).sum()
    rec_rev = rev[city.revenue["recurring"] == "Y"].groupby(city.revenue["fund"]).sum()
    rows = []
    for fund, bal0, floor, target, ceiling in city.funds[["fund", "beginning_balance", "floor", "target", "ceiling"]].itertuples(index=False):
        bal = bal0
        for year in PLAN_YEARS:
            r = float(rev_by_fund.loc[fund, year]) if fund in rev_by_fund.index else 0.0
            e = float(exp_by_fund.loc[fund, year]) if fund in exp_by_fund.index else 0.0
            bal = bal + r - e
            structural = (float(rec_rev.loc[fund, year]) if fund in rec_rev.index else 0.0) - \
                         (float(rec_exp.loc[fund, year]) if fund in rec_exp.index else 0.0)
            ratio = bal / e if e else np.nan
            rows.append((fund, year, r, e, bal, ratio, structural,
                         ratio < floor / 100, ratio > ceiling / 100))
    return pd.DataFrame(rows, columns=["fund", "year", "revenue", "expenditure", "balance", "reserve_ratio",
                                       "structural", "below_floor", "above_ceiling"])


def generate(lines: int = DEFAULT_LINES, seed: int = DEFAULT_SEED) -> SampleCity:
    """Draw the sample city's tables (nothing is written)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    counts = _lines_per_department(lines)
    weights = np.array([d.adopted_millions for d in S.DEPARTMENTS])
    totals = weights / weights.sum() * S.TOTAL_ADOPTED
    parts, positions = [], []
    for dept, n, total in zip(S.DEPARTMENTS, counts, totals):
        df = _department_lines(rng, dept, n, float(total))
        parts.append(df)
        positions.extend(_department_positions(rng, dept, df))
    all_lines = pd.concat(parts, ignore_index=True)
    pos = pd.DataFrame(positions, columns=["department", "program", "position", "fte", "cost_per_fte"])

    reqs = []
    rank: dict[str, int] = {}
    for dept, program, fund, title, rtype, cls, rec, base, profile, fte, why, kpi in S.REQUESTS:
        code = next(d.code for d in S.DEPARTMENTS if d.name == dept)
        rank[dept] = rank.get(dept, 0) + 1
        jitter = float(rng.uniform(0.95, 1.05))
        costs = _request_costs(base * jitter, profile)
        reqs.append((f"REQ-{code}-{rank[dept]:03d}", dept, program, fund, title, rtype, cls, rec, *costs,
                     fte, why, kpi, rank[dept]))
    requests = pd.DataFrame(reqs, columns=["request_id", "department", "program", "fund", "title", "type",
                                           "account_class", "recurring", *[f"cost_{y}" for y in PLAN_YEARS],
                                           "fte", "justification", "kpi_id", "rank"])

    exp = baseline_expenditure(all_lines)
    exp_by_fund = exp.groupby(all_lines["fund"]).sum()
    onetime_y1 = exp.loc[all_lines["recurring"] == "N", Y1].groupby(all_lines["fund"]).sum()
    balance0, revenue_y1 = {}, {}
    for fund, *_ in S.FUNDS:
        e = exp_by_fund.loc[fund] if fund in exp_by_fund.index else pd.Series(0.0, index=PLAN_YEARS)
        # the fund has saved up for its one-time (mostly capital) spending of y1
        once = float(onetime_y1.get(fund, 0.0))
        balance0[fund] = float(round(S.FUND_BALANCE_RATIO[fund] * (e[Y1] - once) + once, -3))
        # revenue per $1 of y1 revenue, year by year, from the sources' shares and growth rates
        sources = S.REVENUE_SOURCES[fund]
        if fund in S.FUND_END_RATIO:
            unit = sum(share * sum((1 + g / 100) ** k for k in range(5)) for _s, share, _r, g, _p in sources)
            # size revenue so the y5 reserve ratio is FUND_END_RATIO: B0 + c·Σu − ΣE = ratio·E[y5]
            revenue_y1[fund] = max((S.FUND_END_RATIO[fund] * e[PLAN_YEARS[-1]] - balance0[fund] + e.sum()) / unit, 0.0)
        else:
            # recurring revenue = recurring expenditure × (1 + margin); one-time sources on top
            recurring_share = sum(share for _s, share, rec, _g, _p in sources if rec)
            revenue_y1[fund] = (1 + S.FUND_MARGIN[fund]) * (e[Y1] - once) / recurring_share
    revenue = _revenue(rng, revenue_y1)
    funds = pd.DataFrame(
        [(f, name, balance0[f], floor, target, ceiling) for f, name, floor, target, ceiling in S.FUNDS],
        columns=["fund", "fund_name", "beginning_balance", "floor", "target", "ceiling"])
    return SampleCity(all_lines, pos, requests, revenue, funds)


def kpi_targets(kpi: S.KPI) -> dict[int, float]:
    """A KPI's yearly targets: the baseline improved by `step` % a year, rounded toward the easier side."""
    sign = 1 if kpi.direction == S.H else -1
    out = {}
    for year in PLAN_YEARS:
        value = kpi.baseline * (1 + sign * kpi.step / 100) ** (year - _baseline_fy(kpi))
        if kpi.maximum is not None:
            value = min(value, kpi.maximum)
        if kpi.minimum is not None:
            value = max(value, kpi.minimum)
        q = 10 ** kpi.decimals
        value = math.floor(value * q + 1e-9) / q if sign > 0 else math.ceil(value * q - 1e-9) / q
        out[year] = value if kpi.decimals else float(int(value))
    return out


def _baseline_fy(kpi: S.KPI) -> int:
    return {"HC-06": 2024, "HC-02": 2025}.get(kpi.kpi_id, Y0)


def kpi_baseline_path(kpi: S.KPI) -> dict[int, float]:
    """SPEC's K0: Baseline × (1 + Trend)^(t − Baseline FY), clamped to [Minimum, Maximum]."""
    out = {}
    for year in PLAN_YEARS:
        v = kpi.baseline * (1 + kpi.trend / 100) ** (year - _baseline_fy(kpi))
        if kpi.maximum is not None:
            v = min(v, kpi.maximum)
        if kpi.minimum is not None:
            v = max(v, kpi.minimum)
        out[year] = v
    return out


def kpis_off_target() -> dict[str, list[int]]:
    """KPI ID → plan years in which the baseline path misses its target."""
    out = {}
    for kpi in S.KPIS:
        path, targets = kpi_baseline_path(kpi), kpi_targets(kpi)
        sign = 1 if kpi.direction == S.H else -1
        missed = [y for y in PLAN_YEARS
                  if sign * (path[y] - targets[y]) < -1e-9 * max(abs(targets[y]), 1.0)]
        if missed:
            out[kpi.kpi_id] = missed
    return out


# ------------------------------------------------------------------ writing


def _workbook(path: Path, constant_memory: bool = False) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory, "nan_inf_to_errors": False})
    wb.set_properties({"title": "kcplanner sample city", "author": "Office of Management and Budget",
                       "company": S.CITY, "created": CREATED})
    return wb


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.note = wb.add_format({"italic": True, "font_color": "#595959"})
        self.header = wb.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF",
                                     "text_wrap": True, "valign": "top", "border": 1})
        self.money = wb.add_format({"num_format": "#,##0;(#,##0)"})
        self.cents = wb.add_format({"num_format": "#,##0.00;(#,##0.00)"})
        self.total = wb.add_format({"bold": True, "num_format": "#,##0;(#,##0)", "top": 1})
        self.total_label = wb.add_format({"bold": True, "top": 1})
        self.number = wb.add_format({"num_format": "#,##0.##"})
        self.fte = wb.add_format({"num_format": "0.0"})
        self.rate = wb.add_format({"num_format": "0.0"})  # percent points in a `%` column
        self.pct = wb.add_format({"num_format": "0.0%"})  # a fraction shown as a percentage
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})


def _cell(ws, row: int, col: int, value, fmt=None) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    if fmt is None:
        ws.write(row, col, value)
    else:
        ws.write(row, col, value, fmt)


def _table(ws, fm: _Formats, top: int, headers: list[str], rows, formats: list, widths: list[int]) -> int:
    """Write a header row at `top` and the rows under it; return the next free row."""
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.freeze_panes(top + 1, 0)
    for c, h in enumerate(headers):
        ws.write_string(top, c, h, fm.header)
    r = top + 1
    for row in rows:
        for c, value in enumerate(row):
            _cell(ws, r, c, value, formats[c])
        r += 1
    return r


def _write_department(path: Path, dept: S.Department, city: SampleCity) -> None:
    lines = city.lines[city.lines["department"] == dept.name]
    amount_headers = HEADER_STYLES[dept.header_style]
    with atomic_path(path) as tmp:
        wb = _workbook(tmp, constant_memory=True)
        fm = _Formats(wb)

        ws = wb.add_worksheet("Line Items")
        for c, w in enumerate([26, 26, 34, 42, 22, 10, 16, 16, 16, 16]):
            ws.set_column(c, c, w)
        ws.write_string(0, 0, f"City of {S.CITY} \u2014 {dept.name} Department FY{Y1} Budget Request", fm.title)
        ws.write_string(1, 0, "Line-item budget by fund, program and account. Amounts in dollars. "
                              "Requested = the department's submission to the Office of Management and Budget.", fm.note)
        top = 3
        headers = ["Fund", "Department", "Program", "Account", dept.class_header, "Recurring", *amount_headers]
        ws.freeze_panes(top + 1, 3)
        for c, h in enumerate(headers):
            ws.write_string(top, c, h, fm.header)
        r = top + 1
        data = lines[["fund", "department", "program", "account", "account_class", "recurring", *AMOUNT_KEYS]]
        for row in data.itertuples(index=False):
            for c in range(6):
                ws.write_string(r, c, row[c])
            _cell(ws, r, 6, row[6], fm.cents)
            _cell(ws, r, 7, row[7], fm.cents)
            _cell(ws, r, 8, row[8], fm.money)
            _cell(ws, r, 9, row[9], fm.money)
            r += 1
        ws.write_string(r, 0, f"Total {dept.name}", fm.total_label)
        for c, key in enumerate(AMOUNT_KEYS, start=6):
            ws.write_number(r, c, round(float(lines[key].sum()), 2), fm.total)

        ws = wb.add_worksheet("Positions")
        pos = city.positions[city.positions["department"] == dept.name]
        _table(ws, fm, 0, ["Department", "Program", "Position", "FTE", "Cost per FTE"],
               pos.itertuples(index=False), [None, None, None, fm.fte, fm.money], [26, 34, 32, 8, 14])

        ws = wb.add_worksheet("Requests")
        req = city.requests[city.requests["department"] == dept.name]
        ws.write_string(0, 0, f"{dept.name} \u2014 budget requests (decision packages) for FY{Y1}\u2013FY{Y1 + 4}", fm.title)
        headers = ["Request ID", "Department", "Program", "Fund", "Title", "Type", "Account class", "Recurring",
                   *[f"Cost FY{y}" for y in PLAN_YEARS], "FTE", "Justification", "KPI ID", "Rank"]
        formats = [None] * 8 + [fm.money] * 5 + [fm.fte, fm.wrap, None, None]
        _table(ws, fm, 2, headers, req.itertuples(index=False), formats,
               [14, 24, 30, 26, 44, 13, 20, 10, 13, 13, 13, 13, 13, 7, 60, 9, 6])
        wb.close()


def _write_plan(path: Path, city: SampleCity) -> None:
    with atomic_path(path) as tmp:
        wb = _workbook(tmp)
        fm = _Formats(wb)

        ws = wb.add_worksheet("Settings")
        _table(ws, fm, 0, ["Key", "Value"],
               [("City", S.CITY), ("First plan year", Y1), ("Fiscal year start month", 5),
                ("Default cost per FTE", S.DEFAULT_COST_PER_FTE)],
               [None, None], [26, 28])

        ws = wb.add_worksheet("Goals")
        _table(ws, fm, 0, ["Goal ID", "Goal", "Weight"], S.GOALS, [None, None, fm.number], [9, 40, 8])

        ws = wb.add_worksheet("Objectives")
        _table(ws, fm, 0, ["Objective ID", "Goal ID", "Objective"], S.OBJECTIVES, [None, None, None], [12, 9, 70])

        ws = wb.add_worksheet("KPIs")
        headers = ["KPI ID", "Name", "Goal ID", "Objective ID", "Unit", "Direction", "Baseline", "Baseline FY",
                   "Trend %", *[f"Target FY{y}" for y in PLAN_YEARS], "Minimum", "Maximum", "Weight", "Department"]
        rows = []
        for k in S.KPIS:
            t = kpi_targets(k)
            rows.append((k.kpi_id, k.name, k.goal, k.objective, k.unit, k.direction, k.baseline, _baseline_fy(k),
                         k.trend, *[t[y] for y in PLAN_YEARS], k.minimum, k.maximum, k.weight, k.department))
        formats = [None] * 6 + [fm.number, None, fm.rate] + [fm.number] * 5 + [fm.number, fm.number, fm.number, None]
        _table(ws, fm, 0, headers, rows, formats, [8, 52, 8, 12, 26, 16, 11, 11, 9, 12, 12, 12, 12, 12, 10, 10, 8, 32])

        ws = wb.add_worksheet("Drivers")
        rows = []
        for k in S.KPIS:
            for dept, program, el, lag, cap in k.drivers:
                rows.append((k.kpi_id, dept, program, el, lag, cap, round(el * 0.5, 4), round(el * 1.5, 4)))
        _table(ws, fm, 0, ["KPI ID", "Department", "Program", "Elasticity", "Lag", "Max effect %",
                           "Elasticity low", "Elasticity high"], rows,
               [None, None, None, None, None, fm.rate, None, None], [8, 32, 34, 11, 6, 13, 14, 14])

        ws = wb.add_worksheet("Revenue")
        headers = ["Fund", "Source", "Recurring", f"FY{Y0 - 2} Actual", f"FY{Y0 - 1} Actual", f"FY{Y0} Adopted",
                   f"FY{Y0} Estimate", f"FY{Y1} Projected", "Growth %"]
        rev = city.revenue[["fund", "source", "recurring", "a2024", "a2025", "adopted", "estimate", "projected", "growth"]]
        _table(ws, fm, 0, headers, rev.itertuples(index=False),
               [None, None, None, fm.cents, fm.cents, fm.money, fm.money, fm.money, fm.rate],
               [28, 38, 10, 16, 16, 16, 16, 16, 10])

        ws = wb.add_worksheet("Assumptions")
        rows = [(c, *[g / 100 for g in S.GROWTH[c]]) for c in S.GROWTH]
        _table(ws, fm, 0, ["Account class", *[f"FY{y}" for y in PLAN_YEARS]], rows,
               [None] + [fm.pct] * 5, [22, 10, 10, 10, 10, 10])

        ws = wb.add_worksheet("Funds")
        funds = city.funds[["fund", "fund_name", "beginning_balance", "floor", "target", "ceiling"]]
        _table(ws, fm, 0, ["Fund", "Fund name", "Beginning balance", "Reserve floor %", "Reserve target %",
                           "Reserve ceiling %"], funds.itertuples(index=False),
               [None, None, fm.money, fm.rate, fm.rate, fm.rate], [28, 44, 18, 14, 14, 14])
        wb.close()


def write_sample(out_dir: Path, lines: int = DEFAULT_LINES, seed: int = DEFAULT_SEED) -> SampleFiles:
    """Write the sample city into `out_dir` (created if missing): `plan.xlsx` and one workbook per department.

    Exactly `lines` line items in all (at least `MIN_LINES`, one per program); the same `seed` and
    `lines` give byte-identical files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    city = generate(lines, seed)
    files = SampleFiles(plan=out_dir / PLAN_FILE)
    _write_plan(files.plan, city)
    for dept in S.DEPARTMENTS:
        path = out_dir / f"{dept.slug}.xlsx"
        _write_department(path, dept, city)
        files.departments.append(path)
    return files

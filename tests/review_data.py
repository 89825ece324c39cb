"""Actuals frames for the review tests and benchmark, built directly (the contract's columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kcplanner.dataset import ACTUAL_COLUMNS, KPI_ACTUAL_COLUMNS, REVENUE_ACTUAL_COLUMNS, SOURCE_COLUMNS

SPEND_KEYS = ("fund", "department", "program", "account_class")


def monthly(year: int, amounts, months=None) -> list[tuple[int, int, int, str, float]]:
    """(fiscal_year, first, last, kind, amount) rows, one a month (amounts: a number or 12 values)."""
    months = list(months or range(1, 13))
    values = [amounts] * len(months) if np.isscalar(amounts) else list(amounts)
    return [(year, m, m, "month", float(v)) for m, v in zip(months, values)]


def quarterly(year: int, amounts, quarters=(1, 2, 3, 4)) -> list[tuple[int, int, int, str, float]]:
    values = [amounts] * len(quarters) if np.isscalar(amounts) else list(amounts)
    return [(year, 3 * q - 2, 3 * q, "quarter", float(v)) for q, v in zip(quarters, values)]


def whole(year: int, amount: float) -> list[tuple[int, int, int, str, float]]:
    return [(year, 1, 12, "year", float(amount))]


def _frame(keys: dict, periods: list, columns: list[str], value: str = "amount") -> pd.DataFrame:
    rows = [{**keys, "fiscal_year": y, "first_month": f, "last_month": la, "period_kind": k, value: a}
            for y, f, la, k, a in periods]
    return pd.DataFrame(rows, columns=columns + SOURCE_COLUMNS)


def spending(group: tuple[str, str, str, str], periods: list, account: str = "5100") -> pd.DataFrame:
    return _frame({**dict(zip(SPEND_KEYS, group)), "account": account, "source_file": "actuals.csv",
                   "source_sheet": "Actuals", "source_row": 2}, periods, ACTUAL_COLUMNS)


def revenue(fund: str, source: str, periods: list) -> pd.DataFrame:
    return _frame({"fund": fund, "source": source, "source_file": "actuals.csv", "source_sheet": "Revenue Actuals",
                   "source_row": 2}, periods, REVENUE_ACTUAL_COLUMNS)


def kpi_actuals(kpi_id: str, periods: list) -> pd.DataFrame:
    return _frame({"kpi_id": kpi_id, "source_file": "plan.xlsx", "source_sheet": "KPI Actuals", "source_row": 2},
                  periods, KPI_ACTUAL_COLUMNS, value="value")


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)


# -- a generated city (the independent comparison and the benchmark) --------------------------------

def generated_city(n_lines: int = 600, seed: int = 0, year: int = 2027, through: int = 6, n_departments: int = 12,
                   n_programs: int = 60, n_funds: int = 6, n_sources: int = 40, whole_department: bool = True,
                   categorical: bool = False):
    """A Dataset with `n_lines` line items (Adopted for `year` on 90%), three prior years of monthly
    actuals (a line is active in a year with probability 0.85; one department's oldest year given
    whole), `year` through month `through`, quarterly revenue collections and monthly KPI actuals."""
    from kcplanner.dataset import ACCOUNT_CLASSES, Budget, Dataset, Plan, PlanSettings

    rng = np.random.default_rng(seed)
    funds = [f"Fund {j}" for j in range(n_funds)]
    depts = [f"Dept {j:02d}" for j in range(n_departments)]
    progs = [f"Prog {j:03d}" for j in range(n_programs)]
    prog_dept = np.concatenate([np.arange(n_departments), rng.integers(0, n_departments, n_programs - n_departments)])
    classes = list(ACCOUNT_CLASSES)
    lp = rng.integers(0, n_programs, n_lines)
    lf, lc = rng.integers(0, n_funds, n_lines), rng.integers(0, len(classes), n_lines)
    names = {"fund": (lf, funds), "department": (prog_dept[lp], depts), "program": (lp, progs),
             "account_class": (lc, classes)}

    def column(codes, vocab):
        cat = pd.Categorical.from_codes(codes, vocab)
        return cat if categorical else np.asarray(vocab, dtype=object)[codes]

    li = pd.DataFrame({k: column(*v) for k, v in names.items()})
    li.insert(3, "account", [f"5{c}00" for c in lc])
    li["recurring"] = True
    li["source_file"], li["source_sheet"], li["source_row"] = "gen.xlsx", "Line Items", np.arange(n_lines) + 2
    base = np.exp(rng.normal(10, 1.2, n_lines))
    adopted = np.where(rng.random(n_lines) < 0.9, (base * rng.uniform(0.95, 1.1, n_lines)).round(2), np.nan)
    amounts = pd.DataFrame({(year, "Adopted"): adopted})
    amounts.columns = pd.MultiIndex.from_tuples(amounts.columns, names=["fiscal_year", "phase"])
    season = 1 + 0.4 * np.sin(np.arange(12)[None, :] / 2 + lc[:, None])  # by class
    parts = []
    for k in range(4):  # R, R−1, R−2, R−3: a handful of vectorized blocks, not a loop over lines
        fy = year - k
        active = rng.random(n_lines) < (0.9 if k == 0 else 0.85)
        months = through if k == 0 else 12
        given_whole = (prog_dept[lp] == 0) & (k == 3) if whole_department else np.zeros(n_lines, bool)
        m_lines = np.flatnonzero(active & ~given_whole)
        amt = (base[m_lines, None] / 12 * season[m_lines, :months] * rng.uniform(0.8, 1.2, (len(m_lines), months)))
        amt[rng.random(amt.shape) < 0.03] *= -0.1  # a few refunds
        line = np.repeat(m_lines, months)
        month = np.tile(np.arange(1, months + 1), len(m_lines))
        parts.append((line, np.full(len(line), fy), month, month, np.full(len(line), "month"), amt.reshape(-1)))
        w_lines = np.flatnonzero(active & given_whole)
        parts.append((w_lines, np.full(len(w_lines), fy), np.ones(len(w_lines), int), np.full(len(w_lines), 12),
                      np.full(len(w_lines), "year"), base[w_lines]))
    line, fy, first, last, kind, amt = (np.concatenate(x) for x in zip(*parts))
    actuals = pd.DataFrame({**{k: column(v[0][line], v[1]) for k, v in names.items()},
                            "account": li["account"].to_numpy()[line], "fiscal_year": fy.astype(np.int64),
                            "first_month": first.astype(np.int64), "last_month": last.astype(np.int64),
                            "period_kind": kind, "amount": amt.round(2),
                            "source_file": "actuals.csv", "source_sheet": "Actuals", "source_row": np.arange(len(fy)) + 2})
    # revenue: quarterly collections
    rf = np.concatenate([np.arange(n_funds), rng.integers(0, n_funds, n_sources - n_funds)])
    sources = [f"Source {j:02d}" for j in range(n_sources)]
    rbase = np.exp(rng.normal(12, 1, n_sources))
    rv = pd.DataFrame({"fund": np.asarray(funds, dtype=object)[rf], "source": sources, "recurring": True, "growth": 0.0,
                       "source_file": "plan.xlsx", "source_sheet": "Revenue", "source_row": np.arange(n_sources) + 2})
    ramounts = pd.DataFrame({(year, "Adopted"): rbase.round(2),
                             (year, "Estimate"): np.where(rng.random(n_sources) < 0.5, (rbase * 1.03).round(2), np.nan)})
    ramounts.columns = pd.MultiIndex.from_tuples(ramounts.columns, names=["fiscal_year", "phase"])
    rrows = []
    for k in range(4):
        quarters = through // 3 if k == 0 else 4
        for q in range(1, quarters + 1):
            val = rbase / 4 * (1 + 0.3 * (q - 2.5) / 2) * rng.uniform(0.85, 1.15, n_sources)
            rrows.append(pd.DataFrame({"fund": rv["fund"], "source": sources, "fiscal_year": year - k,
                                       "first_month": 3 * q - 2, "last_month": 3 * q, "period_kind": "quarter",
                                       "amount": val.round(2)}))
    racts = pd.concat(rrows, ignore_index=True)
    kpis = pd.DataFrame({"kpi_id": [f"K{j}" for j in range(10)], "direction": np.where(np.arange(10) % 2, -1, 1)})
    krows = [pd.DataFrame({"kpi_id": kpis["kpi_id"], "fiscal_year": year - k, "first_month": m, "last_month": m,
                           "period_kind": "month", "value": rng.uniform(50, 150, 10).round(1)})
             for k in (0, 1) for m in range(1, (through if k == 0 else 12) + 1)]
    targets = pd.DataFrame({year: np.where(np.arange(10) < 8, 100.0, np.nan)}, index=pd.Index(kpis["kpi_id"], name="kpi_id"))
    plan = Plan(settings=PlanSettings(first_plan_year=year + 1), revenue=rv, revenue_amounts=ramounts,
                kpis=kpis, kpi_targets=targets, kpi_actuals=pd.concat(krows, ignore_index=True))
    budget = Budget(line_items=li, amounts=amounts, actuals=actuals, revenue_actuals=racts)
    return Dataset(plan=plan, budget=budget)

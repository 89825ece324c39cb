"""The sample city's actuals (issue 13): checked on the written workbooks with plain calamine/pandas
reads and numbers computed here from the calendar and the line items, not from the generator."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kcplanner import sample
from kcplanner.fiscal import FiscalCalendar
from kcplanner.periods import parse_period

LINES = 2000
SEED = 3
GROUP = ["fund", "department", "program", "account_class"]
PRIOR = [2023, 2024, 2025]
HISTORY = range(2016, 2023)  # the years before the monthly ones: whole-year rows (issue 14)
Y0 = 2026
HOT = {"Police", "Health"}  # docs/sample-data.md names them
COLD = {"Parks and Recreation", "Information Technology"}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> sample.SampleFiles:
    return sample.write_sample(tmp_path_factory.mktemp("sample"), lines=LINES, seed=SEED)


def _periods(values: pd.Series) -> pd.DataFrame:
    cal = FiscalCalendar(start_month=5)
    ps = [parse_period(v, cal) for v in values]
    return pd.DataFrame({"fiscal_year": [p.fiscal_year for p in ps], "first": [p.first_month for p in ps],
                         "last": [p.last_month for p in ps], "kind": [p.kind for p in ps]}, index=values.index)


@pytest.fixture(scope="module")
def books(small):
    actuals, lines, sheets = [], [], {}
    for f in small.departments:
        sheets[f.name] = pd.ExcelFile(f, engine="calamine").sheet_names
        a = pd.read_excel(f, sheet_name="Actuals", engine="calamine")
        a["file"] = f.name
        actuals.append(a)
        li = pd.read_excel(f, sheet_name="Line Items", engine="calamine", header=3)
        li.columns = GROUP[:3] + ["account", "account_class", "recurring", "a2024", "a2025", "adopted", "requested"]
        lines.append(li[~li["fund"].astype(str).str.startswith("Total")])
    actuals = pd.concat(actuals, ignore_index=True)
    header = list(actuals.columns[:7])
    actuals.columns = ["fund", "department", "program", "account", "account_class", "period", "amount", "file"]
    actuals = actuals.join(_periods(actuals["period"]))
    finance = next(f for f in small.departments if f.name == "finance.xlsx")
    revenue = pd.read_excel(finance, sheet_name="Revenue Actuals", engine="calamine")
    revenue = revenue.join(_periods(revenue["Period"]))
    plan = pd.read_excel(small.plan, sheet_name=None, engine="calamine")
    kpi = plan["KPI Actuals"]
    kpi = kpi.join(_periods(kpi["Period"].astype(str)))
    return {"actuals": actuals, "header": header, "lines": pd.concat(lines, ignore_index=True), "sheets": sheets,
            "revenue": revenue, "plan": plan, "kpi": kpi}


def _prior(books) -> pd.DataFrame:
    a = books["actuals"]
    return a[a["fiscal_year"].isin(PRIOR)]


# ------------------------------------------------------------------ the sheets and their periods


def test_sheets_in_spec_formats(books, small):
    for name, sheets in books["sheets"].items():
        want = ["Line Items", "Positions", "Requests", "Actuals"] + (["Revenue Actuals"] if name == "finance.xlsx" else [])
        assert sheets == want, name
    assert list(books["plan"])[-1] == "KPI Actuals"
    assert books["header"] == ["Fund", "Department", "Program", "Account", "Account class", "Period", "Amount"]
    assert list(books["revenue"].columns[:4]) == ["Fund", "Source", "Period", "Amount"]
    assert list(books["plan"]["KPI Actuals"].columns) == ["KPI ID", "Period", "Value"]
    a = books["actuals"]
    assert a["account"].isna().all()  # the group level: fund, department, program, account class
    # the review's years by fiscal month; the history before them (issue 14) in whole-year rows
    monthly, whole = a[a["fiscal_year"] >= PRIOR[0]], a[a["fiscal_year"] < PRIOR[0]]
    assert (monthly["kind"] == "month").all() and monthly["period"].str.fullmatch(r"FY\d{4} P\d{2}").all()
    assert (whole["kind"] == "year").all() and whole["period"].str.fullmatch(r"FY\d{4}").all()
    assert set(whole["fiscal_year"]) == set(HISTORY)
    assert (a["department"] + ".xlsx").str.lower().str.replace(" ", "-").eq(a["file"]).all()
    assert (books["revenue"]["kind"] == "quarter").all()
    assert set(books["kpi"]["kind"]) == {"year", "quarter"}
    assert not a.duplicated(GROUP + ["period"]).any()
    assert not books["revenue"].duplicated(["Fund", "Source", "Period"]).any()
    assert not books["kpi"].duplicated(["KPI ID", "Period"]).any()


def test_three_prior_years_whole_and_the_year_in_execution_through_p06(books):
    a = books["actuals"]
    a = a[a["kind"] == "month"]  # the history's whole-year rows: test_evidence_sample.py
    seen = set(zip(a["fiscal_year"], a["last"]))
    assert seen == {(y, m) for y in PRIOR for m in range(1, 13)} | {(Y0, m) for m in range(1, 7)}
    r = books["revenue"]
    assert set(zip(r["fiscal_year"], r["last"] // 3)) == {(y, q) for y in PRIOR for q in range(1, 5)} | {(Y0, 1), (Y0, 2)}
    groups = a.groupby(GROUP).ngroups
    assert 3 * groups < len(a) < 42 * groups  # one row per group and month, debt service only twice a year


# ------------------------------------------------------------------ seasonality


def _paydays(fiscal_year: int) -> np.ndarray:
    """Every other Friday from 2022-05-13, counted per fiscal month (May = P01)."""
    counts = np.zeros(12, dtype=int)
    day = dt.date(2022, 5, 13)
    while day < dt.date(fiscal_year, 5, 1):
        if day >= dt.date(fiscal_year - 1, 5, 1):
            counts[(day.month - 5) % 12] += 1
        day += dt.timedelta(days=14)
    return counts


def test_payroll_third_paycheck_months_carry_half_as_much_again(books):
    p = _prior(books)
    pay = p[p["account_class"] == "Personnel Services"]
    checked = 0
    for year in PRIOR:
        third = np.flatnonzero(_paydays(year) == 3) + 1
        assert len(third) == 2 and _paydays(year).sum() == 26
        grid = pay[pay["fiscal_year"] == year].pivot_table(index=GROUP, columns="last", values="amount", aggfunc="sum")
        grid = grid[grid.sum(axis=1) > 0]
        normal = grid.drop(columns=third)
        base = normal.median(axis=1)
        assert (normal.sub(base, axis=0).abs().max(axis=1) <= 0.02).all()  # every two-paycheck month alike
        for m in third:
            assert np.allclose(grid[m], 1.5 * base, atol=0.05), (year, m)
        checked += len(grid)
    assert checked > 100


def test_capital_is_spent_late(books):
    p = _prior(books)
    cap = p[p["account_class"] == "Capital Outlay"]
    halves = cap.assign(half=np.where(cap["last"] <= 6, "first", "second")).pivot_table(
        index=GROUP + ["fiscal_year"], columns="half", values="amount", aggfunc="sum", fill_value=0.0)
    halves = halves[halves.sum(axis=1) > 0]
    assert len(halves) > 30
    assert (halves["second"] > halves["first"]).all()


def test_debt_service_is_paid_twice_a_year(books):
    a = books["actuals"]
    debt = a[a["account_class"] == "Debt Service"]
    prior = debt[debt["fiscal_year"].isin(PRIOR)]
    months = prior.groupby(GROUP + ["fiscal_year"])["last"].agg(lambda s: tuple(sorted(s)))
    assert len(months) >= 3
    assert set(months) == {(4, 10)}  # August and February
    assert (prior["amount"] > 0).all()
    assert set(debt.loc[debt["fiscal_year"] == Y0, "last"]) == {4}  # through P06: the August payment only


# ------------------------------------------------------------------ consistency with the line items


def test_prior_years_sum_to_the_line_items_actuals(books):
    lines, p = books["lines"], _prior(books)
    sums = p.groupby(GROUP + ["fiscal_year"])["amount"].sum().unstack("fiscal_year")
    for year, col in ((2024, "a2024"), (2025, "a2025")):
        want = lines.groupby(GROUP)[col].sum(min_count=1).dropna()
        got = sums[year].dropna()
        assert set(got.index) == set(want.index)  # no line with an Actual: no rows for that year
        assert np.allclose(got.loc[want.index], want, atol=0.011), year
    # FY2023 (not in the line items) is there for every group with an FY2024 Actual, about a year's growth below
    y3, y4 = sums[2023].dropna(), sums[2024].dropna()
    assert set(y3.index) == set(y4.index)
    assert 0.9 < y3.sum() / y4.sum() < 1.0


def _expected_share(books, through: int = 6) -> pd.Series:
    """SPEC's review share through `through` per group: group, else department, else city, else p/12."""
    p = _prior(books)

    def share(keys):
        total = p.groupby(keys + ["fiscal_year"])["amount"].sum()
        part = p[p["last"] <= through].groupby(keys + ["fiscal_year"])["amount"].sum().reindex(total.index, fill_value=0)
        ok = total > 0
        return (part[ok] / total[ok]).groupby(level=list(range(len(keys)))).mean()

    groups = books["lines"].groupby(GROUP)["adopted"].sum(min_count=1).dropna().index.to_frame(index=False)
    s = groups.set_index(GROUP).index.map(share(GROUP).to_dict().get)
    s = pd.Series(s, index=groups.set_index(GROUP).index, dtype=float)
    dept = share(["department"])
    s = s.fillna(groups["department"].map(dept).set_axis(s.index))
    p_all = p.assign(city="all")
    city = (p_all[p_all["last"] <= through].groupby("fiscal_year")["amount"].sum()
            / p_all.groupby("fiscal_year")["amount"].sum()).mean()
    return s.fillna(city)


def test_hot_and_cold_departments_against_their_seasonal_path(books):
    a, lines = books["actuals"], books["lines"]
    share = _expected_share(books)
    budget = lines.groupby(GROUP)["adopted"].sum(min_count=1).dropna()
    expected = (budget * share.reindex(budget.index)).groupby(level="department").sum()
    ytd = a[a["fiscal_year"] == Y0].groupby("department")["amount"].sum()
    pace = (ytd / expected).dropna()
    assert len(pace) == 20
    for d in HOT:
        assert 1.07 < pace[d] < 1.09, (d, pace[d])
    for d in COLD:
        assert 0.89 < pace[d] < 0.91, (d, pace[d])
    others = pace.drop(index=list(HOT | COLD))
    assert others.between(0.96, 1.0).all(), others  # a little under budget, none flagged
    # group by group too: SPEC's projection A ÷ s against the budget (flags at +0.5% and −5%)
    group_ytd = a[a["fiscal_year"] == Y0].groupby(GROUP)["amount"].sum()
    ratio = (group_ytd.reindex(budget.index) / (budget * share.reindex(budget.index))).dropna()
    dept = ratio.index.get_level_values("department")
    assert (ratio[dept.isin(HOT)] > 1.005).all() and (ratio[dept.isin(COLD)] < 0.95).all()
    assert ratio[~dept.isin(HOT | COLD)].between(0.95, 1.005).all()
    cfg = sample.S.ACTUALS["pace"]
    assert set(cfg["hot"]) == HOT and set(cfg["cold"]) == COLD
    assert (a.loc[a["fiscal_year"] == Y0, "amount"] > 0).all()


# ------------------------------------------------------------------ revenue and KPIs


def test_revenue_collections_by_quarter(books):
    r, plan = books["revenue"], books["plan"]["Revenue"]
    prior = r[r["fiscal_year"].isin(PRIOR)]
    sums = prior.groupby(["Fund", "Source", "fiscal_year"])["Amount"].sum().unstack("fiscal_year")
    want = plan.set_index(["Fund", "Source"])
    for year in (2024, 2025):
        assert np.allclose(sums[year].reindex(want.index), want[f"FY{year} Actual"], atol=0.011)
    quarters = prior.assign(q=prior["last"] // 3).groupby(["Source", "q"])["Amount"].sum()
    prop = quarters.loc["Property Tax"]
    assert prop.idxmax() == 3 and prop[3] > 0.5 * prop.sum()  # property taxes are due at the turn of the year
    transfers = prior[prior["Source"] == "Transfers In"]
    assert set(transfers["last"]) == {12}
    # the year in execution: Sales Tax running about 4% short of its Estimate's seasonal path
    cur = r[r["fiscal_year"] == Y0].groupby(["Fund", "Source"])["Amount"].sum()
    part = prior[prior["last"] <= 6].groupby(["Fund", "Source", "fiscal_year"])["Amount"].sum()
    share = (part / prior.groupby(["Fund", "Source", "fiscal_year"])["Amount"].sum()).groupby(level=[0, 1]).mean()
    estimate = want["FY2026 Estimate"]
    ratio = cur / (estimate * share).reindex(cur.index)
    assert ratio.loc[("General Fund", "Sales Tax")] == pytest.approx(0.96, abs=0.002)
    assert ratio.drop(index=("General Fund", "Sales Tax")).between(0.999, 1.011).all()


def test_kpi_actuals(books):
    k, kpis = books["kpi"], books["plan"]["KPIs"].set_index("KPI ID")
    assert set(k["KPI ID"]) == set(kpis.index)
    yearly, quarterly = k[k["kind"] == "year"], k[k["kind"] == "quarter"]
    # ten years of yearly history (issue 14), the year in execution by quarter
    assert set(yearly["fiscal_year"]) == set(HISTORY) | set(PRIOR) and set(quarterly["fiscal_year"]) == {Y0}
    assert set(quarterly["last"]) == {3, 6}
    assert (yearly["fiscal_year"] < yearly["KPI ID"].map(kpis["Baseline FY"])).all()  # the Baseline gives its own year
    lagged = set(kpis.index) - set(quarterly["KPI ID"])
    assert lagged == {"HC-02", "HC-06"}  # annual measures published with a lag
    assert quarterly.groupby("KPI ID").size().eq(2).all()
    lo, hi = k["KPI ID"].map(kpis["Minimum"]), k["KPI ID"].map(kpis["Maximum"])
    assert (lo.isna() | (k["Value"] >= lo)).all() and (hi.isna() | (k["Value"] <= hi)).all()
    # around the baseline path (Baseline × (1 + Trend)^(year − Baseline FY)): ten years of history drift
    path = k["KPI ID"].map(kpis["Baseline"]) * (1 + k["KPI ID"].map(kpis["Trend %"]) / 100) ** (
        k["fiscal_year"] - k["KPI ID"].map(kpis["Baseline FY"]))
    near = k["Value"] / path
    assert near.between(0.75, 1.3).all()


# ------------------------------------------------------------------ determinism


def test_actuals_are_byte_stable(tmp_path):
    one = sample.write_sample(tmp_path / "one", lines=400, seed=SEED)
    two = sample.write_sample(tmp_path / "two", lines=400, seed=SEED)

    def digest(paths):
        return {Path(p).name: hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}

    assert digest(one.all) == digest(two.all)
    assert "Actuals" in pd.ExcelFile(one.departments[0], engine="calamine").sheet_names
    assert "KPI Actuals" in pd.ExcelFile(one.plan, engine="calamine").sheet_names


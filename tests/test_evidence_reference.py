"""The evidence on the bundled sample city against an independent computation (issue 14): the
workbooks read with plain pandas, the histories built here from SPEC's words, each KPI fitted with
np.linalg.lstsq (tests/evidence_data.reference_fit) and with statsmodels' OLS; the batched core
against statsmodels on random problems, to 1e-9."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kcplanner.evidence import estimate_evidence, evidence_to_json
from kcplanner.evidence.ols import fit_batch
from tests.evidence_data import reference_fit

SAMPLE = Path(__file__).resolve().parent.parent / "kcplanner" / "resources" / "sample"
_ACTUAL = re.compile(r"^FY\s*(\d{2,4})(-\d{2})?\s+Actual$")


def _year(text: str) -> int | None:
    """`FY2024 Actual`, `FY24 Actual` → 2024; `FY 2023-24 Actual` → 2024 (named by the year it ends in)."""
    m = _ACTUAL.match(str(text).strip())
    if not m:
        return None
    y = int(m.group(1))
    y = y + 2000 if y < 100 else y
    return y + 1 if m.group(2) else y


@pytest.fixture(scope="module")
def sample_evidence():
    from kcplanner.readers import read_dataset

    files = sorted(p for p in SAMPLE.glob("*.xlsx") if p.name != "plan.xlsx")
    result = read_dataset(SAMPLE / "plan.xlsx", files)
    assert result.dataset is not None
    return result.dataset, estimate_evidence(result.dataset), files


@pytest.fixture(scope="module")
def independent(sample_evidence):
    """K per KPI and S per (department, program) read straight from the workbooks."""
    _ds, _ev, files = sample_evidence
    plan = pd.read_excel(SAMPLE / "plan.xlsx", sheet_name=None, engine="calamine")
    kpis = plan["KPIs"].set_index("KPI ID")
    ka = plan["KPI Actuals"]
    yearly = ka[ka["Period"].astype(str).str.fullmatch(r"FY\d{4}")]
    K = {k: {} for k in kpis.index}
    for k, per, v in zip(yearly["KPI ID"], yearly["Period"], yearly["Value"]):
        K[k].setdefault(int(per[2:]), float(v))
    for k, row in kpis.iterrows():
        K[k].setdefault(int(row["Baseline FY"]), float(row["Baseline"]))
    lines, actuals = [], []
    for f in files:
        li = pd.read_excel(f, sheet_name="Line Items", engine="calamine", header=3)
        li = li[~li.iloc[:, 0].astype(str).str.startswith("Total")]
        cols = {c: _year(c) for c in li.columns if _year(c)}
        long = li.melt(id_vars=["Department", "Program"], value_vars=list(cols), var_name="col", value_name="amount")
        long["year"] = long["col"].map(cols)
        lines.append(long.dropna(subset=["amount"]))
        actuals.append(pd.read_excel(f, sheet_name="Actuals", engine="calamine"))
    li = pd.concat(lines)
    by_line = li.groupby(["Department", "Program", "year"])["amount"].sum()
    a = pd.concat(actuals)
    per = a["Period"].astype(str)
    a["year"] = per.str[2:6].astype(int)
    a["months"] = np.where(per.str.len() == 6, 12, 1)  # FY2019: the whole year; FY2023 P05: a month
    a["month"] = np.where(per.str.len() == 6, 0, per.str[-2:].where(per.str.len() > 6, "0").astype(int))
    complete = [y for y, g in a.groupby("year") if (g["months"] == 12).any() or g["month"].nunique() == 12]
    by_rows = a[a["year"].isin(complete)].groupby(["Department", "Program", "year"])["Amount"].sum()
    spending = {}
    for (d, p), _ in li.groupby(["Department", "Program"]):
        s = {}
        for y in complete:
            s[y] = float(by_rows.get((d, p, y), 0.0))
        for y in li["year"].unique():
            if (d, p, y) in by_line.index:
                s[int(y)] = float(by_line[(d, p, y)])
        spending[(d, p)] = s
    return K, spending, pd.read_excel(SAMPLE / "plan.xlsx", sheet_name="Drivers", engine="calamine")


def _design(K, spending, drivers):
    """Per KPI: the years, y and X of its fit, from the independent histories."""
    out = {}
    for kid, rows in drivers.groupby("KPI ID", sort=False):
        series = []
        for d, p in zip(rows["Department"], rows["Program"]):
            if isinstance(p, str):
                series.append(spending[(d, p)])
            else:  # the whole department
                total: dict = {}
                for (dd, _pp), s in spending.items():
                    if dd == d:
                        for y, v in s.items():
                            total[y] = total.get(y, 0.0) + v
                series.append(total)
        lags = [int(x) for x in rows["Lag"].fillna(0)]
        k = K[kid]
        years = [t for t in range(2000, 2040) if k.get(t, 0) > 0 and k.get(t - 1, 0) > 0
                 and all(s.get(t - L, 0) > 0 and s.get(t - L - 1, 0) > 0 for s, L in zip(series, lags))]
        y = np.array([np.log(k[t]) - np.log(k[t - 1]) for t in years])
        X = np.array([[np.log(s[t - L]) - np.log(s[t - L - 1]) for s, L in zip(series, lags)] for t in years])
        out[kid] = (rows.index.to_numpy(), years, y, X.reshape(len(years), len(lags)))
    return out


def test_sample_estimates_match_an_independent_numpy_fit(sample_evidence, independent):
    _ds, ev, _files = sample_evidence
    K, spending, drivers = independent
    d = ev.drivers
    checked = 0
    for kid, (idx, years, y, X) in _design(K, spending, drivers).items():
        rows = d.loc[idx]
        assert (rows["n"] == len(years)).all(), kid
        if len(years) < X.shape[1] + 3:
            assert (rows["status"] == "not enough history").all() and rows["estimate"].isna().all()
            continue
        ref = reference_fit(y, X)
        for c in ("estimate", "se", "low", "high", "p"):
            assert rows[c].to_numpy() == pytest.approx(ref[c], rel=1e-9, abs=1e-12), (kid, c)
        assert rows["r2"].to_numpy() == pytest.approx(np.full(len(idx), ref["r2"]), rel=1e-9)
        assert rows["years"].iat[0] == years
        checked += len(idx)
    assert checked >= 55  # every estimated driver of the sample


def test_sample_estimates_match_statsmodels(sample_evidence, independent):
    sm = pytest.importorskip("statsmodels.api")
    _ds, ev, _files = sample_evidence
    K, spending, drivers = independent
    for kid, (idx, years, y, X) in _design(K, spending, drivers).items():
        if len(years) < X.shape[1] + 3:
            continue
        res = sm.OLS(y, sm.add_constant(X, has_constant="add")).fit()
        ci = res.conf_int(alpha=0.2)[1:]
        rows = ev.drivers.loc[idx]
        assert rows["estimate"].to_numpy() == pytest.approx(res.params[1:], rel=1e-9, abs=1e-12)
        assert rows["se"].to_numpy() == pytest.approx(res.bse[1:], rel=1e-9)
        assert rows["low"].to_numpy() == pytest.approx(ci[:, 0], rel=1e-9, abs=1e-12)
        assert rows["high"].to_numpy() == pytest.approx(ci[:, 1], rel=1e-9, abs=1e-12)
        assert rows["p"].to_numpy() == pytest.approx(res.pvalues[1:], rel=1e-9, abs=1e-15)
        assert rows["r2"].iat[0] == pytest.approx(res.rsquared, rel=1e-9)


@pytest.mark.parametrize("m", [1, 2, 3])
def test_batched_core_matches_statsmodels(m):
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(m)
    B, T = 40, 15
    X = rng.normal(0.03, 0.06, size=(B, T, m))
    y = 0.01 + X @ rng.normal(0, 0.4, size=m) + rng.normal(0, 0.02, size=(B, T))
    used = rng.random((B, T)) > 0.25
    fits = fit_batch(X, y, used)
    for b in range(B):
        u = used[b]
        if u.sum() < m + 3:
            assert not fits.ok[b] and np.isnan(fits.estimate[b]).all()
            continue
        res = sm.OLS(y[b, u], sm.add_constant(X[b, u], has_constant="add")).fit()
        ci = res.conf_int(alpha=0.2)[1:]
        assert fits.n[b] == u.sum()
        assert fits.estimate[b] == pytest.approx(res.params[1:], rel=1e-9, abs=1e-12)
        assert fits.se[b] == pytest.approx(res.bse[1:], rel=1e-9)
        assert fits.low[b] == pytest.approx(ci[:, 0], rel=1e-9, abs=1e-12)
        assert fits.high[b] == pytest.approx(ci[:, 1], rel=1e-9, abs=1e-12)
        assert fits.p[b] == pytest.approx(res.pvalues[1:], rel=1e-9, abs=1e-15)
        assert fits.r2[b] == pytest.approx(res.rsquared, rel=1e-9)
        assert fits.intercept[b] == pytest.approx(res.params[0], rel=1e-9, abs=1e-12)


def test_drivers_whose_spending_moves_together_are_not_estimated():
    X = np.zeros((1, 8, 2))
    X[0, :, 0] = np.linspace(0, 0.1, 8)
    X[0, :, 1] = 2 * X[0, :, 0]  # the second driver's changes are the first's, doubled
    fits = fit_batch(X, np.arange(8.0)[None] * 0.01, np.ones((1, 8), dtype=bool))
    assert fits.singular[0] and not fits.ok[0] and np.isnan(fits.estimate).all()


def test_json_shape(sample_evidence):
    _ds, ev, _files = sample_evidence
    out = evidence_to_json(ev)
    assert set(out) == {"drivers", "kpis"}
    assert len(out["drivers"]) == len(ev.drivers)
    for d in out["drivers"]:
        assert list(d) == ["kpi", "department", "program", "lag", "n", "estimate", "se", "low", "high", "p", "r2",
                           "entered", "pooled", "pooled_se"]
        assert d["pooled"] is None and d["pooled_se"] is None  # no --pool
    assert list(out["kpis"]) == list(ev.kpis.index)
    for k in out["kpis"].values():
        assert list(k) == ["years", "completeness", "volatility", "attainment", "responsive", "redundant_with",
                           "recommendation"]

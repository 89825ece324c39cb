"""The review against an independent plain-pandas reading of SPEC on a generated city, every figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kcplanner.review import review, review_to_json

from .review_data import generated_city

SPEND = ["fund", "department", "program", "account_class"]
REV = ["fund", "source"]


def _complete(rows: pd.DataFrame) -> set[int]:
    """Years whose rows cover all twelve months."""
    out = set()
    for y, g in rows.groupby("fiscal_year"):
        months = set()
        for f, la in zip(g["first_month"], g["last_month"]):
            months |= set(range(int(f), int(la) + 1))
        if months == set(range(1, 13)):
            out.add(int(y))
    return out


def _shares(rows: pd.DataFrame, keys: list[str], R: int, p: int, complete: set[int]) -> pd.Series:
    """Mean over complete prior years with full-year total > 0 and no whole-year row of through-p ÷ full."""
    prior = rows[rows["fiscal_year"].isin([R - 1, R - 2, R - 3])].copy()
    prior["_through"] = prior["amount"].where(prior["last_month"] <= p, 0.0)
    prior["_whole"] = (prior["first_month"] == 1) & (prior["last_month"] == 12)
    by = (keys + ["fiscal_year"]) if keys else ["fiscal_year"]
    t = prior.groupby(by, dropna=False).agg(full=("amount", "sum"), through=("_through", "sum"), whole=("_whole", "any"))
    t = t.reset_index()
    t = t[t["fiscal_year"].isin(complete) & (t["full"] > 0) & ~t["whole"]]
    t["share"] = t["through"] / t["full"]
    if not keys:
        return pd.Series({"*": t["share"].mean()}) if len(t) else pd.Series(dtype=float)
    return t.groupby(keys, dropna=False)["share"].mean()


def _side(actuals, budget_lines, budget_values, keys, middle, R, p):
    acts = actuals.copy()
    for k in keys:
        acts[k] = acts[k].astype(object)
    lines = budget_lines[keys].astype(object).assign(budget=budget_values)
    lines = lines[lines["budget"].notna()]
    now = acts[(acts["fiscal_year"] == R) & (acts["last_month"] <= p)]
    B = lines.groupby(keys)["budget"].sum()
    A = now.groupby(keys)["amount"].sum()
    groups = B.index.union(A.index)
    out = pd.DataFrame(index=groups)
    out["budget"] = B.reindex(groups).fillna(0.0)
    out["actual"] = A.reindex(groups).fillna(0.0)
    complete = _complete(acts[acts["fiscal_year"] < R])
    s_g = _shares(acts, keys, R, p, complete)
    s_m = _shares(acts, [middle], R, p, complete)
    s_c = _shares(acts, [], R, p, complete)
    share, source = [], []
    for key in groups:  # the reference may loop: it is the slow, obvious reading
        kd = dict(zip(keys, key))
        if key in s_g.index:
            share.append(s_g[key]), source.append("group")
        elif kd[middle] in s_m.index:
            share.append(s_m[kd[middle]]), source.append("department" if middle == "department" else "fund")
        elif len(s_c):
            share.append(s_c["*"]), source.append("city")
        else:
            share.append(p / 12), source.append("elapsed")
    out["share"], out["share_from"] = share, source
    out["too_early"] = out["share"] < 0.05
    out["projection"] = np.where(out["too_early"], out["budget"], out["actual"] / out["share"])
    out["variance"] = out["projection"] - out["budget"]
    return out


def _flag(v, b, over, under, short=False):
    if v < -under * b:
        return "short" if short else "under"
    if not short and v > over * b:
        return "over"
    return None


@pytest.fixture(scope="module")
def city():
    return generated_city(n_lines=600, seed=7)


def test_every_figure_matches_an_independent_pandas_computation(city):
    r = review(city)
    R, p = 2027, 6
    assert (r.fiscal_year, r.through, r.through_label) == (R, p, "FY2027 P06")
    spend = _side(city.budget.actuals, city.budget.line_items, city.budget.amounts[(R, "Adopted")].to_numpy(),
                  SPEND, "department", R, p)
    amounts = city.plan.revenue_amounts
    rev_b = amounts[(R, "Estimate")].fillna(amounts[(R, "Adopted")]).to_numpy()
    rev = _side(city.budget.revenue_actuals, city.plan.revenue, rev_b, REV, "fund", R, p)
    assert 200 <= len(spend) <= 600 and set(spend["share_from"]) >= {"group", "department"}

    got = r.spending.set_index(SPEND).sort_index()
    spend = spend.sort_index()
    assert list(got.index) == list(spend.index)
    for col in ("budget", "actual", "share", "projection", "variance"):
        np.testing.assert_allclose(got[col].to_numpy(float), spend[col].to_numpy(float), rtol=1e-9, atol=1e-6)
    assert got["share_from"].tolist() == spend["share_from"].tolist()
    assert got["too_early"].tolist() == spend["too_early"].tolist()
    flags = [_flag(v, b, 0.005, 0.05) for v, b in zip(spend["variance"], spend["budget"])]
    assert got["flag"].tolist() == flags

    got_r = r.revenue.set_index(REV).sort_index()
    rev = rev.sort_index()
    assert list(got_r.index) == list(rev.index)
    for col in ("budget", "actual", "share", "projection", "variance"):
        np.testing.assert_allclose(got_r[col].to_numpy(float), rev[col].to_numpy(float), rtol=1e-9, atol=1e-6)
    assert got_r["flag"].tolist() == [_flag(v, b, 0, 0.01, short=True) for v, b in zip(rev["variance"], rev["budget"])]

    out = review_to_json(r)
    dept = spend.groupby(level="department")[["budget", "actual", "projection", "variance"]].sum()
    assert set(out["departments"]) == set(dept.index)
    for d, row in dept.iterrows():
        j = out["departments"][d]
        for k in ("budget", "actual", "projection", "variance"):
            assert j[k] == pytest.approx(row[k], rel=1e-9, abs=1e-6)
        assert j["flag"] == _flag(row["variance"], row["budget"], 0.005, 0.05)
    prog = spend.groupby(level=["department", "program"])[["projection"]].sum()
    np.testing.assert_allclose(r.programs["projection"].sort_index().to_numpy(), prog["projection"].to_numpy(),
                               rtol=1e-9)
    fe = spend.groupby(level="fund")[["budget", "actual", "projection", "variance"]].sum()
    fr = rev.groupby(level="fund")[["budget", "actual", "projection", "variance"]].sum()
    for f in fe.index.union(fr.index):
        j = out["funds"][f]
        for side, t in (("expenditure", fe), ("revenue", fr)):
            for k in ("budget", "actual", "projection", "variance"):
                want = t.loc[f, k] if f in t.index else 0.0
                assert j[side][k] == pytest.approx(want, rel=1e-9, abs=1e-6)
        change = (fr.loc[f, "variance"] if f in fr.index else 0) - (fe.loc[f, "variance"] if f in fe.index else 0)
        assert j["balance_change"] == pytest.approx(change, rel=1e-9, abs=1e-6)

    ka = city.plan.kpi_actuals
    for kid, j in out["kpis"].items():
        mine = ka[(ka["kpi_id"] == kid) & (ka["fiscal_year"] == R) & (ka["last_month"] <= p)]
        last = mine.sort_values("last_month").iloc[-1]
        assert j["latest"] == last["value"] and j["period"] == f"FY2027 P{int(last['last_month']):02d}"
        prev = ka[(ka["kpi_id"] == kid) & (ka["fiscal_year"] == R - 1) & (ka["last_month"] == last["last_month"])]
        assert j["previous"] == prev["value"].iloc[0]
        target = city.plan.kpi_targets.loc[kid, R]
        direction = int(city.plan.kpis.set_index("kpi_id").loc[kid, "direction"])
        want = None if np.isnan(target) else bool(last["value"] >= target if direction > 0 else last["value"] <= target)
        assert j["met"] is want and (j["target"] is None) == np.isnan(target)
    assert len(out["kpis"]) == 10


def test_categorical_names_and_through_a_quarter_agree_with_the_plain_columns():
    plain, cat = generated_city(n_lines=300, seed=3), generated_city(n_lines=300, seed=3, categorical=True)
    a, b = review(plain, through=3), review(cat, through=3)
    cols = ["budget", "actual", "share", "projection", "variance"]
    pd.testing.assert_frame_equal(a.spending.set_index(SPEND)[cols].sort_index(),
                                  b.spending.set_index(SPEND)[cols].sort_index())
    ref = _side(plain.budget.actuals, plain.budget.line_items, plain.budget.amounts[(2027, "Adopted")].to_numpy(),
                SPEND, "department", 2027, 3).sort_index()
    np.testing.assert_allclose(a.spending.set_index(SPEND).sort_index()["projection"].to_numpy(float),
                               ref["projection"].to_numpy(float), rtol=1e-9, atol=1e-6)

"""The quarterly review (SPEC, "The quarterly review"): every rule against hand-computed figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kcplanner.periods import parse_period
from kcplanner.review import burn_up, review, review_to_json

from .engine_data import build_dataset
from .review_data import concat, kpi_actuals, monthly, quarterly, revenue, spending, whole

PS, CS, OT = "Personnel Services", "Contractual Services", "Other"
G1 = ("GF", "Police", "Patrol", PS)
G2 = ("GF", "Police", "Patrol", "Commodities")
G3 = ("Grants", "Police", "Traffic", CS)
G4 = ("GF", "Parks", "Trails", OT)
G5 = ("GF", "Library", "Books", OT)


def line(group, adopted=None, **amounts):
    f, d, p, c = group
    a = dict(amounts)
    if adopted is not None:
        a[(2027, "Adopted")] = adopted
    return {"fund": f, "department": d, "program": p, "account_class": c, "amounts": a}


def dataset(lines, actuals=(), revenue_lines=(), revenue_actuals=(), **kw):
    ds = build_dataset(lines=lines, revenue=revenue_lines, **kw)
    if len(actuals):
        ds.budget.actuals = concat(list(actuals))
    if len(revenue_actuals):
        ds.budget.revenue_actuals = concat(list(revenue_actuals))
    return ds


def row(frame, **keys):
    sel = np.ones(len(frame), dtype=bool)
    for k, v in keys.items():
        sel &= frame[k].to_numpy() == v
    assert sel.sum() == 1, keys
    return frame[sel].iloc[0]


def spend_row(r, group):
    return row(r.spending, **dict(zip(("fund", "department", "program", "account_class"), group)))


# -- shares and their fallbacks ------------------------------------------------------------------

def _fallback_city():
    seasonal = [50] * 6 + [150] * 6                 # FY2025: through P06 300 of 1200
    late = [0] * 3 + [100] * 9                       # 300 of 900 through P06
    acts = [spending(G1, monthly(2024, 100) + monthly(2025, seasonal) + monthly(2026, 100)
                     + monthly(2027, 110, range(1, 7))),
            spending(G2, monthly(2027, 20, range(1, 7))),
            spending(G3, monthly(2024, late) + monthly(2025, late) + monthly(2026, late)),
            spending(G4, monthly(2027, 30, range(1, 7))),
            spending(G5, monthly(2024, 10) + monthly(2025, 10) + monthly(2026, 10))]
    return dataset([line(G1, 1200), line(G2, 600), line(G3, 900), line(G4, 400)], acts)


def test_share_of_the_group_over_its_complete_prior_years():
    r = review(_fallback_city())
    assert (r.fiscal_year, r.through, r.through_label) == (2027, 6, "FY2027 P06")
    g = spend_row(r, G1)
    s = (600 / 1200 + 300 / 1200 + 600 / 1200) / 3
    assert g["share_from"] == "group" and g["share"] == pytest.approx(s)
    assert g["actual"] == pytest.approx(660) and g["budget"] == 1200
    assert g["projection"] == pytest.approx(660 / s) and g["variance"] == pytest.approx(660 / s - 1200)
    assert g["flag"] == "over" and not g["too_early"]
    g3 = spend_row(r, G3)  # no actuals in R: reviewed for its budget, spent 0 so far
    assert g3["share"] == pytest.approx(1 / 3) and g3["actual"] == 0 and g3["projection"] == 0
    assert g3["flag"] == "under"


def test_share_falls_back_to_the_department_in_every_fund_then_the_city():
    r = review(_fallback_city())
    g2 = spend_row(r, G2)  # no history: Police's groups summed, the Grants fund's G3 included
    dept = (900 / 2100 + 600 / 2100 + 900 / 2100) / 3
    assert g2["share_from"] == "department" and g2["share"] == pytest.approx(dept)
    assert g2["projection"] == pytest.approx(120 / dept)
    g4 = spend_row(r, G4)  # Parks has no history: the whole city, Library's G5 (not reviewed) included
    city = (960 / 2220 + 660 / 2220 + 960 / 2220) / 3
    assert g4["share_from"] == "city" and g4["share"] == pytest.approx(city)
    assert g4["projection"] == pytest.approx(180 / city)
    assert set(r.spending["department"]) == {"Police", "Parks"}  # G5: no budget, no actuals in R


def test_share_is_the_elapsed_months_without_any_complete_prior_year():
    acts = [spending(G1, monthly(2026, 100, range(1, 12)) + monthly(2027, 100, range(1, 5)))]  # FY2026 lacks P12
    r = review(dataset([line(G1, 1200)], acts))
    g = spend_row(r, G1)
    assert r.through == 4
    assert g["share_from"] == "elapsed" and g["share"] == pytest.approx(4 / 12)
    assert g["projection"] == pytest.approx(400 / (4 / 12))


def test_an_incomplete_year_offers_no_share_and_a_missing_month_is_spent_nothing():
    other = ("GF", "Police", "Patrol", OT)
    acts = [spending(G1, monthly(2024, 100) + monthly(2025, 100, range(1, 7)) + monthly(2026, 100, range(1, 12))
                     + monthly(2027, 100, range(1, 7))),
            spending(other, monthly(2025, 5, range(7, 13)))]  # FY2025 complete through the other line
    r = review(dataset([line(G1, 1200), line(other, 30)], acts))
    g = spend_row(r, G1)
    # FY2026 has no P12 anywhere: not complete. FY2025: G1 has nothing after P06, so its share is 1.
    assert g["share"] == pytest.approx((0.5 + 1.0) / 2)
    o = spend_row(r, other)  # FY2025 only (FY2024 total 0): nothing through P06 → share 0, too early
    assert o["share"] == 0 and o["too_early"] and o["projection"] == 30 and o["variance"] == 0
    assert o["share_from"] == "group"


def test_a_year_given_whole_counts_only_as_history():
    acts = [spending(G1, whole(2024, 5000) + monthly(2025, [50] * 6 + [150] * 6) + monthly(2026, 100)
                     + monthly(2027, 100, range(1, 7)))]
    g = spend_row(review(dataset([line(G1, 1200)], acts)), G1)
    assert g["share"] == pytest.approx((0.25 + 0.5) / 2) and g["share_from"] == "group"
    acts = [spending(G1, whole(2024, 1200) + whole(2025, 1200) + whole(2026, 1200) + monthly(2027, 100, range(1, 7)))]
    g = spend_row(review(dataset([line(G1, 1200)], acts)), G1)
    assert g["share_from"] == "elapsed" and g["share"] == 0.5


def test_prior_years_by_quarter_count_the_quarters_ending_by_p():
    acts = [spending(G1, quarterly(2024, [100, 200, 300, 400]) + quarterly(2025, [100, 200, 300, 400])
                     + quarterly(2026, [100, 200, 300, 400]) + monthly(2027, 40, range(1, 7)))]
    ds = dataset([line(G1, 1000)], acts)
    g = spend_row(review(ds), G1)
    assert g["share"] == pytest.approx(0.3) and g["actual"] == 240 and g["projection"] == pytest.approx(800)
    g = spend_row(review(ds, through=5), G1)  # Q2 ends in P06: not through P05
    assert g["share"] == pytest.approx(0.1) and g["actual"] == 200 and g["projection"] == pytest.approx(2000)
    acts = [spending(G1, quarterly(2026, [100, 200, 300]) + monthly(2027, 40, range(1, 7)))]  # no Q4: incomplete
    assert spend_row(review(dataset([line(G1, 1000)], acts)), G1)["share_from"] == "elapsed"


@pytest.mark.parametrize("first_month, share, early", [(4.0, 0.04, True), (5.0, 0.05, False)])
def test_too_early_to_tell_under_five_percent(first_month, share, early):
    acts = [spending(G1, monthly(2026, [first_month, 100 - first_month] + [0] * 10) + monthly(2027, 7, [1]))]
    g = spend_row(review(dataset([line(G1, 1200)], acts)), G1)
    assert g["share"] == pytest.approx(share) and bool(g["too_early"]) is early
    assert g["projection"] == pytest.approx(1200 if early else 7 / share)


# -- flags -------------------------------------------------------------------------------------

def _flagged(actual, tolerances=None, revenue_actual=None):
    """Share 0.5 everywhere (100 a month before); budget 1000 for the line and the revenue."""
    acts = [spending(G1, monthly(2026, 100) + monthly(2027, [actual] + [0] * 5))]
    racts = [revenue("GF", "Tax", monthly(2026, 100) + monthly(2027, [revenue_actual or 500] + [0] * 5))]
    ds = dataset([line(G1, 1000)], acts, [{"fund": "GF", "source": "Tax", "amounts": {(2027, "Adopted"): 1000.0}}],
                 racts)
    for k, v in (tolerances or {}).items():
        setattr(ds.plan.settings, k, v)
    return review(ds)


@pytest.mark.parametrize("actual, flag", [(502.5, None), (502.51, "over"), (475.0, None), (474.99, "under"),
                                          (500.0, None)])
def test_spending_flags_at_and_just_past_their_tolerance(actual, flag):
    r = _flagged(actual)
    g = spend_row(r, G1)
    assert g["projection"] == pytest.approx(2 * actual) and g["flag"] == flag
    assert r.departments.loc["Police", "flag"] == flag and r.funds.loc["GF", "expenditure_flag"] == flag
    assert review_to_json(r)["departments"]["Police"]["flag"] == flag


@pytest.mark.parametrize("actual, flag", [(495.0, None), (494.99, "short"), (600.0, None)])
def test_revenue_short_at_and_just_past_its_tolerance(actual, flag):
    r = _flagged(500, revenue_actual=actual)
    assert row(r.revenue, fund="GF", source="Tax")["flag"] == flag
    assert r.funds.loc["GF", "revenue_flag"] == flag


def test_flags_follow_the_plan_settings_tolerances():
    r = _flagged(505, {"overspend_tolerance": 0.02, "underspend_tolerance": 0.2})
    assert spend_row(r, G1)["flag"] is None  # 1% over, tolerance 2%
    assert spend_row(_flagged(395, {"underspend_tolerance": 0.2}), G1)["flag"] == "under"  # 21% under
    assert spend_row(_flagged(405, {"underspend_tolerance": 0.2}), G1)["flag"] is None


# -- revenue budget, funds, departments, programs -------------------------------------------------

def test_revenue_budget_is_the_estimate_where_given_else_adopted():
    lines = [{"fund": "GF", "source": "Tax", "amounts": {(2027, "Adopted"): 1000.0, (2027, "Estimate"): 1100.0}},
             {"fund": "GF", "source": "Fees", "amounts": {(2027, "Adopted"): 400.0}},
             {"fund": "Water", "source": "Rates", "amounts": {(2026, "Estimate"): 999.0, (2027, "Adopted"): 800.0}}]
    racts = [revenue("GF", "Tax", quarterly(2026, 250) + quarterly(2027, 300, [1, 2])),
             revenue("GF", "Fees", quarterly(2026, 100) + quarterly(2027, 90, [1, 2])),
             revenue("Water", "Rates", quarterly(2026, [100, 100, 300, 300]) + quarterly(2027, 100, [1, 2]))]
    r = review(dataset([], (), lines, racts))
    tax, fees, rates = (row(r.revenue, source=s) for s in ("Tax", "Fees", "Rates"))
    assert (tax["budget"], fees["budget"], rates["budget"]) == (1100, 400, 800)
    assert tax["projection"] == pytest.approx(1200) and tax["flag"] is None
    assert fees["projection"] == pytest.approx(360) and fees["flag"] == "short"
    assert rates["share"] == pytest.approx(0.25) and rates["projection"] == pytest.approx(800)
    assert r.funds.loc["GF", "revenue_budget"] == 1500 and r.funds.loc["GF", "revenue_projection"] == pytest.approx(1560)
    assert any("No spending actuals" in m for m in r.messages) and r.spending.empty and r.departments.empty


def test_fund_balance_change_and_the_sums_of_departments_programs_funds():
    g6 = ("GF", "Police", "Detectives", PS)
    acts = [spending(G1, monthly(2026, 100) + monthly(2027, 110, range(1, 7))),      # P 1320 vs 1200
            spending(g6, monthly(2026, 50) + monthly(2027, 45, range(1, 7))),        # P 540 vs 600
            spending(G3, monthly(2026, 10) + monthly(2027, 10, range(1, 7)))]        # P 120 vs 120
    lines = [{"fund": "GF", "source": "Tax", "amounts": {(2027, "Adopted"): 2000.0}},
             {"fund": "Grants", "source": "Grant", "amounts": {(2027, "Adopted"): 100.0}}]
    racts = [revenue("GF", "Tax", monthly(2026, 150) + monthly(2027, 160, range(1, 7)))]  # P 1920 vs 2000
    r = review(dataset([line(G1, 1200), line(g6, 600), line(G3, 120)], acts, lines, racts))
    police = r.departments.loc["Police"]
    assert (police["budget"], police["actual"]) == (1920, 660 + 270 + 60)
    assert police["projection"] == pytest.approx(1980) and police["variance"] == pytest.approx(60)
    assert r.programs.loc[("Police", "Detectives"), "projection"] == pytest.approx(540)
    assert r.programs.loc[("Police", "Detectives"), "flag"] == "under"
    gf = r.funds.loc["GF"]
    assert gf["expenditure_variance"] == pytest.approx(120 - 60) and gf["revenue_variance"] == pytest.approx(-80)
    assert gf["balance_change"] == pytest.approx(-80 - 60)
    grants = r.funds.loc["Grants"]  # a budget line and no collection yet: projected at 0
    assert grants["revenue_projection"] == 0 and grants["revenue_flag"] == "short"
    assert grants["balance_change"] == pytest.approx(-100 - 0)
    out = review_to_json(r)
    assert out["funds"]["GF"] == {
        "expenditure": {k: pytest.approx(gf[f"expenditure_{k}"]) if k != "flag" else gf["expenditure_flag"]
                        for k in ("budget", "actual", "projection", "variance", "flag")},
        "revenue": {k: pytest.approx(gf[f"revenue_{k}"]) if k != "flag" else gf["revenue_flag"]
                    for k in ("budget", "actual", "projection", "variance", "flag")},
        "balance_change": pytest.approx(-140)}


# -- the period reviewed -------------------------------------------------------------------------

def test_fiscal_year_and_through_defaults_and_overrides():
    acts = [spending(G1, monthly(2026, 100) + monthly(2027, 100, range(1, 6)))]
    racts = [revenue("GF", "Tax", quarterly(2026, 300) + quarterly(2027, 300, [1, 2]))]
    ds = dataset([line(G1, 1200)], acts, [{"fund": "GF", "source": "Tax", "amounts": {(2027, "Adopted"): 1200.0}}],
                 racts)
    r = review(ds)
    assert (r.fiscal_year, r.through) == (2027, 6)  # revenue's Q2 ends in P06: one p for both
    assert review(ds, through=3).through_label == "FY2027 P03"
    r = review(ds, through=parse_period("FY2027 Q1"))
    assert (r.fiscal_year, r.through) == (2027, 3) and spend_row(r, G1)["actual"] == 300
    r = review(ds, fiscal_year=2026)
    assert (r.fiscal_year, r.through) == (2026, 12) and spend_row(r, G1)["share_from"] == "elapsed"
    with pytest.raises(ValueError, match="not in the fiscal year reviewed"):
        review(ds, fiscal_year=2026, through=parse_period("FY2027 Q1"))
    with pytest.raises(ValueError, match="expected a fiscal month 1-12"):
        review(ds, through=13)
    r = review(ds, fiscal_year=2030)
    assert r.fiscal_year == 2030 and r.through is None and "No spending or revenue actuals for FY2030" in r.messages[0]


def test_no_actuals_says_so_with_empty_frames():
    r = review(build_dataset(lines=[line(G1, 1200)]))
    assert r.fiscal_year is None and r.through is None
    assert r.messages == ["No spending or revenue actuals: nothing to review"]
    for frame in (r.spending, r.revenue, r.departments, r.programs, r.funds, r.kpis):
        assert frame.empty
    assert review_to_json(r) == {"fiscal_year": None, "through": None, "departments": {}, "funds": {}, "kpis": {}}
    assert burn_up(r).empty


# -- KPIs -----------------------------------------------------------------------------------------

def test_kpis_latest_target_met_previous():
    kpis = [{"kpi_id": "K1", "baseline": 40.0, "direction": 1}, {"kpi_id": "K2", "baseline": 12.0, "direction": -1},
            {"kpi_id": "K3", "baseline": 1.0}, {"kpi_id": "K4", "baseline": 1.0}, {"kpi_id": "K5", "baseline": 1.0}]
    ds = dataset([line(G1, 1200)], [spending(G1, monthly(2027, 100, range(1, 7)))], kpis=kpis,
                 targets={"K1": {2027: 50.0}, "K2": {2027: 10.0}, "K4": {2027: 5.0}, "K5": {2027: 5.0}})
    ds.plan.kpi_actuals = concat([
        kpi_actuals("K1", quarterly(2026, [30, 45]) + quarterly(2027, [40, 52])),
        kpi_actuals("K2", quarterly(2026, [11], [2]) + monthly(2027, [10 * (1 + 1e-10)], [5])),
        kpi_actuals("K3", quarterly(2027, [7], [2]) + monthly(2027, [8], [6]) + monthly(2026, [6], [6])),
        kpi_actuals("K4", monthly(2027, [4], [8])),                   # after p: not reviewed
        kpi_actuals("K5", quarterly(2027, [4.0], [1]))])
    r = review(ds)
    k = r.kpis
    assert list(k.index) == ["K1", "K2", "K3", "K5"]
    assert k.loc["K1"].to_dict() == {"latest": 52.0, "period": "FY2027 Q2", "target": 50.0, "met": True,
                                     "previous": 45.0}
    assert k.loc["K2", "met"] is True and k.loc["K2", "period"] == "FY2027 P05"  # lower is better, within 1e-9
    assert math.isnan(k.loc["K2", "previous"])  # FY2026 P05 not given (its Q2 is another period)
    assert k.loc["K3", "latest"] == 8 and k.loc["K3", "period"] == "FY2027 P06" and k.loc["K3", "met"] is None
    assert k.loc["K3", "previous"] == 6
    assert k.loc["K5", "met"] is False
    out = review_to_json(r)["kpis"]
    assert out["K2"]["previous"] is None and out["K3"]["target"] is None and out["K5"]["met"] is False


# -- burn-up ----------------------------------------------------------------------------------------

def test_burn_up_of_a_department_and_a_program():
    r = review(_fallback_city())
    b = burn_up(r, department="police")
    assert list(b.index) == list(range(1, 13))
    assert b.loc[6, "actual"] == pytest.approx(660 + 120 + 0) and np.isnan(b.loc[7, "actual"])
    assert b.loc[1, "actual"] == pytest.approx(110 + 20)
    assert (b["budget"] == 1200 + 600 + 900).all()
    assert b.loc[6, "projection"] == pytest.approx(r.departments.loc["Police", "projection"])
    # P06 on the expected path is each group's share of the review × its budget
    sp = r.spending[r.spending["department"] == "Police"]
    assert b.loc[6, "expected"] == pytest.approx((sp["share"] * sp["budget"]).sum())
    assert b.loc[12, "expected"] == pytest.approx(2700)  # every share reaches 1 at P12
    p = burn_up(r, department="Police", program="Traffic")
    g3 = [1 / 3 * m for m in [0, 0, 0]] + [(m - 3) * 100 / 900 for m in range(4, 13)]
    assert p["expected"].to_numpy() == pytest.approx(np.array(g3) * 900)
    assert burn_up(r, department="Nobody")["budget"].eq(0).all()


# -- names, revenue fallbacks, the hashing path ---------------------------------------------------

def test_actuals_match_budget_names_case_insensitively_and_a_blank_class_is_its_own_group():
    acts = [spending(("gf ", "POLICE", "patrol", PS.upper()), monthly(2026, 100) + monthly(2027, 100, range(1, 7))),
            spending(("GF", "Police", "Patrol", None), monthly(2027, 5, range(1, 7)))]
    r = review(dataset([line(G1, 1200)], acts))
    g = spend_row(r, G1)  # the budget's spelling wins
    assert g["actual"] == 600 and g["share_from"] == "group" and g["projection"] == pytest.approx(1200)
    blank = r.spending[r.spending["account_class"].isna()]
    assert len(blank) == 1 and blank["actual"].iloc[0] == 30 and blank["budget"].iloc[0] == 0
    assert blank["share_from"].iloc[0] == "department" and blank["flag"].iloc[0] == "over"
    assert list(r.departments.index) == ["Police"]


def test_revenue_falls_back_to_its_fund_then_all_revenue_then_elapsed():
    lines = [{"fund": f, "source": s, "amounts": {(2027, "Adopted"): 1000.0}}
             for f, s in (("GF", "Tax"), ("GF", "New fee"), ("Water", "Rates"))]
    racts = [revenue("GF", "Tax", quarterly(2026, [100, 200, 300, 400]) + quarterly(2027, 150, [1, 2])),
             revenue("GF", "New fee", quarterly(2027, 50, [1, 2])),
             revenue("Water", "Rates", quarterly(2027, 40, [1, 2])),
             revenue("Sewer", "Old", quarterly(2026, [300, 300, 200, 200]))]
    r = review(dataset([], (), lines, racts))
    fee, rates = row(r.revenue, source="New fee"), row(r.revenue, source="Rates")
    assert fee["share_from"] == "fund" and fee["share"] == pytest.approx(0.3)
    assert rates["share_from"] == "city" and rates["share"] == pytest.approx((300 + 600) / 2000)
    assert set(r.revenue["source"]) == {"Tax", "New fee", "Rates"}  # Sewer's Old: history only
    racts = [revenue("GF", "Tax", quarterly(2026, [100, 200, 300]) + quarterly(2027, 150, [1, 2]))]
    assert row(review(dataset([], (), lines[:1], racts)).revenue, source="Tax")["share_from"] == "elapsed"


def test_a_key_space_too_large_for_a_table_is_hashed_with_the_same_result(monkeypatch):
    from kcplanner.review import ledger

    city = _fallback_city()
    dense = review(city)
    monkeypatch.setattr(ledger, "DENSE_LIMIT", 0)
    hashed = review(city)
    keys = ["fund", "department", "program", "account_class"]
    pd.testing.assert_frame_equal(dense.spending.sort_values(keys, ignore_index=True),
                                  hashed.spending.sort_values(keys, ignore_index=True))
    assert review_to_json(dense) == review_to_json(hashed)


def test_spending_without_an_adopted_budget_says_so():
    acts = [spending(G1, monthly(2026, 100) + monthly(2027, 100, range(1, 7)))]
    r = review(dataset([{**line(G1), "amounts": {(2026, "Adopted"): 1000.0}}], acts))
    assert "No Adopted budget for FY2027: spending is reviewed against a budget of 0" in r.messages
    g = spend_row(r, G1)
    assert g["budget"] == 0 and g["projection"] == pytest.approx(1200) and g["flag"] == "over"

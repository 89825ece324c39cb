"""Hand-computed cases for every formula of SPEC.md "The model" (y1 = 2027, y0 = 2026).

Each test builds a tiny dataset and states the expected numbers with the arithmetic in comments.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kcplanner.engine import evaluate, prepare
from kcplanner.scenario import Rule, Scenario, Target

from .engine_data import build_dataset

Y = [2027, 2028, 2029, 2030, 2031]


def line(dept="Police", prog="Patrol", fund="General Fund", cls="Personnel Services", rec=True, **amounts):
    """amounts: r2027=Requested 2027, a2026=Adopted 2026, x2025=Actual 2025 …"""
    phase = {"r": "Requested", "a": "Adopted", "x": "Actual"}
    return {"fund": fund, "department": dept, "program": prog, "account_class": cls, "recurring": rec,
            "amounts": {(int(k[1:]), phase[k[0]]): v for k, v in amounts.items()}}


def run(scenario=None, **kw):
    ds = build_dataset(**kw)
    P = prepare(ds)
    return P, evaluate(P, scenario or Scenario())


def approx(values, rel=1e-12, abs=1e-9):
    return pytest.approx(list(values), rel=rel, abs=abs, nan_ok=True)


# -- baseline expenditure --------------------------------------------------------------------------

def test_baseline_expenditure_fallbacks_growth_and_one_time_lines():
    assumptions = {"Personnel Services": {2027: 0.03, 2028: 0.02},       # later years missing → 0
                   "Commodities": {y: 0.10 for y in Y}}
    lines = [
        line(r2027=1000.0, a2026=5.0, x2025=7.0),          # Requested wins, not grown in y1
        line(a2026=1000.0, x2025=7.0),                     # Adopted y0 × (1 + g[PS, 2027])
        line(cls="Commodities", x2024=100.0, x2025=200.0),  # latest Actual (2025) × 1.10
        line(cls="Other"),                                  # nothing → 0
        line(cls="Commodities", rec=False, a2026=100.0),    # one-time: y1 only
        line(cls="Commodities", x2023=50.0),                # an old Actual: × (1 + g[y1]) once (SPEC literally)
    ]
    P, res = run(lines=lines, assumptions=assumptions)
    base, scen = res.line_amounts()
    assert base[0] == approx([1000, 1020, 1020, 1020, 1020])            # 1000; ×1.02; then 0 growth
    assert base[1] == approx([1030, 1050.6, 1050.6, 1050.6, 1050.6])    # 1000×1.03=1030; ×1.02=1050.6
    assert base[2] == approx([220, 242, 266.2, 292.82, 322.102])        # 200×1.1, ×1.1 …
    assert base[3] == approx([0, 0, 0, 0, 0])
    assert base[4] == approx([110, 0, 0, 0, 0])                         # 100×1.1 in y1 only
    assert base[5] == approx([55, 60.5, 66.55, 73.205, 80.5255])        # 50×1.1 (grown once to y1)
    assert np.array_equal(base, scen)                                   # empty scenario
    # roll-ups: Personnel Services = 1000+1030 = 2030 in 2027; 1020+1050.6 = 2070.6 later
    i = res.by_account_class.names.index("Personnel Services")
    assert res.by_account_class.baseline[i] == approx([2030, 2070.6, 2070.6, 2070.6, 2070.6])
    assert res.funds.expenditure[0, 0] == pytest.approx(1000 + 1030 + 220 + 0 + 110 + 55)


def test_first_plan_year_defaults_to_the_year_after_the_latest_adopted():
    ds = build_dataset(lines=[line(a2029=10.0)], first_plan_year=None)
    P = prepare(ds)
    assert P.plan_years == [2030, 2031, 2032, 2033, 2034]
    assert P.year_labels[0] == "FY2029-30"
    assert P.E0[0, 0] == 10.0  # Adopted y0 (2029) × (1 + 0)


# -- baseline revenue -------------------------------------------------------------------------------

def test_baseline_revenue():
    def rev(source, growth=0.0, rec=True, **amounts):
        phase = {"x": "Actual", "a": "Adopted", "e": "Estimate", "p": "Projected"}
        return {"fund": "General Fund", "source": source, "recurring": rec, "growth": growth,
                "amounts": {(int(k[1:]), phase[k[0]]): v for k, v in amounts.items()}}
    revenue = [
        rev("Old actual", 0.02, x2024=100.0),                 # seed 100 grown 2024→2026: 104.04
        rev("Estimate then projected", 0.02, a2026=190.0, e2026=200.0, p2028=300.0),
        rev("Estimate in a plan year", 0.0, a2026=80.0, e2027=500.0),
        rev("Nothing"),
        rev("Adopted beats actual of same year", 0.10, x2026=10.0, a2026=20.0),
    ]
    P, res = run(revenue=revenue)
    R = res.revenue.baseline
    assert R[0] == approx([106.1208, 108.243216, 110.40808032, 112.6162419264, 114.868566764928])  # 104.04×1.02…
    assert R[1] == approx([204, 300, 306, 312.12, 318.3624])          # 200×1.02; Projected 300; ×1.02…
    assert R[2] == approx([500, 500, 500, 500, 500])                  # Estimate 2027, then growth 0
    assert R[3] == approx([0, 0, 0, 0, 0])
    assert R[4] == approx([22, 24.2, 26.62, 29.282, 32.2102])         # Adopted 20 (no Estimate) × 1.1
    assert np.array_equal(res.revenue.scenario, R)


# -- rules ----------------------------------------------------------------------------------------

TWO_PROGRAMS = [line(prog="Patrol", r2027=100.0), line(prog="Patrol", r2027=300.0),
                line(prog="Investigations", r2027=600.0), line(dept="Fire", prog="Suppression", r2027=1000.0)]


def test_percent_rule_with_year_range():
    s = Scenario("p", (Rule("Police +10% 2028-29", Target(department="Police"), "percent", 10, 2028, 2029),))
    P, res = run(s, lines=TWO_PROGRAMS)
    _, scen = res.line_amounts()
    assert scen[0] == approx([100, 110, 110, 100, 100])
    assert scen[3] == approx([1000] * 5)          # Fire untouched
    i = res.by_department.names.index("Police")
    assert res.by_department.scenario[i] == approx([1000, 1100, 1100, 1000, 1000])
    assert res.by_department.baseline[i] == approx([1000] * 5)


def test_rules_apply_in_order():
    pct = Rule("Patrol +10%", Target(program="Patrol"), "percent", 10, 2028, None)
    amt = Rule("Patrol +$40", Target(program="Patrol"), "amount", 40)
    _, r1 = run(Scenario("a", (pct, amt)), lines=TWO_PROGRAMS)
    _, r2 = run(Scenario("b", (amt, pct)), lines=TWO_PROGRAMS)
    s1, s2 = r1.line_amounts()[1], r2.line_amounts()[1]
    # 2027: only the amount: 40 split 100:300 → 110, 330
    assert s1[:2, 0] == approx([110, 330]) and s2[:2, 0] == approx([110, 330])
    # 2028, percent first: 110, 330 (sum 440), then +40 in proportion → 120, 360
    assert s1[:2, 1] == approx([120, 360])
    # 2028, amount first: 110, 330, then ×1.1 → 121, 363
    assert s2[:2, 1] == approx([121, 363])


def test_amount_on_a_zero_sum_set_is_spread_equally():
    lines = [line(prog="Refunds", r2027=50.0), line(prog="Refunds", r2027=-50.0),
             line(prog="Empty", cls="Other", r2027=0.0), line(prog="Empty", cls="Commodities", r2027=0.0),
             line(prog="Empty", cls="Other", r2027=0.0)]
    s = Scenario("z", (Rule("refunds +30", Target(program="Refunds"), "amount", 30),
                       Rule("empty +30", Target(program="Empty"), "amount", 30, 2029, 2029),
                       Rule("empty ×2", Target(program="Empty"), "percent", 100, 2029, 2029)))
    _, res = run(s, lines=lines)
    _, scen = res.line_amounts()
    assert scen[0] == approx([65] * 5) and scen[1] == approx([-35] * 5)   # 30/2 = 15 each
    assert scen[2:, 2] == approx([20, 20, 20])                          # 30/3 = 10 each, then ×2
    assert scen[2:, 0] == approx([0, 0, 0])


def test_amount_takes_the_recurring_flag_of_the_line_it_lands_on():
    lines = [line(prog="Patrol", r2027=300.0, rec=True), line(prog="Patrol", r2027=100.0, rec=False)]
    s = Scenario("r", (Rule("+40", Target(program="Patrol"), "amount", 40),))
    _, res = run(s, lines=lines, funds=[{"fund": "General Fund", "beginning_balance": 0.0}])
    _, scen = res.line_amounts()
    # 2027: 40 split 300:100 → 330, 110; later years only the recurring line exists → 340
    assert scen[0] == approx([330, 340, 340, 340, 340])
    assert scen[1] == approx([110, 0, 0, 0, 0])
    assert res.funds.recurring_expenditure[0] == approx([330, 340, 340, 340, 340])
    assert res.funds.expenditure[0] == approx([440, 340, 340, 340, 340])


def test_amount_with_no_existing_line_in_a_year_adds_nothing_and_says_so():
    lines = [line(prog="One-time", rec=False, r2027=100.0), line(prog="Other", r2027=1.0)]
    s = Scenario("n", (Rule("one-time +50", Target(program="One-time"), "amount", 50),))
    _, res = run(s, lines=lines)
    assert res.line_amounts()[1][0] == approx([150, 0, 0, 0, 0])
    assert not res.invalid_rules
    assert len(res.rule_notes) == 1 and "FY2027-28, FY2028-29" in res.rule_notes[0][1]


FTE_LINES = [line(prog="Patrol", r2027=300_000.0), line(prog="Patrol", r2027=100_000.0),
             line(prog="Patrol", cls="Commodities", r2027=50_000.0),
             line(prog="Cadets", r2027=10_000.0), line(prog="Cadets", cls="Commodities", r2027=10.0),
             line(prog="Supplies", cls="Commodities", r2027=10.0)]
FTE_ASSUMPTIONS = {"Personnel Services": {2029: 0.02, 2030: 0.03}}


def test_fte_rule_with_positions_costs():
    positions = [{"department": "Police", "program": "Patrol", "position": "Officer", "fte": 2.0, "cost_per_fte": 60_000.0},
                 {"department": "Police", "program": "Patrol", "position": "Sergeant", "fte": 1.0, "cost_per_fte": 90_000.0},
                 {"department": "Police", "program": "Patrol", "position": "Clerk", "fte": 1.0, "cost_per_fte": None}]
    s = Scenario("f", (Rule("2 officers", Target(program="Patrol"), "fte", 2, 2028, 2030),))
    _, res = run(s, lines=FTE_LINES, positions=positions, assumptions=FTE_ASSUMPTIONS)
    base, scen = res.line_amounts()
    # average cost = (2×60,000 + 1×90,000) / 3 = 70,000 (the clerk has no cost); 2 FTE = 140,000 in 2028,
    # ×1.02 in 2029 = 142,800, ×1.03 in 2030 = 147,084; nothing in 2027 and 2031 (outside the range).
    added = scen[:2].sum(0) - base[:2].sum(0)
    assert added == approx([0, 140_000, 142_800, 147_084, 0], rel=1e-12)
    # spread over the program's Personnel Services lines in proportion (3:1); the PS lines grow too
    # (base 2029 = 300,000 × 1.02 = 306,000 and 100,000 × 1.02 = 102,000)
    assert scen[0, 2] - base[0, 2] == pytest.approx(142_800 * 0.75)
    assert scen[1, 2] - base[1, 2] == pytest.approx(142_800 * 0.25)
    assert scen[2] == approx(base[2])              # Commodities untouched


def test_fte_rule_with_the_settings_default_and_invalid_cases():
    s = Scenario("f", (Rule("cadets", Target(department="Police", program="Cadets"), "fte", 1.5),
                       Rule("no program", Target(department="Police"), "fte", 1),
                       Rule("no PS lines", Target(program="Supplies"), "fte", 1),
                       Rule("revenue fte", Target(revenue_source="Sales tax"), "fte", 1)))
    _, res = run(s, lines=FTE_LINES, assumptions=FTE_ASSUMPTIONS, default_cost_per_fte=50_000.0)
    base, scen = res.line_amounts()
    # 1.5 × 50,000 = 75,000 in 2027 (first year of the range = plan's first year); 2028 +0%;
    # 2029 ×1.02 = 76,500; 2030 ×1.03 = 78,795; 2031 +0% = 78,795.  Only one Cadets PS line.
    assert scen[3] - base[3] == approx([75_000, 75_000, 76_500, 78_795, 78_795])
    bad = dict(res.invalid_rules)
    assert set(bad) == {1, 2, 3}
    assert bad[1] == "rule 2 'no program': an fte rule must name a program"
    assert "no Personnel Services line items" in bad[2]
    assert "cannot target a revenue source" in bad[3]
    # without the Settings default and without costed positions the rule is invalid and says so
    _, res2 = run(Scenario("f", s.rules[:1]), lines=FTE_LINES)
    assert res2.invalid_rules == [(0, "rule 1 'cadets': program 'Cadets' has no positions with a Cost per FTE and "
                                       "the plan's Settings give no Default cost per FTE")]
    assert np.array_equal(res2.line_amounts()[1], res2.line_amounts()[0])


def test_revenue_rules():
    revenue = [{"fund": "General Fund", "source": "Sales tax", "amounts": {(2027, "Projected"): 300.0}},
               {"fund": "General Fund", "source": "Fees", "amounts": {(2027, "Projected"): 100.0}},
               {"fund": "Water Fund", "source": "Fees", "amounts": {(2027, "Projected"): 1000.0}}]
    s = Scenario("r", (Rule("sales +10%", Target(revenue_source="sales tax"), "percent", 10, 2028),
                       Rule("GF fees +$50", Target(fund="General Fund", revenue_source="Fees"), "amount", 50),
                       Rule("fees +$40", Target(revenue_source="Fees"), "amount", 40, 2031, 2031)))
    _, res = run(s, revenue=revenue, lines=[line(r2027=1.0)])
    R = res.revenue.scenario
    assert R[0] == approx([300, 330, 330, 330, 330])
    assert R[1] == approx([150, 150, 150, 150, 150 + 40 * 150 / 1150])   # then 40 split 150:1000
    assert R[2] == approx([1000, 1000, 1000, 1000, 1000 + 40 * 1000 / 1150])
    assert res.line_amounts()[1][0] == approx([1.0] * 5)                  # expenditure untouched


def test_funded_requests_add_their_own_lines():
    requests = [
        {"request_id": "REQ-1", "department": "Police", "program": "Patrol", "fund": "General Fund",
         "type": "Enhancement", "account_class": "Personnel Services", "recurring": True,
         "costs": {2027: 1000.0, 2029: 500.0}},                       # 2028 blank = 0
        {"request_id": "REQ-2", "department": "Police", "program": "Investigations", "fund": "General Fund",
         "type": "Reduction", "account_class": "Commodities", "recurring": True, "costs": {2027: 200.0, 2028: 200.0}},
        {"request_id": "REQ-3", "department": "Fire", "program": "New Station", "fund": "General Fund",
         "type": "Capital", "account_class": "Capital Outlay", "recurring": False, "costs": {2027: 5000.0}},
        {"request_id": "REQ-4", "department": "Fire", "program": "Suppression", "fund": "General Fund",
         "type": "Enhancement", "recurring": True, "costs": {2027: 1.0}},
    ]
    s = Scenario("q", (Rule("Police +10%", Target(department="Police"), "percent", 10),),
                 funded_requests=("req-1", "REQ-2", "REQ-3", "REQ-404"))
    _, res = run(s, lines=TWO_PROGRAMS, requests=requests)
    # Police lines 1000 × 1.1 = 1100; requests are not scaled: +1000 − 200 in 2027, −200 in 2028, +500 in 2029
    i = res.by_department.names.index("Police")
    assert res.by_department.scenario[i] == approx([1900, 900, 1600, 1100, 1100])
    j = res.by_department.names.index("Fire")
    assert res.by_department.scenario[j] == approx([6000, 1000, 1000, 1000, 1000])   # capital 5000 in 2027
    assert res.funds.expenditure[0] == approx([7900, 1900, 2600, 2100, 2100])
    # structural: recurring expenditure excludes the one-time capital request
    assert res.funds.recurring_expenditure[0] == approx([2900, 1900, 2600, 2100, 2100])
    assert res.requests.ids == ["REQ-1", "REQ-2", "REQ-3"]
    assert res.requests.costs[1] == approx([-200, -200, 0, 0, 0])
    assert res.unknown_requests == ["funded request 'REQ-404': no request with this ID (did you mean 'REQ-4'?)"]
    k = res.by_program.names.index(("Fire", "New Station"))
    assert res.by_program.baseline[k] == approx([0] * 5) and res.by_program.scenario[k] == approx([5000, 0, 0, 0, 0])


# -- funds --------------------------------------------------------------------------------------------

def test_fund_balance_reserve_flags_and_findings():
    lines = [line(r2027=1000.0)]
    revenue = [{"fund": "General Fund", "source": "Tax", "recurring": True,
                "amounts": {(y, "Projected"): v for y, v in zip(Y, [1000.0, 990.0, 930.0, 1300.0, 1000.0])}},
               {"fund": "Water Fund", "source": "Rates", "amounts": {(2027, "Projected"): 5.0}}]
    funds = [{"fund": "General Fund", "beginning_balance": 100.0, "reserve_floor": 0.08, "reserve_target": 0.10,
              "reserve_ceiling": 0.30}]
    _, res = run(lines=lines, revenue=revenue, funds=funds)
    f = res.funds
    gf = f.names.index("General Fund")
    # Bal: 100 + 1000 − 1000 = 100; + 990 − 1000 = 90; + 930 − 1000 = 20; + 1300 − 1000 = 320; 320
    assert f.balance[gf] == approx([100, 90, 20, 320, 320])
    assert f.reserve_ratio[gf] == approx([0.10, 0.09, 0.02, 0.32, 0.32])
    # 0.10 is exactly the target: within
    assert list(f.status[gf]) == ["within", "below_target", "below_floor", "above_ceiling", "above_ceiling"]
    assert f.structural[gf] == approx([0, -10, -70, 300, 0])
    kinds = [(x.year, x.kind) for x in res.findings if x.fund == "General Fund"]
    assert kinds == [(2028, "below_target"), (2028, "structural_deficit"), (2029, "below_floor"),
                     (2029, "structural_deficit"), (2030, "above_ceiling"), (2031, "above_ceiling")]
    msg = [x.message for x in res.findings if x.kind == "below_floor"][0]
    assert msg == "General Fund reserve falls below its 8% floor in FY2028-29 (2% of expenditure)"
    # a fund not on the Funds sheet: balance from 0, no policy; no expenditure → ratio null
    w = f.names.index("Water Fund")
    assert f.balance[w] == approx([5, 10, 15, 20, 25])
    assert np.isnan(f.reserve_ratio[w]).all()
    assert list(f.status[w]) == ["no_policy"] * 5


def test_negative_balance_finding_and_structural_deficit():
    lines = [line(r2027=100.0)]
    funds = [{"fund": "General Fund", "beginning_balance": 250.0}]
    _, res = run(lines=lines, funds=funds)
    # 250 − 100 per year → 150, 50, −50, −150, −250
    assert res.funds.balance[0] == approx([150, 50, -50, -150, -250])
    neg = [x for x in res.findings if x.kind == "negative_balance"]
    assert [x.year for x in neg] == [2029, 2030, 2031]
    assert neg[0].message == "General Fund balance is negative in FY2028-29 (-$50)"
    deficits = [x for x in res.findings if x.kind == "structural_deficit"]
    assert len(deficits) == 5 and deficits[0].message.startswith("General Fund has a structural deficit of $100 in FY2026-27")


# -- KPIs ---------------------------------------------------------------------------------------------

KPI_LINES = [line(prog="Patrol", r2027=1000.0), line(prog="Investigations", r2027=3000.0),
             line(dept="Parks", prog="Mowing", r2027=0.0)]


def kpi(kid, **kw):
    base = {"kpi_id": kid, "name": kid, "goal_id": "G1", "direction": 1, "baseline": 100.0}
    base.update(kw)
    return base


def test_kpi_baseline_path_trend_and_clamp():
    kpis = [kpi("A", trend=0.10, baseline_fy=2025), kpi("B", trend=0.10), kpi("C", trend=0.10, maximum=115.0),
            kpi("D", trend=-0.5, minimum=40.0)]
    _, res = run(lines=KPI_LINES, kpis=kpis)
    K = res.kpis.baseline
    assert K[0] == approx([121, 133.1, 146.41, 161.051, 177.1561], rel=1e-12)   # 100 × 1.1^(t − 2025)
    assert K[1] == approx([110, 121, 133.1, 146.41, 161.051], rel=1e-12)         # default Baseline FY = y0
    assert K[2] == approx([110, 115, 115, 115, 115])                              # clamped at Maximum
    assert K[3] == approx([50, 40, 40, 40, 40])                                    # 100×0.5=50; 25 → 40
    assert np.array_equal(res.kpis.scenario, K)
    assert np.isnan(res.kpis.score).all()                                        # no targets at all


def test_driver_with_lag_saturation_band_and_clamp():
    kpis = [kpi("LAG"), kpi("SAT"), kpi("BAND"), kpi("CLAMP", maximum=103.0), kpi("DEPT"), kpi("ZERO")]
    drivers = [
        {"kpi_id": "LAG", "department": "Police", "program": "Patrol", "elasticity": 0.5, "lag": 1},
        {"kpi_id": "SAT", "department": "Police", "program": "Patrol", "elasticity": 2.0, "max_effect": 0.10},
        {"kpi_id": "BAND", "department": "Police", "program": "Patrol", "elasticity": 0.5,
         "elasticity_low": 1.0, "elasticity_high": 0.2},                             # low > high on purpose
        {"kpi_id": "CLAMP", "department": "Police", "program": "Patrol", "elasticity": 0.5},
        {"kpi_id": "DEPT", "department": "Police", "program": None, "elasticity": 1.0},
        {"kpi_id": "ZERO", "department": "Parks", "program": "Mowing", "elasticity": 1.0},
    ]
    s = Scenario("k", (Rule("Patrol +10%", Target(program="Patrol"), "percent", 10),
                       Rule("Mowing +$5", Target(program="Mowing"), "amount", 5)))
    _, res = run(s, lines=KPI_LINES, kpis=kpis, drivers=drivers)
    k = {kid: i for i, kid in enumerate(res.kpis.ids)}
    K = res.kpis.scenario
    # Patrol spending +10% every year: x = 0.1.  LAG: x(t) uses t − 1, so 2027 has x = 0 (before y1):
    assert K[k["LAG"]] == approx([100, 105, 105, 105, 105])                     # 100 × (1 + 0.5×0.1)
    # SAT: e = 2 × 0.1 = 0.2, capped: 0.1 × tanh(0.2 / 0.1) = 0.1 × tanh(2) = 0.0964027580075817
    assert K[k["SAT"]] == approx([100 * (1 + 0.1 * math.tanh(2.0))] * 5)
    assert K[k["SAT"]][0] == pytest.approx(109.64027580075817, rel=1e-12)
    # BAND: scenario with 0.5 → 105; the two band paths are 110 (1.0) and 102 (0.2): low 102, high 110
    assert K[k["BAND"]] == approx([105] * 5)
    assert res.kpis.low[k["BAND"]] == approx([102] * 5) and res.kpis.high[k["BAND"]] == approx([110] * 5)
    # CLAMP: 105 clamped to the Maximum 103
    assert K[k["CLAMP"]] == approx([103] * 5)
    # DEPT: the whole department, S0 = 4000, S = 4100: x = 0.025 → 102.5
    assert K[k["DEPT"]] == approx([102.5] * 5)
    # ZERO: S0 = 0 → x = 0, though the scenario added $5
    assert K[k["ZERO"]] == approx([100] * 5)
    d = res.kpis.drivers
    assert d.effect[0] == approx([0, 0.05, 0.05, 0.05, 0.05])
    assert d.x[0] == approx([0, 0.1, 0.1, 0.1, 0.1])


def test_driver_spending_includes_funded_requests():
    kpis = [kpi("K")]
    drivers = [{"kpi_id": "K", "department": "Police", "program": "Patrol", "elasticity": 1.0, "lag": 0}]
    requests = [{"request_id": "R1", "department": "Police", "program": "Patrol", "fund": "General Fund",
                 "type": "Enhancement", "costs": {2027: 250.0}},
                {"request_id": "R2", "department": "Police", "program": "Patrol", "fund": "General Fund",
                 "type": "Reduction", "costs": {2028: 100.0}}]
    _, res = run(Scenario("q", funded_requests=("R1", "R2")), lines=KPI_LINES, kpis=kpis, drivers=drivers,
                 requests=requests)
    # x = (1000 + 250)/1000 − 1 = 0.25 in 2027; (1000 − 100)/1000 − 1 = −0.1 in 2028
    assert res.kpis.scenario[0] == approx([125, 90, 100, 100, 100])


def test_met_with_tolerance_direction_and_score_with_goal_weights():
    goals = [{"goal_id": "G1", "goal": "Safe", "weight": 2.0}, {"goal_id": "G2", "goal": "Clean", "weight": 1.0}]
    kpis = [kpi("UP", goal_id="G1"),                                    # 100, higher is better
            kpi("DOWN", goal_id="G2", direction=-1, weight=3.0),        # 100, lower is better
            kpi("NOTARGET", goal_id="G2")]
    targets = {"UP": {2027: 100 * (1 + 1e-12), 2028: 100 * (1 + 1e-6), 2029: 99.0},
               "DOWN": {2027: 100 * (1 - 1e-12), 2028: 101.0, 2029: 99.0, 2030: 50.0}}
    _, res = run(lines=KPI_LINES, kpis=kpis, goals=goals, targets=targets)
    m, h = res.kpis.met, res.kpis.has_target
    # UP: 100 vs 100.0000000001 → met within the 1e-9 tolerance; vs 100.0001 → not met; vs 99 → met
    assert list(m[0]) == [True, False, True, False, False] and list(h[0]) == [True, True, True, False, False]
    # DOWN: 100 ≤ 99.9999999999 within tolerance; ≤ 101 met; ≤ 99 not; ≤ 50 not
    assert list(m[1]) == [True, True, False, False, False]
    assert not h[2].any()
    # weights: UP = 1 × 2 = 2, DOWN = 3 × 1 = 3.
    # 2027: (2+3)/5 = 1; 2028: 3/5 = 0.6; 2029: 2/5 = 0.4; 2030: 0/3 = 0; 2031: no target → NaN
    assert res.kpis.score == approx([1.0, 0.6, 0.4, 0.0, np.nan])
    assert res.kpis.weight == approx([2.0, 3.0, 1.0])


# -- validation ---------------------------------------------------------------------------------------

def test_invalid_rules_are_skipped_and_say_why():
    revenue = [{"fund": "General Fund", "source": "Sales tax", "amounts": {(2027, "Projected"): 1.0}}]
    rules = (Rule("Police +5%", Target(department="Polce"), "percent", 5),
             Rule("combo", Target(department="Fire", program="Patrol"), "percent", 5),
             Rule("rev+dept", Target(department="Police", revenue_source="Sales tax"), "amount", 5),
             Rule("late", Target(department="Police"), "percent", 5, 2035, 2036),
             Rule("backwards", Target(department="Police"), "percent", 5, 2030, 2028),
             Rule("bad source", Target(revenue_source="Sales tx"), "percent", 5),
             Rule("ok", Target(department="police"), "percent", 5))
    P, res = run(Scenario("v", rules), lines=TWO_PROGRAMS, revenue=revenue)
    msgs = dict(res.invalid_rules)
    assert msgs[0] == "rule 1 'Police +5%': no line items of department 'Polce' (did you mean 'Police'?)"
    assert msgs[1] == "rule 2 'combo': no line items match department 'Fire', program 'Patrol'"
    assert msgs[2] == ("rule 3 'rev+dept': a revenue-source rule can be narrowed by fund only; "
                       "revenue lines have no department")
    assert msgs[3] == ("rule 4 'late': its years FY2034-35 to FY2035-36 are outside the plan years "
                       "FY2026-27 to FY2030-31")
    assert msgs[4] == "rule 5 'backwards': its start FY2029-30 is after its end FY2027-28"
    assert msgs[5] == "rule 6 'bad source': no revenue lines of revenue source 'Sales tx' (did you mean 'Sales tax'?)"
    assert 6 not in msgs
    assert res.line_amounts()[1][0] == approx([105] * 5)   # only the valid rule applied
    from kcplanner.engine import validate_scenario
    assert validate_scenario(Scenario("v", rules), P) == [m for _, m in sorted(msgs.items())]
    assert validate_scenario(Scenario("v", rules[-1:], ("X",)), P.dataset) == [
        "funded request 'X': no request with this ID"]


def test_rule_range_partly_outside_the_plan_is_clipped():
    s = Scenario("c", (Rule("from 2020", Target(department="Fire"), "percent", 10, 2020, 2027),
                       Rule("to 2040", Target(department="Fire"), "amount", 5, 2031, 2040)))
    _, res = run(s, lines=TWO_PROGRAMS)
    assert res.line_amounts()[1][3] == approx([1100, 1000, 1000, 1000, 1005])
    assert not res.invalid_rules

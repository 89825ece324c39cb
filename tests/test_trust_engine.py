"""Issue 11, silently wrong numbers (kcplanner side): funds without revenue data (budget-only data)
have null balance, reserve and structural figures and one `no_revenue_data` note; the baseline
names the year it comes from; the city is named; a change is judged by what it means.

Every input is built here (tmp_path or plain lists); expected figures are worked by hand."""

from __future__ import annotations

import hashlib
import json
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kcplanner.city import city_name
from kcplanner.cli import main
from kcplanner.engine import evaluate, prepare, run_summary_text, to_json_dict
from kcplanner.engine.change_sense import good_sign, judge
from kcplanner.engine.fund_data import MISSING_TEXT
from kcplanner.readers import read_dataset
from kcplanner.scenario import Rule, Scenario, Target

from .conftest import write_xlsx
from .engine_data import build_dataset
from .test_engine_model import line

NAN5 = [None] * 5

#: A Grand Rapids-like export: only the FY2017 Adopted budget, no plan workbook.
LINE_ITEMS = [["Fund", "Department", "Program", "Account", "Account class", "Recurring", "FY2017 Adopted"],
              ["General Fund", "Police", "Patrol", "5110 Salaries", "Personnel Services", "Y", 1000],
              ["General Fund", "Police", "Patrol", "5300 Supplies", "Commodities", "Y", 200],
              ["General Fund", "Parks", "Mowing", "5300 Supplies", "Commodities", "N", 50],
              ["Water Fund", "Water Services", "Mains", "5400 Pipes", "Capital Outlay", "Y", 300]]
REQUESTS = [["Request ID", "Department", "Program", "Fund", "Title", "Type", "Account class", "Recurring",
             "Cost FY2018", "Cost FY2019", "FTE", "Justification", "KPI ID", "Rank"],
            ["R1", "Police", "Patrol", "General Fund", "Two officers", "Enhancement", "Personnel Services", "Y",
             100, 100, 2, "Faster response", None, 1]]


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def budget_only(tmp_path):
    path = write_xlsx(tmp_path / "Grand_Rapids_FY17_Adopted.xlsx", {"Line Items": LINE_ITEMS, "Requests": REQUESTS})
    result = read_dataset(None, [path])
    assert result.dataset is not None, result.report.to_text()
    return path, result.dataset


def test_budget_only_funds_have_null_figures_and_one_note_each(budget_only):
    _path, ds = budget_only
    P = prepare(ds)
    res = evaluate(P, Scenario())
    f = res.funds
    assert res.plan_years == [2018, 2019, 2020, 2021, 2022]  # the year after the latest Adopted (FY2017)
    assert f.names == ["General Fund", "Water Fund"]
    # expenditure stays: 1000 + 200 + 50 (one-time, y1 only) = 1250, then 1200; Water 300 (no growth)
    np.testing.assert_allclose(f.expenditure, [[1250, 1200, 1200, 1200, 1200], [300] * 5])
    np.testing.assert_allclose(f.revenue, np.zeros((2, 5)))
    for figure in (f.balance, f.reserve_ratio, f.structural):
        assert np.isnan(figure).all()
    assert np.isnan(f.beginning_balance).all()
    assert not f.structural_deficit.any() and not f.negative_balance.any()
    assert (f.status == "no_revenue_data").all()
    assert not f.checked.any()
    assert [(x.fund, x.year, x.kind) for x in res.findings] == [
        ("General Fund", None, "no_revenue_data"), ("Water Fund", None, "no_revenue_data")]
    assert MISSING_TEXT in res.findings[0].message
    data = to_json_dict(res)
    gf = data["funds"]["General Fund"]
    assert gf["balance"] == gf["reserve_ratio"] == gf["structural"] == NAN5
    assert gf["expenditure"] == [1250.0, 1200.0, 1200.0, 1200.0, 1200.0] and gf["revenue"] == [0.0] * 5
    assert data["findings"][0] == {"fund": "General Fund", "year": None, "kind": "no_revenue_data",
                                   "message": res.findings[0].message}
    # a scenario changes expenditure, never brings the figures back
    cut = evaluate(P, Scenario("cut", (Rule("Police −10%", Target(department="Police"), "percent", -10),)))
    assert cut.funds.expenditure[0, 1] == pytest.approx(1080.0)  # 1200 × 0.9
    assert np.isnan(cut.funds.balance).all() and len(cut.findings) == 2


def test_run_json_and_summary_on_budget_only_data(budget_only, tmp_path, capsys):
    path, _ds = budget_only
    before = _sha(path)
    out = tmp_path / "results.json"
    assert main(["run", "--budget", str(path), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    data = json.loads(out.read_text())
    for name in ("General Fund", "Water Fund"):
        assert data["funds"][name]["balance"] == data["funds"][name]["reserve_ratio"] == NAN5
        assert data["funds"][name]["structural"] == NAN5
    assert [(x["fund"], x["year"], x["kind"]) for x in data["findings"]] == [
        ("General Fund", None, "no_revenue_data"), ("Water Fund", None, "no_revenue_data")]
    assert f"Funds not checked (2 of 2: no revenue data; {MISSING_TEXT}): General Fund, Water Fund" in text
    assert "Policy findings: none" not in text and "structural deficit" not in text
    assert _sha(path) == before


def mixed_dataset():
    """General Fund: revenue and a Funds row; Parks Fund: a Funds row only; Water Fund: neither."""
    lines = [line(prog="Patrol", r2027=1000.0), line(dept="Parks", prog="Mowing", fund="Parks Fund", r2027=200.0),
             line(dept="Water Services", prog="Mains", fund="Water Fund", r2027=500.0)]
    revenue = [{"fund": "General Fund", "source": "Tax", "amounts": {(2027, "Projected"): 900.0}}]
    funds = [{"fund": "General Fund", "beginning_balance": 400.0, "reserve_floor": 0.2},
             {"fund": "Parks Fund", "beginning_balance": 1000.0}]
    return build_dataset(lines=lines, revenue=revenue, funds=funds)


def test_mixed_funds_only_the_one_without_revenue_or_funds_row_is_null():
    res = evaluate(prepare(mixed_dataset()), Scenario())
    f = res.funds
    assert f.names == ["General Fund", "Parks Fund", "Water Fund"]
    # General: 400 + 900 − 1000 = 300, then 200, 100, 0, −100; ratio 300/1000 = 0.3 …; structural −100
    np.testing.assert_allclose(f.balance[0], [300, 200, 100, 0, -100])
    np.testing.assert_allclose(f.reserve_ratio[0], [0.3, 0.2, 0.1, 0.0, -0.1])
    np.testing.assert_allclose(f.structural[0], [-100] * 5)
    # Parks: a Funds row and no revenue: checked, 1000 − 200 a year
    np.testing.assert_allclose(f.balance[1], [800, 600, 400, 200, 0])
    np.testing.assert_allclose(f.structural[1], [-200] * 5)
    # Water: neither → null, one note, no policy finding
    assert np.isnan(f.balance[2]).all() and np.isnan(f.reserve_ratio[2]).all() and np.isnan(f.structural[2]).all()
    assert list(f.checked) == [True, True, False]
    kinds = {(x.fund, x.year, x.kind) for x in res.findings}
    assert ("General Fund", 2031, "negative_balance") in kinds
    assert ("General Fund", 2029, "below_floor") in kinds  # 0.1 < 0.2
    assert ("Parks Fund", 2027, "structural_deficit") in kinds
    assert [(x.year, x.kind) for x in res.findings if x.fund == "Water Fund"] == [(None, "no_revenue_data")]
    assert res.findings[-1].kind == "no_revenue_data"  # the notes follow the policy findings
    text = run_summary_text(res)
    assert "Funds not checked (1 of 3" in text and "Water Fund" in text
    assert "Policy findings (" in text


def test_request_effects_and_optimizer_work_on_budget_only_data(budget_only):
    from kcplanner.justification import justification_data
    from kcplanner.optimize import OptimizeOptions, optimize
    from kcplanner.requests import request_effects

    _path, ds = budget_only
    P = prepare(ds)
    (e,) = request_effects(P, Scenario())
    assert e.request_id == "R1"
    np.testing.assert_allclose(e.expenditure_delta, [[100, 100, 0, 0, 0], [0] * 5])
    assert np.isnan(e.balance_delta).all() and e.findings_added == [] and e.findings_removed == []
    data = justification_data(ds, P, Scenario(), "Police")
    (req,) = data["requests"]
    assert [x["fund"] for x in req["funds"]] == ["General Fund"]  # not the Water Fund (no change there)
    # the optimizer's structural rows skip funds without a structural balance (NaN made it infeasible)
    result = optimize(P, Scenario(), OptimizeOptions(must_fund=("R1",), time_limit=10))
    assert result.feasible and result.status == "optimal"
    assert [r.lower() for r in result.funded] == ["r1"]


def test_funds_sheet_of_the_export_says_no_revenue_data(budget_only, tmp_path):
    import openpyxl

    from kcplanner.exports import export_scenario

    path, ds = budget_only
    before = _sha(path)
    P = prepare(ds)
    out = tmp_path / "scenario.xlsx"
    export_scenario(P, P.baseline_results(), out, sources=[path])
    wb = openpyxl.load_workbook(out)
    rows = {(r[0].value, r[2].value): [c.value for c in r[3:8]] for r in wb["Funds"].iter_rows(min_row=5)
            if r[0].value}
    for measure in ("Beginning balance", "Ending balance", "Reserve ratio", "Structural balance",
                    "Change in ending balance"):
        assert rows[("General Fund", measure)] == ["no revenue data"] * 5
    assert str(rows[("General Fund", "Expenditure")][0]).startswith("=SUMIFS(")
    summary = [[c.value for c in r] for r in wb["Summary"].iter_rows()]
    assert ["Baseline", "FY2016-17 Adopted → FY2017-18 baseline"] in [r[:2] for r in summary]
    notes = [r for r in summary if r[2] == "no revenue data"]
    assert [(r[0], r[1]) for r in notes] == [("General Fund", "every plan year"), ("Water Fund", "every plan year")]
    assert _sha(path) == before


# -- where the baseline comes from ----------------------------------------------------------------------

def test_baseline_source_names_the_loaded_year(budget_only):
    _path, ds = budget_only
    src = prepare(ds).baseline_source
    assert src.describe() == "FY2016-17 Adopted → FY2017-18 baseline"
    assert src.short_label == "FY17 Adopted" and not src.mixed
    (part,) = src.parts
    assert (part.phase, part.year, part.lines, part.amount) == ("Adopted", 2017, 4, 1550.0)
    assert "FY2016-17 Adopted: 100.0% of the dollars, 4 line(s)" in src.detail


def test_baseline_source_when_mixed_names_the_predominant_and_lists_the_rest():
    lines = [line(prog="Patrol", r2027=900.0, a2026=1.0), line(prog="Detectives", a2026=-80.0),
             line(prog="Traffic", x2024=5.0, x2025=15.0), line(prog="Cadets")]
    ds = build_dataset(lines=lines, assumptions={"Personnel Services": {2027: 0.03}})
    src = prepare(ds).baseline_source
    # by line: Requested 2027 (900); Adopted 2026 (|−80|); latest Actual 2025 (15); nothing (0)
    amounts = pd.Series({"FY2026-27 Requested": 900.0, "FY2025-26 Adopted": 80.0, "FY2024-25 Actual": 15.0})
    shares = amounts / amounts.sum()
    assert [p.label for p in src.parts] == list(amounts.index) + ["no amount"]
    assert [p.share for p in src.parts[:3]] == pytest.approx(list(shares))
    assert [p.lines for p in src.parts] == [1, 1, 1, 1]
    assert src.mixed and src.describe() == "mostly FY2026-27 Requested → FY2026-27 baseline"
    assert src.short_label == f"FY27 Requested {shares.iloc[0] * 100:.0f}%"
    assert "FY2025-26 Adopted: 8.0% of the dollars" in src.detail  # 80 / 995
    assert "no amount (counted as 0): 1 line(s)" in src.detail
    assert "grown by the Assumptions rates" in src.detail


# -- the city's name ------------------------------------------------------------------------------------

def test_city_name_from_settings_mapping_or_file(budget_only):
    _path, ds = budget_only
    assert city_name(ds) == ("Grand Rapids FY17 Adopted", "file")
    m = SimpleNamespace(name="Grand Rapids FY17 adopted budget", description="Line items of the open data export")
    assert city_name(ds, [m]) == ("Grand Rapids", "mapping")
    m2 = SimpleNamespace(name="Performance measures", description="City of Austin performance-measure export.")
    assert city_name(ds, [m2]) == ("Austin", "mapping")
    ds.plan.settings.city = "  Kansas City,  Missouri "
    assert city_name(ds, [m]) == ("Kansas City, Missouri", "settings")
    assert city_name(None) == ("", "")


# -- whether a change is good -------------------------------------------------------------------------

@pytest.mark.parametrize("section, measure, direction, diff, expected", [
    ("kpis", "value", -1.0, +0.44, "bad"),        # response time up, Lower is better
    ("kpis", "value", -1.0, -0.44, "good"),
    ("kpis", "value", +1.0, +2.0, "good"),
    ("kpis", "high", +1.0, -2.0, "bad"),
    ("kpis", "met", None, -1.0, "bad"),           # met → missed
    ("kpis", "met", None, +1.0, "good"),
    ("score", "score", None, +0.05, "good"),
    ("funds", "balance", None, -10.0, "bad"),
    ("funds", "reserve_ratio", None, +0.01, "good"),
    ("funds", "structural", None, +5.0, "good"),
    ("funds", "expenditure", None, +5.0, None),    # spending: neither
    ("funds", "revenue", None, -5.0, None),
    ("departments", "expenditure", None, -1e6, None),
    ("kpis", "value", -1.0, math.nan, None),
    ("kpis", "value", -1.0, 0.0, None),
])
def test_change_sense(section, measure, direction, diff, expected):
    assert judge(diff, good_sign(section, measure, direction)) == expected


def test_oakland_budget_without_a_plan():
    """Oakland's FY2016-17 export (expense and revenue in one sheet) read without a plan: the
    funds with no revenue line are null, the others are checked; the baseline names FY2016-17."""
    from kcplanner.readers import load_mapping

    from .realdata import REALDATA, ROOT, need

    path = REALDATA / "oakland" / "BudgetData for Public Adopted FY2016-17 Midcycle.xlsx"
    need(path)
    before = _sha(path)
    mapping = load_mapping(ROOT / "kcplanner" / "resources" / "mappings" / "oakland.json")
    result = read_dataset(None, [path], [mapping])
    assert result.dataset is not None, result.report.to_text()
    ds = result.dataset
    P = prepare(ds)
    res = P.baseline_results()
    f = res.funds
    # plain pandas: funds named by revenue lines (there is no Funds sheet without a plan)
    with_revenue = {" ".join(str(x).split()).casefold() for x in ds.plan.revenue["fund"].astype(object).dropna()}
    expected_null = [n for n in f.names if n.casefold() not in with_revenue]
    assert 0 < len(expected_null) < len(f.names)
    assert [n for n, c in zip(f.names, f.checked) if not c] == expected_null
    null = ~f.checked
    assert np.isnan(f.balance[null]).all() and np.isfinite(f.balance[~null]).all()
    notes = [x.fund for x in res.findings if x.kind == "no_revenue_data"]
    assert notes == expected_null
    assert not {x.fund for x in res.findings if x.kind != "no_revenue_data"} & set(expected_null)
    assert P.baseline_source.describe() == "FY2016-17 Adopted → FY2017-18 baseline"
    assert city_name(ds, [mapping]) == ("Oakland", "mapping")
    assert _sha(path) == before


def test_an_out_of_range_rule_built_in_the_app_is_skipped_and_named(budget_only):
    """A 1e300% rule (typed in the app, never read from a file) must not turn figures into inf/null:
    the engine skips it like any invalid rule and says why; the rule after it still applies."""
    _path, ds = budget_only
    P = prepare(ds)
    huge = Rule(label="Police boost", target=Target(department="Police"), kind="percent", value=1e300)
    ok = Rule(label="Parks +10%", target=Target(department="Parks"), kind="percent", value=10.0)
    res = evaluate(P, Scenario(name="s", rules=(huge, ok)))
    assert [i for i, _ in res.invalid_rules] == [0]
    assert "rule 1 'Police boost': value 1e+300 is out of range" in res.invalid_rules[0][1]
    d = res.by_department
    police, parks = d.names.index("Police"), d.names.index("Parks")
    assert d.scenario[police].tolist() == d.baseline[police].tolist() == [1200.0] * 5
    # Parks: 50 Adopted FY2017, non-recurring (FY2018 only), +10%
    assert d.scenario[parks].tolist() == pytest.approx([55.0, 0, 0, 0, 0])
    assert np.isfinite(d.scenario).all()

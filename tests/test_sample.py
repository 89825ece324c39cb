"""The sample city (`kcplanner.sample`): deterministic, realistic, and consistent with SPEC.

Facts are checked on the written files with plain calamine/pandas reads, independent of
kcplanner's readers; one test then checks that the readers import the sample cleanly and
to the cent.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kcplanner import sample
from kcplanner.fiscal import parse_year_phase

LINES = 2000
SEED = 3
RESOURCES = Path(__file__).resolve().parents[1] / "kcplanner" / "resources" / "sample"


def _hashes(paths) -> dict[str, str]:
    return {Path(p).name: hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> sample.SampleFiles:
    return sample.write_sample(tmp_path_factory.mktemp("sample"), lines=LINES, seed=SEED)


def _read(path: Path, sheet: str, header: int = 0) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=sheet, engine="calamine", header=header)


@pytest.fixture(scope="module")
def books(small):
    """Every sheet of the small sample, read with calamine into plain frames."""
    plan = pd.read_excel(small.plan, sheet_name=None, engine="calamine")
    lines, positions, requests, headers = [], [], [], {}
    for f in small.departments:
        li = _read(f, "Line Items", header=3)
        headers[f.name] = list(li.columns)
        amount_cols = li.columns[6:10]
        li = li.rename(columns=dict(zip(li.columns, ["fund", "department", "program", "account", "account_class",
                                                     "recurring", "a2024", "a2025", "adopted", "requested"])))
        li["file"] = f.name
        li.attrs["amount_headers"] = list(amount_cols)
        lines.append(li)
        positions.append(_read(f, "Positions"))
        requests.append(_read(f, "Requests", header=2))
    lines = pd.concat(lines, ignore_index=True)
    total = lines["fund"].astype(str).str.startswith("Total")
    return {"plan": plan, "lines": lines[~total].reset_index(drop=True), "totals": lines[total],
            "positions": pd.concat(positions, ignore_index=True),
            "requests": pd.concat(requests, ignore_index=True), "headers": headers}


# ------------------------------------------------------------------ determinism


def test_same_seed_gives_identical_files(tmp_path):
    one = sample.write_sample(tmp_path / "one", lines=400, seed=SEED)
    two = sample.write_sample(tmp_path / "two", lines=400, seed=SEED)
    assert _hashes(one.all) == _hashes(two.all)


def test_different_seed_gives_different_files(tmp_path):
    one = sample.write_sample(tmp_path / "one", lines=400, seed=SEED)
    other = sample.write_sample(tmp_path / "other", lines=400, seed=SEED + 1)
    a, b = _hashes(one.all), _hashes(other.all)
    assert a.keys() == b.keys()
    assert sum(a[k] != b[k] for k in a) >= len(a) - 1  # every department differs (and the plan's revenue)


def test_files_written(small):
    assert small.plan.name == "plan.xlsx"
    assert len(small.departments) == 20
    assert small.budgets == small.departments
    assert {p.name for p in small.departments} >= {"police.xlsx", "fire.xlsx", "water-services.xlsx"}
    leftovers = [p for p in small.plan.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # atomic writes leave no temporary files


# ------------------------------------------------------------------ the city


def test_line_count_and_departments(books):
    lines = books["lines"]
    assert abs(len(lines) - LINES) <= LINES * 0.10
    assert lines["department"].nunique() == 20
    sizes = lines.groupby("department").size()
    assert sizes.idxmax() in {"Water Services", "Police", "Fire"}
    assert lines["account_class"].isin(sample.S.GROWTH).all()
    assert set(lines["recurring"]) == {"Y", "N"}
    assert lines["account"].str.match(r"^\d{6}(-\d{2})? \S").all()


def test_lines_respected_at_other_sizes():
    for n in (600, 2500):
        city = sample.generate(n, seed=9)
        assert abs(len(city.lines) - n) <= n * 0.10
    assert len(sample.generate(10, seed=1).lines) == sample.MIN_LINES  # one line per program at least


def test_funds(books):
    funds = books["plan"]["Funds"]
    assert 8 <= len(funds) <= 12
    assert set(books["lines"]["fund"]) <= set(funds["Fund"])
    assert set(books["plan"]["Revenue"]["Fund"]) == set(funds["Fund"])
    floor, target, ceiling = (funds[c] for c in ("Reserve floor %", "Reserve target %", "Reserve ceiling %"))
    assert ((floor < target) & (target < ceiling)).all()
    assert (floor >= 1).all()  # percent points, not fractions


def test_adopted_total_near_kcmo_budget(books):
    lines = books["lines"]
    assert abs(lines["adopted"].sum() - 1.8e9) <= 0.10 * 1.8e9
    police = lines.loc[lines["department"] == "Police", ["fund", "account_class", "adopted"]]
    personnel = police.loc[police["account_class"] == "Personnel Services", "adopted"].sum()
    assert personnel / police["adopted"].sum() > 0.6
    assert set(police["fund"]) == {"General Fund", "Public Safety Sales Tax Fund"}
    assert set(lines.loc[lines["department"] == "Aviation", "fund"]) == {"Aviation Fund"}


def test_amount_gaps_for_fallbacks(books):
    lines = books["lines"]
    no_request = lines["requested"].isna() & lines["adopted"].notna()
    actual_only = lines["adopted"].isna() & lines["requested"].isna() & lines["a2025"].notna()
    assert no_request.sum() >= 5
    assert actual_only.sum() >= 1
    assert (lines.loc[actual_only, "a2025"] > 100).all()  # real amounts, not unscaled draws
    assert lines["adopted"].abs().median() > 1000
    assert lines[["a2024", "a2025", "adopted", "requested"]].notna().any(axis=1).all()


def test_total_rows_match_their_lines(books):
    lines, totals = books["lines"], books["totals"]
    assert len(totals) == 20
    for _, t in totals.iterrows():
        mine = lines[lines["file"] == t["file"]]
        for col in ("a2024", "a2025", "adopted", "requested"):
            assert t[col] == pytest.approx(mine[col].sum(), abs=0.01)


def test_amount_headers_are_spec_forms(books):
    forms = set()
    for name, headers in books["headers"].items():
        assert headers[:4] == ["Fund", "Department", "Program", "Account"]
        parsed = [parse_year_phase(h) for h in headers[6:10]]
        assert parsed == [(2024, "Actual"), (2025, "Actual"), (2026, "Adopted"), (2027, "Requested")], name
        forms.add(tuple(headers[6:10]))
    assert len(forms) >= 3  # files differ a little, as real ones do


def test_title_rows_above_header(small):
    raw = pd.read_excel(small.departments[0], sheet_name="Line Items", engine="calamine", header=None, nrows=4)
    assert str(raw.iloc[0, 0]).startswith("City of Kansas City, Missouri")
    assert raw.iloc[2].isna().all()
    assert raw.iloc[3, 0] == "Fund"


def test_settings(books):
    settings = dict(books["plan"]["Settings"][["Key", "Value"]].itertuples(index=False))
    assert settings["City"] == "Kansas City, Missouri"
    assert int(settings["First plan year"]) == 2027
    assert int(settings["Fiscal year start month"]) == 5
    assert float(settings["Default cost per FTE"]) == 95000


def test_goals_objectives_kpis(books):
    plan = books["plan"]
    goals, objectives, kpis = plan["Goals"], plan["Objectives"], plan["KPIs"]
    assert 5 <= len(goals) <= 7
    assert objectives.groupby("Goal ID").size().between(2, 3).all()
    assert set(objectives["Goal ID"]) == set(goals["Goal ID"])
    assert 30 <= len(kpis) <= 50
    assert kpis["KPI ID"].is_unique
    assert kpis["Goal ID"].isin(goals["Goal ID"]).all()
    with_objective = kpis["Objective ID"].notna()
    assert 0 < with_objective.sum() < len(kpis)
    obj_goal = dict(objectives[["Objective ID", "Goal ID"]].itertuples(index=False))
    assert (kpis.loc[with_objective, "Objective ID"].map(obj_goal) == kpis.loc[with_objective, "Goal ID"]).all()
    assert set(kpis["Direction"]) == {"Higher is better", "Lower is better"}
    pct = kpis["Unit"] == "%"
    assert (kpis.loc[pct, "Minimum"] == 0).all() and (kpis.loc[pct, "Maximum"] == 100).all()
    targets = [c for c in kpis.columns if c.startswith("Target FY")]
    plan_targets = [f"Target FY{y}" for y in range(2027, 2032)]
    # the past years' targets (the KPI review's attainment, issue 14) come before the plan years'
    assert targets == [f"Target FY{y}" for y in range(2019, 2026)] + plan_targets
    assert kpis[plan_targets].notna().all().all()
    assert kpis[targets[:-5]].notna().any(axis=1).all()
    assert set(kpis["Department"]) <= set(books["lines"]["department"])


def test_drivers_reference_real_programs(books):
    plan, lines = books["plan"], books["lines"]
    drivers, kpis = plan["Drivers"], plan["KPIs"]
    # every driver has a KPI, and every KPI a driver but FG-07 (the KPI review's "add a driver", issue 14)
    assert set(kpis["KPI ID"]) - set(drivers["KPI ID"]) == {"FG-07"}
    assert set(drivers["KPI ID"]) <= set(kpis["KPI ID"])
    programs = set(zip(lines["department"], lines["program"]))
    named = drivers[drivers["Program"].notna()]
    missing = [(d, p) for d, p in zip(named["Department"], named["Program"]) if (d, p) not in programs]
    assert missing == []
    assert drivers["Department"].isin(set(lines["department"])).all()
    assert drivers["Program"].isna().any()  # some drive a whole department
    assert drivers["Max effect %"].isna().any() and drivers["Max effect %"].notna().any()
    direction = drivers["KPI ID"].map(dict(kpis[["KPI ID", "Direction"]].itertuples(index=False)))
    sign = np.where(direction == "Higher is better", 1, -1)
    assert (np.sign(drivers["Elasticity"]) == sign).all()
    assert drivers["Lag"].between(0, 2).all()


def test_requests(books):
    req, kpis, lines = books["requests"], books["plan"]["KPIs"], books["lines"]
    assert len(req) >= 25
    assert req["Request ID"].is_unique
    assert req["Request ID"].str.match(r"^REQ-[A-Z]{2,3}-\d{3}$").all()
    assert set(req["Type"]) == {"Enhancement", "Reduction", "New program", "Capital"}
    assert (req["Type"] == "Reduction").sum() >= 3
    kpi_dept = dict(kpis[["KPI ID", "Department"]].itertuples(index=False))
    assert req["KPI ID"].isin(kpi_dept).all()
    assert (req["KPI ID"].map(kpi_dept) == req["Department"]).all()
    programs = set(zip(lines["department"], lines["program"]))
    assert all((d, p) in programs for d, p in zip(req["Department"], req["Program"]))
    assert set(req["Fund"]) <= set(books["plan"]["Funds"]["Fund"])
    costs = req[[f"Cost FY{y}" for y in range(2027, 2032)]]
    assert (costs.fillna(0) >= 0).all().all() and (costs["Cost FY2027"] > 0).all()
    assert req["Justification"].str.len().gt(30).all()


def test_positions(books):
    pos, lines = books["positions"], books["lines"]
    programs = set(zip(lines["department"], lines["program"]))
    assert all((d, p) in programs for d, p in zip(pos["Department"], pos["Program"]))
    costs = pos["Cost per FTE"].dropna()
    assert costs.between(50_000, 170_000).all()
    assert (pos["FTE"] > 0).all()


def test_plan_percent_columns_are_percent_points(books):
    plan = books["plan"]
    assert plan["Revenue"]["Growth %"].abs().max() > 0.5  # 2.5 means 2.5%
    assumptions = plan["Assumptions"].set_index("Account class")
    assert assumptions.loc["Personnel Services", "FY2027"] == pytest.approx(0.035)  # fraction, % format
    assert set(assumptions.index) == set(sample.S.GROWTH)
    revenue = plan["Revenue"]
    assert {"FY2024 Actual", "FY2025 Actual", "FY2026 Adopted", "FY2026 Estimate", "FY2027 Projected"} <= set(revenue)
    assert revenue["FY2027 Projected"].notna().any() and revenue["FY2027 Projected"].isna().any()
    assert set(revenue["Recurring"]) == {"Y", "N"}


# ------------------------------------------------------------------ what the baseline shows


def test_intended_policy_findings():
    city = sample.generate(LINES, seed=SEED)
    proj = sample.fund_projection(city).set_index(["fund", "year"])
    gf = proj.loc["General Fund"]
    assert gf.loc[2031, "below_floor"] and not gf.loc[2027, "below_floor"]
    assert (gf["structural"] < 0).all()
    assert proj.loc[("Health Levy Fund", 2031), "below_floor"]
    assert proj.loc["Convention and Tourism Fund", "above_ceiling"].any()
    healthy = proj.drop(index=["General Fund", "Health Levy Fund", "Convention and Tourism Fund"], level=0)
    assert not healthy["below_floor"].any() and not healthy["above_ceiling"].any()
    assert (healthy["balance"] > 0).all()
    off = sample.kpis_off_target()
    assert 10 <= len(off) < len(sample.S.KPIS)


def test_revenue_close_to_expenditure():
    city = sample.generate(LINES, seed=SEED)
    proj = sample.fund_projection(city)
    y1 = proj[proj["year"] == 2027]
    ratio = y1["revenue"].sum() / y1["expenditure"].sum()
    assert 0.9 < ratio < 1.05


# ------------------------------------------------------------------ the bundled sample


@pytest.mark.slow
def test_bundled_sample_is_current(tmp_path):
    assert (RESOURCES / "plan.xlsx").exists(), "resources/sample is missing: run kcplanner sample kcplanner/resources/sample"
    files = sample.write_sample(tmp_path)
    bundled = {p.name: p for p in RESOURCES.glob("*.xlsx")}
    assert set(bundled) == {p.name for p in files.all}
    assert _hashes(bundled.values()) == _hashes(files.all), "regenerate: kcplanner sample kcplanner/resources/sample"
    assert sum(p.stat().st_size for p in bundled.values()) < 3_000_000


# ------------------------------------------------------------------ kcplanner's own readers


def test_readers_import_the_sample_to_the_cent(small, books):
    readers = pytest.importorskip("kcplanner.readers")
    result = readers.read_dataset(small.plan, small.departments)
    assert result.ok, result.report.to_text()
    ds = result.dataset
    assert len(ds.budget.line_items) == len(books["lines"])
    mine = {(2024, "Actual"): "a2024", (2025, "Actual"): "a2025", (2026, "Adopted"): "adopted",
            (2027, "Requested"): "requested"}
    for key, col in mine.items():
        assert ds.budget.amounts[key].sum() == pytest.approx(books["lines"][col].sum(), abs=0.005)
    assert ds.plan_years == [2027, 2028, 2029, 2030, 2031]
    assert len(ds.plan.kpis) == len(books["plan"]["KPIs"])
    assert len(ds.plan.drivers) == len(books["plan"]["Drivers"])
    assert len(ds.budget.requests) == len(books["requests"])
    assert len(ds.plan.funds) == len(books["plan"]["Funds"])
    revenue = books["plan"]["Revenue"]
    assert ds.plan.revenue_amounts[(2026, "Estimate")].sum() == pytest.approx(revenue["FY2026 Estimate"].sum(), abs=0.005)
    growth = ds.plan.assumptions.loc["Personnel Services", 2027]
    assert growth == pytest.approx(0.035)
    assert ds.plan.revenue["growth"].abs().max() < 0.2  # percent points read as percent


def test_engine_shows_the_intended_findings(small):
    readers = pytest.importorskip("kcplanner.readers")
    engine = pytest.importorskip("kcplanner.engine")
    scenario = pytest.importorskip("kcplanner.scenario")
    result = readers.read_dataset(small.plan, small.departments)
    assert result.ok
    out = engine.to_json_dict(engine.evaluate(engine.prepare(result.dataset), scenario.Scenario()))
    kinds = {(f["fund"], f["year"], f["kind"]) for f in out["findings"]}
    assert ("General Fund", 2031, "below_floor") in kinds
    assert ("Health Levy Fund", 2031, "below_floor") in kinds
    assert any(f == "Convention and Tourism Fund" and k == "above_ceiling" for f, _y, k in kinds)
    mine = sample.fund_projection(sample.generate(LINES, seed=SEED)).set_index(["fund", "year"])
    for fund, series in out["funds"].items():
        ratios = [mine.loc[(fund, y), "reserve_ratio"] for y in out["plan_years"]]
        assert series["reserve_ratio"] == pytest.approx(ratios, rel=1e-6)
    met = {k: v["met"] for k, v in out["kpis"].items()}
    off = {k for k, m in met.items() if not all(x for x in m if x is not None)}
    assert off == set(sample.kpis_off_target())

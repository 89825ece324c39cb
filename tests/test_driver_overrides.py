"""Scenario-level driver overrides ("Use the estimate", issue 14): the scenario JSON key, its errors,
the engine using the overridden elasticities (K computed by hand from SPEC's KPI formula), the
project's storage, and the scenario workbook's Drivers sheet recording each value's source."""

from __future__ import annotations

import json
import math

import numpy as np
import openpyxl
import pytest

from kcplanner.driver_overrides import DriverOverride
from kcplanner.engine import evaluate, prepare, validate_scenario
from kcplanner.exports import export_scenario
from kcplanner.scenario import Rule, Scenario, ScenarioError, Target, load_scenario, save_scenario, scenario_to_json

from .engine_data import build_dataset

Y = [2027, 2028, 2029, 2030, 2031]
PATROL = DriverOverride("K1", "Police", "Patrol", 0.25, 0.1, 0.4, n=9, first_year=2017, last_year=2025)


def small_city():
    lines = [{"fund": "General", "department": d, "program": p, "account_class": "Personnel Services",
              "amounts": {(2026, "Adopted"): a}}
             for d, p, a in (("Police", "Patrol", 1000.0), ("Police", "Admin", 500.0), ("Parks", "Trails", 800.0))]
    kpis = [{"kpi_id": "K1", "name": "Response time", "baseline": 50.0, "direction": -1},
            {"kpi_id": "K2", "name": "Trail quality", "baseline": 70.0, "trend": 0.01}]
    drivers = [{"kpi_id": "K1", "department": "Police", "program": "Patrol", "elasticity": -0.3,
                "elasticity_low": -0.5, "elasticity_high": -0.1, "max_effect": 0.02},
               {"kpi_id": "K1", "department": "Police", "program": None, "elasticity": -0.1, "lag": 1},
               {"kpi_id": "K2", "department": "Parks", "program": "Trails", "elasticity": 0.2}]
    return build_dataset(lines=lines, kpis=kpis, drivers=drivers, first_plan_year=2027)


def spending_up() -> Scenario:
    return Scenario("More", rules=(Rule("Police +10%", Target(department="Police"), "percent", 10),
                                   Rule("Parks +20%", Target(department="Parks"), "percent", 20)))


@pytest.fixture(scope="module")
def prepared():
    return prepare(small_city())


def by_hand(el_patrol: float, el_dept: float) -> np.ndarray:
    """K1 per SPEC: x = 0.1 for every Police unit (the dept-wide driver lagged one year: 0 in y1);
    Patrol's effect capped at 2% by m·tanh(e/m); K = K0u·(1 + Σe), K0u = 50 (no trend)."""
    t = np.arange(5)
    e_patrol = 0.02 * math.tanh(el_patrol * 0.1 / 0.02)
    e_dept = np.where(t >= 1, el_dept * 0.1, 0.0)
    return 50.0 * (1.0 + e_patrol + e_dept)


def test_the_engine_uses_the_override_in_place_of_the_drivers_sheet(prepared):
    plain = evaluate(prepared, spending_up())
    np.testing.assert_allclose(plain.kpis.scenario[0], by_hand(-0.3, -0.1), rtol=1e-12)
    used = evaluate(prepared, spending_up().override_drivers([PATROL]))
    np.testing.assert_allclose(used.kpis.scenario[0], by_hand(0.25, -0.1), rtol=1e-12)
    band = np.vstack([by_hand(0.1, -0.1), by_hand(0.4, -0.1)])
    np.testing.assert_allclose(used.kpis.low[0], band.min(axis=0), rtol=1e-12)
    np.testing.assert_allclose(used.kpis.high[0], band.max(axis=0), rtol=1e-12)
    # the other KPI is untouched: K2 = 70·1.01^(t − 2026)·(1 + 0.2·0.2)
    np.testing.assert_allclose(used.kpis.scenario[1], 70 * 1.01 ** (np.array(Y) - 2026) * 1.04, rtol=1e-12)
    assert used.override_notes == [] and used.messages == []
    # the Drivers sheet's values are still those of a scenario without the override (nothing cached wrongly)
    np.testing.assert_allclose(evaluate(prepared, spending_up()).kpis.scenario[0], by_hand(-0.3, -0.1), rtol=1e-12)


def test_a_driver_is_named_case_and_space_insensitively(prepared):
    loose = DriverOverride("k1", " police ", "PATROL", 0.25, 0.1, 0.4)
    used = evaluate(prepared, spending_up().override_drivers([loose]))
    np.testing.assert_allclose(used.kpis.scenario[0], by_hand(0.25, -0.1), rtol=1e-12)
    whole = DriverOverride("K1", "Police", None, 0.05, 0.0, 0.1)  # the department-wide driver
    used = evaluate(prepared, spending_up().override_drivers([whole]))
    np.testing.assert_allclose(used.kpis.scenario[0], by_hand(-0.3, 0.05), rtol=1e-12)


def test_an_override_naming_no_driver_is_listed_and_ignored(prepared):
    ghost = DriverOverride("K1", "Police", "Patrl", 0.9, 0.8, 1.0)
    used = evaluate(prepared, spending_up().override_drivers([ghost]))
    np.testing.assert_allclose(used.kpis.scenario[0], by_hand(-0.3, -0.1), rtol=1e-12)
    assert len(used.override_notes) == 1
    note = used.override_notes[0]
    assert "K1 ← Police / Patrl" in note and "no such driver" in note and "did you mean K1 ← Police / Patrol?" in note
    assert note in used.messages
    assert validate_scenario(spending_up().override_drivers([ghost]), prepared) == [note]


def test_json_round_trip_and_no_key_without_overrides(tmp_path):
    s = spending_up().override_drivers([PATROL, DriverOverride("K2", "Parks", "Trails", 0.3, 0.2, 0.45, n=6,
                                                                first_year=2019, last_year=2025, pooled=True)])
    path = tmp_path / "s.json"
    save_scenario(s, path)
    data = json.loads(path.read_text())
    assert [o["kpi"] for o in data["driver_overrides"]] == ["K1", "K2"]
    assert data["driver_overrides"][1] == {"kpi": "K2", "department": "Parks", "program": "Trails", "elasticity": 0.3,
                                           "low": 0.2, "high": 0.45, "source": "estimated", "n": 6,
                                           "first_year": 2019, "last_year": 2025, "pooled": True}
    assert load_scenario(path) == s
    # a scenario that overrides nothing writes exactly what it wrote before the key existed
    plain = spending_up()
    assert "driver_overrides" not in plain.to_dict()
    assert scenario_to_json(plain) == json.dumps({"name": "More", "rules": [r.to_dict() for r in plain.rules],
                                                  "funded_requests": []}, indent=2, ensure_ascii=False) + "\n"
    # back to the entered values: the key goes away again
    assert s.restore_drivers([o.key for o in s.driver_overrides]) == plain


@pytest.mark.parametrize("override, message", [
    ({"kpi": "K1", "department": "Police", "elasticity": "high", "low": 0, "high": 1},
     "driver_overrides[0].elasticity: expected a number, found 'high'"),
    ({"kpi": "K1", "department": "Police", "elasticity": 0.2, "low": 0.3, "high": 0.1},
     "driver_overrides[0] (driver K1 ← Police): low 0.3 is above high 0.1"),
    ({"kpi": "K1", "department": "Police", "elasticity": 0.2, "low": None, "high": 0.1},
     "driver_overrides[0].low: expected a number, found None"),
    ({"kpi": "K1", "department": "Police", "elasticity": True, "low": 0, "high": 1},
     "driver_overrides[0].elasticity: expected a number, found True"),
    ({"kpi": "K1", "department": "Police", "elasticity": 0.2, "low": 0, "high": 1, "colour": "red"},
     "driver_overrides[0].colour: unknown key"),
    ({"kpi": "K1", "elasticity": 0.2, "low": 0, "high": 1}, "driver_overrides[0].department: missing"),
    ({"kpi": "K1", "department": "Police", "program": "", "elasticity": 0.2, "low": 0, "high": 1},
     "driver_overrides[0].program: expected a program name, or null for the whole department"),
    ({"kpi": "K1", "department": "Police", "elasticity": 0.2, "low": 0, "high": 1, "source": "typed"},
     "driver_overrides[0].source: expected one of estimated"),
    ({"kpi": "K1", "department": "Police", "elasticity": 0.2, "low": 0, "high": 1, "first_year": 2025,
      "last_year": 2017}, "do not make a range of years"),
    ({"kpi": "K1", "department": "Police", "elasticity": 1e300, "low": 0, "high": 1},
     "driver_overrides[0].elasticity: expected a finite elasticity"),
])
def test_bad_override_values_are_clear_errors(override, message):
    with pytest.raises(ScenarioError) as err:
        load_scenario({"name": "x", "driver_overrides": [override]})
    assert message in str(err.value)


def test_a_driver_overridden_twice_and_a_non_list_are_errors():
    one = {"kpi": "K1", "department": "Police", "program": "Patrol", "elasticity": 0.2, "low": 0, "high": 1}
    with pytest.raises(ScenarioError, match=r"driver_overrides\[1\]: driver K1 ← Police / patrol is already "
                                            r"overridden by driver_overrides\[0\]"):
        load_scenario({"driver_overrides": [one, {**one, "program": " patrol"}]})
    with pytest.raises(ScenarioError, match="driver_overrides: expected a list of driver overrides, found dict"):
        load_scenario({"driver_overrides": one})


def test_the_project_stores_overrides_and_nothing_more_without_them(tmp_path):
    from kcplanner.project import Project
    from kcplanner.project.audit import scenario_json

    plain = spending_up()
    assert scenario_json(plain) == json.dumps({"name": "More", "rules": [r.to_dict() for r in plain.rules],
                                               "funded_requests": []}, ensure_ascii=False, separators=(",", ":"))
    used = plain.override_drivers([PATROL])
    with Project.create(tmp_path / "p.kcplan", small_city(), scenarios=[plain]) as project:
        project.put_scenario(used)
        assert project.history()[-1].description == \
            "Used the estimate for K1 ← Police / Patrol (0.25, 80% interval 0.1 to 0.4)"
        project.put_scenario(plain)
        assert project.history()[-1].description == "Back to the entered elasticity for K1 ← Police / Patrol"
        project.put_scenario(used)
    with Project.open(tmp_path / "p.kcplan", read_only=True) as project:
        assert project.scenario("More") == used


def test_the_workbooks_drivers_sheet_says_where_each_value_came_from(prepared, tmp_path):
    out = tmp_path / "s.xlsx"
    s = spending_up().override_drivers([PATROL])
    export_scenario(prepared, evaluate(prepared, s), out, sources=[])
    ws = openpyxl.load_workbook(out)["Drivers"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    head = rows[0]
    assert head[:10] == ["KPI ID", "KPI", "Department", "Program", "Lag", "Max effect %", "Elasticity",
                         "Elasticity low", "Elasticity high", "Source"]
    got = {(r[0], r[3]): dict(zip(head, r)) for r in rows[1:]}
    patrol = got[("K1", "Patrol")]
    assert (patrol["Elasticity"], patrol["Elasticity low"], patrol["Elasticity high"]) == (0.25, 0.1, 0.4)
    assert patrol["Source"] == "estimated (9 years, FY2016-17–FY2024-25)"
    assert (patrol["Entered elasticity"], patrol["Entered low"], patrol["Entered high"]) == (-0.3, -0.5, -0.1)
    assert patrol["Max effect %"] == pytest.approx(2.0)
    whole = got[("K1", "(whole department)")]
    assert whole["Source"] == "entered" and whole["Elasticity"] == -0.1 and whole["Lag"] == 1
    assert got[("K2", "Trails")]["Source"] == "entered"
    pooled = DriverOverride("K2", "Parks", "Trails", 0.3, 0.2, 0.45, n=6, first_year=2019, last_year=2025, pooled=True)
    export_scenario(prepared, evaluate(prepared, s.override_drivers([pooled])), out, sources=[])
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(out)["Drivers"].iter_rows()]
    trails = next(r for r in rows if r[0] == "K2")
    assert trails[6:10] == [0.3, 0.2, 0.45, "estimated (6 years, FY2018-19–FY2024-25, pooled within goal)"]


def test_overrides_cost_the_live_loop_nothing_measurable(prepared):
    """The elasticities of a set of overrides are computed once and cached: evaluating the same
    scenario again does not recompute them."""
    from kcplanner.engine.driver_values import driver_elasticities

    s = spending_up().override_drivers([PATROL])
    a = driver_elasticities(prepared, s.driver_overrides)
    assert driver_elasticities(prepared, s.driver_overrides) is a
    assert driver_elasticities(prepared, ()).el is prepared.drv_el  # no override: no copy
    assert not a.el.flags.writeable


def test_the_workbook_reads_back_into_the_same_scenario_overrides_included(prepared, tmp_path):
    from kcplanner.exports import read_scenario_from_workbook

    pooled = DriverOverride("K2", "Parks", "Trails", 0.1 + 0.2, 0.2, 0.45, n=6, first_year=2019, last_year=2025,
                            pooled=True)
    whole = DriverOverride("K1", "Police", None, -1 / 3, -0.5, 0.0, n=8, first_year=2018, last_year=2025)
    s = spending_up().override_drivers([PATROL, pooled, whole])
    out = tmp_path / "s.xlsx"
    export_scenario(prepared, evaluate(prepared, s), out, sources=[])
    assert read_scenario_from_workbook(out) == s  # 0.1 + 0.2 and -1/3 exactly, through Values (exact)
    plain = tmp_path / "plain.xlsx"
    export_scenario(prepared, evaluate(prepared, spending_up()), plain, sources=[])
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(plain)["Rules"].iter_rows()]
    assert not any(r and r[0] == "Driver overrides (Use the estimate)" for r in rows)
    assert read_scenario_from_workbook(plain) == spending_up()


def test_a_bad_override_row_in_a_workbook_names_the_row(prepared, tmp_path):
    from kcplanner.exports import read_scenario_from_workbook

    out = tmp_path / "s.xlsx"
    export_scenario(prepared, evaluate(prepared, spending_up().override_drivers([PATROL])), out, sources=[])
    wb = openpyxl.load_workbook(out)
    ws = wb["Rules"]
    row = next(r for r in ws.iter_rows() if r[1].value == "K1" and r[0].value == 1 and r[4].value == 0.25)
    row[5].value = 0.9  # low above high (0.4)
    wb.save(out)
    with pytest.raises(ScenarioError, match=rf"s.xlsx, sheet Rules, row {row[0].row} \(driver K1 ← Police / Patrol\): "
                                            r"low 0.9 is above high 0.4"):
        read_scenario_from_workbook(out)

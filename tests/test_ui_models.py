"""Item models against plain numpy/pandas computations, and Qt's model tester on each of them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from kcplanner.engine import evaluate
from kcplanner.report import ValidationReport
from kcplanner.scenario import Rule, Scenario, Target
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from ui.common import fmt
from ui.common.edits import auto_label, find_rule, rule_value, upsert_many, upsert_rule
from ui.allocations.models import MODE_DEPARTMENT, MODE_FUND, AllocationModel, group_totals
from ui.common.models import TableModel
from ui.common.report_model import ReportModel
from ui.lineitems.models import LineItemsModel
from ui.rules.models import RulesModel
from ui.scenarios.models import ScenarioListModel
from ui.session import Session


@pytest.fixture
def prepared(sample_loaded):
    return sample_loaded[1]


@pytest.fixture(scope="module")
def small_prepared():
    """A small synthetic city for Qt's model tester (which visits every index)."""
    from kcplanner.engine import prepare
    from tests.engine_data import synthetic_dataset

    return prepare(synthetic_dataset(n_lines=300, n_departments=4, n_programs=10, n_funds=3, n_kpis=8,
                                     n_drivers=12, n_requests=4, n_revenue=8))


def _scenario(prepared):
    r = prepared.baseline_results()
    d, p = r.by_program.names[0]
    return Scenario("S", rules=(Rule("a", Target(department=d, program=p), "percent", 12),
                                Rule("b", Target(department=r.by_department.names[1]), "amount", 2_500_000),
                                Rule("bad", Target(department="Nowhere"), "percent", 5)),
                    funded_requests=tuple(prepared.request_ids[:2]))


@pytest.fixture
def scenario(prepared):
    r = prepared.baseline_results()
    d, p = r.by_program.names[0]
    return Scenario("S", rules=(Rule("a", Target(department=d, program=p), "percent", 12),
                                Rule("b", Target(department=r.by_department.names[1]), "amount", 2_500_000),
                                Rule("bad", Target(department="Nowhere"), "percent", 5)),
                    funded_requests=tuple(prepared.request_ids[:2]))


def test_allocation_model_passes_the_model_tester(qtmodeltester, small_prepared):
    prepared, scenario = small_prepared, _scenario(small_prepared)
    model = AllocationModel()
    for mode in (MODE_FUND, MODE_DEPARTMENT):
        model.set_prepared(prepared, mode)
        model.set_scenario(scenario)
        model.set_results(evaluate(prepared, scenario))
        qtmodeltester.check(model)


def test_allocation_totals_match_the_engine_and_line_level_sums(prepared, scenario):
    results = evaluate(prepared, scenario)
    base, scen = results.line_amounts()
    # group totals without line-level work equal the sums of the line amounts
    direct = group_totals(results)
    sums = np.vstack([np.bincount(prepared.line_group, weights=scen[:, t], minlength=prepared.n_groups)
                      for t in range(5)]).T
    np.testing.assert_allclose(direct, sums, rtol=1e-9, atol=1e-6)
    model = AllocationModel()
    model.set_prepared(prepared, MODE_DEPARTMENT)
    model.set_results(results)
    for t in range(5):
        model.year = t
        for r, name in enumerate(n.name for n in model.roots):
            node = model.roots[r]
            i = results.by_department.names.index(name)
            b, s = model.values(node)
            assert b == pytest.approx(results.by_department.baseline[i, t], rel=1e-9, abs=1e-6)
            assert s == pytest.approx(results.by_department.scenario[i, t], rel=1e-9, abs=1e-6)
            for child in node.children:
                j = results.by_program.names.index((name, child.name))
                assert model.values(child)[1] == pytest.approx(results.by_program.scenario[j, t], rel=1e-9, abs=1e-6)
    model.set_prepared(prepared, MODE_FUND)
    model.set_results(results)
    model.year = 0
    for node in model.roots:
        i = results.by_fund.names.index(node.name)
        assert model.values(node)[1] == pytest.approx(results.by_fund.scenario[i, 0], rel=1e-9, abs=1e-6)
        assert node.target == Target(fund=node.name)
    leaf = model.roots[0].children[0].children[0]
    assert set(dict(leaf.target.items())) == {"fund", "department", "program"}
    assert model.find(leaf.target).internalPointer() is leaf


def _frame(prepared, results) -> pd.DataFrame:
    li = prepared.dataset.budget.line_items
    df = pd.DataFrame({k: li[k].astype(object).where(li[k].notna(), "").astype(str)
                       for k in ("fund", "department", "program", "account", "account_class")})
    df["recurring"] = np.where(prepared.line_recurring, "Yes", "No")
    base, scen = results.line_amounts()
    for t in range(5):
        df[f"b{t}"] = base[:, t]
        df[f"s{t}"] = scen[:, t]
    return df


def test_line_items_filter_and_sort_match_pandas(qtmodeltester, prepared, scenario, small_prepared):
    results = evaluate(prepared, scenario)
    small = LineItemsModel()
    small.set_prepared(small_prepared)
    small.set_results(evaluate(small_prepared, _scenario(small_prepared)))
    qtmodeltester.check(small)
    model = LineItemsModel()
    model.set_prepared(prepared)
    model.set_results(results)
    df = _frame(prepared, results)
    keys = ["fund", "department", "program", "account", "account_class"]
    text = "police"
    mask = np.zeros(len(df), dtype=bool)
    for k in keys:
        mask |= df[k].str.casefold().str.contains(text, regex=False).to_numpy()
    model.set_filter("  POLICE ")
    assert model.rowCount() == int(mask.sum()) > 0
    np.testing.assert_array_equal(model.rows, np.flatnonzero(mask))
    # an amount column, descending (scenario FY y2 = column 6 + 2*1 + 1)
    model.sort(9, Qt.SortOrder.DescendingOrder)
    want = df[mask].sort_values("s1", ascending=False, kind="stable").index.to_numpy()
    np.testing.assert_array_equal(model.rows, want)
    assert model.index(0, 9).data() == fmt.money_fast(df.loc[want[0], "s1"])
    # a name column, ascending, case-insensitive
    model.sort(2, Qt.SortOrder.AscendingOrder)
    want = df[mask].sort_values("program", key=lambda s: s.str.casefold(), kind="stable").index.to_numpy()
    np.testing.assert_array_equal(model.rows, want)
    assert [model.index(r, 2).data() for r in range(3)] == list(df.loc[want[:3], "program"])
    model.sort(2, Qt.SortOrder.DescendingOrder)
    got = [model.index(r, 2).data().casefold() for r in range(model.rowCount())]
    assert got == sorted(got, reverse=True)
    model.set_filter("")
    assert model.rowCount() == len(df)
    small.sort(3, Qt.SortOrder.DescendingOrder)
    small.set_filter("a")
    qtmodeltester.check(small)


def test_line_items_recalculation_is_data_changed_not_reset(qtbot, prepared, scenario):
    model = LineItemsModel()
    model.set_prepared(prepared)
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(model.dataChanged, timeout=1000):
        model.set_results(evaluate(prepared, scenario))
    assert resets == []
    base, scen = evaluate(prepared, scenario).line_amounts()
    assert model.index(0, 7).data(Qt.ItemDataRole.UserRole + 2) == scen[0, 0]


def test_other_models_pass_the_model_tester(qtmodeltester, qtbot, small_prepared):
    prepared, scenario = small_prepared, _scenario(small_prepared)
    session = Session()
    session.set_data(prepared)
    session.edit_scenario(scenario, "s")
    session.flush()
    rules = RulesModel(session)
    rules.set_scenario(session.scenario)
    rules.set_results(session.results)
    qtmodeltester.check(rules)
    assert rules.index(2, 0).data(Qt.ItemDataRole.ToolTipRole).startswith("Invalid")
    names = ScenarioListModel(session)
    names.refresh()
    qtmodeltester.check(names)
    report = ValidationReport()
    report.error("a.xlsx", "Line Items", "B12", "expected an amount, found 'x'")
    report.warning("plan.xlsx", "Settings", "A3", "unknown setting")
    rm = ReportModel()
    rm.set_report(report)
    qtmodeltester.check(rm)
    assert rm.text().count("\n") == 3
    table = TableModel(["a", "b"], [None, fmt.money], [False, True])
    table.set_rows([("x", 1.0), ("y", float("nan"))])
    qtmodeltester.check(table)
    from ui.scenarios.view import CompareTable
    compare = CompareTable()
    compare.set_rows([("funds", "General Fund", "balance", 1.0, 3.0, 2.0),
                      ("kpis", "K1", "met", 0.0, 1.0, 1.0), ("score", "plan score", "score", 0.5, 0.6, 0.1)])
    qtmodeltester.check(compare)
    # a fund balance up is better: ▲ beside it (meaning never rests on colour alone); points for a score
    assert compare.index(0, 5).data() == "▲ +$2" and compare.index(1, 4).data() == "met"
    assert compare.index(1, 5).data() == "→ met" and compare.index(2, 5).data() == "▲ +10.0 pt"
    assert [compare.index(2, c).data() for c in range(3)] == ["Plan score", "Plan score", "Plan score"]


def test_rule_helpers_update_instead_of_stacking():
    t = Target(department="Police", program="Patrol")
    s = upsert_rule(Scenario(), t, "percent", 5)
    assert s.rules[0].label == auto_label(t, "percent", 5) == "Police / Patrol +5%"
    s = upsert_rule(s, t, "percent", -2.5)
    assert len(s.rules) == 1 and s.rules[0].value == -2.5 and s.rules[0].label == "Police / Patrol -2.5%"
    s = s.replace_rule(0, Rule("My label", t, "percent", -2.5, 2028, None))
    s = upsert_rule(s, t, "percent", 3)
    assert s.rules[0] == Rule("My label", t, "percent", 3, 2028, None)
    s = upsert_many(s, [t, Target(department="Fire")], "amount", 1000)
    assert [r.kind for r in s.rules] == ["percent", "amount", "amount"]
    assert find_rule(s, Target(department="Fire"), "amount") == 2
    assert rule_value(s, Target(department="Fire"), "percent") == 0.0


def test_money_formats():
    assert fmt.money(1234567.4) == "$1,234,567"
    assert fmt.money(-1234.0) == fmt.money_fast(-1234.0) == "($1,234)"
    assert fmt.money_fast(1234567.4) == "$1,234,567"
    assert fmt.signed_money(-2500) == "-$2,500"
    assert fmt.compact_money(1.8e9) == "$1.80B"
    assert fmt.percent(0.0512) == "5.1%"
    assert fmt.money(float("nan")) == fmt.DASH

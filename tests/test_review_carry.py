"""The review carry-over (SPEC, "The quarterly review", fund effect): the scenario option
`review_carry`, the engine's shifted beginning balances, the CLI, the project, the Rules sheet and
the app's undoable checkbox.  Expected figures by hand, from review() and from a plain recomputation."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pytest

import kcplanner.readers as readers
from kcplanner.cli import main
from kcplanner.engine import evaluate, prepare, run_summary_text
from kcplanner.project import Project, describe_change
from kcplanner.readers import ImportResult
from kcplanner.report import ValidationReport
from kcplanner.review import review
from kcplanner.review.carry import carry_problem, ensure_carry
from kcplanner.scenario import Rule, Scenario, ScenarioError, Target, load_scenario, save_scenario, scenario_from_dict

from .engine_data import build_dataset
from .review_data import concat, generated_city, monthly, quarterly, revenue, spending

GF = ("GF", "Police", "Patrol", "Other")
WATER = ("Water", "Utilities", "Operations", "Other")
GRANTS = ("Grants", "Police", "Traffic", "Other")


def _line(group, adopted):
    f, d, p, c = group
    return {"fund": f, "department": d, "program": p, "account_class": c,
            "amounts": {(2026, "Adopted"): adopted * 0.9, (2027, "Adopted"): adopted}}


def hand_city():
    """R = FY2027 = y0 (the plan starts FY2028), through P06, no prior years: every share is the
    elapsed 6/12 = 0.5, so each projection is twice the actual to date.

    GF:     spending 6 × 120 = 720 → P 1440, V +240; revenue 2 × 450 = 900 → P 1800 vs 2000, V −200
            ΔBal = −200 − 240 = −440
    Water:  spending 6 × 40 = 240 → P 480 vs 600, V −120; revenue 2 × 400 = 800 → P 1600 vs 700, V +900
            ΔBal = 900 − (−120) = +1020
    Grants: spending only, no revenue line and no Funds row: no balance (null) with or without
    Reserve: a Funds row only, not in the review: unchanged"""
    ds = build_dataset(
        lines=[_line(GF, 1200), _line(WATER, 600), _line(GRANTS, 300)],
        revenue=[{"fund": "GF", "source": "Tax", "amounts": {(2027, "Adopted"): 2000}},
                 {"fund": "Water", "source": "Rates", "amounts": {(2027, "Adopted"): 700}}],
        funds=[{"fund": "GF", "beginning_balance": 5000.0}, {"fund": "Water", "beginning_balance": 3000.0},
               {"fund": "Reserve", "beginning_balance": 999.0}],
        first_plan_year=2028)
    ds.budget.actuals = concat([spending(GF, monthly(2027, 120, range(1, 7))),
                                spending(WATER, monthly(2027, 40, range(1, 7))),
                                spending(GRANTS, monthly(2027, 25, range(1, 7)))])
    ds.budget.revenue_actuals = concat([revenue("GF", "Tax", quarterly(2027, 450, [1, 2])),
                                        revenue("Water", "Rates", quarterly(2027, 400, [1, 2]))])
    return ds


HAND_DELTA = {"GF": -440.0, "Water": 1020.0}
CARRY = Scenario("Carry", (Rule("Police +5%", Target(department="Police"), "percent", 5),)).with_review_carry(
    "FY2027 P06")


def _fund(results, name):
    return results.funds.names.index(name)


# -- the scenario option ----------------------------------------------------------------------------

def test_scenario_json_round_trip_and_the_key_written_only_when_set(tmp_path):
    plain = Scenario("S", (Rule("x", Target(fund="GF"), "amount", 5),), ("R1",))
    path = tmp_path / "plain.json"
    save_scenario(plain, path)
    assert "review_carry" not in path.read_text()
    assert list(json.loads(path.read_text())) == ["name", "rules", "funded_requests"]
    on = plain.with_review_carry("fy2027 q2")
    assert on.review_carry == "FY2027 Q2" and on != plain and plain.review_carry is None
    save_scenario(on, tmp_path / "on.json")
    data = json.loads((tmp_path / "on.json").read_text())
    assert data["review_carry"] == "FY2027 Q2"
    assert load_scenario(tmp_path / "on.json") == on
    assert on.with_review_carry(None) == plain
    assert scenario_from_dict({"name": "S", "review_carry": None}).review_carry is None


@pytest.mark.parametrize("value, message", [
    ("soon", "review_carry: 'soon' names no fiscal year; expected a period label such as FY2026 P06, FY2026 Q2 or "
             "FY2026 (or null for off)"),
    ("FY2027 P13", "review_carry: 'FY2027 P13': fiscal month 13 is not a month of the year; expected 1-12"),
    ("FY2027 H1", "review_carry: 'FY2027 H1': 'H1' is not a quarter (Q1-Q4) or a fiscal month (P01-P12); expected a "
                  "period label such as FY2026 P06, FY2026 Q2 or FY2026 (or null for off)"),
    (2027, "review_carry: expected a period label such as FY2026 P06, FY2026 Q2 or FY2026 (or null for off), "
           "found 2027"),
    ("2026-12-31", "review_carry: expected a period label such as FY2026 P06, FY2026 Q2 or FY2026 (or null for "
                   "off), found the date '2026-12-31'"),
])
def test_a_bad_carry_label_is_a_clear_error_naming_the_key(tmp_path, value, message):
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict({"name": "S", "review_carry": value})
    assert str(exc.value).startswith(message)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"name": "S", "review_carry": value}))
    with pytest.raises(ScenarioError, match=r"bad.json: review_carry: "):
        load_scenario(path)


# -- the engine ---------------------------------------------------------------------------------------

def test_the_balances_shift_by_the_hand_computed_change_for_every_fund():
    ds = hand_city()
    P = prepare(ds)
    assert P.y0 == 2027
    off = evaluate(P, CARRY.with_review_carry(None))
    assert ensure_carry(P, CARRY) is not None
    on = evaluate(P, CARRY)
    assert on.messages == off.messages == []
    r = review(ds, through=6)  # the review's own figure, computed here
    for name, delta in HAND_DELTA.items():
        f = _fund(on, name)
        assert r.funds.loc[name, "balance_change"] == pytest.approx(delta)
        assert on.funds.carried[f] == pytest.approx(delta)
        assert on.funds.beginning_balance[f] == pytest.approx(off.funds.beginning_balance[f] + delta)
        np.testing.assert_allclose(on.funds.balance[f] - off.funds.balance[f], delta, rtol=0, atol=1e-9)
        # a plain recomputation: Bal = Beginning + ΔBal + cumulative (revenue − expenditure)
        begin = {"GF": 5000.0, "Water": 3000.0}[name]
        plain = begin + delta + np.cumsum(on.funds.revenue[f] - on.funds.expenditure[f])
        np.testing.assert_allclose(on.funds.balance[f], plain, rtol=1e-12)
    g, re = _fund(on, "Grants"), _fund(on, "Reserve")
    assert np.isnan(on.funds.balance[g]).all() and np.isnan(on.funds.carried[g])   # no revenue data: null
    assert on.funds.carried[re] == 0 and np.array_equal(on.funds.balance[re], off.funds.balance[re])
    np.testing.assert_array_equal(on.by_department.scenario, off.by_department.scenario)  # spending unchanged
    assert "GF -440" in run_summary_text(on) and "Water 1,020" in run_summary_text(on)


def test_every_fund_of_a_generated_city_shifts_by_the_reviews_balance_change():
    ds = generated_city(n_lines=800, seed=3)
    P = prepare(ds)
    s = Scenario("c", review_carry="FY2027 P06")
    ensure_carry(P, s)
    on, off = evaluate(P, s), evaluate(P, Scenario("c"))
    change = review(ds, fiscal_year=2027, through=6).funds["balance_change"]
    assert len(change) == len(on.funds.names) == 6
    for name, delta in change.items():
        f = _fund(on, name)
        np.testing.assert_allclose(on.funds.balance[f] - off.funds.balance[f], delta, rtol=1e-12, atol=1e-6)
        plain = delta + np.cumsum(on.funds.revenue[f] - on.funds.expenditure[f])  # no Funds table: beginning 0
        np.testing.assert_allclose(on.funds.balance[f], plain, rtol=1e-12)
    # a quarter label reviews the same months: the same shift
    q = Scenario("c", review_carry="FY2027 Q2")
    ensure_carry(P, q)
    np.testing.assert_allclose(evaluate(P, q).funds.balance, on.funds.balance, rtol=1e-12)


def test_off_gives_exactly_the_results_of_before():
    ds = hand_city()
    P = prepare(ds)
    s = CARRY.with_review_carry(None)
    a = evaluate(P, s)
    ensure_carry(P, CARRY)  # a carry-over cached for another scenario changes nothing here
    b = evaluate(P, s)
    assert b.funds.beginning_balance is not None and b.funds.carried is None and b.carry_notes == []
    for name in ("revenue", "expenditure", "balance", "reserve_ratio", "structural", "beginning_balance"):
        np.testing.assert_array_equal(getattr(a.funds, name), getattr(b.funds, name))
    assert [x.message for x in a.findings] == [x.message for x in b.findings]
    assert ensure_carry(P, s) is None


def test_a_review_year_other_than_y0_carries_nothing_and_says_so():
    ds = hand_city()
    P = prepare(ds)
    s = CARRY.with_review_carry("FY2026 P06")
    assert ensure_carry(P, s) is None and not P.carry_over  # no review run for it
    r, off = evaluate(P, s), evaluate(P, s.with_review_carry(None))
    assert r.carry_notes == ["review carry-over: the review's year FY2025-26 is not FY2026-27, the year before "
                             "the plan: nothing carried"]
    assert r.messages[-1] == r.carry_notes[0]
    np.testing.assert_array_equal(r.funds.balance, off.funds.balance)
    assert carry_problem(P, "FY2026 P06").startswith("The review's year FY2025-26 is not FY2026-27")


def test_no_actuals_and_a_review_not_computed_say_so():
    ds = hand_city()
    P = prepare(ds)
    r = evaluate(P, CARRY)  # nobody called ensure_carry: never silently the wrong balance
    assert r.carry_notes == ["review carry-over: the review through FY2027 P06 was not computed for this run "
                             "(kcplanner.review.carry.ensure_carry): nothing carried"]
    ds.budget.actuals = ds.budget.actuals.iloc[0:0]
    ds.budget.revenue_actuals = ds.budget.revenue_actuals.iloc[0:0]
    P = prepare(ds)
    assert carry_problem(P, "FY2027 P06") == "No spending or revenue actuals for FY2026-27: nothing to carry"
    ensure_carry(P, CARRY)
    assert evaluate(P, CARRY).carry_notes == [
        "review carry-over: no spending or revenue actuals for FY2027 P06: nothing carried"]


def test_the_review_runs_once_per_prepared_dataset_and_period(monkeypatch):
    import kcplanner.review.carry as carry_module

    calls = []
    real = carry_module.review
    monkeypatch.setattr(carry_module, "review", lambda *a, **k: calls.append(k) or real(*a, **k))
    P = prepare(hand_city())
    for _ in range(3):
        ensure_carry(P, CARRY)
        evaluate(P, CARRY)
    ensure_carry(P, CARRY.with_review_carry("FY2027 P03"))
    assert len(calls) == 2


# -- the command line, the project, the Rules sheet ----------------------------------------------------

def test_kcplanner_run_with_review_carry_shifts_the_balances(tmp_path, monkeypatch, capsys):
    plan, budget = tmp_path / "plan.xlsx", tmp_path / "budget.xlsx"
    for p in (plan, budget):
        p.write_bytes(b"not read: read_dataset is replaced (the actuals readers are another part of issue 13)")
    monkeypatch.setattr(readers, "read_dataset",
                        lambda *a, **k: ImportResult(dataset=hand_city(), report=ValidationReport()))
    scen = tmp_path / "s.json"
    save_scenario(CARRY, scen)
    digest = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (plan, budget, scen)}
    outs = {}
    for key, path in (("on", scen), ("off", None)):
        out = tmp_path / f"{key}.json"
        argv = ["run", "--plan", str(plan), "--budget", str(budget), "--json", str(out)]
        assert main(argv + (["--scenario", str(path)] if path else [])) == 0
        outs[key] = json.loads(out.read_text())["funds"]
    text = capsys.readouterr().out
    assert "Beginning balances include the review's year-end balance change (FY2027 P06; $): GF -440, Water 1,020" \
        in text
    on_res = evaluate(prepare(hand_city()), CARRY.with_review_carry(None))  # the rule, without the carry
    for name, delta in HAND_DELTA.items():
        f = _fund(on_res, name)
        plain = {"GF": 5000.0, "Water": 3000.0}[name] + delta + np.cumsum(on_res.funds.revenue[f]
                                                                           - on_res.funds.expenditure[f])
        np.testing.assert_allclose(outs["on"][name]["balance"], plain, rtol=1e-12)
    assert outs["on"]["Grants"]["balance"] == [None] * 5
    assert outs["on"]["Reserve"] == outs["off"]["Reserve"]
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in digest} == digest


def test_project_keeps_the_option_and_its_history_says_it(tmp_path):
    path = tmp_path / "p.kcplan"
    with Project.create(path, hand_city(), scenarios=[CARRY.with_review_carry(None)]) as p:
        p.record_edit("Carry", None, p.scenario("Carry"), CARRY)
    with Project.open(path) as p:
        assert p.scenario("Carry") == CARRY and p.scenario("Carry").review_carry == "FY2027 P06"
        assert p.history("Carry")[-1].description == ("Carried the review's balance change (through FY2027 P06) into "
                                               "beginning balances")
    assert describe_change(CARRY, CARRY.with_review_carry(None)) == \
        "Stopped carrying the review's balance change into beginning balances"


def test_the_rules_sheet_keeps_the_option_and_the_funds_sheet_starts_from_the_carried_balance(tmp_path):
    import openpyxl
    from python_calamine import CalamineWorkbook

    from kcplanner.exports import export_scenario
    from kcplanner.exports.rules_sheet import read_scenario_from_workbook

    P = prepare(hand_city())
    ensure_carry(P, CARRY)
    for scenario in (CARRY, CARRY.with_review_carry(None)):
        out = tmp_path / f"{scenario.review_carry is None}.xlsx"
        export_scenario(P, evaluate(P, scenario), out)
        assert read_scenario_from_workbook(out) == scenario
    out = tmp_path / "False.xlsx"
    rules = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Rules").to_python()
    assert rules[3][:2] == ["Review carry-over", "FY2027 P06"]
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Funds").to_python()
    at = {(r[0], r[2]): i for i, r in enumerate(rows)}
    base = P.baseline_results().funds.balance[_fund(P.baseline_results(), "GF")]
    begin, brev, bexp, bend = (rows[at[("GF", m)]] for m in ("Beginning balance", "Baseline revenue",
                                                             "Baseline expenditure", "Baseline ending balance"))
    assert begin[3] == pytest.approx(5000 - 440)
    assert bend[3:8] == pytest.approx(list(base))  # the baseline carries nothing: the scenario's option
    assert begin[3] + 440 + brev[3] - bexp[3] == pytest.approx(bend[3])  # what the y1 formula computes
    r = at[("GF", "Baseline ending balance")] + 1
    assert openpyxl.load_workbook(out)["Funds"].cell(r, 4).value == \
        f"=D{at[('GF', 'Beginning balance')] + 1}-(-440.0)+D{r - 2}-D{r - 1}"
    with pytest.raises(ScenarioError, match=r"bad.xlsx, sheet Rules, Review carry-over \(cell B4\): 'soon' names no fiscal year; expected a period label"):
        wb = openpyxl.load_workbook(out)
        wb["Rules"]["B4"] = "soon"
        wb.save(tmp_path / "bad.xlsx")
        read_scenario_from_workbook(tmp_path / "bad.xlsx")


# -- the app -------------------------------------------------------------------------------------------

@pytest.fixture
def app_session(qtbot):
    from ui.session import Session

    session = Session()
    session.set_data(prepare(hand_city()), scenarios=(CARRY.with_review_carry(None), Scenario("Other")))
    return session


def test_the_checkbox_is_one_undo_step_and_undo_restores_the_balances_exactly(qtbot, app_session, tmp_path):
    from PySide6.QtCore import Qt

    from ui.review.carry import CarryCheckBox

    s = app_session
    box = CarryCheckBox(s)
    qtbot.addWidget(box)
    box.set_period("FY2027 Q2")
    assert box.isEnabled() and not box.isChecked()
    assert box.text() == "Carry the year-end change (review through FY2027 Q2) into FY2027-28 balances"
    before = s.results.funds.balance.copy()
    depth = s.undo_stack.count()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    s.flush()
    assert s.undo_stack.count() == depth + 1 and s.scenario.review_carry == "FY2027 Q2" and box.isChecked()
    f = _fund(s.results, "GF")
    np.testing.assert_allclose(s.results.funds.balance[f] - before[f], HAND_DELTA["GF"], rtol=0, atol=1e-9)
    box.resize(box.sizeHint())
    box.grab().save(str(tmp_path / "carry.png"))
    s.undo_stack.undo()
    s.flush()
    assert not box.isChecked() and s.scenario.review_carry is None
    np.testing.assert_array_equal(s.results.funds.balance, before)
    s.undo_stack.redo()
    s.flush()
    assert box.isChecked()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)  # off again: one more step
    assert s.undo_stack.count() == depth + 2 and s.scenario.review_carry is None and not box.isChecked()


def test_the_checkbox_follows_scenario_switches_and_says_why_it_is_disabled(qtbot, app_session):
    from ui.review.carry import CarryCheckBox

    s = app_session
    box = CarryCheckBox(s)
    qtbot.addWidget(box)
    box.set_period("FY2027 P06")
    box.click()
    assert box.isChecked()
    s.select_scenario(1)
    assert not box.isChecked() and s.scenario.name == "Other"
    s.select_scenario(0)
    assert box.isChecked()
    assert s.results_for(CARRY.rename("Carry").with_review_carry("FY2027 P06")).funds.carried is not None
    s.select_scenario(1)
    box.set_period("FY2026 P06")
    assert not box.isEnabled()
    assert box.toolTip().startswith("The review's year FY2025-26 is not FY2026-27, the year before the plan")
    box.set_period(None)
    assert not box.isEnabled() and box.toolTip() == "Pick a period of the review first"
    assert not math.isnan(s.results.funds.balance[_fund(s.results, "GF"), 0])


def test_run_on_the_bundled_sample_carries_the_reviews_balance_change(tmp_path):
    """The real readers on the bundled sample (FY2026 actuals through P06, the year before the plan):
    `run` with the option shifts every fund's balance, every plan year, by the review's ΔBal."""
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "kcplanner" / "resources" / "sample"
    files = sorted(sample.glob("*.xlsx"))
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    carry = tmp_path / "carry.json"
    carry.write_text(json.dumps({"name": "Carry", "rules": [], "funded_requests": [], "review_carry": "FY2026 P06"}))
    outs = {}
    for name, extra in (("plain", []), ("carry", ["--scenario", str(carry)])):
        outs[name] = tmp_path / f"{name}.json"
        assert main(["run", "--plan", str(sample / "plan.xlsx"), "--budget", str(sample), *extra,
                     "--json", str(outs[name])]) == 0
    plain, carried = (json.loads(outs[k].read_text())["funds"] for k in ("plain", "carry"))
    r = review(readers.read_dataset(sample / "plan.xlsx", [sample]).dataset)
    assert (r.fiscal_year, r.through_label) == (2026, "FY2026 P06")
    moved = 0
    for fund, figures in plain.items():
        delta = float(r.funds["balance_change"].get(fund, 0.0))
        got = np.array(carried[fund]["balance"]) - np.array(figures["balance"])
        assert got == pytest.approx([delta] * len(got), abs=1e-6)
        moved += delta != 0
    assert moved >= 5  # the sample's review moves most funds' balances
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files} == before

"""The command line: validate, run, sample, template; exit codes 0 / 1 / 2 of SPEC.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kcplanner.cli import main

from .realdata import REALDATA, require

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "kcplanner" / "resources" / "sample"


@pytest.fixture(scope="module")
def small_city(tmp_path_factory):
    out = tmp_path_factory.mktemp("city")
    assert main(["sample", str(out), "--lines", "1500", "--seed", "3"]) == 0
    return out


def test_sample_writes_a_plan_and_department_workbooks(small_city):
    files = sorted(p.name for p in small_city.glob("*.xlsx"))
    assert "plan.xlsx" in files
    assert len(files) == 21  # the plan and 20 departments


def test_validate_the_sample_folder_is_clean(small_city, capsys):
    # the plan sits in the budget folder: it is read as the plan, not as a budget
    code = main(["validate", "--plan", str(small_city / "plan.xlsx"), "--budget", str(small_city)])
    out = capsys.readouterr().out
    assert code == 0
    assert "0 error(s)" in out


def test_validate_the_bundled_sample(capsys):
    code = main(["validate", "--plan", str(SAMPLE / "plan.xlsx"), "--budget", str(SAMPLE)])
    assert code == 0, capsys.readouterr().err
    assert "0 error(s)" in capsys.readouterr().out


def test_validate_the_template(tmp_path, capsys):
    assert main(["template", str(tmp_path)]) == 0
    code = main(["validate", "--plan", str(tmp_path / "plan-template.xlsx"),
                 "--budget", str(tmp_path / "department-template.xlsx")])
    assert code == 0, capsys.readouterr().err


def test_validate_bad_input_exits_1_with_the_report_on_stderr(tmp_path, capsys):
    bad = tmp_path / "budget.xlsx"
    bad.write_bytes(b"this is not a workbook")
    code = main(["validate", "--budget", str(bad)])
    captured = capsys.readouterr()
    assert code == 1
    assert "budget.xlsx" in captured.err
    assert captured.out == ""


def test_bad_usage_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--budget", str(tmp_path)])  # --json is required
    assert exc.value.code == 2
    assert main(["validate", "--budget", str(tmp_path / "missing.xlsx")]) == 2


def test_run_baseline_writes_the_results_file(small_city, tmp_path, capsys):
    out = tmp_path / "results.json"
    code = main(["run", "--plan", str(small_city / "plan.xlsx"), "--budget", str(small_city), "--json", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "General Fund" in printed
    data = json.loads(out.read_text())
    assert set(data) == {"plan_years", "funds", "departments", "kpis", "score", "findings"}
    assert len(data["plan_years"]) == 5
    # with no scenario, every department's scenario equals its baseline
    for dept in data["departments"].values():
        assert dept["scenario"] == dept["baseline"]


def test_run_with_a_scenario_moves_only_what_it_targets(small_city, tmp_path):
    base, scen = tmp_path / "base.json", tmp_path / "scen.json"
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({
        "name": "Police +10%",
        "rules": [{"label": "Police +10%", "target": {"department": "Police"}, "kind": "percent", "value": 10}],
        "funded_requests": []}))
    plan, budget = str(small_city / "plan.xlsx"), str(small_city)
    assert main(["run", "--plan", plan, "--budget", budget, "--json", str(base)]) == 0
    assert main(["run", "--plan", plan, "--budget", budget, "--scenario", str(scenario), "--json", str(scen)]) == 0
    a, b = json.loads(base.read_text()), json.loads(scen.read_text())
    for name, dept in b["departments"].items():
        factor = 1.10 if name == "Police" else 1.0
        np.testing.assert_allclose(dept["scenario"], np.array(a["departments"][name]["scenario"]) * factor, rtol=1e-12)


def test_run_with_a_bad_scenario_exits_1(small_city, tmp_path, capsys):
    scenario = tmp_path / "bad.json"
    scenario.write_text(json.dumps({"name": "x", "rules": [{"kind": "percent", "valu": 3}]}))
    code = main(["run", "--plan", str(small_city / "plan.xlsx"), "--budget", str(small_city),
                 "--scenario", str(scenario), "--json", str(tmp_path / "r.json")])
    assert code == 1
    assert "valu" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


def test_run_without_a_plan_has_no_kpis_and_zero_growth(small_city, tmp_path):
    out = tmp_path / "r.json"
    budgets = [str(p) for p in small_city.glob("*.xlsx") if p.name != "plan.xlsx"]
    assert main(["run", "--budget", *budgets, "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["kpis"] == {}
    # zero growth: y2..y5 of every department equal y1 less its one-time lines; check y5 == y2
    for dept in data["departments"].values():
        assert dept["baseline"][4] == pytest.approx(dept["baseline"][1], rel=1e-12)


def test_results_totals_match_a_plain_pandas_sum_of_requested_amounts(small_city, tmp_path):
    """y1 of each department = Σ Requested FY2027 where given, else the Adopted/Actual fallback grown once."""
    out = tmp_path / "r.json"
    budgets = [p for p in small_city.glob("*.xlsx") if p.name != "plan.xlsx"]
    assert main(["run", "--budget", *map(str, budgets), "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    expected = {}
    for path in budgets:
        frame = pd.read_excel(path, sheet_name="Line Items", engine="calamine", header=None)
        header = next(i for i in range(20) if "Department" in set(frame.iloc[i].astype(str)))
        frame.columns = frame.iloc[header].astype(str)
        frame = frame.iloc[header + 1:]
        frame = frame[~frame["Fund"].astype(str).str.startswith("Total")].dropna(subset=["Department"])
        # every sample file has the columns … Actual, Actual, Adopted (y0), Requested (y1), in that order
        *_, actual_1, actual_2, adopted, requested = frame.columns
        actuals = [actual_1, actual_2]
        y1 = pd.to_numeric(frame[requested], errors="coerce")
        fallback = pd.to_numeric(frame[adopted], errors="coerce")
        for col in reversed(actuals):  # without a plan growth is 0: the latest Actual as is
            fallback = fallback.fillna(pd.to_numeric(frame[col], errors="coerce"))
        y1 = y1.fillna(fallback).fillna(0.0)
        for dept, total in y1.groupby(frame["Department"]).sum().items():
            expected[dept] = expected.get(dept, 0.0) + total
    for dept, total in expected.items():
        assert data["departments"][dept]["baseline"][0] == pytest.approx(total, rel=1e-9, abs=0.01)


def test_entry_point_runs_as_a_module(small_city, tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "validate", "--budget", str(tmp_path / "none.xlsx")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2
    assert "none.xlsx" in out.stderr
    helped = subprocess.run([sys.executable, str(ROOT / "main.py"), "run", "--help"], capture_output=True, text=True,
                            cwd=ROOT)
    assert helped.returncode == 0 and "--scenario" in helped.stdout


def test_export_then_run_from_the_workbook_gives_the_same_results(small_city, tmp_path, capsys):
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({
        "name": "Mixed",
        "rules": [{"label": "Police +3%", "target": {"department": "Police"}, "kind": "percent", "value": 3,
                   "start": 2028},
                  {"label": "Parks +$250k", "target": {"department": "Parks and Recreation"}, "kind": "amount",
                   "value": 250000, "start": None, "end": 2029}],
        "funded_requests": []}))
    plan, budget = str(small_city / "plan.xlsx"), str(small_city)
    book = tmp_path / "mixed.xlsx"
    assert main(["export", "--plan", plan, "--budget", budget, "--scenario", str(scenario), "--out", str(book)]) == 0
    assert book.exists()
    from_json, from_book = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["run", "--plan", plan, "--budget", budget, "--scenario", str(scenario), "--json", str(from_json)]) == 0
    assert main(["run", "--plan", plan, "--budget", budget, "--scenario", str(book), "--json", str(from_book)]) == 0
    assert json.loads(from_json.read_text()) == json.loads(from_book.read_text())


def test_export_write_back_gives_each_department_its_own_workbook(small_city, tmp_path):
    out = tmp_path / "back"
    assert main(["export", "--plan", str(small_city / "plan.xlsx"), "--budget", str(small_city),
                 "--out", str(out), "--write-back"]) == 0
    written = sorted(p.name for p in out.glob("*.xlsx"))
    departments = sorted(p.name for p in small_city.glob("*.xlsx") if p.name != "plan.xlsx")
    assert len(written) == len(departments)
    assert all(w.startswith(d.removesuffix(".xlsx")) for w, d in zip(written, departments))


def test_export_to_a_read_only_target_exits_1_and_keeps_it(small_city, tmp_path, capsys):
    target = tmp_path / "locked.xlsx"
    target.write_bytes(b"previous")
    target.chmod(0o444)
    code = main(["export", "--plan", str(small_city / "plan.xlsx"), "--budget", str(small_city),
                 "--out", str(target)])
    assert code == 1
    assert "read-only" in capsys.readouterr().err
    assert target.read_bytes() == b"previous"


@require(REALDATA / "oakland")
def test_run_oakland_with_its_shipped_mapping(tmp_path, capsys):
    oakland = next((REALDATA / "oakland").glob("*.xlsx"))
    out = tmp_path / "oakland.json"
    assert main(["validate", "--budget", str(oakland)]) == 1  # not the standard layout without a mapping
    capsys.readouterr()
    code = main(["run", "--budget", str(oakland), "--mapping", str(ROOT / "kcplanner" / "resources" / "mappings" / "oakland.json"),
                 "--json", str(out)])
    assert code == 0, capsys.readouterr().err
    data = json.loads(out.read_text())
    assert data["plan_years"] == [2018, 2019, 2020, 2021, 2022]
    # no plan: zero growth, so y1 expenditure is the FY2016-17 adopted expense total of SOURCE.txt
    total_y1 = sum(fund["expenditure"][0] for fund in data["funds"].values())
    assert total_y1 == pytest.approx(1_239_428_331, abs=0.5)


def test_a_bad_mapping_file_exits_2_naming_it(small_city, tmp_path, capsys):
    # issue 11: a malformed mapping file is bad usage (exit 2), no longer invalid input (1)
    mapping = tmp_path / "bad-mapping.json"
    mapping.write_text('{"table": "line_items", "colums": {}}')
    code = main(["validate", "--budget", str(small_city), "--mapping", str(mapping)])
    assert code == 2
    assert "bad-mapping.json" in capsys.readouterr().err


def test_optimize_writes_a_scenario_whose_funded_requests_exist(small_city, tmp_path, capsys):
    from kcplanner.scenario import load_scenario

    out = tmp_path / "best.json"
    plan, budget = str(small_city / "plan.xlsx"), str(small_city)
    code = main(["optimize", "--plan", plan, "--budget", budget, "--out", str(out), "--time-limit", "20",
                 "--name", "Best set"])
    assert code == 0, capsys.readouterr().err
    proposal = load_scenario(out)
    assert proposal.name == "Best set"
    requests = set()
    for path in small_city.glob("*.xlsx"):
        if path.name != "plan.xlsx":
            cells = pd.read_excel(path, sheet_name="Requests", engine="calamine", header=None).astype(str)
            row, col = np.argwhere(cells.to_numpy() == "Request ID")[0]
            requests |= set(cells.iloc[row + 1:, col])
    assert set(proposal.funded_requests) <= requests
    # the proposal runs, and is at least as good on the plan score as funding nothing
    base_json, best_json = tmp_path / "base.json", tmp_path / "best-results.json"
    assert main(["run", "--plan", plan, "--budget", budget, "--json", str(base_json)]) == 0
    assert main(["run", "--plan", plan, "--budget", budget, "--scenario", str(out), "--json", str(best_json)]) == 0
    mean = lambda xs: np.nanmean([np.nan if x is None else x for x in xs])  # noqa: E731
    assert mean(json.loads(best_json.read_text())["score"]) >= mean(json.loads(base_json.read_text())["score"]) - 1e-12


def test_a_scenario_rule_that_matches_nothing_is_invalid_input(small_city, tmp_path, capsys):
    scenario = tmp_path / "typo.json"
    scenario.write_text(json.dumps({"name": "typo", "funded_requests": ["NOPE-1"], "rules": [
        {"label": "Police +5%", "target": {"department": "Polce"}, "kind": "percent", "value": 5}]}))
    out = tmp_path / "r.json"
    code = main(["run", "--plan", str(small_city / "plan.xlsx"), "--budget", str(small_city),
                 "--scenario", str(scenario), "--json", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Polce" in err and "Police" in err  # says what it did not find, and suggests
    assert "NOPE-1" in err
    assert not out.exists()


def test_results_into_a_missing_folder_is_a_message_not_a_traceback(small_city, tmp_path, capsys):
    code = main(["run", "--plan", str(small_city / "plan.xlsx"), "--budget", str(small_city),
                 "--json", str(tmp_path / "no" / "such" / "r.json")])
    err = capsys.readouterr().err
    assert code == 1
    assert "does not exist" in err and "Traceback" not in err

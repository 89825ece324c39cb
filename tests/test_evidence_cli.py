"""`kcplanner estimate … --json OUT [--out kpi-review.xlsx] [--pool goal]` (issue 14): SPEC's JSON,
exit codes 0 / 1 / 2, the KPI-review workbook read back with openpyxl, inputs untouched; and bad
history input with its cells (a value of 0 or below, a year given twice, an unknown KPI, a spending gap)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import openpyxl
import pytest

from kcplanner.cli import main
from kcplanner.evidence import driver_sentence
from tests.conftest import write_csv, write_xlsx
from tests.evidence_data import read_city, write_city

rng = np.random.default_rng(3)
YEARS = range(2015, 2026)
PROGRAMS = ["Patrol", "Investigations", "Crime Lab"]
SPEND = {("Police", p): dict(zip(YEARS, 1000 * np.exp(np.cumsum(rng.normal(0.03, 0.08, size=11)))))
         for p in PROGRAMS}


def _kpi(program: str, b: float, noise: float) -> dict[int, float]:
    s, v, out = SPEND[("Police", program)], 40.0, {}
    for t in range(2016, 2026):
        v *= np.exp(0.01 + b * (np.log(s[t]) - np.log(s[t - 1])) + rng.normal(0, noise))
        out[t] = round(v, 4)
    return out


VALUES = {"K1": _kpi("Patrol", 0.5, 0.01), "K2": _kpi("Investigations", 0.3, 0.02), "K3": _kpi("Crime Lab", 0.4, 0.01),
          "K4": {2024: 3.0, 2025: 3.2}}


def _city(folder, values=None, **kw):
    kpis = [{"id": k, "goal": "G1", "direction": "Higher is better", "baseline": 40.0, "baseline_fy": 2026}
            for k in VALUES]
    drivers = [("K1", "Police", "Patrol", 0.5, 0), ("K2", "Police", "Investigations", 0.9, 0),
               ("K3", "Police", "Crime Lab", 0.4, 0), ("K4", "Police", None, 0.2, 1)]
    return write_city(folder, kpis, drivers, values or VALUES, SPEND, **kw)


def _digest(paths):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_json_and_workbook(tmp_path, capsys):
    plan, budget = _city(tmp_path / "in")
    before = _digest([plan, budget])
    out, book = tmp_path / "evidence.json", tmp_path / "kpi-review.xlsx"
    status = main(["estimate", "--plan", str(plan), "--budget", str(budget), "--json", str(out), "--out", str(book)])
    assert status == 0
    assert _digest([plan, budget]) == before  # inputs are never written to
    printed = capsys.readouterr().out
    assert "3 of 4 drivers estimated" in printed and f"Wrote {out}" in printed and f"Wrote {book}" in printed
    data = json.loads(out.read_text())
    assert list(data) == ["drivers", "kpis"]
    d = data["drivers"]
    assert [x["kpi"] for x in d] == ["K1", "K2", "K3", "K4"]
    assert list(d[0]) == ["kpi", "department", "program", "lag", "n", "estimate", "se", "low", "high", "p", "r2",
                          "entered", "pooled", "pooled_se"]
    assert d[3]["program"] is None and d[3]["n"] == 2 and d[3]["estimate"] is None and d[3]["r2"] is None
    assert d[0]["n"] == 9 and d[0]["low"] < d[0]["estimate"] < d[0]["high"] and d[0]["entered"] == 0.5
    assert all(x["pooled"] is None for x in d)
    assert list(data["kpis"]) == ["K1", "K2", "K3", "K4"]
    assert data["kpis"]["K4"] == {"years": 3, "completeness": 1.0, "volatility": pytest.approx(
        np.std([np.log(3.2 / 3.0), np.log(40.0 / 3.2)], ddof=1)), "attainment": None, "responsive": None,
        "redundant_with": [], "recommendation": "improve data"}

    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["KPI review", "Drivers", "How to read this"]
    ws = wb["KPI review"]
    head = [c.value for c in ws[1]]
    assert head[:4] == ["KPI ID", "KPI", "Goal", "Years"] and head[-2:] == ["Recommendation", "Reasons"]
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref == f"A1:{ws.cell(1, len(head)).column_letter}5"
    rows = {r[0]: dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["K4"]["Recommendation"] == "improve data" and "3 years of history" in rows["K4"]["Reasons"]
    assert rows["K1"]["Completeness"] == 1.0 and rows["K1"]["Years"] == 11
    assert ws.cell(2, head.index("Completeness") + 1).number_format == "0.0%"
    ws = wb["Drivers"]
    head = [c.value for c in ws[1]]
    got = [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert got[0]["Estimate"] == pytest.approx(d[0]["estimate"], rel=1e-12)
    assert got[0]["80% low"] == pytest.approx(d[0]["low"], rel=1e-12)
    assert got[0]["Entered elasticity"] == 0.5
    assert got[3]["Status"] == "not enough history" and got[3]["Estimate"] is None
    assert got[3]["What it means"].startswith("Not enough history")
    assert "entered outside interval" in got[1]["Flags"]  # K2: entered 0.9, drawn with 0.3
    assert wb["How to read this"]["A1"].value == "How to read this workbook"


def test_pool_goal(tmp_path):
    plan, budget = _city(tmp_path / "in")
    out = tmp_path / "e.json"
    assert main(["estimate", "--plan", str(plan), "--budget", str(budget), "--pool", "goal", "--json", str(out)]) == 0
    d = json.loads(out.read_text())["drivers"]
    assert all(x["pooled"] is not None and x["pooled_se"] < x["se"] for x in d[:3])  # three estimated in G1
    assert d[3]["pooled"] is None


def test_exit_codes(tmp_path, capsys):
    plan, budget = _city(tmp_path / "in")
    base = ["estimate", "--plan", str(plan), "--budget", str(budget)]
    assert main(base) == 2  # nothing to write
    assert "--json OUT and/or --out" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(base + ["--pool", "department", "--json", str(tmp_path / "x.json")])
    assert exc.value.code == 2
    assert main(["estimate", "--plan", str(tmp_path / "missing.xlsx"), "--budget", str(budget), "--json",
                 str(tmp_path / "x.json")]) == 2
    bad = dict(VALUES, K9={2020: 1.0})  # history for an unknown KPI
    plan2, budget2 = _city(tmp_path / "bad", values=bad)
    capsys.readouterr()
    assert main(["estimate", "--plan", str(plan2), "--budget", str(budget2), "--json", str(tmp_path / "y.json")]) == 1
    err = capsys.readouterr().err
    assert "unknown KPI 'K9'" in err and "plan.xlsx:KPI Actuals:A" in err
    assert not (tmp_path / "y.json").exists()
    blocked = tmp_path / "dir.json"
    blocked.mkdir()
    assert main(base + ["--json", str(blocked)]) == 1  # a file that cannot be written


def test_value_of_zero_is_a_warning_with_its_cell(tmp_path):
    values = {**VALUES, "K1": {**VALUES["K1"], 2020: 0.0}}
    plan, budget = _city(tmp_path, values=values)
    ds, report = read_city(plan, budget)
    w = [p for p in report.warnings if "0 or below" in p.message]
    assert len(w) == 1 and w[0].file == "plan.xlsx" and w[0].sheet == "KPI Actuals"
    assert w[0].cell == "C6" and "'K1'" in w[0].message and "FY2020" in w[0].message  # K1 from row 2: 2016…
    assert ds.plan.kpi_actuals["value"].eq(0.0).sum() == 1  # the value stays (the review uses it)
    from kcplanner.evidence import estimate_evidence

    ev = estimate_evidence(ds)
    assert 2020 not in ev.drivers["years"].iat[0] and 2021 not in ev.drivers["years"].iat[0]
    assert ev.drivers["n"].iat[0] == 7


def test_a_year_given_twice(tmp_path):
    plan, budget = _city(tmp_path)
    wb = openpyxl.load_workbook(plan)
    wb["KPI Actuals"].append(["K1", "FY2019", 41.0])
    wb.save(plan)
    from kcplanner.readers import read_dataset

    result = read_dataset(plan, [budget])
    assert result.dataset is None
    e = [p for p in result.report.errors if "given twice" in p.message]
    assert len(e) == 1 and e[0].sheet == "KPI Actuals" and e[0].cell.startswith("B")
    count = next(c for c in result.report.rows if c.sheet == "KPI Actuals")
    assert count.balanced and count.excluded["row with errors"] == 1


def test_a_year_given_twice_across_the_plan_and_a_mapping(tmp_path):
    from kcplanner.readers import load_mapping, read_dataset

    plan, budget = _city(tmp_path)
    csv = write_csv(tmp_path / "measures.csv", [["Measure", "Year", "Result"], ["K1", "FY2019", "41"],
                                                ["K2", "FY2014", "12"]])
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"table": "kpi_actuals", "columns": {"kpi_id": "Measure", "period": "Year"},
                                   "amount": "Result"}))
    result = read_dataset(plan, [budget], mappings=[load_mapping(mapping)], actuals=[csv])
    e = [p for p in result.report.errors if "given twice" in p.message]
    assert len(e) == 1 and e[0].file == "measures.csv" and e[0].cell == "B2"
    assert "plan.xlsx, KPI Actuals, row" in e[0].message
    count = next(c for c in result.report.rows if c.file == "measures.csv")
    assert count.balanced and count.excluded["row with errors"] == 1 and count.imported == 1


def test_a_spending_gap_is_a_warning(tmp_path, capsys):
    spend = {k: dict(v) for k, v in SPEND.items()}
    del spend[("Police", "Crime Lab")][2019]
    kpis = [{"id": "K3", "goal": "G1", "direction": "Higher is better", "baseline": 40.0, "baseline_fy": 2026}]
    plan, budget = write_city(tmp_path, kpis, [("K3", "Police", "Crime Lab", 0.4, 0)], {"K3": VALUES["K3"]}, spend)
    status = main(["estimate", "--plan", str(plan), "--budget", str(budget), "--json", str(tmp_path / "e.json")])
    assert status == 0
    err = capsys.readouterr().err
    assert "WARNING budget.xlsx:Line Items: the spending history of Police / Crime Lab has a gap: no FY2019" in err
    d = json.loads((tmp_path / "e.json").read_text())["drivers"][0]
    assert d["n"] == 7  # the changes into and out of 2019 are left out


def test_driver_sentence_words():
    row = {"spending": "Patrol", "kpi_name": "Average response time", "kpi": "PS-01", "n": 9, "needs": 5,
           "status": "estimated", "estimate": -0.27, "low": -0.35, "high": -0.19}
    text = driver_sentence(row)
    assert text.startswith("A 10% rise in Patrol spending went with a 2.5% fall in average response time (80% interval")
    assert text.endswith("over 9 years.")
    row.update(status="drivers move together")
    assert "cannot be told apart" in driver_sentence(row)


def test_a_kpi_export_history_value_of_zero_is_a_warning_with_its_cell(tmp_path):
    from kcplanner.readers import load_mapping, read_dataset

    plan, budget = _city(tmp_path)
    export = write_xlsx(tmp_path / "measures.xlsx", {"Measures": [
        ["ID", "Name", "FY", "Target", "Last year", "Two years ago"],
        ["M1", "Trees planted", 2026, 100, 90, 0],
        ["M2", "Homes repaired", 2026, 50, 45, 40]]})
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"table": "kpis", "files": "measures*", "columns": {"kpi_id": "ID", "name": "Name", "fiscal_year": "FY",
                                                                "target": "Target"},
                                   "constants": {"direction": "Higher is better"},
                                   "history": {"Last year": -1, "Two years ago": -2}}))
    result = read_dataset(plan, [budget, export], mappings=[load_mapping(mapping)])
    w = [p for p in result.report.warnings if "0 or below" in p.message]
    assert len(w) == 1 and (w[0].file, w[0].sheet, w[0].cell) == ("measures.xlsx", "Measures", "F2")
    assert "'M1'" in w[0].message and "FY2024" in w[0].message
    from kcplanner.evidence.history import kpi_history

    K = kpi_history(result.dataset)
    assert K.loc["M2", 2024] == 40 and K.loc["M2", 2025] == 45  # the import's history joins K

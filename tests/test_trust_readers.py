"""Issue 11, the readers: nothing silently wrong, nothing crashes.

Stray far cells, header and class typos, merged header cells, formulas saved without a result,
absurd figures and a folder named like a workbook: each gets an error (or a warning) naming its
file, sheet and cell, or the right figure; the inputs never change.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from kcplanner.readers import read_dataset, read_plan
from kcplanner.readers import sheet_xml
from kcplanner.report import ValidationReport

from .conftest import BUDGET_SHEETS, PLAN_SHEETS, write_xlsx

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["Fund", "Department", "Program", "Account class", "FY2026 Adopted", "FY2027 Requested"]


def _digest(paths) -> dict:
    out = {}
    for p in paths:
        p = Path(p)
        files = sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p]
        for f in files:
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def _read(plan, budgets, **kw):
    """read_dataset, checking that no input file changed."""
    inputs = ([plan] if plan else []) + list(budgets)
    before = _digest(inputs)
    res = read_dataset(plan, budgets, **kw)
    assert _digest(inputs) == before, "an input file changed"
    assert "Traceback" not in res.report.to_text()
    return res


def _errors(res) -> dict:
    assert res.dataset is None, "a report with errors must not come with a dataset"
    return {(e.sheet, e.cell): e.message for e in res.report.errors}


def _rows(*extra):
    return [HEADER, ["General", "Police", "Patrol", "Personnel Services", 1000, 1100], *extra]


# -- 1. a stray cell far away ---------------------------------------------------------------------

CHILD = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024**2, 1536 * 1024**2))  # never GBs
from kcplanner.readers import read_dataset
t0 = time.perf_counter()
plan = sys.argv[1] or None
res = read_dataset(plan, sys.argv[2:])
print(json.dumps({"seconds": time.perf_counter() - t0, "ok": res.ok,
                  "problems": [[p.severity, p.file, p.sheet, p.cell, p.message] for p in res.report.problems]}))
"""


def _read_in_child(plan, budgets) -> dict:
    """Read in a child process capped at 1.5 GB of address space: a reader that tried to allocate the
    whole sheet would fail there (or abort), not take the test run down."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    before = _digest(([plan] if plan else []) + list(budgets))
    out = subprocess.run([sys.executable, "-c", CHILD, str(plan or ""), *map(str, budgets)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert _digest(([plan] if plan else []) + list(budgets)) == before
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_stray_cell_at_xfd1048576_is_refused_naming_it(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Line Items"
    for row in _rows(["General", "Fire", "Ops", "Commodities", 20, 30]):
        ws.append(row)
    ws["XFD1048576"] = 5  # the mis-click Excel saves
    path = tmp_path / "police.xlsx"
    wb.save(path)
    got = _read_in_child(None, [path])
    assert not got["ok"] and got["seconds"] < 20
    (err,) = [p for p in got["problems"] if p[0] == "error"]
    _sev, file, sheet, cell, message = err
    assert (file, sheet, cell) == ("police.xlsx", "Line Items", "XFD1048576")
    assert "XFD1048576" in message and "A1:F3" in message and "one block" in message
    assert "17,179,869,184 cells" in message


def test_stray_cell_at_az1048576_is_refused_fast(tmp_path):
    import xlsxwriter

    path = tmp_path / "fire.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Line Items")
    for r, row in enumerate(_rows()):
        ws.write_row(r, 0, row)
    ws.write("AZ1048576", "x")
    wb.close()
    got = _read_in_child(None, [path])
    assert got["seconds"] < 10
    errs = [p for p in got["problems"] if p[0] == "error"]
    assert [(e[2], e[3]) for e in errs] == [("Line Items", "AZ1048576")]
    assert "A1:AZ1048576" in errs[0][4] and "A1:F2" in errs[0][4]


def test_stray_cell_in_a_plan_sheet_names_plan_sheet_and_cell(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in PLAN_SHEETS.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb["Goals"]["ZZ900000"] = "oops"
    plan = tmp_path / "plan.xlsx"
    wb.save(plan)
    budget = write_xlsx(tmp_path / "b.xlsx", BUDGET_SHEETS)
    got = _read_in_child(plan, [budget])
    errs = [p for p in got["problems"] if p[0] == "error"]
    assert [(e[1], e[2], e[3]) for e in errs] == [("plan.xlsx", "Goals", "ZZ900000")]


def test_density_rule_reads_a_dense_sheet_and_refuses_a_sparse_one(tmp_path, monkeypatch):
    """The same rule at a small scale: a grid above the scan size is read when it is dense."""
    monkeypatch.setattr(sheet_xml, "SCAN_ABOVE_CELLS", 50)
    dense = [HEADER] + [["General", "Police", f"P{i}", "Commodities", i, 2 * i] for i in range(30)]
    ok = _read(None, [write_xlsx(tmp_path / "dense.xlsx", {"Line Items": dense})])
    assert ok.report.ok and len(ok.dataset.budget.line_items) == 30
    assert ok.dataset.budget.amounts[(2027, "Requested")].sum() == 2 * sum(range(30))
    sparse = _rows() + [[None] * 6] * 400 + [[None] * 6 + ["stray"]]
    bad = _read(None, [write_xlsx(tmp_path / "sparse.xlsx", {"Line Items": sparse})])
    assert set(_errors(bad)) == {("Line Items", "G403")}


def test_sheet_without_dimension_is_still_measured(tmp_path, monkeypatch):
    monkeypatch.setattr(sheet_xml, "SCAN_ABOVE_CELLS", 50)
    src = write_xlsx(tmp_path / "src.xlsx", {"Line Items": _rows() + [[None] * 6] * 400 + [[None] * 6 + [1]]})
    path = tmp_path / "nodim.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                start = data.index(b"<dimension")
                data = data[:start] + data[data.index(b"/>", start) + 2:]
                assert b"<dimension" not in data
            zout.writestr(info, data)
    assert set(_errors(_read(None, [path]))) == {("Line Items", "G403")}


# -- 2. header typos, class typos and a city's own class -----------------------------------------

def test_header_typos_are_errors_that_say_did_you_mean(tmp_path):
    rows = [["Fund", "Department", "Program", "Acount class", "FY2026 Adopted", "FY2027 Reqested"],
            ["General", "Police", "Patrol", "Commodities", 1000, 1100]]
    errs = _errors(_read(None, [write_xlsx(tmp_path / "d.xlsx", {"Line Items": rows})]))
    assert errs[("Line Items", "D1")].startswith("the header 'Acount class' is not a column of Line Items; "
                                                  "did you mean 'Account class'?")
    assert "did you mean 'FY2027 Requested'?" in errs[("Line Items", "F1")]
    assert len(errs) == 2


def test_plan_and_requests_header_typos(tmp_path):
    plan_sheets = {k: [list(r) for r in v] for k, v in PLAN_SHEETS.items()}
    plan_sheets["Drivers"][0][5] = "Max efect %"
    plan_sheets["Revenue"][0][4] = "FY2026 Adoptd"
    budget = {k: [list(r) for r in v] for k, v in BUDGET_SHEETS.items()}
    budget["Requests"][0][9] = "Cots FY2028"
    res = _read(write_xlsx(tmp_path / "plan.xlsx", plan_sheets), [write_xlsx(tmp_path / "b.xlsx", budget)])
    errs = _errors(res)
    assert "did you mean 'Max effect %'?" in errs[("Drivers", "F1")]
    assert "did you mean 'FY2026 Adopted'?" in errs[("Revenue", "E1")]
    assert "did you mean 'Cost FY2028'?" in errs[("Requests", "J1")]


def test_required_column_typo_is_named_in_the_no_header_message(tmp_path):
    rows = [["Fund", "Departmnet", "Program", "FY2026 Adopted"], ["General", "Police", "Patrol", 1]]
    (msg,) = _errors(_read(None, [write_xlsx(tmp_path / "d.xlsx", {"Line Items": rows})])).values()
    assert "did you mean 'Department' for 'Departmnet' (B1)?" in msg


def test_distinct_names_are_not_taken_for_typos(tmp_path):
    """Legitimate extra columns near a known name: only the usual 'columns ignored' warning."""
    rows = [["Fund", "Fund No", "Department", "Department ID", "Program", "Activity ID", "Notes", "Funds",
             "Account class", "FY2026 Adopted", "FY2026 Estimate", "FY2027 Requested"],
            ["General", "100", "Police", "D1", "Patrol", "A1", "x", "y", "Commodities", 1000, 990, 1100]]
    res = _read(None, [write_xlsx(tmp_path / "d.xlsx", {"Line Items": rows})])
    assert res.report.ok, res.report.to_text()
    (w,) = [p for p in res.report.warnings if "columns ignored" in p.message]
    for h in ("Fund No", "Department ID", "Activity ID", "Notes", "Funds", "FY2026 Estimate"):
        assert h in w.message
    assert res.dataset.budget.amounts[(2027, "Requested")].sum() == 1100


def test_an_import_mapping_is_exempt_from_header_typos(tmp_path):
    rows = [["Dept", "Unit", "Acount class", "AMT"], ["Police", "Patrol", "x", "1,000"]]
    path = write_xlsx(tmp_path / "elsewhere.xlsx", {"Sheet1": rows})
    m = {"table": "line_items", "columns": {"department": "Dept", "program": "Unit"},
         "constants": {"fund": "General", "fiscal_year": 2026, "phase": "Adopted"}, "amount": "AMT"}
    res = _read(None, [path], mappings=[m])
    assert res.report.ok, res.report.to_text()
    assert res.dataset.budget.amounts[(2026, "Adopted")].sum() == 1000


def test_misspelt_account_class_is_an_error_that_says_did_you_mean(tmp_path):
    rows = _rows(["General", "Police", "Patrol", "Personel Services", 5, 6],
                 ["General", "Police", "Patrol", "Salries", 5, 6])
    errs = _errors(_read(None, [write_xlsx(tmp_path / "d.xlsx", {"Line Items": rows})]))
    assert "'Personel Services'" in errs[("Line Items", "D3")]
    assert "did you mean 'Personnel Services'?" in errs[("Line Items", "D3")]
    assert "did you mean 'Salaries' (the class Personnel Services)?" in errs[("Line Items", "D4")]


def test_a_citys_own_class_is_kept_with_its_growth(tmp_path):
    from kcplanner.engine import evaluate, prepare
    from kcplanner.scenario import Scenario

    budget = {k: [list(r) for r in v] for k, v in BUDGET_SHEETS.items()}
    budget["Line Items"].append(["General", "Police", "Patrol", "Pass-through", "Pass Through Payments", "Y",
                                 None, 1000, None])
    budget["Line Items"].append(["General", "Police", "Patrol", "Furniture", "Furniture", "Y", None, 50, None])
    plan_sheets = {k: [list(r) for r in v] for k, v in PLAN_SHEETS.items()}
    plan_sheets["Assumptions"].append(["pass through payments", 0.10, "5%"])
    res = _read(write_xlsx(tmp_path / "plan.xlsx", plan_sheets), [write_xlsx(tmp_path / "b.xlsx", budget)])
    assert res.report.ok, res.report.to_text()
    li = res.dataset.budget.line_items
    own = list(li["account_class"].astype(str)).index("Pass Through Payments")
    assert res.dataset.plan.assumptions.loc["pass through payments", 2027] == pytest.approx(0.10)
    # the class with no Assumptions row: growth 0, and a warning naming it
    (w,) = [p for p in res.report.warnings if "class of its own" in p.message]
    assert "'Furniture'" in w.message and "growth is 0" in w.message and w.file == "b.xlsx"
    base, _ = evaluate(prepare(res.dataset), Scenario("s")).line_amounts()
    assert base[own, 0] == pytest.approx(1000 * 1.10) and base[own, 1] == pytest.approx(1000 * 1.10 * 1.05)
    furniture = list(li["account_class"].astype(str)).index("Furniture")
    assert base[furniture, 0] == pytest.approx(50.0) and base[furniture, 1] == pytest.approx(50.0)


# -- 3. merged header cells -----------------------------------------------------------------------

def _merged_book(path, data_cols):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Line Items")
    ws.write(0, 0, "Police budget")
    ws.write_row(3, 0, ["Fund", "Department", "Program", "Account class", "FY2026 Adopted"])
    ws.merge_range("F4:G4", "FY2027 Requested")
    for r, (adopted, f, g) in enumerate(data_cols):
        ws.write_row(4 + r, 0, ["General", "Police", f"P{r}", "Commodities", adopted])
        if f is not None:
            ws.write(4 + r, 5, f)
        if g is not None:
            ws.write(4 + r, 6, g)
    wb.close()
    return path


def test_merged_header_heads_the_column_that_holds_the_data(tmp_path):
    # Excel users widen a header by merging it over an empty neighbour; the data sit under either cell
    res = _read(None, [_merged_book(tmp_path / "a.xlsx", [(100, None, 110), (200, None, 220)])])
    assert res.report.ok, res.report.to_text()
    assert list(res.dataset.budget.amounts[(2027, "Requested")]) == [110.0, 220.0]
    res = _read(None, [_merged_book(tmp_path / "b.xlsx", [(100, 7, None)])])
    assert list(res.dataset.budget.amounts[(2027, "Requested")]) == [7.0]


def test_merged_header_over_two_columns_of_data_is_an_error(tmp_path):
    errs = _errors(_read(None, [_merged_book(tmp_path / "c.xlsx", [(100, 1, 2)])]))
    msg = errs[("Line Items", "F4:G4")]
    assert "merged" in msg and "'FY2027 Requested'" in msg and "F, G" in msg


# -- 4. formulas saved without a result -------------------------------------------------------------

def _formula_book(path, rows):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Line Items"
    for row in rows:
        ws.append(row)
    wb.save(path)
    with zipfile.ZipFile(path) as z:  # openpyxl stores no result: the case of the issue
        xml = z.read("xl/worksheets/sheet1.xml")
    assert b"<f>" in xml and b"<v />" in xml
    return path


def test_simple_formulas_without_a_saved_result_are_computed(tmp_path):
    rows = [HEADER,
            ["General", "Police", "Patrol", "Commodities", 100, "=E2*1.05"],
            ["General", "Police", "Traffic", "Commodities", 200, "=SUM(E2:E3)+(F2-5)/2"],
            ["General", "Fire", "Ops", "Commodities", "=-(2+3)*4/8", "=$F$3+10%"],
            ["General", "Fire", "EMS", "Commodities", "=SUM(E2,E3,1.5)", "=SUM(A2:B3)"]]
    res = _read(None, [_formula_book(tmp_path / "f.xlsx", rows)])
    assert res.report.ok, res.report.to_text()
    am = res.dataset.budget.amounts
    f2 = 100 * 1.05
    f3 = (100 + 200) + (f2 - 5) / 2
    assert list(am[(2026, "Adopted")]) == pytest.approx([100, 200, -(2 + 3) * 4 / 8, 100 + 200 + 1.5])
    assert list(am[(2027, "Requested")]) == pytest.approx([f2, f3, f3 + 0.10, 0.0])


def test_formulas_that_cannot_be_computed_are_errors_with_their_cell(tmp_path):
    rows = [HEADER,
            ["General", "Police", "Patrol", "Commodities", 100, "=VLOOKUP(A2,B:C,2,FALSE)"],
            ["General", "Police", "Traffic", "Commodities", 200, "=1/0"],
            ["General", '=A2&"x"', "Ops", "Commodities", 300, "=Rates!B2*E4"],
            ["General", "Fire", "EMS", "Commodities", 400, "=B4+1"]]
    errs = _errors(_read(None, [_formula_book(tmp_path / "f.xlsx", rows)]))
    assert set(errs) == {("Line Items", c) for c in ("F2", "F3", "B4", "F4", "F5")}
    assert "found the formula =VLOOKUP(A2,B:C,2,FALSE) saved without its result" in errs[("Line Items", "F2")]
    assert "the function VLOOKUP is not computed" in errs[("Line Items", "F2")]
    assert "divides by zero" in errs[("Line Items", "F3")]
    assert errs[("Line Items", "B4")].startswith('expected a department, found the formula =A2&"x"')
    assert "another sheet" in errs[("Line Items", "F4")]
    assert "B4" in errs[("Line Items", "F5")] and "open the file in Excel and save it" in errs[("Line Items", "F5")]


# -- 5. absurd figures ------------------------------------------------------------------------------

def test_absurd_budget_figures_are_errors_with_their_cells(tmp_path):
    budget = {k: [list(r) for r in v] for k, v in BUDGET_SHEETS.items()}
    budget["Line Items"][3][7] = 1e308
    budget["Line Items"][4][6] = "-20,000,000,000,000"
    budget["Positions"][1][3] = -50
    budget["Positions"][2][3] = 1e12
    budget["Requests"][1][8] = 1e300
    errs = _errors(_read(None, [write_xlsx(tmp_path / "b.xlsx", budget)]))
    assert errs[("Line Items", "H4")] == ("expected an amount between -10,000,000,000,000 and "
                                          "10,000,000,000,000, found 1e+308")
    assert "found -20,000,000,000,000" in errs[("Line Items", "G5")]
    assert errs[("Positions", "D2")] == "expected a number of FTE from 0 to 1,000,000, found -50"
    assert errs[("Positions", "D3")] == "expected a number of FTE from 0 to 1,000,000, found 1,000,000,000,000"
    assert "found 1e+300" in errs[("Requests", "I2")]
    assert len(errs) == 5


def test_absurd_plan_figures_are_errors_with_their_cells(tmp_path):
    plan = {k: [list(r) for r in v] for k, v in PLAN_SHEETS.items()}
    plan["Goals"][1][2] = -1  # weight (objective O1 refers to G1: not a second error)
    plan["KPIs"][1][7] = "1000000000%"  # trend
    plan["Drivers"][1][3] = 1e9  # elasticity
    plan["Revenue"][1][6] = 1e9  # Growth % (percent points)
    plan["Assumptions"][1][1] = "-150%"
    plan["Funds"][1][3] = -50  # Reserve floor % (percent points)
    report = ValidationReport()
    path = write_xlsx(tmp_path / "plan.xlsx", plan)
    before = _digest([path])
    read_plan(path, report)
    assert _digest([path]) == before
    errs = {(e.sheet, e.cell): e.message for e in report.errors}
    assert errs == {
        ("Goals", "C2"): "expected a weight from 0 to 1,000,000, found -1",
        ("KPIs", "H2"): "expected a trend from -100% to 1,000%, found 1,000,000,000%",
        ("Drivers", "D2"): "expected an elasticity between -100 and 100, found 1,000,000,000",
        ("Revenue", "G2"): "expected a growth rate from -100% to 1,000%, found 1,000,000,000%",
        ("Assumptions", "B2"): "expected a growth rate from -100% to 1,000%, found -150%",
        ("Funds", "D2"): "expected a reserve share of spending from 0% to 1,000%, found -50%",
    }


def test_absurd_amount_in_a_mapped_file_is_an_error(tmp_path):
    rows = [["Dept", "Unit", "AMT"], ["Police", "Patrol", "1,000"], ["Fire", "Ops", 1e308]]
    path = write_xlsx(tmp_path / "elsewhere.xlsx", {"Sheet1": rows})
    m = {"table": "line_items", "columns": {"department": "Dept", "program": "Unit"},
         "constants": {"fund": "General", "fiscal_year": 2026, "phase": "Adopted"}, "amount": "AMT"}
    errs = _errors(_read(None, [path], mappings=[m]))
    assert errs == {("Sheet1", "C3"): "expected an amount between -10,000,000,000,000 and 10,000,000,000,000, "
                                      "found 1e+308"}


def test_large_but_plausible_figures_are_read(tmp_path):
    rows = _rows(["General", "Water", "Plant", "Capital Outlay", 9.9e12, "(9,000,000,000,000)"])
    res = _read(None, [write_xlsx(tmp_path / "d.xlsx", {"Line Items": rows})])
    assert res.report.ok, res.report.to_text()
    assert res.dataset.budget.amounts[(2026, "Adopted")].sum() == 1000 + 9.9e12
    assert np.isfinite(res.dataset.budget.amounts.to_numpy(dtype=float)).all()


# -- 6. a folder named like a workbook --------------------------------------------------------------

def test_a_folder_named_like_a_workbook_is_named_in_the_error(tmp_path):
    folder = tmp_path / "police.xlsx"
    folder.mkdir()
    (e,) = _read(None, [folder]).report.errors
    assert e.file == "police.xlsx" and str(folder) in e.message
    assert "is a folder with no workbooks in it" in e.message and "no budget workbook given" not in e.message


def test_a_folder_named_like_a_workbook_with_workbooks_is_read_as_a_folder(tmp_path):
    folder = tmp_path / "police.xlsx"
    folder.mkdir()
    write_xlsx(folder / "patrol.xlsx", {"Line Items": _rows()})
    res = _read(None, [folder])
    assert res.report.ok and res.dataset.budget.amounts[(2027, "Requested")].sum() == 1100

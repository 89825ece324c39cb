"""Actuals, Revenue Actuals and KPI Actuals (SPEC, "Actuals and KPI actuals"): every period form, each bad
input with its message, cell and row accounting, a GL export through a mapping, the project round trip."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kcplanner.readers import read_dataset

from . import conftest
from .conftest import BUDGET_SHEETS, PLAN_SHEETS, write_csv

ACT_HEAD = ["Fund", "Department", "Program", "Account", "Account class", "Period", "Amount"]
REV_HEAD = ["Fund", "Source", "Period", "Amount"]


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    """Like conftest.write_xlsx, with date cells formatted as dates (as Excel stores a typed date)."""
    return conftest.write_xlsx(path, sheets, default_date_format="yyyy-mm-dd")


def _hash(paths) -> dict:
    files = [f for p in paths for f in (sorted(Path(p).iterdir()) if Path(p).is_dir() else [Path(p)])]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _read(tmp_path, actual_sheets=None, plan_extra=None, actuals=None, mappings=None, budget_sheets=None):
    plan = write_xlsx(tmp_path / "plan.xlsx", {**PLAN_SHEETS, **(plan_extra or {})})
    budget = write_xlsx(tmp_path / "police.xlsx", {**(budget_sheets or BUDGET_SHEETS), **(actual_sheets or {})})
    files = [plan, budget] + [Path(a) for a in actuals or []]
    before = _hash(files)
    res = read_dataset(plan, [budget], mappings, actuals=actuals)
    assert _hash(files) == before, "an input file was written to"
    for c in res.report.rows:
        assert c.balanced, c
    return res


def _count(res, sheet):
    return next(c for c in res.report.rows if c.sheet == sheet)


def _errors(res):
    assert res.dataset is None
    return res.report.errors


# -- periods -------------------------------------------------------------------------------------

def test_every_period_form_in_a_department_workbook(tmp_path):
    rows = [ACT_HEAD,
            ["General", "Police", "Patrol", "5110 Salaries", "Personnel Services", "FY2027 Q2", "$1,000.50"],
            ["General", "Police", "Patrol", "5110 Salaries", "Personnel Services", "FY2027 P01", "(20)"],
            ["General", "Police", "Patrol", "5110 Salaries", "Personnel Services", "FY 2027 M07", " 1 234 "],
            ["General", "Police", "Investigations", "Overtime", "Personnel Services", "FY2026", -5],
            ["General", "Police", "Investigations", "Overtime", "Personnel Services", dt.date(2026, 5, 15), 7],
            ["General", "Police", "Investigations", "Overtime", "Personnel Services", "2027-04-30", 8],
            [None] * 7,
            ["Total", None, None, None, None, None, 99]]
    res = _read(tmp_path, {"Actuals": rows})
    assert res.ok, res.report.to_text()
    a = res.dataset.budget.actuals
    got = list(zip(a["fiscal_year"], a["first_month"], a["last_month"], a["period_kind"], a["amount"]))
    assert got == [(2027, 4, 6, "quarter", 1000.5), (2027, 1, 1, "month", -20.0), (2027, 7, 7, "month", 1234.0),
                   (2026, 1, 12, "year", -5.0), (2027, 1, 1, "month", 7.0), (2027, 12, 12, "month", 8.0)]
    assert list(a["source_row"]) == [2, 3, 4, 5, 6, 7]
    c = _count(res, "Actuals")
    assert (c.read, c.imported, dict(c.excluded)) == (8, 6, {"blank row": 1, "subtotal row": 1})


def test_bad_periods_and_month_13(tmp_path):
    rows = [ACT_HEAD,
            ["General", "Police", "Patrol", "A", "Commodities", "FY2027 P13", 1],
            ["General", "Police", "Patrol", "A", "Commodities", "next spring", 1],
            ["General", "Police", "Patrol", "A", "Commodities", "FY2027 Q5", 1],
            ["General", "Police", "Patrol", "A", "Commodities", None, 1],
            ["General", "Police", "Patrol", "A", "Commodities", "FY2027 P02", 1]]
    res = _read(tmp_path, {"Actuals": rows})
    errs = {e.cell: e.message for e in _errors(res)}
    assert "fiscal month 13 is not a month of the year" in errs["F2"]
    assert "'next spring' names no fiscal year" in errs["F3"] and "FY2027 Q2" in errs["F3"]
    assert "quarter 5" in errs["F4"]
    assert "found a blank cell" in errs["F5"]
    assert all(e.file == "police.xlsx" and e.sheet == "Actuals" for e in res.report.errors)
    c = _count(res, "Actuals")
    assert (c.read, c.imported, c.excluded["row with errors"]) == (5, 1, 4)


def test_unknown_fund_department_program(tmp_path):
    rows = [ACT_HEAD,
            ["Sewer", "Police", "Patrol", "A", "Commodities", "FY2027 P01", 1],
            ["General", "Fire", "Patrol", "A", "Commodities", "FY2027 P01", 1],
            ["General", "Police", "Streets", "A", "Commodities", "FY2027 P01", 1],
            [" general ", "POLICE", "patrol", "A", "Commodities", "FY2027 P01", 1]]
    res = _read(tmp_path, {"Actuals": rows})
    errs = {e.cell: e.message for e in _errors(res)}
    assert "unknown fund 'Sewer'" in errs["A2"]
    assert "unknown department 'Fire'" in errs["B3"]
    assert "'Streets', which is not a program of 'Police'" in errs["C4"]
    assert len(errs) == 3
    c = _count(res, "Actuals")
    assert (c.read, c.imported, c.excluded["row with errors"]) == (4, 1, 3)


def test_month_given_twice_names_both_cells(tmp_path):
    rows = [ACT_HEAD,
            ["General", "Police", "Patrol", "5110 Salaries", "Personnel Services", "FY2027 P01", 10],
            ["General", "Police", "Patrol", "5110 Salaries", "Personnel Services", "FY2027 P02", 10],
            ["General", "Police", "Patrol", "5110 salaries", "Personnel Services", "FY2027 Q1", 30],
            ["General", "Police", "Patrol", "Other acct", "Personnel Services", "FY2027 P01", 5]]
    res = _read(tmp_path, {"Actuals": rows})
    errs = _errors(res)
    assert len(errs) == 1, res.report.to_text()
    e = errs[0]
    assert e.cell == "F4" and "given twice" in e.message and "F2" in e.message and "police.xlsx" in e.message
    c = _count(res, "Actuals")
    assert (c.imported, c.excluded["row with errors"]) == (3, 1)


def test_postings_by_date_may_repeat_a_month_a_period_may_not(tmp_path):
    rows = [ACT_HEAD,
            ["General", "Police", "Patrol", "A", "Commodities", "2026-05-03", 1],
            ["General", "Police", "Patrol", "A", "Commodities", dt.date(2026, 5, 20), 2],
            ["General", "Police", "Patrol", "A", "Commodities", "FY2027 P02", 3],
            ["General", "Police", "Patrol", "A", "Commodities", "2026-06-09", 4]]
    res = _read(tmp_path, {"Actuals": rows})
    errs = _errors(res)
    assert [(e.cell, "F4" in e.message) for e in errs] == [("F5", True)], res.report.to_text()
    ok = _read(tmp_path, {"Actuals": rows[:3]})
    assert ok.ok and list(ok.dataset.budget.actuals["amount"]) == [1.0, 2.0]


def test_class_from_the_line_item_and_names_respelt(tmp_path):
    rows = [["Fund", "Dept", "Division", "Account", "Date", "Actual amount"],
            ["GENERAL", "police", "PATROL", "5110 Salaries", "2026-06-01", 10],
            ["General", "Police", "Patrol", "Unknown acct", "2026-06-01", 3]]
    res = _read(tmp_path, {"Actuals": rows})
    assert res.ok, res.report.to_text()
    a = res.dataset.budget.actuals
    assert list(a["account_class"]) == ["Personnel Services", "Other"]
    assert list(a["fund"].astype(str)) == ["General", "General"] and list(a["program"].astype(str)) == ["Patrol"] * 2
    assert list(a["last_month"]) == [2, 2]


def test_header_typo_says_did_you_mean(tmp_path):
    rows = [["Fund", "Department", "Program", "Acount class", "Period", "Amount"],
            ["General", "Police", "Patrol", "Commodities", "FY2027 P01", 1]]
    res = _read(tmp_path, {"Actuals": rows})
    errs = _errors(res)
    assert any(e.cell == "D1" and "did you mean 'Account class'" in e.message for e in errs), res.report.to_text()


def test_bad_amount_and_out_of_bounds(tmp_path):
    rows = [ACT_HEAD, ["General", "Police", "Patrol", "A", "Commodities", "FY2027 P01", "ten"],
            ["General", "Police", "Patrol", "A", "Commodities", "FY2027 P02", 1e300],
            ["General", "Police", "Patrol", "A", "Commodities", "FY2027 P03", None]]
    res = _read(tmp_path, {"Actuals": rows})
    errs = {e.cell: e.message for e in _errors(res)}
    assert "expected an amount, found 'ten'" in errs["G2"]
    assert "G3" in errs and "G4" in errs and "blank" in errs["G4"]


# -- revenue actuals ------------------------------------------------------------------------------

def test_revenue_actuals_and_unknown_source(tmp_path):
    rows = [REV_HEAD, ["General", "property TAX", "FY2027 Q1", 300], ["General", "Parking", "FY2027 Q1", 5],
            ["General", "Property tax", "FY2027 P02", 100]]
    res = _read(tmp_path, {"Revenue Actuals": rows})
    errs = {e.cell: e.message for e in _errors(res)}
    assert "unknown source 'Parking'" in errs["B3"]
    assert "given twice" in errs["C4"] and "C2" in errs["C4"]
    c = _count(res, "Revenue Actuals")
    assert (c.read, c.imported, c.excluded["row with errors"]) == (3, 1, 2)

    ok = _read(tmp_path, {"Revenue Actuals": rows[:2]})
    assert ok.ok, ok.report.to_text()
    ra = ok.dataset.budget.revenue_actuals
    assert list(ra["source"].astype(str)) == ["Property tax"] and list(ra["amount"]) == [300.0]


# -- files of their own (--actuals) ---------------------------------------------------------------

def test_actuals_csvs_recognised_by_columns_and_folders(tmp_path):
    folder = tmp_path / "actuals"
    folder.mkdir()
    write_csv(folder / "spend.csv", [ACT_HEAD, ["General", "Police", "Patrol", "A", "Commodities", "FY2027 P01", 4]])
    write_csv(folder / "collections.csv", [REV_HEAD, ["General", "Grant", "FY2027 Q1", 9]])
    write_xlsx(folder / "gl.xlsx", {"Export": [["GL export"], ACT_HEAD,
                                              ["General", "Police", "Investigations", "B", None, "FY2027 P03", 2]]})
    res = _read(tmp_path, actuals=[folder])
    assert res.ok, res.report.to_text()
    assert sorted(res.dataset.budget.actuals["amount"]) == [2.0, 4.0]
    assert list(res.dataset.budget.revenue_actuals["amount"]) == [9.0]
    assert any("spend.csv" in s for s in res.dataset.sources)


def test_actuals_file_without_actuals(tmp_path):
    p = write_csv(tmp_path / "notes.csv", [["Hello", "World"], [1, 2]])
    res = _read(tmp_path, actuals=[p])
    errs = _errors(res)
    assert len(errs) == 1 and errs[0].file == "notes.csv" and "holds no actuals" in errs[0].message
    assert "Fund (or Fund name, Fund code)" in errs[0].message


# -- KPI actuals ----------------------------------------------------------------------------------

def test_kpi_actuals_history_and_unknown_kpi(tmp_path):
    ka = [["KPI ID", "Period", "Value"], ["k1", "FY2026", 9.1], ["K1", "FY2027 Q1", 8.8], ["K9", "FY2027 Q1", 1],
          ["K1", "FY2027 Q1", 8.7]]
    res = _read(tmp_path, plan_extra={"KPI Actuals": ka})
    errs = {e.cell: e.message for e in _errors(res)}
    assert e_file(res) == {"plan.xlsx"}
    assert "unknown KPI 'K9'" in errs["A4"]
    assert "given twice" in errs["B5"] and "B3" in errs["B5"]
    ok = _read(tmp_path, plan_extra={"KPI Actuals": ka[:3]})
    assert ok.ok, ok.report.to_text()
    plan = ok.dataset.plan
    assert list(plan.kpi_actuals["kpi_id"]) == ["K1", "K1"] and list(plan.kpi_actuals["value"]) == [9.1, 8.8]
    h = plan.kpi_history
    assert list(zip(h["kpi_id"], h["fiscal_year"], h["value"])) == [("K1", 2026, 9.1)]


def e_file(res):
    return {e.file for e in res.report.errors}


# -- import mappings: a general-ledger export ------------------------------------------------------

def test_gl_export_through_a_mapping(tmp_path):
    rng = np.random.default_rng(7)
    n = 400
    progs = [("Police", "Patrol", "5110 Salaries"), ("Police", "Investigations", "Overtime"),
             ("Public Works", "Streets", "Asphalt")]
    pick = rng.integers(0, 3, n)
    day0 = dt.date(2026, 5, 1)
    rows = [["Date", "Fund", "Dept", "Division", "Object", "Amount"]]
    for k in range(n):
        d, p, o = progs[pick[k]]
        rows.append([(day0 + dt.timedelta(days=int(k * 0.9))).isoformat(), "General", d, p, o,
                     f"{rng.uniform(-50, 5000):,.2f}"])
    rows.append(["", "Grand Total", "", "", "", "1"])
    gl = write_csv(tmp_path / "gl_export.csv", rows)
    mapping = {"table": "actuals", "files": "gl_*",
               "columns": {"fund": "Fund", "department": "Dept", "program": "Division", "account": "Object",
                           "period": "Date"}, "amount": "Amount"}
    res = _read(tmp_path, actuals=[gl], mappings=[mapping])
    assert res.ok, res.report.to_text()
    a = res.dataset.budget.actuals
    raw = pd.read_csv(gl, dtype=str)
    raw = raw[raw["Fund"] != "Grand Total"]
    expected = raw["Amount"].str.replace(",", "").astype(float)
    assert a["amount"].sum() == pytest.approx(expected.sum(), abs=0.005)
    months = pd.to_datetime(raw["Date"]).dt.month
    fiscal = (months - 5) % 12 + 1
    by_month = expected.groupby(fiscal.to_numpy()).sum()
    got = a.groupby("first_month")["amount"].sum()
    assert np.allclose(got.sort_index().to_numpy(), by_month.sort_index().to_numpy())
    c = _count(res, "gl_export")
    assert (c.read, c.imported, c.excluded["subtotal row"]) == (n + 1, n, 1)


def test_mapping_for_kpi_and_revenue_actuals_and_bad_mapping(tmp_path):
    kp = write_csv(tmp_path / "kpi_export.csv", [["Measure", "When", "Result"], ["K2", "FY2027 Q1", 104],
                                                 ["K7", "FY2027 Q1", 1]])
    km = {"table": "kpi_actuals", "files": "kpi_*", "columns": {"kpi_id": "Measure", "period": "When"},
          "amount": "Result"}
    res = _read(tmp_path, actuals=[kp], mappings=[km])
    errs = _errors(res)
    assert [(e.file, e.cell) for e in errs] == [("kpi_export.csv", "A3")] and "unknown KPI 'K7'" in errs[0].message
    rv = write_csv(tmp_path / "rev_gl.csv", [["Fnd", "Revenue", "Amt"], ["General", "Grant", 12]])
    rm = {"table": "revenue_actuals", "files": "rev_*", "columns": {"fund": "Fnd", "source": "Revenue"},
          "constants": {"period": "FY2027 Q2"}, "amount": "Amt"}
    ok = _read(tmp_path, actuals=[rv], mappings=[rm])
    assert ok.ok, ok.report.to_text()
    ra = ok.dataset.budget.revenue_actuals
    assert list(zip(ra["fiscal_year"], ra["first_month"], ra["last_month"], ra["amount"])) == [(2027, 4, 6, 12.0)]
    bad = _read(tmp_path, actuals=[rv], mappings=[{**rm, "constants": {}}])
    assert any("the field period" in e.message for e in _errors(bad))


# -- the project keeps them -----------------------------------------------------------------------

def test_project_round_trip(tmp_path):
    from kcplanner.project import Project

    rows = [ACT_HEAD, ["General", "Police", "Patrol", "A", "Commodities", "FY2027 Q1", 4]]
    res = _read(tmp_path, {"Actuals": rows, "Revenue Actuals": [REV_HEAD, ["General", "Grant", "FY2027 P03", 9]]},
                plan_extra={"KPI Actuals": [["KPI ID", "Period", "Value"], ["K1", "FY2027 Q1", 8.8]]})
    assert res.ok, res.report.to_text()
    path = tmp_path / "city.kcplan"
    project = _save_project(path, res.dataset)
    del project
    ds = _open_project(path)
    for got, want in ((ds.budget.actuals, res.dataset.budget.actuals),
                      (ds.budget.revenue_actuals, res.dataset.budget.revenue_actuals),
                      (ds.plan.kpi_actuals, res.dataset.plan.kpi_actuals)):
        assert len(got) == 1
        pd.testing.assert_frame_equal(got.astype(object).reset_index(drop=True),
                                      want.astype(object).reset_index(drop=True), check_dtype=False)
    _ = Project


def _save_project(path, dataset):
    from kcplanner.project import Project

    p = Project.create(path, dataset)
    p.close()
    return p


def _open_project(path):
    from kcplanner.project import Project

    p = Project.open(path)
    try:
        return p.dataset
    finally:
        p.close()


def test_json_of_a_mapping_round_trips(tmp_path):
    from kcplanner.readers import load_mapping, save_mapping
    from kcplanner.readers.mapping import mapping_from_dict

    m = mapping_from_dict({"table": "actuals", "columns": {"fund": "F", "department": "D", "program": "P",
                                                           "period": "Date"}, "amount": "Amount"})
    save_mapping(m, tmp_path / "gl.json")
    assert load_mapping(tmp_path / "gl.json").to_dict() == m.to_dict()
    assert json.loads((tmp_path / "gl.json").read_text())["table"] == "actuals"


# -- the command line -----------------------------------------------------------------------------

def test_cli_actuals_option(tmp_path, capsys):
    from kcplanner.cli import main

    plan = write_xlsx(tmp_path / "plan.xlsx", PLAN_SHEETS)
    budget = write_xlsx(tmp_path / "police.xlsx", BUDGET_SHEETS)
    good = write_csv(tmp_path / "act.csv", [ACT_HEAD, ["General", "Police", "Patrol", "A", "Commodities", "FY2027 Q1", 4]])
    bad = write_csv(tmp_path / "bad.csv", [ACT_HEAD, ["General", "Police", "Patrol", "A", "Commodities", "FY2027 P13", 4]])
    before = _hash([plan, budget, good, bad])
    assert main(["validate", "--plan", str(plan), "--budget", str(budget), "--actuals", str(good)]) == 0
    out = capsys.readouterr()
    assert "act.csv" in out.out + out.err
    assert main(["validate", "--plan", str(plan), "--budget", str(budget), "--actuals", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.csv" in err and "F2" in err and "fiscal month 13" in err
    assert main(["validate", "--plan", str(plan), "--budget", str(budget), "--actuals", str(tmp_path / "nope.csv")]) != 0
    js = tmp_path / "out.json"
    assert main(["run", "--plan", str(plan), "--budget", str(budget), "--actuals", str(good), "--json", str(js)]) == 0
    assert _hash([plan, budget, good, bad]) == before


def test_template_has_the_actuals_sheets_the_readers_take(tmp_path):
    from kcplanner import template
    from kcplanner.readers.actuals import ACTUALS, KPI_ACTUALS, REVENUE_ACTUALS
    from kcplanner.readers.columns import norm

    plan, dept = template.write_template(tmp_path)
    for path, spec in ((dept, ACTUALS), (dept, REVENUE_ACTUALS), (plan, KPI_ACTUALS)):
        headers = list(pd.read_excel(path, sheet_name=spec.name, engine="calamine", nrows=0).columns)
        known = set().union(*(c.keys() for c in spec.columns))
        assert [h for h in headers if norm(h) not in known] == [], spec.name
        assert all({norm(h) for h in headers} & c.keys() for c in spec.required), spec.name
        notes = pd.read_excel(path, sheet_name="Notes", engine="calamine", header=None)
        assert set(headers) <= set(notes.loc[notes[0] == spec.name, 1]), spec.name
    # an empty Actuals sheet in a department workbook is no error
    res = read_dataset(None, [write_xlsx(tmp_path / "d.xlsx", {**BUDGET_SHEETS, "Actuals": [ACT_HEAD]})])
    assert res.ok and not len(res.dataset.budget.actuals), res.report.to_text()


def test_an_actuals_book_opened_beside_the_budgets(tmp_path):
    """The app's File > Open passes every workbook as a budget: an actuals book (only Actuals / Revenue
    Actuals sheets) is read for its actuals and needs no mapping."""
    from ui.common.settings import Project as Opened
    from ui.common.workers import classify, files_needing_mapping

    plan = write_xlsx(tmp_path / "plan.xlsx", PLAN_SHEETS)
    budget = write_xlsx(tmp_path / "police.xlsx", BUDGET_SHEETS)
    book = write_xlsx(tmp_path / "fy2027-actuals.xlsx", {
        "Actuals": [ACT_HEAD, ["General", "Police", "Patrol", "A", "Commodities", "FY2027 Q1", 4]],
        "Revenue Actuals": [REV_HEAD, ["General", "Grant", "FY2027 Q1", 9]]})
    opened = classify([tmp_path])
    assert opened.plan == str(plan) and str(book) in opened.budgets
    assert files_needing_mapping(Opened(opened.plan, opened.budgets)) == []
    res = read_dataset(opened.plan, list(opened.budgets))
    assert res.ok, res.report.to_text()
    assert list(res.dataset.budget.actuals["amount"]) == [4.0]
    assert list(res.dataset.budget.revenue_actuals["amount"]) == [9.0]
    assert len(res.dataset.budget.line_items) == 4 and str(budget) in res.dataset.sources


def test_actuals_csv_among_the_budgets(tmp_path):
    """A re-import (or File > Open) passes every source as a budget: an actuals CSV is recognised by its
    columns, read for its actuals, and needs no mapping."""
    from kcplanner.readers import needs_mapping

    plan = write_xlsx(tmp_path / "plan.xlsx", PLAN_SHEETS)
    budget = write_xlsx(tmp_path / "police.xlsx", BUDGET_SHEETS)
    spend = write_csv(tmp_path / "spend.csv", [ACT_HEAD,
                                               ["General", "Police", "Patrol", "A", "Commodities", "FY2027 P11", 3],
                                               ["General", "Police", "Patrol", "A", "Commodities", "FY2027 P13", 4]])
    res = read_dataset(plan, [budget, spend])
    errs = _errors(res)
    assert [(e.file, e.sheet, e.cell) for e in errs] == [("spend.csv", "spend", "F3")], res.report.to_text()
    write_csv(spend, [ACT_HEAD, ["General", "Police", "Patrol", "A", "Commodities", "FY2027 P12", 4]])
    assert not needs_mapping(spend)
    res = read_dataset(plan, [budget, spend])
    assert res.ok and list(res.dataset.budget.actuals["last_month"]) == [12], res.report.to_text()


def test_revenue_actuals_without_a_plan_are_kept_with_one_warning(tmp_path):
    """A budget-only run (no plan, so no Revenue sheet): nothing to check the sources against; the
    rows are read as given and one warning says so (with a plan, an unknown source is an error)."""
    from kcplanner.readers import read_dataset

    from .conftest import write_xlsx

    book = write_xlsx(tmp_path / "finance.xlsx", {
        "Line Items": [["Fund", "Department", "Program", "Account class", "FY2026 Adopted"],
                       ["General Fund", "Finance", "Treasury", "Personnel Services", 1000]],
        "Revenue Actuals": [["Fund", "Source", "Period", "Amount"],
                            ["General Fund", "Sales Tax", "FY2026 Q1", 250],
                            ["General Fund", "Sales Tax", "FY2026 Q2", 300]]})
    result = read_dataset(None, [book])
    assert result.report.ok, result.report.to_text()
    ra = result.dataset.budget.revenue_actuals
    assert ra["amount"].tolist() == [250.0, 300.0] and ra["last_month"].tolist() == [3, 6]
    warnings = [p.message for p in result.report.warnings]
    assert any("2 revenue actuals rows were read without checking their funds and sources" in w for w in warnings)


def test_a_budget_export_whose_period_is_the_fiscal_year_is_not_taken_for_actuals(tmp_path):
    """Among the budget files, the columns alone do not make actuals: a Period column holding only fiscal
    years (`FY2025`) is a budget export's year, so the file asks for a mapping as before; one monthly
    period makes it a ledger."""
    from kcplanner.readers import needs_mapping

    rows = [["General", "Police", "Patrol", "A", "Commodities", "FY2025", 4],
            ["General", "Police", "Patrol", "B", "Commodities", "FY2025", 5]]
    export = write_csv(tmp_path / "gl_export.csv", [ACT_HEAD] + rows)
    assert needs_mapping(export)
    write_csv(export, [ACT_HEAD] + rows + [["General", "Police", "Patrol", "C", "Commodities", "2024-09-30", 6]])
    assert not needs_mapping(export)

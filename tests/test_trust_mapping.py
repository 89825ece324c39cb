"""Issue 11, mapping suggestions: never a running total, subtotal or cumulative column as the amount
(judged by values), every candidate's total, and `kcplanner suggest-mapping`."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import numpy as np
import openpyxl
import pandas as pd
import pytest

from kcplanner.cli import main
from kcplanner.readers import read_dataset, suggest_mapping
from kcplanner.readers.amount_checks import amount_candidates, derived_columns, total_warning
from kcplanner.readers.mapping_sheet import open_sheet

from .realdata import REALDATA, require
from .warehouse import sha, warehouse_rows, write_warehouse

BOSTON_OP = REALDATA / "boston" / "fy24-adopted-operating-budget.csv"
OAKLAND = REALDATA / "oakland" / "BudgetData for Public Adopted FY2016-17 Midcycle.xlsx"
# SOURCE.txt of each folder
BOSTON_TOTALS = {"FY21 Actual Expense": "3,595,728,929.19", "FY22 Actual Expense": "3,838,631,715.68",
                 "FY23 Appropriation": "4,002,988,854.79", "FY24 Adopted": "4,279,861,717.77"}
OAKLAND_EXPENSE, OAKLAND_REVENUE = "1,239,428,331.00", "1,237,091,825.00"


def _sum(path, column) -> float:
    """The column's sum by plain pandas (independent of kcplanner's readers)."""
    return float(pd.read_csv(path)[column].sum())


def _imported_total(path, m) -> float:
    result = read_dataset(None, [path], [m])
    assert result.dataset is not None, result.report.to_text()[-1500:]
    am = result.dataset.budget.amounts
    return math.fsum(np.nan_to_num(am.to_numpy(dtype=float).ravel()))


# -- the suggestion ------------------------------------------------------------------------------------

CASES = {
    # name: (writer keywords, the derived column, words of the reason)
    "running total": (dict(running="Running Total"), "Running Total", "running total of 'Amount'"),
    "neutral name": (dict(amount="Expense", running="Total Expense"), "Total Expense", "running total of 'Expense'"),
    "per department": (dict(running=None, dept_running="Dept Amount To Date"), "Dept Amount To Date",
                       "running total of 'Amount'"),
    "subtotal on every row": (dict(running=None, dept_total="Department Amount"), "Department Amount",
                              "sum of 'Amount' per 'Department'"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_suggestion_never_proposes_a_derived_column(tmp_path, name):
    kw, derived, words = CASES[name]
    path = write_warehouse(tmp_path / "gl_detail_export_FY2025.csv", **kw)
    before = sha(path)
    amount = kw.get("amount", "Amount")
    m = suggest_mapping(path)
    assert m.amount == amount
    assert derived in m.explanations["derived"] and words in m.explanations["derived"]
    # the import's total is the amount column's, as plain pandas sums it
    assert _imported_total(path, m) == pytest.approx(_sum(path, amount), rel=1e-12)
    # and the derived column would have been far too large: the check says so, with both totals
    ratio = abs(_sum(path, derived)) / abs(_sum(path, amount))
    s, _ = open_sheet(path)
    cands = amount_candidates(s.grid(), m.header_row)
    by = {c.column: c for c in cands}
    assert by[amount].total == pytest.approx(_sum(path, amount)) and not by[amount].derived
    assert by[derived].total == pytest.approx(_sum(path, derived)) and words in by[derived].derived
    assert total_warning([amount], cands) is None
    text = total_warning([derived], cands)
    assert text is not None and f"{derived!r} does not look like an amount" in text
    if name == "running total":
        assert ratio > 1000  # a budget thousands of times too large
    assert sha(path) == before


def test_old_suggestion_shape_running_total_wins_on_names_alone(tmp_path):
    """The running total is the column with the more amount-like name and no repeated values (what the old
    suggestion scored highest): the values decide."""
    path = write_warehouse(tmp_path / "export.csv", amount="Line Value", running="Total Amount")
    assert suggest_mapping(path).amount == "Line Value"


def test_xlsx_warehouse_export_with_numbers(tmp_path):
    rows = warehouse_rows(n=3000, running="Running Total")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "GL Detail"
    ws.append(rows[0])
    for r in rows[1:]:
        ws.append(r[:-2] + [float(r[-2]), float(r[-1])])
    path = tmp_path / "warehouse FY2025 adopted.xlsx"
    wb.save(path)
    before = sha(path)
    m = suggest_mapping(path)
    assert m.amount == "Amount" and "Running Total" in m.explanations["derived"]
    expected = math.fsum(float(r[-2]) for r in rows[1:])
    assert _imported_total(path, m) == pytest.approx(expected, rel=1e-12)
    assert sha(path) == before


def test_cumulative_by_name_and_shape_without_its_source(tmp_path):
    """A `YTD Total` that never decreases is not an amount even when the column it sums is absent."""
    rows = warehouse_rows(n=400, running="YTD Total")
    path = tmp_path / "ytd.csv"
    pd.DataFrame(rows[1:], columns=rows[0]).drop(columns=["Amount"]).to_csv(path, index=False)
    m = suggest_mapping(path)
    assert m.amount is None and "YTD Total" in m.explanations["derived"]


def test_an_ordinary_pair_of_amount_columns_is_not_derived():
    """Two independent amount columns (this year, last year) and codes: nothing is derived."""
    rng = np.random.default_rng(5)
    n = 2000
    headers = ["Dept", "FY24 Adopted", "FY23 Actual", "Quantity"]
    data = np.empty((n, 4), dtype=object)
    data[:, 0] = rng.choice(["A", "B", "C"], n)
    data[:, 1] = rng.integers(1, 10_000, n).astype(float)
    data[:, 2] = rng.integers(1, 10_000, n).astype(float)
    data[:, 3] = rng.integers(0, 5, n).astype(float)
    assert derived_columns(headers, data) == {}


def test_total_warning_against_the_previous_import():
    from kcplanner.readers.amount_checks import Candidate

    cands = [Candidate("Amount", 52_000_000.0, 5000)]
    assert total_warning(["Amount"], cands, imported_total=52e6, previous_total=50e6) is None
    text = total_warning(["Amount"], cands, imported_total=52e6, previous_total=4e6)
    assert "13 times the budget loaded now (4,000,000.00)" in text


@require(BOSTON_OP, OAKLAND)
def test_real_files_have_no_derived_columns_and_their_totals_match_source():
    m = suggest_mapping(BOSTON_OP)
    assert "derived" not in m.explanations
    s, _ = open_sheet(BOSTON_OP)
    by = {c.column: c for c in amount_candidates(s.grid(), m.header_row)}
    for col, total in BOSTON_TOTALS.items():
        assert Decimal(repr(by[col].total)).quantize(Decimal("0.01")) == Decimal(total.replace(",", ""))
    m = suggest_mapping(OAKLAND)
    assert "derived" not in m.explanations and m.amount == "AMT"
    s, _ = open_sheet(OAKLAND, m.sheet)
    cands = amount_candidates(s.grid(), m.header_row)
    assert [c.column for c in cands] == ["AMT"]  # Fund, Unit and Account codes are not candidates
    both = Decimal(OAKLAND_EXPENSE.replace(",", "")) + Decimal(OAKLAND_REVENUE.replace(",", ""))
    assert cands[0].total == float(both)


# -- kcplanner suggest-mapping --------------------------------------------------------------------------

def _run(capsys, *argv):
    code = main(list(map(str, argv)))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_writes_the_dialogs_suggestion_and_prints_each_candidates_total(tmp_path, capsys):
    path = write_warehouse(tmp_path / "gl_detail_export_FY2025.csv")
    before = sha(path)
    out = tmp_path / "mapping.json"
    code, stdout, err = _run(capsys, "suggest-mapping", path, "--out", out)
    assert code == 0, err
    amount, running = _sum(path, "Amount"), _sum(path, "Running Total")
    lines = stdout.splitlines()
    row = next(ln for ln in lines if " Amount " in ln)
    assert row.startswith("*") and f"{amount:,.2f}" in row and "suggested" in row
    row = next(ln for ln in lines if "Running Total" in ln)
    assert not row.startswith("*") and f"{running:,.2f}" in row
    assert "NOT AN AMOUNT: its values are a running total of 'Amount'" in row
    imported = next(ln for ln in lines if ln.startswith("line_items"))
    assert f"{amount:,.2f}" in imported and "2025" in imported and "Adopted" in imported
    data = json.loads(out.read_text())
    assert data["amount"] == "Amount"
    assert data == suggest_mapping(path).to_dict()  # the same function as the dialog
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    # the written mapping loads and works with validate
    code, stdout, err = _run(capsys, "validate", "--budget", path, "--mapping", out)
    assert code == 0, err
    assert "imported 5177" in stdout and "0 error(s)" in stdout
    assert sha(path) == before


def test_cli_table_option(tmp_path, capsys):
    path = write_warehouse(tmp_path / "receipts.csv", n=300)
    out = tmp_path / "m.json"
    code, stdout, err = _run(capsys, "suggest-mapping", path, "--table", "revenue", "--out", out)
    assert code == 0, err
    assert json.loads(out.read_text())["table"] == "revenue"
    assert "revenue" in stdout


@pytest.mark.parametrize("argv, words", [
    (["--table", "expenses"], "--table: expected one of line_items, revenue, kpis, actuals, revenue_actuals, kpi_actuals, found 'expenses'"),
    (["--sheet", "Nope"], "has no sheet 'Nope'"),
])
def test_cli_bad_usage_exits_2(tmp_path, capsys, argv, words):
    path = write_warehouse(tmp_path / "w.csv", n=50)
    out = tmp_path / "m.json"
    code, _stdout, err = _run(capsys, "suggest-mapping", path, *argv, "--out", out)
    assert code == 2 and words in err
    assert not out.exists()


def test_cli_missing_out_is_usage(tmp_path, capsys):
    path = write_warehouse(tmp_path / "w.csv", n=50)
    with pytest.raises(SystemExit) as exc:
        main(["suggest-mapping", str(path)])
    assert exc.value.code == 2
    assert "--out" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["missing", "folder", "garbage", "empty"])
def test_cli_unreadable_input_exits_1_naming_the_file(tmp_path, capsys, kind):
    path = tmp_path / ("budget.csv" if kind == "empty" else "budget.xlsx")
    if kind == "folder":
        path.mkdir()
    elif kind == "garbage":
        path.write_bytes(b"PK\x03\x04 this is not a workbook" * 20)
    elif kind == "empty":
        path.write_bytes(b"")
    before = sha(path) if kind in ("garbage", "empty") else None
    out = tmp_path / "m.json"
    code, stdout, err = _run(capsys, "suggest-mapping", path, "--out", out)
    assert code == 1
    assert str(path) in err and "Traceback" not in err + stdout
    assert not out.exists()
    if before:
        assert sha(path) == before


def test_cli_incomplete_suggestion_is_written_and_says_so(tmp_path, capsys):
    path = tmp_path / "two numbers.csv"
    pd.DataFrame({"Units": [3, 4, 5], "Rate": [1.5, 2.5, 3.5]}).to_csv(path, index=False)
    out = tmp_path / "m.json"
    code, stdout, err = _run(capsys, "suggest-mapping", path, "--out", out)
    assert code == 0 and out.exists()
    assert f"{path}: the suggestion is not complete: " in err and "department" in err
    rate = next(ln for ln in stdout.splitlines() if " Rate " in ln)
    assert f"{pd.read_csv(path)['Rate'].sum():,.2f}" in rate  # 7.50
    code, _stdout, err = _run(capsys, "validate", "--budget", path, "--mapping", out)
    assert code == 1 and "department" in err


def test_cli_out_in_a_missing_folder_exits_1(tmp_path, capsys):
    path = write_warehouse(tmp_path / "w.csv", n=50)
    out = tmp_path / "nope" / "m.json"
    code, _stdout, err = _run(capsys, "suggest-mapping", path, "--out", out)
    assert code == 1 and "does not exist" in err and str(out) in err


def test_cli_keeps_the_old_mapping_when_writing_fails(tmp_path, capsys, monkeypatch):
    path = write_warehouse(tmp_path / "w.csv", n=50)
    out = tmp_path / "m.json"
    out.write_text('{"table": "line_items"}')

    def full_disk(*_a, **_k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr("kcplanner.atomic.os.replace", full_disk)
    code, _stdout, err = _run(capsys, "suggest-mapping", path, "--out", out)
    assert code == 1 and str(out) in err
    assert out.read_text() == '{"table": "line_items"}'


@require(BOSTON_OP, OAKLAND)
@pytest.mark.parametrize("path, expected", [
    (BOSTON_OP, {("2021", "Actual"): BOSTON_TOTALS["FY21 Actual Expense"],
                 ("2022", "Actual"): BOSTON_TOTALS["FY22 Actual Expense"],
                 ("2023", "Adopted"): BOSTON_TOTALS["FY23 Appropriation"],
                 ("2024", "Adopted"): BOSTON_TOTALS["FY24 Adopted"]}),
    (OAKLAND, {("2017", "Adopted"): OAKLAND_EXPENSE}),
])
def test_cli_on_real_files_totals_match_source(tmp_path, capsys, path, expected):
    before = sha(path)
    out = tmp_path / "m.json"
    code, stdout, err = _run(capsys, "suggest-mapping", path, "--out", out)
    assert code == 0, err
    got = {}
    for ln in stdout.splitlines():
        parts = ln.split()
        if parts and parts[0] == "line_items":
            got[(parts[1], parts[2])] = parts[3]
    assert got == expected
    if path == OAKLAND:
        assert any(ln.split()[:4] == ["revenue", "2017", "Adopted", OAKLAND_REVENUE] for ln in stdout.splitlines())
    code, stdout, err = _run(capsys, "validate", "--budget", path, "--mapping", out)
    assert code == 0, err
    assert sha(path) == before


def test_the_installed_command_exits_with_the_status(tmp_path):
    import subprocess
    import sys

    path = write_warehouse(tmp_path / "w.csv", n=200)
    out = tmp_path / "m.json"
    cmd = [sys.executable, "-m", "kcplanner.cli", "suggest-mapping", str(path)]
    bad = subprocess.run(cmd + ["--table", "lineitems", "--out", str(out)], capture_output=True, text=True)
    assert bad.returncode == 2 and "--table: expected one of" in bad.stderr and not out.exists()
    ok = subprocess.run(cmd + ["--out", str(out)], capture_output=True, text=True)
    assert ok.returncode == 0 and json.loads(out.read_text())["amount"] == "Amount"

"""Issue 5: write-back to a department's own workbook (kcplanner.exports.write_back)."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill

from kcplanner.atomic import OutputError
from kcplanner.engine import evaluate, prepare
from kcplanner.exports import ExportCancelled, ExportError, write_back
from kcplanner.readers import read_dataset
from kcplanner.scenario import Rule, Scenario, Target

from .conftest import write_csv

INJ = '=HYPERLINK("http://x","y")'


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wide_workbook(path: Path) -> Path:
    """A department's own workbook: titles, styles, number formats, formulas, merged cells, extra sheets."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Line Items"
    ws["A1"] = "Police Department FY2027 budget request"
    ws["A1"].font = Font(bold=True, size=16, color="FF1F4E79")
    ws.merge_cells("A1:F1")
    ws["A2"] = "Prepared by the department; amounts in dollars"
    ws["A2"].font = Font(italic=True)
    headers = ["Fund", "Department", "Program", "Account", "Account class", "Recurring", "FY2025 Actual",
               "FY2026 Adopted", "FY2027 Requested", "Check"]
    for j, h in enumerate(headers, start=1):
        c = ws.cell(row=4, column=j, value=h)
        c.font = Font(bold=True, color="FFFFFFFF")
        c.fill = PatternFill("solid", fgColor="FF1F4E79")
    rows = [
        ["General", "Police", "Patrol", "5110 Salaries", "Personnel Services", "Y", 100000, 110000, 120000],
        ["General", "Police", "Patrol", "5310 Fuel", "Commodities", "Y", 9000.5, 9500.25, None],
        ["General", "Police", "Investigations", "5120 Overtime", "Personnel Services", "N", 5000, 6000, 7000],
        [None] * 9,
        ["Subtotal Police", None, None, None, None, None, "=SUM(G5:G7)", "=SUM(H5:H7)", "=SUM(I5:I7)"],
        ["Grants", "Police", "Patrol", "5410 Equipment", "Capital Outlay", "Y", 300, 310, 320],
    ]
    for i, row in enumerate(rows, start=5):
        for j, v in enumerate(row, start=1):
            if v is not None:
                c = ws.cell(row=i, column=j, value=v)
                if j >= 7:
                    c.number_format = '#,##0.00_);[Red](#,##0.00)'
        if any(v is not None for v in row[:3]) and not str(row[0]).startswith("Subtotal"):
            ws.cell(row=i, column=10, value=f"=G{i}+H{i}")
    ws["J5"].font = Font(italic=True, color="FF808080")
    ws.column_dimensions["A"].width = 18
    ws.freeze_panes = "A5"
    notes = wb.create_sheet("Notes")
    notes["A1"] = "Anything the department keeps here stays as it is."
    notes["B3"] = 42
    notes["B4"] = "=B3*2"
    req = wb.create_sheet("Requests")
    req.append(["Request ID", "Department", "Program", "Fund", "Title", "Type", "Cost FY2027", "Cost FY2028"])
    req.append(["P-1", "Police", "Patrol", "General", "Two officers", "Enhancement", 160000, 164800])
    req.append(["P-2", "Police", "Patrol", "General", "Drop fuel card", "Reduction", 2000, None])
    wb.save(path)
    return path


def long_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Budget"
    ws.append(["Fund", "Department", "Program", "Account", "Account class", "Fiscal Year", "Phase", "Amount"])
    for dept, prog, acct, cls, base in (("Parks", "Mowing", "5110", "Personnel Services", 1000.0),
                                        ("Parks", "Mowing", INJ, "Commodities", 200.0),
                                        ("Parks", "Pools", "5210", "Contractual Services", 50.0)):
        for year, phase, factor in ((2025, "Actual", 0.9), (2026, "Adopted", 1.0), (2027, "Requested", 1.1)):
            ws.append(["General", dept, prog, acct, cls, year, phase, base * factor])
            ws.cell(ws.max_row, 4).data_type = "s"  # openpyxl would store '=...' as a formula
    ws["A1"].font = Font(bold=True)
    wb.save(path)
    return path


def snapshot(path: Path) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                out[(ws.title, c.coordinate)] = (c.value, c.data_type, c.number_format, c.font.b, c.font.i,
                                                 c.font.sz, c.font.color.rgb if c.font.color is not None else None,
                                                 c.fill.fgColor.rgb if c.fill is not None else None)
        out[(ws.title, "merged")] = sorted(str(r) for r in ws.merged_cells.ranges)
        out[(ws.title, "freeze")] = ws.freeze_panes
    out["sheets"] = wb.sheetnames
    return out


@pytest.fixture
def wide(tmp_path):
    path = wide_workbook(tmp_path / "police.xlsx")
    result = read_dataset(None, [path])
    assert result.dataset is not None, result.report.to_text()
    ds = result.dataset
    P = prepare(ds)
    sc = Scenario(name="Council A", rules=(Rule("Patrol +10%", Target(program="Patrol"), "percent", 10),),
                  funded_requests=("P-1",))
    return path, ds, evaluate(P, sc)


def test_write_back_adds_scenario_columns_and_keeps_the_original(wide, tmp_path):
    path, ds, R = wide
    before_hash = sha(path)
    before = snapshot(path)
    out = tmp_path / "police-council.xlsx"
    info = write_back(path, ds, R, out)
    assert sha(path) == before_hash  # the original is never touched
    assert info.lines == 4 and info.requests == 2 and info.sheets["Line Items"] == "columns"
    after = snapshot(out)
    for key, value in before.items():  # every original cell: value, formula, number format, font, fill
        if key == "sheets":
            assert after["sheets"] == value
        else:
            assert after[key] == value, key
    wb = openpyxl.load_workbook(out)
    ws = wb["Line Items"]
    assert [ws.cell(4, 11 + t).value for t in range(5)] == [f"FY{y} Scenario: Council A" for y in R.plan_years]
    assert ws.cell(4, 11).font.b and ws.cell(4, 11).fill.fgColor.rgb == "FF1F4E79"  # styled like the header
    _base, scen = R.line_amounts()
    li = ds.budget.line_items
    for i, row in enumerate(li["source_row"].tolist()):
        got = [ws.cell(row, 11 + t).value for t in range(5)]
        assert got == pytest.approx(list(scen[i]))
    assert ws.cell(9, 11).value is None  # the subtotal row gets nothing
    assert ws["G9"].value == "=SUM(G5:G7)" and ws["J5"].value == "=G5+H5"
    assert wb["Notes"]["B4"].value == "=B3*2"
    req = wb["Requests"]
    assert req.cell(1, 9).value == "Funded: Council A"
    assert [req.cell(r, 9).value for r in (2, 3)] == ["Y", "N"]


def test_write_back_of_a_long_layout_adds_a_keyed_sheet(tmp_path):
    path = long_workbook(tmp_path / "parks.xlsx")
    result = read_dataset(None, [path])
    assert result.dataset is not None, result.report.to_text()
    ds = result.dataset
    R = evaluate(prepare(ds), Scenario(name="Cut/5%?", rules=(Rule("cut", Target(department="Parks"), "percent", -5),)))
    before_hash = sha(path)
    before = snapshot(path)
    out = tmp_path / "parks-out.xlsx"
    info = write_back(path, ds, R, out)
    assert sha(path) == before_hash
    title = "Scenario Cut 5%"  # / and ? are not allowed in sheet names
    assert info.sheets["Budget"] == f"new sheet {title}"
    after = snapshot(out)
    assert after["sheets"] == ["Budget", title]
    for key, value in before.items():
        if key != "sheets":
            assert after[key] == value, key
    wb = openpyxl.load_workbook(out)
    ws = wb[title]
    assert [c.value for c in ws[1]][:8] == ["Fund", "Department", "Program", "Account", "Account class", "Recurring",
                                             "Source sheet", "First source row"]
    _base, scen = R.line_amounts()
    for i in range(len(ds.budget.line_items)):
        row = [c.value for c in ws[i + 2]]
        assert row[6:8] == ["Budget", int(ds.budget.line_items["source_row"].iloc[i])]
        assert row[8:13] == pytest.approx(list(scen[i]))
    cells = [c for c in ws["D"] if c.value == INJ]
    assert cells and all(c.data_type == "s" for c in cells)  # input text stays text


def test_write_back_refuses_what_it_cannot_do_safely(wide, tmp_path):
    path, ds, R = wide
    with pytest.raises(OutputError, match="original workbook"):
        write_back(path, ds, R, path)
    with pytest.raises(OutputError, match="same type"):
        write_back(path, ds, R, tmp_path / "x.xlsm")
    csv = write_csv(tmp_path / "police.csv", [["Fund"]])
    with pytest.raises(ExportError, match="needs an .xlsx or .xlsm"):
        write_back(csv, ds, R, tmp_path / "x.csv")
    other = wide_workbook(tmp_path / "other.xlsx")
    with pytest.raises(ExportError, match="none of the dataset's line items"):
        write_back(other, ds, R, tmp_path / "x.xlsx")
    # The department changed its file since the import: rows no longer match; nothing is written.
    wb = openpyxl.load_workbook(path)
    wb["Line Items"].insert_rows(5)
    wb.save(path)
    with pytest.raises(ExportError, match="no longer match"):
        write_back(path, ds, R, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_write_back_cancel_and_read_only_target_keep_the_previous_file(wide, tmp_path, monkeypatch):
    import os
    path, ds, R = wide
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"previous")
    with pytest.raises(ExportCancelled):
        write_back(path, ds, R, target, cancelled=lambda: True)
    assert target.read_bytes() == b"previous"
    target.chmod(0o444)
    if os.geteuid() == 0:
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if Path(p) == target and mode & os.W_OK
                            else real(p, mode, *a, **k))
    with pytest.raises(OutputError, match="read-only"):
        write_back(path, ds, R, target)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_written_back_workbook_imports_as_the_same_budget(wide, tmp_path):
    path, ds, R = wide
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "police.xlsx"
    write_back(path, ds, R, out)
    again = read_dataset(None, [out])
    assert again.dataset is not None, again.report.to_text()
    assert "FY2027 Scenario: Council A" in again.report.to_text()  # ignored, with a warning
    assert again.dataset.budget.amounts.equals(ds.budget.amounts)
    assert again.dataset.budget.line_items.equals(ds.budget.line_items)

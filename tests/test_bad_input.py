"""What bad input gets (SPEC.md): one clear error per unusable file, every problem inside a usable
file listed with file, sheet, cell, what was found and what was expected; never a traceback,
never half a dataset."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from kcplanner.readers import read_dataset
from kcplanner.readers import workbook as W

from .conftest import BUDGET_SHEETS, PLAN_SHEETS, write_csv, write_xlsx

HEADER = ["Fund", "Department", "Program", "Account class", "FY2026 Adopted", "FY2027 Requested"]


def _errors(result):
    assert result.dataset is None, "a report with errors must not come with a dataset"
    errors = result.report.errors
    assert errors
    return errors


def _one_file_error(path: Path, *words: str):
    res = read_dataset(None, [path])
    errors = _errors(res)
    assert len(errors) == 1, res.report.to_text()
    e = errors[0]
    assert e.file == path.name and path.name in str(e)
    for w in words:
        assert w.lower() in e.message.lower(), e.message
    assert "Traceback" not in res.report.to_text()
    return e


def _good_rows():
    return [HEADER, ["General", "Police", "Patrol", "Personnel Services", 100, 110],
            ["General", "Police", "Investigations", "Commodities", 50, 55]]


# -- files that cannot be used at all -------------------------------------------------------------

def test_text_file_renamed_xlsx(tmp_path):
    p = tmp_path / "budget.xlsx"
    p.write_text("Fund,Department\nGeneral,Police\n")
    _one_file_error(p, "not a workbook")


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods", ".xlsm"])
def test_random_bytes(tmp_path, suffix):
    p = tmp_path / f"noise{suffix}"
    p.write_bytes(bytes(range(256)) * 40)
    _one_file_error(p, "not a workbook")


def test_truncated_xlsx(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", {"Line Items": _good_rows()})
    p = tmp_path / "truncated.xlsx"
    p.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _one_file_error(p, "truncated or corrupt")


def test_corrupt_member_xlsx(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", {"Line Items": _good_rows()})
    p = tmp_path / "corrupt.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(p, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut mid-element: not well-formed XML
            dst.writestr(info, data)
    _one_file_error(p, "corrupt")


def _ole(stream_names: list[str]) -> bytes:
    """A minimal OLE2 compound-file header with directory entries naming `stream_names`."""
    header = W.OLE_MAGIC + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + b"\x00" * (512 - 32)
    entries = b""
    for name in ["Root Entry", *stream_names]:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        entries += raw + b"\x00" * (64 - len(raw)) + len(raw).to_bytes(2, "little") + b"\x00" * 62
    return header + entries + b"\x00" * 1024


def test_password_protected_xlsx(tmp_path):
    p = tmp_path / "locked.xlsx"
    p.write_bytes(_ole(["EncryptionInfo", "EncryptedPackage"]))
    _one_file_error(p, "password-protected")


def test_ole_file_named_xlsx(tmp_path):
    p = tmp_path / "old.xlsx"
    p.write_bytes(_ole(["Workbook"]))
    _one_file_error(p, "not a readable workbook")


def test_empty_workbook(tmp_path):
    import xlsxwriter

    p = tmp_path / "empty.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    wb.add_worksheet("Sheet1")
    wb.close()
    _one_file_error(p, "empty")


def test_empty_csv(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    _one_file_error(p, "empty")


def test_missing_required_column_lists_aliases(tmp_path):
    p = write_xlsx(tmp_path / "noprog.xlsx", {"Line Items": [["Fund", "Department", "FY2026 Adopted"],
                                                             ["General", "Police", 5]]})
    e = _one_file_error(p, "Program", "Division", "Activity", "Cost Center", "Fund", "Department")
    assert e.sheet == "Line Items"


def test_no_line_item_sheet(tmp_path):
    p = write_xlsx(tmp_path / "other.xlsx", {"Notes": [["Hello"], ["World"]], "Data": [["a", "b"], [1, 2]]})
    _one_file_error(p, "no sheet with the required columns", "Program (or Division, Activity, Cost Center")


def test_header_without_amount_columns(tmp_path):
    p = write_xlsx(tmp_path / "noamounts.xlsx", {"Line Items": [["Fund", "Department", "Program"],
                                                               ["General", "Police", "Patrol"]]})
    e = _one_file_error(p, "no amount columns", "FY2025 Actual", "Fiscal Year, Phase, Amount")
    assert e.cell == "A1"


def test_missing_file(tmp_path):
    _one_file_error(tmp_path / "nowhere.xlsx", "does not exist")


# -- zip and XML bombs ---------------------------------------------------------------------------

def test_zip_bomb_refused_quickly(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", {"Line Items": _good_rows()})
    p = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        with dst.open("xl/media/padding.bin", "w", force_zip64=True) as fh:
            block = b"\x00" * (1 << 20)
            for _ in range(60):  # 60 MB of zeros compress to ~60 KB: ratio ~1000:1
                fh.write(block)
    t0 = time.perf_counter()
    _one_file_error(p, "zip bomb")
    assert time.perf_counter() - t0 < 2


def test_total_uncompressed_limit(tmp_path, monkeypatch):
    good = write_xlsx(tmp_path / "good.xlsx", {"Line Items": _good_rows()})
    monkeypatch.setattr(W, "MAX_TOTAL_UNCOMPRESSED", 1000)
    _one_file_error(good, "zip bomb", "declares")


def test_xml_bomb_refused(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", {"Line Items": _good_rows()})
    lol = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i else b"&lol;") * 10) for i in range(1, 10))
           + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b"<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>")
    p = tmp_path / "xmlbomb.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, lol if info.filename == "xl/worksheets/sheet1.xml" else src.read(info))
    t0 = time.perf_counter()
    _one_file_error(p, "DOCTYPE")
    assert time.perf_counter() - t0 < 2


# -- problems inside a usable file -----------------------------------------------------------------

def test_text_in_amount_cell(tmp_path):
    rows = _good_rows()
    rows[2][5] = "about 55"
    p = write_xlsx(tmp_path / "dept.xlsx", {"Line Items": rows})
    res = read_dataset(None, [p])
    (e,) = _errors(res)
    assert (e.file, e.sheet, e.cell) == ("dept.xlsx", "Line Items", "F3")
    assert "expected an amount" in e.message and "'about 55'" in e.message
    c = res.report.rows[0]
    assert (c.read, c.imported, dict(c.excluded)) == (2, 1, {"row with errors": 1})


def test_error_cells_in_xlsx(tmp_path):
    import xlsxwriter

    p = tmp_path / "errors.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Line Items")
    ws.write_row(0, 0, HEADER)
    ws.write_row(1, 0, ["General", "Police", "Patrol", "Personnel Services", 100, 110])
    ws.write_row(2, 0, ["General", "Police", "Patrol", "Commodities", 1, 2])
    ws.write_formula("E3", "=NA()", None, "#N/A")
    ws.write_formula("F3", "=1/0", None, "#DIV/0!")
    ws.write_row(3, 0, ["General", None, "Patrol", "Commodities", 1, 2])
    ws.write_formula("B4", "=#REF!", None, "#REF!")
    ws.write_formula("G4", "=NA()", None, "#N/A")  # an unused column: not an error
    wb.close()
    with zipfile.ZipFile(p) as z:
        assert b't="e"' in z.read("xl/worksheets/sheet1.xml")
    res = read_dataset(None, [p])
    errors = {e.cell: e.message for e in _errors(res)}
    assert errors == {
        "E3": "expected an amount, found the error #N/A",
        "F3": "expected an amount, found the error #DIV/0!",
        "B4": "expected a department, found the error #REF!",
    }
    assert all(e.file == "errors.xlsx" and e.sheet == "Line Items" for e in res.report.errors)


def test_error_text_in_csv(tmp_path):
    rows = _good_rows()
    rows[1][4] = "#N/A"
    rows[2][1] = "#VALUE!"
    p = write_csv(tmp_path / "dept.csv", rows)
    errors = {e.cell: e.message for e in _errors(read_dataset(None, [p]))}
    assert errors == {"E2": "expected an amount, found the error #N/A",
                      "B3": "expected a department, found the error #VALUE!"}


def test_misspelt_account_class_lists_allowed(tmp_path):
    # SPEC (issue 11): a class within two edits of a standard one is an error with "did you mean";
    # a class far from every standard one ("Furniture") is a city's own class (tests/test_trust_readers.py)
    rows = _good_rows()
    rows[1][3] = "Comodities"
    p = write_xlsx(tmp_path / "dept.xlsx", {"Line Items": rows})
    (e,) = _errors(read_dataset(None, [p]))
    assert e.cell == "D2" and "'Comodities'" in e.message and "did you mean 'Commodities'" in e.message
    for cls in ("Personnel Services", "Contractual Services", "Commodities", "Capital Outlay", "Debt Service",
                "Transfers", "Other"):
        assert cls in e.message


def test_bad_recurring_and_blank_key(tmp_path):
    rows = [HEADER + ["Recurring"], ["General", "Police", "Patrol", "Other", 1, 2, "maybe"],
            ["General", "", "Patrol", "Other", 1, 2, "Y"]]
    p = write_xlsx(tmp_path / "dept.xlsx", {"Line Items": rows})
    errors = {e.cell: e.message for e in _errors(read_dataset(None, [p]))}
    assert errors == {"G2": "expected Y or N, found 'maybe'", "B3": "expected a department name, found a blank cell"}


def test_many_bad_cells_are_summarised(tmp_path):
    rows = [HEADER] + [["General", "Police", "Patrol", "Other", "x", 1] for _ in range(100)]
    p = write_csv(tmp_path / "bad.csv", rows)
    res = read_dataset(None, [p])
    errors = _errors(res)
    assert len(errors) == 21 and "80 more" in errors[-1].message
    c = res.report.rows[0]
    assert c.read == 100 and c.excluded["row with errors"] == 100 and c.balanced


def test_duplicate_kpi_ids(tmp_path, budget_book):
    sheets = dict(PLAN_SHEETS)
    sheets["KPIs"] = PLAN_SHEETS["KPIs"] + [["K1", "Again", "G1", None, "up", 1, None, None, None, None, None]]
    plan = write_xlsx(tmp_path / "plan.xlsx", sheets)
    (e,) = _errors(read_dataset(plan, [budget_book]))
    assert (e.file, e.sheet, e.cell) == ("plan.xlsx", "KPIs", "A4")
    assert "duplicate KPI ID 'K1'" in e.message and "A2" in e.message


def test_duplicate_goal_ids(tmp_path, budget_book):
    sheets = dict(PLAN_SHEETS)
    sheets["Goals"] = PLAN_SHEETS["Goals"] + [["g1 ", "Another", None]]
    plan = write_xlsx(tmp_path / "plan.xlsx", sheets)
    errors = _errors(read_dataset(plan, [budget_book]))
    assert any(e.sheet == "Goals" and e.cell == "A4" and "duplicate goal ID" in e.message for e in errors)


def test_duplicate_request_ids_across_files(tmp_path, plan_book, budget_book):
    other = write_xlsx(tmp_path / "fire.xlsx", {
        "Line Items": [HEADER, ["General", "Fire", "Suppression", "Other", 1, 2]],
        "Requests": [["Request ID", "Department", "Program", "Fund", "Title"],
                     ["r1", "Fire", "Suppression", "General", "Engine"]]})
    (e,) = _errors(read_dataset(plan_book, [budget_book, other]))
    assert (e.file, e.sheet, e.cell) == ("fire.xlsx", "Requests", "A2")
    assert "duplicate request ID" in e.message and "police.xlsx" in e.message and "A2" in e.message


def test_driver_unknown_program(tmp_path, budget_book):
    sheets = dict(PLAN_SHEETS)
    sheets["Drivers"] = [PLAN_SHEETS["Drivers"][0], ["K1", "Police", "Swat", 0.1, None, None, None, None],
                         ["K1", "Library", None, 0.1, None, None, None, None],
                         ["K9", "Police", None, 0.1, None, None, None, None]]
    plan = write_xlsx(tmp_path / "plan.xlsx", sheets)
    errors = {(e.sheet, e.cell): e.message for e in _errors(read_dataset(plan, [budget_book]))}
    assert set(errors) == {("Drivers", "C2"), ("Drivers", "B3"), ("Drivers", "A4")}
    assert "'Swat'" in errors[("Drivers", "C2")] and "'Police'" in errors[("Drivers", "C2")]
    assert "unknown department 'Library'" in errors[("Drivers", "B3")]
    assert "unknown KPI 'K9'" in errors[("Drivers", "A4")]


def test_program_of_another_department(tmp_path, plan_book, budget_book):
    # "Streets" is a program of Public Works, not of Police
    sheets = dict(BUDGET_SHEETS)
    sheets["Requests"] = BUDGET_SHEETS["Requests"][:2] + [
        ["R3", "police", "Streets", "General", "Wrong program", None, None, None, 1, None, None, None, "K7", None]]
    b = write_xlsx(tmp_path / "police.xlsx", sheets)
    errors = {(e.sheet, e.cell): e.message for e in _errors(read_dataset(plan_book, [b]))}
    assert set(errors) == {("Requests", "C3"), ("Requests", "M3")}
    assert "unknown KPI 'K7'" in errors[("Requests", "M3")]


def test_kpi_unknown_goal(tmp_path, budget_book):
    sheets = dict(PLAN_SHEETS)
    sheets["KPIs"] = PLAN_SHEETS["KPIs"] + [["K3", "X", "G9", None, "down", 1, None, None, None, None, None]]
    plan = write_xlsx(tmp_path / "plan.xlsx", sheets)
    (e,) = _errors(read_dataset(plan, [budget_book]))
    assert (e.sheet, e.cell) == ("KPIs", "C4") and "'G9'" in e.message


def test_bad_direction_and_rate(tmp_path, budget_book):
    sheets = dict(PLAN_SHEETS)
    kpis = [list(r) for r in PLAN_SHEETS["KPIs"]]
    kpis[1][4] = "sideways"
    kpis[2][7] = "two percent"
    sheets["KPIs"] = kpis
    plan = write_xlsx(tmp_path / "plan.xlsx", sheets)
    errors = {e.cell: e.message for e in _errors(read_dataset(plan, [budget_book]))}
    assert set(errors) == {"E2", "H3"}
    assert "Higher is better" in errors["E2"] and "'sideways'" in errors["E2"]
    assert "rate" in errors["H3"] and "'two percent'" in errors["H3"]


def test_plan_without_goals_sheet(tmp_path, budget_book):
    sheets = {k: v for k, v in PLAN_SHEETS.items() if k not in ("Goals", "Objectives")}
    sheets["KPIs"] = [r[:2] + [None] + r[3:] if i else r for i, r in enumerate(PLAN_SHEETS["KPIs"])]
    plan = write_xlsx(tmp_path / "plan.xlsx", sheets)
    errors = _errors(read_dataset(plan, [budget_book]))
    assert any("no Goals sheet" in e.message and "Goal ID" in e.message and e.file == "plan.xlsx" for e in errors)


def test_plan_missing_optional_sheets_warns(tmp_path, budget_book):
    sheets = {k: v for k, v in PLAN_SHEETS.items() if k not in ("Drivers", "Revenue", "Assumptions", "Funds")}
    plan = write_xlsx(tmp_path / "plan.xlsx", sheets)
    res = read_dataset(plan, [budget_book])
    assert res.dataset is not None, res.report.to_text()
    warned = " ".join(w.message for w in res.report.warnings)
    for name in ("Drivers", "Revenue", "Assumptions", "Funds"):
        assert f"no {name} sheet" in warned


def test_budget_given_as_plan(tmp_path, budget_book):
    as_plan = tmp_path / "fire.xlsx"
    as_plan.write_bytes(budget_book.read_bytes())
    res = read_dataset(as_plan, [budget_book])
    (e,) = _errors(res)
    assert "not a plan workbook" in e.message and e.file == "fire.xlsx"


def test_no_budget_given():
    (e,) = _errors(read_dataset(None, []))
    assert "no budget workbook" in e.message


def test_duplicate_amount_columns(tmp_path):
    rows = [HEADER + ["FY 2025-26 Adopted"], ["General", "Police", "Patrol", "Other", 1, 2, 3]]
    p = write_xlsx(tmp_path / "dup.xlsx", {"Line Items": rows})
    (e,) = _errors(read_dataset(None, [p]))
    assert e.cell == "G1" and "Adopted 2026" in e.message and "E1" in e.message


def test_long_layout_bad_phase_and_year(tmp_path):
    rows = [["Fund", "Department", "Program", "Fiscal Year", "Phase", "Amount"],
            ["General", "Police", "Patrol", "FY2026", "Guess", 5],
            ["General", "Police", "Patrol", "someday", "Adopted", 5],
            ["General", "Police", "Patrol", "", "Adopted", 5],
            ["General", "Police", "Patrol", "2026", "Adopted", "five"]]
    p = write_csv(tmp_path / "long.csv", rows)
    errors = {e.cell: e.message for e in _errors(read_dataset(None, [p]))}
    assert set(errors) == {"E2", "D3", "D4", "F5"}
    assert "Actual, Adopted or Requested" in errors["E2"] and "'someday'" in errors["D3"]
    assert "blank" in errors["D4"] and "expected an amount, found 'five'" == errors["F5"]


def test_position_unknown_department(tmp_path, plan_book):
    sheets = dict(BUDGET_SHEETS)
    sheets["Positions"] = BUDGET_SHEETS["Positions"] + [["Library", "Branches", "Librarian", 3, 50000],
                                                        ["Police", "Patrol", "Clerk", "two", None]]
    b = write_xlsx(tmp_path / "police.xlsx", sheets)
    errors = {(e.sheet, e.cell): e.message for e in _errors(read_dataset(plan_book, [b]))}
    assert set(errors) == {("Positions", "A4"), ("Positions", "D5")}
    assert "unknown department 'Library'" in errors[("Positions", "A4")]
    assert "'two'" in errors[("Positions", "D5")]


def test_password_protected_directory_after_payload(tmp_path):
    # the directory sector (with the EncryptionInfo name) sits after 5 MB of encrypted payload
    sector = 512
    payload_sectors = (5 * 1024 * 1024) // sector
    head = bytearray(_ole([])[:512])
    head[0x30:0x34] = payload_sectors.to_bytes(4, "little")  # first directory sector index
    entries = b""
    for name in ["Root Entry", "EncryptionInfo", "EncryptedPackage"]:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        entries += raw + b"\x00" * (64 - len(raw)) + len(raw).to_bytes(2, "little") + b"\x00" * 62
    p = tmp_path / "big-locked.xlsx"
    p.write_bytes(bytes(head) + b"\x5a" * (payload_sectors * sector) + entries + b"\x00" * 256)
    _one_file_error(p, "password-protected")


def test_lone_error_cell_in_a_full_sheet(tmp_path):
    # no blank cell anywhere except the error cell itself (calamine shows it as ""): still found
    import xlsxwriter

    p = tmp_path / "full.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Line Items")
    ws.write_row(0, 0, ["Fund", "Department", "Program", "FY2026 Adopted"])
    for r in range(1, 200):
        ws.write_row(r, 0, ["General", "Police", "Patrol", r])
    ws.write_formula("D150", "=1/0", None, "#DIV/0!")
    wb.close()
    (e,) = _errors(read_dataset(None, [p]))
    assert (e.cell, e.message) == ("D150", "expected an amount, found the error #DIV/0!")

"""Import mappings on small synthetic workbooks: the JSON contract, applying, read_dataset's hook."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kcplanner.readers import MappingError, load_mapping, read_dataset, save_mapping, suggest_mapping
from kcplanner.readers.kpi_export import guess_direction
from kcplanner.readers.mapping import Mapping, mapping_from_dict
from kcplanner.readers.mapping_apply import read_mapped_file
from kcplanner.report import ValidationReport
from tests.conftest import write_csv, write_xlsx

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "kcplanner" / "resources" / "mappings").glob("*.json"))

SPEC_EXAMPLE = {"table": "line_items", "sheet": "Sheet1", "header_row": 1,
                "columns": {"fund": "Fund", "department": "Department", "program": "Program",
                            "account": "Account Description", "account_class": "Categ"},
                "constants": {"fiscal_year": 2017, "phase": "Adopted"},
                "amount": "AMT",
                "split": {"column": "Account Type", "values": {"Expense": "line_items", "Revenue": "revenue"}},
                "amounts": {"FY21 Actual Expense": [2021, "Actual"]},
                "missing": ["#Missing", "#N/A", "No Data"]}


# -- the JSON contract -------------------------------------------------------------------------------

def test_spec_example_loads_and_round_trips(tmp_path):
    p = tmp_path / "m.json"
    p.write_text(json.dumps(SPEC_EXAMPLE))
    m = load_mapping(p)
    assert m.columns["fund"] == "Fund" and m.constants == {"fiscal_year": 2017, "phase": "Adopted"}
    assert m.split.values == {"Expense": "line_items", "Revenue": "revenue"}
    assert m.amount == "AMT" and m.amounts == {"FY21 Actual Expense": (2021, "Actual")}
    out = tmp_path / "out.json"
    save_mapping(m, out)
    assert load_mapping(out) == m
    assert not list(tmp_path.glob(".out.*"))  # the atomic write left no temporary file


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_mappings_load(path):
    m = load_mapping(path)
    assert m.files and m.name
    assert mapping_from_dict(m.to_dict()) == m


@pytest.mark.parametrize("text, words", [
    ("{not json", ["not valid JSON", "line 1"]),
    ('{"table": "line_items", "colums": {}}', ["unknown key 'colums'", "expected keys"]),
    ('{"columns": {"fnd": "Fund"}}', ["unknown field 'fnd'", "fund, department"]),
    ('{"table": "budget"}', ["'table' must be one of"]),
    ('{"constants": {"fiscal_year": "next year"}}', ["not a fiscal year"]),
    ('{"amounts": {"FY21": [2021, "Guessed"]}}', ["phase 'Guessed'"]),
    ('{"columns": {"fund": "Fund"}, "constants": {"fund": "General"}}', ["both a column and a constant"]),
    ('{"header_row": 0}', ["counts from 1"]),
    ('{"table": "kpis", "directions": {"K1": "sideways"}}', ["direction 'sideways'"]),
    ('{"missing_means": "nothing"}', ["blank or zero"]),
    ('{"split": {"column": "T", "values": {"E": "expenses"}}}', ["line_items, revenue or skip"]),
    ('[1, 2]', ["must be an object"]),
])
def test_bad_mapping_files_get_clear_errors(tmp_path, text, words):
    p = tmp_path / "bad.json"
    p.write_text(text)
    with pytest.raises(MappingError) as err:
        load_mapping(p)
    msg = str(err.value)
    assert msg.startswith("bad.json")
    for w in words:
        assert w in msg


def test_missing_mapping_file(tmp_path):
    with pytest.raises(MappingError, match="does not exist"):
        load_mapping(tmp_path / "nope.json")


def test_files_glob():
    m = Mapping(files="*operating*;*.xlsx")
    assert m.matches("/x/FY24-Adopted-OPERATING-budget.csv")
    assert m.matches("a.xlsx") and not m.matches("revenue.csv")
    assert Mapping().matches("anything.csv")


# -- applying a mapping ------------------------------------------------------------------------------

def _one_sheet(tmp_path):
    rows = [["City of Elsewhere — budget detail"], [],
            ["Account Type", "Dept", "Unit", "Object", "Object group", "AMT"],
            ["Expense", "Police", "Patrol", "Salaries", "01 - Salaries", "1,000"],
            ["Expense", "Police", "Patrol", "Fuel", "11 - Supplies", "#Missing"],
            ["Revenue", "Police", "Patrol", "Fines", "R1 - Fines", "(250)"],
            ["Transfer", "Police", "Patrol", "To capital", "", "75"],
            ["", "", "", "", "", ""],
            ["Expense", "Total Police", "", "", "", "1000"],
            ["Expense", "Parks", "Pools", "Chlorine", "11 - Supplies", "12.5"]]
    return write_csv(tmp_path / "elsewhere-FY2025-26.csv", rows)


ELSEWHERE = {"table": "line_items", "columns": {"department": "Dept", "program": "Unit", "account": "Object",
                                                 "account_class": "Object group"},
             "constants": {"fund": "General", "fiscal_year": "FY2025-26", "phase": "Adopted"},
             "amount": "AMT",
             "split": {"column": "Account Type", "values": {"Expense": "line_items", "Revenue": "revenue"}},
             "values": {"account_class": {"01 - Salaries": "Personnel Services", "11 - Supplies": "Commodities"}},
             "missing": ["#Missing"]}


def test_apply_accounts_for_every_row(tmp_path):
    path = _one_sheet(tmp_path)
    report = ValidationReport()
    part = read_mapped_file(path, mapping_from_dict(ELSEWHERE), report)
    assert report.ok, report.to_text()
    c = part.count
    assert (c.read, c.imported) == (7, 4)
    assert dict(c.excluded) == {"blank row": 1, "subtotal row": 1, "Account Type not in the split": 1}
    assert c.balanced
    assert part.header_row == 2
    li = part.line_items
    assert list(li["account_class"]) == ["Personnel Services", "Commodities", "Commodities"]
    assert list(li["source_row"]) == [4, 5, 10]
    am = part.amounts[(2026, "Adopted")].to_numpy()
    assert am[0] == 1000 and np.isnan(am[1]) and am[2] == 12.5
    assert list(part.revenue["source"]) == ["Fines"] and part.revenue_amounts.iloc[0, 0] == -250
    assert part.sentinels == {"AMT": 1}
    assert any("'#Missing'" in p.message and "F5" in p.message for p in report.warnings)
    assert any("'Transfer'" in p.message for p in report.warnings)


def test_unknown_class_without_values_map_is_an_error(tmp_path):
    path = _one_sheet(tmp_path)
    m = dict(ELSEWHERE, values={})
    report = ValidationReport()
    read_mapped_file(path, mapping_from_dict(m), report)
    assert not report.ok
    assert any(p.cell == "E4" and "values map" in p.message for p in report.errors)


def test_mapping_naming_a_missing_column(tmp_path):
    path = _one_sheet(tmp_path)
    m = dict(ELSEWHERE, columns=dict(ELSEWHERE["columns"], program="Programme"))
    report = ValidationReport()
    assert read_mapped_file(path, mapping_from_dict(m), report) is None
    assert "'Programme'" in report.errors[0].message and "Dept" in report.errors[0].message


def test_incomplete_mapping_says_what_is_missing(tmp_path):
    path = _one_sheet(tmp_path)
    m = dict(ELSEWHERE, constants={"fund": "General"})
    report = ValidationReport()
    assert read_mapped_file(path, mapping_from_dict(m), report) is None
    text = report.to_text()
    assert "fiscal year" in text and "phase" in text


def test_xlsx_error_cells_in_used_and_unused_columns(tmp_path):
    import zipfile

    path = tmp_path / "err.xlsx"
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, ["Fund", "Dept", "Program", "Note", "FY2025 Adopted"])
    ws.write_row(1, 0, ["General", "Police", "Patrol", "ok", 10])
    ws.write_row(2, 0, ["General", "Police", "Patrol"])
    ws.write_formula(2, 3, "=NA()", None, "#N/A")
    ws.write_number(2, 4, 5)
    ws.write_row(3, 0, ["General", "Police"])
    ws.write_formula(3, 2, "=NA()", None, "#N/A")
    ws.write_number(3, 4, 7)
    wb.close()
    with zipfile.ZipFile(path) as zf:
        assert b't="e"' in zf.read("xl/worksheets/sheet1.xml")
    m = {"columns": {"fund": "Fund", "department": "Dept", "program": "Program"},
         "amounts": {"FY2025 Adopted": [2025, "Adopted"]}}
    report = ValidationReport()
    part = read_mapped_file(path, mapping_from_dict(m), report)
    assert any(p.severity == "warning" and p.cell == "D3" and "#N/A" in p.message for p in report.problems)
    assert any(p.severity == "error" and p.cell == "C4" and "#N/A" in p.message for p in report.problems)
    assert sorted(part.error_cells) == ["C4", "D3"]
    report = ValidationReport()
    part = read_mapped_file(path, mapping_from_dict(dict(m, missing=["#N/A"])), report)
    # a sentinel now: counted, read as blank, and the blank program is what is wrong
    assert part.sentinels == {"Program": 1}
    assert [p.message for p in report.errors if p.cell == "C4"] == ["expected a program name, found a blank cell"]


def test_read_dataset_applies_mappings_by_glob(tmp_path, plan_path=None):
    _one_sheet(tmp_path)
    other = write_csv(tmp_path / "standard.csv", [["Fund", "Department", "Program", "FY2026 Adopted"],
                                                   ["General", "Fire", "Suppression", "500"]])
    m = mapping_from_dict(dict(ELSEWHERE, files="elsewhere*"))
    res = read_dataset(None, [tmp_path], [m])
    assert res.ok, res.report.to_text()
    li = res.dataset.budget.line_items
    assert sorted(set(map(str, li["department"]))) == ["Fire", "Parks", "Police"]
    assert len(res.dataset.plan.revenue) == 1
    assert res.dataset.plan_years[0] == 2027
    assert other.exists()
    # without mappings the same folder fails on the foreign file, as before
    assert not read_dataset(None, [tmp_path]).ok


def test_read_dataset_without_mappings_is_unchanged(tmp_path):
    write_csv(tmp_path / "b.csv", [["Fund", "Department", "Program", "FY2026 Adopted"], ["G", "Fire", "S", "1"]])
    a = read_dataset(None, [tmp_path])
    b = read_dataset(None, [tmp_path], [])
    assert a.ok and b.ok
    assert a.report.to_text() == b.report.to_text()


def test_kpi_mapping_with_a_plan(tmp_path):
    from tests.conftest import BUDGET_SHEETS, PLAN_SHEETS

    plan = write_xlsx(tmp_path / "plan.xlsx", PLAN_SHEETS)
    budget = write_xlsx(tmp_path / "budget.xlsx", BUDGET_SHEETS)
    export = write_csv(tmp_path / "measures-export.csv", [
        ["ID", "Measure", "Dept", "FY", "Target", "Actual last year", "Key"],
        ["M1", "Average response time (minutes)", "Police", "2027", "8", "9.1", "1"],
        ["M2", "Number of trees planted", "Public Works", "2027", "No Goal", "400", "1"],
        ["M3", "Credit rating", "Finance", "2027", "AAA", "AA", "1"],
        ["M4", "Library visits", "Parks", "2027", "5000", "New Meas.", "1"],
        ["M5", "Something else", "Parks", "2027", "5", "4", "0"]])
    m = mapping_from_dict({"table": "kpis", "files": "measures*",
                           "columns": {"kpi_id": "ID", "name": "Measure", "department": "Dept", "fiscal_year": "FY",
                                       "target": "Target"},
                           "history": {"Actual last year": -1}, "where": {"Key": [1]},
                           "constants": {"direction": "Higher is better"},
                           "missing": ["No Goal", "New Meas."]})
    res = read_dataset(plan, [budget, export], [m])
    assert res.ok, res.report.to_text()
    plan_ = res.dataset.plan
    kp = plan_.kpis.set_index("kpi_id")
    assert {"M1", "M4", "K1", "K2"} <= set(kp.index)
    assert kp.loc["M1", "direction"] == -1 and kp.loc["M4", "direction"] == 1
    assert kp.loc["M1", "baseline"] == 9.1 and kp.loc["M1", "baseline_fy"] == 2026
    assert kp.loc["M4", "baseline"] == 5000  # no prior actual: starts at its target
    assert plan_.kpi_targets.loc["M1", 2027] == 8
    assert "Imported measures" in set(plan_.goals["goal_id"])
    count = [r for r in res.report.rows if r.file == "measures-export.csv"][0]
    assert (count.read, count.imported) == (5, 2)
    assert dict(count.excluded) == {"no target": 1, "target not a number": 1, "not selected (Key is not 1)": 1}
    assert any("'AAA'" in p.message and p.cell == "E4" for p in res.report.warnings)
    from kcplanner.engine import evaluate, prepare
    from kcplanner.scenario import EMPTY_SCENARIO

    r = evaluate(prepare(res.dataset), EMPTY_SCENARIO)
    assert r.plan_years[0] == 2027


def test_kpi_without_a_direction_is_an_error(tmp_path):
    export = write_csv(tmp_path / "kpi.csv", [["ID", "Measure", "FY", "Target"], ["M1", "Library visits", "2027", "5"]])
    m = mapping_from_dict({"table": "kpis", "columns": {"kpi_id": "ID", "name": "Measure", "fiscal_year": "FY",
                                                         "target": "Target"}})
    report = ValidationReport()
    read_mapped_file(export, m, report)
    assert any("higher or lower" in p.message and p.cell == "B2" for p in report.errors)


@pytest.mark.parametrize("name, kind, expected", [
    ("Average number of days to close a complaint", None, -1),
    ("Airline cost per enplaned passenger", "Efficiency", -1),
    ("Rate of violent crimes per 1,000 residents", "Result", -1),
    ("Percent of inspections completed within 7 days", "Result", 1),
    ("Percent reduction in estimated vehicular travel time", "Result", 1),
    ("Customer Satisfaction Index", "Efficiency", 1),
    ("Number of animals sterilized", "Output", None),
    ("Employee Turnover Rate", "Result", -1),
])
def test_guess_direction(name, kind, expected):
    assert guess_direction(name, kind)[0] == expected


def test_suggestion_on_a_small_sheet(tmp_path):
    path = _one_sheet(tmp_path)
    m = suggest_mapping(path)
    assert m.header_row == 3
    assert m.split is not None and m.split.column == "Account Type"
    assert m.amount == "AMT" and m.constants["fiscal_year"] == 2026
    assert m.columns["department"] == "Dept" and m.constants["fund"] == "General Fund"
    assert "#Missing" in m.missing
    assert set(m.explanations) >= {"split", "amount", "fiscal_year", "fund", "department"}


def test_amount_and_amounts_together(tmp_path):
    """SPEC's example gives both: the single column takes the year and phase of the fields."""
    path = write_csv(tmp_path / "both.csv", [["Fund", "Dept", "Program", "AMT", "FY2024 Actual"],
                                             ["G", "Police", "Patrol", "10", "8"], ["G", "Fire", "Ops", "", "3"]])
    m = mapping_from_dict({"columns": {"fund": "Fund", "department": "Dept", "program": "Program"},
                           "constants": {"fiscal_year": 2025, "phase": "Adopted"}, "amount": "AMT",
                           "amounts": {"FY2024 Actual": [2024, "Actual"]}})
    report = ValidationReport()
    part = read_mapped_file(path, m, report)
    assert report.ok, report.to_text()
    assert list(part.amounts.columns) == [(2024, "Actual"), (2025, "Adopted")]
    assert part.amounts[(2024, "Actual")].tolist() == [8, 3]
    assert part.amounts[(2025, "Adopted")].iloc[0] == 10 and np.isnan(part.amounts[(2025, "Adopted")].iloc[1])


def test_needs_mapping(tmp_path):
    from kcplanner.readers.mapping_apply import needs_mapping

    std = write_csv(tmp_path / "std.csv", [["Fund", "Department", "Program", "FY2026 Adopted"], ["G", "F", "S", "1"]])
    assert not needs_mapping(std)
    assert needs_mapping(_one_sheet(tmp_path))
    bad = write_csv(tmp_path / "bad.csv", [["Fund", "Department", "Program", "FY2026 Adopted"], ["G", "F", "S", "x"]])
    assert not needs_mapping(bad)  # the layout is right; the bad cell is for the validation report


def test_mapping_is_dict_like_for_project_files(tmp_path):
    """The project file stores `json.dumps(dict(m))`; reading back gives dicts, which read_dataset takes."""
    m = load_mapping(SHIPPED[0])
    d = json.loads(json.dumps(dict(m)))
    assert d == m.to_dict() and mapping_from_dict(d) == m
    _one_sheet(tmp_path)
    as_dict = dict(ELSEWHERE, files="elsewhere*")
    res = read_dataset(None, [tmp_path / "elsewhere-FY2025-26.csv"], [as_dict])
    assert res.ok and len(res.dataset.budget.line_items) == 3
    bad = read_dataset(None, [tmp_path / "elsewhere-FY2025-26.csv"], [{"colums": {}}])
    assert not bad.ok and "unknown key 'colums'" in bad.report.errors[0].message


def test_numeric_headers_and_a_title_above(tmp_path):
    path = write_xlsx(tmp_path / "years.xlsx", {"Budget": [
        ["Department budget by year"], [],
        ["Dept", "Division", 2024, 2025],
        ["Police", "Patrol", 10, 11],
        ["Police", "Total", 10, 11]]})
    m = mapping_from_dict({"columns": {"department": "Dept", "program": "Division"}, "constants": {"fund": "G"},
                           "amounts": {"2024": [2024, "Actual"], "2025": [2025, "Adopted"]}})
    report = ValidationReport()
    part = read_mapped_file(path, m, report)
    assert report.ok, report.to_text()
    assert part.header_row == 2 and part.count.excluded == {"subtotal row": 1}
    assert part.amounts[(2025, "Adopted")].tolist() == [11]

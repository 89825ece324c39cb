"""The empty input workbooks (`kcplanner.template`): every SPEC sheet and column, notes, dropdowns."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kcplanner import template
from kcplanner.fiscal import parse_fiscal_year, parse_prefixed_year, parse_year_phase, REVENUE_PHASES

PLAN_SHEETS = ["Settings", "Goals", "Objectives", "KPIs", "Drivers", "Revenue", "Assumptions", "Funds", "KPI Actuals",
               "Notes"]
DEPT_SHEETS = ["Line Items", "Positions", "Requests", "Actuals", "Revenue Actuals", "Notes"]

#: SPEC.md's columns, required ones first (a `*` in SPEC); dynamic year columns are checked apart.
SPEC_REQUIRED = {
    "Settings": ["Key", "Value"],
    "Goals": ["Goal ID", "Goal"],
    "Objectives": ["Objective ID", "Goal ID", "Objective"],
    "KPIs": ["KPI ID", "Name", "Direction", "Baseline"],
    "Drivers": ["KPI ID", "Department", "Elasticity"],
    "Revenue": ["Fund", "Source"],
    "Assumptions": ["Account class"],
    "Funds": ["Fund", "Beginning balance"],
    "Line Items": ["Fund", "Department", "Program"],
    "Positions": ["Department", "Program", "Position", "FTE"],
    "Requests": ["Request ID", "Department", "Program", "Fund", "Title"],
}
SPEC_OPTIONAL = {
    "Goals": ["Weight"],
    "KPIs": ["Goal ID", "Objective ID", "Unit", "Baseline FY", "Trend %", "Minimum", "Maximum", "Weight", "Department"],
    "Drivers": ["Program", "Lag", "Max effect %", "Elasticity low", "Elasticity high"],
    "Revenue": ["Recurring", "Growth %"],
    "Funds": ["Fund name", "Reserve floor %", "Reserve target %", "Reserve ceiling %"],
    "Line Items": ["Account", "Account class", "Recurring"],
    "Positions": ["Cost per FTE"],
    "Requests": ["Type", "Account class", "Recurring", "FTE", "Justification", "KPI ID", "Rank"],
}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> list[Path]:
    return template.write_template(tmp_path_factory.mktemp("template"))


def _headers(path: Path, sheet: str) -> list[str]:
    return list(pd.read_excel(path, sheet_name=sheet, engine="calamine", nrows=0).columns)


def test_files_and_sheets(written):
    plan, dept = written
    assert plan.name == "plan-template.xlsx" and dept.name == "department-template.xlsx"
    assert list(pd.read_excel(plan, sheet_name=None, engine="calamine")) == PLAN_SHEETS
    assert list(pd.read_excel(dept, sheet_name=None, engine="calamine")) == DEPT_SHEETS


def test_deterministic(written, tmp_path):
    again = template.write_template(tmp_path)
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert [digest(p) for p in again] == [digest(p) for p in written]


def test_every_spec_column_present(written):
    plan, dept = written
    for sheet in SPEC_REQUIRED:
        path = dept if sheet in DEPT_SHEETS else plan
        headers = _headers(path, sheet)
        missing = [c for c in SPEC_REQUIRED[sheet] + SPEC_OPTIONAL.get(sheet, []) if c not in headers]
        assert missing == [], (sheet, missing)


def test_year_columns(written):
    plan, dept = written
    kpis = _headers(plan, "KPIs")
    assert [parse_prefixed_year(h, "Target") for h in kpis if h.startswith("Target")] == list(range(2027, 2032))
    assumptions = _headers(plan, "Assumptions")
    assert [parse_fiscal_year(h) for h in assumptions[1:]] == list(range(2027, 2032))
    revenue = [parse_year_phase(h, REVENUE_PHASES) for h in _headers(plan, "Revenue")]
    phases = {p for yp in revenue if yp for p in [yp[1]]}
    assert phases == set(REVENUE_PHASES)
    lines = [parse_year_phase(h) for h in _headers(dept, "Line Items")]
    assert {yp[1] for yp in lines if yp} == {"Actual", "Adopted", "Requested"}
    requests = _headers(dept, "Requests")
    assert [parse_prefixed_year(h, "Cost") for h in requests if h.startswith("Cost")] == list(range(2027, 2032))


def test_headers_are_what_the_readers_accept(written):
    columns = pytest.importorskip("kcplanner.readers.columns")
    plan, dept = written
    specs = {s.name: s for s in (*columns.PLAN_SHEETS, *columns.BUDGET_SHEETS)}
    for sheet, spec in specs.items():
        path = dept if sheet in DEPT_SHEETS else plan
        headers = _headers(path, sheet)
        keys = {columns.norm(h) for h in headers}
        assert all(keys & c.keys() for c in spec.required), sheet
        known = set().union(*(c.keys() for c in spec.columns))
        dynamic = re.compile(r"^(target|cost)?(fy)?\d{4}")
        unknown = [h for h in headers if columns.norm(h) not in known and not dynamic.match(columns.norm(h))]
        assert unknown == [], (sheet, unknown)


def test_notes_explain_every_column(written):
    for path in written:
        book = pd.read_excel(path, sheet_name=None, engine="calamine", header=None)
        notes = book.pop("Notes")
        text = [str(v) for v in notes.to_numpy().ravel() if isinstance(v, str)]
        for sheet, frame in book.items():
            listed = set(notes.loc[notes[0] == sheet, 1])
            headers = _headers(path, sheet)
            assert set(headers) <= listed, (sheet, set(headers) - listed)
        joined = " ".join(text)
        if path.name.startswith("plan"):
            assert "Higher is better" in joined and "Lower is better" in joined
        else:
            assert "Division" in joined  # aliases are listed
            assert all(t in joined for t in ("Enhancement", "Reduction", "New program", "Capital"))
            assert "Personnel Services" in joined


def test_formatting_dropdowns_and_comments(written):
    plan, dept = written
    wb = openpyxl.load_workbook(dept)
    for name in ("Line Items", "Positions", "Requests"):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws["A1"].font.bold
        assert ws["A1"].comment is not None and "Required" in ws["A1"].comment.text
    lists = [dv.formula1 for dv in wb["Requests"].data_validations.dataValidation]
    joined = " ".join(lists)
    for value in ("Enhancement", "Reduction", "Personnel Services", '"Y,N"'):
        assert value in joined, value
    wb = openpyxl.load_workbook(plan)
    lists = " ".join(dv.formula1 for dv in wb["KPIs"].data_validations.dataValidation)
    assert "Higher is better" in lists and "Lower is better" in lists
    assert wb["KPIs"].column_dimensions["B"].width > 20


def test_templates_read_cleanly(written):
    readers = pytest.importorskip("kcplanner.readers")
    plan, dept = written
    result = readers.read_dataset(plan, [dept])
    assert result.ok, result.report.to_text()
    assert len(result.dataset.budget.line_items) == 0


def test_filled_template_reads(written, tmp_path):
    readers = pytest.importorskip("kcplanner.readers")
    plan, dept = written
    wb = openpyxl.load_workbook(dept)
    wb["Line Items"].append(["General Fund", "Police", "Patrol", "511100 Salaries - Regular", "Personnel Services", "Y",
                             90, 95, 100, 104])
    filled = tmp_path / "police.xlsx"
    wb.save(filled)
    wb = openpyxl.load_workbook(plan)
    wb["Funds"].append(["General Fund", "1000 - General Fund", 20, 10, 16.7, 25])
    wb["Settings"]["B2"] = "Testville"
    filled_plan = tmp_path / "plan.xlsx"
    wb.save(filled_plan)
    result = readers.read_dataset(filled_plan, [filled])
    assert result.ok, result.report.to_text()
    ds = result.dataset
    assert ds.plan_years[0] == 2027
    assert ds.budget.amounts[(2027, "Requested")].sum() == 104
    assert ds.plan.funds["reserve_floor"].iloc[0] == pytest.approx(0.10)

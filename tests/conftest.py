"""Shared fixtures. Keep small; add fixtures, never remove them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest


def write_xlsx(path: Path, sheets: dict[str, list[list]], **options) -> Path:
    """Write rows per sheet with xlsxwriter; None cells are left empty; `options` go to the Workbook."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), options or None)
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
    wb.close()
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)
    return path


PLAN_SHEETS = {
    "Settings": [["Key", "Value"], ["City", "Testville"], ["First plan year", "FY2026-27"],
                 ["Default cost per FTE", 90000]],
    "Goals": [["Goal ID", "Goal", "Weight"], ["G1", "Safe streets", 2], ["G2", "Clean city", None]],
    "Objectives": [["Objective ID", "Goal ID", "Objective"], ["O1", "G1", "Fewer crashes"]],
    "KPIs": [["KPI ID", "Name", "Goal ID or Objective ID", "Unit", "Direction", "Baseline", "Baseline FY",
              "Trend %", "Target FY2027", "Target FY2028", "Department"],
             ["K1", "Response time", "O1", "min", "Lower is better", 9.5, 2026, 1, 9, 8.5, "Police"],
             ["K2", "Streets swept", "g2", "miles", "up", 100, None, "2%", 110, None, None]],
    "Drivers": [["KPI ID", "Department", "Program", "Elasticity", "Lag", "Max effect %", "Elasticity low",
                 "Elasticity high"],
                ["K1", "Police", "Patrol", -0.3, 1, 20, None, -0.5],
                ["K2", "Public Works", None, 0.5, None, None, 0.2, None]],
    "Revenue": [["Fund", "Source", "Recurring", "FY2025 Actual", "FY2026 Adopted", "FY2026 Estimate", "Growth %"],
                ["General", "Property tax", "Y", 1000, 1100, 1050, 2],
                ["General", "Grant", "N", 50, None, None, None],
                ["Total", None, None, 1050, 1100, 1050, None]],
    "Assumptions": [["Account class", "FY2027", "FY2028"], ["Personnel Services", 0.03, "3%"],
                    ["Commodities", 0.02, None]],
    "Funds": [["Fund", "Fund name", "Beginning balance", "Reserve floor %", "Reserve target %", "Reserve ceiling %"],
              ["General", "General Fund", "$5,000", 10, "15%", 0.25]],
}

BUDGET_SHEETS = {
    "Line Items": [["City of Testville budget"], [],
                   ["Fund", "Department", "Program", "Account", "Account class", "Recurring",
                    "FY2025 Actual", "FY 2025-26 Adopted", "2027 Requested"],
                   ["General", "Police", "Patrol", "5110 Salaries", "Personnel Services", "Y", 100, 110, 120],
                   ["General", "Police", "Patrol", None, "Commodities", None, "$1,000.50", "(20)", None],
                   ["General", "Police", "Investigations", "Overtime", "personnel", "N", 5, 6, 7],
                   [None] * 9,
                   ["Subtotal Police", None, None, None, None, None, 1105.5, 96, 127],
                   ["General", "Public Works", "Streets", "Asphalt", "Capital", "Y", 300, 310, 320]],
    "Positions": [["Department", "Program", "Position", "FTE", "Cost per FTE"],
                  ["Police", "Patrol", "Officer", 10, 80000], ["Police", "Patrol", "Sergeant", 2, None]],
    "Requests": [["Request ID", "Department", "Program", "Fund", "Title", "Type", "Account class", "Recurring",
                  "Cost FY2027", "Cost FY2028", "FTE", "Justification", "KPI ID", "Rank"],
                 ["R1", "Police", "Patrol", "General", "More officers", "Enhancement", "Personnel Services", "Y",
                  200000, 206000, 2, "Faster response", "K1", 1],
                 ["R2", "Public Works", "Streets", "General", "Cut mowing", "Reduction", None, None, 5000, None,
                  None, None, None, 2]],
}


@pytest.fixture
def plan_book(tmp_path) -> Path:
    """A small SPEC-format plan workbook."""
    return write_xlsx(tmp_path / "plan.xlsx", PLAN_SHEETS)


@pytest.fixture
def budget_book(tmp_path) -> Path:
    """A small SPEC-format department budget workbook (title rows, subtotal and blank rows)."""
    return write_xlsx(tmp_path / "police.xlsx", BUDGET_SHEETS)


@pytest.fixture(autouse=True)
def kcplanner_data_dir(tmp_path, monkeypatch) -> Path:
    """The app's data folder (the untitled session's autosave, ui/project/untitled.py) goes to tmp_path,
    never the developer's own; child processes inherit it."""
    folder = tmp_path / "appdata"
    monkeypatch.setenv("KCPLANNER_DATA_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True, scope="session")
def _collect_garbage_between_tests_only():
    """Garbage is collected on the GUI thread, as the app does (ui/common/gc_guard.py): the interpreter's
    automatic collection runs on whichever thread allocates, often a worker reading workbooks, and
    freeing Qt objects there ended runs with a segmentation fault (docs/ui.md, "Known issues, fixed").
    The run collects itself between tests, once the thread pool is idle, so every test starts clean."""
    import gc

    was = gc.isenabled()
    gc.disable()
    yield
    if was:
        gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_each_test():
    yield
    import gc
    import sys

    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone(60_000)
    gc.collect()

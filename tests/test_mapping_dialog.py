"""The import-mapping dialog, driven with qtbot: edits update the preview and the totals."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from kcplanner.readers import load_mapping
from tests.conftest import write_csv
from tests.conftest_ui import ui_settings  # noqa: F401
from ui.mapping.dialog import MappingDialog, edit_mapping

from .realdata import REALDATA, need, require

ROOT = Path(__file__).resolve().parents[1]
REAL = REALDATA
BOSTON_OP = REAL / "boston" / "fy24-adopted-operating-budget.csv"
OAKLAND = REAL / "oakland" / "BudgetData for Public Adopted FY2016-17 Midcycle.xlsx"


@pytest.fixture
def small_csv(tmp_path):
    return write_csv(tmp_path / "city-FY2025-26-adopted.csv", [
        ["Account Type", "Dept", "Unit", "Object", "AMT", "Prior"],
        ["Expense", "Police", "Patrol", "Salaries", "1000", "900"],
        ["Expense", "Police", "Patrol", "Supplies", "#Missing", "40"],
        ["Revenue", "Police", "Patrol", "Fines", "250", "200"],
        ["Expense", "Parks", "Pools", "Chlorine", "12.5", "10"]])


def _totals(d):
    f = d.totals_model.frame
    return {(r.table, int(r.fiscal_year), r.phase): r.total for r in f.itertuples()}


def _choose(combo, data):
    k = combo.findData(data)
    assert k >= 0, data
    combo.setCurrentIndex(k)


def test_dialog_shows_suggestion_preview_and_totals(qtbot, small_csv):
    d = MappingDialog(small_csv)
    qtbot.addWidget(d)
    assert d.source_model.rowCount() == 4
    assert d.mapping.split is not None
    assert _totals(d) == {("line_items", 2026, "Adopted"): 1012.5, ("revenue", 2026, "Adopted"): 250.0}
    assert list(d.preview_model.frame["department"]) == ["Police", "Police", "Police", "Parks"]
    assert "4 rows read, 4 imported" in d.status.text()


def test_changing_a_field_updates_preview_and_totals(qtbot, small_csv):
    d = MappingDialog(small_csv)
    qtbot.addWidget(d)
    # department from another column: the preview follows
    _choose(d.field_combos["department"], "Unit")
    qtbot.waitUntil(lambda: list(d.preview_model.frame["department"])[:1] == ["Patrol"], timeout=3000)
    # fund as a constant
    _choose(d.field_combos["fund"], "__constant__")
    d.constant_edits["fund"].setText("Police Fund")
    qtbot.waitUntil(lambda: set(d.preview_model.frame["fund"]) == {"Police Fund"}, timeout=3000)
    # the amount column: AMT → FY2024 Actual changes the totals (the year and phase still come from the fields)
    _choose(d.amount_combo, "Prior")
    qtbot.waitUntil(lambda: _totals(d).get(("line_items", 2026, "Adopted")) == 950.0, timeout=3000)
    # the phase constant: Actual
    d.constant_edits["phase"].setText("Actual")
    qtbot.waitUntil(lambda: ("line_items", 2026, "Actual") in _totals(d), timeout=3000)
    # no split: revenue rows become line items, the revenue total goes
    _choose(d.split_combo, None)
    qtbot.waitUntil(lambda: set(t for t, _y, _p in _totals(d)) == {"line_items"}, timeout=3000)
    assert _totals(d)[("line_items", 2026, "Actual")] == 1150.0


def test_excluded_rows_and_problems_listed(qtbot, small_csv):
    d = MappingDialog(small_csv)
    qtbot.addWidget(d)
    d.split_values.setText("Expense=line_items")  # Revenue rows are no longer imported
    qtbot.waitUntil(lambda: len(d.excluded_model.frame) == 1, timeout=3000)
    assert list(d.excluded_model.frame["row"]) == [4]
    assert "split" in d.excluded_model.frame["excluded"].iloc[0]
    assert any("Revenue" in m for m in d.problems_model.frame["message"])
    # a sentinel no longer listed: '#Missing' becomes an unreadable amount, an error
    d.missing_edit.setText("")
    qtbot.waitUntil(lambda: "error" in set(d.problems_model.frame["severity"]), timeout=3000)
    assert any(c == "E3" for c in d.problems_model.frame["cell"])


@require(BOSTON_OP)
def test_wide_amounts_table(qtbot):
    d = MappingDialog(BOSTON_OP)
    qtbot.addWidget(d)
    assert len(_totals(d)) == 4
    t = d.amounts_table
    row = next(r for r in range(t.rowCount()) if t.item(r, 0).text() == "FY24 Adopted")
    t.item(row, 0).setCheckState(Qt.CheckState.Unchecked)
    qtbot.waitUntil(lambda: len(_totals(d)) == 3, timeout=3000)
    row = next(r for r in range(t.rowCount()) if t.item(r, 0).text() == "FY23 Appropriation")
    t.item(row, 2).setText("Requested")
    qtbot.waitUntil(lambda: ("line_items", 2023, "Requested") in _totals(d), timeout=3000)


def test_save_and_return_the_mapping(qtbot, small_csv, tmp_path, monkeypatch):
    d = MappingDialog(small_csv)
    qtbot.addWidget(d)
    _choose(d.field_combos["program"], "Object")
    d.refresh_now()
    out = tmp_path / "saved.json"
    assert d.save(out) == out
    saved = load_mapping(out)
    assert saved.columns["program"] == "Object"
    assert saved == d.current_mapping()
    d.accept()
    assert d.result_mapping() == saved
    monkeypatch.setattr(MappingDialog, "exec", lambda self: MappingDialog.DialogCode.Accepted)
    got = edit_mapping(small_csv, saved)
    assert got == saved
    monkeypatch.setattr(MappingDialog, "exec", lambda self: MappingDialog.DialogCode.Rejected)
    assert edit_mapping(small_csv, saved) is None


def test_kpi_table(qtbot, tmp_path):
    path = write_csv(tmp_path / "measures.csv", [
        ["MEASURE_ID", "MEASURE_NAME", "DEPT", "CFY", "CFY_APPROVED", "PFY1_ACTUAL"],
        ["1", "Average response time", "Police", "2016", "8", "9"],
        ["2", "Library visits", "Library", "2016", "100", "New Meas."]])
    d = MappingDialog(path)
    qtbot.addWidget(d)
    assert d.mapping.table == "kpis"
    assert "1 error" in d.status.text()  # Library visits: the direction cannot be told
    _choose(d.field_combos["direction"], "__constant__")
    d.constant_edits["direction"].setText("Higher is better")
    qtbot.waitUntil(lambda: "2 imported" in d.status.text(), timeout=3000)
    prev = d.preview_model.frame
    assert list(prev["direction"]) == ["Lower is better", "Higher is better"]


@require(OAKLAND)
def test_oakland_stays_responsive(qtbot):
    d = MappingDialog(OAKLAND, load_mapping(ROOT / "kcplanner" / "resources" / "mappings" / "oakland.json"))
    qtbot.addWidget(d)
    t0 = time.perf_counter()
    d.refresh_now()
    assert time.perf_counter() - t0 < 1.5
    assert d.preview_model.rowCount() == 200
    totals = _totals(d)
    assert round(totals[("line_items", 2017, "Adopted")]) == 1239428331
    assert round(totals[("revenue", 2017, "Adopted")]) == 1237091825


def test_unreadable_file_gives_a_message_not_a_traceback(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a workbook at all")
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    assert edit_mapping(bad) is None
    assert shown and "broken.xlsx" in shown[0] and "not a workbook" in shown[0]


@pytest.mark.parametrize("name, rel, status", [
    ("austin-kpis", "austin-kpi/2016_EPERF_DOWNLOAD 9-22-16.xlsx", "1,716 rows read, 212 imported"),
    ("boston-operating", "boston/fy24-adopted-operating-budget.csv", "900 rows read, 900 imported"),
    ("boston-revenue", "boston/fy24-adopted-revenue-budget.csv", "199 rows read, 199 imported"),
])
def test_shipped_mappings_round_trip_through_the_dialog(qtbot, name, rel, status):
    path = REAL / rel
    need(path)
    shipped = load_mapping(ROOT / "kcplanner" / "resources" / "mappings" / f"{name}.json")
    d = MappingDialog(path, shipped)
    qtbot.addWidget(d)
    assert status in d.status.text() and "0 error(s)" in d.status.text()
    assert d.current_mapping() == shipped  # the widgets show the whole mapping: nothing lost on save

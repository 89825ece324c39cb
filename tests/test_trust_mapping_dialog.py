"""Issue 11, the mapping dialog driven with qtbot: candidate totals side by side, the 10x question,
OK refused when nothing would import, values-map rows added and removed, and mappings remembered
with the file (applied without asking; reopened with the user's mapping after a failed load)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QMessageBox

from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from ui.common import settings as st
from ui.mapping.dialog import MappingDialog

from .warehouse import sha, write_warehouse

N = 5177


@pytest.fixture
def export(tmp_path):
    return write_warehouse(tmp_path / "gl_detail_export_FY2025.csv", n=N)


def _sum(path, column) -> float:
    return float(pd.read_csv(path)[column].sum())


def _choose(combo, data):
    k = combo.findData(data)
    assert k >= 0, data
    combo.setCurrentIndex(k)


class Boxes:
    """QMessageBox.warning replaced: records (title, text) and answers `answer`."""

    def __init__(self, monkeypatch, answer=QMessageBox.StandardButton.Cancel):
        self.shown: list[tuple[str, str]] = []
        self.answer = answer
        monkeypatch.setattr(QMessageBox, "warning", self)

    def __call__(self, _parent, title, text, *_a, **_k):
        self.shown.append((title, text))
        return self.answer


def test_candidate_totals_side_by_side(qtbot, export):
    before = sha(export)
    d = MappingDialog(export, previous_total=48_000_000.0)
    qtbot.addWidget(d)
    rows = {r[0]: r for r in d.candidates_table.text_rows()}
    amount, running = _sum(export, "Amount"), _sum(export, "Running Total")
    assert rows["Amount"][1:] == [f"{amount:,.2f}", f"{N:,}", "chosen"]
    assert rows["Running Total"][1] == f"{running:,.2f}"
    assert rows["Running Total"][3].startswith("not an amount: its values are a running total of 'Amount'")
    assert rows["(the budget loaded now)"][1] == "48,000,000.00"
    assert d.candidates_table.item(0, 0).font().bold()  # the chosen one stands out
    assert d.ok_button.isEnabled()
    assert sha(export) == before


def test_choosing_the_running_total_asks_before_loading(qtbot, export, monkeypatch, tmp_path):
    d = MappingDialog(export)
    qtbot.addWidget(d)
    _choose(d.amount_combo, "Running Total")
    d.refresh_now()
    boxes = Boxes(monkeypatch, QMessageBox.StandardButton.Cancel)
    d.accept()
    assert d.result() != QDialog.DialogCode.Accepted
    title, text = boxes.shown[-1]
    running = _sum(export, "Running Total")
    assert title == "Check the amount column"
    assert "'Running Total' does not look like an amount: its values are a running total of 'Amount'" in text
    assert f"{running:,.2f}" in text and "Load it anyway?" in text
    # the user may still load it
    boxes.answer = QMessageBox.StandardButton.Yes
    d.accept()
    assert d.result() == QDialog.DialogCode.Accepted and d.result_mapping().amount == "Running Total"


def test_ten_times_the_previous_import_asks(qtbot, export, monkeypatch):
    amount = _sum(export, "Amount")
    d = MappingDialog(export, previous_total=amount / 20)
    qtbot.addWidget(d)
    boxes = Boxes(monkeypatch)
    d.accept()
    assert d.result() != QDialog.DialogCode.Accepted
    assert f"20 times the budget loaded now ({amount / 20:,.2f})" in boxes.shown[-1][1]
    # a like-sized previous budget: no question
    d2 = MappingDialog(export, previous_total=amount / 2)
    qtbot.addWidget(d2)
    d2.accept()
    assert d2.result() == QDialog.DialogCode.Accepted and len(boxes.shown) == 1


def test_a_column_ten_times_every_other_asks(qtbot, tmp_path, monkeypatch):
    """No running total: a plain numeric column 10x the amount (a quantity in cents, say) is questioned."""
    rng = np.random.default_rng(2)
    n = 600
    frame = pd.DataFrame({"Fund": "General", "Department": rng.choice(["Police", "Fire"], n),
                          "Program": "Ops", "Account": "Supplies", "Amount": rng.integers(1, 900, n) * 10.0,
                          "Amount Cents": 0.0})
    frame["Amount Cents"] = frame["Amount"] * 100 + rng.integers(0, 99, n)
    path = tmp_path / "cents FY2025.csv"
    frame.to_csv(path, index=False)
    d = MappingDialog(path)
    qtbot.addWidget(d)
    _choose(d.amount_combo, "Amount Cents")
    boxes = Boxes(monkeypatch)
    d.accept()
    text = boxes.shown[-1][1]
    ratio = frame["Amount Cents"].sum() / frame["Amount"].sum()
    assert f"'Amount Cents' totals {frame['Amount Cents'].sum():,.2f}, {ratio:,.0f} times 'Amount'" in text
    assert d.result() != QDialog.DialogCode.Accepted


@pytest.mark.parametrize("how", ["row filter", "text amount"])
def test_ok_is_refused_when_no_row_would_import(qtbot, export, monkeypatch, how):
    d = MappingDialog(export)
    qtbot.addWidget(d)
    if how == "row filter":
        d.where_edit.setText("Fund=Enterprise Fund")  # no row has it
    else:
        _choose(d.amount_combo, "Department")  # words, not amounts: every row is in error
    d.refresh_now()
    assert not d.ok_button.isEnabled()
    assert d.ok_button.toolTip().startswith(f"0 of {N:,} rows would be imported (")
    assert ("not selected (Fund is not Enterprise Fund)" if how == "row filter" else "error") in d.ok_button.toolTip()
    assert "OK is off" in d.status.text() and f"0 of {N:,} rows would be imported" in d.status.text()
    boxes = Boxes(monkeypatch)
    d.accept()  # Enter, or a script: refused with the reason
    assert d.result() != QDialog.DialogCode.Accepted
    assert boxes.shown[-1][0] == "Nothing would be imported"
    assert f"0 of {N:,} rows would be imported" in boxes.shown[-1][1]
    d.where_edit.setText("")
    _choose(d.amount_combo, "Amount")
    d.refresh_now()
    assert d.ok_button.isEnabled()


def test_values_map_rows_can_be_added_edited_and_removed(qtbot, export):
    d = MappingDialog(export)
    qtbot.addWidget(d)
    ed = d.values_editor
    vm = d.mapping.values["account_class"]
    assert vm["Debt Payments"] == "Debt Service"
    # remove a row: Debt Payments is no longer mapped
    r = next(r for r in range(ed.table.rowCount()) if ed.cell(r, 1) == "Debt Payments")
    ed.table.selectRow(r)
    assert ed.remove_button.isEnabled()
    ed.remove_button.click()
    d.refresh_now()
    assert "Debt Payments" not in d.mapping.values["account_class"]
    # the source texts offered for a new row include it again
    qtbot.mouseClick(ed.add_button, Qt.MouseButton.LeftButton)
    new = ed.table.rowCount() - 1
    assert ed.cell(new, 0) == "account_class"
    assert "Debt Payments" in ed.choices(new, 1) and "Salaries" not in ed.choices(new, 1)
    assert "Capital Outlay" in ed.choices(new, 2)
    ed.table.item(new, 1).setText("Debt Payments")
    ed.table.item(new, 2).setText("Capital Outlay")
    d.refresh_now()
    assert d.mapping.values["account_class"]["Debt Payments"] == "Capital Outlay"
    # the preview follows: the Capital Outlay total is the Debt Payments and Equipment rows' sum
    src = pd.read_csv(export)
    want = src.loc[src["Expense Category"].isin(["Debt Payments", "Equipment"]), "Amount"].sum()
    rows = d.part.rows
    kept = rows[rows["excluded"] == ""]
    got = math.fsum(d.part.amounts.sum(axis=1)[kept.index[kept["account_class"] == "Capital Outlay"]])
    assert got == pytest.approx(want)
    # the cell is edited with a combo box of those choices
    editor = ed.table.itemDelegate().createEditor(ed.table.viewport(), None, ed.table.model().index(new, 2))
    assert isinstance(editor, QComboBox) and editor.findText("Debt Service") >= 0
    editor.deleteLater()


def _remembered(path):
    return st.file_mapping(path)


def test_failed_load_reopens_with_the_users_mapping_then_remembered(qtbot, window, tmp_path, monkeypatch):
    """The user maps the year from `Period` (one bad cell): the load fails; after the report is closed the
    dialog reopens with the user's mapping (not the suggestion); fixed, it loads and is remembered; the
    recent file then opens with it without asking; when its columns change, the dialog opens with it."""
    path = write_warehouse(tmp_path / "gl_detail_export_FY2025.csv", n=800, period="Period", bad_period_row=17)
    before = sha(path)
    seen = []

    def user(path_, mapping=None, parent=None, sheet=None):
        d = MappingDialog(path_, mapping, parent, sheet)
        qtbot.addWidget(d)
        seen.append(d.current_mapping())
        if len(seen) == 1:  # the suggestion takes the year from the file name; the user picks Period
            assert d.mapping.constants.get("fiscal_year") == 2025
            _choose(d.field_combos["fiscal_year"], "Period")
        else:  # reopened with the user's mapping: the user takes the year from the name again
            _choose(d.field_combos["fiscal_year"], "__constant__")
            d.constant_edits["fiscal_year"].setText("2025")
        d.refresh_now()
        assert d.ok_button.isEnabled()  # 799 of 800 rows import: OK is allowed
        return d.current_mapping()
    monkeypatch.setattr("ui.mapping.dialog.edit_mapping", user)

    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as blocker:
        window.open_paths([str(path)])
    assert blocker.args == [False]
    error = window.report_dialog.report.errors[0]
    assert error.cell == "F19" and "found 'FY2025 adj'" in error.message  # the user's Period column, row 19
    assert _remembered(path)[1] is False and _remembered(path)[0]["columns"]["fiscal_year"] == "Period"
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as blocker:
        window.report_dialog.reject()  # closing the report reopens the dialog
    assert blocker.args == [True]
    assert seen[1].columns.get("fiscal_year") == "Period"  # the user's mapping, not a fresh suggestion
    assert window.session.dataset.budget.amounts.sum().sum() == pytest.approx(_sum(path, "Amount"))
    saved, loaded = _remembered(path)
    assert loaded and saved["constants"]["fiscal_year"] == 2025

    # the recent file opens with the remembered mapping, without the dialog
    def no_dialog(*_a, **_k):
        raise AssertionError("the remembered mapping applies: no dialog")
    monkeypatch.setattr("ui.mapping.dialog.edit_mapping", no_dialog)
    recent = st.recent_projects()[0]
    assert recent.budgets == (str(path),)
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as blocker:
        window.open_project(recent)
    assert blocker.args == [True]
    assert "read with the import mapping chosen for it before" in window.statusBar().currentMessage()

    # the columns changed: the dialog opens, preloaded with the remembered mapping
    frame = pd.read_csv(path).rename(columns={"Amount": "Amt"})
    frame.to_csv(path, index=False)
    offered = []

    def cancel(path_, mapping=None, parent=None, sheet=None):
        offered.append(mapping)
        return None
    monkeypatch.setattr("ui.mapping.dialog.edit_mapping", cancel)
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as blocker:
        window.open_project(recent)
    assert blocker.args == [False]
    assert offered[0] is not None and offered[0].amount == "Amount" and offered[0].constants["fiscal_year"] == 2025
    assert before != sha(path)  # (the test changed it; kcplanner never writes an input)


def test_the_window_hands_its_budget_total_to_the_dialog(qtbot, loaded, export, monkeypatch):
    from ui.mapping import dialog as mapping_dialog

    am = loaded.session.dataset.budget.amounts
    want = max(abs(math.fsum(np.nan_to_num(am[c].to_numpy(dtype=float)))) for c in am.columns)
    shown = {}

    def grab(self):
        shown["previous"] = self.previous_total
        shown["rows"] = self.candidates_table.text_rows()
        return QDialog.DialogCode.Rejected
    monkeypatch.setattr(MappingDialog, "exec", grab)
    assert mapping_dialog.edit_mapping(export, parent=loaded) is None
    assert shown["previous"] == pytest.approx(want)
    assert ["(the budget loaded now)", f"{want:,.2f}", "", "the previous import's total"] in shown["rows"]


def test_grab_the_dialog(qtbot, export, tmp_path):
    d = MappingDialog(export, previous_total=48_000_000.0)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    out = Path(tmp_path) / "mapping_dialog.png"
    assert d.grab().save(str(out)) and out.stat().st_size > 10_000


def test_a_remembered_mapping_applies_only_while_it_still_fits(export):
    from kcplanner.readers import suggest_mapping
    from ui.mapping.flow import mapping_fits

    amount = _sum(export, "Amount")
    m = suggest_mapping(export)
    assert mapping_fits(export, m) and mapping_fits(export, m, previous=amount / 2)
    assert not mapping_fits(export, m, previous=amount / 20)  # 20x the budget loaded now: the dialog asks
    running = m.copy()
    running.amount = "Running Total"
    assert not mapping_fits(export, running)  # a running total is never applied without asking
    gone = m.copy()
    gone.columns["program"] = "Program Name"
    assert not mapping_fits(export, gone)  # a column it names is not in the file


def test_open_with_mapping_asks_about_a_running_total_before_loading(qtbot, window, export, tmp_path, monkeypatch):
    """File > Open with mapping… with a saved mapping that reads the running total: the same question
    as the dialog's; Cancel loads nothing, Yes loads what was asked about."""
    from kcplanner.readers import suggest_mapping
    from kcplanner.readers.mapping import save_mapping

    before = sha(export)
    wrong = suggest_mapping(export).copy()
    wrong.amount = "Running Total"
    saved = tmp_path / "wrong.mapping.json"
    save_mapping(wrong, saved)

    def pick_files():
        answers = iter([([str(export)], ""), ([str(saved)], "")])
        monkeypatch.setattr("ui.workbooks.controller.QFileDialog.getOpenFileNames", lambda *a, **k: next(answers))

    boxes = Boxes(monkeypatch, QMessageBox.StandardButton.Cancel)
    pick_files()
    window.open_with_mapping()
    assert len(boxes.shown) == 1
    title, text = boxes.shown[0]
    assert title == "Check the amounts before loading"
    assert "'Running Total' does not look like an amount" in text and export.name in text
    assert window.task is None and not window.session.loaded  # cancelled: nothing loads

    boxes.answer = QMessageBox.StandardButton.Yes
    pick_files()
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as blocker:
        window.open_with_mapping()
        qtbot.waitUntil(lambda: window.report_dialog is not None or not window.loading, timeout=60_000)
        if window.report_dialog is not None and window.report_dialog.isVisible():
            window.report_dialog.accept()
    assert blocker.args == [True] and len(boxes.shown) == 2
    loaded = math.fsum(window.session.dataset.budget.amounts.sum(axis=1))
    assert loaded == pytest.approx(_sum(export, "Running Total"))  # the user said yes to what was shown
    assert sha(export) == before

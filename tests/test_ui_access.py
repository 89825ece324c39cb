"""Keyboard and screen readers (issue 19): every control has a name, charts are no dead Tab stops,
Tab follows the reading order in every dialog, Enter does not save the justification builder on
every step, and the window fits beside Excel on a 1920-wide screen (docs/ui.md)."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPushButton

from kcplanner.engine import prepare
from tests.access_walk import (buttons_last, dead_charts, describe, reading_order_breaks, tab_chain, tab_stop,
                               unnamed)
from tests.conftest import write_csv
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from tests.conftest_ui import SAMPLE_LINES
from tests.review_panel_data import sample_with_actuals
from ui.review import view as review_view

#: half of a 1920-pixel screen: the window beside an Excel window
HALF_SCREEN = 960


def settle(qtbot, ms: int = 30) -> None:
    QApplication.processEvents()
    qtbot.wait(ms)


@pytest.fixture
def full(window, sample_loaded, monkeypatch):
    """The window on the sample with its actuals (the Review tab has figures to show)."""
    monkeypatch.setattr(review_view, "FAST_MS", math.inf)  # the review on the GUI thread: deterministic
    _project, prepared, _report = sample_loaded
    window.session.set_data(prepare(sample_with_actuals(prepared.dataset, SAMPLE_LINES)))
    return window


def each_tab(qtbot, window):
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        settle(qtbot)
        yield window.tabs.tabText(i)


def test_every_control_of_the_main_window_has_a_name(qtbot, full):
    missing = {}
    for tab in each_tab(qtbot, full):
        for w in unnamed(full):
            missing.setdefault(tab, []).append(describe(w))
    # the pages shown on demand: a story's editor, the KPI review of the Evidence tab
    full.tabs.setCurrentWidget(full.stories)
    full.stories.add("Safer streets")
    full.evidence.pages.setCurrentWidget(full.evidence.review)
    for panel in (full.stories, full.evidence):
        full.tabs.setCurrentWidget(panel)
        settle(qtbot)
        missing.update({type(panel).__name__: [describe(w) for w in unnamed(full)]} if unnamed(full) else {})
    assert not missing, missing
    # the names are the labels' words, not their markup or mnemonics
    assert full.year.accessibleName() == "Plan year"
    assert full.allocations.mode.accessibleName() == "Group by"
    assert (full.compare.a.accessibleName(), full.compare.b.accessibleName()) == ("A", "B")


def test_a_control_without_a_name_is_found(qtbot, full):
    """The walk can fail: a combo box nobody names is reported."""
    from PySide6.QtWidgets import QComboBox

    stray = QComboBox(full.rules)
    full.rules.layout().addWidget(stray)
    full.tabs.setCurrentWidget(full.rules)
    settle(qtbot)
    assert stray in unnamed(full)


def test_charts_are_not_dead_tab_stops(qtbot, full):
    for tab in each_tab(qtbot, full):
        assert not dead_charts(full), (tab, [describe(v) for v in dead_charts(full)])
    full.show_kpi(0)
    settle(qtbot)
    assert not dead_charts(full.kpi_detail)
    assert full.overview.graphics.accessibleName()  # named for a screen reader that walks the window


def test_the_window_fits_beside_excel(qtbot, full):
    """The minimum width with every tab shown (the Review tab with its figures) is half a 1920 screen."""
    widths = {}
    for tab in each_tab(qtbot, full):
        if tab == "Review":
            # its tables, not the empty page
            qtbot.waitUntil(lambda: full.review.stack.currentIndex() == 1, timeout=20_000)
            settle(qtbot)
        widths[tab] = full.minimumSizeHint().width()
    assert max(widths.values()) <= HALF_SCREEN, widths
    # the two left docks are one column of tabs
    assert full.tabifiedDockWidgets(full.scenario_dock) == [full.undo_dock]
    full.resize(HALF_SCREEN, 1000)
    settle(qtbot)
    assert full.width() <= HALF_SCREEN


# -- dialogs -----------------------------------------------------------------------------------------

def check_dialog(qtbot, dlg, what: str) -> list:
    """Names, charts and the Tab order of a dialog on screen; its tab chain."""
    dlg.show()
    settle(qtbot)
    assert not [describe(w) for w in unnamed(dlg)], what
    assert not dead_charts(dlg), what
    chain = tab_chain(dlg)
    assert chain, what
    assert not [describe(w) for w in buttons_last(chain)], f"{what}: fields after the dialog's buttons"
    assert not [(describe(a), describe(b)) for a, b in reading_order_breaks(chain)], f"{what}: against reading order"
    return chain


@pytest.fixture
def small_csv(tmp_path):
    return write_csv(tmp_path / "city-FY2025-26-adopted.csv", [
        ["Account Type", "Dept", "Unit", "Object", "AMT", "Prior"],
        ["Expense", "Police", "Patrol", "Salaries", "1000", "900"],
        ["Revenue", "Police", "Patrol", "Fines", "250", "200"],
        ["Expense", "Parks", "Pools", "Chlorine", "12.5", "10"]])


def check_mapping_order(qtbot, d) -> None:
    """The mapping dialog's Tab order: the top row, then every field (its column, its constant) in the
    order shown, then OK and Cancel last.  (A function of its own: the wrappers it makes die with it.)"""
    chain = check_dialog(qtbot, d, f"mapping, {d.table_combo.currentData()}")
    fields = [w for f in d.field_combos for w in (d.field_combos[f], d.constant_edits[f]) if tab_stop(w)]
    at = [chain.index(w) for w in [d.sheet_combo, d.header_spin, d.table_combo, d.files_edit] + fields]
    assert at == sorted(at)
    assert max(at) < chain.index(d.ok_button) < chain.index(d.cancel_button)
    assert chain[-2:] == [d.ok_button, d.cancel_button]


def test_mapping_dialog_names_every_field_and_tabs_through_them_before_ok(qtbot, small_csv):
    from ui.mapping.dialog import MappingDialog

    d = MappingDialog(small_csv)
    qtbot.addWidget(d)
    d.resize(1300, 820)
    check_mapping_order(qtbot, d)
    # the field's label names its combo box; a constant says whose it is
    assert d.field_combos["department"].accessibleName() == "department"
    assert d.constant_edits["fund"].accessibleName() == "fund: constant value"
    # another table rebuilds the fields: still before OK
    d.table_combo.setCurrentIndex(d.table_combo.findData("revenue"))
    settle(qtbot, 200)
    check_mapping_order(qtbot, d)
    # every page of the right-hand tabs has a name
    for i in range(d.tabs.count()):
        d.tabs.setCurrentIndex(i)
        settle(qtbot)
        assert not unnamed(d), d.tabs.tabText(i)


@pytest.fixture
def builder(qtbot, loaded):
    from kcplanner.requests import request_effect

    w = loaded
    P = w.session.prepared
    moved = next(r for r in P.request_ids if request_effect(P, w.session.scenario, r).moved_kpis())
    w.tabs.setCurrentWidget(w.requests)
    w.requests.select_request(moved)
    settle(qtbot)
    dlg = w.requests.build_justification()
    yield dlg
    dlg.reject()


def test_justification_builder_every_step_named_in_reading_order(qtbot, builder):
    assert builder.kpi_rows
    for step in range(builder.steps.count()):
        builder.steps.setCurrentRow(step)
        check_dialog(qtbot, builder, f"builder step {step + 1}")
    row = builder.kpi_rows[0]
    assert row.expected.accessibleName() == f"{row.kpi_id}: your expected change"
    assert builder.what.accessibleName() == "What is requested?"


def test_enter_goes_to_the_next_step_and_saves_only_on_review(qtbot, builder):
    saved = []
    builder.accepted.connect(lambda: saved.append(True))
    builder.show()
    settle(qtbot)
    fields = {0: builder.steps, 3: builder.kpi_rows[0].expected, 5: builder.steps}
    for step in range(builder.steps.count() - 1):
        builder.steps.setCurrentRow(step)
        settle(qtbot)
        target = fields.get(step, builder.steps)
        target.setFocus()
        qtbot.keyClick(target, Qt.Key.Key_Return)
        settle(qtbot)
        assert builder.isVisible() and not saved, f"Enter on step {step + 1} closed the builder"
        assert builder.steps.currentRow() == step + 1, f"Enter on step {step + 1} did not go on"
    # the last step (Review): Enter saves
    assert builder.steps.currentRow() == builder.steps.count() - 1
    save = builder.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.isDefault() and not builder.next.isDefault()
    qtbot.keyClick(builder.steps, Qt.Key.Key_Return)
    settle(qtbot)
    assert saved and not builder.isVisible()


def test_other_dialogs_named_and_in_reading_order(qtbot, loaded):
    from ui.common.dialogs import OpenDialog, ReportDialog

    w = loaded
    w.tabs.setCurrentWidget(w.requests)
    w.requests.select_request(w.session.prepared.request_ids[0])
    settle(qtbot)
    dialogs = {"export": w.requests.export_dialog(), "optimizer": w.requests.open_optimizer(),
               "publish": w.publisher.publish_dialog(), "new request": w.requests.new_request(),
               "edit request": w.requests.edit_selected(), "load report": ReportDialog(w.session.report, parent=w),
               "open workbooks": OpenDialog(None, w)}
    w.show_kpi(0)
    dialogs["KPI detail"] = w.kpi_detail
    try:
        for what, dlg in dialogs.items():
            assert dlg is not None, what
            chain = check_dialog(qtbot, dlg, what)
            assert all(tab_stop(b) for b in chain)
            if what == "optimizer":  # its tabs' tables, page by page
                for i in range(dlg.result_tabs.count()):
                    dlg.result_tabs.setCurrentIndex(i)
                    settle(qtbot)
                    assert not unnamed(dlg), dlg.result_tabs.tabText(i)
            dlg.close()
    finally:
        for dlg in dialogs.values():
            if dlg is not None:
                dlg.close()


def test_a_button_box_before_a_field_is_caught(qtbot):
    """The Tab-order check can fail: a field added after OK is reported."""
    from PySide6.QtWidgets import QDialog, QLineEdit, QVBoxLayout

    d = QDialog()
    qtbot.addWidget(d)
    lay = QVBoxLayout(d)
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    lay.addWidget(box)
    late = QLineEdit()
    late.setAccessibleName("Late")
    lay.insertWidget(0, late)  # shown above OK, but later in the focus chain
    d.show()
    settle(qtbot)
    assert buttons_last(tab_chain(d)) == [late]
    assert isinstance(tab_chain(d)[0], QPushButton)


def test_plain_names_from_labels():
    from ui.common.access import plain

    assert plain("<h3>What is requested?</h3>") == "What is requested?"
    assert plain(" Plan &year: ") == "Plan year"
    assert plain("R&&D &budget:") == "R&D budget"



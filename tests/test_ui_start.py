"""The start page (ui/start/) and the tabs built when first shown (ui/common/lazy.py), through the real
MainWindow (pytest-qt, headless)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialog, QFileDialog

from kcplanner.project import Project as ProjectFile
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from tests.conftest_ui import SAMPLE_LINES
from ui.common import settings as st
from ui.common.lazy import Placeholder
from ui.workbooks.controller import SAMPLE_DIR


def scenario_actions(w):
    m = w.menu("Scenario")
    return [a for a in m.actions() if not a.isSeparator() and a.menu() is None] + [
        w.export_scenario_action, w.export_comparison_action, w.write_back_action,
        w.scenario_files.open_scenario_action]


def drop(widget, paths) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)


def test_with_no_data_the_start_page_shows_and_scenario_actions_are_off(window):
    page = window.start.page
    assert window.center.currentWidget() is page and page.isVisible()
    assert not window.tabs.isVisible()  # no empty charts reading "$1 $1 $0"
    texts = [b.text() for b in page.buttons.values()]
    assert texts == ["Open workbooks…", "Open folder…", "Open project…", "Open the sample city"]
    assert page.drop_zone.isVisible() and page.drop_zone.acceptDrops()
    actions = scenario_actions(window)
    assert len(actions) >= 9 and not any(a.isEnabled() for a in actions)
    assert not window.scenario_list.isEnabled()
    assert not window.publisher.publish_action.isEnabled()


def test_data_replaces_the_start_page_and_turns_scenario_actions_on(window, sample_loaded):
    project, prepared, report = sample_loaded
    window.session.set_data(prepared, report, project)
    assert window.center.currentWidget() is window.tabs and window.tabs.isVisible()
    assert not window.start.page.isVisible()
    assert all(a.isEnabled() for a in scenario_actions(window))
    assert window.scenario_list.isEnabled()


def test_the_sample_button_loads_the_bundled_sample(qtbot, window):
    with qtbot.waitSignal(window.loadFinished, timeout=120_000) as blocker:
        qtbot.mouseClick(window.start.page.buttons["sample"], Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    workbooks = sorted(str(p) for p in SAMPLE_DIR.glob("*.xlsx"))
    opened = sorted(([window.session.project.plan] if window.session.project.plan else [])
                    + list(window.session.project.budgets))
    assert opened == workbooks
    assert window.session.project.plan.endswith("plan.xlsx")
    assert window.center.currentWidget() is window.tabs
    assert all(a.isEnabled() for a in scenario_actions(window))


def test_the_folder_button_opens_the_folder_chosen(qtbot, window, sample_dir, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(sample_dir)))
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as blocker:
        qtbot.mouseClick(window.start.page.buttons["folder"], Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert window.session.prepared.n_lines == SAMPLE_LINES


def test_the_workbooks_and_project_buttons_ask_for_files(qtbot, window, monkeypatch):
    asked = []

    class NoDialog:
        def __init__(self, *args, **kwargs):
            asked.append("workbooks")

        def exec(self):
            return QDialog.DialogCode.Rejected
    monkeypatch.setattr("ui.workbooks.controller.OpenDialog", NoDialog)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (asked.append("project"), ("", ""))[1]))
    qtbot.mouseClick(window.start.page.buttons["workbooks"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.start.page.buttons["project"], Qt.MouseButton.LeftButton)
    assert asked == ["workbooks", "project"]
    assert window.center.currentWidget() is window.start.page  # nothing chosen: still the start page


def test_dropping_a_folder_on_the_drop_zone_opens_it(qtbot, window, sample_dir):
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as blocker:
        drop(window.start.page.drop_zone, [sample_dir])
    assert blocker.args == [True]
    assert window.session.prepared.n_lines == SAMPLE_LINES
    assert len(window.session.dataset.sources) == len(list(sample_dir.glob("*.xlsx")))


def test_dropping_a_project_file_opens_the_project(qtbot, window, sample_loaded, tmp_path):
    _project, prepared, _report = sample_loaded
    path = tmp_path / "dropped.kcplan"
    ProjectFile.create(path, prepared.dataset).close()
    with qtbot.waitSignal(window.project_controller.opened, timeout=60_000):
        drop(window.start.page.drop_zone, [path])
    assert window.project_controller.project.path.name == "dropped.kcplan"
    assert window.session.prepared.n_lines == prepared.n_lines
    assert window.center.currentWidget() is window.tabs


def test_recent_workbooks_are_listed_and_open(qtbot, window, sample_loaded):
    project, _prepared, _report = sample_loaded
    st.remember_project(project)
    window.start.refresh_recent()
    buttons = window.start.page.recent_buttons
    assert [b.text() for b in buttons] == [project.label]
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as blocker:
        qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert window.session.project == project


def test_hidden_tabs_are_placeholders_until_shown_or_asked_for(window):
    lazy = window.lazy_tabs
    assert not lazy.is_built("evidence") and isinstance(window.tabs.widget(9), Placeholder)
    panel = window.evidence  # asking builds it, in its own tab
    assert lazy.is_built("evidence") and window.tabs.indexOf(panel) == 9
    assert window.tabs.tabText(9) == "Evidence" and window.evidence is panel
    before = window.tabs.currentIndex()
    assert not lazy.is_built("funds")
    window.tabs.setCurrentIndex(3)  # showing a tab builds it
    assert lazy.is_built("funds") and window.tabs.currentWidget() is window.funds
    assert before != 3


def test_a_panel_built_after_the_load_gets_the_data(qtbot, loaded):
    w, s = loaded, loaded.session
    assert not w.lazy_tabs.is_built("kpis") and not w.lazy_tabs.is_built("line_items")
    kpis = w.kpis
    results = s.results
    for k in range(len(results.kpis.scenario)):
        np.testing.assert_allclose(kpis.curve_data(k)[1], results.kpis.scenario[k])
    w.tabs.setCurrentWidget(w.line_items)
    assert w.line_items.model.rowCount() == s.prepared.n_lines == SAMPLE_LINES


def test_the_tree_mode_kept_in_the_settings_reaches_the_allocations_built_later(qtbot, ui_settings):
    from ui.mainwindow import MainWindow

    st.set_value(st.KEY_TREE_MODE, "department")
    w = MainWindow()
    qtbot.addWidget(w)
    try:
        assert not w.lazy_tabs.is_built("allocations")
        assert w.allocations.model.mode == "department"
    finally:
        w.project_controller.confirm_unsaved = lambda: "save"
        w.project_controller.shutdown()


# -- the read cache (ui/common/read_cache.py) ----------------------------------------------------------

def _load(qtbot, task):
    from PySide6.QtCore import QThreadPool

    got = []
    task.signals.finished.connect(got.append)
    task.signals.failed.connect(lambda text: got.append(text))
    QThreadPool.globalInstance().start(task)
    qtbot.waitUntil(lambda: bool(got), timeout=60_000)
    QThreadPool.globalInstance().waitForDone(10_000)  # the store after `finished`
    assert not isinstance(got[0], str), got[0]
    return got[0]


def test_workbooks_read_once_are_decoded_next_time_exactly(qtbot, sample_dir, tmp_path, monkeypatch):
    import pandas as pd

    from ui.common import read_cache
    from ui.common.workers import LoadTask

    monkeypatch.setenv(read_cache.ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(read_cache, "_enabled", True)
    first_task = LoadTask(paths=[str(sample_dir)])
    first = _load(qtbot, first_task)
    assert not first_task.cached and len(list((tmp_path / "cache" / "reads").glob("*.sqlite"))) == 1
    again_task = LoadTask(paths=[str(sample_dir)])
    again = _load(qtbot, again_task)
    assert again_task.cached
    assert again.project == first.project
    a, b = first.prepared.dataset, again.prepared.dataset
    pd.testing.assert_frame_equal(a.budget.line_items, b.budget.line_items)
    pd.testing.assert_frame_equal(a.budget.amounts, b.budget.amounts)
    assert [str(s) for s in a.sources] == [str(s) for s in b.sources]
    assert again.report.problems == first.report.problems
    assert [(r.file, r.sheet, r.read, r.imported, dict(r.excluded)) for r in again.report.rows] == \
        [(r.file, r.sheet, r.read, r.imported, dict(r.excluded)) for r in first.report.rows]
    np.testing.assert_array_equal(again.prepared.baseline_results().funds.expenditure,
                                  first.prepared.baseline_results().funds.expenditure)


def test_a_changed_workbook_is_read_again(qtbot, sample_dir, tmp_path, monkeypatch):
    import shutil

    from ui.common import read_cache
    from ui.common.workers import LoadTask

    folder = tmp_path / "books"
    shutil.copytree(sample_dir, folder)
    monkeypatch.setenv(read_cache.ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(read_cache, "_enabled", True)
    _load(qtbot, LoadTask(paths=[str(folder)]))
    budget = next(p for p in sorted(folder.glob("*.xlsx")) if p.name != "plan.xlsx")
    stat = budget.stat()
    data = bytearray(budget.read_bytes())
    data[-30] ^= 1  # one byte of the zip's directory: same size, same time, other content
    budget.write_bytes(bytes(data))
    import os

    os.utime(budget, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    task = LoadTask(paths=[str(folder)])
    outcome = _load(qtbot, task)
    assert not task.cached
    assert outcome.prepared is not None or outcome.report.errors  # read again: whatever the readers make of it


def test_the_read_cache_is_off_unless_the_app_turns_it_on(qtbot, sample_dir, tmp_path, monkeypatch):
    from ui.common import read_cache
    from ui.common.workers import LoadTask

    monkeypatch.setenv(read_cache.ENV, str(tmp_path / "cache"))
    assert not read_cache.enabled()
    task = LoadTask(paths=[str(sample_dir)])
    _load(qtbot, task)
    assert not task.cached and not (tmp_path / "cache").exists()


def test_the_start_up_probe_reports_once_the_tab_on_screen_is_painted_with_data(qtbot, window, sample_loaded, capsys):
    from ui.start.probe import StartupProbe

    probe = StartupProbe(window, quit_app=False)
    qtbot.wait(50)
    assert not probe.done  # painted, but no data yet
    project, prepared, report = sample_loaded
    window.session.set_data(prepared, report, project)
    qtbot.waitUntil(lambda: probe.done, timeout=10_000)
    qtbot.wait(20)
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("STARTUP "))
    import json

    data = json.loads(line[len("STARTUP "):])
    assert data["tab"] == window.tabs.tabText(window.tabs.currentIndex())
    assert "data_painted" in data["marks"] and data["cpu"] > 0

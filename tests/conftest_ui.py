"""Fixtures of the UI tests (imported by tests/test_ui*.py; tests/conftest.py belongs to others).

- `ui_settings`: QSettings go to a temporary folder (never the developer's own settings).
- `sample_dir`: a small generated sample city (kcplanner.sample, 2000 line items), once a session.
- `sample_prepared`: that sample read and prepared once; most tests hand it to a window directly
  (`window.session.set_data`) instead of reading the workbooks again.
- `window`: a MainWindow (Requests panel and project support installed), shown, with isolated settings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

SAMPLE_LINES = 2000


@pytest.fixture(autouse=True)
def ui_settings(tmp_path):
    folder = tmp_path / "qsettings"
    folder.mkdir(exist_ok=True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    from kcplanner.sample import write_sample

    folder = tmp_path_factory.mktemp("sample")
    write_sample(folder, lines=SAMPLE_LINES)
    return folder


@pytest.fixture(scope="session")
def sample_loaded(sample_dir):
    """(Project, Prepared, ValidationReport) of the sample."""
    from kcplanner.engine import prepare
    from kcplanner.readers import read_dataset
    from ui.common.workers import classify

    project = classify([sample_dir])
    result = read_dataset(project.plan, list(project.budgets))
    assert result.dataset is not None, result.report.to_text()
    return project, prepare(result.dataset), result.report


@pytest.fixture
def window(qtbot, ui_settings):
    from ui.mainwindow import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    w.project_controller.confirm_unsaved = lambda: "save"  # never block on a question at teardown
    yield w
    w.project_controller.shutdown()
    if w.task is not None:
        w.task.cancel()
    if w.export_task is not None:
        w.export_task.cancel()
    for d in (w.report_dialog, w.kpi_detail):
        if d is not None:
            d.close()


@pytest.fixture
def loaded(window, sample_loaded):
    """The window with the sample loaded (without reading the workbooks again)."""
    project, prepared, report = sample_loaded
    window.session.set_data(prepared, report, project)
    return window


def open_and_wait(qtbot, window, paths, timeout=60_000) -> bool:
    with qtbot.waitSignal(window.loadFinished, timeout=timeout) as blocker:
        window.open_paths([str(p) for p in paths])
    return blocker.args[0]


def open_accepting_warnings(qtbot, window, paths) -> None:
    """Open `paths` as a user would when the report has warnings only (no plan, say): the report
    shows, the user continues, and the data is in the window."""
    window.open_paths([str(p) for p in paths])
    qtbot.waitUntil(lambda: window.session.prepared is not None or
                    (window.report_dialog is not None and window.report_dialog.isVisible()), timeout=30_000)
    if window.session.prepared is None:  # a warning-only report (no plan): the user continues
        assert not window.report_dialog.report.errors
        window.report_dialog.accept()
        qtbot.waitUntil(lambda: window.session.prepared is not None)


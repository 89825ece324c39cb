"""What the team-mode window tests share: a real MainWindow with isolated settings and data folder,
opening a shared project in it, answering its modal dialogs from a timer, grabbing screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from tests.conftest_ui import ui_settings  # noqa: F401 - QSettings in a temporary folder

SHOTS = Path(os.environ.get("KCPLANNER_SHOTS", "")) if os.environ.get("KCPLANNER_SHOTS") else None


@pytest.fixture
def window(qtbot, ui_settings, tmp_path, monkeypatch):  # noqa: F811 - the fixture above
    monkeypatch.setenv("KCPLANNER_DATA_DIR", str(tmp_path / "data"))
    from ui.mainwindow import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    w.project_controller.confirm_unsaved = lambda: "save"
    w.project_controller.autosave_untitled = False
    yield w
    w.team.window_closing()
    w.project_controller.shutdown()


def open_shared(qtbot, w, url: str):
    """Open the shared project at `url` in the window (as File > Open Shared Project… does) and wait."""
    with qtbot.waitSignal(w.project_controller.opened, timeout=60_000):
        w.team.open(url)
    assert w.team.bridge.wait_ready(10)
    return w.project_controller.project


def answer_modal(qtbot, act, seen: list, attempts: int = 200) -> None:
    """From a timer, once a modal dialog is up: `seen.append(dialog)` and `act(dialog)`."""
    def poll(n=attempts):
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            if n > 0:
                QTimer.singleShot(25, lambda: poll(n - 1))
            return
        seen.append(dialog)
        act(dialog)
    QTimer.singleShot(0, poll)


def grab(widget, name: str) -> None:
    """Save a screenshot when KCPLANNER_SHOTS names a folder (to look at it)."""
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / f"{name}.png"))


def server_version(team, name: str) -> int:
    with team.sql("analyst") as c:
        return c.execute("SELECT version FROM scenarios WHERE name = %s", (name,)).fetchone()[0]

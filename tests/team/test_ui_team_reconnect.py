"""Retry after a lost connection connects again on the thread pool (ui/team/reconnect.py): the window
keeps turning its event loop while a slow server is reached, the save is then made once; Cancel
while connecting undoes the edit here; a failed attempt asks again with its reason."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

import kcplanner.project.postgres.base as base
from kcplanner.project.postgres import TeamError

from .test_ui_team_changes import kill_window_connection, select, with_rule
from .ui_team_fixtures import grab, open_shared, server_version, ui_settings, window  # noqa: F401

SLOW_S = 1.5


def on_lost_box(w, act, seen: list, attempts: int = 400) -> list:
    """Answer each lost-connection box of window `w` (from a timer) with `act(box)`, as many as come,
    until something is appended to the list returned."""
    stop: list = []

    def poll(n=attempts):
        if stop:
            return
        box = QApplication.activeModalWidget()
        if box is not None and box.objectName() == "connection_lost" and box.parentWidget() is w \
                and box not in seen:
            seen.append(box)
            act(box)
        if n > 0:
            QTimer.singleShot(25, lambda: poll(n - 1))
    QTimer.singleShot(0, poll)
    return stop


def slow_connect(monkeypatch, fail_first: bool = False):
    real = base.connect
    calls = []

    def connect(*a, **kw):
        calls.append(time.monotonic())
        time.sleep(SLOW_S)
        if fail_first and len(calls) == 1:
            raise TeamError("127.0.0.1: cannot connect to the PostgreSQL server: the server is still away")
        return real(*a, **kw)
    monkeypatch.setattr(base, "connect", connect)
    return calls


def test_retry_connects_off_the_gui_thread_and_saves_once(qtbot, window, team, monkeypatch):
    w = window
    p = open_shared(qtbot, w, team.url("analyst"))
    select(w, "Police plan")
    before = w.session.scenario
    kill_window_connection(team, p)
    calls = slow_connect(monkeypatch)
    seen: list = []
    stop = on_lost_box(w, lambda box: box.button(QMessageBox.StandardButton.Retry).click(), seen)
    ticks: list = []
    timer = QTimer(interval=50)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    mine = with_rule(before, "Saved after reconnecting", 1.0)
    w.session.edit_scenario(mine, "Saved after reconnecting")
    qtbot.waitUntil(lambda: w.team.reconnect.running, timeout=5000)
    dialog = w.team.reconnect.dialog
    assert dialog.isVisible() and "again" in dialog.labelText()
    grab(dialog, "team-reconnecting")
    started = time.monotonic()
    qtbot.waitUntil(lambda: server_version(team, "Police plan") == 2, timeout=15_000)
    during = [t for t in ticks if started <= t <= calls[0] + SLOW_S]
    timer.stop()
    print(f"\nreconnect: {len(calls)} connect call(s) of {SLOW_S} s; the GUI timer (50 ms) fired {len(during)} times "
          f"meanwhile")
    assert len(during) >= 8          # the window's event loop kept turning (blocked: 0)
    stop.append(True)
    assert len(seen) == 1 and not w.team.reconnect.running
    assert w.session.scenario == mine
    with team.sql("analyst") as c:   # one version, one audit row for the save
        assert c.execute("SELECT count(*) FROM edits WHERE scenario = 'Police plan' AND description LIKE "
                         "'%%Saved after reconnecting%%'").fetchone()[0] == 1


def test_a_failed_attempt_asks_again_and_cancel_while_connecting_undoes(qtbot, window, team, monkeypatch):
    w = window
    p = open_shared(qtbot, w, team.url("analyst"))
    select(w, "Police plan")
    before = w.session.scenario
    kill_window_connection(team, p)
    calls = slow_connect(monkeypatch, fail_first=True)
    seen: list = []
    texts: list = []

    def act(box):
        texts.append(box.text())
        box.button(QMessageBox.StandardButton.Retry).click()   # both times: the second attempt is cancelled
    stop = on_lost_box(w, act, seen)
    mine = with_rule(before, "Never saved", 1.0)
    w.session.edit_scenario(mine, "Never saved")
    qtbot.waitUntil(lambda: len(seen) == 2 and w.team.reconnect.running, timeout=15_000)
    assert "the server is still away" in texts[1]          # the failed attempt's reason, asked again
    from PySide6.QtWidgets import QPushButton
    stop.append(True)
    w.team.reconnect.dialog.findChild(QPushButton).click()  # Cancel while the second attempt connects
    qtbot.waitUntil(lambda: w.session.scenario == before, timeout=5000)
    assert not w.team.reconnect.running and w.session.undo_stack.canRedo()
    assert "Not saved" in w.team.last_message
    qtbot.wait(int(SLOW_S * 1000) + 300)                    # the attempt ends in the background: nothing saved
    assert server_version(team, "Police plan") == 1 and len(calls) == 2

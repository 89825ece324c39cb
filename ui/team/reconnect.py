"""Retry after a lost connection, without blocking the window: connecting again can take up to the
10 s connect timeout when the server is still away, so it runs on the thread pool behind a small
dialog with Cancel; once connected, the save is made again (quickly, on the GUI thread as every
save).  Nothing is saved from the screen and nothing is read from the server meanwhile.

Cancel stops waiting (the connection attempt itself ends on its own, in the background) and the
edit is undone here, as with Cancel in the lost-connection box; a failed attempt shows that box
again with the new reason."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, QTimer

from ..project.where import display_name
from .busy import busy_dialog, close_busy


class Reconnect(QObject):
    """`start(project, retry, give_up, ask_again)` — one attempt at a time."""

    def __init__(self, team):
        super().__init__(team)
        self.team = team
        self.dialog = None   # the "Connecting again…" dialog while an attempt runs
        self._attempt = 0

    @property
    def running(self) -> bool:
        return self.dialog is not None

    def start(self, project, retry: Callable, give_up: Callable[[], None], ask_again: Callable) -> None:
        """Connect `project` again on the pool; then `retry()` (connected), `ask_again(error)` (the
        attempt failed) or `give_up()` (Cancel)."""
        if self.running:
            return
        self._attempt += 1
        attempt = self._attempt
        team, projects = self.team, self.team.projects
        team._resolving += 1       # no read of the server meanwhile (it would wait for the connection)
        projects._suspend += 1     # no save from the screen meanwhile
        self.dialog = busy_dialog(team.window, "Connecting again",
                                  f"Connecting to {display_name(project)} again to save your change…", "Cancel")
        self.dialog.setObjectName("team_reconnecting")
        self.dialog.canceled.connect(lambda: self._end(attempt, give_up))

        def job(_task):
            return project.conn is not None   # connects again (the property makes a new connection)

        projects._run(job, lambda _ok: self._end(attempt, lambda: QTimer.singleShot(0, retry)),
                      lambda error: self._end(attempt, lambda: ask_again(error)), "Connecting to the server again…")

    def _end(self, attempt: int, then: Callable[[], None]) -> None:
        """The attempt ended (connected, failed or cancelled); only its first end counts."""
        if attempt != self._attempt or self.dialog is None:
            return
        dialog, self.dialog = self.dialog, None
        dialog.canceled.disconnect()
        close_busy(dialog)
        self.team._resolving -= 1
        self.team.projects._suspend -= 1
        then()


__all__ = ["Reconnect"]

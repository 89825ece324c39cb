"""Others' changes, brought to the GUI thread: `ChangeBridge` starts kcplanner's `listen(url, …)`
(a thread with its own connection, LISTEN kcplanner) and re-emits each `Change` as a Qt signal,
queued to the GUI thread; `gap` after the listener had to connect again (changes may have been
missed: reload everything)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal


class ChangeBridge(QObject):
    """One listener for one open shared project; `stop()` when the project closes."""

    arrived = Signal(object)   # a kcplanner.project.postgres.Change, on the GUI thread
    gap = Signal()             # the listener reconnected: what happened meanwhile was not heard
    _from_thread = Signal(object)
    _gap_from_thread = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.listener = None
        # emitted from the listener's thread, delivered on this object's (the GUI) thread
        self._from_thread.connect(self.arrived, Qt.ConnectionType.QueuedConnection)
        self._gap_from_thread.connect(self.gap, Qt.ConnectionType.QueuedConnection)

    def start(self, url: str) -> None:
        """Start listening on `url` (returns at once; `wait_ready` to be sure LISTEN is in place)."""
        from kcplanner.project.postgres import ChangeListener

        self.stop()
        self.listener = ChangeListener(url, self._from_thread.emit, on_gap=self._gap_from_thread.emit)
        self.listener.start(wait=0)

    def wait_ready(self, seconds: float = 10.0) -> bool:
        """True once the listener is LISTENing (or has said why it cannot)."""
        return self.listener is not None and self.listener._ready.wait(seconds)

    @property
    def error(self) -> str | None:
        return None if self.listener is None else self.listener.error

    @property
    def running(self) -> bool:
        return self.listener is not None

    def stop(self) -> None:
        if self.listener is not None:
            listener, self.listener = self.listener, None
            listener.stop()


__all__ = ["ChangeBridge"]

"""Panels that redraw only when seen: results for a hidden tab are kept and drawn on show."""

from __future__ import annotations


class UpdatesWhenShown:
    """Mixin for a QWidget panel with an `_update(results)` method.

    Drawing charts for a tab nobody sees would cost every slider movement; the latest results
    wait in `_pending` and are drawn when the tab is shown.
    """

    _pending = None

    def set_results(self, results) -> None:
        if results is None:
            return
        if not self.isVisible():
            self._pending = results
            return
        self._pending = None
        self._update(results)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._pending is not None:
            self.set_results(self._pending)

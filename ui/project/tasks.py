"""Work off the GUI thread for the project controller: open, create, save as and re-import run a
plain function on the thread pool; the result (or a ProjectError, or a traceback) comes back
through signals on the GUI thread while the controller counts itself busy."""

from __future__ import annotations

import traceback
from typing import Callable

from PySide6.QtCore import QObject, QThreadPool, Signal
from shiboken6 import isValid

from kcplanner.project import ProjectError

from ..common.workers import CancellableTask


class TaskSignals(QObject):
    finished = Signal(object)
    failed = Signal(object)      # a ProjectError, or a traceback (str) for anything unexpected
    progress = Signal(float, str)


class FunctionTask(CancellableTask):
    """Run a plain function on the thread pool; results come back through signals (GUI thread).
    Like every task it stays referenced (CancellableTask): freed while its thread is still returning
    from run(), it would emit from a deleted object (a window closed during an open or a save)."""

    def __init__(self, fn: Callable):
        super().__init__(TaskSignals())
        self.fn = fn
        self.cancel_flag = self._cancel  # re-import's progress dialog sets it

    def run(self) -> None:
        try:
            result = self.fn(self)
        except ProjectError as exc:
            self.signals.failed.emit(exc)
        except Exception:  # noqa: BLE001 - shown to the user (details), never lost
            self.signals.failed.emit(traceback.format_exc())
        else:
            self.signals.finished.emit(result)


class TasksMixin:
    """The controller's `_run` and its busy count (`busy`, `_set_busy`)."""

    @property
    def busy(self) -> bool:
        return self._busy > 0

    def _set_busy(self, delta: int) -> None:
        was = self.busy
        self._busy = max(0, self._busy + delta)
        if was != self.busy:
            self.busyChanged.emit(self.busy)
            self._update_actions()

    def _run(self, fn, on_done, on_failed, busy_text: str = "") -> FunctionTask:
        task = FunctionTask(fn)
        self._tasks.add(task)
        self._set_busy(+1)
        if busy_text:
            self.status(busy_text, 0)

        def finish(handler, value):
            if not isValid(self):  # the window closed while the task ran: nobody is left to tell
                return
            self._tasks.discard(task)
            self._set_busy(-1)
            handler(value)
        task.signals.finished.connect(lambda r: finish(on_done, r))
        task.signals.failed.connect(lambda e: finish(on_failed, e))
        QThreadPool.globalInstance().start(task)
        return task

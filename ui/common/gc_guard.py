"""Garbage collection on the GUI thread only.

Python's cyclic garbage collector runs on whichever thread happens to allocate when its thresholds
are crossed.  A worker thread reading workbooks (LoadTask, JobTask on the QThreadPool) allocates far
more than the GUI thread, so most collections run there, and a collection frees every Qt object left
in a reference cycle (a window, panel, model, dialog or signal object whose Python wrapper refers to
itself through attributes or slots): its C++ destructor then runs on the worker thread while the GUI
thread is still delivering events to it, and the process ends with a segmentation fault.

`install()` turns the automatic collector off and collects from a QTimer on the GUI thread instead,
with the interpreter's own thresholds (a generation is collected when it would have been), so Qt
objects are always destroyed on the thread they live in.  Code that pauses the collector around a
long read (kcplanner.readers.actuals_load) finds it disabled and leaves it so.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

INTERVAL_MS = 200


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        if gc.isenabled():  # something turned it back on (a library, a paused-gc helper): off again
            gc.disable()
        c0, c1, c2 = gc.get_count()
        t0, t1, t2 = self.threshold
        if c0 <= t0:
            return
        generation = 0
        if c1 + 1 > t1:
            generation = 2 if c2 + 1 > t2 else 1
        gc.collect(generation)


def install(app: QCoreApplication | None = None) -> GuiThreadCollector:
    """Once per process, from the GUI thread, after the QApplication exists."""
    app = app or QCoreApplication.instance()
    assert app is not None and QThread.currentThread() is app.thread(), "install() belongs on the GUI thread"
    existing = getattr(app, "_kcplanner_gc", None)
    if existing is not None:
        return existing
    collector = GuiThreadCollector(app)
    app._kcplanner_gc = collector
    return collector

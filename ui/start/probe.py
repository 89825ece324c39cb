"""The start-up probe: `KCPLANNER_STARTUP_PROBE=1 kcplanner` quits once the window has painted its
data and prints one JSON line of figures (benchmarks/bench_ui.py --startup starts fresh processes
with it).

"Painted with the data" is the first paint of the current tab (or a widget inside it) after the
session has results: the panel received the results before that paint, so the figures are on the
screen.  Times are from process start (Linux /proc, 10 ms resolution) and since the epoch (the
benchmark subtracts its own clock taken before it started the process, which also counts the
interpreter's start).
"""

from __future__ import annotations

import json
import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

ENV = "KCPLANNER_STARTUP_PROBE"


def enabled() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


def process_age() -> float | None:
    """Seconds since this process started (Linux: /proc/self/stat against /proc/uptime), else None."""
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of stat(5); fields[0] is field 3
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class StartupProbe(QObject):
    """Watches paints; marks phases (`mark(name)`); reports and quits after the data is painted."""

    def __init__(self, window, ready=None, quit_app: bool = True):
        super().__init__(window)
        self.window = window
        self.ready = ready or (lambda: window.session.results is not None)
        self.quit_app = quit_app
        self.marks: dict[str, float] = {}
        self.done = False
        QApplication.instance().installEventFilter(self)

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, time.time())

    def _page(self) -> QWidget | None:
        tabs = getattr(self.window, "tabs", None)
        return tabs.currentWidget() if tabs is not None else self.window

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if not self.done and event.type() == QEvent.Type.Paint and isinstance(obj, QWidget):
            if "first_paint" not in self.marks and (obj is self.window or self.window.isAncestorOf(obj)):
                self.mark("first_paint")  # anything of the window: the start page, the skeleton
            page = self._page()
            if page is not None and (obj is page or page.isAncestorOf(obj)):
                if self.ready():
                    self.done = True
                    self.mark("data_painted")
                    QTimer.singleShot(0, self.report)
        return False

    def report(self) -> None:
        QApplication.instance().removeEventFilter(self)
        now = time.time()
        age = process_age()
        start = now - age if age is not None else None
        out = {"epoch": now, "cpu": time.process_time(), "process_age": age,
               "marks": {k: (v - start if start is not None else v) for k, v in self.marks.items()},
               "modules": sorted(m for m in ("pandas", "scipy", "statsmodels", "highspy", "psycopg", "pyqtgraph",
                                             "openpyxl", "jinja2", "xlsxwriter", "matplotlib")
                                 if m in sys.modules)}
        tabs = getattr(self.window, "tabs", None)
        if tabs is not None:
            out["tab"] = tabs.tabText(tabs.currentIndex())
        print("STARTUP " + json.dumps(out), flush=True)
        if self.quit_app:
            QApplication.instance().exit(0)

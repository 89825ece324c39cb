"""Loading workbooks off the GUI thread.

`LoadTask` (a QRunnable on the global QThreadPool) runs the plain kcplanner functions
`read_dataset(..., progress=, cancelled=)` and `prepare(dataset)`; it reports through the signals
of a `LoadSignals` object that lives in the GUI thread, so the slots run there.  The task never
touches a widget.  Cancelling sets a flag that `read_dataset` polls (it raises `Cancelled`).
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Signal

from kcplanner.engine import Prepared, prepare
from kcplanner.report import ValidationReport
from kcplanner.readers import Cancelled, read_dataset

from .settings import Project

PLAN_SHEETS = ("goals", "kpis", "kpi", "drivers", "funds", "revenue", "assumptions", "settings", "objectives")


def _norm(text: str) -> str:
    return "".join(ch for ch in str(text).casefold() if ch.isalnum())


def looks_like_plan(path: Path) -> bool:
    """A plan workbook holds at least two of the plan's sheets (Goals, KPIs, Drivers, Funds, …)."""
    if path.suffix.lower() == ".csv":
        return False
    try:
        from kcplanner.readers.workbook import Workbook

        book = Workbook(path)
        names = {_norm(n) for n in book.sheet_names}
        try:
            book.close()
        except Exception:  # noqa: BLE001 - best effort
            pass
    except Exception:  # noqa: BLE001 - an unreadable file is left to the readers to report
        return False
    return len(names & set(PLAN_SHEETS)) >= 2


def classify(paths: list[str | Path]) -> Project:
    """Dropped or chosen files and folders → a plan (the one workbook that looks like a plan;
    a name containing `plan` breaks ties) and the budget workbooks (everything else)."""
    from kcplanner.readers import expand_paths

    files = [Path(p) for p in expand_paths([Path(p) for p in paths])]
    plans = [f for f in files if looks_like_plan(f)]
    if len(plans) > 1:
        named = [f for f in plans if "plan" in f.stem.casefold()]
        plans = named[:1] or plans[:1]
    plan = plans[0] if plans else None
    budgets = tuple(str(f) for f in files if f != plan)
    return Project(str(plan) if plan else None, budgets)


@dataclass
class LoadOutcome:
    project: Project
    prepared: Prepared | None
    report: ValidationReport


class LoadSignals(QObject):
    progress = Signal(float, str)
    finished = Signal(object)  # LoadOutcome
    failed = Signal(str)
    cancelled = Signal()


#: Every task ever started stays referenced: a QRunnable freed while its worker thread is still
#: returning from run() would crash (a task is small: the outcome is handed over, not kept).
_STARTED: list = []


class LoadTask(QRunnable):
    """Read (and, with `paths`, first sort out) the workbooks, then prepare the dataset."""

    def __init__(self, project: Project | None = None, paths: list[str] | None = None):
        super().__init__()
        self.setAutoDelete(False)
        _STARTED.append(self)
        self.project = project
        self.paths = paths
        self.signals = LoadSignals()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            project = self.project
            if project is None:
                self.signals.progress.emit(0.0, "Looking for the plan workbook")
                project = classify(self.paths or [])
            if self._cancel.is_set():
                raise Cancelled()
            result = read_dataset(project.plan, list(project.budgets),
                                  progress=lambda f, text: self.signals.progress.emit(float(f), str(text)),
                                  cancelled=self._cancel.is_set)
            prepared = None
            if result.dataset is not None:
                self.signals.progress.emit(0.97, "Computing the baseline")
                prepared = prepare(result.dataset)
                prepared.baseline_results()
            if self._cancel.is_set():
                raise Cancelled()
            self.signals.finished.emit(LoadOutcome(project, prepared, result.report))
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception:  # noqa: BLE001 - shown to the user, never lost
            self.signals.failed.emit(traceback.format_exc())

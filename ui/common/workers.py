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

from . import read_cache
from .settings import Project

PLAN_SHEETS = ("goals", "kpis", "kpi", "drivers", "funds", "revenue", "assumptions", "settings", "objectives")


def _norm(text: str) -> str:
    return "".join(ch for ch in str(text).casefold() if ch.isalnum())


def sheet_names(path: Path) -> set[str] | None:
    """The workbook's sheet names, normalised; None for a CSV or a file that cannot be opened (the
    readers report that one)."""
    if path.suffix.lower() == ".csv":
        return None
    try:
        from kcplanner.readers.workbook import Workbook

        book = Workbook(path)
        names = {_norm(n) for n in book.sheet_names}
        try:
            book.close()
        except Exception:  # noqa: BLE001 - best effort
            pass
    except Exception:  # noqa: BLE001 - an unreadable file is left to the readers to report
        return None
    return names


def looks_like_plan(path: Path) -> bool:
    """A plan workbook holds at least two of the plan's sheets (Goals, KPIs, Drivers, Funds, …)."""
    names = sheet_names(path)
    return names is not None and len(names & set(PLAN_SHEETS)) >= 2


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
    # a folder with no workbook stays, so that the report names it ("… is a folder with no workbooks")
    empty = tuple(str(p) for p in map(Path, paths) if p.is_dir() and not expand_paths([p]))
    return Project(str(plan) if plan else None, budgets + empty)


STANDARD_SHEETS = {"lineitems", "positions", "requests",
                   # an actuals book (only Actuals / Revenue Actuals sheets) is read beside the budgets
                   "actuals", "revenueactuals"}


def _mapped(path: Path, mappings) -> bool:
    return any(getattr(m, "table", "line_items") != "kpis" and m.matches(path) for m in mappings or ())


def files_needing_mapping(project: Project, mappings=()) -> list[str]:
    """The budget files in another city's layout (`kcplanner.readers.needs_mapping`) that none of
    `mappings` applies to.  A workbook with a Line Items, Positions or Requests sheet is taken
    as standard without reading it."""
    from kcplanner.readers import expand_paths, needs_mapping

    out = []
    for f in expand_paths([Path(b) for b in project.budgets]):
        if _mapped(f, mappings):
            continue
        names = sheet_names(f)
        if names is None and f.suffix.lower() != ".csv":
            continue  # an unreadable file is left to the readers to report
        if names and names & STANDARD_SHEETS:
            continue
        try:
            if needs_mapping(f):
                out.append(str(f))
        except Exception:  # noqa: BLE001 - the readers report it
            continue
    return out


@dataclass
class LoadOutcome:
    project: Project
    prepared: Prepared | None
    report: ValidationReport
    mappings: tuple = ()


class LoadSignals(QObject):
    progress = Signal(float, str)
    finished = Signal(object)  # LoadOutcome
    failed = Signal(str)
    cancelled = Signal()
    needsMapping = Signal(object, list)  # (Project, [paths]): ask for mappings, then load again


#: Every task ever started stays referenced: a QRunnable freed while its worker thread is still
#: returning from run() would crash (a task is small: the outcome is handed over, not kept).
_STARTED: list = []


class CancellableTask(QRunnable):
    """A task for the global QThreadPool that the GUI can cancel; it reports through `signals`
    (set by the subclass), never touches a widget, and stays referenced until the process ends."""

    def __init__(self, signals: QObject):
        super().__init__()
        self.setAutoDelete(False)
        _STARTED.append(self)
        self.signals = signals
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def report(self, fraction: float, text: str) -> None:
        """The `progress(fraction, text)` callback kcplanner functions take."""
        self.signals.progress.emit(float(fraction), str(text))


class LoadTask(CancellableTask):
    """Read (and, with `paths`, first sort out) the workbooks, then prepare the dataset."""

    def __init__(self, project: Project | None = None, paths: list[str] | None = None, mappings=(),
                 check_mappings: bool = True):
        super().__init__(LoadSignals())
        self.project = project
        self.paths = paths
        self.mappings = tuple(mappings or ())
        self.check_mappings = check_mappings
        self.cached = False  # the outcome came from the read cache
        self._cache_key = None

    def _from_cache(self) -> bool:
        """Workbooks read before and unchanged since (ui/common/read_cache.py): decoded, not read; True
        when the outcome was sent."""
        p = self.project
        files = read_cache.input_files(self.paths if p is None else ([p.plan] if p.plan else []) + list(p.budgets))
        self._cache_key = read_cache.key(files, None if p is None else p.plan)
        hit = read_cache.load(self._cache_key)
        if hit is None or self._cancel.is_set():
            return False
        project, dataset, report = hit
        self.signals.progress.emit(0.97, "Computing the baseline")
        prepared = prepare(dataset)
        prepared.baseline_results()
        if self._cancel.is_set():
            raise Cancelled()
        self.cached = True
        self.signals.finished.emit(LoadOutcome(project, prepared, report, self.mappings))
        return True

    def run(self) -> None:
        try:
            if not self.mappings and read_cache.enabled() and self._from_cache():
                return
            project = self.project
            if project is None:
                self.signals.progress.emit(0.0, "Looking for the plan workbook")
                project = classify(self.paths or [])
            if self._cancel.is_set():
                raise Cancelled()
            if self.check_mappings:
                self.signals.progress.emit(0.01, "Checking the layout of the budget files")
                need = files_needing_mapping(project, self.mappings)
                if need:  # the GUI thread asks for mappings, then starts a new task
                    self.signals.needsMapping.emit(project, need)
                    return
            result = read_dataset(project.plan, list(project.budgets), list(self.mappings) or None,
                                  progress=self.report, cancelled=self._cancel.is_set)
            prepared = None
            if result.dataset is not None:
                self.signals.progress.emit(0.97, "Computing the baseline")
                prepared = prepare(result.dataset)
                prepared.baseline_results()
            if self._cancel.is_set():
                raise Cancelled()
            self.signals.finished.emit(LoadOutcome(project, prepared, result.report, self.mappings))
            if not self.mappings and result.dataset is not None:  # the next start decodes it (read_cache.py)
                read_cache.store(self._cache_key, project, result.dataset, result.report)
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception:  # noqa: BLE001 - shown to the user, never lost
            self.signals.failed.emit(traceback.format_exc())


# -- any other long job (exports) -------------------------------------------------------------------

class JobSignals(QObject):
    progress = Signal(float, str)
    finished = Signal(object)   # the job's return value
    failed = Signal(object)     # the exception (its `details` attribute: the traceback text)
    cancelled = Signal()


class JobTask(CancellableTask):
    """Run `fn(progress, cancelled)` on the global QThreadPool: `progress(fraction, text)` reports
    through `signals.progress`; `cancelled()` is True after `cancel()`.  An `ExportCancelled` or
    `Cancelled` raised by `fn` ends in `signals.cancelled`, any other exception in `signals.failed`.
    """

    def __init__(self, fn):
        super().__init__(JobSignals())
        self.fn = fn

    def run(self) -> None:
        from kcplanner.exports import ExportCancelled

        try:
            result = self.fn(self.report, self._cancel.is_set)
            if self._cancel.is_set():
                raise ExportCancelled("cancelled")
            self.signals.finished.emit(result)
        except (ExportCancelled, Cancelled):
            self.signals.cancelled.emit()
        except Exception as exc:  # noqa: BLE001 - shown to the user, never lost
            try:
                exc.details = traceback.format_exc()
            except Exception:  # noqa: BLE001 - an exception type without a __dict__
                pass
            self.signals.failed.emit(exc)

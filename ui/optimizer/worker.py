"""The optimizer's worker: optimize() and, for comparison, the greedy rank-order fill, run on the
thread pool so the dialog stays usable (the one CancellableTask pattern of ui/common/workers.py).

While HiGHS solves, `solving` carries its SolverProgress (elapsed, best, bound, gap) to the GUI
thread.  `cancel()` (the dialog's Stop) while the model is measured ends in `cancelled`; during
the solve it stops HiGHS, which keeps the best set so far: that result comes through `finished`
(status "stopped", no rank-order comparison, so Stop answers at once)."""

from __future__ import annotations

import traceback

from PySide6.QtCore import QObject, Signal

from kcplanner.optimize import OptimizationCancelled, OptimizeOptions, greedy_fill, optimize

from ..common.workers import CancellableTask


class OptimizeSignals(QObject):
    progress = Signal(float, str)
    solving = Signal(object)            # SolverProgress
    finished = Signal(object, object)   # OptimizationResult, greedy OptimizationResult (or None)
    failed = Signal(str)
    cancelled = Signal()


class OptimizeTask(CancellableTask):
    """optimize() and, for comparison, the greedy rank-order fill, off the GUI thread."""

    def __init__(self, prepared, scenario, options: OptimizeOptions):
        super().__init__(OptimizeSignals())
        self.prepared = prepared
        self.scenario = scenario
        self.options = options

    def run(self) -> None:
        try:
            result = optimize(self.prepared, self.scenario, self.options,
                              progress=lambda f, t: self.signals.progress.emit(float(f) * 0.9, str(t)),
                              cancelled=self._cancel.is_set,
                              solver_progress=self.signals.solving.emit)
            greedy = None
            if not self._cancel.is_set():
                self.signals.progress.emit(0.92, "Funding in rank order for comparison")
                greedy = greedy_fill(self.prepared, self.scenario, self.options)
            self.signals.finished.emit(result, greedy)
        except OptimizationCancelled:
            self.signals.cancelled.emit()
        except Exception:  # noqa: BLE001 - shown to the user
            self.signals.failed.emit(traceback.format_exc())


__all__ = ["OptimizeSignals", "OptimizeTask"]

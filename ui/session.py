"""The open document: dataset, prepared baseline, scenarios, undo stack, and the live loop.

One `Session` per window.  Every edit replaces the (immutable) scenario list through a
`StateCommand` on the undo stack; the command's redo/undo restore a whole state, so undo gives
back exactly the old scenarios.  A changed scenario schedules one evaluation for the next turn of
the event loop (`QTimer` single shot, 0 ms, flagged): ten edits in one frame cost one
`evaluate`, which runs here on the GUI thread (milliseconds), and `resultsChanged` hands the
Results to every view, which updates its existing items in place.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from kcplanner.engine import Prepared, Results, evaluate
from kcplanner.report import ValidationReport
from kcplanner.review.carry import ensure_carry
from kcplanner.scenario import EMPTY_SCENARIO, Scenario

from .common.edits import unique_name
from .common.settings import Project


def _key(value) -> str:
    return " ".join(str(value).split()).casefold()


def same_structure(a: Prepared | None, b: Prepared | None) -> bool:
    """True when two prepared datasets differ at most in their requests' costs, titles and types:
    same line items and groups, same names, same requests in the same funds, departments,
    programs, account classes and Recurring flags.  Views built on `a` (trees, tables, matrices)
    are then still valid for `b`, so no `datasetChanged` (and no rebuild) is needed."""
    import numpy as np

    if a is None or b is None:
        return False
    if a.n_lines != b.n_lines or a.dataset.budget.line_items is not b.dataset.budget.line_items:
        return False
    if a.dataset.plan is not b.dataset.plan:
        return False
    for vocab in ("funds", "departments", "programs", "classes", "sources"):
        if list(getattr(a, vocab).names) != list(getattr(b, vocab).names):
            return False
    if [_key(r) for r in a.request_ids] != [_key(r) for r in b.request_ids]:
        return False
    for name in ("req_fund", "req_dept", "req_prog", "req_class", "req_rec", "shown_departments", "shown_pairs",
                 "shown_classes"):
        if not np.array_equal(getattr(a, name), getattr(b, name)):
            return False
    return True


@dataclass(frozen=True)
class State:
    scenarios: tuple[Scenario, ...]
    current: int

    @property
    def scenario(self) -> Scenario:
        return self.scenarios[self.current]


class StateCommand(QUndoCommand):
    """One undo step: the state before and after.  Commands with the same `merge_key` merge
    (a slider drag on one row is one step)."""

    MERGE_ID = 4242

    def __init__(self, session: "Session", old: State, new: State, text: str, merge_key=None):
        super().__init__(text)
        self.session = session
        self.old = old
        self.new = new
        self.merge_key = merge_key

    def id(self) -> int:  # noqa: A003 - Qt's name
        return self.MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, StateCommand) or other.merge_key != self.merge_key:
            return False
        self.new = other.new
        self.setText(other.text())
        return True

    def redo(self) -> None:
        self.session._restore(self.new)

    def undo(self) -> None:
        self.session._restore(self.old)


class GuardedUndoStack(QUndoStack):
    """The session's undo stack, with a guard that can refuse a command before it is pushed (a
    viewer of a shared project changes nothing; a department manager no scenario): `guard(command)`
    returns the reason it is refused, or None.  A refused command is never done; `refused(reason)`
    says why."""

    refused = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.guard = None  # Callable[[QUndoCommand], str | None] | None

    def push(self, command: QUndoCommand) -> None:  # noqa: D401 - Qt's name
        reason = self.guard(command) if self.guard is not None else None
        if reason:
            self.refused.emit(reason)
            return
        super().push(command)


class Session(QObject):
    datasetChanged = Signal()
    scenariosChanged = Signal()      # the list (names, count, current) changed
    scenarioChanged = Signal()       # the current scenario's rules changed
    resultsChanged = Signal(object)  # Results of the current scenario
    recalculated = Signal(float, float)  # evaluate ms, evaluate + views ms
    yearChanged = Signal(int)
    #: Why the data changed, emitted before `datasetChanged`/`resultsChanged`: "load" (`set_data`:
    #: workbooks opened, a project opened, a re-import: new data, new scenarios, a fresh undo stack)
    #: or "edit" (`replace_prepared`: the same data edited in the app, e.g. a request, or its undo).
    dataReplaced = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.prepared: Prepared | None = None
        self.report: ValidationReport | None = None
        self.project: Project | None = None
        self.mappings: tuple = ()  # the import mappings the workbooks were read with (kcplanner.readers.Mapping)
        self.state = State((Scenario("Scenario 1"),), 0)
        self.results: Results | None = None
        self.baseline: Results | None = None
        self.year = 0
        self.undo_stack = GuardedUndoStack(self)
        self.evaluations = 0
        self.load_serial = 0        # +1 on every set_data (a load); replace_prepared keeps it
        self.last_data_change = ""  # "load" or "edit": the reason of the last dataReplaced
        self.last_eval_ms = 0.0
        self.last_total_ms = 0.0
        self._dirty = False
        self._cache: OrderedDict = OrderedDict()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.flush)

    # -- dataset ------------------------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self.prepared is not None

    @property
    def dataset(self):
        return None if self.prepared is None else self.prepared.dataset

    @property
    def scenario(self) -> Scenario:
        return self.state.scenario

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        return self.state.scenarios

    @property
    def plan_years(self) -> list[int]:
        return [] if self.prepared is None else list(self.prepared.plan_years)

    @property
    def year_labels(self) -> list[str]:
        return [] if self.prepared is None else list(self.prepared.year_labels)

    def set_data(self, prepared: Prepared, report: ValidationReport | None = None,
                 project: Project | None = None, scenarios: tuple[Scenario, ...] | None = None,
                 mappings=()) -> None:
        """A newly loaded dataset: fresh scenarios, an empty undo stack, results computed now.
        `mappings`: the import mappings it was read with (kept for a project made from it)."""
        self._timer.stop()
        self._dirty = False
        self.prepared = prepared
        self.report = report
        self.project = project
        self.mappings = tuple(mappings or ())
        self.load_serial += 1
        self.last_data_change = "load"
        self._cache.clear()
        self.undo_stack.clear()
        self.state = State(tuple(scenarios) if scenarios else (Scenario("Scenario 1"),), 0)
        self.baseline = prepared.baseline_results()
        self.results = self._evaluate(self.scenario)
        self.dataReplaced.emit("load")
        self.datasetChanged.emit()
        self.scenariosChanged.emit()
        self.scenarioChanged.emit()
        self._emit_results(0.0, time.perf_counter())

    def replace_prepared(self, prepared: Prepared, structural: bool | None = None) -> None:
        """Swap the prepared dataset for an edited one (a request created, edited or deleted in the
        app, or its undo) keeping the scenarios, the current scenario, the year, the undo stack and
        `load_serial`; recompute now.  `structural` None decides by `same_structure`: when only
        request costs, titles or types changed the views keep their items and only get
        `resultsChanged`; otherwise `datasetChanged` comes first (the views rebuild).  Emits
        `dataReplaced("edit")` first, so listeners (the project file) can tell an in-app edit
        from a load."""
        t0 = time.perf_counter()
        if structural is None:
            structural = not same_structure(self.prepared, prepared)
        self._timer.stop()
        self._dirty = False
        self._cache.clear()
        self.prepared = prepared
        self.last_data_change = "edit"
        self.baseline = prepared.baseline_results()
        self.results = self._evaluate(self.scenario)
        t1 = time.perf_counter()
        self.dataReplaced.emit("edit")
        if structural:
            self.datasetChanged.emit()
        self._emit_results(t0, t1)

    def set_year(self, index: int) -> None:
        index = max(0, min(4, int(index)))
        if index != self.year:
            self.year = index
            self.yearChanged.emit(index)

    # -- edits ----------------------------------------------------------------------------------------
    def adopt(self, scenarios, current_name: str | None = None) -> None:
        """Show `scenarios` as they are in the project now (another person changed them, or a
        conflict was settled): no undo step, and the undo history is cleared (its steps restore
        whole scenario lists, which would undo the other person's change)."""
        scenarios = tuple(scenarios) or (Scenario("Scenario 1"),)
        names = [s.name for s in scenarios]
        want = current_name if current_name is not None else self.scenario.name
        current = names.index(want) if want in names else min(self.state.current, len(scenarios) - 1)
        self.undo_stack.clear()
        self._restore(State(scenarios, current))

    def push(self, new: State, text: str, merge_key=None) -> None:
        if new == self.state:
            return
        self.undo_stack.push(StateCommand(self, self.state, new, text, merge_key))

    def edit_scenario(self, scenario: Scenario, text: str, merge_key=None) -> None:
        """Replace the current scenario (one undo step, merged with the previous one when the
        merge keys match)."""
        scenarios = list(self.state.scenarios)
        scenarios[self.state.current] = scenario
        self.push(State(tuple(scenarios), self.state.current), text, merge_key)

    def set_scenarios(self, scenarios, current: int, text: str) -> None:
        self.push(State(tuple(scenarios), max(0, min(current, len(scenarios) - 1))), text)

    def add_scenario(self, scenario: Scenario, text: str) -> Scenario:
        """Append `scenario`, renamed to be unique, and make it current: one undo step.
        (New, Duplicate, Open scenario and the optimizer's proposal all add scenarios this way.)"""
        scenario = scenario.rename(unique_name(scenario.name, [s.name for s in self.state.scenarios]))
        scenarios = list(self.state.scenarios) + [scenario]
        self.set_scenarios(scenarios, len(scenarios) - 1, text)
        return scenario

    def select_scenario(self, index: int) -> None:
        """Switching the current scenario is a view change, not an edit: no undo step."""
        if 0 <= index < len(self.state.scenarios) and index != self.state.current:
            self._restore(State(self.state.scenarios, index))

    def _restore(self, state: State) -> None:
        old = self.state
        self.state = state
        names_changed = ([s.name for s in old.scenarios] != [s.name for s in state.scenarios]
                         or old.current != state.current)
        if names_changed:
            self.scenariosChanged.emit()
        if old.scenario != state.scenario or old.current != state.current:
            self.scenarioChanged.emit()
            self.schedule()

    # -- the live loop ----------------------------------------------------------------------------
    def schedule(self) -> None:
        """Ask for one evaluation on the next turn of the event loop (coalesced)."""
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Evaluate now if anything changed since the last evaluation."""
        self._timer.stop()
        if not self._dirty or self.prepared is None:
            return
        self._dirty = False
        t0 = time.perf_counter()
        self.results = self._evaluate(self.scenario)
        self._emit_results(t0, time.perf_counter())

    def _emit_results(self, t0: float, t1: float) -> None:
        self.resultsChanged.emit(self.results)
        t2 = time.perf_counter()
        self.last_eval_ms = (t1 - t0) * 1000 if t0 else self.last_eval_ms
        self.last_total_ms = (t2 - (t0 or t1)) * 1000
        self.recalculated.emit(self.last_eval_ms, self.last_total_ms)

    def _evaluate(self, scenario: Scenario) -> Results:
        self.evaluations += 1
        ensure_carry(self.prepared, scenario)  # the review's balance change, once per period (when carried)
        return evaluate(self.prepared, scenario)

    def results_for(self, scenario: Scenario) -> Results:
        """Results of any scenario (compare), cached by value."""
        if scenario == self.scenario and self.results is not None and not self._dirty:
            return self.results
        if scenario == EMPTY_SCENARIO or not scenario.rules and not scenario.funded_requests \
                and scenario.review_carry is None and not scenario.driver_overrides:
            if self.baseline is not None:
                return self.baseline
        hit = self._cache.get(scenario)
        if hit is None:
            ensure_carry(self.prepared, scenario)
            hit = evaluate(self.prepared, scenario)
            self._cache[scenario] = hit
            while len(self._cache) > 8:
                self._cache.popitem(last=False)
        return hit

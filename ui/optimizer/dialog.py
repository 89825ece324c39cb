""""Fund the best set": the optimizer dialog.

Choose the objective (plan score or KPI gain), lock requests in or out, let some departments vary
within percent bounds, and pick how constraints the base scenario already breaks are handled
(no worse / strict).  Run solves kcplanner.optimize.optimize() and the rank-order baseline
greedy_fill() on the thread pool with a busy indicator (the window stays usable).  While HiGHS
solves, the gap line shows the best set so far, the bound and the gap (refreshed every second);
Stop keeps the best set so far, which can be accepted like any proposal.  The proposal
shows the funded requests, department changes, the linear model's and the exact engine's
objective, the policy status (relaxed rows, violations, or — infeasible — the binding constraint
in words) and the comparison with funding in rank order.  "Accept as new scenario" adds
result.to_scenario(name) to the session (one undo step); "Close" discards it.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QElapsedTimer, QSortFilterProxyModel, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QDoubleSpinBox, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QProgressBar,
                               QPushButton, QSplitter, QTableView, QTabWidget, QVBoxLayout, QWidget)

from kcplanner.optimize import OptimizeOptions, rank_order
from kcplanner.requests import request_records

from ..common import access, fmt, table_copy
from ..common.models import SORT_ROLE, TableModel
from ..common.models import name_key as _key
from .models import BoundsModel, LockModel
from .worker import OptimizeTask

OBJECTIVES = [("score", "Plan score (share of KPI targets met, mean over the plan years)"),
              ("kpi_gain", "KPI gain (weighted mean improvement over the plan baseline)")]
POLICIES = [("no_worse", "No worse: a fund-year the base already breaks may not get worse"),
            ("strict", "Strict: every reserve floor and structural balance must hold")]


def _objective_text(objective: str, v: float) -> str:
    if v is None or not math.isfinite(v):
        return fmt.DASH
    return f"{v * 100:.2f}%" if objective == "score" else f"{v * 100:+.3f}%"


class OptimizerDialog(QDialog):
    """Set up, run and review one optimization; accept its proposal as a new scenario."""

    runFinished = Signal(bool)   # True when a result (feasible or not) is shown

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Fund the best set")
        self.setModal(False)
        self.session = session
        P = session.prepared
        self.prepared = P
        self.base_scenario = session.scenario
        self.task: OptimizeTask | None = None
        self.result = None
        self.greedy = None

        # -- settings --
        self.objective = QComboBox()
        for key, text in OBJECTIVES:
            self.objective.addItem(text, key)
        self.policy = QComboBox()
        for key, text in POLICIES:
            self.policy.addItem(text, key)
        self.floors = QCheckBox("Every fund stays at or above its reserve floor")
        self.floors.setChecked(True)
        self.structural = QCheckBox("Recurring costs are paid with recurring revenue (structural balance)")
        self.structural.setChecked(True)
        self.time_limit = QDoubleSpinBox()
        self.time_limit.setRange(1, 600)
        self.time_limit.setValue(30)
        self.time_limit.setSuffix(" s")
        form = QFormLayout()
        form.addRow("Objective", self.objective)
        form.addRow("Constraints", self.floors)
        form.addRow("", self.structural)
        form.addRow("Already broken", self.policy)
        form.addRow("Time limit", self.time_limit)

        self.locks = LockModel(P, self)
        lock_proxy = QSortFilterProxyModel(self)
        lock_proxy.setSourceModel(self.locks)
        lock_proxy.setSortRole(SORT_ROLE)
        self.lock_view = self._view(lock_proxy, sortable=True)
        for c, w in enumerate([70, 64, 100, 220, 130, 100, 44]):
            self.lock_view.setColumnWidth(c, w)
        depts = sorted({n for n in P.names["departments"] if not n.startswith("(no ")}, key=str.casefold)
        self.bounds = BoundsModel(depts, parent=self)
        self.bounds_view = self._view(self.bounds)
        self.bounds_view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                         | QAbstractItemView.EditTrigger.EditKeyPressed
                                         | QAbstractItemView.EditTrigger.SelectedClicked)
        self.bounds_view.setColumnWidth(0, 220)
        setup_tabs = QTabWidget()
        lock_page = QWidget()
        ll = QVBoxLayout(lock_page)
        ll.setContentsMargins(4, 4, 4, 4)
        ll.addWidget(QLabel("Lock requests in or out; the others are the optimizer's choice (the current "
                            "scenario's funded list is a starting point only)."))
        ll.itemAt(0).widget().setWordWrap(True)
        ll.addWidget(self.lock_view)
        bounds_page = QWidget()
        bl = QVBoxLayout(bounds_page)
        bl.setContentsMargins(4, 4, 4, 4)
        bl.addWidget(QLabel("Optionally let departments change by a percent within bounds (a percent rule "
                            "after the scenario's rules; requests are not scaled)."))
        bl.itemAt(0).widget().setWordWrap(True)
        bl.addWidget(self.bounds_view)
        setup_tabs.addTab(lock_page, "Locks")
        setup_tabs.addTab(bounds_page, "Department bounds")
        access.name(self.lock_view, "Locks")
        access.name(self.bounds_view, "Department bounds")

        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Stop")
        self.cancel_button.setToolTip("Stop the run; while it solves, keep the best set found so far")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.stop)
        self.busy = QProgressBar()
        self.busy.setRange(0, 1)
        self.busy.setValue(0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(10)
        self.status = QLabel("Set the objective and limits, then Run.")
        self.status.setWordWrap(True)
        self.gap_label = QLabel("")
        self.gap_label.setWordWrap(True)
        self.solver = None              # the last SolverProgress of the running solve
        self._clock = QElapsedTimer()
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._show_gap)
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        run_row.addWidget(self.busy, 1)
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        box = QGroupBox(f"Base scenario: {self.base_scenario.name}")
        box.setLayout(form)
        lay.addWidget(box)
        lay.addWidget(setup_tabs, 1)
        lay.addLayout(run_row)
        lay.addWidget(self.status)
        lay.addWidget(self.gap_label)

        # -- proposal --
        self.summary = QLabel("No proposal yet.")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.funded_model = TableModel(["Request ID", "Title", "Department", "Five-year cost", "Rank",
                                        "Rank-order fill", "Now funded"],
                                       [None, None, None, fmt.money, None, None, None],
                                       [False, False, False, True, True, False, False], self)
        self.funded_view = self._view(self.funded_model, sortable=True, proxy=True)
        for c, w in enumerate([100, 210, 120, 100, 44, 100, 80]):
            self.funded_view.setColumnWidth(c, w)
        self.dept_model = TableModel(["Department", "Change"], [None, lambda v: f"{v:+.2f}%"], [False, True], self)
        self.dept_view = self._view(self.dept_model)
        self.score_model = TableModel(["Plan year", "Base scenario", "Proposal", "Rank-order fill"],
                                      [None] + [lambda v: fmt.percent(v, 1)] * 3, [False, True, True, True], self)
        self.score_view = self._view(self.score_model)
        self.policy_list = QListWidget()
        self.policy_list.setWordWrap(True)
        result_tabs = QTabWidget()
        result_tabs.addTab(self.funded_view, "Funded requests")
        result_tabs.addTab(self.dept_view, "Department changes")
        result_tabs.addTab(self.score_view, "Plan score by year")
        result_tabs.addTab(self.policy_list, "Policy")
        self.result_tabs = result_tabs
        for i in range(result_tabs.count()):
            access.name(result_tabs.widget(i), result_tabs.tabText(i))
        self.name = QLineEdit()
        self.name.setPlaceholderText("Name of the new scenario")
        self.accept_button = QPushButton("Accept as new scenario")
        self.accept_button.setEnabled(False)
        self.accept_button.clicked.connect(self.accept_proposal)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        accept_row = QHBoxLayout()
        accept_row.addWidget(access.label_for("&Name:", self.name))
        accept_row.addWidget(self.name, 1)
        accept_row.addWidget(self.accept_button)
        accept_row.addWidget(self.close_button)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(QLabel("<b>Proposal</b>"))
        rl.addWidget(self.summary)
        rl.addWidget(result_tabs, 1)
        rl.addLayout(accept_row)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([560, 640])
        main = QVBoxLayout(self)
        main.addWidget(split)
        self.resize(1240, 720)

    @staticmethod
    def _view(model, sortable: bool = False, proxy: bool = False) -> QTableView:
        v = QTableView()
        if proxy:
            p = QSortFilterProxyModel(v)
            p.setSourceModel(model)
            p.setSortRole(SORT_ROLE)
            model = p
        v.setModel(model)
        v.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        v.verticalHeader().hide()
        v.setAlternatingRowColors(True)
        v.setWordWrap(False)
        v.verticalHeader().setDefaultSectionSize(22)
        v.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table_copy.install(v, "optimizer")
        v.horizontalHeader().setStretchLastSection(True)
        if sortable:
            v.setSortingEnabled(True)
            v.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        return v

    # -- running ------------------------------------------------------------------------------------
    def options(self) -> OptimizeOptions:
        return OptimizeOptions(objective=self.objective.currentData(), must_fund=self.locks.ids("must"),
                               must_not_fund=self.locks.ids("never"), department_bounds=self.bounds.bounds(),
                               reserve_floors=self.floors.isChecked(), structural_balance=self.structural.isChecked(),
                               baseline_violations=self.policy.currentData(), time_limit=float(self.time_limit.value()))

    @property
    def running(self) -> bool:
        return self.task is not None

    def run(self) -> OptimizeTask | None:
        if self.task is not None:
            return None
        try:
            options = self.options()
        except ValueError as exc:
            self.status.setText(f"<span style='color:#b3261e'>{exc}</span>")
            return None
        self.base_scenario = self.session.scenario
        self.prepared = self.session.prepared
        task = OptimizeTask(self.prepared, self.base_scenario, options)
        task.signals.progress.connect(lambda f, t, task=task: task is self.task and self.status.setText(t))
        task.signals.finished.connect(lambda r, g, task=task: self._finished(task, r, g))
        task.signals.failed.connect(lambda text, task=task: self._failed(task, text))
        task.signals.cancelled.connect(lambda task=task: self._cancelled(task))
        task.signals.solving.connect(lambda p, task=task: self._solving(task, p))
        self.task = task
        self.solver = None
        self.gap_label.setText("")
        self._clock.start()
        self._tick.start()
        self.busy.setRange(0, 0)   # busy indicator
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.accept_button.setEnabled(False)
        self.status.setText("Measuring each request with the engine…")
        QThreadPool.globalInstance().start(task)
        return task

    def stop(self) -> None:
        """Stop: while solving, keep the best set so far (it arrives as a result); before that,
        cancel the run."""
        if self.task is None:
            return
        if self.solver is None:
            self.cancel()
            return
        self.task.cancel()
        self.cancel_button.setEnabled(False)
        self.status.setText("Stopping: keeping the best set found so far…")

    def _solving(self, task, progress) -> None:
        if task is not self.task:
            return
        self.solver = progress
        self._show_gap()

    def _show_gap(self) -> None:
        """The solve's figures: the best set so far, the bound, the gap, the time (every second)."""
        p = self.solver
        if self.task is None or p is None:
            return
        obj = self.task.options.objective
        seconds = self._clock.elapsed() / 1000.0
        if not math.isfinite(p.best):
            self.gap_label.setText(f"Solving: no set yet · {seconds:.0f} s")
            return
        gap = "proven best" if p.proven else (f"gap {p.gap * 100:.2f}%" if math.isfinite(p.gap) else "gap —")
        self.gap_label.setText(f"Solving: best set so far {_objective_text(obj, p.best)} · bound "
                               f"{_objective_text(obj, p.bound)} · {gap} · {seconds:.0f} s")

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self._done()
            self.status.setText("Cancelled.")
            self.task = None
            self.runFinished.emit(False)

    def _done(self) -> None:
        self._tick.stop()
        self.busy.setRange(0, 1)
        self.busy.setValue(0)
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _cancelled(self, task) -> None:
        if task is self.task:
            self.task = None
            self._done()
            self.status.setText("Cancelled.")
            self.runFinished.emit(False)

    def _failed(self, task, text: str) -> None:
        if task is not self.task:
            return
        self.task = None
        self._done()
        last = text.strip().splitlines()[-1] if text.strip() else "unknown error"
        self.status.setText(f"<span style='color:#b3261e'>The optimizer failed: {last}</span>")
        self.status.setToolTip(text)
        self.runFinished.emit(False)

    def _finished(self, task, result, greedy) -> None:
        if task is not self.task:
            return
        self.task = None
        self._done()
        self.show_result(result, greedy)
        self.runFinished.emit(True)

    # -- the proposal -------------------------------------------------------------------------------
    def show_result(self, result, greedy=None) -> None:
        self.result, self.greedy = result, greedy
        P = self.prepared
        obj = result.objective
        obj_name = "mean plan score" if obj == "score" else "weighted KPI gain"
        color = "#1b5e20" if result.feasible and not result.violations else "#8c1d18"
        lines = [f"<span style='color:{color}'><b>{_esc(result.message)}</b></span>"]
        if result.feasible:
            lines.append(f"Objective ({obj_name}): exact engine <b>{_objective_text(obj, result.exact_objective)}</b>"
                         f" · linearized model {_objective_text(obj, result.linear_objective)}"
                         f" · base scenario {_objective_text(obj, result.base_objective)}")
            if greedy is not None:
                lines.append(f"Funding in rank order while the policies hold: "
                             f"{_objective_text(obj, greedy.exact_objective)} with {len(greedy.funded)} request(s)")
            if result.total_cost is not None:
                lines.append("Cost of the funded requests: " + fmt.money(float(np.sum(result.total_cost)))
                             + " over five years")
        policy = []
        if result.violations:
            policy.append(f"<span style='color:#8c1d18'>The exact engine flags {len(result.violations)} "
                          f"constraint(s)</span>")
        elif result.feasible:
            policy.append("Every policy constraint holds in the exact engine"
                          + (f" ({len(result.relaxed)} already broken before any request, kept no worse)"
                             if result.relaxed else ""))
        if result.binding:
            policy.append(f"<span style='color:#8c1d18'>Binding: {_esc(result.binding[0])}</span>")
        lines += policy
        proof = ""
        if result.feasible and result.status != "optimal" and math.isfinite(result.mip_gap):
            proof = f", within {result.mip_gap * 100:.2f}% of the best possible"
        lines.append(f"<small>Solved in {result.total_seconds:.2f} s (solver {result.solve_seconds:.2f} s), "
                     f"status {result.status}{proof}</small>")
        self.summary.setText("<br/>".join(lines))

        records = {_key(r.request_id): r for r in request_records(P.dataset)}
        greedy_ids = {_key(r) for r in (greedy.funded if greedy is not None else ())}
        now = {_key(r) for r in result.base_scenario.funded_requests}
        rows = []
        order = {_key(r): n for n, r in enumerate(rank_order(P))}
        for rid in sorted(result.funded, key=lambda r: order.get(_key(r), 1e9)):
            rec = records.get(_key(rid))
            j = P.request_index.get(_key(rid))
            cost = float(P.req_costs[j].sum()) if j is not None else math.nan
            rank = "" if rec is None or rec.rank is None else (str(int(rec.rank)) if float(rec.rank).is_integer()
                                                                else str(rec.rank))
            rows.append((rid, rec.title if rec else "", rec.department if rec else "", cost, rank,
                         "yes" if _key(rid) in greedy_ids else "no", "yes" if _key(rid) in now else "no"))
        self.funded_model.set_rows(rows)
        self.dept_model.set_rows([(d, v) for d, v in result.department_changes.items() if v != 0])
        years = list(P.year_labels)
        base = result.base_score if result.base_score is not None else np.full(len(years), np.nan)
        prop = result.exact_score if result.exact_score is not None else np.full(len(years), np.nan)
        gr = greedy.exact_score if greedy is not None and greedy.exact_score is not None else np.full(len(years), np.nan)
        self.score_model.set_rows([(years[t], float(base[t]), float(prop[t]), float(gr[t])) for t in range(len(years))])
        self.policy_list.clear()
        for m in result.binding:
            self.policy_list.addItem("Binding: " + m)
        for m in result.violations:
            self.policy_list.addItem("Exact engine flags: " + m)
        for m in result.relaxed:
            self.policy_list.addItem("Kept no worse: " + m)
        if not (result.binding or result.violations or result.relaxed):
            self.policy_list.addItem("Every reserve floor and structural balance holds.")
        self.accept_button.setEnabled(bool(result.feasible))
        if not self.name.text().strip():
            self.name.setText(f"{result.base_scenario.name} (optimized)")
        self.status.setText(("Stopped: the best set found so far." if result.status == "stopped" else "Done.")
                            if result.feasible else "No proposal: see the message.")
        if result.feasible and result.status == "optimal":
            self.gap_label.setText("Proven best set (linear model)")
        elif result.feasible and math.isfinite(result.mip_gap):
            self.gap_label.setText(f"Within {result.mip_gap * 100:.2f}% of the best possible "
                                   f"(bound {_objective_text(obj, result.bound)})")
        elif result.feasible:
            self.gap_label.setText("Stopped before the solver had a bound: the gap is unknown")

    def accept_proposal(self):
        """Add the proposal as a new scenario (one undo step) and close."""
        if self.result is None or not self.result.feasible:
            return None
        name = self.name.text().strip() or f"{self.result.base_scenario.name} (optimized)"
        scenario = self.result.to_scenario(name)
        self.session.add_scenario(scenario, f"Accept optimizer proposal '{name}'")
        self.accept()
        return self.session.scenario

    def closeEvent(self, event) -> None:  # noqa: N802
        self._tick.stop()
        if self.task is not None:
            self.task.cancel()
            self.task = None
        super().closeEvent(event)

    def reject(self) -> None:
        self._tick.stop()
        if self.task is not None:
            self.task.cancel()
            self.task = None
        super().reject()


def _esc(text) -> str:
    import html
    return html.escape("" if text is None else str(text))


__all__ = ["OptimizerDialog"]

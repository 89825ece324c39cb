"""`TeamRequestsPanel`: the requests of a shared project for the login's role.

- A department manager sees its departments' requests (`my_requests()`) with their status:
  Submit (Draft → Submitted), Back to draft (Returned → Draft), Edit… only while a Draft (the
  reason shown otherwise), and OMB's comments when a request came back Returned.
- An OMB analyst sees the review queue (`review_queue()`: by department, status and rank), selects
  one or many requests and moves them: Start review, Recommend, Not recommend, Return… (a reason
  required), Adopt, Not adopt — each button on only when the workflow allows it for every selected
  request — or starts from the optimizer's proposal.
- A viewer sees every request, read-only.

Moves and saves run on the thread pool (jobs.py); reads are one quick query on the GUI thread.
`on_change(change)` (the window's listener) re-reads when requests changed."""

from __future__ import annotations

import html

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSortFilterProxyModel, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QMessageBox, QPushButton, QSplitter, QTableView, QTextBrowser, QVBoxLayout, QWidget)

from kcplanner.project.postgres import ConflictError, ConnectionLost, TeamError
from kcplanner.project.postgres.requests import STATUSES

from ...common.models import SORT_ROLE
from ...common.workers import JobTask
from . import jobs
from .dialogs import EditRequestDialog, ProposalDialog, ReasonDialog, connection_lost
from .model import ORDERS, TeamRequestsModel
from .moves import ACTIONS, BY_KEY, DEPARTMENT, OMB, allowed_for_all, edit_refusal, side_of, why_not
from .proposal import ProposalSource

ALL = "(all)"


def _esc(text) -> str:
    return html.escape(str(text), quote=False)


def _when(moved_at: str) -> str:
    """The server's UTC time to the minute, said as UTC (people in several offices read it)."""
    return _esc(moved_at[:16].replace("T", " ")) + " UTC"


def count_text(rows: list[dict]) -> str:
    """"12 requests in 4 departments: 5 Submitted · 4 Under review · …" (statuses in the workflow's order)."""
    by_status = {s: sum(r["status"] == s for r in rows) for s in STATUSES}
    departments = len({r["department"] for r in rows})
    parts = " · ".join(f"{n} {s}" for s, n in by_status.items() if n)
    return (f"{len(rows)} request{'s' * (len(rows) != 1)} in {departments} department{'s' * (departments != 1)}"
            + (f": {parts}" if parts else ""))


class TeamRequestsPanel(QWidget):
    """A shared project's requests, as its login's role sees and moves them."""

    jobFinished = Signal(object)   # jobs.Outcome, after the panel has shown it and re-read

    def __init__(self, project, parent=None, on_conflict=None):
        super().__init__(parent)
        self.project = project
        self.role = project.role
        self.side = side_of(self.role)
        self.departments = list(getattr(project, "departments", []) or [])
        self.on_conflict = on_conflict or self._default_conflict
        self.ask_retry = connection_lost          # (parent, text) -> bool; tests replace it
        self.inform = self._message                # (title, text); tests replace it
        self.task: JobTask | None = None
        self._pending_refresh = False
        self.proposals = ProposalSource(project)
        self.all_requests: list[dict] = []

        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.department = QComboBox()
        self.status = QComboBox()
        self.status.addItems([ALL, *STATUSES])
        self.order = QComboBox()
        self.order.addItems(list(ORDERS))
        self.everything = QCheckBox("Also drafts and returned")
        self.everything.setToolTip("The queue shows what the departments submitted; tick to see their drafts "
                                   "and the requests returned to them too")
        self.everything.setVisible(self.side == OMB)
        self.refresh_button = QPushButton("Refresh")
        filters = QHBoxLayout()
        for label, widget in (("Department", self.department), ("Status", self.status), ("Order", self.order)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.everything)
        filters.addStretch(1)
        filters.addWidget(self.refresh_button)

        self.model = TeamRequestsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)   # the model's order until a header is clicked
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection
                                    if self.side == OMB else QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(TeamRequestsModel.TITLE, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 150), (1, 110), (3, 120), (4, 50), (5, 110), (6, 60), (7, 110)):
            self.table.setColumnWidth(column, width)

        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        for action in ACTIONS:
            if action.side == self.side:
                button = QPushButton(action.label)
                button.setToolTip(action.tip)
                button.clicked.connect(lambda _=False, a=action: self.move_selected(a.key))
                self.buttons[action.key] = button
                actions.addWidget(button)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.clicked.connect(self.edit_selected)
        self.edit_button.setVisible(self.side is not None)
        actions.addWidget(self.edit_button)
        self.proposal_button = QPushButton("Start from the optimizer's proposal…")
        self.proposal_button.setToolTip("Recommend the requests under review that a proposed scenario funds and "
                                        "not the others: the moves are shown first")
        self.proposal_button.clicked.connect(self.start_from_proposal)
        self.proposal_button.setVisible(self.side == OMB)
        actions.addStretch(1)
        actions.addWidget(self.proposal_button)

        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: #a05a00")
        self.returned = QLabel()
        self.returned.setWordWrap(True)
        self.returned.setStyleSheet("background: #fff4e5; border: 1px solid #a05a00; padding: 4px")
        self.returned.setTextFormat(Qt.TextFormat.RichText)
        self.trail = QTextBrowser()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.counts = QLabel()

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.heading)
        tl.addLayout(filters)
        tl.addWidget(self.counts)
        tl.addWidget(self.table)
        tl.addLayout(actions)
        tl.addWidget(self.reason)
        tl.addWidget(self.result)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.returned)
        bl.addWidget(QLabel("The request's moves through the workflow, with their comments:"))
        bl.addWidget(self.trail)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(split)

        self.department.currentTextChanged.connect(self._show)
        self.status.currentTextChanged.connect(self._show)
        self.order.currentTextChanged.connect(self._show)
        self.everything.toggled.connect(lambda _: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self._set_heading()
        self.refresh()

    # -- reading --------------------------------------------------------------------------------------
    def _set_heading(self) -> None:
        p = self.project
        if self.side == DEPARTMENT:
            text = (f"<b>{_esc(', '.join(self.departments))}</b>: your requests and where they are in the "
                    "review. A request is yours to change while it is a Draft; submit it when it is ready.")
        elif self.side == OMB:
            text = ("<b>Review queue</b>: the requests the departments submitted, by department, status and rank. "
                    "Select one or many (Ctrl/Shift) and move them.")
        else:
            text = "<b>Requests</b> (read-only: a viewer changes nothing)."
        self.heading.setText(f"{text} <span style='color:#666'>— {_esc(str(p.user))}, {p.role}</span>")

    def _read(self) -> list[dict]:
        if self.side == DEPARTMENT:
            return self.project.my_requests()
        if self.side == OMB and not self.everything.isChecked():
            return self.project.review_queue()
        return self.project.requests()

    def refresh(self) -> None:
        """Read the requests again (one query); the selection is kept by request ID."""
        if self.busy:
            self._pending_refresh = True
            return
        try:
            rows = self._read()
        except ConnectionLost as exc:
            if self.ask_retry(self, str(exc)):
                self.refresh()
            return
        except TeamError as exc:
            self.inform("Requests", str(exc))
            return
        self.all_requests = rows
        departments = sorted({r["department"] for r in rows} | set(self.departments), key=str.casefold)
        current = self.department.currentText()
        self.department.blockSignals(True)
        self.department.clear()
        self.department.addItems([ALL, *departments])
        self.department.setCurrentText(current if current in departments else ALL)
        self.department.blockSignals(False)
        self._show()

    @Slot(object)
    def on_change(self, change) -> None:
        """A change someone made (the window's listener): re-read when it touched requests (or, with
        no change given — the listener's gap — always)."""
        if change is None or getattr(change, "table", None) in ("requests", None):
            self.refresh()

    def _show(self, *_):
        chosen = self.selected_ids()
        dept, status = self.department.currentText(), self.status.currentText()
        rows = [r for r in self.all_requests if (dept in (ALL, "") or r["department"] == dept)
                and (status in (ALL, "") or r["status"] == status)]
        self.model.set_requests(rows, self.order.currentText() or next(iter(ORDERS)))
        self.counts.setText(count_text(rows))
        self.select(chosen)
        self._selection_changed()

    # -- selection ------------------------------------------------------------------------------------
    def selected(self) -> list[dict]:
        rows = sorted({self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.request_at(r) for r in rows]

    def selected_ids(self) -> list[str]:
        return [r["request_id"] for r in self.selected()]

    def select(self, request_ids) -> None:
        selection = QItemSelection()
        for rid in request_ids:
            row = self.model.row_of(rid)
            if row >= 0:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                selection.select(index, index.siblingAtColumn(self.model.columnCount() - 1))
        self.table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _selection_changed(self) -> None:
        chosen = self.selected()
        reasons = []
        for key, button in self.buttons.items():
            action = BY_KEY[key]
            ok = not self.busy and allowed_for_all(action, self.role, self.departments, chosen)
            button.setEnabled(ok)
            why = next((why_not(action, self.role, self.departments, r) for r in chosen
                        if why_not(action, self.role, self.departments, r)), "")
            button.setToolTip(action.tip + (f" — not now: {why}" if why else ""))
        refusal = edit_refusal(self.role, self.departments, chosen[0]) if len(chosen) == 1 else ""
        self.edit_button.setEnabled(not self.busy and len(chosen) == 1 and not refusal)
        if refusal:
            reasons.append(refusal)
        if self.side is None:
            reasons.append("A viewer reads only: nothing here can be changed.")
        self.reason.setText(" ".join(reasons))
        self.proposal_button.setEnabled(not self.busy)
        self._show_trail(chosen[0] if len(chosen) == 1 else None)

    def _show_trail(self, request: dict | None) -> None:
        self.returned.setVisible(False)
        if request is None:
            self.trail.setHtml("<i>Select one request to see its moves and comments.</i>")
            return
        try:
            moves = self.project.request_moves(request["request_id"])
        except TeamError as exc:
            self.trail.setPlainText(str(exc))
            return
        lines = [f"<p><b>{_when(m.moved_at)}</b> {_esc(m.moved_by)}: "
                 f"{_esc(m.from_status)} → <b>{_esc(m.to_status)}</b>"
                 + (f"<br>&nbsp;&nbsp;“{_esc(m.comment)}”" if m.comment else "") + "</p>" for m in moves]
        self.trail.setHtml("".join(lines) or f"<i>{_esc(request['request_id'])} has not moved yet "
                                              f"(it is {_esc(request['status'])}).</i>")
        if request["status"] == "Returned":
            last = next((m for m in reversed(moves) if m.to_status == "Returned"), None)
            if last is not None:
                self.returned.setText(f"<b>Returned by {_esc(last.moved_by)}</b> on "
                                      f"{_when(last.moved_at)}: "
                                      f"“{_esc(last.comment)}”")
                self.returned.setVisible(True)

    # -- writing (on the pool) --------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.task is not None

    def move_selected(self, key: str) -> JobTask | None:
        """Make the move `key` (moves.ACTIONS) on every selected request; Return asks for the reason."""
        action = BY_KEY[key]
        chosen = self.selected()
        if not allowed_for_all(action, self.role, self.departments, chosen):
            return None
        comment = None
        if action.needs_reason:
            dialog = self.reason_dialog([r["request_id"] for r in chosen])
            if not dialog.exec():
                return None
            comment = dialog.reason()
        what = f"{action.label.rstrip('…')} ({len(chosen)} request{'s' * (len(chosen) > 1)})"

        def run(requests):
            return self._run(lambda: jobs.move_all(self.project, requests, action.to_status, comment, what), run)
        return run(chosen)

    def reason_dialog(self, request_ids) -> ReasonDialog:
        """The reason dialog (its own method so that a test can answer it)."""
        return ReasonDialog(request_ids, self)

    def edit_selected(self) -> JobTask | None:
        chosen = self.selected()
        if len(chosen) != 1 or edit_refusal(self.role, self.departments, chosen[0]):
            return None
        dialog = EditRequestDialog(chosen[0], self)
        if not dialog.exec() or not dialog.changes():
            return None
        return self.save(chosen[0], dialog.changes())

    def save(self, request: dict, changes: dict) -> JobTask:
        """Save `changes` to `request` over the version shown (on the pool)."""
        return self._run(lambda: jobs.save_one(self.project, request, changes),
                         lambda left: self.save(left[0], changes))

    def start_from_proposal(self) -> JobTask | None:
        """Show the moves a proposed scenario makes; apply them when confirmed."""
        try:
            names, chosen = self.proposals.choices()
            dialog = ProposalDialog(names, chosen, self.proposals.moves_for, self)
        except TeamError as exc:
            self.inform("The optimizer's proposal", str(exc))
            return None
        if not self.confirm_proposal(dialog):
            return None
        moves, comment = list(dialog.moves), dialog.comment.text().strip() or None

        def run(left):
            return self._run(lambda: jobs.apply_moves(self.project, left, comment), run)
        return run(moves)

    def confirm_proposal(self, dialog: ProposalDialog) -> bool:
        return bool(dialog.exec())

    def set_proposal(self, scenario) -> None:
        """The optimizer's proposal (a Scenario, saved or not) offered first by the button."""
        self.proposals.offer(scenario)

    def _run(self, fn, again=None) -> JobTask:
        """Run `fn` (→ jobs.Outcome) on the pool; `again(left)` retries what a lost connection left."""
        task = JobTask(lambda progress, cancelled: fn())
        self.task = task
        self._again = again
        task.signals.finished.connect(self._finished)
        task.signals.failed.connect(self._failed)
        self.result.setText("Working…")
        self._selection_changed()
        QThreadPool.globalInstance().start(task)
        return task

    def _done(self) -> None:
        self.task = None
        self._pending_refresh = False
        self.refresh()

    def _failed(self, exc) -> None:
        self._done()
        self.inform("Requests", f"{type(exc).__name__}: {exc}")

    def _finished(self, outcome: jobs.Outcome) -> None:
        self._done()
        lines = [outcome.summary()]
        lines += [f"{rid}: {why}" for rid, why in outcome.refused]
        lines += [str(c) for c in outcome.conflicts] if len(outcome.conflicts) > 1 or outcome.refused else []
        self.result.setText("\n".join(lines))
        if len(outcome.conflicts) == 1 and not outcome.refused:
            self.on_conflict(outcome.conflicts[0])
        elif outcome.refused or outcome.conflicts:
            self.inform("Not every request moved", "\n\n".join(lines))
        if outcome.lost:
            left = outcome.left
            if self.ask_retry(self, outcome.lost + (f"\n\n{len(left)} request(s) not done yet." if left else "")):
                self._retry(outcome)
        self.jobFinished.emit(outcome)

    def _retry(self, outcome: jobs.Outcome):
        """Try again what the lost connection left, each over the version it was shown at: one whose
        commit did reach the server before the loss then meets its own newer version and is told
        (a conflict naming this login), never made twice; one someone else changed is not forced."""
        again = getattr(self, "_again", None)
        if again is None or not outcome.left:
            return None
        self.result.setText(f"{outcome.what}: trying again…")
        return again(list(outcome.left))

    # -- messages ------------------------------------------------------------------------------------
    def _message(self, title: str, text: str) -> None:
        QMessageBox.information(self, title, text)

    def _default_conflict(self, error: ConflictError) -> None:
        QMessageBox.warning(self, "Changed by someone else", str(error))
        self.refresh()


__all__ = ["TeamRequestsPanel"]

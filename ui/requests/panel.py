"""The Requests tab: the requests list with its filter and buttons, the effect pane beside it and
the export progress strip below; its actions create, edit, duplicate, delete and fund requests
(undoable, ui/requests/commands.py), open the justification builder, export justifications and
open the optimizer.  `narratives` holds what managers wrote in the builder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QProgressBar, QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget)

from kcplanner.engine import Prepared, evaluate
from kcplanner.justification import JustificationNarrative
from kcplanner.requests import Request, RequestEffect, RequestError, new_request_id, request_effects

from ..common import access, table_copy
from ..common.table_size import fit_columns
from .commands import copy_request, create_request, delete_request, edit_request, set_funded
from .editor import RequestDialog
from .effect import EffectPane, finding_changes
from .export import ExportDialog, JustificationExportTask
from .table import ALL_DEPARTMENTS, REQUEST_ID_ROLE, RequestFilter, RequestsModel, show_cost_early
from .text import name_key


class RequestsPanel(QWidget):
    """The Requests tab.  `narratives` (request ID → JustificationNarrative) holds what managers
    wrote in the justification builder; the project file stores it (`to_dict`/`from_dict`)."""

    narrativesChanged = Signal()
    exportFinished = Signal(list)   # paths written ([] when it failed or was cancelled)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.narratives: dict[str, JustificationNarrative] = {}
        self.export_task: JustificationExportTask | None = None
        self.optimizer_dialog = None
        self.builder = None
        self._prepared_shown: Prepared | None = None
        self._effect_pending = False
        self.export_folder = str(Path.home())

        self.model = RequestsModel(self)
        self.model.fund_callback = lambda rid, on: set_funded(self.session, rid, on)
        self.model.edit_callback = lambda rid, req: self._edit(rid, req, quiet=True)
        self.proxy = RequestFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = access.name(QTableView(), "Requests")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # copy several rows
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        for c, w in enumerate([58, 44, 96, 220, 140, 150, 120, 90, 72, 112, 44, 64, 260]):
            self.table.setColumnWidth(c, w)
        show_cost_early(self.table)
        table_copy.install(self.table, "requests")
        self.table.selectionModel().currentRowChanged.connect(lambda _c, _p: self.update_effect())
        self.table.doubleClicked.connect(self._double_clicked)

        self.department = QComboBox()
        self.department.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.department.setToolTip("Show the requests of one department")
        self.department.currentTextChanged.connect(self._department_changed)
        self.search = access.name(QLineEdit(), "Filter requests")
        self.search.setPlaceholderText("Filter: ID, title, program, KPI…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.count = QLabel()

        self.actions: dict[str, QAction] = {}
        self.buttons: dict[str, QPushButton] = {}
        specs = [
            ("new", "&New request…", self.new_request, "Ctrl+Shift+N", "Create a request (undoable)"),
            ("edit", "&Edit request…", self.edit_selected, None, "Edit the selected request (undoable)"),
            ("duplicate", "&Duplicate request", self.duplicate_selected, None,
             "Copy the selected request with a new ID (undoable)"),
            ("delete", "De&lete request", self.delete_selected, None,
             "Delete the selected request; scenarios stop funding it (undoable)"),
            ("justify", "&Build justification…", self.build_justification, None,
             "Write the selected request's justification: what, why, cost, positions, KPIs, alternatives"),
            ("export", "E&xport justification…", self.export_dialog, None,
             "Write each department's justification workbook and PDF"),
            ("optimize", "&Fund the best set…", self.open_optimizer, "Ctrl+Shift+B",
             "Let the optimizer propose which requests to fund (and department changes)"),
        ]
        for key, text, slot, shortcut, tip in specs:
            a = QAction(text, self)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
            a.setToolTip(tip)
            a.setStatusTip(tip)
            a.triggered.connect(lambda _c=False, slot=slot: slot())
            self.actions[key] = a
            b = QPushButton(text.replace("&", ""))
            b.setToolTip(tip)
            b.clicked.connect(lambda _c=False, slot=slot: slot())
            self.buttons[key] = b
        delete_key = QAction(self.table)
        delete_key.setShortcut(QKeySequence.StandardKey.Delete)
        delete_key.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.triggered.connect(self.delete_selected)
        self.table.addAction(delete_key)

        top = QHBoxLayout()
        top.addWidget(access.label_for("De&partment:", self.department))
        top.addWidget(self.department)
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        buttons = QGridLayout()
        for n, key in enumerate(("new", "edit", "duplicate", "delete")):
            buttons.addWidget(self.buttons[key], 0, n)
        for n, key in enumerate(("justify", "export", "optimize")):
            buttons.addWidget(self.buttons[key], 1, n)
        buttons.setColumnStretch(4, 1)

        self.effect = EffectPane()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(top)
        ll.addWidget(self.table, 1)
        ll.addLayout(buttons)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(left)
        self.split.addWidget(self.effect)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setSizes([780, 620])

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress_label = QLabel()
        self.cancel_export = QPushButton("Cancel")
        self.cancel_export.clicked.connect(self.cancel_export_task)
        self.strip = QWidget()
        strip = QHBoxLayout(self.strip)
        strip.setContentsMargins(0, 0, 0, 0)
        strip.addWidget(self.progress_label)
        strip.addWidget(self.progress, 1)
        strip.addWidget(self.cancel_export)
        self.strip.hide()
        self.message = QLabel()
        self.message.setWordWrap(True)

        lay = QVBoxLayout(self)
        lay.addWidget(self.split, 1)
        lay.addWidget(self.strip)
        lay.addWidget(self.message)

        session.datasetChanged.connect(self._rebuild)
        session.scenarioChanged.connect(lambda: self.model.set_scenario(self.session.scenario))
        session.resultsChanged.connect(self._results_changed)
        for sig in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset, self.proxy.layoutChanged):
            sig.connect(self._update_count)
        if session.prepared is not None:
            self._rebuild()
        self._update_actions()

    # -- data -------------------------------------------------------------------------------------
    def _rebuild(self) -> None:
        """Rows from the session's dataset, keeping the selection and the department filter."""
        P = self.session.prepared
        selected = self.selected_id()
        self._prepared_shown = P
        self.model.set_prepared(P)
        self.model.funded = set()
        self.model.set_scenario(self.session.scenario if P is not None else None)
        depts = sorted({r.department for r in self.model.records}, key=str.casefold)
        current = self.department.currentText()
        self.department.blockSignals(True)
        self.department.clear()
        self.department.addItem(ALL_DEPARTMENTS)
        self.department.addItems(depts)
        self.department.setCurrentIndex(max(0, self.department.findText(current)))
        self.department.blockSignals(False)
        self.proxy.set_department(self.department.currentText())
        if self.model.records and not getattr(self, "_fitted", False):  # once: a user's widths then stay
            fit_columns(self.table, range(1, RequestsModel.JUST), limits={RequestsModel.TITLE: (120, 240),
                                                                         RequestsModel.DEPT: (80, 150),
                                                                         RequestsModel.PROG: (80, 150)})
            self._fitted = True
        self.effect.set_prepared(P)
        if selected is None or not self.select_request(selected):
            if self.proxy.rowCount():
                self.table.selectRow(0)
        self._update_count()
        self.update_effect()

    def _results_changed(self, results) -> None:
        if self.session.prepared is not self._prepared_shown:
            self._rebuild()  # a request edit that kept the structure (no datasetChanged)
            return
        self.model.set_scenario(self.session.scenario)
        self.update_effect(results)

    def _department_changed(self, text: str) -> None:
        self.proxy.set_department(text)
        self._after_filter()

    def _search_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._after_filter()

    def _after_filter(self) -> None:
        if not self.table.currentIndex().isValid() and self.proxy.rowCount():
            self.table.selectRow(0)
        self._update_count()
        self.update_effect()

    def _update_count(self, *args) -> None:
        self.count.setText(f"{self.proxy.rowCount()} of {self.model.rowCount()} request(s)")

    def _update_actions(self) -> None:
        has_data = self.session.prepared is not None
        has_sel = self.selected_id() is not None
        for key in ("edit", "duplicate", "delete", "justify"):
            self.actions[key].setEnabled(has_sel)
            self.buttons[key].setEnabled(has_sel)
        for key in ("new", "export", "optimize"):
            self.actions[key].setEnabled(has_data and (key != "export" or self.export_task is None))
            self.buttons[key].setEnabled(has_data and (key != "export" or self.export_task is None))

    # -- selection ------------------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        idx = self.table.currentIndex()
        if not idx.isValid():
            return None
        return self.proxy.data(self.proxy.index(idx.row(), 0), REQUEST_ID_ROLE)

    def selected_request(self) -> Request | None:
        rid = self.selected_id()
        if rid is None:
            return None
        row = self.model.row_of(rid)
        return self.model.records[row] if row >= 0 else None

    def select_request(self, request_id: str) -> bool:
        row = self.model.row_of(request_id)
        if row < 0:
            return False
        source = self.model.index(row, RequestsModel.ID)
        idx = self.proxy.mapFromSource(source)
        if not idx.isValid():
            self.department.setCurrentIndex(0)
            self.search.clear()
            idx = self.proxy.mapFromSource(source)
        if not idx.isValid():
            return False
        self.table.setCurrentIndex(idx)
        self.table.scrollTo(idx)
        return True

    def current_effect(self) -> RequestEffect | None:
        return self.effect.effect

    def update_effect(self, results=None) -> None:
        """The selected request's effect on the current scenario (one extra engine run; skipped
        while the panel is hidden and done when it is shown)."""
        self._update_actions()
        P = self.session.prepared
        rid = self.selected_id()
        if P is None or rid is None:
            self.effect.clear()
            return
        if not self.isVisible():
            self._effect_pending = True
            return
        self._effect_pending = False
        scenario = self.session.scenario
        base = results if results is not None and results is self.session.results else evaluate(P, scenario)
        effect = request_effects(P, scenario, [rid], base_results=base)[0]
        other = evaluate(P, scenario.unfund_request(rid) if effect.funded_in_base else scenario.fund_request(rid))
        with_r, without_r = (base, other) if effect.funded_in_base else (other, base)
        rec = self.selected_request()
        self.effect.set_effect(effect, rec.kpi_id if rec is not None else None, finding_changes(with_r, without_r))

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._effect_pending:
            self.update_effect()

    # -- edits ----------------------------------------------------------------------------------------
    def _double_clicked(self, index) -> None:
        if index.column() not in RequestsModel.EDITABLE and index.column() != RequestsModel.FUNDED:
            self.edit_selected()

    def new_request(self) -> RequestDialog | None:
        P = self.session.prepared
        if P is None:
            return None
        template = None
        dept = self.department.currentText()
        if dept and dept != ALL_DEPARTMENTS:
            fund = next((r.fund for r in self.model.records if name_key(r.department) == name_key(dept)), "")
            template = Request(request_id=new_request_id(P.dataset), department=dept, program="", fund=fund, title="")
        dlg = RequestDialog(P, template, None, self)
        dlg.accepted.connect(lambda: self._create(dlg.request()))
        dlg.open()
        return dlg

    def _create(self, request: Request) -> None:
        try:
            create_request(self.session, request)
        except RequestError as exc:
            QMessageBox.warning(self, "Could not add the request", str(exc))
            return
        self.select_request(request.request_id)
        self.message.setText(f"Added request {request.request_id} (Edit > Undo takes it back).")

    def edit_selected(self) -> RequestDialog | None:
        rec = self.selected_request()
        if rec is None or self.session.prepared is None:
            return None
        dlg = RequestDialog(self.session.prepared, rec, rec.request_id, self)
        dlg.accepted.connect(lambda: self._edit(rec.request_id, dlg.request()))
        dlg.open()
        return dlg

    def _edit(self, request_id: str, request: Request, quiet: bool = False) -> None:
        try:
            edit_request(self.session, request_id, request)
        except RequestError as exc:
            if quiet:
                raise
            QMessageBox.warning(self, "Could not change the request", str(exc))
            return
        old = self.narrative_for(request_id)
        if name_key(request_id) != name_key(request.request_id) and old is not None:
            self.narratives[request.request_id] = old
            self.narrativesChanged.emit()  # the project file keeps it under the new ID at once
        self.select_request(request.request_id)

    def duplicate_selected(self) -> Request | None:
        rid = self.selected_id()
        if rid is None:
            return None
        copy = copy_request(self.session, rid)
        self.select_request(copy.request_id)
        self.message.setText(f"Duplicated {rid} as {copy.request_id}.")
        return copy

    def delete_selected(self) -> Request | None:
        rid = self.selected_id()
        if rid is None:
            return None
        row = self.table.currentIndex().row()
        removed = delete_request(self.session, rid)
        if self.proxy.rowCount():
            self.table.selectRow(min(row, self.proxy.rowCount() - 1))
        self.message.setText(f"Deleted request {removed.request_id} (Edit > Undo brings it back).")
        return removed

    def fund(self, request_id: str, funded: bool = True) -> None:
        set_funded(self.session, request_id, funded)

    # -- justification ---------------------------------------------------------------------------------
    def narrative_for(self, request_id: str) -> JustificationNarrative | None:
        key = name_key(request_id)
        return next((v for k, v in self.narratives.items() if name_key(k) == key), None)

    def build_justification(self):
        from .builder import JustificationBuilder

        rec = self.selected_request()
        if rec is None:
            return None
        effect = self.effect.effect
        if effect is None or name_key(effect.request_id) != name_key(rec.request_id):
            effect = request_effects(self.session.prepared, self.session.scenario, [rec.request_id])[0]
        dlg = JustificationBuilder(rec, effect, self.narrative_for(rec.request_id), self.session.prepared, self)
        dlg.accepted.connect(lambda: self.save_narrative(rec.request_id, dlg.narrative()))
        self.builder = dlg
        dlg.open()
        return dlg

    def save_narrative(self, request_id: str, narrative: JustificationNarrative) -> None:
        for k in [k for k in self.narratives if name_key(k) == name_key(request_id)]:
            del self.narratives[k]
        self.narratives[request_id] = narrative
        self.narrativesChanged.emit()
        self.message.setText(f"Saved the justification of {request_id}.")

    def departments(self) -> list[str]:
        return sorted({r.department for r in self.model.records}, key=str.casefold)

    def export_dialog(self) -> ExportDialog | None:
        if self.session.prepared is None:
            return None
        dept = self.department.currentText()
        rec = self.selected_request()
        selected = [dept] if dept != ALL_DEPARTMENTS else ([rec.department] if rec else [])
        dlg = ExportDialog(self.departments(), selected, self.export_folder, self)
        dlg.accepted.connect(lambda: self.export_justifications(dlg.departments(), dlg.folder.text(),
                                                                dlg.pdf.isChecked()))
        dlg.open()
        return dlg

    def export_justifications(self, departments: list[str], folder: str, pdf: bool = True):
        """Start writing the justifications on the thread pool; returns the task (or None)."""
        if not departments or self.session.prepared is None:
            return None
        if self.export_task is not None:
            self.message.setText("An export is already running.")
            return None
        folder_path = Path(folder)
        try:
            folder_path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            QMessageBox.warning(self, "Export justifications", f"Cannot use the folder {folder}: {exc}")
            return None
        self.export_folder = str(folder_path)
        task = JustificationExportTask(self.session.prepared, self.session.scenario, departments, folder_path,
                                       self.narratives, pdf)
        task.signals.progress.connect(self._export_progress)
        task.signals.finished.connect(lambda paths, t=task: self._export_done(t, paths, None))
        task.signals.failed.connect(lambda text, t=task: self._export_done(t, [], text))
        task.signals.cancelled.connect(lambda t=task: self._export_done(t, [], "cancelled"))
        self.export_task = task
        self.progress.setValue(0)
        self.progress_label.setText("Exporting justifications…")
        self.strip.show()
        self._update_actions()
        QThreadPool.globalInstance().start(task)
        return task

    def cancel_export_task(self) -> None:
        if self.export_task is not None:
            self.export_task.cancel()

    def _export_progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress_label.setText(text)

    def _export_done(self, task, paths: list, error: str | None) -> None:
        if task is not self.export_task:
            return
        self.export_task = None
        self.strip.hide()
        self._update_actions()
        if error == "cancelled":
            self.message.setText("Export cancelled; the files written so far are kept.")
        elif error:
            self.message.setText("The export failed.")
            box = QMessageBox(QMessageBox.Icon.Warning, "Export justifications",
                              "The justifications could not be written.", QMessageBox.StandardButton.Close, self)
            box.setDetailedText(error)
            box.open()
        else:
            self.message.setText(f"Wrote {len(paths)} file(s) to {self.export_folder}.")
        self.exportFinished.emit(list(paths))

    # -- optimizer --------------------------------------------------------------------------------------
    def open_optimizer(self):
        from ..optimizer.dialog import OptimizerDialog

        if self.session.prepared is None:
            return None
        if self.optimizer_dialog is not None:
            self.optimizer_dialog.close()
        self.optimizer_dialog = OptimizerDialog(self.session, self)
        self.optimizer_dialog.show()
        return self.optimizer_dialog


__all__ = ["RequestsPanel"]

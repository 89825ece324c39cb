"""Dialogs: the validation report and File > Open workbooks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QListWidget, QMessageBox, QPushButton, QStyle, QTableView,
                               QVBoxLayout)

from kcplanner.atomic import OutputError
from kcplanner.readers import WORKBOOK_SUFFIXES

from . import access, file_errors
from . import settings as st
from . import table_copy
from .models import SORT_ROLE
from .report_model import ReportModel
from .settings import Project

WORKBOOK_FILTER = "Workbooks (" + " ".join(f"*{s}" for s in WORKBOOK_SUFFIXES) + ");;All files (*)"


class ReportDialog(QDialog):
    """The validation report as a sortable, filterable list; copy (Ctrl+C) or save it.

    With errors, nothing was loaded and the only way out is Close.  With warnings only, the user
    may continue (accept) or cancel (reject)."""

    def __init__(self, report, title: str = "Validation report", can_continue: bool = False, parent=None):
        super().__init__(parent)
        self.report = report
        self.setWindowTitle(title)
        self.resize(1000, 560)
        n_err, n_warn = len(report.errors), len(report.warnings)
        if n_err:  # a missing file, not a workbook, an empty folder: what to do, not "fix the cells"
            head = file_errors.heading(report)
        elif n_warn:
            head = f"<b style='color:#a05a00'>{n_warn} warning(s)</b>: the workbooks can be loaded as they are."
        else:
            head = "No problems found."
        rows = sum(r.read for r in report.rows)
        imported = sum(r.imported for r in report.rows)
        counts = (f"<br>{rows:,} rows read, {imported:,} imported, {rows - imported:,} excluded "
                  f"in {len(report.rows)} sheet(s).") if report.rows else ""
        self.heading = QLabel(head + counts)
        self.heading.setWordWrap(True)
        style = self.style()
        icons = {"error": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
                 "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)}
        self.model = ReportModel(self)
        self.model.set_report(report, icons)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter = access.name(QLineEdit(), "Filter the report")
        self.filter.setPlaceholderText("Filter the report")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = access.name(QTableView(), "Problems found")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(True)
        self.view.verticalHeader().hide()
        h = self.view.horizontalHeader()
        for c, w in enumerate([90, 200, 110, 60]):
            self.view.setColumnWidth(c, w)
        h.setStretchLastSection(True)
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._fit = self.model.rowCount() <= 2000  # whole messages (a huge report keeps one line a row: fast)
        if self._fit:
            self.resize(self.size())
            self.view.resizeRowsToContents()
            # the rows follow the Message column's width (shown, resized): no half-empty tall rows
            h.sectionResized.connect(lambda c, _o, _n: c == 4 and self.view.resizeRowsToContents())
        copy = QPushButton("Copy")
        copy.setToolTip("Copy the selected rows (or all) as tab-separated text (Ctrl+C)")
        copy.clicked.connect(self.copy)
        QShortcut(QKeySequence.StandardKey.Copy, self, activated=self.copy)
        table_copy.install(self.view, "validation-report", shortcuts=False)  # the right-click menu; Ctrl+C above
        save = QPushButton("Save…")
        save.setToolTip("Save the report (.txt as text, otherwise JSON)")
        save.clicked.connect(self.save)
        buttons = QDialogButtonBox()
        if can_continue:
            self.ok_button = buttons.addButton("Load anyway", QDialogButtonBox.ButtonRole.AcceptRole)
            buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        else:
            self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(copy)
        row.addWidget(save)
        row.addStretch(1)
        row.addWidget(buttons)
        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        lay.addWidget(self.filter)
        lay.addWidget(self.view, 1)
        lay.addLayout(row)
        if not can_continue:  # Enter closes the report (from the filter or the list too): set once in the dialog
            self.close_button.setDefault(True)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._fit:
            self.view.resizeRowsToContents()

    def selected_source_rows(self) -> list[int]:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            rows = [self.proxy.index(r, 0) for r in range(self.proxy.rowCount())]
        return [self.proxy.mapToSource(i).row() for i in sorted(rows, key=lambda i: i.row())]

    def copy(self) -> str:
        text = self.model.text(self.selected_source_rows())
        QGuiApplication.clipboard().setText(text)
        return text

    def save(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Save the validation report", st.get_str(st.KEY_LAST_DIR, ""),
                                                  "Text (*.txt);;JSON (*.json)")
        if not path:
            return
        try:
            self.report.save(path)
        except (OSError, OutputError) as exc:
            QMessageBox.warning(self, "Could not save the report", str(exc))


class OpenDialog(QDialog):
    """Choose the plan workbook (optional) and one or many budget workbooks or folders."""

    def __init__(self, project: Project | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Open workbooks")
        self.resize(720, 420)
        self.plan = QLineEdit(project.plan if project and project.plan else "")
        self.plan.setPlaceholderText("The five-year plan workbook (optional)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_plan)
        self.budgets = QListWidget()
        self.budgets.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.budgets.setToolTip("Department budget workbooks, or folders of them")
        for b in (project.budgets if project else ()):
            self.budgets.addItem(b)
        add_files = QPushButton("Add files…")
        add_files.clicked.connect(self._add_files)
        add_folder = QPushButton("Add folder…")
        add_folder.clicked.connect(self._add_folder)
        remove = QPushButton("Remove")
        remove.clicked.connect(lambda: [self.budgets.takeItem(self.budgets.row(i)) for i in self.budgets.selectedItems()])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(access.label_for("<b>Plan workbook</b> (goals, KPIs, drivers, revenue, assumptions, funds)",
                                       self.plan))
        row = QHBoxLayout()
        row.addWidget(self.plan, 1)
        row.addWidget(browse)
        lay.addLayout(row)
        lay.addWidget(access.label_for("<b>Department budget workbooks</b> (files or folders)", self.budgets))
        lay.addWidget(self.budgets, 1)
        row = QHBoxLayout()
        row.addWidget(add_files)
        row.addWidget(add_folder)
        row.addWidget(remove)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(buttons)

    def _dir(self) -> str:
        return st.get_str(st.KEY_LAST_DIR, "")

    def _browse_plan(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Plan workbook", self._dir(), WORKBOOK_FILTER)
        if path:
            self.plan.setText(path)
            st.set_value(st.KEY_LAST_DIR, str(Path(path).parent))

    def _add_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Budget workbooks", self._dir(), WORKBOOK_FILTER)
        for p in paths:
            self.budgets.addItem(p)
        if paths:
            st.set_value(st.KEY_LAST_DIR, str(Path(paths[0]).parent))

    def _add_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder of budget workbooks", self._dir())
        if path:
            self.budgets.addItem(path)
            st.set_value(st.KEY_LAST_DIR, path)

    def project(self) -> Project:
        plan = self.plan.text().strip() or None
        budgets = tuple(self.budgets.item(i).text() for i in range(self.budgets.count()))
        return Project(plan, budgets)

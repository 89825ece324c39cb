"""History: the project's audit trail (every edit, save, re-import, recovery), filterable by scenario.

`HistoryModel` is a `QAbstractTableModel` over `kcplanner.project.HistoryEntry` rows (oldest
first, as `Project.history()` gives them); the cells are formatted once when rows arrive.
`HistoryPanel.refresh()` appends only what is new (`history(limit=…)` of the newest rows; a merged
slider drag updates its row in place) and reloads everything only when it must (filter changed,
project changed, a gap).  While the panel is hidden it only marks itself stale.

`export_history(project, path, scenario)` writes the rows of `Project.export_history_rows` to a
.csv or .xlsx file through `kcplanner.atomic` (a temporary file renamed into place).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
                               QMessageBox, QPushButton, QSplitter, QTableView, QTextEdit, QVBoxLayout, QWidget)

from kcplanner.atomic import OutputError, atomic_path, atomic_write_text
from kcplanner.project import HistoryEntry, ProjectError
from ..common import access, table_copy
from ..common.models import ListTableModel

ALL = "\x00all"
EVENT_ACTIONS = ("project", "save", "recover")
ACTION_WORDS = {"create": "Created", "update": "Edited", "rename": "Renamed", "delete": "Deleted",
                "revert": "Reverted", "import": "Re-imported", "data": "Data changed", "project": "Project created",
                "save": "Saved", "recover": "Recovered", "move": "Moved", "conflict": "Conflict (not saved)"}
GREY = QColor("#6b6b6b")
RAW = Qt.ItemDataRole.UserRole + 12
TAIL = 16  # newest rows fetched for an incremental refresh


def local_time(utc_iso: str) -> str:
    """`2026-11-26T03:48:03.123Z` → the local time `2026-11-25 21:48:03`."""
    try:
        return datetime.fromisoformat(utc_iso.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except (ValueError, AttributeError):
        return str(utc_iso)


def _cells(e: HistoryEntry) -> tuple:
    return (e.seq, local_time(e.time), e.user, e.scenario or "", ACTION_WORDS.get(e.action, e.action),
            e.description)


class HistoryModel(ListTableModel):
    HEADERS = ["#", "Time", "User", "Scenario", "Action", "Change"]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.entries: list[HistoryEntry] = []
        self._cells: list[tuple] = []

    # -- contents -----------------------------------------------------------------------------------
    def set_entries(self, entries: list[HistoryEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self._cells = [_cells(e) for e in self.entries]
        self.endResetModel()

    def merge_tail(self, tail: list[HistoryEntry]) -> bool:
        """Bring the model up to date with the newest rows `tail` (oldest first).  Rows already
        shown are updated in place (a merged edit); newer ones are appended.  False when `tail`
        does not reach back to the rows shown (a gap): the caller reloads everything."""
        if not tail:
            return not self.entries
        if not self.entries:
            return False
        last = self.entries[-1].seq
        if tail[0].seq > last and len(tail) >= TAIL:
            return False  # more new rows than fetched
        lo = max(0, len(self.entries) - len(tail) - 1)
        index = {self.entries[i].seq: i for i in range(lo, len(self.entries))}
        new = []
        for e in tail:
            i = index.get(e.seq)
            if i is not None:
                if self.entries[i] != e:
                    self.entries[i] = e
                    self._cells[i] = _cells(e)
                    self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.HEADERS) - 1))
            elif e.seq > last:
                new.append(e)
        if new:
            n = len(self.entries)
            self.beginInsertRows(QModelIndex(), n, n + len(new) - 1)
            self.entries.extend(new)
            self._cells.extend(_cells(e) for e in new)
            self.endInsertRows()
        return True

    # -- Qt -----------------------------------------------------------------------------------------
    def items(self) -> list:
        return self.entries

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self.entries) and 0 <= c < len(self.HEADERS)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            v = self._cells[r][c]
            return str(v) if c == 0 else v
        e = self.entries[r]
        if role == Qt.ItemDataRole.ToolTipRole:
            if c == 1:
                return f"{e.time} (UTC), on {e.host}"
            if c == 5:
                return e.description
            return None
        if role == Qt.ItemDataRole.ForegroundRole and e.action in EVENT_ACTIONS:
            return QBrush(GREY)
        if role == Qt.ItemDataRole.TextAlignmentRole and c == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == RAW:
            return e.seq
        return None


def _state_summary(state) -> str:
    if isinstance(state, dict) and "rules" in state:
        rules = state.get("rules") or []
        funded = state.get("funded_requests") or []
        lines = [f"'{state.get('name', '')}': {len(rules)} rule{'s' * (len(rules) != 1)}, {len(funded)} funded "
                 f"request{'s' * (len(funded) != 1)}"]
        for i, r in enumerate(rules, 1):
            target = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in (r.get("target") or {}).items()) or "all"
            years = ""
            if r.get("start") or r.get("end"):
                years = f", FY{r.get('start') or '…'}–FY{r.get('end') or '…'}"
            lines.append(f"  {i}. {r.get('label') or ''} — {r.get('kind')} {r.get('value')} on {target}{years}")
        if funded:
            lines.append("  funded: " + ", ".join(map(str, funded)))
        return "\n".join(lines)
    if state is None:
        return "(none)"
    return json.dumps(state, ensure_ascii=False, indent=1)[:4000]


def describe_entry(e: HistoryEntry) -> str:
    text = [f"#{e.seq}  {local_time(e.time)} ({e.time} UTC)  {e.user} on {e.host}",
            f"{ACTION_WORDS.get(e.action, e.action)}{(' — scenario ' + repr(e.scenario)) if e.scenario else ''}",
            "", e.description]
    if e.action in ("create", "update", "rename", "delete", "revert"):
        text += ["", "Before: " + _state_summary(e.before), "After: " + _state_summary(e.after)]
    return "\n".join(text)


class HistoryPanel(QWidget):
    """The History tab: who changed what and when, for all scenarios or one."""

    exported = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project = None
        self._stale = True
        self._filter_key: tuple | None = None
        self.model = HistoryModel(self)
        self.scenario = QComboBox()
        self.scenario.setToolTip("Only the rows of one scenario (including those from before it was renamed)")
        self.scenario.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.scenario.setMinimumContentsLength(18)
        self.scenario.currentIndexChanged.connect(lambda _i: self.refresh(full=True))
        self.events = QCheckBox("Saves and openings")
        self.events.setChecked(True)
        self.events.setToolTip("Also list save points, the project's creation and recoveries after a crash")
        self.events.toggled.connect(lambda _c: self.refresh(full=True))
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save these rows as a CSV file or an Excel workbook")
        self.export_button.clicked.connect(self.export_dialog)
        self.count = QLabel()
        top = QHBoxLayout()
        top.addWidget(access.label_for("S&cenario:", self.scenario))
        top.addWidget(self.scenario)
        top.addWidget(self.events)
        top.addStretch(1)
        top.addWidget(self.count)
        top.addWidget(self.export_button)
        self.view = access.name(QTableView(), "History of changes")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # copy several edits
        self.view.setAlternatingRowColors(True)
        table_copy.install(self.view, "history")
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        h = self.view.horizontalHeader()
        for c, w in enumerate([50, 150, 90, 170, 100]):
            self.view.setColumnWidth(c, w)
        h.setStretchLastSection(True)
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        self.details = access.name(QTextEdit(), "The change in full")
        self.details.setReadOnly(True)
        self.details.setPlaceholderText("Select a row to see the change in full, with the scenario before and after.")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(self.details)
        split.setSizes([500, 160])
        self.placeholder = QLabel("No project is open. File > New Project keeps the open workbooks, every scenario "
                                  "and the history of every change in one file; File > Open Project opens one.")
        self.placeholder.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.placeholder)
        lay.addWidget(split, 1)
        self._timer = QTimer(self)  # coalesce: a slider drag refreshes at most every 100 ms
        self._timer.setSingleShot(True)
        self._timer.setInterval(100)
        self._timer.timeout.connect(lambda: self.refresh())
        self._set_enabled()

    # -- the project --------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        self.project = project
        self.update_scenarios()
        self._set_enabled()
        self.refresh(full=True)

    def _set_enabled(self) -> None:
        on = self.project is not None
        self.placeholder.setVisible(not on)
        for w in (self.scenario, self.events, self.export_button):
            w.setEnabled(on)

    def update_scenarios(self) -> None:
        """The filter's choices: every scenario of the project, then deleted ones (by their last name)."""
        keep = self.scenario.currentData()
        names: list[str] = []
        if self.project is not None and not self.project.closed:
            try:
                names = list(self.project.scenario_names)
                seen = {n.casefold() for n in names}
                for e in self.project.history(actions=["delete"]):
                    if e.scenario and e.scenario.casefold() not in seen:
                        seen.add(e.scenario.casefold())
                        names.append(e.scenario)
            except ProjectError:
                names = []
        self.scenario.blockSignals(True)
        self.scenario.clear()
        self.scenario.addItem("All scenarios", ALL)
        for n in names:
            self.scenario.addItem(n, n)
        i = self.scenario.findData(keep) if keep is not None else 0
        self.scenario.setCurrentIndex(max(0, i))
        self.scenario.blockSignals(False)
        if i < 0 and keep not in (None, ALL):
            self.refresh(full=True)

    def selected_scenario(self) -> str | None:
        data = self.scenario.currentData()
        return None if data in (None, ALL) else data

    def _query(self, limit=None) -> list[HistoryEntry]:
        actions = None if self.events.isChecked() else list(("create", "update", "rename", "delete", "revert",
                                                              "import", "data"))
        return self.project.history(self.selected_scenario(), actions=actions, limit=limit)

    # -- refreshing ---------------------------------------------------------------------------------
    def schedule(self) -> None:
        """An edit was recorded: refresh soon (coalesced), or when the panel is next shown."""
        self._stale = True
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self, full: bool = False) -> None:
        self._stale = False
        if self.project is None or self.project.closed:
            self.model.set_entries([])
            self._update_count()
            return
        key = (id(self.project), str(self.project.path), self.selected_scenario(), self.events.isChecked())
        try:
            at_end = self._at_end()
            if full or key != self._filter_key or not self.model.merge_tail(self._query(limit=TAIL)):
                self.model.set_entries(self._query())
                self._filter_key = key
            if at_end:
                self.view.scrollToBottom()
        except ProjectError:
            self.model.set_entries([])
        self._update_count()

    def _at_end(self) -> bool:
        bar = self.view.verticalScrollBar()
        return bar.value() >= bar.maximum() - 2

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.count.setText(f"{n:,} row{'s' * (n != 1)}")

    def _row_changed(self, current, _previous) -> None:
        if current.isValid() and current.row() < len(self.model.entries):
            self.details.setPlainText(describe_entry(self.model.entries[current.row()]))
        else:
            self.details.clear()

    # -- export -------------------------------------------------------------------------------------
    def export_dialog(self) -> None:
        if self.project is None:
            return
        if self.project.path is not None:
            start = str(Path(self.project.path).with_name(Path(self.project.path).stem + " history.xlsx"))
        else:  # a shared project: the database's name, in the last folder used
            from ..common import settings as st
            database = str(getattr(self.project, "location", "")).rsplit("/", 1)[-1].split("?")[0] or "project"
            start = str(Path(st.get_str(st.KEY_LAST_DIR, "")) / f"{database} history.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "Export the history", start,
                                              "Excel workbook (*.xlsx);;CSV file (*.csv)")
        if not path:
            return
        try:
            n = export_history(self.project, path, self.selected_scenario())
        except (OutputError, OSError, ProjectError) as exc:
            QMessageBox.warning(self, "Could not export the history", str(exc))
            return
        self.exported.emit(path)
        win = self.window()
        if hasattr(win, "statusBar"):
            win.statusBar().showMessage(f"Exported {n:,} history rows to {path}", 10000)


def export_history(project, path: str | Path, scenario: str | None = None) -> int:
    """Write the history (`Project.export_history_rows`) to .xlsx (a "History" sheet) or .csv,
    atomically.  Returns the number of rows written (header excluded)."""
    path = Path(path)
    rows = project.export_history_rows(scenario)
    if path.suffix.lower() == ".csv":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(rows)
        atomic_write_text(path, "\ufeff" + buf.getvalue())  # BOM: Excel reads UTF-8 names right
        return len(rows) - 1
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(path.suffix + ".xlsx") if path.suffix else path.with_suffix(".xlsx")
    import xlsxwriter

    with atomic_path(path, suffix=".xlsx") as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                            "strings_to_urls": False})
        try:
            ws = wb.add_worksheet("History")
            bold = wb.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
            wrap = wb.add_format({"text_wrap": False, "valign": "top"})
            for c, width in enumerate([7, 25, 12, 24, 10, 80, 30, 30]):
                ws.set_column(c, c, width, wrap)
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    if r == 0:
                        ws.write_string(r, c, str(v), bold)
                    elif isinstance(v, (int, float)):
                        ws.write_number(r, c, v)
                    else:
                        ws.write_string(r, c, str(v)[:32767])
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(0, len(rows) - 1), len(rows[0]) - 1)
        finally:
            wb.close()
    return len(rows) - 1

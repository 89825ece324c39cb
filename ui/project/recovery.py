"""The project file's messages and dialogs (docs/ui-project.md).

- `InfoBar`: a non-modal strip above the tabs (recovery after a crash, workbooks that changed,
  a read-only project).  Never blocks: the analyst reads it and carries on.
- `open_error_box`: what a `ProjectError` from `Project.open` says, with the way out its subclass
  allows (`NewerFormatError` → Open read-only; `ProjectInUse` → Open anyway / Open read-only).
- `unsaved_box`: Save / Don't save / Cancel on close (docs/project-file.md).
- `ReimportDialog`: what changed in the source workbooks (`DatasetDiff`): a summary and a table of
  the line items, revenue lines and requests added, removed or changed, filterable by status.
- `invalid_box`: the scenarios whose rules now match nothing after a re-import.

Every box is opened with `open()` (window-modal, the event loop keeps running) and answers through
its `finished` signal, so tests can read and click it.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFrame, QHBoxLayout,
                               QHeaderView, QLabel, QMessageBox, QPushButton, QStyle, QTableView, QToolButton,
                               QVBoxLayout, QWidget)

from kcplanner.project import NewerFormatError, ProjectError, ProjectInUse

from ..common import access, fmt, table_copy
from ..common.models import ListTableModel

SORT = Qt.ItemDataRole.UserRole + 11
GREEN = QColor("#1b7f3b")
RED = QColor("#b3261e")
AMBER = QColor("#8a5300")

LEVEL_STYLE = {
    "info": ("#e8f0fe", "#174ea6", QStyle.StandardPixmap.SP_MessageBoxInformation),
    "warning": ("#fef7e0", "#8a5300", QStyle.StandardPixmap.SP_MessageBoxWarning),
    "error": ("#fce8e6", "#b3261e", QStyle.StandardPixmap.SP_MessageBoxCritical),
}


class InfoBar(QFrame):
    """A dismissible, non-modal message strip with optional action buttons."""

    closed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("infobar")
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)  # always HTML (escaped by the caller): "&gt;" shows as ">"
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(6)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.dismiss)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 6, 6)
        lay.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.text, 1)
        lay.addLayout(self.buttons)
        lay.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.actions: dict[str, QPushButton] = {}
        self.level = "info"
        self.hide()

    def show_message(self, text: str, level: str = "info", actions: list[tuple[str, object]] | None = None) -> None:
        """Show `text` (rich text allowed) with buttons [(label, callable)]; replaces what was shown."""
        self.level = level
        bg, fg, pix = LEVEL_STYLE.get(level, LEVEL_STYLE["info"])
        self.setStyleSheet(f"QFrame#infobar {{ background: {bg}; border: 1px solid {fg}; border-radius: 4px; }}"
                           f"QFrame#infobar QLabel {{ color: {fg}; }}")
        self.icon.setPixmap(self.style().standardIcon(pix).pixmap(20, 20))
        self.text.setText(text)
        while self.buttons.count():
            item = self.buttons.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.actions = {}
        for label, slot in actions or []:
            b = QPushButton(label)
            b.clicked.connect(slot)
            self.buttons.addWidget(b)
            self.actions[label] = b
        self.show()

    def dismiss(self) -> None:
        self.hide()
        self.closed.emit()


# -- message boxes ----------------------------------------------------------------------------------

def open_error_box(parent, exc: ProjectError) -> tuple[QMessageBox, dict]:
    """A box for a failed `Project.open`; returns (box, {button: "read_only" | "take_over"}).

    The text is the ProjectError's own message (it names the file and says what is wrong); no
    traceback is ever shown."""
    roles: dict = {}
    if isinstance(exc, NewerFormatError):
        box = QMessageBox(QMessageBox.Icon.Warning, "Project from a newer kcplanner", str(exc),
                          QMessageBox.StandardButton.NoButton, parent)
        if exc.read_only_possible:
            roles[box.addButton("Open Read-Only", QMessageBox.ButtonRole.AcceptRole)] = "read_only"
        box.addButton(QMessageBox.StandardButton.Cancel)
    elif isinstance(exc, ProjectInUse):
        box = QMessageBox(QMessageBox.Icon.Warning, "Project open elsewhere", str(exc),
                          QMessageBox.StandardButton.NoButton, parent)
        if not exc.same_computer and not getattr(exc, "locked", False):  # a live lock is never broken
            b = box.addButton("Open Anyway", QMessageBox.ButtonRole.AcceptRole)
            roles[b] = "take_over"
            box.setInformativeText("Open anyway only if kcplanner is no longer running on that computer: two "
                                   "kcplanners writing the same project would overwrite each other's edits.")
        roles[box.addButton("Open Read-Only", QMessageBox.ButtonRole.ActionRole)] = "read_only"
        box.addButton(QMessageBox.StandardButton.Cancel)
    else:
        box = QMessageBox(QMessageBox.Icon.Critical, "Could not open the project", str(exc),
                          QMessageBox.StandardButton.Close, parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return box, roles


def unsaved_box(parent, name: str, count: int) -> QMessageBox:
    """Save / Don't Save / Cancel for a project with unsaved edits (every edit is in the file already)."""
    box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                      f"The project {name} has {count} change{'s' * (count != 1)} since it was last saved.",
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                      | QMessageBox.StandardButton.Cancel, parent)
    box.setInformativeText("Save marks them as saved. Don't Save puts the scenarios back as they were at the last "
                           "save (re-imported data stay; the History keeps a record of both). Cancel keeps the "
                           "project open.")
    box.button(QMessageBox.StandardButton.Discard).setText("Don't Save")
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    return box


def invalid_box(parent, invalid: dict[str, list[str]]) -> QMessageBox:
    """After a re-import: the scenarios whose rules or funded requests now match nothing."""
    n = sum(len(v) for v in invalid.values())
    lines = [f"{name}: {m}" for name, messages in invalid.items() for m in messages]
    box = QMessageBox(QMessageBox.Icon.Warning, "Rules that no longer apply",
                      f"The new data were taken and every scenario was kept, but {n} of their rules or funded "
                      f"requests {'match' if n != 1 else 'matches'} nothing now, in "
                      + ", ".join(f"'{k}'" for k in invalid) + ".",
                      QMessageBox.StandardButton.Close, parent)
    shown = "\n".join("• " + line for line in lines[:6]) + (f"\n… and {n - 6} more" if n > 6 else "")
    box.setInformativeText(shown + "\n\nThey are skipped in the results and shown in red on the Rules tab.")
    box.setDetailedText("\n".join(lines))
    return box


# -- the re-import preview --------------------------------------------------------------------------

def _split_key(what: str, key) -> tuple[str, str, str, str, str, bool]:
    """(fund, department, program, account or source, class, recurring) of a diff key."""
    k = ["" if v is None else v for v in key]
    if what == "Revenue":  # (fund, source, recurring)
        return str(k[0]), "", "", str(k[1]), "", bool(k[2]) if len(k) > 2 and k[2] != "" else True
    return (str(k[0]), str(k[1]), str(k[2]), str(k[3]), str(k[4]),
            bool(k[5]) if len(k) > 5 and k[5] != "" else True)


def diff_rows(diff) -> list[list]:
    """One row a difference, in the order of `DatasetDiff.rows()`: what, status, fund, department,
    program, account (or revenue source, or request), account class, what changed (amounts per
    year and phase, old → new), difference in dollars."""
    rows: list[list] = []
    for what, items in (("Line item", diff.line_items), ("Revenue", diff.revenue)):
        for c in items:
            fund, dept, prog, name, cls, recurring = _split_key(what, c.key)
            if c.status == "added":
                change = "New in the workbooks"
            elif c.status == "removed":
                change = "No longer in the workbooks"
            else:
                parts = [a.describe() for a in c.amounts]
                if c.old_lines != c.new_lines:
                    parts.insert(0, f"lines {c.old_lines} → {c.new_lines}")
                change = "; ".join(parts)
            if not recurring:
                change += " (non-recurring)"
            rows.append([what, c.status, fund, dept, prog, name, cls, change, c.total_difference])
    for c in diff.requests:
        if c.status == "changed":
            change = "; ".join([f"{col} {o!r} → {n!r}" for col, o, n in c.fields] + [a.describe() for a in c.costs])
        else:
            change = "New request" if c.status == "added" else "No longer in the workbooks"
        rows.append(["Request", c.status, "", "", "", f"{c.request_id} {c.title}".strip(), "", change,
                     float(sum(a.difference for a in c.costs))])
    for t in diff.tables_changed:
        rows.append(["Table", "changed", "", "", "", t, "", f"The {t} table differs", None])
    return rows


class DiffTableModel(ListTableModel):
    """The differences of a `DatasetDiff` (`diff_rows`): what, status, name, change, difference."""

    HEADERS = ["What", "Status", "Fund", "Department", "Program", "Account, source or request", "Class", "Change",
               "Difference"]
    MONEY = 8

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[list] = []

    def set_diff(self, diff) -> None:
        self.beginResetModel()
        self.rows = diff_rows(diff) if diff is not None else []
        self.endResetModel()

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self.rows)) \
                or not (0 <= index.column() < len(self.HEADERS)):
            return None
        row = self.rows[index.row()]
        v = row[index.column()]
        c = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if c == self.MONEY:
                return "" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.signed_money(v)
            return "" if v is None else str(v)
        if role == SORT:
            if c == self.MONEY:
                return float(v) if v is not None and v == v else 0.0
            if 2 <= c <= 6:  # then by fund, department, program, account, class: pairs stay together
                return "\x1f".join(str(x).casefold() for x in [row[c]] + row[2:7])
            return "" if v is None else str(v)
        if role == Qt.ItemDataRole.ToolTipRole and 2 <= c < self.MONEY:
            return None if v is None or v == "" else str(v)
        if role == Qt.ItemDataRole.ForegroundRole and c == 1:
            return QBrush({"added": GREEN, "removed": RED}.get(str(v), AMBER))
        if role == Qt.ItemDataRole.TextAlignmentRole and c == self.MONEY:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ReimportDialog(QDialog):
    """What changed in the workbooks; accept = take the new data (every scenario is kept)."""

    def __init__(self, diff, changes=(), parent=None, can_take: bool = True):
        super().__init__(parent)
        self.setWindowTitle("Re-import the workbooks")
        self.resize(1320, 620)
        self.diff = diff
        lines = []
        if changes:
            lines.append("<b>The source workbooks changed since they were imported:</b><ul>"
                         + "".join(f"<li>{c.describe()}</li>" for c in changes) + "</ul>")
        if diff.is_empty:
            lines.append("The workbooks hold the same data as the project: nothing to take.")
        else:
            counts = diff.counts()
            lines.append(f"<b>Line items:</b> {counts['line_items_added']:,} added, {counts['line_items_removed']:,} "
                         f"removed, {counts['line_items_changed']:,} changed. <b>Revenue lines:</b> "
                         f"{counts['revenue_added']:,} added, {counts['revenue_removed']:,} removed, "
                         f"{counts['revenue_changed']:,} changed. <b>Requests:</b> {counts['requests_added']:,} "
                         f"added, {counts['requests_removed']:,} removed, {counts['requests_changed']:,} changed."
                         + (f" <b>Also changed:</b> {', '.join(diff.tables_changed)}." if diff.tables_changed else ""))
            lines.append("Taking the new data keeps every scenario; rules that no longer match anything are listed "
                         "afterwards. The re-import is recorded in the History.")
        self.heading = QLabel("<br>".join(lines))
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.model = DiffTableModel(self)
        self.model.set_diff(diff)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT)
        self.proxy.setFilterKeyColumn(1)
        self.status = QComboBox()
        for label, key in (("All", ""), ("Added", "added"), ("Removed", "removed"), ("Changed", "changed")):
            self.status.addItem(label, key)
        self.status.currentIndexChanged.connect(lambda _i: self.proxy.setFilterFixedString(self.status.currentData()))
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # by department, program, account
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        table_copy.install(self.table, "reimport-changes")
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        h.setStretchLastSection(False)
        for c, w in enumerate([72, 70, 110, 110, 150, 230, 140, 300, 110]):
            self.table.setColumnWidth(c, w)
        h.setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        top = QHBoxLayout()
        top.addWidget(access.label_for("Sho&w:", self.status))
        access.name(self.table, "Differences")
        top.addWidget(self.status)
        top.addStretch(1)
        self.count = QLabel(f"{len(self.model.rows):,} difference{'s' * (len(self.model.rows) != 1)}")
        top.addWidget(self.count)
        self.buttons = QDialogButtonBox()
        self.take_button = self.buttons.addButton("Take the New Data", QDialogButtonBox.ButtonRole.AcceptRole)
        self.take_button.setEnabled(can_take and not diff.is_empty)
        self.take_button.setToolTip("Replace the project's data with the workbooks' (every scenario is kept)")
        self.keep_button = self.buttons.addButton("Keep the Current Data", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.buttons)


def make_container(bar: InfoBar, content: QWidget) -> QWidget:
    """The info bar above the main window's tabs."""
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    wrap = QHBoxLayout()
    wrap.setContentsMargins(6, 4, 6, 2)
    wrap.addWidget(bar)
    lay.addLayout(wrap)
    lay.addWidget(content, 1)
    return box

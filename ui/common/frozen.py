"""Key columns that stay put while a wide table scrolls sideways (Qt's "Frozen Column" pattern).

`freeze(view, count)` lays a second QTableView over the left edge of `view`: the same model and
selection model, showing only the first `count` columns in the order shown (a column moved there
is frozen instead), as wide as they are in `view`, scrolled with it row for row. It takes no focus
(the keys, Ctrl+C included, stay with `view`); a click selects in both; its header sorts `view`;
its right-click menu is `view`'s.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from .table_copy import INSTALLED


class FrozenColumns(QTableView):
    """The overlay (see the module docstring)."""

    def __init__(self, view: QTableView, count: int = 1):
        super().__init__(view)
        self.main, self.count = view, count
        self.setModel(view.model())
        self.setSelectionModel(view.selectionModel())
        self.setSelectionBehavior(view.selectionBehavior())
        self.setSelectionMode(view.selectionMode())
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAlternatingRowColors(view.alternatingRowColors())
        self.setWordWrap(view.wordWrap())
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(view.verticalScrollMode())
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(view.verticalHeader().defaultSectionSize())
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setSectionsClickable(True)
        self.horizontalHeader().sectionClicked.connect(self._sort)
        self.setStyleSheet("QTableView { border: none; border-right: 2px solid palette(mid); }")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(
            lambda pos: view.customContextMenuRequested.emit(view.viewport().mapFromGlobal(self.viewport().mapToGlobal(pos))))
        self.setProperty(INSTALLED, True)  # it copies through `view`
        self.setAccessibleName("Frozen key columns")
        view.viewport().stackUnder(self)
        view.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.verticalScrollBar().valueChanged.connect(view.verticalScrollBar().setValue)
        header = view.horizontalHeader()
        header.sectionResized.connect(lambda *_: self.refresh())
        header.sectionMoved.connect(lambda *_: self.refresh())
        header.sortIndicatorChanged.connect(lambda c, o: self.horizontalHeader().setSortIndicator(c, o))
        self.horizontalHeader().setSortIndicatorShown(True)
        model = view.model()
        for signal in (model.modelReset, model.layoutChanged, model.headerDataChanged):
            signal.connect(lambda *_: self.refresh())
        view.verticalHeader().geometriesChanged.connect(self.place)
        self._watch = _ResizeWatch(self)
        view.installEventFilter(self._watch)
        self.refresh()
        self.show()

    def columns(self) -> list[int]:
        """The logical columns frozen: the first `count` in the order shown."""
        header = self.main.horizontalHeader()
        n = self.main.model().columnCount()
        return [header.logicalIndex(v) for v in range(min(self.count, n))]

    def refresh(self) -> None:
        frozen = set(self.columns())
        main_h = self.main.horizontalHeader()
        mine = self.horizontalHeader()
        for c in range(self.model().columnCount()):
            self.setColumnHidden(c, c not in frozen)
            if c in frozen:
                self.setColumnWidth(c, self.main.columnWidth(c))
        for v, c in enumerate(self.columns()):  # the same order as the main view's
            if mine.visualIndex(c) != v:
                mine.moveSection(mine.visualIndex(c), v)
        self.horizontalHeader().setFixedHeight(main_h.height())
        self.place()

    def place(self) -> None:
        m = self.main
        width = sum(m.columnWidth(c) for c in self.columns())
        x = m.frameWidth() + (m.verticalHeader().width() if m.verticalHeader().isVisible() else 0)
        self.setGeometry(x, m.frameWidth(), width + 2, m.viewport().height() + m.horizontalHeader().height())

    def _sort(self, column: int) -> None:
        h = self.main.horizontalHeader()
        order = (Qt.SortOrder.DescendingOrder if h.sortIndicatorSection() == column
                 and h.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder else Qt.SortOrder.AscendingOrder)
        self.main.sortByColumn(column, order)


class _ResizeWatch(QObject):
    def __init__(self, frozen: FrozenColumns):
        super().__init__(frozen)
        self.frozen = frozen

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.LayoutRequest):
            self.frozen.place()
        return False


def freeze(view: QTableView, count: int = 1) -> FrozenColumns:
    """Freeze the first `count` columns of `view` (see the module docstring)."""
    return FrozenColumns(view, count)

"""Allocation panel: the spending tree and an editor strip bound to the selected rows.

The slider and the percent box set a `percent` rule on every selected row; the dollar box and
Apply set an `amount` rule.  Editing a row again updates its rule (found by target and kind).
A slider drag is one undo step: the commands of one drag share a merge key.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPushButton, QSlider, QTreeView, QVBoxLayout, QWidget)

from kcplanner.scenario import Target

from ..common import access, fmt, table_copy
from ..common.edits import rule_value, target_name, upsert_many
from .models import MODE_DEPARTMENT, MODE_FUND, MODES, AllocationModel
from .total import TotalRow, filter_tree

SLIDER_STEPS_PER_PERCENT = 2  # the slider moves in 0.5% steps
SLIDER_RANGE = 50             # ± percent


class AllocationPanel(QWidget):
    _tokens = itertools.count(1)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.model = AllocationModel(self)
        self._token = next(self._tokens)

        self.mode = QComboBox()
        for key, levels in MODES.items():
            self.mode.addItem(" → ".join(levels), key)
        self.mode.setToolTip("How the tree groups spending")
        self.mode.currentIndexChanged.connect(lambda _i: self.set_mode(self.mode.currentData()))
        expand = QPushButton("Expand all")
        expand.clicked.connect(lambda: self.tree.expandAll())
        collapse = QPushButton("Collapse all")
        collapse.clicked.connect(lambda: self.tree.collapseAll())
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by name…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setToolTip("Shows the rows whose name contains this text, with the rows above and below them; "
                               "the total sums the matching rows")
        self.filter.setAccessibleName("Filter the allocations by name")
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.apply_filter)
        self.filter.textChanged.connect(lambda _t: self._debounce.start())
        self._matches = None  # the rows the total sums (None: every top-level row)
        top = QHBoxLayout()
        top.addWidget(access.label_for("&Group by:", self.mode))
        top.addWidget(self.mode)
        top.addWidget(self.filter, 1)
        top.addStretch(0)
        top.addWidget(expand)
        top.addWidget(collapse)

        self.tree = QTreeView()
        access.name(self.tree, "Allocations", "Spending by fund, department and program: baseline, scenario and change")
        self.tree.setModel(self.model)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 330)
        for c in range(1, len(AllocationModel.COLUMNS)):
            header.resizeSection(c, 150 if c < 3 else 120)
        header.setStretchLastSection(False)
        self.tree.setSortingEnabled(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # by name until a header is clicked
        table_copy.install(self.tree, "allocations")
        self.total = TotalRow(self.tree)
        self.tree.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.visible_ranges = self.visible_ranges
        self.model.live = False

        # -- the editor strip --------------------------------------------------------------------
        self.selection_label = QLabel("Select one or more rows to change them")
        self.selection_label.setWordWrap(True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(-SLIDER_RANGE * SLIDER_STEPS_PER_PERCENT, SLIDER_RANGE * SLIDER_STEPS_PER_PERCENT)
        self.slider.setSingleStep(1)
        self.slider.setPageStep(10)
        self.slider.setTickInterval(10 * SLIDER_STEPS_PER_PERCENT)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setToolTip("Change the selected rows by a percentage (every plan year); one drag is one undo step")
        access.name(self.slider, "Percent change of the selected rows")
        self.slider.valueChanged.connect(self._slider_moved)
        self.slider.sliderPressed.connect(self._new_token)
        self.slider.sliderReleased.connect(self._new_token)
        self.percent = QDoubleSpinBox()
        self.percent.setRange(-100.0, 1000.0)
        self.percent.setDecimals(2)
        self.percent.setSingleStep(0.5)
        self.percent.setSuffix(" %")
        self.percent.setKeyboardTracking(False)
        self.percent.setToolTip("Percent change of the selected rows (a percent rule)")
        access.name(self.percent, "Percent change")
        self.percent.valueChanged.connect(self._percent_typed)
        self.amount = QDoubleSpinBox()
        self.amount.setRange(-1e11, 1e11)
        self.amount.setDecimals(0)
        self.amount.setSingleStep(100_000)
        self.amount.setPrefix("$ ")
        self.amount.setGroupSeparatorShown(True)
        self.amount.setLocale(fmt.LOCALE)
        self.amount.setToolTip("Dollars a year to add (negative: cut), spread over the lines of each selected row")
        access.name(self.amount, "Dollars a year")
        self.apply_amount = QPushButton("Apply $")
        self.apply_amount.setToolTip("Set an amount rule of this many dollars a year on each selected row")
        self.apply_amount.clicked.connect(self._apply_amount)
        self.clear = QPushButton("Clear rules")
        self.clear.setToolTip("Remove the percent and amount rules of the selected rows")
        self.clear.clicked.connect(self._clear_rules)
        strip = QGroupBox("Change the selected rows")
        grid = QVBoxLayout(strip)
        grid.addWidget(self.selection_label)
        row = QHBoxLayout()
        row.addWidget(QLabel(f"−{SLIDER_RANGE}%"))
        row.addWidget(self.slider, 1)
        row.addWidget(QLabel(f"+{SLIDER_RANGE}%"))
        row.addWidget(self.percent)
        row.addSpacing(16)
        row.addWidget(self.amount)
        row.addWidget(self.apply_amount)
        row.addWidget(self.clear)
        grid.addLayout(row)
        self._set_editors_enabled(False)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.total)
        lay.addWidget(strip)

        session.datasetChanged.connect(self._dataset_changed)
        session.resultsChanged.connect(self.model.set_results)
        session.resultsChanged.connect(lambda _r: self.update_total() if self.isVisible() else None)
        session.scenarioChanged.connect(self._scenario_changed)
        session.yearChanged.connect(self._year_changed)

    def visible_ranges(self) -> list:
        """(parent, first row, last row) of the rows on screen, grouped by parent: a
        recalculation emits dataChanged for these (rows scrolled or expanded into view later
        fetch fresh data when painted)."""
        tree = self.tree
        index = tree.indexAt(tree.viewport().rect().topLeft())
        height = tree.viewport().height()
        ranges: dict = {}
        while index.isValid() and tree.visualRect(index).top() <= height:
            key = index.parent()
            k = (key.row(), key.internalId()) if key.isValid() else None
            if k not in ranges:
                ranges[k] = [key, index.row(), index.row()]
            else:
                ranges[k][1] = min(ranges[k][1], index.row())
                ranges[k][2] = max(ranges[k][2], index.row())
            index = tree.indexBelow(index)
        return [tuple(v) for v in ranges.values()]

    def showEvent(self, event) -> None:  # noqa: N802
        self.model.set_live(True)
        self.update_total()   # the results that came while the tab was hidden
        super().showEvent(event)

    def hideEvent(self, event) -> None:  # noqa: N802
        self.model.set_live(False)
        super().hideEvent(event)

    # -- session -----------------------------------------------------------------------------------
    def _dataset_changed(self) -> None:
        self.model.year = self.session.year
        self.model.set_prepared(self.session.prepared)
        self.model.set_scenario(self.session.scenario)
        self.tree.expandToDepth(0)
        self._resort()
        self.apply_filter()
        self._selection_changed()

    def _resort(self) -> None:
        """Keep the order a header click chose over a rebuild of the tree."""
        h = self.tree.header()
        if h.sortIndicatorSection() >= 0:
            self.model.sort(h.sortIndicatorSection(), h.sortIndicatorOrder())

    def apply_filter(self) -> None:
        self._debounce.stop()
        text = self.filter.text()
        tops = filter_tree(self.tree, self.model, text)
        self._matches = tops if text.strip() else None
        self.update_total()

    def update_total(self) -> None:
        """The total row: every top-level row, or the rows the filter matches."""
        base, scen = self.model.total(self._matches)
        if self._matches is None:
            label = "Total"
        else:
            label = f"Total of {len(self._matches)} matching row{'s' if len(self._matches) != 1 else ''}"
        self.total.set_total(label, base, scen)

    def _scenario_changed(self) -> None:
        self.model.set_scenario(self.session.scenario)
        self._sync_editors()

    def _year_changed(self, year: int) -> None:
        self.model.set_year(year)
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 1, 2)
        self.update_total()

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            return
        i = self.mode.findData(mode)
        if self.mode.currentIndex() != i:
            self.mode.setCurrentIndex(i)
            return
        self.model.set_mode(mode)
        self.model.set_scenario(self.session.scenario)
        self.tree.expandToDepth(0)
        self._resort()
        self.apply_filter()
        self._selection_changed()

    # -- selection -------------------------------------------------------------------------------
    def selected_targets(self) -> list[Target]:
        rows = self.tree.selectionModel().selectedRows(0)
        return [self.model.target(i) for i in rows if self.model.target(i) is not None]

    def select_target(self, target: Target) -> bool:
        """Select the row of `target` (expanding its parents); False when there is none."""
        index = self.model.find(target)
        if not index.isValid():
            return False
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        self.tree.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.tree.scrollTo(index)
        return True

    def _new_token(self) -> None:
        self._token = next(self._tokens)

    def _selection_changed(self, *_args) -> None:
        self._new_token()
        targets = self.selected_targets()
        self._set_editors_enabled(bool(targets))
        if not targets:
            self.selection_label.setText("Select one or more rows (Ctrl/Shift+click) to change them")
        elif len(targets) == 1:
            self.selection_label.setText(f"<b>{target_name(targets[0])}</b>: the slider sets a percent rule, "
                                         "Apply $ an amount rule (every plan year; edit years in Rules)")
        else:
            self.selection_label.setText(f"<b>{len(targets)} rows</b> selected: one change applies to each")
        self._sync_editors()

    def _set_editors_enabled(self, on: bool) -> None:
        for w in (self.slider, self.percent, self.amount, self.apply_amount, self.clear):
            w.setEnabled(on)

    def _sync_editors(self) -> None:
        """Show the current row's rules in the editors (without making an edit)."""
        targets = self.selected_targets()
        pct = rule_value(self.session.scenario, targets[0], "percent") if targets else 0.0
        amt = rule_value(self.session.scenario, targets[0], "amount") if targets else 0.0
        for w, v in ((self.percent, pct), (self.amount, amt)):
            if w.value() != v:
                w.blockSignals(True)
                w.setValue(v)
                w.blockSignals(False)
        s = int(round(pct * SLIDER_STEPS_PER_PERCENT))
        if not self.slider.isSliderDown() and self.slider.value() != s:
            self.slider.blockSignals(True)
            self.slider.setValue(s)
            self.slider.blockSignals(False)

    # -- edits -----------------------------------------------------------------------------------
    def _slider_moved(self, value: int) -> None:
        pct = value / SLIDER_STEPS_PER_PERCENT
        self.percent.blockSignals(True)
        self.percent.setValue(pct)
        self.percent.blockSignals(False)
        self.set_percent(pct, merge_key=("slider", self._token))

    def _percent_typed(self, pct: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(pct * SLIDER_STEPS_PER_PERCENT)))
        self.slider.blockSignals(False)
        self.set_percent(pct, merge_key=("percent", self._token))

    def set_percent(self, pct: float, merge_key=None) -> None:
        targets = self.selected_targets()
        if not targets:
            return
        scenario = upsert_many(self.session.scenario, targets, "percent", pct)
        what = target_name(targets[0]) if len(targets) == 1 else f"{len(targets)} rows"
        self.session.edit_scenario(scenario, f"{what} {pct:+g}%", merge_key)

    def _apply_amount(self) -> None:
        self.set_amount(self.amount.value())

    def set_amount(self, dollars: float) -> None:
        targets = self.selected_targets()
        if not targets:
            return
        scenario = upsert_many(self.session.scenario, targets, "amount", dollars)
        what = target_name(targets[0]) if len(targets) == 1 else f"{len(targets)} rows"
        self.session.edit_scenario(scenario, f"{what} {fmt.signed_money(dollars)}")

    def _clear_rules(self) -> None:
        targets = set(self.selected_targets())
        scenario = self.session.scenario
        keep = tuple(r for r in scenario.rules if not (r.target in targets and r.kind in ("percent", "amount")))
        if len(keep) != len(scenario.rules):
            from dataclasses import replace

            self.session.edit_scenario(replace(scenario, rules=keep), "Clear rules of the selected rows")


__all__ = ["AllocationPanel", "MODE_FUND", "MODE_DEPARTMENT"]

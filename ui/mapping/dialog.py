"""The import-mapping dialog: map another city's workbook onto kcplanner's tables, with a live preview.

    mapping = edit_mapping(path, parent=window)          # suggested mapping, user confirms; None if cancelled
    mapping = edit_mapping(path, load_mapping(f), parent) # edit a saved one

Left: the mapping as editable choices — for each field a source column, a constant or nothing;
the amount columns (one per year and phase, or one column with the year and phase from fields);
the split of one sheet into line items and revenue; sentinel texts; values maps; a row filter.
Right: the source sheet (first rows), the preview of the first rows as they would be imported, the
totals per table, year and phase (computed on the whole sheet), and the rows excluded and why with
the problems found.  Every edit re-applies the mapping (debounced); the whole sheet stays in
memory, so an 11,000-row sheet re-maps in a fraction of a second.  "Save mapping…" writes the JSON
(atomically) for next time; OK returns the mapping to the caller.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QScrollArea, QSpinBox, QSplitter, QTableView, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from kcplanner.atomic import OutputError
from kcplanner.readers.amount_checks import amount_candidates
from kcplanner.readers.mapping import (FIELDS, KPI_FIELDS, Mapping, MappingError, mapping_from_dict, save_mapping)
from kcplanner.readers.mapping_apply import apply_mapping
from kcplanner.readers.mapping_sheet import header_text, open_sheet
from kcplanner.readers.suggest import suggest_mapping, year_phase_of_header
from kcplanner.readers.unreadable import UnreadableFile
from kcplanner.report import ValidationReport

from ..common.frame_model import FrameModel
from . import totals as mapping_totals
from .totals import CandidateTotals, confirm_total, imported_total, nothing_imported
from .values import ValuesMapEditor, distinct_texts

NOT_MAPPED = "(not mapped)"
CONSTANT = "Constant:"
PREVIEW_ROWS = 200
SOURCE_ROWS = 200
PHASE_CHOICES = ("", "Actual", "Adopted", "Requested", "Estimate", "Projected")
KPI_PHASE_CHOICES = ("", "Target", "Actual")
TABLE_LABELS = {"line_items": "Line items (expenditure)", "revenue": "Revenue", "kpis": "KPIs (measure export)"}


class MappingDialog(QDialog):
    """Edit an import mapping for one file with a live preview (see the module docstring)."""

    def __init__(self, path, mapping: Mapping | None = None, parent=None, sheet: str | None = None,
                 previous_total: float | None = None):
        super().__init__(parent)
        self.path = Path(path)
        self.previous_total = previous_total  # the budget loaded now: a total 10× it is questioned
        self._candidates: tuple = (None, [])  # ((sheet, header row), amount candidates)
        self.setWindowTitle(f"Import mapping — {self.path.name}")
        self.resize(1400, 860)
        self.saved_path: Path | None = None
        self.part = None
        self.report = ValidationReport()
        self.mapping = mapping.copy() if mapping is not None else suggest_mapping(self.path, sheet)
        self.sheet_obj, self.sheet_names = open_sheet(self.path, self.mapping.sheet or sheet)
        if self.path.suffix.lower() != ".csv":
            self.mapping.sheet = self.sheet_obj.name
        self.grid = self.sheet_obj.grid()
        self._building = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.refresh_now)
        self._build()
        self._load(self.mapping)
        self.refresh_now()

    # -- layout --------------------------------------------------------------------------------------
    def _build(self) -> None:
        top = QHBoxLayout()
        self.sheet_combo = QComboBox()
        self.sheet_combo.addItems(self.sheet_names)
        self.sheet_combo.setCurrentText(self.sheet_obj.name)
        self.sheet_combo.currentTextChanged.connect(self._sheet_changed)
        self.header_spin = QSpinBox()
        self.header_spin.setRange(1, 20)
        self.header_spin.valueChanged.connect(self._header_changed)
        self.table_combo = QComboBox()
        for k, v in TABLE_LABELS.items():
            self.table_combo.addItem(v, k)
        self.table_combo.currentIndexChanged.connect(self._table_changed)
        self.files_edit = QLineEdit()
        self.files_edit.setPlaceholderText("every file (or a glob such as *operating*)")
        self.files_edit.textChanged.connect(self.schedule)
        for label, w in (("Sheet", self.sheet_combo), ("Header row", self.header_spin), ("Imports", self.table_combo),
                         ("Applies to files", self.files_edit)):
            top.addWidget(QLabel(label))
            top.addWidget(w)
        top.addStretch(1)

        # left: the choices
        left = QWidget()
        self.left_layout = QVBoxLayout(left)
        self.fields_box = QGroupBox("Fields: a source column, a constant, or nothing")
        self.fields_grid = QGridLayout(self.fields_box)
        self.left_layout.addWidget(self.fields_box)
        amounts_box = QGroupBox("Amounts")
        al = QVBoxLayout(amounts_box)
        row = QHBoxLayout()
        self.amount_mode = QComboBox()
        self.amount_mode.addItem("One column per year and phase", "wide")
        self.amount_mode.addItem("One amount column (year and phase from the fields)", "single")
        self.amount_mode.currentIndexChanged.connect(self._amount_mode_changed)
        self.amount_combo = QComboBox()
        self.amount_combo.currentIndexChanged.connect(self.schedule)
        row.addWidget(self.amount_mode)
        row.addWidget(self.amount_combo, 1)
        al.addLayout(row)
        self.amounts_table = QTableWidget(0, 3)
        self.amounts_table.setHorizontalHeaderLabels(["Column (tick to import)", "Year", "Phase"])
        self.amounts_table.horizontalHeader().setStretchLastSection(True)
        self.amounts_table.verticalHeader().hide()
        self.amounts_table.itemChanged.connect(self._amounts_item_changed)
        self.amounts_table.setMinimumHeight(150)
        self.amounts_table.setColumnWidth(0, 230)
        self.amounts_table.setColumnWidth(1, 70)
        al.addWidget(self.amounts_table)
        self.left_layout.addWidget(amounts_box)
        other = QGroupBox("Rows and values")
        form = QFormLayout(other)
        self.split_combo = QComboBox()
        self.split_combo.currentIndexChanged.connect(self._split_changed)
        self.split_values = QLineEdit()
        self.split_values.setPlaceholderText("Expense=line_items; Revenue=revenue")
        self.split_values.textChanged.connect(self.schedule)
        self.missing_edit = QLineEdit()
        self.missing_edit.setPlaceholderText("#Missing; #N/A; No Data")
        self.missing_edit.textChanged.connect(self.schedule)
        self.missing_means = QComboBox()
        self.missing_means.addItem("not given (blank)", "blank")
        self.missing_means.addItem("zero (in amount columns)", "zero")
        self.missing_means.currentIndexChanged.connect(self.schedule)
        self.where_edit = QLineEdit()
        self.where_edit.setPlaceholderText("KEY_PERFORMANCE=1  (column=value|value; …)")
        self.where_edit.textChanged.connect(self.schedule)
        self.guess_check = QCheckBox("Guess each measure's direction from its name and type")
        self.guess_check.toggled.connect(self.schedule)
        self.directions_edit = QLineEdit()
        self.directions_edit.setPlaceholderText("1067=Lower is better; 7433=Higher is better")
        self.directions_edit.textChanged.connect(self.schedule)
        form.addRow("Split rows by", self.split_combo)
        form.addRow("Split values", self.split_values)
        form.addRow("Sentinel texts", self.missing_edit)
        form.addRow("Sentinels mean", self.missing_means)
        form.addRow("Keep rows where", self.where_edit)
        form.addRow("", self.guess_check)
        form.addRow("Directions", self.directions_edit)
        self.left_layout.addWidget(other)
        vm_box = QGroupBox("Values maps (source text → value; * = any other text)")
        vl = QVBoxLayout(vm_box)
        self.values_editor = ValuesMapEditor(self._value_fields, self._value_texts)
        self.values_editor.changed.connect(self.schedule)
        self.values_table = self.values_editor.table
        vl.addWidget(self.values_editor)
        self.left_layout.addWidget(vm_box)
        self.left_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(left)
        scroll.setMinimumWidth(520)

        # right: source, preview, totals, excluded
        self.tabs = QTabWidget()
        self.source_model = FrameModel(self)
        self.preview_model = FrameModel(self)
        self.totals_model = FrameModel(self)
        self.excluded_model = FrameModel(self)
        self.problems_model = FrameModel(self)
        for title, model in (("Source sheet", self.source_model), ("Preview (as imported)", self.preview_model),
                             ("Totals (whole sheet)", self.totals_model),
                             ("Excluded rows", self.excluded_model), ("Problems", self.problems_model)):
            view = QTableView()
            view.setModel(model)
            view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            view.horizontalHeader().setStretchLastSection(True)
            view.setWordWrap(False)
            view.verticalHeader().hide()
            view.verticalHeader().setDefaultSectionSize(22)
            self.tabs.addTab(view, title)
        self.status = QLabel()
        self.status.setWordWrap(True)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(self.status)
        self.candidates_table = CandidateTotals()
        rl.addWidget(self.candidates_table)
        rl.addWidget(self.tabs, 1)
        split = QSplitter()
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(1, 1)

        self.save_button = QPushButton("Save mapping…")
        self.save_button.clicked.connect(lambda: self.save())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_button)
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        lay.addLayout(bottom)

    # -- state <-> widgets ---------------------------------------------------------------------------
    def headers(self) -> list[str]:
        r = self.header_spin.value() - 1
        if r >= self.grid.shape[0]:
            return []
        return [header_text(h) for h in self.grid[r] if header_text(h)]

    def _load(self, m: Mapping) -> None:
        self._building = True
        try:
            self.header_spin.setValue(m.header_row or 1)
            self.table_combo.setCurrentIndex(list(TABLE_LABELS).index(m.table))
            self.files_edit.setText(m.files or "")
            self._source_table()
            self._build_fields(m)
            self._build_amounts(m)
            heads = self.headers()
            self.split_combo.clear()
            self.split_combo.addItem("(no split)", None)
            for h in heads:
                self.split_combo.addItem(h, h)
            if m.split is not None:
                self.split_combo.setCurrentText(m.split.column)
                self.split_values.setText("; ".join(f"{k}={v}" for k, v in m.split.values.items()))
            else:
                self.split_values.setText("")
            self.missing_edit.setText("; ".join(m.missing))
            self.missing_means.setCurrentIndex(0 if m.missing_means == "blank" else 1)
            self.where_edit.setText("; ".join(f"{c}={'|'.join(str(v) for v in vs)}" for c, vs in m.where.items()))
            self.guess_check.setChecked(m.guess_directions)
            self.directions_edit.setText("; ".join(f"{k}={v}" for k, v in m.directions.items()))
            self.values_editor.set_values(m.values)
            self._enable_kpi_widgets()
        finally:
            self._building = False

    def _value_fields(self) -> list[str]:
        """The fields a values map may translate: those taken from a column."""
        return [f for f, combo in getattr(self, "field_combos", {}).items()
                if combo.currentData() not in (None, "__constant__")]

    def _value_texts(self, field: str) -> list[str]:
        """The texts of the column `field` is taken from (the source texts a values row may name)."""
        combo = getattr(self, "field_combos", {}).get(field)
        col = combo.currentData() if combo is not None else None
        r = self.header_spin.value() - 1
        heads = [header_text(h) for h in self.grid[r]] if r < self.grid.shape[0] else []
        if col in (None, "__constant__") or col not in heads:
            return []
        return distinct_texts(self.grid[r + 1:, heads.index(col)])

    def _enable_kpi_widgets(self) -> None:
        kpis = self.table_combo.currentData() == "kpis"
        self.guess_check.setEnabled(kpis)
        self.directions_edit.setEnabled(kpis)
        self.split_combo.setEnabled(not kpis)
        self.split_values.setEnabled(not kpis)
        self.amount_mode.setEnabled(not kpis)
        self.amount_combo.setEnabled(not kpis and self.amount_mode.currentData() == "single")

    def _fields_for(self, m: Mapping) -> tuple[str, ...]:
        if m.table == "kpis":
            return KPI_FIELDS
        out = list(FIELDS["line_items"])
        if m.table == "revenue" or m.split is not None:
            out += [f for f in FIELDS["revenue"] if f not in out]
        if m.table == "revenue" and m.split is None:
            out = list(FIELDS["revenue"])
        return tuple(out)

    def _build_fields(self, m: Mapping) -> None:
        while self.fields_grid.count():
            w = self.fields_grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.field_combos: dict[str, QComboBox] = {}
        self.constant_edits: dict[str, QLineEdit] = {}
        heads = self.headers()
        for i, f in enumerate(self._fields_for(m)):
            combo = QComboBox()
            combo.addItem(NOT_MAPPED, None)
            combo.addItem(CONSTANT, "__constant__")
            for h in heads:
                combo.addItem(h, h)
            const = QLineEdit()
            const.setPlaceholderText("constant value")
            src = m.source_of(f)
            if src is not None and src[0] == "column":
                k = combo.findData(src[1])
                combo.setCurrentIndex(k if k >= 0 else 0)
            elif src is not None:
                combo.setCurrentIndex(1)
                const.setText(str(src[1]))
            const.setEnabled(combo.currentIndex() == 1)
            combo.currentIndexChanged.connect(lambda _i, f=f: self._field_changed(f))
            const.textChanged.connect(self.schedule)
            why = QLabel(m.explanations.get(f, ""))
            why.setStyleSheet("color: #666; font-size: 11px")
            why.setWordWrap(True)
            self.fields_grid.addWidget(QLabel(f), 2 * i, 0)
            self.fields_grid.addWidget(combo, 2 * i, 1)
            self.fields_grid.addWidget(const, 2 * i, 2)
            self.fields_grid.addWidget(why, 2 * i + 1, 1, 1, 2)
            self.field_combos[f] = combo
            self.constant_edits[f] = const

    def _build_amounts(self, m: Mapping) -> None:
        self.amounts_table.blockSignals(True)
        heads = self.headers()
        kpis = m.table == "kpis"
        self.amount_mode.setCurrentIndex(1 if m.amount else 0)
        self.amount_combo.clear()
        self.amount_combo.addItem(NOT_MAPPED, None)
        for h in heads:
            self.amount_combo.addItem(h, h)
        if m.amount:
            self.amount_combo.setCurrentIndex(max(self.amount_combo.findData(m.amount), 0))
        self.amounts_table.setRowCount(len(heads))
        for r, h in enumerate(heads):
            item = QTableWidgetItem(h)
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            year, phase = "", ""
            if kpis:
                if h in m.targets or h in m.history:
                    year = str(m.targets.get(h, m.history.get(h)))
                    phase = "Target" if h in m.targets else "Actual"
                checked = h in m.targets or h in m.history
            else:
                yp = m.amounts.get(h) or year_phase_of_header(h)
                if yp:
                    year, phase = str(yp[0]), yp[1]
                checked = h in m.amounts
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.amounts_table.setItem(r, 0, item)
            self.amounts_table.setItem(r, 1, QTableWidgetItem(year))
            self.amounts_table.setItem(r, 2, QTableWidgetItem(phase))
        self.amounts_table.blockSignals(False)
        self.amounts_table.setEnabled(kpis or not m.amount)

    def _source_table(self) -> None:
        r = self.header_spin.value() - 1
        heads = [header_text(h) or f"({i + 1})" for i, h in enumerate(self.grid[r])] if r < self.grid.shape[0] else []
        body = self.grid[r + 1:r + 1 + SOURCE_ROWS]
        frame = pd.DataFrame(body, columns=pd.Index(heads)) if len(heads) else pd.DataFrame()
        frame.insert(0, "row", np.arange(r + 2, r + 2 + len(frame)))
        self.source_model.set_frame(frame)
        view = self.tabs.widget(0)
        if isinstance(view, QTableView) and view.model() is self.source_model:
            view.setColumnWidth(0, 56)  # the sheet's row numbers: narrow, the headers get the room
            for c in range(1, self.source_model.columnCount()):
                view.setColumnWidth(c, min(220, max(90, view.sizeHintForColumn(c),
                                                    view.horizontalHeader().sectionSizeHint(c))))

    def current_mapping(self) -> Mapping:
        """The mapping the widgets show (`MappingError` when it is not valid)."""
        data: dict = {"table": self.table_combo.currentData(), "header_row": self.header_spin.value()}
        if self.path.suffix.lower() != ".csv":  # a CSV is one sheet: no name, so the mapping fits next year's file
            data["sheet"] = self.sheet_combo.currentText()
        if self.files_edit.text().strip():
            data["files"] = self.files_edit.text().strip()
        if self.mapping.name:
            data["name"] = self.mapping.name
        if self.mapping.description:
            data["description"] = self.mapping.description
        columns, constants = {}, {}
        for f, combo in self.field_combos.items():
            d = combo.currentData()
            if d == "__constant__":
                text = self.constant_edits[f].text().strip()
                if text:
                    constants[f] = _number_or_text(text)
            elif d:
                columns[f] = d
        data["columns"], data["constants"] = columns, constants
        kpis = data["table"] == "kpis"
        if not kpis and self.split_combo.currentData():
            vals = _pairs(self.split_values.text())
            data["split"] = {"column": self.split_combo.currentData(), "values": vals}
        checked = []
        for r in range(self.amounts_table.rowCount()):
            item = self.amounts_table.item(r, 0)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                y = (self.amounts_table.item(r, 1).text() or "").strip()
                ph = (self.amounts_table.item(r, 2).text() or "").strip()
                checked.append((item.text(), y, ph))
        if kpis:
            tg, hist = {}, {}
            for h, y, ph in checked:
                try:
                    yy = int(y)
                except ValueError:
                    raise MappingError(f"the column {h!r} needs a year (2015) or an offset (-1)") from None
                (tg if ph.casefold() == "target" else hist)[h] = yy
            if tg:
                data["targets"] = tg
            if hist:
                data["history"] = hist
            data["guess_directions"] = self.guess_check.isChecked()
            if self.directions_edit.text().strip():
                data["directions"] = _pairs(self.directions_edit.text())
        elif self.amount_mode.currentData() == "single":
            if self.amount_combo.currentData():
                data["amount"] = self.amount_combo.currentData()
        else:
            data["amounts"] = {h: [y, ph] for h, y, ph in checked}
        miss = [t.strip() for t in self.missing_edit.text().split(";") if t.strip()]
        if miss:
            data["missing"] = miss
        data["missing_means"] = self.missing_means.currentData()
        if self.where_edit.text().strip():
            where = {}
            for c, v in _pairs(self.where_edit.text()).items():
                where[c] = [_number_or_text(x.strip()) for x in v.split("|") if x.strip()]
            data["where"] = where
        values = self.values_editor.values()
        if values:
            data["values"] = values
        m = mapping_from_dict(data, self.path.name)
        m.explanations = dict(self.mapping.explanations)
        return m

    # -- reactions -----------------------------------------------------------------------------------
    def schedule(self, *_args) -> None:
        if not self._building:
            self._timer.start()

    def _field_changed(self, f: str) -> None:
        self.constant_edits[f].setEnabled(self.field_combos[f].currentIndex() == 1)
        self.schedule()

    def _amounts_item_changed(self, _item) -> None:
        self.schedule()

    def _amount_mode_changed(self, _i) -> None:
        single = self.amount_mode.currentData() == "single"
        self.amount_combo.setEnabled(single)
        self.amounts_table.setEnabled(not single)
        self.schedule()

    def _split_changed(self, _i) -> None:
        col = self.split_combo.currentData()
        if not self._building and col:
            heads = self.headers()
            if col in heads:
                j = [header_text(h) for h in self.grid[self.header_spin.value() - 1]].index(col)
                vals = pd.unique(pd.Series(self.grid[self.header_spin.value():, j], dtype=object))
                vals = [str(v).strip() for v in vals if str(v).strip()][:10]
                self.split_values.setText("; ".join(f"{v}={'revenue' if 'revenue' in v.casefold() else 'line_items'}"
                                                    for v in vals))
        if not self._building:
            self._rebuild_keeping()
        self.schedule()

    def _rebuild_keeping(self) -> None:
        try:
            m = self.current_mapping()
        except MappingError:
            return
        self._building = True
        try:
            self._build_fields(m)
        finally:
            self._building = False

    def _table_changed(self, _i) -> None:
        if self._building:
            return
        try:
            m = self.current_mapping()
        except MappingError:
            m = Mapping(table=self.table_combo.currentData())
        m.table = self.table_combo.currentData()
        m.columns = {f: c for f, c in m.columns.items() if f in self._fields_for(m)}
        m.constants = {f: c for f, c in m.constants.items() if f in self._fields_for(m)}
        self._load(m)
        self.schedule()

    def _header_changed(self, _v) -> None:
        if self._building:
            return
        self._source_table()
        m = self.mapping.copy()
        m.header_row = self.header_spin.value()
        self._load(m)
        self.schedule()

    def _sheet_changed(self, name: str) -> None:
        if self._building or not name or name == self.sheet_obj.name:
            return
        try:
            self.sheet_obj, _ = open_sheet(self.path, name)
        except UnreadableFile as exc:
            QMessageBox.warning(self, "Cannot read the sheet", f"{self.path.name} {exc}")
            return
        self.grid = self.sheet_obj.grid()
        self.mapping = suggest_mapping(self.path, name)
        self._load(self.mapping)
        self.schedule()

    def refresh_now(self) -> None:
        """Re-apply the mapping to the whole sheet and update the preview, totals and excluded rows,
        the candidate amount totals, and whether OK is allowed."""
        self._refresh()
        self._update_checks()

    def candidates(self) -> list:
        """The sheet's candidate amount columns with their totals (computed once per sheet and header row)."""
        k = (self.sheet_obj.name, self.header_spin.value())
        if self._candidates[0] != k:
            self._candidates = (k, amount_candidates(self.grid, self.header_spin.value()))
        return self._candidates[1]

    def chosen_amounts(self) -> list[str]:
        m = self.mapping
        return [] if m.table == "kpis" else ([m.amount] if m.amount else list(m.amounts))

    def _update_checks(self) -> None:
        kpis = self.table_combo.currentData() == "kpis"
        self.candidates_table.setVisible(not kpis)
        if not kpis:
            self.candidates_table.show_candidates(self.candidates(), self.chosen_amounts(), self.previous_total)
        why = nothing_imported(self.part, self.report) if self.part is not None or self.report.errors else \
            "The mapping is not complete (see above)."
        self.refused = why
        self.ok_button.setEnabled(why is None)
        self.ok_button.setToolTip(why or "Import the file with this mapping")
        if why and self.part is not None:
            self.status.setText(self.status.text() + f"<br><b style='color:#b3261e'>OK is off:</b> {why}")

    def _refresh(self) -> None:
        self._timer.stop()
        self.report = ValidationReport()
        try:
            m = self.current_mapping()
        except MappingError as exc:
            self.part = None
            self.status.setText(f"<b style='color:#b3261e'>The mapping is not complete:</b> {exc}")
            return
        self.mapping = m
        try:
            part = apply_mapping(self.sheet_obj, m, self.report, self.path.name, self.sheet_obj.name)
        except Exception as exc:  # the dialog must survive any half-made mapping
            part = None
            self.report.error(self.path.name, self.sheet_obj.name, "", f"{type(exc).__name__}: {exc}")
        self.part = part
        problems = pd.DataFrame([{"severity": p.severity, "cell": p.cell, "message": p.message}
                                 for p in self.report.problems], columns=["severity", "cell", "message"])
        self.problems_model.set_frame(problems)
        if part is None or part.rows is None:
            self.preview_model.set_frame(pd.DataFrame())
            self.totals_model.set_frame(pd.DataFrame())
            self.excluded_model.set_frame(pd.DataFrame())
            first = self.report.errors[0].message if self.report.errors else "nothing to import"
            self.status.setText(f"<b style='color:#b3261e'>Cannot import:</b> {first}")
            return
        rows = part.rows
        self.preview_model.set_frame(rows.head(PREVIEW_ROWS))
        if m.table == "kpis":
            kept = rows[rows["excluded"] == ""]
            tot = kept.groupby("direction", dropna=False).size().rename("measures").reset_index()
            n_hist = len(part.kpi_history) if part.kpi_history is not None else 0
            tot = pd.concat([tot, pd.DataFrame([{"direction": "history values", "measures": n_hist}])],
                            ignore_index=True)
            self.totals_model.set_frame(tot)
        else:
            self.totals_model.set_frame(part.totals())
        excl = rows.loc[rows["excluded"] != "", ["row", "excluded"]]
        self.excluded_model.set_frame(excl)
        c = part.count
        reasons = ", ".join(f"{n:,} {why}" for why, n in sorted(c.excluded.items())) if c.excluded else ""
        n_err, n_warn = len(self.report.errors), len(self.report.warnings)
        color = "#b3261e" if n_err or not c.imported else "#1b5e20"
        self.status.setText(f"<b style='color:{color}'>{c.read:,} rows read, {c.imported:,} imported, "
                            f"{c.read - c.imported:,} excluded</b>" + (f" ({reasons})" if reasons else "")
                            + f" — {n_err} error(s), {n_warn} warning(s)"
                            + (f"; sentinels: {', '.join(f'{k} {v:,}' for k, v in part.sentinels.items())}"
                               if part.sentinels else ""))

    # -- results -------------------------------------------------------------------------------------
    def save(self, path: str | Path | None = None) -> Path | None:
        """Save the mapping as JSON (asks for the file when `path` is None)."""
        try:
            m = self.current_mapping()
        except MappingError as exc:
            QMessageBox.warning(self, "The mapping is not complete", str(exc))
            return None
        if path is None:
            start = str(self.path.with_suffix(".mapping.json"))
            path, _ = QFileDialog.getSaveFileName(self, "Save the import mapping", start, "Mapping (*.json)")
            if not path:
                return None
        try:
            save_mapping(m, path)
        except (OSError, OutputError, MappingError) as exc:
            QMessageBox.warning(self, "Could not save the mapping", str(exc))
            return None
        self.saved_path = Path(path)
        self.mapping = m
        return self.saved_path

    def accept(self) -> None:
        """OK: refused when the mapping is not complete or would import no row (a message says why);
        a total more than 10 times every other candidate's or the previous import's asks first."""
        try:
            self.current_mapping()
        except MappingError as exc:
            QMessageBox.warning(self, "The mapping is not complete", str(exc))
            return
        self.refresh_now()
        if self.refused:
            QMessageBox.warning(self, "Nothing would be imported", self.refused)
            return
        if not confirm_total(self, self.chosen_amounts(), self.candidates(), imported_total(self.part),
                             self.previous_total):
            return
        super().accept()

    def result_mapping(self) -> Mapping:
        return self.mapping


def _pairs(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            if k.strip():
                out[k.strip()] = v.strip()
    return out


def _number_or_text(text: str):
    try:
        f = float(text)
    except ValueError:
        return text
    return int(f) if f.is_integer() else f


def edit_mapping(path, mapping: Mapping | None = None, parent=None, sheet: str | None = None,
                 previous_total: float | None = None) -> Mapping | None:
    """Show the mapping dialog for `path` (the suggestion when `mapping` is None); the mapping, or None if
    cancelled. `previous_total`: the total of the budget loaded now (a total 10 times it is questioned);
    by default that of the dataset in `parent`'s session (the main window)."""
    if previous_total is None:
        previous_total = mapping_totals.previous_total(getattr(getattr(parent, "session", None), "dataset", None))
    try:
        dlg = MappingDialog(path, mapping, parent, sheet, previous_total)
    except (UnreadableFile, OSError) as exc:
        QMessageBox.warning(parent, "Cannot read the workbook", f"{Path(path).name} {exc}")
        return None
    if dlg.exec() == QDialog.DialogCode.Accepted:
        return dlg.result_mapping()
    return None

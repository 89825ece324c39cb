"""The import-mapping dialog's widgets: the choices on the left (fields, amounts, rows and values,
values maps), the source / preview / totals / excluded / problems tabs on the right, the buttons.

A mixin of `MappingDialog` (ui/mapping/dialog.py): it only builds and lays out the widgets and
connects them to the dialog's reactions; filling them from a mapping is ui/mapping/form.py.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialogButtonBox, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea, QSpinBox,
                               QSplitter, QTableView, QTableWidget, QTabWidget, QVBoxLayout, QWidget)

from ..common import access, table_copy
from ..common.frame_model import FrameModel
from .form import TABLE_LABELS
from .totals import CandidateTotals
from .values import ValuesMapEditor


class MappingLayout:
    """Builds the dialog's widgets (`_build`, called once from `MappingDialog.__init__`)."""

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
        for label, w in (("S&heet", self.sheet_combo), ("Header &row", self.header_spin),
                         ("&Imports", self.table_combo), ("Applies to &files", self.files_edit)):
            top.addWidget(access.label_for(label, w))
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
        access.name(self.amount_mode, "Amounts")
        self.amount_combo = access.name(QComboBox(), "Amount column")
        self.amount_combo.currentIndexChanged.connect(self.schedule)
        row.addWidget(self.amount_mode)
        row.addWidget(self.amount_combo, 1)
        al.addLayout(row)
        self.amounts_table = access.name(QTableWidget(0, 3), "Amount columns", "Tick a column to import it; "
                                         "its year and phase beside it")
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
        self.values_table = access.name(self.values_editor.table, "Values maps")
        vl.addWidget(self.values_editor)
        self.left_layout.addWidget(vm_box)
        self.left_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(left)
        scroll.setMinimumWidth(520)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to its fields (and scrolls to them)

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
            view = access.name(QTableView(), title)
            view.setModel(model)
            view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            view.horizontalHeader().setStretchLastSection(True)
            view.setWordWrap(False)
            view.verticalHeader().hide()
            view.verticalHeader().setDefaultSectionSize(22)
            table_copy.install(view, "mapping-" + title.split(" ")[0].lower())
            self.tabs.addTab(view, title)
        self.status = QLabel()
        self.status.setWordWrap(True)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(self.status)
        self.candidates_table = access.name(CandidateTotals(), "Candidate amount columns")
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
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_button)
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        lay.addLayout(bottom)

    def _tab_order(self) -> None:
        """Tab in reading order: the top row, the choices on the left (the fields, rebuilt with the
        table or the header row, first), the checks on the right, then Save mapping…, OK, Cancel."""
        fields = [w for f in self.field_combos for w in (self.field_combos[f], self.constant_edits[f])]
        views = [self.tabs.widget(i) for i in range(self.tabs.count())]
        access.tab_order(self.sheet_combo, self.header_spin, self.table_combo, self.files_edit, *fields,
                         self.amount_mode, self.amount_combo, self.amounts_table, self.split_combo, self.split_values,
                         self.missing_edit, self.missing_means, self.where_edit, self.guess_check,
                         self.directions_edit, self.values_table, self.values_editor.add_button,
                         self.values_editor.remove_button, self.candidates_table, self.tabs.tabBar(), *views,
                         self.save_button, self.ok_button, self.cancel_button)


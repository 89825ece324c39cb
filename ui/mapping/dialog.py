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

import pandas as pd
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from kcplanner.atomic import OutputError
from kcplanner.readers.mapping import Mapping, MappingError, save_mapping
from kcplanner.readers.mapping_sheet import header_text, open_sheet
from kcplanner.readers.suggest import suggest_mapping
from kcplanner.readers.unreadable import UnreadableFile
from kcplanner.report import ValidationReport

from . import totals as mapping_totals
from .form import MappingForm
from .layout import MappingLayout
from .preview import MappingPreview
from .totals import confirm_total, imported_total


class MappingDialog(MappingLayout, MappingForm, MappingPreview, QDialog):
    """Edit an import mapping for one file with a live preview (see the module docstring): the widgets
    (ui/mapping/layout.py), their values as a mapping (ui/mapping/form.py), the preview
    (ui/mapping/preview.py); here the reactions to edits and the results."""

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

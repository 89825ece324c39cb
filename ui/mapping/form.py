"""The import-mapping dialog's state <-> widgets: fill the widgets from a `Mapping` (`_load`) and
read the `Mapping` the widgets show back (`current_mapping`).

A mixin of `MappingDialog` (ui/mapping/dialog.py); the widgets themselves are built in
ui/mapping/layout.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QTableView, QTableWidgetItem

from kcplanner.readers.mapping import FIELDS, KPI_FIELDS, Mapping, MappingError, mapping_from_dict
from kcplanner.readers.mapping_sheet import header_text
from kcplanner.readers.suggest import year_phase_of_header

from ..common import access
from .values import distinct_texts

NOT_MAPPED = "(not mapped)"
CONSTANT = "Constant:"
PREVIEW_ROWS = 200
SOURCE_ROWS = 200
PHASE_CHOICES = ("", "Actual", "Adopted", "Requested", "Estimate", "Projected")
KPI_PHASE_CHOICES = ("", "Target", "Actual")
TABLE_LABELS = {"line_items": "Line items (expenditure)", "revenue": "Revenue", "kpis": "KPIs (measure export)"}


class MappingForm:
    """The widgets' values as a `Mapping` and back."""

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
            const = access.name(QLineEdit(), f"{f}: constant value")
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
            self.fields_grid.addWidget(access.label_for(f, combo), 2 * i, 0)
            self.fields_grid.addWidget(combo, 2 * i, 1)
            self.fields_grid.addWidget(const, 2 * i, 2)
            self.fields_grid.addWidget(why, 2 * i + 1, 1, 1, 2)
            self.field_combos[f] = combo
            self.constant_edits[f] = const
        if hasattr(self, "_tab_order"):
            self._tab_order()

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


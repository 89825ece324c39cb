"""The request form (New request… / Edit request…): every field of one request, checked with
`validate_request` before OK closes it.  The panel turns the result into an undoable edit."""

from __future__ import annotations

import math

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout,
                               QGridLayout, QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout)

from kcplanner.dataset import ACCOUNT_CLASSES, REQUEST_TYPES
from kcplanner.engine import Prepared
from kcplanner.requests import Request, new_request_id, validate_request

from ..common import access
from .text import format_rank, name_key


class RequestDialog(QDialog):
    """Create or edit one request: names, type, class, recurring, cost per plan year, FTE,
    KPI, rank and justification.  OK checks the request (validate_request) before closing."""

    def __init__(self, prepared: Prepared, request: Request | None = None, replacing: str | None = None,
                 parent=None):
        super().__init__(parent)
        self.prepared = prepared
        self.replacing = replacing
        ds = prepared.dataset
        self.setWindowTitle("Edit request" if replacing else "New request")
        req = request or Request(request_id=new_request_id(ds), department="", program="", fund="", title="")
        self.original = req
        self.id = QLineEdit(req.request_id)
        self.title = QLineEdit(req.title)
        self.title.setPlaceholderText("What the request buys, in a few words")
        depts = sorted({n for n in prepared.departments.names if not n.startswith("(no ")}, key=str.casefold)
        self.department = self._combo(depts, req.department)
        self.program = self._combo([], req.program)
        self.fund = self._combo(sorted((n for n in prepared.funds.names if not n.startswith("(no ")),
                                       key=str.casefold), req.fund)
        self.type = QComboBox()
        self.type.addItems(list(REQUEST_TYPES))
        self.type.setCurrentIndex(next((i for i, t in enumerate(REQUEST_TYPES)
                                        if name_key(t) == name_key(req.type)), 0))
        self.account_class = self._combo(list(ACCOUNT_CLASSES), req.account_class or "Other")
        self.recurring = QCheckBox("Recurring (the cost continues every year; counts in structural balance)")
        self.recurring.setChecked(bool(req.recurring))
        self.costs: dict[int, QDoubleSpinBox] = {}
        cost_box = QGridLayout()
        for t, (y, lab) in enumerate(zip(prepared.plan_years, prepared.year_labels)):
            sb = QDoubleSpinBox()
            sb.setRange(0, 1e12)
            sb.setDecimals(0)
            sb.setSingleStep(10000)
            sb.setGroupSeparatorShown(True)
            sb.setPrefix("$")
            sb.setValue(float(req.cost(y)))
            sb.setAccelerated(True)
            self.costs[y] = sb
            cost_box.addWidget(access.label_for(lab, sb), 0, t)
            cost_box.addWidget(sb, 1, t)
        self.fte = QDoubleSpinBox()
        self.fte.setRange(0, 10000)
        self.fte.setDecimals(2)
        self.fte.setValue(float(req.fte or 0))
        self.kpi = QComboBox()
        self.kpi.addItem("(none)", None)
        for k, n in zip(prepared.kpi_ids, prepared.kpi_names):
            self.kpi.addItem(f"{k} — {n}"[:70], k)
        if req.kpi_id:
            self.kpi.setCurrentIndex(next((i for i in range(1, self.kpi.count())
                                           if name_key(self.kpi.itemData(i)) == name_key(req.kpi_id)), 0))
        self.rank = QLineEdit(format_rank(req.rank))
        self.rank.setPlaceholderText("blank = unranked")
        self.justification = QPlainTextEdit(req.justification)
        self.justification.setMinimumHeight(80)
        self.errors = QLabel()
        self.errors.setStyleSheet("color: #b3261e")
        self.errors.setWordWrap(True)
        self.department.currentTextChanged.connect(self._fill_programs)
        self._fill_programs(req.department)
        self.program.setCurrentText(req.program)

        form = QFormLayout()
        form.addRow("Request ID", self.id)
        form.addRow("Title", self.title)
        form.addRow("Department", self.department)
        form.addRow("Program", self.program)
        form.addRow("Fund", self.fund)
        form.addRow("Type", self.type)
        form.addRow("Account class", self.account_class)
        form.addRow("", self.recurring)
        form.addRow("Cost by plan year", cost_box)
        form.addRow("Positions (FTE)", self.fte)
        form.addRow("KPI it moves", self.kpi)
        form.addRow("Rank in the department", self.rank)
        form.addRow("Justification", self.justification)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.errors)
        lay.addWidget(buttons)
        self.resize(820, 620)

    @staticmethod
    def _combo(items: list[str], current: str) -> QComboBox:
        c = QComboBox()
        c.setEditable(True)
        c.addItems(items)
        c.setCurrentText(current or "")
        c.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        return c

    def _fill_programs(self, department: str) -> None:
        P = self.prepared
        current = self.program.currentText()
        code = P.departments.find(department) if department else None
        names = set()
        if code is not None:
            for d, p in zip(P.pair_dept, P.pair_prog):
                if int(d) == int(code):
                    names.add(P.programs.names[int(p)])
        self.program.blockSignals(True)
        self.program.clear()
        self.program.addItems(sorted(names, key=str.casefold))
        self.program.setCurrentText(current)
        self.program.blockSignals(False)

    def request(self) -> Request:
        """The request as the form stands (not validated)."""
        rank_text = self.rank.text().strip().replace(",", "")
        try:
            rank = float(rank_text) if rank_text else None
        except ValueError:
            rank = math.nan
        costs = tuple((y, float(sb.value())) for y, sb in self.costs.items() if sb.value() != 0)
        outside = tuple((y, v) for y, v in self.original.costs if y not in self.costs)  # kept as entered
        return Request(request_id=self.id.text(), department=self.department.currentText(),
                       program=self.program.currentText(), fund=self.fund.currentText(), title=self.title.text(),
                       type=self.type.currentText(), account_class=self.account_class.currentText() or "Other",
                       recurring=self.recurring.isChecked(), fte=float(self.fte.value()),
                       justification=self.justification.toPlainText().strip(), kpi_id=self.kpi.currentData(),
                       rank=rank, costs=tuple(sorted(outside + costs)))

    def problems(self) -> list[str]:
        r = self.request()
        out = validate_request(self.prepared.dataset, r, replacing=self.replacing)
        if r.rank is not None and not math.isfinite(r.rank):
            out.append("rank: expected a number (or blank)")
        return out

    def accept(self) -> None:
        problems = self.problems()
        if problems:
            self.errors.setText("Cannot save: " + "; ".join(problems))
            return
        super().accept()


__all__ = ["RequestDialog"]

"""The validation report's item model (severity, file, sheet, cell, message), sorted by severity rank
and by cell in reading order; shown by the report dialog in ui/common/dialogs.py."""

from __future__ import annotations

from .models import DISPLAY, SORT_ROLE, TableModel


SEVERITY_RANK = {"error": 0, "warning": 1}


def cell_sort_key(cell: str) -> tuple:
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    return (len(letters), letters, int(digits) if digits else 0)


class ReportModel(TableModel):
    """The validation report: severity, file, sheet, cell, message (sortable through a proxy)."""

    def __init__(self, parent=None):
        super().__init__(["Severity", "File", "Sheet", "Cell", "Message"], parent=parent)
        self.problems = []

    def set_report(self, report, icons: dict | None = None) -> None:
        self.problems = list(report.problems) if report is not None else []
        rows = [(p.severity, p.file, p.sheet, p.cell, p.message) for p in self.problems]
        icons = icons or {}
        self.set_rows(rows, tooltips=[p.message for p in self.problems],
                      decorations=[icons.get(p.severity) for p in self.problems])

    def data(self, index, role=DISPLAY):
        if role == SORT_ROLE and index.isValid():
            p = self.problems[index.row()]
            c = index.column()
            if c == 0:
                return SEVERITY_RANK.get(p.severity, 9)
            if c == 3:
                return str(cell_sort_key(p.cell))
        if role == DISPLAY and index.isValid() and index.column() == 0:
            return self.rows[index.row()][0].capitalize()
        return super().data(index, role)

    def text(self, rows: list[int] | None = None) -> str:
        """Tab-separated text (with a header line) of the given rows, or all."""
        rows = list(range(len(self.rows))) if rows is None else rows
        lines = ["\t".join(self.headers)]
        for r in rows:
            lines.append("\t".join(str(v) for v in self.rows[r]))
        return "\n".join(lines) + "\n"

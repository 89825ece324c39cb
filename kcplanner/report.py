"""The validation report: every problem found in the inputs, and the accounting of every row.

Each problem names its file, sheet and cell (A1) and says what was found and what was
expected.  Errors stop an import; warnings do not.  Row accounting per sheet:
read = imported + excluded, and every exclusion has a reason.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

ERROR = "error"
WARNING = "warning"


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """Zero-based row and column → `B7`."""
    return f"{column_letter(col)}{row + 1}"


@dataclass(frozen=True)
class Problem:
    severity: str  # ERROR or WARNING
    file: str
    sheet: str
    cell: str  # A1, a column letter, or "" for the whole sheet or file
    message: str

    def __str__(self) -> str:
        where = ":".join(p for p in (self.file, self.sheet, self.cell) if p)
        return f"{self.severity.upper()} {where}: {self.message}"


@dataclass
class RowCount:
    """Rows of one sheet: read = imported + sum(excluded.values())."""

    file: str
    sheet: str
    read: int = 0
    imported: int = 0
    excluded: Counter = field(default_factory=Counter)

    @property
    def balanced(self) -> bool:
        return self.read == self.imported + sum(self.excluded.values())


class InputError(Exception):
    """Input that cannot be used at all; carries the report that says why."""

    def __init__(self, report: "ValidationReport"):
        self.report = report
        super().__init__("\n".join(str(p) for p in report.errors) or "invalid input")


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    rows: list[RowCount] = field(default_factory=list)

    def error(self, file: str, sheet: str, cell: str, message: str) -> None:
        self.problems.append(Problem(ERROR, file, sheet, cell, message))

    def warning(self, file: str, sheet: str, cell: str, message: str) -> None:
        self.problems.append(Problem(WARNING, file, sheet, cell, message))

    def count(self, file: str, sheet: str) -> RowCount:
        row = RowCount(file, sheet)
        self.rows.append(row)
        return row

    def extend(self, other: "ValidationReport") -> None:
        self.problems.extend(other.problems)
        self.rows.extend(other.rows)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InputError(self)

    def to_text(self) -> str:
        lines = [str(p) for p in self.problems]
        lines.append("")
        lines.append("Rows read, imported and excluded:")
        for r in self.rows:
            reasons = ", ".join(f"{n} {why}" for why, n in sorted(r.excluded.items()))
            lines.append(f"  {r.file} [{r.sheet}]: read {r.read}, imported {r.imported}"
                         + (f", excluded {sum(r.excluded.values())} ({reasons})" if r.excluded else ""))
        lines.append(f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps({
            "problems": [asdict(p) for p in self.problems],
            "rows": [{"file": r.file, "sheet": r.sheet, "read": r.read, "imported": r.imported,
                      "excluded": dict(r.excluded)} for r in self.rows],
        }, indent=2)

    def save(self, path: str | Path) -> None:
        from .atomic import atomic_write_text

        atomic_write_text(Path(path), self.to_text() if str(path).endswith(".txt") else self.to_json())

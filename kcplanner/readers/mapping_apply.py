"""Applying an import mapping: to a sheet (line items / revenue in mapping_budget.py, KPIs in
kpi_export.py) or to a file, and telling whether a budget file needs one.
"""

from __future__ import annotations

from pathlib import Path

from ..report import ValidationReport
from .budget import BudgetPart, read_budget_file
from .kpi_export import apply_kpis
from .mapping import Mapping
from .mapping_budget import apply_budget
from .mapping_sheet import MappedPart, open_sheet
from .unreadable import UnreadableFile
from .workbook import Sheet


def apply_mapping(sheet, m: Mapping, report: ValidationReport, file: str = "", sheet_name: str = "") -> MappedPart | None:
    """Apply any mapping to a sheet (line items / revenue, or KPIs)."""
    if isinstance(sheet, Sheet):
        sheet_name = sheet_name or sheet.name
    if m.table == "kpis":
        return apply_kpis(sheet, m, report, file, sheet_name)
    return apply_budget(sheet, m, report, file, sheet_name)


def read_mapped_file(path, m: Mapping, report: ValidationReport) -> MappedPart | None:
    """Open a file and apply one mapping to its sheet; problems go to `report`."""
    path = Path(path)
    file = path.name
    try:
        sheet, _names = open_sheet(path, m.sheet)
    except UnreadableFile as exc:
        report.error(file, getattr(exc, "sheet", ""), getattr(exc, "cell", ""), f"{file} {exc}")
        return None
    except OSError as exc:
        report.error(file, "", "", f"{file} cannot be opened: {exc.strerror or exc}")
        return None
    return apply_mapping(sheet, m, report, file, sheet.name)


def needs_mapping(path) -> bool:
    """True when the standard readers cannot take this budget file as it is (no sheet with the columns of
    Line Items, Positions or Requests) — the place to offer the mapping dialog.  Reads the file."""
    from .actuals import ActualsPart

    report = ValidationReport()
    part = BudgetPart()
    actuals = ActualsPart()
    read_budget_file(Path(path), report, part, actuals=actuals)
    if part.line_items or part.positions or part.requests or actuals.counts:
        return False
    return any(("no sheet with the required columns" in p.message or "no header row" in p.message
                or "has no amount columns" in p.message) for p in report.errors)

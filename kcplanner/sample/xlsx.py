"""xlsxwriter helpers shared by the sample's plan and department workbooks: a workbook with fixed
properties (so the bytes are stable), its cell formats, and a header-plus-rows table writer."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import numpy as np
import xlsxwriter

from . import names as S

CREATED = datetime(2026, 1, 1)


def workbook(path: Path, constant_memory: bool = False) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory, "nan_inf_to_errors": False})
    wb.set_properties({"title": "kcplanner sample city", "author": "Office of Management and Budget",
                       "company": S.CITY, "created": CREATED})
    return wb


class Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.note = wb.add_format({"italic": True, "font_color": "#595959"})
        self.header = wb.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF",
                                     "text_wrap": True, "valign": "top", "border": 1})
        self.money = wb.add_format({"num_format": "#,##0;(#,##0)"})
        self.cents = wb.add_format({"num_format": "#,##0.00;(#,##0.00)"})
        self.total = wb.add_format({"bold": True, "num_format": "#,##0;(#,##0)", "top": 1})
        self.total_label = wb.add_format({"bold": True, "top": 1})
        self.number = wb.add_format({"num_format": "#,##0.##"})
        self.fte = wb.add_format({"num_format": "0.0"})
        self.rate = wb.add_format({"num_format": "0.0"})  # percent points in a `%` column
        self.pct = wb.add_format({"num_format": "0.0%"})  # a fraction shown as a percentage
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})


def cell(ws, row: int, col: int, value, fmt=None) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    if fmt is None:
        ws.write(row, col, value)
    else:
        ws.write(row, col, value, fmt)


def table(ws, fm: Formats, top: int, headers: list[str], rows, formats: list, widths: list[int]) -> int:
    """Write a header row at `top` and the rows under it; return the next free row."""
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.freeze_panes(top + 1, 0)
    for c, h in enumerate(headers):
        ws.write_string(top, c, h, fm.header)
    r = top + 1
    for row in rows:
        for c, value in enumerate(row):
            cell(ws, r, c, value, formats[c])
        r += 1
    return r


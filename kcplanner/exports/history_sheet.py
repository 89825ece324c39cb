"""The History sheet of a scenario workbook: a project's audit trail, when the caller passes one."""

from __future__ import annotations

import numpy as np

from ._common import write_num, write_text

HISTORY_SHEET = "History"  # only with history_rows (a project's audit trail)
HISTORY_WIDTHS = [7, 25, 12, 24, 10, 80, 30, 30]


def write_history(wb, fmt, rows: list) -> None:
    """The audit trail: the header row bold and frozen, numbers as numbers, everything else as
    text (a change text starting with "=" stays text)."""
    ws = wb.add_worksheet(HISTORY_SHEET)
    width = max((len(r) for r in rows), default=0)
    for c in range(width):
        ws.set_column(c, c, HISTORY_WIDTHS[c] if c < len(HISTORY_WIDTHS) else 20)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if r == 0:
                write_text(ws, r, c, v, fmt["header"])
            elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                write_num(ws, r, c, v)
            else:
                write_text(ws, r, c, None if v is None else str(v)[:32767])
    if rows:
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(0, len(rows) - 1), max(0, width - 1))

"""The Departments sheet: expenditure by department, baseline, scenario and change, as SUMIFS
formulas over the Line Items sheet (the engine's figures cached)."""

from __future__ import annotations

import numpy as np

from ._common import cell, formula_value, print_setup, sum_by, write_text
from .workbook_layout import LI_DEPT, Layout


def write_departments(ws, fmt, L: Layout, R, lines, formulas) -> None:
    d = R.by_department
    hr = 3
    ws.set_column(0, 0, 28)
    ws.set_column(1, 15, 16)
    ws.write_string(0, 0, "Expenditure by department", fmt["title"])
    ws.write_string(1, 0, "Formulas: SUMIFS over the Line Items sheet (budget lines and funded requests); "
                          "edit a line there and these totals follow.", fmt["muted"])
    headers = ["Department"] + [f"{k} {lab}" for k in ("Baseline", "Scenario", "Change") for lab in L.labels]
    ws.set_row(hr, 32)
    for j, h in enumerate(headers):
        ws.write_string(hr, j, h, fmt["header"])
    base = np.asarray(d.baseline, dtype=float)
    scen = np.asarray(d.scenario, dtype=float)
    dept_rng = L.li_range(LI_DEPT)
    first = hr + 1
    for i, name in enumerate(d.names):
        r = first + i
        write_text(ws, r, 0, name)
        crit = cell(r, 0, col_abs=True)
        for t in range(5):
            for block, values in ((0, base), (1, scen)):
                f = sum_by(L.li_range(L.li_col(block, t)), [(dept_rng, crit, name)])
                ws.write_formula(r, 1 + 5 * block + t, "=" + f, fmt["money"], formula_value(values[i, t]))
            ws.write_formula(r, 11 + t, f"={cell(r, 6 + t)}-{cell(r, 1 + t)}", fmt["money"],
                             formula_value(scen[i, t] - base[i, t]))
            formulas[0] += 3
    last = first + len(d.names) - 1
    tr = last + 1
    ws.write_string(tr, 0, "Total", fmt["label"])
    totals = np.hstack([base.sum(axis=0), scen.sum(axis=0), (scen - base).sum(axis=0)]) if len(d.names) else \
        np.zeros(15)
    for j in range(15):
        c = 1 + j
        rng = f"{cell(first, c)}:{cell(max(last, first), c)}"
        ws.write_formula(tr, c, f"=SUM({rng})", fmt["money_total"], formula_value(totals[j]))
        formulas[0] += 1
    ws.freeze_panes(hr + 1, 1)
    print_setup(ws, (hr, hr), "Expenditure by department")

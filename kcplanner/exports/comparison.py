"""Two scenarios side by side: `export_comparison(prepared, results_a, results_b, out_path)`.

Sheets: Summary, Funds, Departments, Account Classes, KPIs, Rules A, Rules B.  Each figure
table has the A columns, the B columns and a Difference (B − A) written as a formula with the
computed value cached.  `read_scenario_from_workbook(path, sheet="Rules A")` reads either
scenario back.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Sequence

import numpy as np
import xlsxwriter

from ..atomic import OutputError, atomic_path, scratch_dir
from ._common import (WORKBOOK_OPTIONS, ExportInfo, Steps, cell, discard_workbook, formula_value, make_formats,
                      now_text, print_setup, write_num, write_summary_head, write_text)
from .kpis_sheet import kpi_status
from .rules_sheet import write_scenario_rules

SHEETS = ["Summary", "Funds", "Departments", "Account Classes", "KPIs", "Rules A", "Rules B"]


def _key(name) -> str:
    if isinstance(name, tuple):
        name = " / ".join(name)
    return " ".join(str(name).split()).casefold()


def _union(names_a: list, names_b: list) -> list:
    seen, out = set(), []
    for n in list(names_a) + list(names_b):
        k = _key(n)
        if k not in seen:
            seen.add(k)
            out.append(n)
    return out


def _rows(names: list, values: np.ndarray) -> dict[str, np.ndarray]:
    return {_key(n): np.asarray(values[i], dtype=float) for i, n in enumerate(names)}


def _side_by_side(ws, fmt, labels: list[str], title: str, key_headers: list[str],
                  rows: list[tuple[list, np.ndarray, np.ndarray, str]], name_a: str, name_b: str, count: list) -> None:
    """rows: (key cells, A values (5,), B values (5,), number format key)."""
    ws.write_string(0, 0, title, fmt["title"])
    ws.write_string(1, 0, f"A = {name_a}; B = {name_b}; Difference = B − A (formulas).", fmt["muted"])
    hr = 3
    nk = len(key_headers)
    headers = key_headers + [f"{k} {lab}" for k in ("A", "B", "Difference") for lab in labels]
    ws.set_column(0, nk - 1, 22)
    ws.set_column(nk, nk + 14, 16)
    ws.set_row(hr, 32)
    for j, h in enumerate(headers):
        ws.write_string(hr, j, h, fmt["header"])
    r = hr + 1
    for keys, a, b, num in rows:
        for j, v in enumerate(keys):
            write_text(ws, r, j, v)
        for t in range(5):
            write_num(ws, r, nk + t, a[t], fmt[num])
            write_num(ws, r, nk + 5 + t, b[t], fmt[num])
            diff = b[t] - a[t]
            ws.write_formula(r, nk + 10 + t, f'=IF(OR({cell(r, nk + t)}="",{cell(r, nk + 5 + t)}=""),"",'
                                             f'{cell(r, nk + 5 + t)}-{cell(r, nk + t)})', fmt[num], formula_value(diff))
            count[0] += 1
        r += 1
    ws.freeze_panes(hr + 1, nk)
    ws.autofilter(hr, 0, max(r - 1, hr + 1), len(headers) - 1)
    print_setup(ws, (hr, hr), title)


def export_comparison(prepared, results_a, results_b, out_path: str | Path, *,
                      sources: Sequence[str | Path] | None = None, progress=None, cancelled=None,
                      exported_at: _dt.datetime | None = None) -> ExportInfo:
    """Write two scenarios' results side by side, with differences (B − A), to `out_path` (.xlsx)."""
    steps = Steps(progress, cancelled)
    out_path = Path(out_path)
    if out_path.suffix.lower() != ".xlsx":
        raise OutputError(f"{out_path}: a comparison workbook is an .xlsx file; choose a name ending in .xlsx")
    A, B = results_a, results_b
    if list(A.plan_years) != list(B.plan_years):
        raise ValueError("the two results cover different plan years")
    if sources is None:
        sources = list(getattr(prepared.dataset, "sources", []) or [])
    name_a, name_b = A.scenario.name, B.scenario.name
    labels = list(A.year_labels)
    info = ExportInfo(path=out_path, sheets=list(SHEETS))
    count = [0]
    steps(0.0, "Preparing the comparison")
    with atomic_path(out_path) as tmp, scratch_dir(out_path) as scratch:
        # the writer's scratch files go beside the target, not to /tmp (docs/export.md)
        wb = xlsxwriter.Workbook(str(tmp), {**WORKBOOK_OPTIONS, "tmpdir": str(scratch)})
        try:
            fmt = make_formats(wb)
            ws = wb.add_worksheet("Summary")
            _summary(ws, fmt, prepared, A, B, sources, exported_at, labels, count)
            steps(0.2, "Funds")
            nan5 = np.full(5, np.nan)
            rows = []
            for name in _union(A.funds.names, B.funds.names):
                for measure, attr, num in (("Revenue", "revenue", "money"), ("Expenditure", "expenditure", "money"),
                                           ("Ending balance", "balance", "money"),
                                           ("Reserve ratio", "reserve_ratio", "percent"),
                                           ("Structural balance", "structural", "money")):
                    a = _rows(A.funds.names, getattr(A.funds, attr)).get(_key(name), nan5)
                    b = _rows(B.funds.names, getattr(B.funds, attr)).get(_key(name), nan5)
                    rows.append(([name, measure], a, b, num))
            _side_by_side(wb.add_worksheet("Funds"), fmt, labels, "Funds: scenario A and B", ["Fund", "Measure"],
                          rows, name_a, name_b, count)
            steps(0.4, "Departments")
            for sheet, attr, header in (("Departments", "by_department", "Department"),
                                        ("Account Classes", "by_account_class", "Account class")):
                ra, rb = getattr(A, attr), getattr(B, attr)
                da, db = _rows(ra.names, ra.scenario), _rows(rb.names, rb.scenario)
                rows = [([name], da.get(_key(name), np.zeros(5)), db.get(_key(name), np.zeros(5)), "money")
                        for name in _union(ra.names, rb.names)]
                _side_by_side(wb.add_worksheet(sheet), fmt, labels, f"Expenditure by {header.lower()}: A and B",
                              [header], rows, name_a, name_b, count)
            steps(0.6, "KPIs")
            _kpis(wb.add_worksheet("KPIs"), fmt, A, B, labels, name_a, name_b, count)
            steps(0.8, "Rules")
            for sheet, R in (("Rules A", A), ("Rules B", B)):
                write_scenario_rules(wb, fmt, prepared, R, sheet)
            steps(0.95, "Saving the workbook")
            wb.close()
        except BaseException:
            discard_workbook(wb)
            raise
    info.formula_cells = count[0]
    steps(1.0, "Done")
    return info


def _summary(ws, fmt, P, A, B, sources, exported_at, labels, count) -> None:
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 6, 16)
    ws.set_column(3, 3, 16)
    ws.write_string(0, 0, "Scenario comparison", fmt["title"])
    r = 2
    meta = [("Scenario A", A.scenario.name), ("Scenario B", B.scenario.name),
            ("Exported", now_text(exported_at)), ("Plan years", f"{labels[0]} to {labels[-1]}"),
            ("Baseline", P.baseline_source.describe())]
    r = write_summary_head(ws, fmt, r, meta, sources)
    ws.write_string(r, 0, "Plan score", fmt["subtitle"])
    r += 1
    for j, h in enumerate(["", ""] + labels):
        ws.write_string(r, j, h, fmt["header"])
    r += 1
    first = r
    for label, values in (("A", A.kpis.score), ("B", B.kpis.score)):
        ws.write_string(r, 0, label, fmt["label"])
        write_text(ws, r, 1, A.scenario.name if label == "A" else B.scenario.name)
        for t in range(5):
            write_num(ws, r, 2 + t, values[t], fmt["percent"])
        r += 1
    ws.write_string(r, 0, "Difference (B − A)", fmt["label"])
    for t in range(5):
        a, b = cell(first, 2 + t), cell(first + 1, 2 + t)
        ws.write_formula(r, 2 + t, f'=IF(OR({a}="",{b}=""),"",{b}-{a})', fmt["percent"],
                         formula_value(B.kpis.score[t] - A.kpis.score[t]))
        count[0] += 1
    r += 2
    for label, R in (("A", A), ("B", B)):
        ws.write_string(r, 0, f"Policy findings, {label}: {R.scenario.name}", fmt["subtitle"])
        r += 1
        if not R.findings:
            ws.write_string(r, 0, "none", fmt["muted"])
            r += 1
        for x in R.findings:
            write_text(ws, r, 0, x.fund)
            ws.write_string(r, 1, P.label(x.year) if x.year is not None else "every plan year")
            write_text(ws, r, 2, x.message)
            r += 1
        r += 1
    print_setup(ws, None, "Scenario comparison")
    ws.activate()


def _kpis(ws, fmt, A, B, labels, name_a, name_b, count) -> None:
    headers = ["KPI ID", "KPI", "Unit", "Fiscal year", "Target", "A", "B", "Difference", "A status", "B status"]
    widths = [10, 36, 10, 12, 13, 13, 13, 13, 12, 12]
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    ws.write_string(0, 0, "KPIs: scenario A and B", fmt["title"])
    ws.write_string(1, 0, f"A = {name_a}; B = {name_b}; Difference = B − A (formulas).", fmt["muted"])
    hr = 3
    for j, h in enumerate(headers):
        ws.write_string(hr, j, h, fmt["header"])
    kb = {_key(k): i for i, k in enumerate(B.kpis.ids)}
    r = hr + 1
    ka = A.kpis
    for i, kid in enumerate(ka.ids):
        j = kb.get(_key(kid))
        for t in range(5):
            write_text(ws, r, 0, kid)
            write_text(ws, r, 1, ka.names[i])
            write_text(ws, r, 2, ka.units[i] or None)
            ws.write_string(r, 3, labels[t])
            write_num(ws, r, 4, ka.target[i, t], fmt["number"])
            a = ka.scenario[i, t]
            b = B.kpis.scenario[j, t] if j is not None else np.nan
            write_num(ws, r, 5, a, fmt["number"])
            write_num(ws, r, 6, b, fmt["number"])
            ws.write_formula(r, 7, f'=IF(OR({cell(r, 5)}="",{cell(r, 6)}=""),"",{cell(r, 6)}-{cell(r, 5)})',
                             fmt["number"], formula_value(b - a))
            count[0] += 1
            ws.write_string(r, 8, kpi_status(bool(ka.has_target[i, t]), bool(ka.met[i, t])))
            if j is not None:
                ws.write_string(r, 9, kpi_status(bool(B.kpis.has_target[j, t]), bool(B.kpis.met[j, t])))
            r += 1
    last = max(r - 1, hr + 1)
    for col in (8, 9):
        rng = f"{cell(hr + 1, col)}:{cell(last, col)}"
        ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": '"Off target"', "format": fmt["bad"]})
        ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": '"Met"', "format": fmt["good"]})
    ws.freeze_panes(hr + 1, 2)
    ws.autofilter(hr, 0, last, len(headers) - 1)
    print_setup(ws, (hr, hr), "KPIs: scenario A and B")

"""The KPIs sheet: one row per KPI and plan year (baseline, scenario, band, target, status), and
which KPIs matter most (the Charts sheet draws those)."""

from __future__ import annotations

import numpy as np

from ._common import cell, print_setup, write_num, write_text
from .workbook_layout import Layout

MAX_KPI_CHARTS = 8

KPI_HEADERS = ["KPI ID", "KPI", "Unit", "Direction", "Weight", "Fiscal year", "Baseline", "Scenario", "Low", "High",
               "Target", "Status", "Baseline status"]


def kpi_status(has: bool, met: bool) -> str:
    return ("Met" if met else "Off target") if has else "No target"


def write_kpis(ws, fmt, L: Layout, R) -> dict[int, int]:
    """One row per KPI and plan year; returns the first row of each KPI (for the charts)."""
    k = R.kpis
    widths = [10, 36, 10, 16, 8, 12, 13, 13, 13, 13, 13, 12, 14]
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    ws.set_column(6, 10, 13, fmt["number"])
    for j, h in enumerate(KPI_HEADERS):
        ws.write_string(0, j, h, fmt["header"])
    first_rows = {}
    r = 1
    for i, kid in enumerate(k.ids):
        first_rows[i] = r
        for t in range(5):
            write_text(ws, r, 0, kid)
            write_text(ws, r, 1, k.names[i])
            write_text(ws, r, 2, k.units[i] or None)
            ws.write_string(r, 3, "Higher is better" if k.direction[i] > 0 else "Lower is better")
            write_num(ws, r, 4, k.weight[i], fmt["number"])
            ws.write_string(r, 5, L.labels[t])
            for j, arr in enumerate((k.baseline, k.scenario, k.low, k.high, k.target)):
                write_num(ws, r, 6 + j, arr[i, t])
            ws.write_string(r, 11, kpi_status(bool(k.has_target[i, t]), bool(k.met[i, t])))
            ws.write_string(r, 12, kpi_status(bool(k.has_target[i, t]), bool(k.baseline_met[i, t])))
            r += 1
    last = max(r - 1, 1)
    for col in (11, 12):
        rng = f"{cell(1, col)}:{cell(last, col)}"
        ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": '"Off target"', "format": fmt["bad"]})
        ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": '"Met"', "format": fmt["good"]})
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, last, len(KPI_HEADERS) - 1)
    print_setup(ws, (0, 0), "KPIs: baseline, scenario, band and target")
    return first_rows


def important_kpis(R, limit: int = MAX_KPI_CHARTS) -> list[int]:
    """The KPIs to chart: off target in some plan year first, then by weight (KPI × goal), then order."""
    k = R.kpis
    off = (k.has_target & ~k.met).any(axis=1) if len(k.ids) else np.zeros(0, dtype=bool)
    order = sorted(range(len(k.ids)), key=lambda i: (not bool(off[i]), -float(k.weight[i]), i))
    return order[:limit]


"""The Charts sheet: ending fund balances (from the Funds sheet) and the most important KPIs (from
the KPIs sheet), as live Excel charts over those sheets' cells."""

from __future__ import annotations

import numpy as np

from ._common import cell, set_literal_title, sheet_ref
from .kpis_sheet import important_kpis
from .workbook_layout import FUNDS_FIRST_YEAR_COL, FUNDS_HEADER_ROW, FUNDS_SHEET, KPI_SHEET, Layout

MAX_FUND_SERIES = 12


def write_charts(wb, ws, fmt, L: Layout, R, kpi_rows: dict[int, int], fund_names: list[str]) -> None:
    ws.write_string(0, 0, "Charts", fmt["title"])
    ws.write_string(1, 0, "Fund balances (Funds sheet) and the most important KPIs: off target first, then by "
                          "weight (KPIs sheet). The charts follow the sheets they read.", fmt["muted"])
    ks = sheet_ref(KPI_SHEET)
    fs = sheet_ref(FUNDS_SHEET)
    charts = []
    F = R.funds
    if fund_names and F.checked.any():  # funds without revenue data have no balance to draw
        size = np.abs(np.asarray(F.expenditure)).sum(axis=1)
        top = sorted([f for f in np.argsort(-size, kind="stable").tolist() if F.checked[f]][:MAX_FUND_SERIES])
        chart = wb.add_chart({"type": "line"})
        hr = FUNDS_HEADER_ROW
        fy = FUNDS_FIRST_YEAR_COL
        for f in top:
            r = L.fund_row(f, "Ending balance")
            chart.add_series({
                "name": f"={fs}!{cell(r, 0, True, True)}",
                "categories": f"={fs}!{cell(hr, fy, True, True)}:{cell(hr, fy + 4, True, True)}",
                "values": f"={fs}!{cell(r, fy, True, True)}:{cell(r, fy + 4, True, True)}",
                "marker": {"type": "circle", "size": 5},
            })
        chart.set_title({"name": "Ending fund balance by fund"})
        chart.set_y_axis({"num_format": '"$"#,##0,,"M"', "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom"})
        charts.append(chart)
    k = R.kpis
    for i in important_kpis(R):
        r0 = kpi_rows[i]
        r1 = r0 + 4
        rng = lambda c: f"={ks}!{cell(r0, c, True, True)}:{cell(r1, c, True, True)}"  # noqa: E731
        chart = wb.add_chart({"type": "line"})
        series = [("Scenario", 7, {"color": "#1F4E79", "width": 2.5}), ("Baseline", 6, {"color": "#7F7F7F"}),
                  ("Low", 8, {"color": "#9DC3E6", "dash_type": "dash"}),
                  ("High", 9, {"color": "#9DC3E6", "dash_type": "dash"})]
        if k.has_target[i].any():
            series.append(("Target", 10, {"color": "#C00000", "dash_type": "round_dot", "width": 2}))
        for name, c, line in series:
            chart.add_series({"name": name, "categories": rng(5), "values": rng(c), "line": line,
                              "marker": {"type": "none"} if name in ("Low", "High") else
                              {"type": "circle", "size": 4}})
        unit = f" ({k.units[i]})" if k.units[i] else ""
        set_literal_title(chart, f"{k.ids[i]} {k.names[i]}{unit}"[:250], name_font={"size": 11})
        chart.set_legend({"position": "bottom"})
        charts.append(chart)
    for j, chart in enumerate(charts):
        chart.set_size({"width": 560, "height": 300})
        row = 3 + (j // 2) * 16
        col = 0 if j % 2 == 0 else 9
        ws.insert_chart(row, col, chart)
    ws.set_landscape()
    ws.set_paper(1)
    ws.fit_to_pages(1, 0)

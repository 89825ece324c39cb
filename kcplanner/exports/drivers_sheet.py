"""The Drivers sheet of the scenario workbook: the elasticities the scenario's KPI figures rest on,
and where each came from (SPEC "Evidence for the drivers": "the Drivers sheet written by an export
records where each value came from").

One row per driver, in the Drivers sheet's order.  Elasticity / low / high are the values in effect
for this scenario: the plan's, or the scenario's driver override ("Use the estimate").  Source says
which: `entered`, or `estimated (9 years, FY2015-16–FY2024-25)` with `, pooled within goal` when
the pooled value was used.  The plan's own values stay beside them (Entered …) so a reader sees what
changed.  Values only: the KPI model is not spreadsheet arithmetic.
"""

from __future__ import annotations

import numpy as np

from ..engine.driver_values import driver_elasticities
from ._common import print_setup, write_num, write_text

DRIVERS_SHEET = "Drivers"
DRIVER_HEADERS = ["KPI ID", "KPI", "Department", "Program", "Lag", "Max effect %", "Elasticity", "Elasticity low",
                  "Elasticity high", "Source", "Entered elasticity", "Entered low", "Entered high"]
SOURCE_COLUMN = DRIVER_HEADERS.index("Source")
ENTERED = "entered"


def driver_sources(P, scenario) -> list[str]:
    """`entered` or the override's `estimated (…)` text, per driver of `P` (its calendar's year labels)."""
    values = driver_elasticities(P, scenario.driver_overrides)
    overrides = scenario.driver_overrides
    return [ENTERED if i < 0 else overrides[i].source_text(P.label) for i in values.override.tolist()]


def write_drivers(ws, fmt, P, R) -> None:
    """The Drivers sheet (rows top to bottom, constant_memory friendly)."""
    values = driver_elasticities(P, R.scenario.driver_overrides)
    sources = driver_sources(P, R.scenario)
    names = P.names
    widths = [10, 36, 24, 26, 6, 12, 11, 14, 15, 44, 17, 12, 12]
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    for j, h in enumerate(DRIVER_HEADERS):
        ws.write_string(0, j, h, fmt["header"])
    for d in range(len(P.drv_kpi)):
        r = d + 1
        k = int(P.drv_kpi[d])
        write_text(ws, r, 0, names["driver_kpis"][d])
        write_text(ws, r, 1, P.kpi_names[k] or None)
        write_text(ws, r, 2, names["driver_departments"][d])
        write_text(ws, r, 3, names["driver_programs"][d] or "(whole department)")
        ws.write_number(r, 4, int(P.drv_lag[d]))
        cap = P.drv_cap[d]
        if not np.isnan(cap):
            write_num(ws, r, 5, cap * 100.0, fmt["number"])
        for j in range(3):
            write_num(ws, r, 6 + j, values.el[j, d])
        write_text(ws, r, SOURCE_COLUMN, sources[d], None if values.override[d] < 0 else fmt["label"])
        for j in range(3):
            write_num(ws, r, 10 + j, P.drv_el[j, d])
    last = max(len(P.drv_kpi), 1)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, last, len(DRIVER_HEADERS) - 1)
    print_setup(ws, (0, 0), "Drivers: the elasticities in effect and where they came from")

"""The Rules sheet's "Driver overrides" table: the scenario's estimated elasticities, so that a
scenario workbook still reads back into the exact same scenario (docs/export.md, "Round trip").

Written after the funded requests, only when the scenario has overrides (a scenario without them
writes the Rules sheet it always did):

    Driver overrides (Use the estimate)
    Order | KPI ID | Department | Program | Elasticity | Elasticity low | Elasticity high | Source |
    n (years) | First FY | Last FY | Pooled | Values (exact)

`Values (exact)` holds the three numbers as Python writes them (a workbook keeps 15–16 digits); it
wins only while it agrees with the visible numbers (nobody edited them).
"""

from __future__ import annotations

import math
from typing import Any

from ..driver_overrides import OverrideError, override_from_dict
from ..scenario import ScenarioError

OVERRIDES_TITLE = "Driver overrides (Use the estimate)"
OVERRIDE_HEADERS = ["Order", "KPI ID", "Department", "Program", "Elasticity", "Elasticity low", "Elasticity high",
                    "Source", "n (years)", "First FY", "Last FY", "Pooled", "Values (exact)"]


def write_overrides(ws, fmt, r: int, scenario, label) -> int:
    """Write the table from row `r` (after a blank row); returns the next free row.  Nothing when
    the scenario overrides no driver."""
    if not scenario.driver_overrides:
        return r
    r += 1
    ws.write_string(r, 0, OVERRIDES_TITLE, fmt["subtitle"])
    r += 1
    for j, h in enumerate(OVERRIDE_HEADERS):
        ws.write_string(r, j, h, fmt["header"])
    r += 1
    for i, o in enumerate(scenario.driver_overrides):
        ws.write_number(r, 0, i + 1)
        ws.write_string(r, 1, o.kpi)
        ws.write_string(r, 2, o.department)
        if o.program:
            ws.write_string(r, 3, o.program)
        for j, v in enumerate((o.elasticity, o.low, o.high)):
            ws.write_number(r, 4 + j, v)
        ws.write_string(r, 7, o.source_text(label))
        ws.write_number(r, 8, o.n)
        for j, y in enumerate((o.first_year, o.last_year)):
            if y is not None:
                ws.write_number(r, 9 + j, y, fmt["year"])
        ws.write_string(r, 11, "Y" if o.pooled else "N")
        ws.write_string(r, 12, " ".join(repr(v) for v in (o.elasticity, o.low, o.high)))
        r += 1
    return r


def _exact(shown: Any, exact: str | None) -> Any:
    if not isinstance(shown, (int, float)) or isinstance(shown, bool) or not exact:
        return shown
    try:
        e = float(exact)
    except ValueError:
        return shown
    v = float(shown)
    return e if math.isfinite(e) and abs(e - v) <= 1e-13 * max(abs(e), abs(v)) else v


def _int(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def read_overrides(rows: list[list], start: int, where0: str, year) -> list[dict]:
    """The driver overrides of the table whose header is found at or after row `start` (none when
    there is no table), as scenario JSON objects; ScenarioError naming the row when one is bad.
    `year(value, where)` reads a fiscal year cell."""
    h = next((r for r in range(start, len(rows)) if len(rows[r]) >= 2
              and [" ".join(str(v).split()).casefold() for v in rows[r][:2]] == ["order", "kpi id"]), None)
    if h is None:
        return []
    out = []
    r = h + 1
    while r < len(rows) and len(rows[r]) > 1 and rows[r][1] not in (None, ""):
        row = list(rows[r]) + [None] * (len(OVERRIDE_HEADERS) - len(rows[r]))
        where = f"{where0}, row {r + 1}"
        exact = str(row[12]).split() if isinstance(row[12], str) else []
        exact += [None] * (3 - len(exact))
        pooled = str(row[11] or "N").strip().upper()
        data = {"kpi": row[1], "department": row[2], "program": row[3] if row[3] not in (None, "") else None,
                "elasticity": _exact(row[4], exact[0]), "low": _exact(row[5], exact[1]),
                "high": _exact(row[6], exact[2]), "source": "estimated", "n": _int(row[8] if row[8] is not None else 0),
                "first_year": year(row[9], f"{where}, First FY"), "last_year": year(row[10], f"{where}, Last FY"),
                "pooled": pooled in ("Y", "YES", "TRUE")}
        try:
            out.append(override_from_dict(data, where).to_dict())
        except OverrideError as exc:
            raise ScenarioError(str(exc).replace(f"{where}.", f"{where}, ")) from None
        r += 1
    return out

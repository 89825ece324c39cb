"""The Line Items and Revenue sheets: the engine's figures as values, one row per line (budget
lines, then the funded requests) and per revenue line.  The other sheets' formulas sum these.
Line rows go straight from numpy arrays, a chunk at a time (constant_memory)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import Steps, print_setup, write_text
from .workbook_layout import LI_FIRST_AMOUNT, LINE_KEY_HEADERS, REV_FIRST_AMOUNT, REV_KEY_HEADERS, Layout

PROGRESS_EVERY = 5000


def line_arrays(P, R) -> dict[str, Any]:
    """Every Line Items column as a Python list (budget lines, then the funded request lines)."""
    base, scen = R.line_amounts()
    g = P.line_group
    names = lambda vocab: np.array(list(vocab.names) + [None], dtype=object)  # noqa: E731
    li = P.dataset.budget.line_items

    def col(name: str, n: int) -> np.ndarray:
        if name in li.columns:
            return li[name].to_numpy(dtype=object, na_value=None)
        return np.full(n, None, dtype=object)

    n = P.n_lines
    keys = [
        names(P.funds)[P.g_fund[g]], names(P.departments)[P.g_dept[g]], names(P.programs)[P.g_prog[g]],
        col("account", n), names(P.classes)[P.g_class[g]], np.where(P.line_recurring, "Y", "N").astype(object),
        np.full(n, "Budget", dtype=object), np.full(n, None, dtype=object),
        col("source_file", n), col("source_sheet", n), col("source_row", n),
    ]
    q = R.requests
    nq = len(q.ids)
    req_src = {}
    rq = P.dataset.budget.requests
    if nq and "request_id" in rq.columns:
        ids = rq["request_id"].astype(object).tolist()
        srcs = [rq[c].to_numpy(dtype=object, na_value=None) if c in rq.columns else [None] * len(rq)
                for c in ("source_file", "source_sheet", "source_row")]
        for j, rid in enumerate(ids):
            req_src.setdefault(str(rid).strip().casefold(), tuple(s[j] for s in srcs))
    req_keys = [q.funds, q.departments, q.programs, [f"Request: {t}" if t else "Request" for t in q.titles],
                q.account_classes, ["Y" if r else "N" for r in np.asarray(q.recurring).tolist()], ["Request"] * nq,
                list(q.ids)]
    for k in range(3):
        req_keys.append([req_src.get(str(i).strip().casefold(), (None, None, None))[k] for i in q.ids])
    key_lists = [list(a.tolist()) + list(b) for a, b in zip(keys, req_keys)]
    # source rows as ints (they come back from pandas as numpy ints or floats)
    key_lists[10] = [int(v) if v is not None and v == v else None for v in key_lists[10]]
    costs = np.asarray(q.costs, dtype=float).reshape(nq, len(R.plan_years))
    ny = len(R.plan_years)
    nums = np.zeros((n + nq, 3 * ny))  # Baseline | Scenario | Change; request lines have no baseline
    nums[:n, :ny] = base
    nums[:n, ny:2 * ny] = scen
    nums[n:, ny:2 * ny] = costs
    np.subtract(nums[:, ny:2 * ny], nums[:, :ny], out=nums[:, 2 * ny:])
    return {"keys": key_lists, "nums": nums, "n": n + nq, "n_requests": nq}



# -- Line Items ------------------------------------------------------------------------------------

def line_items_frame(ws, fmt, L: Layout, n: int) -> list[str]:
    """Everything of the Line Items sheet but its rows: columns, header, panes, filter, printing.
    Both writers use it (the rows: below, or kcplanner.exports.line_items_bulk).  Returns the headers."""
    headers = LINE_KEY_HEADERS + [f"{k} {lab}" for k in ("Baseline", "Scenario", "Change") for lab in L.labels]
    widths = [12, 22, 24, 28, 20, 9, 9, 12, 18, 12, 9]
    for j, w in enumerate(widths):
        ws.set_column(j, j, w, fmt["int"] if j == 10 else None)
    ws.set_column(LI_FIRST_AMOUNT, LI_FIRST_AMOUNT + 14, 16, fmt["money"])
    ws.set_row(0, 32)
    for j, h in enumerate(headers):
        ws.write_string(0, j, h, fmt["header"])
    ws.freeze_panes(1, 3)
    ws.autofilter(0, 0, max(n, 1), len(headers) - 1)
    print_setup(ws, (0, 0), "Line items: baseline and scenario")
    return headers


def write_line_items(ws, fmt, L: Layout, lines, steps: Steps) -> None:
    """The rows through xlsxwriter (`export_scenario(..., writer="xlsxwriter")`, the benchmark's
    baseline): two `write_row` calls a line."""
    n = lines["n"]
    line_items_frame(ws, fmt, L, n)
    keys = lines["keys"]
    nums = lines["nums"]
    write_row = ws.write_row
    # Numbers go to Python floats a chunk at a time (all at once would hold ~25 bytes per cell).
    for a in range(0, n, PROGRESS_EVERY):
        b = min(a + PROGRESS_EVERY, n)
        rows = zip(zip(*(k[a:b] for k in keys)), nums[a:b].tolist())
        for r, (key, num) in enumerate(rows, start=a + 1):
            write_row(r, 0, key)
            write_row(r, LI_FIRST_AMOUNT, num)
        steps(0.05 + 0.75 * b / max(n, 1), f"Writing line items ({b:,} of {n:,})")


# -- Revenue -----------------------------------------------------------------------------------------

def write_revenue(ws, fmt, L: Layout, rev) -> None:
    headers = REV_KEY_HEADERS + [f"{k} {lab}" for k in ("Baseline", "Scenario", "Change") for lab in L.labels]
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 28)
    ws.set_column(2, 2, 9)
    ws.set_column(REV_FIRST_AMOUNT, REV_FIRST_AMOUNT + 14, 16, fmt["money"])
    ws.set_row(0, 32)
    for j, h in enumerate(headers):
        ws.write_string(0, j, h, fmt["header"])
    base = np.asarray(rev.baseline, dtype=float).reshape(len(rev.funds), 5)
    scen = np.asarray(rev.scenario, dtype=float).reshape(len(rev.funds), 5)
    nums = np.hstack([base, scen, scen - base]).tolist()
    rec = np.asarray(rev.recurring).tolist()
    for r, (f, s, rc, num) in enumerate(zip(rev.funds, rev.sources, rec, nums), start=1):
        write_text(ws, r, 0, f)
        write_text(ws, r, 1, s)
        ws.write_string(r, 2, "Y" if rc else "N")
        ws.write_row(r, REV_FIRST_AMOUNT, num)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(rev.funds), 1), len(headers) - 1)
    print_setup(ws, (0, 0), "Revenue: baseline and scenario")

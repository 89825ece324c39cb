"""The Line Items rows as sheet XML straight from the engine's arrays (the default writer).

The same cells as `line_items_sheet.write_line_items` (budget lines, then the funded requests;
keys as text, source rows as whole numbers, Baseline / Scenario / Change per plan year in the
currency format), built by `sheet_xml` a chunk of rows at a time and spliced into the workbook by
`bulk_zip`.  Names come as codes into the engine's vocabularies, so each distinct name is escaped
once; nothing here holds a Python object per line.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

from ._common import Steps
from .sheet_xml import (NO_VALUE, Column, Lazy, NumberColumn, TextColumn, coded_column, row_bytes_bound, rows_xml,
                        text_column)

#: Rows formatted at a time: big enough that numpy's per-chunk work is small, small enough
#: that a chunk's strings stay a few MB.
CHUNK_ROWS = 4000


def _no_text(n: int) -> TextColumn:
    return TextColumn(Lazy(n, lambda a, b: np.full(b - a, -1, dtype=np.int32)), np.array([NO_VALUE], dtype=object))


def _frame_text(frame: pd.DataFrame, name: str, n: int) -> TextColumn:
    return text_column(frame[name]) if name in frame.columns else _no_text(n)


def _frame_rows(frame: pd.DataFrame, n: int, style: int) -> NumberColumn:
    """Source rows as numbers (no value where there is none), like the xlsxwriter writer's int()."""
    if "source_row" not in frame.columns:
        return NumberColumn(Lazy(n, lambda a, b: np.full(b - a, np.nan)), style)
    rows = frame["source_row"]
    return NumberColumn(Lazy(n, lambda a, b: np.trunc(pd.to_numeric(rows.iloc[a:b], errors="coerce")
                                                      .to_numpy(dtype=float, na_value=np.nan))), style)


def _amounts(base: np.ndarray, scen: np.ndarray, style: int) -> list[Column]:
    """Baseline, Scenario, Change per plan year (Change = Scenario − Baseline, a chunk at a time)."""
    ny = base.shape[1]
    change = [Lazy(len(base), lambda a, b, t=t: scen[a:b, t] - base[a:b, t]) for t in range(ny)]
    return [NumberColumn(v, style) for v in [base[:, t] for t in range(ny)] + [scen[:, t] for t in range(ny)] + change]


def _by_group(codes: np.ndarray, group: np.ndarray) -> Lazy:
    """A line's code (fund, department, …) from its group's, looked up a chunk at a time."""
    return Lazy(len(group), lambda a, b: codes[group[a:b]])


def line_blocks(P, R, money: int, whole: int) -> list[list[Column]]:
    """The Line Items columns in two blocks of rows: the budget lines, then the funded requests.
    `money` and `whole` are the xf indices of the currency and whole-number formats."""
    base, scen = R.line_amounts()
    g = P.line_group
    li = P.dataset.budget.line_items
    n = P.n_lines
    recurring = P.line_recurring
    budget: list[Column] = [
        coded_column(_by_group(P.g_fund, g), P.funds.names), coded_column(_by_group(P.g_dept, g), P.departments.names),
        coded_column(_by_group(P.g_prog, g), P.programs.names), _frame_text(li, "account", n),
        coded_column(_by_group(P.g_class, g), P.classes.names),
        coded_column(Lazy(n, lambda a, b: np.where(recurring[a:b], 0, 1)), ["Y", "N"]),
        coded_column(Lazy(n, lambda a, b: np.zeros(b - a, dtype=np.int32)), ["Budget"]),
        _no_text(n), _frame_text(li, "source_file", n), _frame_text(li, "source_sheet", n), _frame_rows(li, n, whole),
    ] + _amounts(base, scen, money)
    return [budget, _request_block(P, R, money, whole)]


def _request_block(P, R, money: int, whole: int) -> list[Column]:
    """The funded requests as lines: `Line` = Request, their ID, `Account` = "Request: title",
    their source row in the Requests sheet; no baseline."""
    q = R.requests
    nq, ny = len(q.ids), len(R.plan_years)
    ids = [str(i).strip().casefold() for i in q.ids]  # requests are few: plain lists are fine
    rq = P.dataset.budget.requests
    src = pd.DataFrame(index=range(nq))
    if nq and "request_id" in rq.columns:
        firsts = rq.assign(_key=rq["request_id"].astype(str).str.strip().str.casefold()).drop_duplicates("_key")
        src = firsts.set_index("_key").reindex(ids).reset_index(drop=True)
    costs = np.asarray(q.costs, dtype=float).reshape(nq, ny)
    return [
        text_column(list(q.funds)), text_column(list(q.departments)), text_column(list(q.programs)),
        text_column([f"Request: {t}" if t else "Request" for t in q.titles]), text_column(list(q.account_classes)),
        coded_column(np.where(np.asarray(q.recurring, dtype=bool), 0, 1), ["Y", "N"]),
        coded_column(np.zeros(nq, dtype=np.int32), ["Request"]), text_column(list(q.ids)),
        _frame_text(src, "source_file", nq), _frame_text(src, "source_sheet", nq), _frame_rows(src, nq, whole),
    ] + _amounts(np.zeros((nq, ny)), costs, money)


def rows_bytes_bound(blocks: list[list[Column]]) -> int:
    """At most how many bytes of XML the rows of `blocks` take."""
    return sum(len(cols[0]) * row_bytes_bound(cols) for cols in blocks)


def line_rows(blocks: list[list[Column]], steps: Steps, lo: float, hi: float) -> Iterator[bytes]:
    """The `<row>` elements of every block (sheet row 2 on), UTF-8, a chunk at a time; reports
    progress from `lo` to `hi` and stops when cancelled."""
    total = sum(len(cols[0]) for cols in blocks)
    done, first = 0, 2
    for cols in blocks:
        n = len(cols[0])
        for a in range(0, n, CHUNK_ROWS):
            b = min(a + CHUNK_ROWS, n)
            yield rows_xml(cols, a, b, first + a).encode("utf-8")
            done += b - a
            steps(lo + (hi - lo) * done / max(total, 1), f"Writing line items ({done:,} of {total:,})")
        first += n

"""A department's tables as rows (one a request, one a position) so that row-level security can
see each row's department, and back to the dataset's frames with the dtypes they had.

The frames' dtypes (categories and their order, `str`, floats) are kept from the empty
"template" of each frame, stored with the project; values the template's categories lack are
appended, so a frame read back from unchanged rows equals the one loaded."""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np
import pandas as pd

REQUEST_FIELDS = ["request_id", "department", "program", "fund", "title", "type", "account_class", "recurring",
                  "fte", "justification", "kpi_id", "rank", "source_file", "source_sheet", "source_row"]
#: the Positions frame's columns and the table's (`position` is the title of the position)
POSITION_FIELDS = {"department": "department", "program": "program", "position": "title", "fte": "fte",
                   "cost_per_fte": "cost_per_fte"}
ROW_TABLES = ("budget.requests", "budget.request_costs", "budget.positions")


def plain(value: Any) -> Any:
    """A cell as a plain Python value for the database (NaN, NA and NaT → None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value if isinstance(value, (str, bool, int, float)) else str(value)


def request_rows(requests: pd.DataFrame, costs: pd.DataFrame) -> list[dict]:
    """One dict a request: its fields, `costs` {"2027": amount or None} ({} without a costs row), `row_order`."""
    by_id = {str(rid): i for i, rid in enumerate(costs.index)}
    out = []
    for order, record in enumerate(requests.to_dict("records")):
        row = {f: plain(record.get(f)) for f in REQUEST_FIELDS}
        row["request_id"] = str(row["request_id"])
        i = by_id.get(row["request_id"])
        row["costs"] = {} if i is None else {str(year): plain(costs.iat[i, j]) for j, year in enumerate(costs.columns)}
        row["row_order"] = order
        out.append(row)
    return out


def position_rows(positions: pd.DataFrame) -> list[dict]:
    out = []
    for order, record in enumerate(positions.to_dict("records")):
        row = {column: plain(record.get(field)) for field, column in POSITION_FIELDS.items()}
        row["row_order"] = order
        out.append(row)
    return out


def _column(values: list, like: pd.Series) -> pd.Series:
    """`values` with the template column's dtype (categories extended by new values, in order)."""
    dtype = like.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        known = list(dtype.categories)
        seen = set(known)
        extra = [v for v in dict.fromkeys(v for v in values if v is not None) if v not in seen]
        return pd.Series(pd.Categorical(values, categories=known + extra, ordered=dtype.ordered))
    try:
        return pd.Series(values, dtype=dtype)
    except (TypeError, ValueError):
        return pd.Series(values)


def _frame(columns: dict[str, list], template: pd.DataFrame) -> pd.DataFrame:
    data = {c: _column(columns.get(c, [None] * _length(columns)), template[c]) for c in template.columns}
    frame = pd.DataFrame(data, columns=template.columns)
    frame.index = pd.RangeIndex(len(frame))
    return frame


def _length(columns: dict[str, list]) -> int:
    return len(next(iter(columns.values()), []))


def requests_frames(rows: Iterable[dict], template: pd.DataFrame,
                    costs_template: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(budget.requests, budget.request_costs) from rows ordered as the frame was."""
    rows = list(rows)
    columns = {f: [r.get(f) for r in rows] for f in template.columns}
    requests = _frame(columns, template)
    years: list = list(costs_template.columns)
    for r in rows:
        for y in r["costs"]:
            label = int(y) if str(y).lstrip("-").isdigit() else y
            if label not in years:
                years.append(label)
    with_costs = [r for r in rows if r["costs"]]
    values = np.array([[_float(r["costs"].get(str(y))) for y in years] for r in with_costs], dtype=float)
    template_columns = costs_template.columns
    columns = pd.Index(years, dtype=template_columns.dtype if len(template_columns) else None)
    index = pd.Index([r["request_id"] for r in with_costs], name=costs_template.index.name,
                     dtype=costs_template.index.dtype)
    return requests, pd.DataFrame(values.reshape(len(with_costs), len(years)), columns=columns, index=index)


def _float(value) -> float:
    return math.nan if value is None else float(value)


def positions_frame(rows: Iterable[dict], template: pd.DataFrame) -> pd.DataFrame:
    rows = list(rows)
    columns = {field: [r.get(column) for r in rows] for field, column in POSITION_FIELDS.items()}
    return _frame(columns, template)


__all__ = ["request_rows", "position_rows", "requests_frames", "positions_frame", "REQUEST_FIELDS",
           "POSITION_FIELDS", "ROW_TABLES", "plain"]

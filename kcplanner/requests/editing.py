"""Editing requests in a dataset.

**Editing** is pure: every function takes a `Dataset` and returns a new one (the plan and the
line items are shared, only the requests tables are new), so the app can keep the old dataset
on its undo stack and wrap each call in a QUndoCommand:

    ds2 = add_request(ds, Request(request_id=new_request_id(ds), department="Police", ...))
    ds3, removed, index = remove_request(ds2, "REQ-NEW-001")    # undo: add_request(ds2', removed, index)
    ds4 = update_request(ds3, "REQ-POL-001", get_request(ds3, "REQ-POL-001").with_changes(rank=2))
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..dataset import REQUEST_COLUMNS, REQUEST_TYPES, SOURCE_COLUMNS, Dataset
from ..fiscal import parse_fiscal_year
from .keys import _key, _missing
from .records import Request, RequestError, _index_of, _record, new_request_id, validate_request

def _spelled(dataset: Dataset, column: str, value: str | None) -> str | None:
    """The existing spelling of a name (case-insensitive), else the name as given."""
    if value is None:
        return None
    key = _key(value)
    frames = [dataset.budget.requests, dataset.budget.line_items]
    if column == "kpi_id":
        frames = [dataset.budget.requests, dataset.plan.kpis]
    for frame in frames:
        if column in frame.columns:
            s = frame[column]
            values = s.cat.categories if isinstance(s.dtype, pd.CategoricalDtype) else pd.unique(s.dropna())
            for v in values:
                if not _missing(v) and _key(v) == key:
                    return str(v)
    return " ".join(str(value).split())

def _request_row(dataset: Dataset, r: Request) -> dict[str, Any]:
    rtype = next((t for t in REQUEST_TYPES if _key(t) == _key(r.type)), r.type)
    return {"request_id": r.request_id, "department": _spelled(dataset, "department", r.department),
            "program": _spelled(dataset, "program", r.program), "fund": _spelled(dataset, "fund", r.fund),
            "title": r.title, "type": rtype,
            "account_class": _spelled(dataset, "account_class", r.account_class or "Other"),
            "recurring": bool(r.recurring), "fte": float(r.fte), "justification": r.justification or "",
            "kpi_id": _spelled(dataset, "kpi_id", r.kpi_id) if r.kpi_id else None,
            "rank": np.nan if r.rank is None else float(r.rank),
            "source_file": None, "source_sheet": None, "source_row": np.nan}


def _with_tables(dataset: Dataset, requests: pd.DataFrame, costs: pd.DataFrame) -> Dataset:
    budget = replace(dataset.budget, requests=requests, request_costs=costs)
    return Dataset(plan=dataset.plan, budget=budget, sources=list(dataset.sources))


def _costs_with(dataset: Dataset, r: Request, replacing: str | None, index: int | None) -> pd.DataFrame:
    rc = dataset.budget.request_costs.copy()
    if replacing is not None:
        key = _key(replacing)
        keep = [i for i, v in enumerate(rc.index) if _key(v) != key]
        rc = rc.iloc[keep]
    col_of = {}
    for c in rc.columns:
        y = parse_fiscal_year(c)
        if y is not None:
            col_of.setdefault(int(y), c)
    for y in sorted(r.cost_by_year):
        if y not in col_of:
            rc[y] = np.nan
            col_of[y] = y
    row = pd.DataFrame([[r.cost_by_year.get(int(parse_fiscal_year(c) or -1), np.nan)
                         if parse_fiscal_year(c) is not None else np.nan for c in rc.columns]],
                       columns=rc.columns, index=pd.Index([r.request_id], name=rc.index.name or "request_id"))
    row = row.astype(float)
    rc = rc.astype({c: float for c in rc.columns}) if len(rc.columns) else rc
    if len(rc) == 0:
        out = row
    else:
        pos = len(rc) if index is None else max(0, min(index, len(rc)))
        out = pd.concat([rc.iloc[:pos], row, rc.iloc[pos:]])
    years = [c for c in out.columns if parse_fiscal_year(c) is not None]
    others = [c for c in out.columns if parse_fiscal_year(c) is None]
    out = out[sorted(years, key=lambda c: parse_fiscal_year(c)) + others]
    out.index.name = "request_id"
    return out


def add_request(dataset: Dataset, request: Request, index: int | None = None) -> Dataset:
    """A new dataset with `request` inserted at row `index` (default: at the end)."""
    problems = validate_request(dataset, request)
    if problems:
        raise RequestError("; ".join(problems))
    rq = dataset.budget.requests
    row = _request_row(dataset, request)
    cols = list(rq.columns) if len(rq.columns) else REQUEST_COLUMNS + SOURCE_COLUMNS
    new = rq.copy()
    pos = len(new) if index is None else max(0, min(int(index), len(new)))
    frame = pd.DataFrame([{c: row.get(c) for c in cols}], columns=cols)
    # keep categorical columns categorical: extend categories with any new name
    for c in cols:
        if c in new.columns and isinstance(new[c].dtype, pd.CategoricalDtype):
            v = frame.at[0, c]
            if v is not None and not _missing(v) and v not in new[c].cat.categories:
                new[c] = new[c].cat.add_categories([v])
            frame[c] = pd.Categorical([v], categories=new[c].cat.categories)
    parts = [p for p in (new.iloc[:pos], frame, new.iloc[pos:]) if len(p)]
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    for c in cols:
        if c in new.columns and isinstance(new[c].dtype, pd.CategoricalDtype) and \
                not isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = pd.Categorical(out[c], categories=new[c].cat.categories)
    if "recurring" in out.columns:
        out["recurring"] = out["recurring"].astype(bool)
    for c in ("fte", "rank", "source_row"):
        if c in out.columns:
            out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    costs = _costs_with(dataset, request, None, pos)
    return _with_tables(dataset, out, costs)


def remove_request(dataset: Dataset, request_id: str) -> tuple[Dataset, Request, int]:
    """(new dataset, the removed request, its row) — undo with `add_request(new, removed, row)`."""
    i = _index_of(dataset, request_id)
    if i is None:
        raise RequestError(f"no request with ID '{request_id}'")
    removed = _record(dataset, i)
    rq = dataset.budget.requests
    out = rq.drop(index=rq.index[i]).reset_index(drop=True)
    rc = dataset.budget.request_costs
    key = _key(request_id)
    rc = rc.iloc[[k for k, v in enumerate(rc.index) if _key(v) != key]].copy()
    return _with_tables(dataset, out, rc), removed, i


def update_request(dataset: Dataset, request_id: str, request: Request) -> Dataset:
    """A new dataset with request `request_id` replaced by `request` (same row; its ID may change)."""
    i = _index_of(dataset, request_id)
    if i is None:
        raise RequestError(f"no request with ID '{request_id}'")
    problems = validate_request(dataset, request, replacing=request_id)
    if problems:
        raise RequestError("; ".join(problems))
    if _key(request.request_id) != _key(request_id):
        clash = _index_of(dataset, request.request_id)
        if clash is not None:
            raise RequestError(f"request ID '{request.request_id}' is already used")
    smaller, _, row = remove_request(dataset, request_id)
    return add_request(smaller, request, row)


def duplicate_request(dataset: Dataset, request_id: str, new_id: str | None = None) -> tuple[Dataset, Request]:
    """(new dataset, the copy): the copy gets a new ID and `(copy)` in its title, right after the original."""
    i = _index_of(dataset, request_id)
    if i is None:
        raise RequestError(f"no request with ID '{request_id}'")
    original = _record(dataset, i)
    copy = replace(original, request_id=new_id or new_request_id(dataset), title=f"{original.title} (copy)")
    return add_request(dataset, copy, i + 1), copy


def rerank_requests(dataset: Dataset, ordered_ids: Sequence[str], start: int = 1) -> Dataset:
    """A new dataset where `ordered_ids` get ranks start, start+1, … in that order (others unchanged)."""
    rq = dataset.budget.requests.copy()
    if "rank" not in rq.columns:
        rq["rank"] = np.nan
    rank = rq["rank"].to_numpy(dtype=float, na_value=np.nan).copy()
    for n, rid in enumerate(ordered_ids):
        i = _index_of(dataset, rid)
        if i is None:
            raise RequestError(f"no request with ID '{rid}'")
        rank[i] = float(start + n)
    rq["rank"] = rank
    return _with_tables(dataset, rq, dataset.budget.request_costs.copy())


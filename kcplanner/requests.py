"""Requests (decision packages): their projected effect, and editing them in a dataset.

**Effect of a request** (docs/requests-and-optimizer.md).  Given a base scenario, the effect of
request R is the engine with R funded minus the engine without it:

    with    = evaluate(prepared, base.fund_request(R))     (or base itself when base funds R)
    without = evaluate(prepared, base.unfund_request(R))   (or base itself when base does not)
    effect  = with − without     (KPI paths, fund expenditure, balances, structural balance, score)

so the figures are exactly the difference of two engine runs, and the run that equals the base
is evaluated once for every request (n requests cost n + 1 evaluations).

**Editing** is pure: every function takes a `Dataset` and returns a new one (the plan and the
line items are shared, only the requests tables are new), so the app can keep the old dataset
on its undo stack and wrap each call in a QUndoCommand:

    ds2 = add_request(ds, Request(request_id=new_request_id(ds), department="Police", ...))
    ds3, removed, index = remove_request(ds2, "REQ-NEW-001")    # undo: add_request(ds2', removed, index)
    ds4 = update_request(ds3, "REQ-POL-001", get_request(ds3, "REQ-POL-001").with_changes(rank=2))
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .dataset import REQUEST_COLUMNS, REQUEST_TYPES, SOURCE_COLUMNS, Dataset
from .engine import Prepared, Results, evaluate
from .scenario import Scenario

NEW_ID_PREFIX = "REQ-NEW-"


def _key(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:
        return False


# =============================================================================================
# Request effects
# =============================================================================================

@dataclass
class RequestEffect:
    """The projected effect of funding one request on top of a base scenario (with − without).

    Arrays have one column per plan year.  KPI rows follow `kpi_ids` (the engine's KPI order),
    fund rows follow `fund_names`.
    """

    request_id: str
    title: str
    request_type: str
    department: str
    program: str
    fund: str
    recurring: bool
    funded_in_base: bool
    plan_years: list[int]
    year_labels: list[str]
    cost: np.ndarray                 # (5,) the request's line as the engine adds it (a Reduction negative)
    kpi_ids: list[str]
    kpi_names: list[str]
    kpi_direction: np.ndarray        # (kpis,) +1 higher is better, −1 lower is better
    kpi_without: np.ndarray          # (kpis, 5) scenario path without the request
    kpi_with: np.ndarray             # (kpis, 5) scenario path with the request
    kpi_delta: np.ndarray            # (kpis, 5) with − without
    kpi_target: np.ndarray           # (kpis, 5) NaN where none
    met_without: np.ndarray          # (kpis, 5) bool
    met_with: np.ndarray
    cost_per_unit: np.ndarray        # (kpis,) five-year cost / Σ_t improvement (NaN: no effect)
    fund_names: list[str]
    expenditure_delta: np.ndarray    # (funds, 5)
    balance_delta: np.ndarray        # (funds, 5)
    structural_delta: np.ndarray     # (funds, 5)
    reserve_ratio_with: np.ndarray   # (funds, 5)
    reserve_ratio_without: np.ndarray
    score_without: np.ndarray        # (5,)
    score_with: np.ndarray
    findings_added: list[str] = field(default_factory=list)    # policy findings only with the request
    findings_removed: list[str] = field(default_factory=list)  # findings the request clears

    @property
    def total_cost(self) -> float:
        return float(self.cost.sum())

    @property
    def score_delta(self) -> np.ndarray:
        return self.score_with - self.score_without

    @property
    def improvement(self) -> np.ndarray:
        """(kpis, 5) the KPI change in its good direction (positive = better)."""
        return self.kpi_direction[:, None] * self.kpi_delta

    def moved_kpis(self, rel_tol: float = 1e-12) -> list[int]:
        """Rows of the KPIs this request changes in some plan year."""
        scale = np.maximum(np.abs(self.kpi_without), 1e-300)
        moved = (np.abs(self.kpi_delta) > rel_tol * scale).any(axis=1)
        return [int(i) for i in np.flatnonzero(moved)]

    def kpi_frame(self) -> pd.DataFrame:
        cols = pd.Index(self.plan_years, name="fiscal_year")
        parts = {"without": self.kpi_without, "with": self.kpi_with, "delta": self.kpi_delta,
                 "target": self.kpi_target}
        return pd.concat({k: pd.DataFrame(v, index=pd.Index(self.kpi_ids, name="kpi_id"), columns=cols)
                          for k, v in parts.items()}, axis=1)

    def fund_frame(self) -> pd.DataFrame:
        cols = pd.Index(self.plan_years, name="fiscal_year")
        parts = {"expenditure": self.expenditure_delta, "balance": self.balance_delta,
                 "structural": self.structural_delta}
        return pd.concat({k: pd.DataFrame(v, index=pd.Index(self.fund_names, name="fund"), columns=cols)
                          for k, v in parts.items()}, axis=1)


def cost_per_unit(total_cost: float, improvement: np.ndarray) -> np.ndarray:
    """Five-year cost / Σ over plan years of the KPI improvement (cost per KPI unit-year).

    `improvement` is (kpis, 5) in each KPI's good direction.  NaN where the sum is 0; negative
    where the request makes the KPI worse (or saves money while improving it)."""
    s = np.asarray(improvement, dtype=float).sum(axis=1)
    scale = np.abs(improvement).sum(axis=1)
    ok = np.abs(s) > 1e-12 * np.maximum(scale, 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, total_cost / np.where(ok, s, 1.0), np.nan)


def _effect(P: Prepared, j: int, rid: str, base_funded: bool, with_r: Results, without_r: Results) -> RequestEffect:
    k, f = with_r.kpis, with_r.funds
    k0, f0 = without_r.kpis, without_r.funds
    names = P.names
    delta = k.scenario - k0.scenario
    cost = P.req_costs[j].copy()
    improvement = k.direction[:, None] * delta
    fw = {x.message for x in with_r.findings}
    fo = {x.message for x in without_r.findings}
    return RequestEffect(
        request_id=rid, title=P.request_titles[j], request_type=P.request_types[j],
        department=names["request_departments"][j], program=names["request_programs"][j],
        fund=names["request_funds"][j], recurring=bool(P.req_rec[j]), funded_in_base=base_funded,
        plan_years=list(with_r.plan_years), year_labels=list(with_r.year_labels), cost=cost,
        kpi_ids=list(k.ids), kpi_names=list(k.names), kpi_direction=np.asarray(k.direction, dtype=float),
        kpi_without=k0.scenario, kpi_with=k.scenario, kpi_delta=delta, kpi_target=k.target,
        met_without=k0.met, met_with=k.met,
        cost_per_unit=cost_per_unit(float(cost.sum()), improvement),
        fund_names=list(f.names), expenditure_delta=f.expenditure - f0.expenditure,
        balance_delta=f.balance - f0.balance, structural_delta=f.structural - f0.structural,
        reserve_ratio_with=f.reserve_ratio, reserve_ratio_without=f0.reserve_ratio,
        score_without=k0.score, score_with=k.score,
        findings_added=[x.message for x in with_r.findings if x.message not in fo],
        findings_removed=[x.message for x in without_r.findings if x.message not in fw])


def request_effects(prepared: Prepared, base_scenario: Scenario, request_ids: Iterable[str] | None = None,
                    base_results: Results | None = None, progress=None,
                    cancelled=None) -> list[RequestEffect]:
    """The effect of each request (default: every request in the dataset, in dataset order).

    One engine run for the base (pass `base_results` to reuse one) plus one per request.
    `progress(fraction, text)` and `cancelled() -> bool` are optional callbacks for a worker."""
    P = prepared
    ids = list(P.request_ids) if request_ids is None else [str(r) for r in request_ids]
    base = base_results if base_results is not None else evaluate(P, base_scenario)
    funded = {_key(r) for r in base_scenario.funded_requests}
    out: list[RequestEffect] = []
    for n, rid in enumerate(ids):
        if cancelled is not None and cancelled():
            break
        j = P.request_index.get(_key(rid))
        if j is None:
            raise KeyError(f"no request with ID '{rid}'")
        rid = P.request_ids[j]
        if _key(rid) in funded:
            other = evaluate(P, base_scenario.unfund_request(rid))
            out.append(_effect(P, j, rid, True, base, other))
        else:
            other = evaluate(P, base_scenario.fund_request(rid))
            out.append(_effect(P, j, rid, False, other, base))
        if progress is not None:
            progress((n + 1) / max(len(ids), 1), f"Request {rid}")
    return out


def request_effect(prepared: Prepared, base_scenario: Scenario, request_id: str) -> RequestEffect:
    return request_effects(prepared, base_scenario, [request_id])[0]


def effects_table(effects: Sequence[RequestEffect]) -> pd.DataFrame:
    """One row per request: cost by year, five-year cost, score change, KPIs moved (for a list view)."""
    rows = []
    for e in effects:
        row: dict[str, Any] = {"request_id": e.request_id, "title": e.title, "type": e.request_type,
                               "department": e.department, "program": e.program, "fund": e.fund,
                               "funded_in_base": e.funded_in_base}
        for t, y in enumerate(e.plan_years):
            row[f"cost {y}"] = e.cost[t]
        row["total_cost"] = e.total_cost
        with np.errstate(invalid="ignore"):
            row["score_change"] = float(np.nanmean(e.score_delta)) if np.isfinite(e.score_delta).any() else np.nan
        moved = e.moved_kpis()
        row["kpis_moved"] = ", ".join(e.kpi_ids[i] for i in moved)
        rows.append(row)
    return pd.DataFrame(rows)


# =============================================================================================
# Editing requests
# =============================================================================================

class RequestError(ValueError):
    """A request edit that cannot be made (duplicate or unknown ID, bad value); the message says why."""


@dataclass(frozen=True)
class Request:
    """One request as the app's form edits it (an immutable value).

    `costs` maps fiscal year → amount as entered (positive; a Reduction's amounts are savings).
    A year missing from `costs` is blank (0)."""

    request_id: str
    department: str
    program: str
    fund: str
    title: str
    type: str = "Enhancement"
    account_class: str = "Other"
    recurring: bool = True
    fte: float = 0.0
    justification: str = ""
    kpi_id: str | None = None
    rank: float | None = None
    costs: tuple[tuple[int, float], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.costs, Mapping):
            object.__setattr__(self, "costs", tuple(sorted((int(y), float(v)) for y, v in self.costs.items())))
        else:
            object.__setattr__(self, "costs", tuple(sorted((int(y), float(v)) for y, v in self.costs)))
        for name in ("request_id", "department", "program", "fund", "title"):
            object.__setattr__(self, name, " ".join(str(getattr(self, name) or "").split()))

    @property
    def cost_by_year(self) -> dict[int, float]:
        return dict(self.costs)

    def cost(self, year: int) -> float:
        return self.cost_by_year.get(int(year), 0.0)

    def with_changes(self, **changes: Any) -> "Request":
        return replace(self, **changes)

    def with_cost(self, year: int, amount: float | None) -> "Request":
        costs = self.cost_by_year
        if amount is None or _missing(amount):
            costs.pop(int(year), None)
        else:
            costs[int(year)] = float(amount)
        return replace(self, costs=tuple(sorted(costs.items())))


def request_records(dataset: Dataset) -> list[Request]:
    """Every request of the dataset as a `Request`, in table order."""
    rq = dataset.budget.requests
    return [_record(dataset, i) for i in range(len(rq))]


def _index_of(dataset: Dataset, request_id: str) -> int | None:
    rq = dataset.budget.requests
    if "request_id" not in rq.columns:
        return None
    key = _key(request_id)
    for i, v in enumerate(rq["request_id"].astype(object)):
        if not _missing(v) and _key(v) == key:
            return i
    return None


def _cost_row(dataset: Dataset, request_id: str) -> dict[int, float]:
    from .fiscal import parse_fiscal_year
    rc = dataset.budget.request_costs
    if not len(rc):
        return {}
    key = _key(request_id)
    pos = [i for i, v in enumerate(rc.index) if _key(v) == key]
    if not pos:
        return {}
    out = {}
    row = rc.iloc[pos[0]]
    for col, v in row.items():
        y = parse_fiscal_year(col)
        if y is not None and not _missing(v):
            try:
                out[int(y)] = float(v)
            except (TypeError, ValueError):
                continue
    return out


def _record(dataset: Dataset, i: int) -> Request:
    row = dataset.budget.requests.iloc[i]

    def text(col: str, default: str = "") -> str:
        v = row.get(col) if col in row.index else None
        return default if _missing(v) else str(v)

    def num(col: str) -> float | None:
        v = row.get(col) if col in row.index else None
        if _missing(v):
            return None
        try:
            return float(v)
        except (TypeError, ValueError):
            return None

    rec = row.get("recurring") if "recurring" in row.index else True
    rid = text("request_id")
    kpi = text("kpi_id") or None
    return Request(request_id=rid, department=text("department"), program=text("program"), fund=text("fund"),
                   title=text("title"), type=text("type", "Enhancement") or "Enhancement",
                   account_class=text("account_class", "Other") or "Other",
                   recurring=True if _missing(rec) else bool(rec), fte=num("fte") or 0.0,
                   justification=text("justification"), kpi_id=kpi, rank=num("rank"),
                   costs=tuple(sorted(_cost_row(dataset, rid).items())))


def get_request(dataset: Dataset, request_id: str) -> Request:
    i = _index_of(dataset, request_id)
    if i is None:
        raise RequestError(f"no request with ID '{request_id}'")
    return _record(dataset, i)


def new_request_id(dataset: Dataset, prefix: str = NEW_ID_PREFIX, taken: Iterable[str] = ()) -> str:
    """The next free ID `REQ-NEW-001`, `REQ-NEW-002`, … (case-insensitively unique)."""
    used = {_key(r.request_id) for r in request_records(dataset)} | {_key(t) for t in taken}
    pattern = re.compile(re.escape(prefix.casefold()) + r"(\d+)$")
    top = 0
    for u in used:
        m = pattern.match(u)
        if m:
            top = max(top, int(m.group(1)))
    n = top + 1
    while _key(f"{prefix}{n:03d}") in used:
        n += 1
    return f"{prefix}{n:03d}"


def validate_request(dataset: Dataset, request: Request, replacing: str | None = None) -> list[str]:
    """Problems that stop `request` from being added (or from replacing request `replacing`)."""
    out = []
    for name in ("request_id", "department", "program", "fund", "title"):
        if not getattr(request, name):
            out.append(f"{name.replace('_', ' ')}: required")
    if request.type not in REQUEST_TYPES and _key(request.type) not in {_key(t) for t in REQUEST_TYPES}:
        out.append(f"type: '{request.type}' is not one of {', '.join(REQUEST_TYPES)}")
    if request.request_id:
        clash = _index_of(dataset, request.request_id)
        if clash is not None and (replacing is None or _key(replacing) != _key(request.request_id)):
            out.append(f"request ID '{request.request_id}' is already used")
    for y, v in request.costs:
        if not math.isfinite(v):
            out.append(f"cost FY{y}: not a number")
    if not math.isfinite(request.fte):
        out.append("FTE: not a number")
    return out


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


def _set_cell(frame: pd.DataFrame, i: int, col: str, value: Any) -> None:
    s = frame[col]
    if isinstance(s.dtype, pd.CategoricalDtype) and value is not None and value not in s.cat.categories:
        frame[col] = s.cat.add_categories([value])
    frame.iloc[i, frame.columns.get_loc(col)] = value


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
    from .fiscal import parse_fiscal_year
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


def ranked(dataset: Dataset, department: str | None = None) -> list[Request]:
    """Requests (of one department, or all) in Rank order: rank ascending, blank ranks last, then table order."""
    recs = request_records(dataset)
    if department is not None:
        recs = [r for r in recs if _key(r.department) == _key(department)]
    order = sorted(range(len(recs)), key=lambda i: (recs[i].rank is None, recs[i].rank or 0.0, i))
    return [recs[i] for i in order]


__all__ = [
    "RequestEffect", "request_effects", "request_effect", "effects_table", "cost_per_unit",
    "Request", "RequestError", "request_records", "get_request", "new_request_id", "validate_request",
    "add_request", "remove_request", "update_request", "duplicate_request", "rerank_requests", "ranked",
    "NEW_ID_PREFIX",
]

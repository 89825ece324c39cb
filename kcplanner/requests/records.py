"""A request as the app's form edits it (an immutable `Request`): read from a dataset's request
tables, validated before an edit, listed in Rank order."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping

from ..dataset import REQUEST_TYPES, Dataset
from ..fiscal import parse_fiscal_year
from .keys import _key, _missing

NEW_ID_PREFIX = "REQ-NEW-"


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


def ranked(dataset: Dataset, department: str | None = None) -> list[Request]:
    """Requests (of one department, or all) in Rank order: rank ascending, blank ranks last, then table order."""
    recs = request_records(dataset)
    if department is not None:
        recs = [r for r in recs if _key(r.department) == _key(department)]
    order = sorted(range(len(recs)), key=lambda i: (recs[i].rank is None, recs[i].rank or 0.0, i))
    return [recs[i] for i in order]

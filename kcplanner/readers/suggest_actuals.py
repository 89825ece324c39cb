"""The mapping to propose for an ERP's export of the year in execution (`--table actuals`,
`revenue_actuals` or `kpi_actuals`): the key columns by their headers, the period column by its
values (the share of distinct cells that read as a period or a date), and the amount (a KPI's value)
as the most amount-like numeric column left.  Like every suggestion it is a proposal for a person
to check: `suggest-mapping` prints what it imports before anyone uses it."""

from __future__ import annotations

import numpy as np

from .. import values as V
from ..fiscal import FiscalCalendar
from ..periods import PeriodError, parse_period
from .mapping import Mapping

PERIOD_KEYS = ("fiscalperiod", "accountingperiod", "period", "postingdate", "gldate", "glperiod", "month", "date")
TEXT_FIELDS = {"actuals": ("fund", "department", "program", "account", "account_class"),
               "revenue_actuals": ("fund", "source"), "kpi_actuals": ("kpi_id",)}
AMOUNT_WORDS = ("amount", "amt", "actual", "dollar", "spent", "expense", "collected", "value", "result", "total")
NOT_AMOUNT_WORDS = ("code", "id", "number", "year", "fy", "key", "level", "period", "month", "no")


def period_share(profile) -> float:
    """The share of a column's distinct non-blank cells that read as periods (FY2027 P05, Q2, dates)."""
    calendar = FiscalCalendar()
    values = [v for v in dict.fromkeys(profile.values.tolist()) if v is not None and str(v).strip()][:200]
    if not values:
        return 0.0
    ok = 0
    for v in values:
        try:
            parse_period(v, calendar)
            ok += 1
        except (PeriodError, TypeError, ValueError):
            pass
    return ok / len(values)


def _amount(profiles, taken: set[int], rows: int):
    best, best_score = None, None
    for p in profiles:
        if p.j in taken or p.numeric < 0.9 or p.n < 0.5 * max(rows, 1):
            continue
        vals, _bad = V.parse_amounts(p.values)
        v = vals[~np.isnan(vals)]
        score = 3.0 * any(k in p.hk for k in AMOUNT_WORDS) - 3.0 * any(k in p.hk for k in NOT_AMOUNT_WORDS)
        score += float(len(v) > 0 and bool((v < 0).any() or (v != np.round(v)).any()))
        score += p.distinct / max(p.n, 1)
        if best_score is None or score > best_score:
            best, best_score = p, score
    return best


def suggest_actuals(m: Mapping, profiles, rows: int, table: str, why: dict[str, str], keys: dict, pick) -> None:
    """Fill `m` (an actuals, revenue_actuals or kpi_actuals mapping) and the reasons in `why`; `keys` are
    the header words of each field and `pick` the chooser of the line-item suggestion (readers/suggest.py)."""
    m.table = table
    taken: set[int] = set()
    scored = sorted(((period_share(p), -p.j, p) for p in profiles if p.n), key=lambda s: s[:2], reverse=True)
    named = pick(profiles, PERIOD_KEYS, taken, prefer_names=False)
    period = named if named is not None and period_share(named) >= 0.8 else \
        next((p for share, _j, p in scored if share >= 0.8), None)
    if period is not None:
        m.columns["period"] = period.header
        taken.add(period.j)
        why["period"] = f"the values of {period.header!r} read as periods or dates ({period_share(period):.0%})"
    for f in TEXT_FIELDS[table]:
        p = pick(profiles, keys[f], taken)
        if p is not None and (p.numeric < 0.5 or f == "kpi_id"):
            m.columns[f] = p.header
            taken.add(p.j)
            why[f] = f"the header {p.header!r}"
    amount = _amount(profiles, taken, rows)
    if amount is not None:
        m.amount = amount.header
        why["amount"] = f"{amount.header!r} is the most amount-like numeric column ({amount.numeric:.0%} numbers)"

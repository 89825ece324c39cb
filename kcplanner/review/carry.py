"""The review's fund balance change as the engine's carry-over (docs/model.md, "Review carry-over").

The engine (a layer below) may not call the review, so the caller that evaluates a scenario whose
`review_carry` is set first calls `ensure_carry(prepared, scenario)`: it runs the review through
that period once and stores the per-fund ΔBal in `prepared.carry_over[label]` (a `CarryOver`), which
`evaluate` reads.  The CLI's `run`/`export` and the app's live loop do this; any later evaluate of
the same prepared dataset and period (compare, the optimizer, request effects) reuses it.
"""

from __future__ import annotations

import numpy as np

from ..engine.carry import CarryOver, carry_year
from ..engine.preparation import Prepared
from ..periods import PeriodError, parse_period
from .core import Review, review


def carry_amounts(prepared: Prepared, label: str) -> CarryOver:
    """ΔBal_f of the review through `label` (`FY2026 P06`), by the prepared dataset's fund codes.

    ΔBal_f = (revenue projection − revenue budget) − (expenditure projection − expenditure budget),
    the review's `funds.balance_change`; 0 (and not covered) for a fund the review has no group of."""
    return carry_from_review(prepared, review(prepared.dataset, through=parse_period(label)), label)


def carry_from_review(prepared: Prepared, r: Review, label: str) -> CarryOver:
    """The CarryOver of a review already computed through `label` (the Review panel has one: it may
    store it with `prepared.carry_over[label] = carry_from_review(...)` and spare a second review)."""
    nf = len(prepared.funds)
    amounts, covered = np.zeros(nf), np.zeros(nf, dtype=bool)
    if r.fiscal_year is None or r.through is None or not len(r.funds):
        return CarryOver(label, amounts, covered, f"no spending or revenue actuals for {label}")
    codes = np.array([-1 if (c := prepared.funds.find(name)) is None else c for name in r.funds.index],
                     dtype=np.int64)
    change = r.funds["balance_change"].to_numpy(dtype=np.float64)
    known = codes >= 0
    np.add.at(amounts, codes[known], change[known])
    covered[codes[known]] = True
    amounts.flags.writeable = False
    return CarryOver(label, amounts, covered)


def ensure_carry(prepared: Prepared, scenario) -> CarryOver | None:
    """Compute (once per prepared dataset and period) the carry-over `scenario` asks for.

    None when the scenario carries nothing or its period is not in y0 (evaluate then says why)."""
    label = getattr(scenario, "review_carry", None)
    if label is None or prepared is None or carry_year(label) != prepared.y0:
        return None
    hit = prepared.carry_over.get(label)
    if hit is None:
        hit = prepared.carry_over[label] = carry_amounts(prepared, label)
    return hit


def carry_problem(prepared: Prepared | None, label: str | None) -> str | None:
    """Why the review through `label` cannot be carried into the plan's beginning balances (None: it can)."""
    if prepared is None:
        return "No data is loaded"
    if not label:
        return "Pick a period of the review first"
    try:
        period = parse_period(label)
    except PeriodError as exc:
        return str(exc)
    y0 = prepared.y0
    if period.fiscal_year != y0:
        return (f"The review's year {prepared.label(period.fiscal_year)} is not {prepared.label(y0)}, the year "
                f"before the plan: only the year just before the plan can be carried into its beginning balances")
    budget = prepared.dataset.budget
    for table in (budget.actuals, budget.revenue_actuals):
        if len(table) and "fiscal_year" in table.columns and (table["fiscal_year"].to_numpy() == y0).any():
            return None
    return f"No spending or revenue actuals for {prepared.label(y0)}: nothing to carry"


__all__ = ["carry_amounts", "carry_from_review", "ensure_carry", "carry_problem"]

"""The review carry-over (SPEC, "The quarterly review", fund effect; docs/model.md "Review carry-over").

When a scenario's `review_carry` names a period of fiscal year R and R = y0 (the year before the
first plan year), the plan starts from what the year in execution will really leave:

    Bal[f, y0] = Beginning balance[f] + ΔBal_f        for every fund the review covers

ΔBal_f (the review's `balance_change`) is computed by the review, which sits in a layer above the
engine: the engine cannot call it.  So the amounts come in as data: the review layer
(`kcplanner.review.carry.ensure_carry`) computes them once per (prepared dataset, period) and stores
a `CarryOver` in `Prepared.carry_over[label]`; `evaluate` only reads that dict.  Off (the default),
evaluate does nothing more than one attribute test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..periods import PeriodError, parse_period

PREFIX = "review carry-over"


@dataclass(frozen=True)
class CarryOver:
    """The review's fund balance change for one period, by fund code of a prepared dataset.

    `amounts` (funds,): ΔBal_f, 0 where the review does not cover the fund; `covered` (funds,) bool;
    `note`: why nothing can be carried (no actuals for the period), else None."""

    label: str
    amounts: np.ndarray
    covered: np.ndarray
    note: str | None = None


def carry_year(label: str) -> int | None:
    """The fiscal year R of a carry label (`FY2026 P06` → 2026); None when it does not parse."""
    try:
        return parse_period(label).fiscal_year
    except PeriodError:
        return None


def carry_beginning(P, label: str | None) -> tuple[np.ndarray, CarryOver | None, list[str]]:
    """(Bal[f, y0] per fund, the CarryOver applied or None, notes in words).

    No label: the Funds table's beginning balances, untouched (the same array, no copy)."""
    if label is None:
        return P.beginning_balance, None, []
    year, y0 = carry_year(label), P.y0
    if year != y0:
        found = P.label(year) if year is not None else f"'{label}'"
        return P.beginning_balance, None, [
            f"{PREFIX}: the review's year {found} is not {P.label(y0)}, the year before the plan: nothing carried"]
    carry = P.carry_over.get(label)
    if carry is None:
        return P.beginning_balance, None, [
            f"{PREFIX}: the review through {label} was not computed for this run "
            "(kcplanner.review.carry.ensure_carry): nothing carried"]
    if carry.note:
        return P.beginning_balance, None, [f"{PREFIX}: {carry.note}: nothing carried"]
    return P.beginning_balance + carry.amounts, carry, []


__all__ = ["CarryOver", "carry_beginning", "carry_year", "PREFIX"]

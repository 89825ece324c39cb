"""Whether a change is good, bad or neither (docs/ui.md, "Colours of a change").

A change is coloured by what it means, never by its sign alone:
- a KPI value (and its low/high band) by the KPI's direction: up is good when Higher is better,
  bad when Lower is better; a target newly met is good, newly missed bad; the plan score up is good;
- a fund's ending balance, reserve ratio and structural balance: up is good, down bad;
- spending and revenue (expenditure of a fund, department, program or class; a fund's revenue):
  neither: more spending is a choice, not a failure, and more revenue may be a tax rise.
"""

from __future__ import annotations

import math

#: Fund measures where a higher figure is better.
HIGHER_IS_BETTER_FUND = frozenset({"balance", "reserve_ratio", "structural"})
KPI_MEASURES = frozenset({"value", "low", "high"})

GOOD, BAD, NEUTRAL = "good", "bad", None


def good_sign(section: str, measure: str, direction: float | None = None) -> int:
    """+1 when a rise is good, −1 when a rise is bad, 0 when a change is neither.

    `section` is a Comparison section ("funds", "departments", "programs", "account classes",
    "kpis", "score"); `direction` the KPI's (+1 higher is better, −1 lower is better)."""
    if section == "kpis":
        if measure == "met":
            return 1
        if measure in KPI_MEASURES and direction is not None and math.isfinite(direction) and direction != 0:
            return 1 if direction > 0 else -1
        return 0
    if section == "score" or measure == "score":
        return 1
    if section == "funds" and measure in HIGHER_IS_BETTER_FUND:
        return 1
    return 0


def judge(difference: float, sign: int, tol: float = 1e-9) -> str | None:
    """GOOD, BAD or NEUTRAL (None) for a change `difference` (b − a) of a figure whose rise is `sign`."""
    if sign == 0 or difference is None or not math.isfinite(difference) or abs(difference) <= tol:
        return NEUTRAL
    return GOOD if difference * sign > 0 else BAD

"""From an evidence row to a scenario's driver override, and the edits "Use the estimate", "Use
estimates for all drivers of this goal" and "Back to entered value" (each one undo step on the
session's stack: `Session.edit_scenario` pushes one StateCommand).

Which value is used: the driver's unpooled estimate and its 80% interval; when the evidence was
pooled within the goal and the driver has a pooled value, the pooled value with an interval of the
same t multiplier around it (pooled ± t·pooled_se, t = (high − estimate) ÷ se of the unpooled fit)
(docs/evidence-ui.md).
"""

from __future__ import annotations

import math

import pandas as pd

from kcplanner.driver_overrides import DriverOverride, driver_key

ESTIMATED = "estimated"


def _num(v) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return math.nan
    return x


def _program(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v


def row_key(row) -> tuple[str, str, str]:
    """The driver key (driver_overrides.driver_key) of a row of `Evidence.drivers`."""
    return driver_key(row["kpi"], row["department"], _program(row["program"]))


def usable(row) -> bool:
    """A row with an estimate (not "not enough history", not "drivers move together")."""
    return row["status"] == ESTIMATED and math.isfinite(_num(row["estimate"])) and math.isfinite(_num(row["low"]))


def override_for(row) -> DriverOverride | None:
    """The override "Use the estimate" sets for this driver row (None when there is no estimate)."""
    if not usable(row):
        return None
    b, low, high, se = (_num(row[c]) for c in ("estimate", "low", "high", "se"))
    pooled, pooled_se = _num(row.get("pooled")), _num(row.get("pooled_se"))
    is_pooled = math.isfinite(pooled) and math.isfinite(pooled_se) and se > 0
    if is_pooled:
        t = (high - b) / se
        b, low, high = pooled, pooled - t * pooled_se, pooled + t * pooled_se
    first, last = row.get("first_year"), row.get("last_year")
    first = None if first is None or first is pd.NA else int(first)
    last = None if last is None or last is pd.NA else int(last)
    return DriverOverride(str(row["kpi"]), str(row["department"]), _program(row["program"]), b, low, high,
                          "estimated", int(row["n"]), first, last, bool(is_pooled))


def goal_rows(drivers: pd.DataFrame, goal_id) -> pd.DataFrame:
    """The driver rows of every KPI of goal `goal_id` (the KPI's own rows when it has no goal)."""
    if goal_id is None or (isinstance(goal_id, float) and math.isnan(goal_id)):
        return drivers.iloc[0:0]
    key = " ".join(str(goal_id).split()).casefold()
    goals = drivers["goal_id"].map(lambda g: None if g is None or g != g else " ".join(str(g).split()).casefold())
    return drivers[goals == key]


def use_estimates(session, rows: list, text: str) -> int:
    """Set the overrides of these driver rows in the current scenario: one undo step.  Returns how
    many drivers got an estimate (rows without one are left as they are)."""
    new = [o for o in (override_for(r) for r in rows) if o is not None]
    if not new or not session.loaded:
        return 0
    scenario = session.scenario
    changed = scenario.override_drivers(new)
    if changed != scenario:
        session.edit_scenario(changed, text)
    return len(new)


def back_to_entered(session, rows: list, text: str) -> None:
    """Drop the overrides of these driver rows: the Drivers sheet's values again (one undo step)."""
    if not session.loaded:
        return
    scenario = session.scenario
    changed = scenario.restore_drivers(row_key(r) for r in rows)
    if changed != scenario:
        session.edit_scenario(changed, text)


def in_effect(scenario, row) -> DriverOverride | None:
    """The scenario's override of this driver row, if any."""
    key = row_key(row)
    return next((o for o in scenario.driver_overrides if o.key == key), None)

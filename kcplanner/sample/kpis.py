"""The sample city's KPI targets and baseline paths (the KPIs sheet and the checks in docs/tests)."""

from __future__ import annotations

import math

from . import names as S
from .names import PLAN_YEARS, Y0


def clamp(value: float, kpi: S.KPI) -> float:
    """A value held to the KPI's [Minimum, Maximum]."""
    if kpi.maximum is not None:
        value = min(value, kpi.maximum)
    if kpi.minimum is not None:
        value = max(value, kpi.minimum)
    return value


def round_easier(value: float, kpi: S.KPI) -> float:
    """A target rounded to the KPI's decimals toward the easier side (down when higher is better)."""
    q = 10 ** kpi.decimals
    value = math.floor(value * q + 1e-9) / q if kpi.direction == S.H else math.ceil(value * q - 1e-9) / q
    return value if kpi.decimals else float(int(value))


def kpi_targets(kpi: S.KPI) -> dict[int, float]:
    """A KPI's yearly targets: the baseline improved by `step` % a year, rounded toward the easier side."""
    sign = 1 if kpi.direction == S.H else -1
    return {year: round_easier(clamp(kpi.baseline * (1 + sign * kpi.step / 100) ** (year - baseline_fy(kpi)), kpi),
                               kpi) for year in PLAN_YEARS}


def baseline_fy(kpi: S.KPI) -> int:
    return {"HC-06": 2024, "HC-02": 2025}.get(kpi.kpi_id, Y0)


def kpi_baseline_path(kpi: S.KPI) -> dict[int, float]:
    """SPEC's K0: Baseline × (1 + Trend)^(t − Baseline FY), clamped to [Minimum, Maximum]."""
    return {year: clamp(kpi.baseline * (1 + kpi.trend / 100) ** (year - baseline_fy(kpi)), kpi) for year in PLAN_YEARS}


def kpis_off_target() -> dict[str, list[int]]:
    """KPI ID → plan years in which the baseline path misses its target."""
    out = {}
    for kpi in S.KPIS:
        path, targets = kpi_baseline_path(kpi), kpi_targets(kpi)
        sign = 1 if kpi.direction == S.H else -1
        missed = [y for y in PLAN_YEARS
                  if sign * (path[y] - targets[y]) < -1e-9 * max(abs(targets[y]), 1.0)]
        if missed:
            out[kpi.kpi_id] = missed
    return out


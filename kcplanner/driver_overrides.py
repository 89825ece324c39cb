"""Scenario-level driver overrides: "Use the estimate" (SPEC "Evidence for the drivers"; docs/evidence-ui.md).

A scenario may replace the Drivers sheet's Elasticity, low and high of some drivers with the values
estimated from the city's history.  The plan workbook is never changed: the override lives in the
scenario (its JSON file and the project's copy), so one scenario can try the estimates while another
keeps what was entered, and undo restores exactly.

A driver is named as on the Drivers sheet: (KPI ID, department, program or None for a
department-wide driver), compared case- and space-insensitively.  The scenario JSON key is

    "driver_overrides": [{"kpi": "K07", "department": "Police", "program": "Patrol",
                          "elasticity": -0.26, "low": -0.34, "high": -0.19,
                          "source": "estimated", "n": 9, "first_year": 2016, "last_year": 2025,
                          "pooled": false}]

written only when the list is not empty.  `overrides_from_json` raises `OverrideError` saying where
(`driver_overrides[2].low: ...`); whether the driver exists in a dataset is the engine's check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

KEY = "driver_overrides"
FIELDS = ("kpi", "department", "program", "elasticity", "low", "high", "source", "n", "first_year", "last_year",
          "pooled")
SOURCES = ("estimated",)


class OverrideError(ValueError):
    """A driver override that cannot be used; the message says which and why."""


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def driver_key(kpi: Any, department: Any, program: Any) -> tuple[str, str, str]:
    """The case- and space-insensitive key of a driver (program "" = the whole department)."""
    return tuple(" ".join(str(v).split()).casefold() if v is not None else "" for v in (kpi, department, program))


@dataclass(frozen=True)
class DriverOverride:
    """The elasticity, low and high a scenario uses for one driver, and where they came from
    (`source` "estimated": over `n` years of history from `first_year` to `last_year`, pooled
    within the KPI's goal or not)."""

    kpi: str
    department: str
    program: str | None
    elasticity: float
    low: float
    high: float
    source: str = "estimated"
    n: int = 0
    first_year: int | None = None
    last_year: int | None = None
    pooled: bool = False

    def __post_init__(self) -> None:
        for name in ("kpi", "department", "program"):
            object.__setattr__(self, name, _clean(getattr(self, name)))
        for name in ("elasticity", "low", "high"):
            object.__setattr__(self, name, float(getattr(self, name)))

    @property
    def key(self) -> tuple[str, str, str]:
        return driver_key(self.kpi, self.department, self.program)

    def describe(self) -> str:
        """`K07 ← Police / Patrol` (or `Police (whole department)`)."""
        where = f"{self.department} / {self.program}" if self.program else f"{self.department} (whole department)"
        return f"{self.kpi} ← {where}"

    def source_text(self, label=lambda y: f"FY{y}") -> str:
        """`estimated (9 years, FY2016–FY2025)`, `…, pooled within goal)`; `label` names a fiscal year."""
        years = "" if self.first_year is None else f", {label(self.first_year)}–{label(self.last_year)}"
        pooled = ", pooled within goal" if self.pooled else ""
        return f"{self.source} ({self.n} year{'s' * (self.n != 1)}{years}{pooled})"

    def to_dict(self) -> dict[str, Any]:
        return {"kpi": self.kpi, "department": self.department, "program": self.program,
                "elasticity": self.elasticity, "low": self.low, "high": self.high, "source": self.source,
                "n": self.n, "first_year": self.first_year, "last_year": self.last_year, "pooled": self.pooled}


def canonical(overrides: Iterable[DriverOverride]) -> tuple[DriverOverride, ...]:
    """One override per driver (the last given wins), sorted by driver: equal sets compare equal."""
    by_key = {o.key: o for o in overrides}
    return tuple(by_key[k] for k in sorted(by_key))


def with_overrides(current: Iterable[DriverOverride], new: Iterable[DriverOverride]) -> tuple[DriverOverride, ...]:
    return canonical(list(current) + list(new))


def without_overrides(current: Iterable[DriverOverride], keys: Iterable[tuple[str, str, str]]) \
        -> tuple[DriverOverride, ...]:
    drop = set(keys)
    return canonical(o for o in current if o.key not in drop)


# -- reading ----------------------------------------------------------------------------------------

def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OverrideError(f"{where}: expected a number, found {value!r}")
    try:
        v = float(value)
    except OverflowError:
        v = math.inf
    if not math.isfinite(v) or abs(v) > 1e6:
        raise OverrideError(f"{where}: expected a finite elasticity (at most 1,000,000 in size), found {value!r}")
    return v


def _year(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
        raise OverrideError(f"{where}: expected a fiscal year such as 2025, found {value!r}")
    return value


def _name(value: Any, where: str, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        need = "a name (text)" if required else "a program name, or null for the whole department"
        raise OverrideError(f"{where}: expected {need}, found {value!r}")
    return value


def override_from_dict(data: Any, where: str) -> DriverOverride:
    """One override from its JSON object; OverrideError naming `where` and the field."""
    if not isinstance(data, Mapping):
        raise OverrideError(f"{where}: expected an object with keys {', '.join(FIELDS)}, found {data!r}")
    for key in data:
        if key not in FIELDS:
            raise OverrideError(f"{where}.{key}: unknown key; expected one of {', '.join(FIELDS)}")
    for key in ("kpi", "department", "elasticity", "low", "high"):
        if key not in data:
            raise OverrideError(f"{where}.{key}: missing")
    kpi = _name(data["kpi"], f"{where}.kpi", True)
    department = _name(data["department"], f"{where}.department", True)
    program = _name(data.get("program"), f"{where}.program", False)
    el, low, high = (_number(data[k], f"{where}.{k}") for k in ("elasticity", "low", "high"))
    named = f" (driver {kpi} ← {department}{' / ' + program if program else ''})"
    if low > high:
        raise OverrideError(f"{where}{named}: low {low:g} is above high {high:g}")
    source = data.get("source", "estimated")
    if source not in SOURCES:
        raise OverrideError(f"{where}.source: expected one of {', '.join(SOURCES)}, found {source!r}")
    n = data.get("n", 0)
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise OverrideError(f"{where}.n: expected a number of years (0 or more), found {n!r}")
    first, last = _year(data.get("first_year"), f"{where}.first_year"), _year(data.get("last_year"), f"{where}.last_year")
    if (first is None) != (last is None) or (first is not None and first > last):
        raise OverrideError(f"{where}: first_year {first!r} and last_year {last!r} do not make a range of years")
    pooled = data.get("pooled", False)
    if not isinstance(pooled, bool):
        raise OverrideError(f"{where}.pooled: expected true or false, found {pooled!r}")
    return DriverOverride(kpi, department, program, el, low, high, source, n, first, last, pooled)


def overrides_from_json(data: Any, where: str = KEY) -> tuple[DriverOverride, ...]:
    """The overrides of a scenario's `driver_overrides` list (absent or null = none); a driver
    given twice is an error (which one would the scenario use?)."""
    if data is None:
        return ()
    if not isinstance(data, list):
        raise OverrideError(f"{where}: expected a list of driver overrides, found {type(data).__name__}")
    out: list[DriverOverride] = []
    seen: dict[tuple, int] = {}
    for i, item in enumerate(data):
        o = override_from_dict(item, f"{where}[{i}]")
        if o.key in seen:
            raise OverrideError(f"{where}[{i}]: driver {o.describe()} is already overridden by {where}[{seen[o.key]}]")
        seen[o.key] = i
        out.append(o)
    return canonical(out)


def overrides_to_json(overrides: Iterable[DriverOverride]) -> list[dict[str, Any]]:
    return [o.to_dict() for o in overrides]


__all__ = ["KEY", "FIELDS", "DriverOverride", "OverrideError", "driver_key", "canonical", "with_overrides",
           "without_overrides", "override_from_dict", "overrides_from_json", "overrides_to_json"]

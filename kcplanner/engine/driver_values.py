"""The elasticities in effect for a scenario: the Drivers sheet's, or a scenario's driver overrides.

`evaluate` reads `driver_elasticities(P, scenario.driver_overrides)`: with no override it is the
prepared `drv_el` itself (no copy: the live loop pays one attribute test); with overrides, the
(3, drivers) array with those drivers' rows replaced, computed once per distinct set of overrides
and cached on the prepared dataset (a scenario edit that leaves the overrides alone costs a dict
lookup).  An override naming no driver of the dataset is listed in words and ignored.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

from ..driver_overrides import DriverOverride, driver_key

_CACHE_SIZE = 16


@dataclass(frozen=True)
class DriverValues:
    """Elasticity, low and high per driver (3, drivers) in effect, and which override set each one.

    `override` (drivers,): the index in the scenario's overrides of the override applied to the
    driver, −1 where the Drivers sheet's values stand.  `problems`: overrides that name no driver."""

    el: np.ndarray
    override: np.ndarray
    problems: tuple[str, ...] = ()


def driver_index(P) -> dict[tuple[str, str, str], list[int]]:
    """Driver rows of a prepared dataset by `driver_key` (a key may name several rows)."""
    cached = P._driver_cache.get("index")
    if cached is None:
        names = P.names
        cached = {}
        for d, key in enumerate(zip(names["driver_kpis"], names["driver_departments"], names["driver_programs"])):
            cached.setdefault(driver_key(*key), []).append(d)
        P._driver_cache["index"] = cached
    return cached


def _problem(P, o: DriverOverride) -> str:
    names = P.names
    shown = {" / ".join(p for p in driver_key(*key) if p): f"{key[0]} ← {key[1]}" + (f" / {key[2]}" if key[2] else "")
             for key in zip(names["driver_kpis"], names["driver_departments"], names["driver_programs"])}
    close = difflib.get_close_matches(" / ".join(p for p in o.key if p), list(shown), n=1, cutoff=0.6)
    hint = f" (did you mean {shown[close[0]]}?)" if close else ""
    return f"driver override {o.describe()}: no such driver on the Drivers sheet{hint}; the entered values stand"


def driver_elasticities(P, overrides: tuple[DriverOverride, ...]) -> DriverValues:
    """The elasticities `evaluate` uses for a scenario with these overrides (cached per overrides)."""
    nd = P.drv_el.shape[1]
    if not overrides:
        return DriverValues(P.drv_el, np.full(nd, -1, dtype=np.int64))
    cache = P._driver_cache.setdefault("values", {})
    hit = cache.get(overrides)
    if hit is not None:
        return hit
    index = driver_index(P)
    el = P.drv_el.copy()
    which = np.full(nd, -1, dtype=np.int64)
    problems = []
    for i, o in enumerate(overrides):
        rows = index.get(o.key)
        if not rows:
            problems.append(_problem(P, o))
            continue
        el[:, rows] = np.array([o.elasticity, o.low, o.high])[:, None]
        which[rows] = i
    el.flags.writeable = False
    hit = DriverValues(el, which, tuple(problems))
    if len(cache) >= _CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[overrides] = hit
    return hit


__all__ = ["DriverValues", "driver_elasticities", "driver_index"]

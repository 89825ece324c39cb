"""The results file of `kcplanner run --json` (the writer lives in `kcplanner.engine.output`).

`runaway_figures(results)` says when a scenario's rules, each within its bounds, together take a
figure past what a city budget can be (`RUNAWAY`): 150 rules of +10,000% multiply an amount by
101^150, which overflows to infinity and would be written as null.  The command line refuses such
a scenario (exit 1) instead of writing a results file or workbook with nulls in it.
"""

from __future__ import annotations

import numpy as np

from .engine.output import results_to_json, to_json_dict, write_results_json

#: A figure beyond this (a thousand trillion dollars) is a runaway, not a budget.
RUNAWAY = 1e15


def _first_runaway(base, scen, names, what: str, years) -> str | None:
    if not len(names):
        return None
    base = np.asarray(base, dtype=float).reshape(len(names), -1)
    scen = np.asarray(scen, dtype=float).reshape(len(names), -1)
    sane_base = np.isfinite(base) & (np.abs(base) <= RUNAWAY)
    with np.errstate(invalid="ignore"):
        wild = (~np.isfinite(scen) | (np.abs(scen) > RUNAWAY)) & sane_base
    if not wild.any():
        return None
    i, t = (int(x) for x in np.argwhere(wild)[0])
    value = scen[i, t]
    shown = "an overflow" if not np.isfinite(value) else f"{value:,.3g}"
    return f"{what} '{names[i]}' in FY{years[t]} becomes {shown}"


def runaway_figures(results) -> str | None:
    """A sentence naming the first department or revenue source whose scenario figure the rules
    take past RUNAWAY (or to infinity) while its baseline is an ordinary number; None if none."""
    years = list(results.plan_years)
    d = results.by_department
    found = _first_runaway(d.baseline, d.scenario, list(d.names), "department", years)
    if found is None:
        r = results.revenue
        names = [f"{f} / {s}" for f, s in zip(r.funds, r.sources)]
        found = _first_runaway(r.baseline, r.scenario, names, "revenue", years)
    if found is None:
        return None
    return (f"the scenario's rules together take figures past ${RUNAWAY:,.0f} (the first: {found}); "
            "check the percent rules that apply to it (they multiply one after another)")


__all__ = ["to_json_dict", "results_to_json", "write_results_json", "runaway_figures", "RUNAWAY"]

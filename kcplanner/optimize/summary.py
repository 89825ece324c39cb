"""The plain-text summary of an optimisation result, for the command line."""

from __future__ import annotations

import math

import numpy as np

from .constraints import _money
from .options import OptimizationResult

def summary_text(result: OptimizationResult) -> str:
    """A plain-text summary for the command line."""
    lines = [result.message]
    obj = "mean plan score" if result.objective == "score" else "weighted KPI gain"

    def fmt(v: float) -> str:
        if not math.isfinite(v):
            return "n/a"
        return f"{v * 100:.2f}%" if result.objective == "score" else f"{v * 100:.3f}%"

    if result.feasible:
        lines.append(f"Objective ({obj}): exact {fmt(result.exact_objective)} "
                     f"(linear model {fmt(result.linear_objective)}; base scenario {fmt(result.base_objective)})")
        if result.exact_score is not None:
            lines.append("Plan score by year: " + ", ".join(
                "n/a" if not np.isfinite(s) else f"{s * 100:.1f}%" for s in result.exact_score))
        if result.total_cost is not None:
            lines.append("Cost of the funded requests by year: " + ", ".join(f"{_money(c)}" for c in result.total_cost))
        lines.append(f"Funded ({len(result.funded)}): " + (", ".join(result.funded) or "none"))
        changed = {d: v for d, v in result.department_changes.items() if v != 0}
        if changed:
            lines.append("Department changes: " + ", ".join(f"{d} {v:+g}%" for d, v in changed.items()))
    if result.relaxed:
        lines.append("Constraints the base already breaks (kept no worse):")
        lines.extend(f"  - {m}" for m in result.relaxed)
    if result.binding:
        lines.append("Binding constraints:")
        lines.extend(f"  - {m}" for m in result.binding)
    if result.violations:
        lines.append("Exact check: " + "; ".join(result.violations))
    lines.append(f"Time: {result.total_seconds:.2f} s (solver {result.solve_seconds:.2f} s)")
    return "\n".join(lines)

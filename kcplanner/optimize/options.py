"""What the optimiser is asked (OptimizeOptions) and what it answers (OptimizationResult), with
the tolerances every part of the solver shares."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from ..engine import Results
from ..scenario import Rule, Scenario, Target

OBJECTIVES = ("score", "kpi_gain")
FORMULATIONS = ("tight", "plain")
STARTS = ("score", "rank")
RULE_LABEL = "Optimizer"
#: Strict fiscal rows must hold with this relative margin (of the fund's expenditure), so that
#: the solver's feasibility tolerance cannot produce a proposal the engine flags.
FISCAL_MARGIN = 2e-7
#: Tolerance (relative to the fund's expenditure) of the exact check of a proposal.
CHECK_TOL = 1e-6
#: A linear KPI must clear its target by this relative margin to count as met in the MILP.
MET_MARGIN = 1e-6


def _key(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


# =============================================================================================
# Options and result
# =============================================================================================

@dataclass(frozen=True)
class OptimizeOptions:
    """What to optimise and under which limits.

    - objective: "score" (the mean plan score over the plan years that have targets) or
      "kpi_gain" (the weighted mean relative KPI improvement over the plan baseline, see `kpi_gain`)
    - must_fund / must_not_fund: request IDs locked in or out
    - department_bounds: {department: (low %, high %)}: those departments get a percent rule
      with a value the optimiser chooses in [low, high] (percent points, e.g. (-5, 2))
    - reserve_floors / structural_balance: which constraint families apply
    - baseline_violations: "no_worse" (default) or "strict" (see the module docstring)
    - pieces: linear pieces of each saturating driver's tanh on its gain side
    - time_limit: seconds for the whole solve (None = no limit)
    - tie_break: among proposals with the best objective, prefer (score objective) the largest KPI
      gain and then the smallest spending change; (kpi_gain) the smallest spending change
    - percent_step: department changes are rounded down to this many percent points when that keeps
      the exact result at least as good (0 = no rounding)
    - mip_rel_gap: stop when the best set is proven within this fraction of the best possible
    - formulation: "tight" (threshold rows, dominance rows, a rank-order start, HiGHS through
      highspy with progress and stop) or "plain" (the original model through scipy's milp: no
      progress, no stop during the solve; kept as the baseline the benchmark compares with)
    - start: the tight formulation's starting set: "rank" (the rank-order fill, start.py) or
      "score" (the better of the score-aware fill, fill.py, and the rank-order fill: a much
      better first set for an early Stop, but no faster to the proof; see the docs' figures)
    """

    objective: str = "score"
    must_fund: tuple[str, ...] = ()
    must_not_fund: tuple[str, ...] = ()
    department_bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    reserve_floors: bool = True
    structural_balance: bool = True
    baseline_violations: str = "no_worse"
    pieces: int = 12
    time_limit: float | None = 30.0
    mip_rel_gap: float = 1e-6
    tie_break: bool = True
    percent_step: float = 0.01
    formulation: str = "tight"
    start: str = "rank"

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective: '{self.objective}' is not one of {', '.join(OBJECTIVES)}")
        if self.formulation not in FORMULATIONS:
            raise ValueError(f"formulation: '{self.formulation}' is not one of {', '.join(FORMULATIONS)}")
        if self.start not in STARTS:
            raise ValueError(f"start: '{self.start}' is not one of {', '.join(STARTS)}")
        if self.baseline_violations not in ("no_worse", "strict"):
            raise ValueError("baseline_violations: expected 'no_worse' or 'strict'")
        object.__setattr__(self, "must_fund", tuple(str(r) for r in self.must_fund))
        object.__setattr__(self, "must_not_fund", tuple(str(r) for r in self.must_not_fund))
        bounds = {}
        for d, lohi in dict(self.department_bounds).items():
            lo, hi = (float(v) for v in lohi)
            if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
                raise ValueError(f"department_bounds['{d}']: expected (low, high) percent with low ≤ high, found {lohi!r}")
            if lo <= -100:
                raise ValueError(f"department_bounds['{d}']: a change of {lo}% would remove the department")
            bounds[str(d)] = (lo, hi)
        object.__setattr__(self, "department_bounds", bounds)
        if self.pieces < 1:
            raise ValueError("pieces: at least 1")


@dataclass
class OptimizationResult:
    """A proposal (or why there is none) with its linear and exact objectives."""

    status: str                       # "optimal", "time_limit", "stopped", "infeasible", "no_solution"
    feasible: bool                    # a proposal exists (and its exact check is in `violations`)
    message: str
    objective: str
    base_scenario: Scenario
    funded: tuple[str, ...] = ()
    department_changes: dict[str, float] = field(default_factory=dict)   # percent points
    linear_objective: float = math.nan
    exact_objective: float = math.nan
    base_objective: float = math.nan          # exact, of the base scenario as given
    exact_score: np.ndarray | None = None     # (5,) plan score of the proposal
    base_score: np.ndarray | None = None
    exact_gain: float = math.nan
    results: Results | None = None            # the exact engine's results of the proposal
    relaxed: list[str] = field(default_factory=list)      # constraints relaxed to "no worse"
    binding: list[str] = field(default_factory=list)      # infeasible: what cannot be met
    violations: list[str] = field(default_factory=list)   # exact check of the proposal (should be empty)
    mip_gap: float = math.nan                 # (bound − linear objective) / |linear objective|
    bound: float = math.nan                   # no set does better than this in the linear model
    solve_seconds: float = 0.0
    total_seconds: float = 0.0
    method: str = "milp"
    total_cost: np.ndarray | None = None      # (5,) cost of the funded requests by year

    @property
    def proven(self) -> bool:
        """The linear model's best set, proven (within `mip_rel_gap`)."""
        return self.status == "optimal"

    def to_scenario(self, name: str | None = None) -> Scenario:
        """The proposal as a scenario: the base rules, a percent rule per changed department,
        and the funded requests."""
        s = self.base_scenario
        rules = list(s.rules)
        for dept, pct in self.department_changes.items():
            if pct != 0:
                rules.append(Rule(f"{RULE_LABEL}: {dept} {pct:+g}%", Target(department=dept), "percent", pct))
        return Scenario(name=name or f"{s.name} (optimized)", rules=tuple(rules), funded_requests=self.funded,
                        driver_overrides=s.driver_overrides)  # the KPI effects it was optimized with



class OptimizationCancelled(Exception):
    """The caller's `cancelled()` returned True while the model was being built."""

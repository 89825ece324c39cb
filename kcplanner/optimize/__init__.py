"""Fund the best set: choose requests (and department % changes) that maximise the plan score.

    result = optimize(prepared, base_scenario, OptimizeOptions(objective="score",
                      department_bounds={"Police": (-3, 3)}, must_fund=("REQ-POL-001",)))
    print(summary_text(result)); scenario = result.to_scenario("Optimizer proposal")

A mixed-integer linear program (HiGHS through highspy; the original model through scipy's milp as
`formulation="plain"`) on a linearised model of the engine;
the proposal is then evaluated with the exact engine and both objectives are returned.  The
formulation, the linearisation and every choice SPEC leaves open are in
docs/requests-and-optimizer.md.  In short:

- decisions: z_j ∈ {0,1} fund request j; q_d ∈ [lo_d, hi_d]/100 a percent rule on department d
  appended after the base scenario's rules;
- fund expenditure, balances and structural balance are exactly linear in (z, q): their
  coefficients are differences of engine runs (one per request and one per department);
- driver spending changes x are exactly linear too; the saturation m·tanh(E·x/m) is replaced by a
  conservative piecewise-linear bound (chords on the gain side, the tangent at 0 on the loss side),
  so the linear KPI never looks better than the exact one;
- "KPI k meets its target in year t" is a binary with a big-M row on the linear KPI;
- constraints: every fund with a reserve floor keeps balance ≥ floor × expenditure, and every
  fund keeps recurring revenue ≥ recurring expenditure, in every plan year.  A constraint the
  base scenario already breaks without any request is relaxed to "no worse than that"
  (`baseline_violations="no_worse"`, the default; reported in `relaxed`) or kept
  (`"strict"`, which may make the problem infeasible — then `binding` names the fund and year).

The package, one job a module:

- options.py      OptimizeOptions, OptimizationResult and the solver's constants
- objectives.py   the mean plan score and the weighted KPI gain of exact results
- constraints.py  PolicyConstraints: reserve floors and structural balance, row by row
- lp.py           a small sparse MILP builder (and scipy's milp, for the plain formulation)
- model.py        the linearised model: each decision measured with the engine, then the MILP
- kpi_rows.py     the KPI part of the MILP: met rows (plain big-M or tight thresholds), gain rows
- dominance.py    requests never needed, and z_j ≤ z_i for a request never better than another
- start.py        the rank-order fill on the linear model: the solver's starting set
- fill.py         the score-aware fill (bundles that meet a target cheapest): start="score"
- highs.py        HiGHS through highspy: start, progress (SolverProgress), stop with the best set
- run.py          run a built MILP with highspy (tight) or scipy's milp (plain)
- solve.py        optimize(): build, solve, tie-break; diagnose_infeasible()
- proposal.py     the proposal evaluated with the exact engine, its percent rounding and result
- greedy.py       the rank-order fill the optimiser is compared with
- summary.py      the plain-text summary for the command line
"""

from .constraints import PolicyConstraints
from .highs import SolverProgress
from .greedy import greedy_fill, rank_order
from .objectives import kpi_gain, mean_score, objective_value
from .options import OBJECTIVES, OptimizationCancelled, OptimizationResult, OptimizeOptions
from .solve import diagnose_infeasible, optimize
from .summary import summary_text

__all__ = ["OBJECTIVES", "SolverProgress", "OptimizeOptions", "OptimizationResult", "OptimizationCancelled", "PolicyConstraints", "optimize", "greedy_fill",
           "rank_order", "summary_text", "mean_score", "kpi_gain", "objective_value", "diagnose_infeasible"]

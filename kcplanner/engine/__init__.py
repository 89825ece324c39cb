"""The projection and scenario engine (SPEC.md, "The model"; docs/model.md).

    prepared = prepare(dataset)            # once per loaded dataset
    results = evaluate(prepared, scenario) # on every edit: milliseconds at 100k line items
    to_json_dict(results); write_results_json(results, path); compare(a, b); run_summary_text(results)
    validate_scenario(scenario, dataset_or_prepared)  # rules and funded requests that cannot apply
"""

from .evaluation import evaluate
from .output import Comparison, compare, results_to_json, run_summary_text, to_json_dict, write_results_json
from .preparation import Prepared, prepare
from .results import (FINDING_KINDS, DriverResults, Finding, FundResults, KPIResults, RequestLines, Results,
                      RevenueResults, Rollup)
from .validation import validate_scenario

__all__ = ["prepare", "evaluate", "Prepared", "Results", "Rollup", "FundResults", "RevenueResults", "RequestLines",
           "KPIResults", "DriverResults", "Finding", "FINDING_KINDS", "to_json_dict", "results_to_json",
           "write_results_json", "compare", "Comparison", "run_summary_text", "validate_scenario"]

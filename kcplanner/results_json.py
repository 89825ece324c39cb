"""The results file of `kcplanner run --json` (the writer lives in `kcplanner.engine.output`)."""

from .engine.output import results_to_json, to_json_dict, write_results_json

__all__ = ["to_json_dict", "results_to_json", "write_results_json"]

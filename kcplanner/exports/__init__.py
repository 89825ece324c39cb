"""Exports to Excel (issue 5; docs/export.md).

    export_scenario(prepared, results, "scenario.xlsx", sources=[...], progress=..., cancelled=...)
    export_comparison(prepared, results_a, results_b, "compare.xlsx")
    scenario = read_scenario_from_workbook("scenario.xlsx")     # the Rules sheet, back to a Scenario
    scenario = load_any_scenario(path)                           # .json or .xlsx
    write_back("police.xlsx", dataset, results, "police-scenario.xlsx")

Every write goes to a temporary file beside the target and replaces it only when complete
(`kcplanner.atomic.atomic_path`); `OutputError` says why a target could not be written.
"""

from ..atomic import OutputError
from ._common import ExportCancelled, ExportError, ExportInfo
from .comparison import export_comparison
from .kpis_sheet import important_kpis
from .rules_sheet import load_any_scenario, read_scenario_from_workbook
from .scenario_workbook import export_scenario
from .writeback import WRITE_BACK_SUFFIXES, WriteBackInfo, write_back, write_back_targets

__all__ = ["export_scenario", "export_comparison", "read_scenario_from_workbook", "load_any_scenario",
           "write_back", "write_back_targets", "WRITE_BACK_SUFFIXES", "WriteBackInfo", "ExportInfo",
           "ExportCancelled", "ExportError", "OutputError", "important_kpis"]

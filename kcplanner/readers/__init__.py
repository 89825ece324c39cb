"""Workbook readers: the plan workbook and the department budget workbooks → a `Dataset`.

    result = read_dataset(plan_path, [budget_file_or_folder, ...])
    if result.dataset is None:
        print(result.report.to_text())

`ImportResult.dataset` is None whenever the report holds an error: never half a dataset.
See docs/workbook-format.md for every sheet, column and alias accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from ..dataset import Budget, Dataset, Plan
from ..report import ValidationReport
from . import crossref
from .budget import BudgetPart, merge, read_budget_file
from .mapping import ACTUAL_TABLES, Mapping, MappingError, load_mapping, save_mapping
from .plan import PlanRefs, read_plan as _read_plan
from .unreadable import UnreadableFile
from .workbook import WORKBOOK_SUFFIXES, expand_paths

__all__ = ["Cancelled", "ImportResult", "UnreadableFile", "read_budget", "read_dataset", "read_plan",
           "WORKBOOK_SUFFIXES", "expand_paths", "Mapping", "MappingError", "load_mapping", "save_mapping",
           "suggest_mapping", "needs_mapping"]


def needs_mapping(path) -> bool:
    """True when a budget file is not in the standard layout (no sheet the readers can take): offer a mapping."""
    from .mapping_apply import needs_mapping as _needs

    return _needs(path)


def suggest_mapping(path, sheet=None):
    """A proposed import mapping for a workbook of unknown layout (see readers/suggest.py)."""
    from .suggest import suggest_mapping as _suggest

    return _suggest(path, sheet)


class Cancelled(Exception):
    """The import was cancelled by the caller's `cancelled()` callback."""


@dataclass
class ImportResult:
    dataset: Dataset | None
    report: ValidationReport

    @property
    def ok(self) -> bool:
        return self.dataset is not None


def read_plan(path: Path | str, report: ValidationReport) -> Plan | None:
    """Read the plan workbook alone (no cross-checks against the budget)."""
    return _read_plan(Path(path), report)


def read_budget(paths: Iterable[Path | str], report: ValidationReport, *,
                progress=None, cancelled=None) -> Budget:
    """Read and merge department budget workbooks (files or folders); no cross-checks with the plan."""
    paths = list(paths)
    _report_empty_folders(paths, report)
    budget, _pos, _req = _read_budget(list(expand_paths(paths)), report, progress, cancelled, 0.0, 1.0)
    return budget


def _report_empty_folders(paths, report: ValidationReport) -> bool:
    """An error for each folder given that holds no workbook (a folder named `police.xlsx` included)."""
    found = False
    for p in paths:
        p = Path(p)
        if p.is_dir() and not expand_paths([p]):
            report.error(p.name, "", "", f"{p} is a folder with no workbooks in it; expected a workbook file "
                         f"({', '.join(WORKBOOK_SUFFIXES)}) or a folder holding such files (its sub-folders are not read)")
            found = True
    return found


def _read_budget(files, report, progress, cancelled, start, span, mappings=(), mapped=None, actuals=None,
                 calendar=None):
    part = BudgetPart()
    for k, f in enumerate(files):
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(start + span * k / max(len(files), 1), f"Reading {f.name}")
        if not f.exists():
            report.error(f.name, "", "", f"{f} does not exist")
            continue
        try:
            matching = [m for m in mappings if m.table not in ACTUAL_TABLES and m.matches(f)]
            if matching:  # an import mapping reads this file instead of the standard reader
                from .mapping_apply import read_mapped_file

                for m in matching:
                    got = read_mapped_file(f, m, report)
                    if got is None:
                        continue
                    if got.line_items is not None:
                        part.line_items.append(got.line_items)
                        part.amounts.append(got.amounts)
                    if mapped is not None:
                        mapped.append(got)
                continue
            read_budget_file(f, report, part, cancelled, actuals, calendar)
        except (Cancelled, KeyboardInterrupt, MemoryError):
            raise
        except Exception as exc:  # a last guard: the user gets a message, never a traceback
            report.error(f.name, "", "", f"{f.name} could not be read ({type(exc).__name__}: {exc})")
    return merge(part)


def _own_class_growth(report: ValidationReport, budget: Budget, plan: Plan) -> None:
    """A warning for each city's own account class (SPEC) that the Assumptions sheet gives no growth."""
    from ..dataset import ACCOUNT_CLASSES
    from .columns import norm

    li = budget.line_items
    if not len(li) or "account_class" not in li.columns:
        return
    classes = li["account_class"].astype(object)
    first = li.loc[~classes.duplicated() & classes.notna()]
    known = {norm(c) for c in ACCOUNT_CLASSES} | {norm(c) for c in plan.assumptions.index}
    warned: set[str] = set()
    for cls, file, sheet, row in zip(first["account_class"], first.get("source_file", ""), first.get("source_sheet", ""),
                                     first.get("source_row", 0)):
        key = norm(cls)
        if key in known or key in warned:
            continue
        warned.add(key)
        report.warning(str(file), str(sheet), "", f"the account class {cls!r} (first in row {row}) is a class of its own, "
                       "not a standard one, and the plan's Assumptions sheet has no row for it: its growth is 0")


def _respell_ids(plan: Plan, budget: Budget) -> None:
    """KPI IDs named by drivers and requests take the spelling of the KPIs sheet (SPEC: first seen)."""
    spelled = {" ".join(str(k).split()).casefold(): k for k in plan.kpis["kpi_id"]}
    if not spelled:
        return
    for frame in (plan.drivers, budget.requests):
        if len(frame) and "kpi_id" in frame:
            frame["kpi_id"] = [spelled.get(" ".join(str(v).split()).casefold(), v) if isinstance(v, str) else v
                               for v in frame["kpi_id"]]


def _usable_mappings(mappings, report: ValidationReport) -> list[Mapping]:
    """Mapping objects (dicts are checked and converted); a mapping that maps nothing is ignored, with a warning."""
    from .mapping import mapping_from_dict

    out = []
    for k, m in enumerate(mappings or []):
        if m is None:
            continue
        if isinstance(m, dict):
            try:
                m = mapping_from_dict(m, f"import mapping {k + 1}")
            except MappingError as exc:
                report.error("", "", "", str(exc))
                continue
        if not (m.columns or m.constants or m.amount or m.amounts or m.history or m.targets):
            report.warning("", "", "", f"the import mapping {m.name or k + 1} maps no column and no constant: ignored")
            continue
        out.append(m)
    return out


def read_dataset(plan: Path | str | None, budgets: list[Path | str], mappings=None, *,
                 progress: Callable[[float, str], None] | None = None,
                 cancelled: Callable[[], bool] | None = None, actuals=None) -> ImportResult:
    """Read the plan and the budget workbooks, check every cross-reference, and build a Dataset.

    `budgets` are files or folders (a folder gives every workbook in it, sorted by name,
    skipping `~$` lock files and hidden files).  Without a plan the Plan is empty (no KPIs,
    growth 0, balances 0).

    `mappings` (import mappings, docs/mappings.md): each applies to the budget files whose name its
    `files` glob matches (no glob: every budget file); such a file is read by its mapping(s) instead
    of the standard reader.  Mapped line items join the budget, mapped revenue lines the plan's
    Revenue, mapped KPIs (a `kpis` mapping) the plan's KPIs, targets, history and goals.  A plan path
    that a kpis mapping's glob matches is read as a KPI export, not as a plan workbook.

    `actuals` (files or folders, `--actuals`): workbooks and CSVs of Actuals and Revenue Actuals; the
    department workbooks' own Actuals and Revenue Actuals sheets are read too (readers/actuals.py).
    """
    report = ValidationReport()
    mappings = _usable_mappings(mappings, report)
    budgets = list(budgets)
    files = expand_paths(budgets)
    if plan is not None and any(m.table == "kpis" and m.files and m.matches(plan) for m in mappings):
        files = [Path(plan)] + [f for f in files if Path(f).resolve() != Path(plan).resolve()]
        plan = None
    if plan is not None:  # a budget folder that also holds the plan: the plan is not a budget file
        plan_resolved = Path(plan).resolve()
        files = [f for f in files if f.resolve() != plan_resolved]
    sources: list[str] = []

    def step(fraction: float, text: str) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(min(max(fraction, 0.0), 1.0), text)

    refs = PlanRefs()
    plan_obj = Plan()
    if plan is not None:
        plan = Path(plan)
        step(0.0, f"Reading {plan.name}")
        if not plan.exists():
            report.error(plan.name, "", "", f"{plan} does not exist")
        else:
            try:
                got = _read_plan(plan, report, refs)
            except (Cancelled, KeyboardInterrupt, MemoryError):
                raise
            except Exception as exc:  # a last guard: the user gets a message, never a traceback
                report.error(plan.name, "", "", f"{plan.name} could not be read ({type(exc).__name__}: {exc})")
                got = None
            if got is not None:
                plan_obj = got
            sources.append(str(plan))
    if not _report_empty_folders(budgets, report) and not files:
        report.error("", "", "", "no budget workbook given (expected one or more .xlsx, .xlsm, .xls, .ods or .csv "
                     "files or folders holding them)")
    mapped: list = []
    from .actuals import ActualsPart

    actual_part = ActualsPart()
    budget, positions, requests = _read_budget(files, report, progress and step, cancelled, 0.05, 0.80,
                                               mappings, mapped, actual_part, plan_obj.settings.calendar)
    sources.extend(str(f) for f in files)
    kpi_rows: list = []
    if actuals:
        from .actuals_load import read_actual_paths

        sources.extend(read_actual_paths(actuals, report, mappings, plan_obj.settings.calendar, actual_part, kpi_rows,
                                         cancelled))
    if mapped:
        from .mapping_merge import merge_mapped

        merge_mapped(plan_obj, budget, mapped, report, refs)
    from .actuals_check import check_actuals, check_revenue_actuals, kpi_history_from_actuals

    from .actuals_load import merge_kpi_rows

    merge_kpi_rows(report, plan_obj, kpi_rows)
    check_actuals(report, budget, actual_part)
    check_revenue_actuals(report, budget, plan_obj, actual_part)
    kpi_history_from_actuals(plan_obj)
    if files and not len(budget.line_items) and report.ok and not mapped:
        report.warning("", "", "", "no line items were imported: the budget workbooks hold no rows of amounts")
    step(0.92, "Checking references")
    crossref.check(report, budget.line_items, requests, positions, refs.kpis, refs.drivers,
                   pd.Series(sorted(refs.kpi_keys), dtype=object) if refs.kpis is not None else None)
    budget.line_items = crossref.check_goals(report, budget.line_items, plan_obj.goals if plan is not None else None)
    _own_class_growth(report, budget, plan_obj)
    if not report.ok:
        step(1.0, "Import failed")
        return ImportResult(None, report)
    _respell_ids(plan_obj, budget)
    dataset = Dataset(plan=plan_obj, budget=budget, sources=sources)
    dataset.unify()
    step(1.0, "Done")
    return ImportResult(dataset, report)

"""The files given with `--actuals` (files or folders, like `--budget`): each read by the import mappings
whose table is actuals, revenue_actuals or kpi_actuals and whose `files` glob matches it, else by the
standard readers (sheets named Actuals / Revenue Actuals, else recognised by their columns)."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from ..dataset import KPI_ACTUAL_COLUMNS, SOURCE_COLUMNS, Plan
from ..report import ValidationReport
from .actuals import ActualsPart, read_actuals_file
from .actuals_check import cell
from .mapping import ACTUAL_TABLES
from .unreadable import UnreadableFile
from .workbook import expand_paths


def read_actual_paths(paths, report: ValidationReport, mappings, calendar, part: ActualsPart, kpi_rows: list,
                      cancelled=None) -> list[str]:
    """Read every actuals file into `part` (KPI actuals of a kpi_actuals mapping into `kpi_rows`); the files read."""
    with _paused_gc():
        return _read_all(paths, report, mappings, calendar, part, kpi_rows, cancelled)


@contextmanager
def _paused_gc():
    """Reading millions of cells allocates millions of row lists that the cyclic collector scans again and
    again (a third of the time) though none can form a cycle: it is paused while reading, then restored."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _read_all(paths, report, mappings, calendar, part, kpi_rows, cancelled) -> list[str]:
    from .mapping_actuals import apply_actuals_mapping
    from .mapping_sheet import open_sheet

    files = []
    for p in paths:
        p = Path(p)
        if p.is_dir() and not expand_paths([p]):
            report.error(p.name, "", "", f"{p} (given with --actuals) is a folder with no workbooks in it")
    for f in expand_paths(list(paths)):
        if cancelled is not None and cancelled():
            break
        files.append(str(f))
        if not f.exists():
            report.error(f.name, "", "", f"{f} does not exist")
            continue
        matching = [m for m in mappings if m.table in ACTUAL_TABLES and m.matches(f)]
        try:
            if not matching:
                read_actuals_file(f, report, calendar, part)
                continue
            for m in matching:
                try:
                    sheet, _names = open_sheet(f, m.sheet)
                except UnreadableFile as exc:
                    report.error(f.name, getattr(exc, "sheet", ""), getattr(exc, "cell", ""), f"{f.name} {exc}")
                    continue
                apply_actuals_mapping(sheet, m, report, f.name, sheet.name, calendar, part, kpi_rows)
        except (KeyboardInterrupt, MemoryError):
            raise
        except OSError as exc:
            report.error(f.name, "", "", f"{f.name} cannot be opened: {exc.strerror or exc}")
        except Exception as exc:  # a last guard: the user gets a message, never a traceback
            report.error(f.name, "", "", f"{f.name} could not be read ({type(exc).__name__}: {exc})")
    return files


def merge_kpi_rows(report: ValidationReport, plan: Plan, kpi_rows: list) -> None:
    """KPI actuals from kpi_actuals mappings: unknown KPIs are errors; the rest join the plan's KPI Actuals."""
    if not kpi_rows:
        return
    spelled = {" ".join(str(k).split()).casefold(): k for k in plan.kpis["kpi_id"]}
    frames = [plan.kpi_actuals]
    for frame, count in kpi_rows:
        keys = [" ".join(str(k).split()).casefold() if k is not None else None for k in frame["kpi_id"]]
        bad = np.array([k not in spelled for k in keys], dtype=bool)
        for i in np.flatnonzero(bad)[:50]:
            r = frame.iloc[i]
            report.error(r["source_file"], r["source_sheet"], cell(r, "_kpi_cell"),
                         f"unknown KPI {r['kpi_id']!r}; expected a KPI ID of the plan's KPIs sheet")
        if bad.any():
            count.imported -= int(bad.sum())
            count.excluded["row with errors"] += int(bad.sum())
        twice = _given_before(report, frames, frame, keys, bad)
        if twice.any():
            count.imported -= int(twice.sum())
            count.excluded["row with errors"] += int(twice.sum())
        bad |= twice
        ok = frame[~bad].copy()
        ok["kpi_id"] = [spelled[k] for k, b in zip(keys, bad) if not b]
        frames.append(ok[KPI_ACTUAL_COLUMNS + SOURCE_COLUMNS])
    plan.kpi_actuals = pd.concat([f for f in frames if len(f)] or [plan.kpi_actuals], ignore_index=True)


def _key(k) -> str | None:
    return " ".join(str(k).split()).casefold() if k is not None and k == k else None


def _given_before(report: ValidationReport, frames: list, frame: pd.DataFrame, keys: list, bad: np.ndarray
                  ) -> np.ndarray:
    """Rows of a kpi_actuals mapping whose KPI and period the plan's KPI Actuals, an earlier file or an
    earlier row already gave (a year given twice): errors naming both places."""
    seen: dict = {}
    for f in frames:
        for k, y, a, b, file, sheet, row in zip(f["kpi_id"], f["fiscal_year"], f["first_month"], f["last_month"],
                                                f["source_file"], f["source_sheet"], f["source_row"]):
            seen.setdefault((_key(k), int(y), int(a), int(b)), f"{file}, {sheet}, row {int(row)}")
    twice = np.zeros(len(frame), dtype=bool)
    n = 0
    rows = zip(keys, frame["fiscal_year"], frame["first_month"], frame["last_month"], frame["source_file"],
               frame["source_sheet"], frame["source_row"])
    for i, (k, y, a, b, file, sheet, row) in enumerate(rows):
        if bad[i]:
            continue
        where = (k, int(y), int(a), int(b))
        if where not in seen:
            seen[where] = f"{file}, {sheet}, row {int(row)}"
            continue
        twice[i] = True
        n += 1
        if n <= 50:
            r = frame.iloc[i]
            report.error(file, sheet, cell(r, "_period_cell"),
                         f"the KPI {r['kpi_id']!r} is given twice for the same period (FY{int(y)}, fiscal months "
                         f"{int(a)}-{int(b)}): here and in {seen[where]}; expected one value a KPI and period")
    return twice

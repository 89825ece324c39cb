"""The KPI review as a workbook for the meeting of OMB and the performance office:
`kcplanner estimate … --out kpi-review.xlsx`.

    write_kpi_review_workbook(estimate_evidence(dataset), "kpi-review.xlsx")

Sheets: "KPI review" (every KPI with SPEC's figures, its recommendation and the reasons in words),
"Drivers" (every driver: n, estimate, standard error, 80% interval, p, R², the entered elasticity,
the pooled value where pooled, the flags, and the sentence that says what it means), and "How to
read this".  Headers frozen, autofilters on, figures as numbers with formats; written atomically.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..atomic import OutputError, atomic_path, scratch_dir
from ..exports._common import WORKBOOK_OPTIONS, make_formats, print_setup, write_num, write_text
from .core import Evidence
from .words import driver_sentence, is_missing

KPI_HEADERS = [("KPI ID", 10, "kpi_id"), ("KPI", 48, "name"), ("Goal", 8, "goal_id"), ("Years", 7, "years"),
               ("First year", 9, "first_year"), ("Last year", 9, "last_year"), ("Completeness", 12, "completeness"),
               ("Volatility", 11, "volatility"), ("Attainment", 11, "attainment"),
               ("Years with a target", 10, "target_years"), ("Drivers", 8, "drivers"),
               ("Drivers estimated", 10, "estimated"), ("Responsive", 11, "responsive"),
               ("Redundant with", 16, "redundant_with"), ("Recommendation", 28, "recommendation"),
               ("Reasons", 80, "reasons")]
DRIVER_HEADERS = [("KPI ID", 10, "kpi"), ("KPI", 36, "kpi_name"), ("Department", 18, "department"),
                  ("Program", 24, "program"), ("Lag (years)", 8, "lag"), ("n (years)", 8, "n"),
                  ("Needs", 7, "needs"), ("Estimate", 10, "estimate"), ("Std. error", 10, "se"),
                  ("80% low", 10, "low"), ("80% high", 10, "high"), ("p-value", 9, "p"), ("R²", 8, "r2"),
                  ("Entered elasticity", 11, "entered"), ("Pooled", 10, "pooled"), ("Pooled std. error", 10, "pooled_se"),
                  ("First year", 9, "first_year"), ("Last year", 9, "last_year"), ("Status", 18, "status"),
                  ("Flags", 30, "flags"), ("What it means", 90, "sentence")]
PERCENT_COLS = {"completeness", "attainment"}
ELASTICITY_COLS = {"estimate", "se", "low", "high", "entered", "pooled", "pooled_se", "volatility", "r2"}
INT_COLS = {"years", "first_year", "last_year", "target_years", "drivers", "estimated", "lag", "n", "needs"}
REC_FORMATS = {"improve data": "warn", "add a driver": "warn", "no evidence that spending moves it": "bad",
               "review target": "high", "keep": "good"}

HOW_TO_READ = [
    ("What this is", "Every KPI of the plan reviewed against its own history, and every driver's elasticity "
     "estimated from the city's history of spending and results (SPEC: Evidence for the drivers, and the KPI review)."),
    ("History", "A KPI's history is its yearly KPI Actuals, then the years an import gives, then its Baseline. "
     "A driver's spending history is its program's (or department's) line-item Actuals by year, else the "
     "year's Actuals rows where that year is complete."),
    ("Estimate", "For each KPI, its yearly change in logs is regressed on the yearly change in logs of each "
     "driver's spending, taken the driver's lag earlier (ordinary least squares with a constant). The "
     "estimate is the elasticity: +0.3 means a 10% rise in spending went with about a 3% rise in the KPI. "
     "It needs at least (drivers + 3) years of paired changes; with fewer the driver shows 'not enough history'."),
    ("80% interval", "Estimate ± t(0.90, n − drivers − 1) × standard error: the range to use as Elasticity "
     "low and high. 'No evidence' means the interval includes 0: the history cannot tell the effect from none. "
     "'Entered outside interval' means the Drivers sheet's elasticity is not in the interval."),
    ("Pooled", "With --pool goal, the estimates of a goal's drivers (3 or more) borrow strength from each other "
     "(DerSimonian–Laird): noisy estimates move toward the goal's average."),
    ("Completeness", "Years with a value ÷ years from the first to the last."),
    ("Volatility", "The standard deviation of the KPI's yearly change in logs (0.05 ≈ 5% a year)."),
    ("Attainment", "The share of past years (before the first plan year) with a target in which the target was met."),
    ("Responsive", "Yes when some driver's interval excludes 0; No when every estimated driver's includes 0."),
    ("Redundant with", "Other KPIs whose yearly changes correlate with this one's at |r| ≥ 0.9 over at least 5 years."),
    ("Recommendation", "The first that applies: improve data (fewer than 4 years, or under 75% complete); add a "
     "driver (none); no evidence that spending moves it; review target (always met or always missed over 3 or "
     "more years); consider merging with another KPI (redundant); else keep."),
]


def _cell_value(key: str, v):
    if isinstance(v, list):
        return ", ".join(map(str, v))
    if key == "responsive":
        return {True: "Yes", False: "No"}.get(v, "")
    return v


def _write_row(ws, F, r: int, headers, record: dict, extra: dict | None = None) -> None:
    for c, (_, _, key) in enumerate(headers):
        v = _cell_value(key, record.get(key))
        fmt = extra.get(key) if extra else None
        if is_missing(v):
            if fmt is not None:
                ws.write_blank(r, c, None, fmt)
            continue
        if key in PERCENT_COLS:
            write_num(ws, r, c, v, F["percent"])
        elif key in ELASTICITY_COLS:
            write_num(ws, r, c, v, F["elasticity"])
        elif key == "p":
            write_num(ws, r, c, v, F["p"])
        elif key in INT_COLS and not isinstance(v, str):
            write_num(ws, r, c, v, F["int"])
        else:
            write_text(ws, r, c, v, fmt if fmt is not None else F["wrap_top"] if key in ("reasons", "sentence") else None)


def _table(ws, F, headers, records: list[dict], formats: list[dict | None], title: str) -> None:
    ws.set_row(0, 30)
    for c, (head, width, _) in enumerate(headers):
        ws.write_string(0, c, head, F["header"])
        ws.set_column(c, c, width)
    wrapped = [(key, width) for _, width, key in headers if key in ("reasons", "sentence")]
    for r, (rec, fmt) in enumerate(zip(records, formats), start=1):
        _write_row(ws, F, r, headers, rec, fmt)
        lines = max([math.ceil(len(str(rec.get(k) or "")) / (w * 1.05)) for k, w in wrapped] + [1])
        if lines > 1:  # xlsxwriter cannot measure: a wrapped sentence gets the height of its lines
            ws.set_row(r, 15 * lines)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(records), 1), len(headers) - 1)
    print_setup(ws, (0, 0), title)


def write_kpi_review_workbook(ev: Evidence, out_path: str | Path) -> list[str]:
    """Write the KPI-review workbook atomically; returns its sheet names."""
    import xlsxwriter

    sheets = ["KPI review", "Drivers", "How to read this"]
    kpis = [{"kpi_id": k, **rec} for k, rec in zip(ev.kpis.index, ev.kpis.to_dict("records"))]
    drivers = ev.drivers.to_dict("records")
    for rec in drivers:
        rec["sentence"] = driver_sentence(rec)
    with atomic_path(out_path, suffix=".xlsx") as tmp, scratch_dir(out_path) as scratch:
        wb = xlsxwriter.Workbook(str(tmp), {**WORKBOOK_OPTIONS, "tmpdir": str(scratch), "nan_inf_to_errors": False})
        try:
            F = make_formats(wb)
            F["elasticity"] = wb.add_format({"num_format": "0.000"})
            F["p"] = wb.add_format({"num_format": "0.000"})
            F["wrap_top"] = wb.add_format({"text_wrap": True, "valign": "top"})
            rec_fmt = {name: F[fmt] for name, fmt in REC_FORMATS.items()}
            ws = wb.add_worksheet(sheets[0])
            _table(ws, F, KPI_HEADERS, kpis,
                   [{"recommendation": rec_fmt.get(k["recommendation"], F["high"] if str(k["recommendation"]).startswith(
                       "consider merging") else None)} for k in kpis], "KPI review")
            ws = wb.add_worksheet(sheets[1])
            _table(ws, F, DRIVER_HEADERS, drivers,
                   [{"flags": F["warn"]} if rec["flags"] else None for rec in drivers], "Driver evidence")
            ws = wb.add_worksheet(sheets[2])
            ws.set_column(0, 0, 18)
            ws.set_column(1, 1, 110)
            ws.write_string(0, 0, "How to read this workbook", F["title"])
            pooled = "pooled within goals (--pool goal)" if ev.pool == "goal" else "not pooled"
            ws.write_string(1, 0, f"This run: {len(kpis)} KPIs, {len(drivers)} drivers, {pooled}.", F["muted"])
            for r, (label, text) in enumerate(HOW_TO_READ, start=3):
                ws.write_string(r, 0, label, F["label"])
                ws.write_string(r, 1, text, F["wrap_top"])
                ws.set_row(r, 15 * max(1, math.ceil(len(text) / 105)))
        finally:
            try:
                wb.close()
            except Exception as exc:  # xlsxwriter raises its own errors for file problems
                raise OutputError(f"{out_path}: could not write the workbook: {exc}") from exc
    return sheets

"""KPIs from a performance-measure export (Austin's eperf download is the model): a kpis mapping.

One row per measure.  Fields: kpi_id, name, department, program, unit, goal_id, direction,
measure_type, fiscal_year (the export's current year), target (the current year's target),
baseline, weight, minimum, maximum; `targets` and `history` map more columns to years (a number
≥ 1900 is a fiscal year, anything else an offset from the row's fiscal year: PFY1_ACTUAL → -1).

- A measure is imported when it has a numeric target; one whose target is blank or a sentinel
  (`No Goal`) is excluded as "no target", one whose target is other text (`AAA`) as "target not a
  number" — both counted, the texts reported with their cells, never read as a number.
- History values that are not numbers (`New Meas.`, `No Data`, `AA-`) are left out of the history
  and reported the same way.
- Baseline: the `baseline` column if mapped, else the latest numeric history value (its year is the
  Baseline FY); a measure with no numeric history starts at its current target (a warning lists them).
- Direction: the mapping's `directions` (per measure ID) first, then a direction column, then — unless
  `guess_directions` is false — a guess from the measure's name and type (`guess_direction`), then
  the mapping's `direction` constant.  A measure none of these settles is an error that says so.
- Goal: the `goal_id` column or constant; without one every measure goes under one goal,
  `Imported measures` (weight 1), so the plan score counts each imported KPI once.
- Program is shown in the preview; the plan's KPI table has no program column (a driver names one).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import values as V
from ..dataset import KPI_COLUMNS
from ..report import ValidationReport, column_letter
from .actuals import not_above_zero
from .bounds import MAX_AMOUNT
from .mapping import Mapping, direction_value
from .mapping_fields import per_unique, text, year
from .mapping_sheet import MAX_CELLS_LISTED, Context, MappedPart, key, prepare_checked, resolve

DEFAULT_GOAL = "Imported measures"

_HIGHER = re.compile(r"\b(within|on[- ]time|timely|satisf\w*|reduc\w*|decreas\w*|training|trained|"
                     r"prevent\w*|resolved|cleared|closure rate|clearance)\b", re.IGNORECASE)
_LOWER = re.compile(
    r"\b(time|times|days?|hours?|minutes?|wait\w*|backlog\w*|delay\w*|cost per|costs? average|average cost|"
    r"cost of|injur\w*|accidents?|collisions?|crash\w*|fatalit\w*|deaths?|crimes?|violations?|complaints?|"
    r"turnover|vacanc\w*|overtime|sick leave|absen\w*|delinquen\w*|errors?|defects?|interruptions?|outages?|"
    r"saifi|saidi|caidi|heat rate|intake|overflows?|spills?|emissions?|recidivism|claims|losses)\b",
    re.IGNORECASE)


def guess_direction(name: object, measure_type: object = None) -> tuple[int | None, str]:
    """(+1 higher / -1 lower / None, why) from a measure's name and type.

    Lower is better for times, days, waits, costs per unit, injuries, crimes, complaints, turnover,
    outages …; higher is better when the name speaks of a share met `within` a time, satisfaction, a
    reduction achieved or training.  Anything else: None (the user chooses)."""
    text_ = " ".join(str(name or "").split())
    hi = _HIGHER.search(text_)
    if hi:
        return 1, f"the name says {hi.group(0)!r}: higher is better"
    lo = _LOWER.search(text_)
    if lo:
        return -1, f"the name says {lo.group(0)!r}: lower is better"
    mt = str(measure_type or "").strip().casefold()
    if mt == "efficiency" and re.search(r"\bper\b", text_, re.IGNORECASE):
        return -1, "an efficiency measure of a cost or effort per unit: lower is better"
    return None, "the name and type do not tell"


def check_kpi_mapping(m: Mapping) -> list[str]:
    out = []
    for f in ("kpi_id", "name"):
        if m.source_of(f) is None:
            out.append(f"the field {f} has no column and no constant")
    if m.source_of("target") is None and not m.targets:
        out.append("no target: map the field target (the current year's target) or give 'targets'")
    relative = [c for c, y in list(m.history.items()) + list(m.targets.items()) if abs(y) < 1900]
    if (m.source_of("target") is not None or relative) and m.source_of("fiscal_year") is None:
        out.append("the target and the history offsets count from the fiscal year: map fiscal_year to a column "
                   "or give it as a constant")
    return out


def _numbers(ctx: Context, j: int, what: str, part: MappedPart) -> tuple[np.ndarray, np.ndarray]:
    """(values, unreadable mask); unreadable texts are warnings with their cells (never guessed)."""
    t = ctx.t
    vals, bad = V.parse_amounts(t.data[:, j])
    with np.errstate(invalid="ignore"):
        bad |= np.abs(vals) > MAX_AMOUNT  # 1e308 would overflow the KPI figures: not imported, with a warning
    vals = np.where(bad, np.nan, vals)
    bad &= t.live
    head = t.header_text(j)
    k = int(bad.sum())
    if k:
        part.unreadable[head] = k
        idx = np.flatnonzero(bad)
        for i in idx[:MAX_CELLS_LISTED]:
            ctx.report.warning(t.file, t.sheet, t.cell(int(i), j),
                               f"expected {what} (a number), found {str(t.data[i, j]).strip()!r}: not imported")
        if k > MAX_CELLS_LISTED:
            ctx.report.warning(t.file, t.sheet, column_letter(j),
                               f"… and {k - MAX_CELLS_LISTED} more cells of column {head!r} that are not numbers")
    return vals, bad


def _year_of(spec: int, fy: np.ndarray) -> np.ndarray:
    return np.full(len(fy), float(spec)) if abs(spec) >= 1900 else fy + spec


def apply_kpis(sheet, m: Mapping, report: ValidationReport, file: str, sheet_name: str) -> MappedPart | None:
    ctx = prepare_checked(sheet, m, report, file, sheet_name, check_kpi_mapping(m), "KPI import mapping")
    if ctx is None:
        return None
    t, part = ctx.t, ctx.part
    headers = t.headers
    n = t.data.shape[0]
    kid = text(ctx, "kpi_id", "a measure ID")
    name = text(ctx, "name", "a measure name")
    dept = text(ctx, "department")
    prog = text(ctx, "program")
    unit = text(ctx, "unit")
    mtype = text(ctx, "measure_type")
    goal = text(ctx, "goal_id")
    fy = year(ctx) if m.source_of("fiscal_year") is not None else np.full(n, np.nan)
    # duplicate IDs (within the sheet)
    if "kpi_id" in ctx.fields:
        first: dict[str, int] = {}
        j = ctx.fields["kpi_id"]
        for i in np.flatnonzero(t.live & ~t.bad):
            k = key(kid[i])
            if not k:
                continue
            if k in first:
                t.cell_error(int(i), j, f"duplicate measure ID {kid[i]!r}: already used in {t.cell(first[k], j)}",
                             kind="duplicate")
            else:
                first[k] = int(i)
    # targets
    target_specs: list[tuple[int | None, int, str]] = []  # (column, year spec, header)
    if m.source_of("target") is not None:
        src = m.source_of("target")
        target_specs.append((ctx.fields.get("target"), 0, src[1] if src[0] == "column" else "target"))
    for c, y in m.targets.items():
        target_specs.append((resolve(headers, c), y, c))
    targets: dict[int, np.ndarray] = {}  # index in target_specs → values
    tyears: dict[int, np.ndarray] = {}
    any_bad = np.zeros(n, dtype=bool)
    for k_, (j, y, head) in enumerate(target_specs):
        if j is None:
            vals, bad = V.parse_amounts(np.full(n, m.constants.get("target"), dtype=object))
        else:
            vals, bad = _numbers(ctx, j, "a target", part)
        any_bad |= bad
        targets[k_] = vals
        tyears[k_] = _year_of(y, fy)
    has_target = np.zeros(n, dtype=bool)
    for v in targets.values():
        has_target |= ~np.isnan(v)
    t.exclude(~has_target & any_bad, "target not a number")
    t.exclude(~has_target, "no target")
    # history
    hist_rows: list[pd.DataFrame] = []
    latest = np.full(n, np.nan)
    latest_year = np.full(n, np.nan)
    for c, y in sorted(m.history.items(), key=lambda cy: cy[1]):
        j = resolve(headers, c)
        vals, _bad = _numbers(ctx, j, "an actual value", part)
        hy = _year_of(y, fy)
        not_above_zero(t, kid, hy, vals, j)
        ok = ~np.isnan(vals) & ~np.isnan(hy)
        hist_rows.append(pd.DataFrame({"i": np.flatnonzero(ok), "fiscal_year": hy[ok].astype(np.int64),
                                       "value": vals[ok]}))
        newer = ok & (np.isnan(latest_year) | (hy >= latest_year))
        latest = np.where(newer, vals, latest)
        latest_year = np.where(newer, hy, latest_year)
    # baseline
    if m.source_of("baseline") is not None and "baseline" in ctx.fields:
        bvals, _ = _numbers(ctx, ctx.fields["baseline"], "a baseline", part)
        latest = np.where(np.isnan(bvals), latest, bvals)
        latest_year = np.where(np.isnan(bvals), latest_year, fy - 1)
    # direction
    dirs = {key(k): direction_value(v) for k, v in m.directions.items()}
    col_dir, _j = per_unique(ctx, "direction", lambda v: None if v is None or v == "" else direction_value(v)) \
        if "direction" in ctx.fields else (np.full(n, None, dtype=object), None)
    const_dir = direction_value(m.constants["direction"]) if "direction" in m.constants else None
    direction = np.zeros(n, dtype=np.int64)
    why = np.full(n, "", dtype=object)
    undecided = []
    live = t.live & ~t.bad
    for i in np.flatnonzero(live):
        d = dirs.get(key(kid[i]))
        if d is not None:
            direction[i], why[i] = d, "the mapping's directions"
            continue
        if col_dir[i] is not None:
            direction[i], why[i] = col_dir[i], "the direction column"
            continue
        if m.guess_directions:
            g, reason = guess_direction(name[i], mtype[i])
            if g is not None:
                direction[i], why[i] = g, reason
                continue
        if const_dir is not None:
            direction[i], why[i] = const_dir, "the mapping's direction constant"
            continue
        undecided.append(i)
    jn = ctx.fields.get("name", ctx.fields.get("kpi_id", 0))
    for i in undecided:
        t.cell_error(int(i), jn, f"cannot tell whether higher or lower is better for measure {kid[i]!r} "
                     f"({name[i]!r}) from its name and type; add it to the mapping's directions or give a direction "
                     "constant", kind="direction")
    weight = V.parse_amounts(np.asarray(per_unique(ctx, "weight", lambda v: v)[0], dtype=object))[0]
    mn = V.parse_amounts(np.asarray(per_unique(ctx, "minimum", lambda v: v)[0], dtype=object))[0]
    mx = V.parse_amounts(np.asarray(per_unique(ctx, "maximum", lambda v: v)[0], dtype=object))[0]
    keep = t.close()
    # the current year's target (first target spec) for the baseline fallback
    cur = targets[0] if targets else np.full(n, np.nan)
    cur_year = tyears[0] if tyears else fy
    no_hist = keep & np.isnan(latest)
    if no_hist.any():
        ids = [str(x) for x in kid[no_hist]]
        report.warning(file, sheet_name, "", f"{len(ids)} measure(s) have no numeric prior actual; each starts at its "
                       f"current target (baseline = target): {', '.join(ids[:30])}" + (" …" if len(ids) > 30 else ""))
        latest = np.where(no_hist, cur, latest)
        latest_year = np.where(no_hist, cur_year, latest_year)
    goal_ids = np.where(pd.isna(goal), DEFAULT_GOAL, goal)
    part.rows = pd.DataFrame({"row": t.header_row + 2 + np.arange(n), "table": "kpis", "kpi_id": kid, "name": name,
                              "department": dept, "program": prog, "measure_type": mtype,
                              "direction": np.where(direction > 0, "Higher is better",
                                                    np.where(direction < 0, "Lower is better", "")),
                              "direction_from": why, "fiscal_year": fy, "target": cur,
                              "baseline": latest, "baseline_fy": latest_year, "goal_id": goal_ids,
                              "excluded": t.reasons})
    idx = np.flatnonzero(keep)
    kpis = pd.DataFrame({
        "kpi_id": kid[idx], "name": name[idx], "goal_id": goal_ids[idx], "objective_id": None, "unit": unit[idx],
        "direction": direction[idx].astype(np.int64), "baseline": latest[idx].astype(float),
        "baseline_fy": pd.array([int(y) if y == y else None for y in latest_year[idx]], dtype="Int64"),
        "trend": np.nan, "minimum": mn[idx], "maximum": mx[idx],
        "weight": np.where(np.isnan(weight[idx]), 1.0, weight[idx]), "department": dept[idx]})
    part.kpis = kpis[KPI_COLUMNS].reset_index(drop=True)
    tg = []
    for k_, vals in targets.items():
        ok = keep & ~np.isnan(vals) & ~np.isnan(tyears[k_])
        tg.append(pd.DataFrame({"kpi_id": kid[ok], "fiscal_year": tyears[k_][ok].astype(np.int64), "v": vals[ok]}))
    tgf = pd.concat(tg, ignore_index=True) if tg else pd.DataFrame(columns=["kpi_id", "fiscal_year", "v"])
    wide = tgf.drop_duplicates(["kpi_id", "fiscal_year"]).pivot(index="kpi_id", columns="fiscal_year", values="v") \
        if len(tgf) else pd.DataFrame()
    wide = wide.reindex(index=list(kid[idx]))
    wide.columns = [int(c) for c in wide.columns]
    wide = wide.reindex(columns=sorted(wide.columns)).astype(float)
    wide.index.name = "kpi_id"
    part.kpi_targets = wide
    if hist_rows:
        h = pd.concat(hist_rows, ignore_index=True)
        h = h[keep[h["i"].to_numpy()]] if len(h) else h
        h = h.assign(kpi_id=kid[h["i"].to_numpy()] if len(h) else []).sort_values(["i", "fiscal_year"])
        part.kpi_history = h[["kpi_id", "fiscal_year", "value"]].reset_index(drop=True)
    else:
        part.kpi_history = pd.DataFrame({"kpi_id": pd.Series(dtype=object), "fiscal_year": pd.Series(dtype=np.int64),
                                         "value": pd.Series(dtype=float)})
    gids = list(dict.fromkeys(goal_ids[idx]))
    part.goals = pd.DataFrame({"goal_id": gids, "goal": [("Measures imported from " + file) if g == DEFAULT_GOAL
                                                         else g for g in gids], "weight": 1.0})
    return part

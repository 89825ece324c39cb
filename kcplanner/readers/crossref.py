"""Cross-references checked after every file is read (SPEC.md, "What bad input gets").

- duplicate request IDs across all files (both places named);
- requests, positions, drivers and KPIs naming a department that has no line items;
- requests, positions and drivers naming a program that is not in that department's line items
  (or created by a "New program" request);
- requests naming an unknown KPI.
Names compare case-insensitively with surrounding spaces ignored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..report import ValidationReport
from ..values import name_key

MAX_REF_MESSAGES = 50


def _keys(s: pd.Series) -> pd.Series:
    return name_key(s.astype(object).where(s.notna(), None))


def _known(line_items: pd.DataFrame) -> tuple[set, set]:
    """Department keys and (department, program) key pairs of the line items, vectorized."""
    if not len(line_items):
        return set(), set()
    dcodes, du = pd.factorize(line_items["department"].astype(object))
    pcodes, pu = pd.factorize(line_items["program"].astype(object))
    dk = [" ".join(str(u).split()).casefold() for u in du]
    pk = [" ".join(str(u).split()).casefold() for u in pu]
    ok = (dcodes >= 0) & (pcodes >= 0)
    combo = np.unique(dcodes[ok].astype(np.int64) * max(len(pu), 1) + pcodes[ok])
    pairs = {(dk[c // max(len(pu), 1)], pk[c % max(len(pu), 1)]) for c in combo}
    return set(dk), pairs


def check(report: ValidationReport, line_items: pd.DataFrame, requests: pd.DataFrame | None,
          positions: pd.DataFrame | None, kpi_refs: pd.DataFrame | None, driver_refs: pd.DataFrame | None,
          kpi_ids: pd.Series) -> None:
    depts, pairs = _known(line_items)
    if requests is not None and len(requests) and "type" in requests:
        # A "New program" request creates its program: it, and the positions and drivers that name
        # it, may name a program the line items do not have yet (its department must exist).
        new = (requests["type"].astype(object).map(lambda t: str(t).strip().casefold()) == "new program").to_numpy()
        pairs = pairs | set(zip(_keys(requests["department"])[new], _keys(requests["program"])[new]))
    known_kpis = set(_keys(kpi_ids).dropna()) if kpi_ids is not None and len(kpi_ids) else set()
    count = {"n": 0}

    def err(file, sheet, cell, msg):
        count["n"] += 1
        if count["n"] <= MAX_REF_MESSAGES:
            report.error(file, sheet, cell, msg)

    def dept_prog(frame: pd.DataFrame, what: str, program_optional: bool = False):
        if frame is None or not len(frame):
            return
        dk = _keys(frame["department"])
        pk = _keys(frame["program"])
        for i in np.flatnonzero(~dk.isin(depts).to_numpy()):
            r = frame.iloc[i]
            err(r["source_file"] if "source_file" in frame else r["file"],
                r["source_sheet"] if "source_sheet" in frame else r["sheet"], r["_dept_cell"],
                f"{what} names the unknown department {r['department']!r}; expected a department of the line items")
        has_prog = pk.notna().to_numpy()
        dept_ok = dk.isin(depts).to_numpy()
        pair_ok = np.array([(d, p) in pairs for d, p in zip(dk, pk)], dtype=bool)
        for i in np.flatnonzero(has_prog & dept_ok & ~pair_ok):
            r = frame.iloc[i]
            err(r["source_file"] if "source_file" in frame else r["file"],
                r["source_sheet"] if "source_sheet" in frame else r["sheet"], r["_prog_cell"],
                f"{what} names the program {r['program']!r}, which is not a program of {r['department']!r} "
                "in the line items; expected one of its programs")

    dept_prog(requests, "the request")
    dept_prog(positions, "the position")
    dept_prog(driver_refs, "the driver")
    if kpi_refs is not None and len(kpi_refs):
        dk = _keys(kpi_refs["department"])
        for i in np.flatnonzero((dk.notna() & ~dk.isin(depts)).to_numpy()):
            r = kpi_refs.iloc[i]
            err(r["file"], r["sheet"], r["_dept_cell"],
                f"the KPI names the unknown department {r['department']!r}; expected a department of the line items")
    if requests is not None and len(requests) and kpi_ids is None:
        if requests["kpi_id"].notna().any():
            report.warning("", "", "", "no KPIs read from a plan workbook: the KPI IDs of the requests are not checked")
    if requests is not None and len(requests) and kpi_ids is not None:
        kk = _keys(requests["kpi_id"])
        for i in np.flatnonzero((kk.notna() & ~kk.isin(known_kpis)).to_numpy()):
            r = requests.iloc[i]
            err(r["source_file"], r["source_sheet"], r["_kpi_cell"],
                f"the request names the unknown KPI {r['kpi_id']!r}; expected a KPI ID of the plan's KPIs sheet")
    if requests is not None and len(requests):
        ik = _keys(requests["request_id"])
        dup = ik.duplicated(keep=False).to_numpy()
        firsts: dict[str, int] = {}
        for i in np.flatnonzero(dup):
            k = ik.iloc[i]
            if k not in firsts:
                firsts[k] = i
                continue
            a, r = requests.iloc[firsts[k]], requests.iloc[i]
            err(r["source_file"], r["source_sheet"], r["_id_cell"],
                f"duplicate request ID {r['request_id']!r}: already used in {a['source_file']}, sheet "
                f"{a['source_sheet']}, cell {a['_id_cell']}")
    if count["n"] > MAX_REF_MESSAGES:
        report.error("", "", "", f"… and {count['n'] - MAX_REF_MESSAGES} more unknown or duplicate references")


def check_goals(report: ValidationReport, line_items: pd.DataFrame, goals: pd.DataFrame | None) -> pd.DataFrame:
    """The line items' optional Goal column against the plan's Goals (a Goal ID or a goal's name):
    an unknown goal is an error naming its cell; without a plan the goals are kept unchecked (a
    warning).  Returns the line items without the cells column."""
    if "_goal_cell" not in line_items.columns:
        return line_items
    gk = _keys(line_items["goal"])
    given = gk.notna().to_numpy()
    if goals is None:
        if given.any():
            report.warning("", "", "", "no plan workbook: the Goal column of the line items is not checked against "
                                       "the plan's Goals")
        return line_items.drop(columns="_goal_cell")
    known = set(_keys(goals["goal_id"]).dropna()) | set(_keys(goals["goal"]).dropna())
    bad = np.flatnonzero(given & ~gk.isin(known).to_numpy())
    for i in bad[:MAX_REF_MESSAGES]:
        r = line_items.iloc[i]
        report.error(r["source_file"], r["source_sheet"], r["_goal_cell"],
                     f"the line item names the unknown goal {r['goal']!r}; expected a Goal ID or goal of the plan's "
                     "Goals sheet")
    if len(bad) > MAX_REF_MESSAGES:
        report.error("", "", "", f"… and {len(bad) - MAX_REF_MESSAGES} more line items naming an unknown goal")
    return line_items.drop(columns="_goal_cell")

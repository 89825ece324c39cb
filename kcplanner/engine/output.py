"""Results as SPEC's results file, side-by-side comparisons, and the `kcplanner run` summary."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..atomic import atomic_write_text
from .fund_data import MISSING_TEXT, NO_DATA_KIND
from .results import Results


def _leaf(values) -> list:
    """A row over plan years as JSON values: NaN → null, numpy scalars → Python."""
    out = []
    for v in np.asarray(values).tolist():
        if isinstance(v, float) and not math.isfinite(v):
            out.append(None)
        else:
            out.append(v)
    return out


def to_json_dict(results: Results) -> dict[str, Any]:
    """SPEC's results file: plan_years, funds, departments, kpis, score, findings."""
    f = results.funds
    funds = {name: {"revenue": _leaf(f.revenue[i]), "expenditure": _leaf(f.expenditure[i]),
                    "balance": _leaf(f.balance[i]), "reserve_ratio": _leaf(f.reserve_ratio[i]),
                    "structural": _leaf(f.structural[i])}
             for i, name in enumerate(f.names)}
    d = results.by_department
    departments = {name: {"baseline": _leaf(d.baseline[i]), "scenario": _leaf(d.scenario[i])}
                   for i, name in enumerate(d.names)}
    k = results.kpis
    kpis = {}
    for i, kid in enumerate(k.ids):
        met = [bool(m) if h else None for m, h in zip(k.met[i].tolist(), k.has_target[i].tolist())]
        kpis[kid] = {"baseline": _leaf(k.baseline[i]), "scenario": _leaf(k.scenario[i]), "low": _leaf(k.low[i]),
                     "high": _leaf(k.high[i]), "target": _leaf(k.target[i]), "met": met}
    return {"plan_years": list(results.plan_years), "funds": funds, "departments": departments, "kpis": kpis,
            "score": _leaf(k.score), "findings": [x.to_dict() for x in results.findings]}


def results_to_json(results: Results) -> str:
    return json.dumps(to_json_dict(results), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_results_json(results: Results, path: str | Path) -> None:
    """Write the results file atomically (temporary file, then replace)."""
    atomic_write_text(path, results_to_json(results))


# -- comparison --------------------------------------------------------------------------------

@dataclass
class Comparison:
    """Two results side by side.  Each table is long: name, measure, fiscal_year, a, b, difference
    (difference = b − a; for `met` a/b are 1.0/0.0 and NaN where there is no target)."""

    name_a: str
    name_b: str
    funds: pd.DataFrame
    departments: pd.DataFrame
    programs: pd.DataFrame
    account_classes: pd.DataFrame
    kpis: pd.DataFrame
    score: pd.DataFrame

    @property
    def table(self) -> pd.DataFrame:
        parts = {"funds": self.funds, "departments": self.departments, "programs": self.programs,
                 "account classes": self.account_classes, "kpis": self.kpis, "score": self.score}
        return pd.concat([df.assign(section=k) for k, df in parts.items()], ignore_index=True)[
            ["section", "name", "measure", "fiscal_year", "a", "b", "difference"]]


def _long(names: list, measures: dict[str, tuple[np.ndarray, list]], years: list[int]) -> pd.DataFrame:
    frames = []
    for measure, (values, row_names) in measures.items():
        df = pd.DataFrame(values, columns=years)
        df.insert(0, "name", [n if not isinstance(n, tuple) else " / ".join(n) for n in row_names])
        frames.append(df.melt(id_vars="name", var_name="fiscal_year", value_name="value").assign(measure=measure))
    if not frames:
        return pd.DataFrame(columns=["name", "measure", "fiscal_year", "value"])
    return pd.concat(frames, ignore_index=True)


def _side(r: Results) -> dict[str, pd.DataFrame]:
    y = r.plan_years
    f, k = r.funds, r.kpis
    return {
        "funds": _long(f.names, {m: (getattr(f, m), f.names) for m in
                                 ("revenue", "expenditure", "balance", "reserve_ratio", "structural")}, y),
        "departments": _long([], {"expenditure": (r.by_department.scenario, r.by_department.names)}, y),
        "programs": _long([], {"expenditure": (r.by_program.scenario, r.by_program.names)}, y),
        "account_classes": _long([], {"expenditure": (r.by_account_class.scenario, r.by_account_class.names)}, y),
        "kpis": _long([], {"value": (k.scenario, k.ids), "low": (k.low, k.ids), "high": (k.high, k.ids),
                           "met": (np.where(k.has_target, k.met.astype(float), np.nan), k.ids)}, y),
        "score": _long([], {"score": (k.score[None, :], ["plan score"])}, y),
    }


def compare(results_a: Results, results_b: Results) -> Comparison:
    """Every figure of two results side by side, with its difference (b − a)."""
    a, b = _side(results_a), _side(results_b)
    out = {}
    for key in a:
        m = a[key].merge(b[key], on=["name", "measure", "fiscal_year"], how="outer", suffixes=("_a", "_b"), sort=False)
        m = m.rename(columns={"value_a": "a", "value_b": "b"})
        m["difference"] = m["b"] - m["a"]
        out[key] = m[["name", "measure", "fiscal_year", "a", "b", "difference"]]
    return Comparison(name_a=getattr(results_a.scenario, "name", "A"), name_b=getattr(results_b.scenario, "name", "B"),
                      **out)


# -- `kcplanner run` summary ----------------------------------------------------------------------

def _m(x: float, scale: float) -> str:
    if not math.isfinite(x):
        return "–"
    return f"{x / scale:,.1f}" if scale > 1 else f"{x:,.0f}"


def run_summary_text(results: Results) -> str:
    """A short plain-text summary: totals per fund and year, policy findings, KPIs off target."""
    r = results
    labels = r.year_labels
    lines = [f"Scenario: {getattr(r.scenario, 'name', '')}", ""]
    name_w = max([len("Fund")] + [len(n) for n in r.funds.names]) + 2
    head = f"{'Fund':<{name_w}}{'':<13}" + "".join(f"{lab:>12}" for lab in labels)
    f = r.funds
    big = max([0.0] + [float(np.abs(a[np.isfinite(a)]).max()) for a in (f.revenue, f.expenditure, f.balance)
                       if np.isfinite(a).any()])
    scale = 1e6 if big >= 1e7 else 1.0
    unit = "$ millions" if scale > 1 else "$"
    lines += [f"Funds ({unit}; reserve as % of expenditure)", head, "-" * len(head)]
    for i, name in enumerate(f.names):
        for j, (what, row) in enumerate((("revenue", f.revenue[i]), ("expenditure", f.expenditure[i]),
                                         ("balance", f.balance[i]), ("structural", f.structural[i]))):
            lines.append(f"{(name if j == 0 else ''):<{name_w}}{what:<13}" + "".join(f"{_m(v, scale):>12}" for v in row))
        ratio = "".join(f"{(f'{v * 100:.1f}%' if math.isfinite(v) else '–'):>12}" for v in f.reserve_ratio[i])
        lines.append(f"{'':<{name_w}}{'reserve':<13}" + ratio)
    if f.carried is not None:
        carried = [f"{n} {_m(v, scale)}" for n, v in zip(f.names, f.carried) if math.isfinite(v) and v != 0]
        lines.append(f"Beginning balances include the review's year-end balance change ({r.scenario.review_carry}; "
                     f"{unit}): " + (", ".join(carried) if carried else "none"))
    lines.append("")
    policy = [x for x in r.findings if x.kind != NO_DATA_KIND]
    unchecked = [x.fund for x in r.findings if x.kind == NO_DATA_KIND]
    if policy:
        lines.append(f"Policy findings ({len(policy)}):")
        lines += [f"  - {x.message}" for x in policy]
    elif len(unchecked) < len(f.names):
        lines.append("Policy findings: none" + (f" in the {len(f.names) - len(unchecked)} fund(s) checked"
                                                if unchecked else ""))
    if unchecked:
        lines.append(f"Funds not checked ({len(unchecked)} of {len(f.names)}: no revenue data; {MISSING_TEXT}): "
                     + ", ".join(unchecked))
    k = r.kpis
    off = []
    for i, kid in enumerate(k.ids):
        years = [labels[t] for t in range(len(labels)) if k.has_target[i, t] and not k.met[i, t]]
        if years:
            off.append(f"  - {kid} {k.names[i]}: off target in {', '.join(years)}")
    lines.append("")
    lines.append(f"KPIs off target ({len(off)} of {len(k.ids)}):" if off else "KPIs off target: none")
    lines += off
    score = "  ".join(f"{lab} {(f'{v * 100:.1f}%' if math.isfinite(v) else '–')}" for lab, v in zip(labels, k.score))
    lines += ["", f"Plan score: {score}"]
    if r.messages:
        lines += ["", "Scenario problems (skipped):"] + [f"  - {m}" for m in r.messages]
    return "\n".join(lines) + "\n"

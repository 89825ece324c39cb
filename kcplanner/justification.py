"""Funding justifications: one department's requests, ranked, with their cost, positions, the KPIs
they move and the manager's narrative — as plain data, and as a workbook.

    data = justification_data(dataset, prepared, base_scenario, "Police", narratives)
    write_justification_workbook(data, "police-justification.xlsx")
    # the app: ui.requests.pdf.write_justification_pdf(data, "police-justification.pdf")

`data` is plain Python (dicts, lists, str, float, bool, None; NaN becomes None), so the workbook,
the PDF and any later export read the same figures.  KPI paths per request: "without" is the
base scenario without the request, "with" the base scenario with it (their difference is the
request's effect, see kcplanner.requests), "target" the plan's targets.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from .atomic import OutputError, atomic_path, scratch_dir
from .dataset import Dataset
from .engine import Prepared
from .requests import RequestEffect, ranked, request_effects
from .scenario import Scenario


@dataclass(frozen=True)
class JustificationNarrative:
    """What the department manager writes in the justification form.

    `expected_effects`: (KPI ID, the manager's expected effect in words), e.g.
    ("PS-01", "Response times fall by about 30 seconds within a year")."""

    what: str = ""
    why: str = ""
    alternatives: str = ""
    expected_effects: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        effects = self.expected_effects
        if isinstance(effects, Mapping):
            effects = tuple(effects.items())
        object.__setattr__(self, "expected_effects", tuple((str(k), str(v)) for k, v in effects))
        for name in ("what", "why", "alternatives"):
            v = getattr(self, name)
            object.__setattr__(self, name, "" if v is None else str(v))

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "why": self.why, "alternatives": self.alternatives,
                "expected_effects": [{"kpi_id": k, "text": v} for k, v in self.expected_effects]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "JustificationNarrative":
        effects = data.get("expected_effects") or []
        pairs = [(e["kpi_id"], e["text"]) if isinstance(e, Mapping) else tuple(e) for e in effects]
        return cls(what=data.get("what", ""), why=data.get("why", ""), alternatives=data.get("alternatives", ""),
                   expected_effects=tuple(pairs))


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _nums(a) -> list[float | None]:
    return [_num(v) for v in np.asarray(a, dtype=float).tolist()]


def _key(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def justification_data(dataset: Dataset, prepared: Prepared, base_scenario: Scenario, department: str,
                       narratives: Mapping[str, JustificationNarrative] | None = None,
                       effects: Sequence[RequestEffect] | None = None,
                       request_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """One department's requests in Rank order with everything the justification shows.

    `narratives` maps request ID → the form's narrative (default: What = the title,
    Why = the request's Justification text).  `effects` may pass already computed effects.
    `request_ids` keeps only those requests (see `request_justification_data`)."""
    P = prepared
    code = P.departments.find(department)
    dept_name = P.departments.names[code] if code is not None else " ".join(str(department).split())
    records = ranked(dataset, dept_name)
    if request_ids is not None:
        keep = {_key(r) for r in request_ids}
        records = [r for r in records if _key(r.request_id) in keep]
    ids = [r.request_id for r in records]
    by_id = {}
    if effects is not None:
        by_id = {_key(e.request_id): e for e in effects}
    missing = [rid for rid in ids if _key(rid) not in by_id]
    if missing:
        for e in request_effects(P, base_scenario, missing):
            by_id[_key(e.request_id)] = e
    narratives = {(_key(k)): v for k, v in (narratives or {}).items()}
    years = list(P.plan_years)
    labels = list(P.year_labels)
    kpi_units = dict(zip(P.kpi_ids, P.kpi_units))
    out_requests = []
    total_costs = np.zeros(len(years))
    total_fte = 0.0
    for rec in records:
        e = by_id[_key(rec.request_id)]
        entered = np.array([rec.cost(y) for y in years], dtype=float)
        narrative = narratives.get(_key(rec.request_id)) or JustificationNarrative(what=rec.title, why=rec.justification)
        # KPIs: the one the request names, then every KPI it moves
        rows = []
        named = None
        if rec.kpi_id:
            for i, k in enumerate(e.kpi_ids):
                if _key(k) == _key(rec.kpi_id):
                    named = i
        order = ([named] if named is not None else []) + [i for i in e.moved_kpis() if i != named]
        for i in order:
            rows.append({
                "kpi_id": e.kpi_ids[i], "name": e.kpi_names[i], "unit": kpi_units.get(e.kpi_ids[i], ""),
                "direction": "Higher is better" if e.kpi_direction[i] > 0 else "Lower is better",
                "linked": i == named, "moved": i in e.moved_kpis(),
                "without": _nums(e.kpi_without[i]), "with": _nums(e.kpi_with[i]), "target": _nums(e.kpi_target[i]),
                "delta": _nums(e.kpi_delta[i]), "cost_per_unit": _num(e.cost_per_unit[i]),
                "met_without": [bool(v) for v in e.met_without[i]], "met_with": [bool(v) for v in e.met_with[i]],
            })
        funds = []
        for f, name in enumerate(e.fund_names):
            if np.any(e.expenditure_delta[f] != 0) or np.any(np.nan_to_num(e.balance_delta[f]) != 0):  # NaN: no revenue data
                funds.append({"fund": name, "expenditure_delta": _nums(e.expenditure_delta[f]),
                              "balance_delta": _nums(e.balance_delta[f]),
                              "structural_delta": _nums(e.structural_delta[f]),
                              "reserve_ratio_with": _nums(e.reserve_ratio_with[f]),
                              "reserve_ratio_without": _nums(e.reserve_ratio_without[f])})
        out_requests.append({
            "rank": rec.rank, "request_id": rec.request_id, "title": rec.title, "type": rec.type,
            "fund": rec.fund, "program": rec.program, "account_class": rec.account_class,
            "recurring": bool(rec.recurring), "fte": float(rec.fte or 0.0), "justification": rec.justification,
            "kpi_id": rec.kpi_id, "costs": _nums(entered), "total_cost": float(entered.sum()),
            "net_costs": _nums(e.cost), "net_total": float(e.cost.sum()), "funded_in_base": e.funded_in_base,
            "narrative": narrative.to_dict(), "kpis": rows, "funds": funds,
            "score_without": _nums(e.score_without), "score_with": _nums(e.score_with),
            "findings_added": list(e.findings_added), "findings_removed": list(e.findings_removed),
        })
        total_costs += e.cost
        total_fte += float(rec.fte or 0.0) * (-1.0 if _key(rec.type) == "reduction" else 1.0)
    return {
        "city": dataset.plan.settings.city or "", "department": dept_name, "scenario": base_scenario.name,
        "scope": "department" if request_ids is None else "requests",
        "plan_years": years, "year_labels": labels, "requests": out_requests,
        "totals": {"net_costs": _nums(total_costs), "net_total": float(total_costs.sum()), "fte": total_fte},
    }


def request_justification_data(dataset: Dataset, prepared: Prepared, base_scenario: Scenario, request_id: str,
                               narrative: JustificationNarrative | None = None,
                               effect: RequestEffect | None = None) -> dict[str, Any]:
    """The justification of ONE request: the same data as `justification_data` (its department,
    totals of that one request) with only that request.  Raises `KeyError` naming an unknown ID."""
    rec = next((r for r in ranked(dataset) if _key(r.request_id) == _key(request_id)), None)
    if rec is None:
        raise KeyError(f"no request with the ID {request_id!r}")
    data = justification_data(dataset, prepared, base_scenario, rec.department,
                              {rec.request_id: narrative} if narrative is not None else None,
                              [effect] if effect is not None else None, request_ids=[rec.request_id])
    data["scope"] = "request"
    return data


def narrative_paragraphs(req: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of one request's narrative as printed, each text once: What (left out when
    it only repeats the title), Why, Alternatives considered, each expected effect, then the
    request's own Justification text unless a paragraph already holds it (by default Why *is*
    the Justification).  Texts are compared with their whitespace collapsed, ignoring case."""
    nar = req.get("narrative") or {}
    items = [("What", nar.get("what")), ("Why", nar.get("why")), ("Alternatives considered", nar.get("alternatives"))]
    items += [(f"Expected effect on {e['kpi_id']}", e.get("text")) for e in nar.get("expected_effects", [])]
    items.append(("Justification", req.get("justification")))
    out: list[tuple[str, str]] = []
    seen: list[str] = []
    for label, text in items:
        norm = _key(text or "")
        if not norm or (label == "What" and norm == _key(req.get("title", ""))):
            continue
        if norm in seen or (label == "Justification" and any(norm in s for s in seen)):
            continue
        seen.append(norm)
        out.append((label, str(text).strip()))
    return out


# =============================================================================================
# The workbook
# =============================================================================================

_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(text: str, taken: set[str]) -> str:
    base = _BAD_SHEET.sub("-", text).strip().strip("'")[:31] or "Request"
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f" ({n})"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    taken.add(name.casefold())
    return name


def write_justification_workbook(data: Mapping[str, Any], out_path) -> None:
    """One workbook for one department: a ranked summary sheet, then a sheet per request with its
    narrative, costs by year, FTE, fund effects and KPI paths (with a line chart per KPI).

    Written atomically; every text from the data is written as text (never a formula)."""
    import xlsxwriter

    with atomic_path(out_path, suffix=".xlsx") as tmp, scratch_dir(out_path) as scratch:
        wb = xlsxwriter.Workbook(str(tmp), {"tmpdir": str(scratch), "nan_inf_to_errors": False,
                                            "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
        try:
            _workbook(wb, data)
        finally:
            try:
                wb.close()
            except Exception as exc:  # xlsxwriter raises its own errors for file problems
                raise OutputError(f"{out_path}: could not write the workbook: {exc}") from exc


def _workbook(wb, data: Mapping[str, Any]) -> None:
    F = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "h": wb.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "top"}),
        "b": wb.add_format({"bold": True}),
        "money": wb.add_format({"num_format": "$#,##0;-$#,##0", "border": 1}),
        "money_b": wb.add_format({"num_format": "$#,##0;-$#,##0", "border": 1, "bold": True}),
        "num": wb.add_format({"num_format": "#,##0.00", "border": 1}),
        "pct": wb.add_format({"num_format": "0.0%", "border": 1}),
        "text": wb.add_format({"border": 1, "text_wrap": True, "valign": "top"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "note": wb.add_format({"italic": True, "font_color": "#555555"}),
    }
    labels = list(data["year_labels"])
    ny = len(labels)
    taken: set[str] = set()

    def s(ws, r, c, text, fmt=None):
        ws.write_string(r, c, "" if text is None else str(text), fmt) if fmt else \
            ws.write_string(r, c, "" if text is None else str(text))

    def n(ws, r, c, value, fmt):
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            ws.write_blank(r, c, None, fmt)
        else:
            ws.write_number(r, c, float(value), fmt)

    # -- summary ------------------------------------------------------------------------------
    ws = wb.add_worksheet(_sheet_name("Requests", taken))
    city = data.get("city") or ""
    s(ws, 0, 0, f"{city + ' — ' if city else ''}{data['department']}: funding requests", F["title"])
    s(ws, 1, 0, f"Scenario: {data.get('scenario', '')}. Costs are the net budget effect by fiscal year "
                f"(a Reduction's savings are negative).", F["note"])
    head = ["Rank", "Request ID", "Title", "Type", "Fund", "Program", "Recurring", "FTE"] + \
           [f"Cost {lab}" for lab in labels] + ["Five-year total", "KPIs moved", "Justification"]
    for c, h in enumerate(head):
        s(ws, 3, c, h, F["h"])
    r = 4
    for req in data["requests"]:
        n(ws, r, 0, req["rank"], F["num"])
        for c, key in enumerate(("request_id", "title", "type", "fund", "program"), start=1):
            s(ws, r, c, req[key], F["text"])
        s(ws, r, 6, "Y" if req["recurring"] else "N", F["text"])
        n(ws, r, 7, req["fte"], F["num"])
        for t in range(ny):
            n(ws, r, 8 + t, req["net_costs"][t], F["money"])
        n(ws, r, 8 + ny, req["net_total"], F["money_b"])
        s(ws, r, 9 + ny, ", ".join(k["kpi_id"] for k in req["kpis"] if k["moved"]), F["text"])
        s(ws, r, 10 + ny, req["justification"], F["text"])
        r += 1
    s(ws, r, 2, "Total", F["b"])
    n(ws, r, 7, data["totals"]["fte"], F["num"])
    for t in range(ny):
        n(ws, r, 8 + t, data["totals"]["net_costs"][t], F["money_b"])
    n(ws, r, 8 + ny, data["totals"]["net_total"], F["money_b"])
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 40)
    ws.set_column(3, 7, 16)
    ws.set_column(8, 8 + ny, 14)
    ws.set_column(9 + ny, 9 + ny, 18)
    ws.set_column(10 + ny, 10 + ny, 60)
    ws.freeze_panes(4, 3)

    # -- one sheet per request -------------------------------------------------------------
    for req in data["requests"]:
        rank = req["rank"]
        prefix = f"{int(rank)} " if rank is not None and float(rank).is_integer() else ""
        ws = wb.add_worksheet(_sheet_name(prefix + req["request_id"], taken))
        sheet = ws.get_name()
        s(ws, 0, 0, f"{req['request_id']}: {req['title']}", F["title"])
        info = [("Department", data["department"]), ("Program", req["program"]), ("Fund", req["fund"]),
                ("Type", req["type"]), ("Account class", req["account_class"]),
                ("Recurring", "Y" if req["recurring"] else "N")]
        r = 2
        for label, value in info:
            s(ws, r, 0, label, F["b"])
            s(ws, r, 1, value)
            r += 1
        s(ws, r, 0, "Rank", F["b"])
        n(ws, r, 1, rank, F["num"])
        r += 1
        s(ws, r, 0, "FTE", F["b"])
        n(ws, r, 1, req["fte"], F["num"])
        r += 2
        # narrative
        s(ws, r, 0, "Narrative", F["h"])
        s(ws, r, 1, "", F["h"])
        r += 1
        for label, text in narrative_paragraphs(req):
            s(ws, r, 0, label, F["b"])
            ws.merge_range(r, 1, r, ny + 1, "", F["wrap"])
            s(ws, r, 1, text, F["wrap"])
            lines = sum(max(1, math.ceil(len(part) / 95)) for part in str(text or "").split("\n"))
            ws.set_row(r, 15 * max(lines, 1))
            r += 1
        r += 1
        # costs
        s(ws, r, 0, "Costs by year", F["h"])
        for t, lab in enumerate(labels):
            s(ws, r, 1 + t, lab, F["h"])
        s(ws, r, 1 + ny, "Five-year total", F["h"])
        r += 1
        s(ws, r, 0, "Cost as requested", F["text"])
        for t in range(ny):
            n(ws, r, 1 + t, req["costs"][t], F["money"])
        n(ws, r, 1 + ny, req["total_cost"], F["money_b"])
        r += 1
        s(ws, r, 0, "Net budget effect", F["text"])
        for t in range(ny):
            n(ws, r, 1 + t, req["net_costs"][t], F["money"])
        n(ws, r, 1 + ny, req["net_total"], F["money_b"])
        r += 2
        # funds
        if req["funds"]:
            s(ws, r, 0, "Fund effect", F["h"])
            for t, lab in enumerate(labels):
                s(ws, r, 1 + t, lab, F["h"])
            r += 1
            for fe in req["funds"]:
                for label, key in (("expenditure", "expenditure_delta"), ("ending balance", "balance_delta"),
                                   ("structural balance", "structural_delta")):
                    s(ws, r, 0, f"{fe['fund']}: {label}", F["text"])
                    for t in range(ny):
                        n(ws, r, 1 + t, fe[key][t], F["money"])
                    r += 1
                s(ws, r, 0, f"{fe['fund']}: reserve ratio with the request", F["text"])
                for t in range(ny):
                    n(ws, r, 1 + t, fe["reserve_ratio_with"][t], F["pct"])
                r += 1
            r += 1
        # KPIs
        if not req["kpis"]:
            s(ws, r, 0, "No KPI is linked to this request or moved by it.", F["note"])
        chart_row = r
        for k in req["kpis"]:
            unit = f" ({k['unit']})" if k.get("unit") else ""
            s(ws, r, 0, f"{k['kpi_id']} {k['name']}{unit} — {k['direction']}", F["h"])
            for t, lab in enumerate(labels):
                s(ws, r, 1 + t, lab, F["h"])
            top = r + 1
            for i, (label, key, fmt) in enumerate((("Without request", "without", F["num"]),
                                                   ("With request", "with", F["num"]),
                                                   ("Target", "target", F["num"]),
                                                   ("Change", "delta", F["num"]))):
                s(ws, top + i, 0, label, F["text"])
                for t in range(ny):
                    n(ws, top + i, 1 + t, k[key][t], fmt)
            s(ws, top + 4, 0, "Cost per unit-year of improvement", F["text"])
            n(ws, top + 4, 1, k["cost_per_unit"], F["money"])
            chart = wb.add_chart({"type": "line"})
            for i, name in enumerate(("Without request", "With request", "Target")):
                chart.add_series({
                    "name": name,
                    "categories": [sheet, r, 1, r, ny],
                    "values": [sheet, top + i, 1, top + i, ny],
                    "marker": {"type": "circle" if i < 2 else "none"},
                    "line": {"dash_type": "dash"} if i == 2 else {},
                })
            from .exports._common import set_literal_title  # a KPI ID starting "=" stays text
            set_literal_title(chart, f"{k['kpi_id']} {k['name']}"[:80])
            chart.set_legend({"position": "bottom"})
            chart.set_size({"width": 520, "height": 260})
            ws.insert_chart(chart_row, ny + 3, chart)
            chart_row += 14
            r = max(top + 7, r + 7)
        ws.set_column(0, 0, 36)
        ws.set_column(1, ny + 1, 15)
        ws.set_column(1, 1, 15)


__all__ = ["JustificationNarrative", "justification_data", "request_justification_data", "narrative_paragraphs",
           "write_justification_workbook"]

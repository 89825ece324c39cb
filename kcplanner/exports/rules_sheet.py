"""The Rules sheet: the scenario's rules and funded requests, machine-readable, and reading it back.

Layout (rows 1-based):

    1  Scenario          | <name>
    2  Format            | kcplanner rules 1
    3  (note)
    4  Review carry-over | FY2026 P06   (only when the scenario carries the review's balance change)
    5  Rules (applied in this order)
    6  Order | Label | Fund | Department | Program | Account class | Revenue source | Kind | Value |
       Start FY | End FY | Years | Status | Value (exact)
    .. one row per rule
       (blank row)
       Funded requests
       Order | Request ID | Title | Type | Fund | Department | Program | Status
    .. one row per funded request
       (blank row; only when the scenario overrides drivers: overrides_table.py)
       Driver overrides (Use the estimate)
       Order | KPI ID | Department | Program | Elasticity | Elasticity low | Elasticity high | Source | …

`read_scenario_from_workbook` finds the two header rows by their texts (case-insensitive), so
an analyst may add rows above, reorder columns or add columns of their own.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..fiscal import FiscalCalendar, parse_fiscal_year
from ..scenario import Scenario, ScenarioError, carry_label, load_scenario, scenario_from_dict
from ._common import ExportError, print_setup, write_num, write_text
from .overrides_table import read_overrides, write_overrides

RULES_SHEET = "Rules"
FORMAT_TAG = "kcplanner rules 1"
CARRY_LABEL = "Review carry-over"
RULE_HEADERS = ["Order", "Label", "Fund", "Department", "Program", "Account class", "Revenue source", "Kind",
                "Value", "Start FY", "End FY", "Years", "Status", "Value (exact)"]
REQUEST_HEADERS = ["Order", "Request ID", "Title", "Type", "Fund", "Department", "Program", "Status"]
_TARGET_COLUMNS = {"fund": "Fund", "department": "Department", "program": "Program",
                   "account_class": "Account class", "revenue_source": "Revenue source"}


def write_rules_sheet(wb, fmt: dict, scenario: Scenario, *, name: str = RULES_SHEET, calendar: FiscalCalendar,
                      plan_years: list[int], invalid: dict[int, str] | None = None,
                      notes: dict[int, str] | None = None, request_info: dict[str, tuple] | None = None,
                      unknown_requests: set[str] | None = None):
    """Write the Rules sheet (rows in order, constant_memory friendly)."""
    ws = wb.add_worksheet(name)
    invalid = invalid or {}
    notes = notes or {}
    request_info = request_info or {}
    unknown_requests = unknown_requests or set()
    widths = [7, 28, 16, 22, 22, 20, 20, 9, 14, 9, 9, 24, 50, 22]
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    ws.set_column(13, 13, 22, fmt["muted"])
    r = 0
    ws.write_string(r, 0, "Scenario", fmt["label"])
    write_text(ws, r, 1, scenario.name, fmt["subtitle"])
    r += 1
    ws.write_string(r, 0, "Format", fmt["label"])
    ws.write_string(r, 1, FORMAT_TAG)
    r += 1
    ws.write_string(r, 0, "Rules apply in order, year by year; blank Start FY / End FY = the plan's first / last "
                          "year. Edit this sheet and open the workbook as a scenario to use it again.", fmt["muted"])
    r += 1
    if scenario.review_carry:  # the row stays blank when the scenario carries nothing
        ws.write_string(r, 0, CARRY_LABEL, fmt["label"])
        ws.write_string(r, 1, scenario.review_carry)
        ws.write_string(r, 2, "the review's year-end fund balance change is carried into the plan's beginning "
                              "balances (clear this cell to stop)", fmt["muted"])
    r += 1
    ws.write_string(r, 0, "Rules (applied in this order)", fmt["subtitle"])
    r += 1
    header_row = r
    for j, h in enumerate(RULE_HEADERS):
        ws.write_string(r, j, h, fmt["header"])
    r += 1
    y1, y5 = plan_years[0], plan_years[-1]
    for i, rule in enumerate(scenario.rules):
        ws.write_number(r, 0, i + 1)
        write_text(ws, r, 1, rule.label or None)
        for j, key in enumerate(_TARGET_COLUMNS, start=2):
            write_text(ws, r, j, getattr(rule.target, key))
        ws.write_string(r, 7, rule.kind)
        vfmt = fmt["money"] if rule.kind == "amount" else fmt["number"]
        write_num(ws, r, 8, rule.value, vfmt)
        if rule.start is not None:
            ws.write_number(r, 9, int(rule.start), fmt["year"])
        if rule.end is not None:
            ws.write_number(r, 10, int(rule.end), fmt["year"])
        start = calendar.label(rule.start if rule.start is not None else y1)
        end = calendar.label(rule.end if rule.end is not None else y5)
        years = "all plan years" if rule.start is None and rule.end is None else f"{start} to {end}"
        ws.write_string(r, 11, years)
        status = "skipped: " + invalid[i] if i in invalid else (notes.get(i) or "applied")
        write_text(ws, r, 12, status, fmt["bad"] if i in invalid else None)
        if math.isfinite(rule.value):
            ws.write_string(r, 13, repr(float(rule.value)))
        r += 1
    last_rule_row = r - 1
    r += 1
    ws.write_string(r, 0, "Funded requests", fmt["subtitle"])
    r += 1
    for j, h in enumerate(REQUEST_HEADERS):
        ws.write_string(r, j, h, fmt["header"])
    r += 1
    for k, rid in enumerate(scenario.funded_requests):
        ws.write_number(r, 0, k + 1)
        write_text(ws, r, 1, rid)
        info = request_info.get(" ".join(rid.split()).casefold())
        if info:
            for j, v in enumerate(info, start=2):
                write_text(ws, r, j, v)
        write_text(ws, r, 7, "not in the dataset (ignored)" if rid in unknown_requests else "funded",
                   fmt["bad"] if rid in unknown_requests else None)
        r += 1
    write_overrides(ws, fmt, r, scenario, calendar.label)  # only when the scenario overrides drivers
    ws.freeze_panes(header_row + 1, 0)
    if last_rule_row >= header_row + 1:
        ws.autofilter(header_row, 0, last_rule_row, len(RULE_HEADERS) - 1)
    print_setup(ws, (header_row, header_row), f"Scenario rules: {scenario.name}")
    return ws


def write_scenario_rules(wb, fmt, P, R, name: str = "Rules") -> None:
    """The Rules sheet of a scenario's results (the scenario workbook's, and each side of a comparison)."""
    info = {}
    for j, rid in enumerate(P.request_ids):
        info.setdefault(" ".join(rid.split()).casefold(),
                        (P.request_titles[j], P.request_types[j], P.funds.names[P.req_fund[j]],
                         P.departments.names[P.req_dept[j]], P.programs.names[P.req_prog[j]]))
    unknown = {rid for rid in R.scenario.funded_requests if " ".join(rid.split()).casefold() not in P.request_index}
    write_rules_sheet(wb, fmt, R.scenario, name=name or RULES_SHEET, calendar=P.calendar,
                      plan_years=list(R.plan_years), invalid=dict(R.invalid_rules), notes=dict(R.rule_notes),
                      request_info=info, unknown_requests=unknown)


# -- reading back ------------------------------------------------------------------------------

def _norm(v: Any) -> str:
    return " ".join(str(v).split()).casefold() if v is not None else ""


def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and math.isnan(v))


def _text(v: Any) -> str | None:
    if _is_blank(v):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _year(v: Any, where: str) -> int | None:
    if _is_blank(v):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, (int, str)) and not isinstance(v, bool):
        y = parse_fiscal_year(v.strip() if isinstance(v, str) else v)
        if y is not None:
            return y
    raise ScenarioError(f"{where}: expected a fiscal year such as 2028 or FY2028, found {v!r}")


def _value(v: Any, exact: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        if isinstance(v, str):
            try:
                v = float(v.replace(",", "").replace("$", "").strip())
            except ValueError:
                raise ScenarioError(f"{where}: expected a number, found {v!r}") from None
        else:
            raise ScenarioError(f"{where}: expected a number, found {v!r}")
    v = float(v)
    if isinstance(exact, str) and exact.strip():
        try:
            e = float(exact)
        except ValueError:
            e = None
        # The exact text wins only while it agrees with the visible number (nobody edited Value).
        if e is not None and math.isfinite(e) and abs(e - v) <= 1e-13 * max(abs(e), abs(v)):
            return e
    return v


def _find_header(rows: list[list], first: str, second: str, start: int = 0) -> int | None:
    for r in range(start, len(rows)):
        row = rows[r]
        if len(row) >= 2 and _norm(row[0]) == first and _norm(row[1]) == second:
            return r
    return None


def _rows(path: Path, sheet: str | None) -> tuple[list[list], str]:
    try:
        from python_calamine import CalamineWorkbook
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise ExportError("python-calamine is needed to read a scenario workbook") from exc
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types
        raise ExportError(f"{path}: not a readable workbook ({exc})") from None
    names = list(wb.sheet_names)
    wanted = sheet or RULES_SHEET
    match = next((n for n in names if _norm(n) == _norm(wanted)), None)
    if match is None:
        others = [n for n in names if _norm(n).startswith("rules")]
        hint = f"; it has {', '.join(repr(n) for n in others)}: pass sheet= one of them" if others else \
            ("; it is not a kcplanner scenario export (File > Export scenario writes one)")
        raise ExportError(f"{path}: no sheet named '{wanted}' with the scenario's rules{hint}")
    try:
        rows = wb.get_sheet_by_name(match).to_python(skip_empty_area=False)
    except Exception as exc:
        raise ExportError(f"{path}: cannot read the sheet '{match}' ({exc})") from None
    return [list(r) for r in rows], match


def read_scenario_from_workbook(path: str | Path, sheet: str | None = None) -> Scenario:
    """The scenario (rules in order, funded requests) stored in an export's Rules sheet.

    `sheet` picks another sheet of the same layout (a comparison export has `Rules A` and
    `Rules B`).  A workbook without the sheet, or with a malformed one, gives an ExportError or a
    ScenarioError (both ValueError) that names the file, sheet and row.
    """
    path = Path(path)
    if not path.exists():
        raise ExportError(f"{path}: the file does not exist")
    rows, sheet_name = _rows(path, sheet)
    where0 = f"{path.name}, sheet {sheet_name}"
    name = carry = None
    for i, row in enumerate(rows[:10]):
        if name is None and row and _norm(row[0]) == "scenario" and len(row) > 1 and not _is_blank(row[1]):
            name = row[1] if isinstance(row[1], str) else _text(row[1])
        if carry is None and row and _norm(row[0]) == _norm(CARRY_LABEL) and len(row) > 1:
            carry = carry_label(_text(row[1]), f"{where0}, {CARRY_LABEL} (cell B{i + 1})")
    h = _find_header(rows, "order", "label")
    if h is None:
        raise ExportError(f"{where0}: no header row starting 'Order | Label' (the rules table); "
                          f"expected the columns {' | '.join(RULE_HEADERS[:11])}")
    cols = {_norm(v): j for j, v in enumerate(rows[h]) if not _is_blank(v)}
    missing = [c for c in ("Kind", "Value") if _norm(c) not in cols]
    if missing:
        raise ExportError(f"{where0}, row {h + 1}: the rules table has no column {', '.join(missing)}")

    def get(row: list, header: str) -> Any:
        j = cols.get(_norm(header))
        return row[j] if j is not None and j < len(row) else None

    rules = []
    r = h + 1
    while r < len(rows) and not all(_is_blank(v) for v in rows[r]):
        row = rows[r]
        where = f"{where0}, row {r + 1}"
        target = {k: _text(get(row, col)) for k, col in _TARGET_COLUMNS.items()}
        kind = get(row, "Kind")
        label = get(row, "Label")
        rules.append({
            "label": label if isinstance(label, str) else (_text(label) or ""),
            "target": {k: v for k, v in target.items() if v is not None},
            "kind": kind.strip().lower() if isinstance(kind, str) else kind,
            "value": _value(get(row, "Value"), get(row, "Value (exact)"), f"{where}, Value"),
            "start": _year(get(row, "Start FY"), f"{where}, Start FY"),
            "end": _year(get(row, "End FY"), f"{where}, End FY"),
        })
        r += 1
    funded: list[str] = []
    q = _find_header(rows, "order", "request id", r)
    if q is not None:
        r = q + 1
        while r < len(rows) and len(rows[r]) > 1 and not _is_blank(rows[r][1]):
            rid = rows[r][1]
            funded.append(rid if isinstance(rid, str) else (_text(rid) or ""))
            r += 1
    overrides = read_overrides(rows, r, where0, _year)  # the estimated elasticities (overrides_table.py)
    try:
        return scenario_from_dict({"name": name or path.stem, "rules": rules, "funded_requests": funded,
                                   "review_carry": carry, "driver_overrides": overrides or None}, bounded=True)
    except ScenarioError as exc:
        raise ScenarioError(f"{where0}: {exc}") from None


def load_any_scenario(path: str | Path) -> Scenario:
    """A scenario from a `.json` scenario file or from an exported workbook (`.xlsx`, `.xlsm`)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_scenario_from_workbook(p)
    if suffix == ".json":
        return load_scenario(p)
    raise ExportError(f"{p}: a scenario is a .json scenario file or an exported .xlsx workbook, "
                      f"not a {suffix or 'file without extension'}")

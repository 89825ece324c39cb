"""Issue 5: the scenario workbook, the comparison workbook, the round trip (kcplanner.exports)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from kcplanner.atomic import OutputError
from kcplanner.engine import evaluate, prepare
from kcplanner.exports import (ExportCancelled, ExportError, export_comparison, export_scenario, important_kpis,
                               load_any_scenario, read_scenario_from_workbook)
from kcplanner.exports._common import criterion_safe
from kcplanner.scenario import VALUE_BOUNDS, Rule, Scenario, ScenarioError, Target, save_scenario

from .engine_data import build_dataset

Y = [2027, 2028, 2029, 2030, 2031]
#: Names that a spreadsheet would take for a formula if written carelessly.
INJECTION = ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+1", "-2"]
GENERAL, WATER, ODD_FUND = "General Fund", "Water Fund", "=1+1 Fund"


def city():
    """A small city whose names include formula-injection strings, wildcards and digits."""
    departments = ["Police", "Parks & Rec"] + INJECTION + ["District 9 *Works?"]
    classes = ["Personnel Services", "Commodities", "Contractual Services"]
    lines = []
    for d, dept in enumerate(departments):
        for k in range(3):
            fund = (GENERAL, WATER, ODD_FUND)[(d + k) % 3]
            amount = 1000.0 * (d + 1) + 137.25 * k + 0.01 * d
            lines.append({"fund": fund, "department": dept, "program": f"{dept} program {k % 2}" if k else "Patrol",
                          "account": INJECTION[k % 4] if d == 0 else f"51{k}0 Account",
                          "account_class": classes[k], "recurring": (d + k) % 5 != 0,
                          "source_file": "city.xlsx", "source_sheet": "Line Items", "source_row": 2 + len(lines),
                          "amounts": {(2026, "Adopted"): amount, (2025, "Actual"): amount * 0.97}})
    revenue = [
        {"fund": GENERAL, "source": "Property tax", "recurring": True, "growth": 0.02,
         "amounts": {(2026, "Estimate"): 30000.0}},
        {"fund": GENERAL, "source": "Grant", "recurring": False, "growth": 0.0, "amounts": {(2026, "Actual"): 500.0}},
        {"fund": WATER, "source": "Water charges", "recurring": True, "growth": 0.03,
         "amounts": {(2026, "Estimate"): 12000.0}},
        {"fund": ODD_FUND, "source": "+1 Fee", "recurring": True, "growth": 0.0, "amounts": {(2026, "Estimate"): 900.0}},
    ]
    funds = [{"fund": GENERAL, "fund_name": "General", "beginning_balance": 5000.0, "reserve_floor": 0.10,
              "reserve_target": 0.15, "reserve_ceiling": 0.25},
             {"fund": WATER, "fund_name": "Water", "beginning_balance": 2500.5},
             {"fund": ODD_FUND, "fund_name": "@odd", "beginning_balance": -100.0, "reserve_floor": 0.05}]
    requests = [
        {"request_id": "R-1", "department": "Police", "program": "Patrol", "fund": GENERAL, "title": "More officers",
         "type": "Enhancement", "account_class": "Personnel Services", "recurring": True,
         "source_file": "city.xlsx", "source_sheet": "Requests", "source_row": 2,
         "costs": {2027: 2000.0, 2028: 2060.0, 2029: 2121.8}},
        {"request_id": "=R2", "department": "+1", "program": "Patrol", "fund": ODD_FUND, "title": "@Cut",
         "type": "Reduction", "account_class": "Commodities", "recurring": False,
         "source_file": "city.xlsx", "source_sheet": "Requests", "source_row": 3, "costs": {2027: 300.0}},
    ]
    kpis = [{"kpi_id": f"K{j}", "name": f"KPI {j}", "goal_id": "G1", "unit": "%", "direction": 1 if j % 2 else -1,
             "baseline": 50.0 + j, "trend": 0.01 * j, "weight": float(j + 1), "department": None} for j in range(4)]
    drivers = [{"kpi_id": "K1", "department": "Police", "program": "Patrol", "elasticity": 0.4},
               {"kpi_id": "K2", "department": "Parks & Rec", "program": None, "elasticity": -0.2, "lag": 1}]
    targets = {"K0": {y: 49.0 for y in Y}, "K1": {y: 52.0 + (y - 2027) for y in Y}, "K3": {2028: 60.0}}
    positions = [{"department": "Police", "program": "Patrol", "position": "Officer", "fte": 4.0,
                  "cost_per_fte": 80000.0}]
    assumptions = {"Personnel Services": {y: 0.03 for y in Y}, "Commodities": {2028: 0.02}}
    return build_dataset(lines=lines, revenue=revenue, funds=funds, requests=requests, kpis=kpis, drivers=drivers,
                         targets=targets, positions=positions, assumptions=assumptions, first_plan_year=2027)


def all_kinds_scenario(name: str = "Council option A") -> Scenario:
    """Every rule kind, target key and year-range form the round trip must restore."""
    rules = (
        Rule("Police +5%", Target(department="Police"), "percent", 5),
        Rule("", Target(fund=GENERAL, account_class="Commodities"), "percent", -2.5, 2028, None),
        Rule("=1+1 label", Target(department=INJECTION[0]), "amount", 1234.56, None, 2029),
        Rule("Officers", Target(department="Police", program="Patrol"), "fte", 2, 2028, 2030),
        Rule("Tax growth", Target(revenue_source="Property tax"), "percent", 0.1 + 0.2),
        Rule("Water fee", Target(fund=WATER, revenue_source="Water charges"), "amount", -250.125, 2029, 2029),
        Rule("@ amount everywhere", Target(), "amount", 1e-7),
        Rule("Typo target", Target(department="Polise"), "percent", 3),  # invalid: skipped by the engine
        Rule("+1 dept", Target(department="+1", program="+1 program 1"), "percent", 12.345678901234567),
    )
    return Scenario(name=name, rules=rules, funded_requests=("R-1", "=R2", "NO-SUCH"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    src = folder / "plan.xlsx"
    src.write_bytes(b"not really a workbook, but a file to hash")
    ds = city()
    P = prepare(ds)
    sc = all_kinds_scenario()
    R = evaluate(P, sc)
    out = folder / "scenario.xlsx"
    seen = []
    info = export_scenario(P, R, out, sources=[src], progress=lambda f, t: seen.append((f, t)))
    return {"ds": ds, "P": P, "R": R, "scenario": sc, "path": out, "info": info, "progress": seen, "src": src}


def sheet_rows(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def find_row(rows: list[list], *keys) -> int:
    for i, row in enumerate(rows):
        if tuple(row[: len(keys)]) == keys:
            return i
    raise AssertionError(f"no row {keys}")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cents(a, b) -> bool:
    return abs(float(a) - float(b)) < 0.005


# -- the workbook --------------------------------------------------------------------------------

def test_sheets_open_in_openpyxl_without_warnings(exported):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wb = openpyxl.load_workbook(exported["path"])
    assert wb.sheetnames == ["Summary", "Funds", "Departments", "KPIs", "Drivers", "Charts", "Revenue", "Line Items", "Rules"]
    assert exported["info"].line_rows == len(exported["ds"].budget.line_items) + 2
    fractions = [f for f, _ in exported["progress"]]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0


def test_print_setup_frozen_header_autofilter_and_formats(exported):
    wb = openpyxl.load_workbook(exported["path"])
    li = wb["Line Items"]
    assert li.freeze_panes == "D2"
    assert li.auto_filter.ref and li.auto_filter.ref.startswith("A1:")
    assert li.print_title_rows == "$1:$1"
    assert li.page_setup.orientation == "landscape" and li.page_setup.fitToWidth in (None, 1)  # 1 is the default
    assert li.page_setup.fitToHeight == 0
    assert li.sheet_properties.pageSetUpPr.fitToPage
    assert li["L2"].number_format.startswith('"$"#,##0.00')  # amounts as currency (column format)
    assert li.column_dimensions["B"].width > 10
    funds = wb["Funds"]
    ratio_row = next(r for r in range(1, 60) if funds.cell(r, 3).value == "Reserve ratio")
    assert funds.cell(ratio_row, 4).number_format == "0.0%"
    for name in ("Summary", "Funds", "Departments", "KPIs", "Revenue", "Rules"):
        assert wb[name].page_setup.orientation == "landscape"


def test_line_items_hold_engine_amounts_and_marked_request_lines(exported):
    R, ds = exported["R"], exported["ds"]
    rows = sheet_rows(exported["path"], "Line Items")
    header = rows[0]
    assert header[:11] == ["Fund", "Department", "Program", "Account", "Account class", "Recurring", "Line",
                           "Request ID", "Source file", "Source sheet", "Source row"]
    assert header[11] == "Baseline FY2026-27" and header[16] == "Scenario FY2026-27" and header[21] == "Change FY2026-27"
    base, scen = R.line_amounts()
    n = len(ds.budget.line_items)
    got = np.array([r[11:26] for r in rows[1:n + 1]], dtype=float)
    # cells hold 16 significant digits
    assert np.allclose(got[:, :5], base, rtol=1e-15, atol=0) and np.allclose(got[:, 5:10], scen, rtol=1e-15, atol=0)
    assert np.allclose(got[:, 10:], scen - base, rtol=0, atol=1e-9)
    assert [r[1] for r in rows[1:n + 1]] == list(ds.budget.line_items["department"].astype(str))
    assert rows[1][8:11] == ["city.xlsx", "Line Items", 2.0]
    requests = rows[n + 1:n + 3]
    assert [r[6] for r in requests] == ["Request", "Request"]
    assert [r[7] for r in requests] == ["R-1", "=R2"]
    assert requests[1][1] == "+1" and requests[1][3] == "Request: @Cut"
    assert requests[0][16:21] == [2000.0, 2060.0, 2121.8, 0.0, 0.0]
    assert requests[1][16] == -300.0  # a Reduction saves
    assert all(v == 0 for v in requests[0][11:16])


def test_rollups_are_formulas_with_the_engine_figures_cached(exported):
    R, P = exported["R"], exported["P"]
    path = exported["path"]
    wb = openpyxl.load_workbook(path)
    # Departments: SUMIFS for ordinary names, SUMPRODUCT exact match for names a criterion would misread.
    depts = wb["Departments"]
    rows = sheet_rows(path, "Departments")
    for i, name in enumerate(R.by_department.names):
        r = find_row(rows, name)
        f = depts.cell(r + 1, 2).value
        assert depts.cell(r + 1, 2).data_type == "f"
        assert f.startswith("=SUMIFS('Line Items'!$L$2:$L$") if criterion_safe(name) else f.startswith("=SUMPRODUCT(")
        assert rows[r][1:6] == pytest.approx(list(R.by_department.baseline[i]), abs=1e-6)
        assert rows[r][6:11] == pytest.approx(list(R.by_department.scenario[i]), abs=1e-6)
        assert depts.cell(r + 1, 12).value == f"=G{r + 1}-B{r + 1}"
    # Funds: balance chain as formulas; cached values are the engine's.
    frows = sheet_rows(path, "Funds")
    F = R.funds
    B = P.baseline_results().funds
    for f, name in enumerate(F.names):
        for measure, values in (("Revenue", F.revenue[f]), ("Expenditure", F.expenditure[f]),
                                ("Ending balance", F.balance[f]), ("Structural balance", F.structural[f]),
                                ("Baseline ending balance", B.balance[f])):
            r = next(i for i, row in enumerate(frows) if row[0] == name and row[2] == measure)
            assert frows[r][3:8] == pytest.approx(list(values), abs=1e-6), (name, measure)
        r = next(i for i, row in enumerate(frows) if row[0] == name and row[2] == "Ending balance")
        assert wb["Funds"].cell(r + 1, 4).value == f"=D{r - 2}+D{r - 1}-D{r}"
        r = next(i for i, row in enumerate(frows) if row[0] == name and row[2] == "Reserve ratio")
        ratio = [v if v != "" else np.nan for v in frows[r][3:8]]
        assert ratio == pytest.approx(list(F.reserve_ratio[f]), nan_ok=True)
    # Summary totals reference the Funds sheet.
    srows = sheet_rows(path, "Summary")
    r = find_row(srows, GENERAL, "Expenditure, scenario")
    assert srows[r][2:7] == pytest.approx(list(F.expenditure[F.names.index(GENERAL)]), abs=1e-6)
    assert wb["Summary"].cell(r + 1, 3).value.startswith("='Funds'!D")
    r = find_row(srows, "All funds", "Expenditure, change")
    assert srows[r][2:7] == pytest.approx(list((F.expenditure - B.expenditure).sum(axis=0)), abs=1e-6)


def test_summary_lists_sources_with_sha256_findings_and_score(exported):
    rows = sheet_rows(exported["path"], "Summary")
    flat = [v for row in rows for v in row]
    assert "Council option A" in flat
    assert sha(exported["src"]) in flat
    R = exported["R"]
    assert R.findings, "the test city should break a policy somewhere"
    for x in R.findings:
        assert x.message in flat
    r = find_row(rows, "Plan score") + 2
    for t, v in enumerate(R.kpis.score):
        assert (rows[r][2 + t] == pytest.approx(v)) if np.isfinite(v) else rows[r][2 + t] == "no targets"
    assert any("Polise" in str(v) for v in flat)  # the skipped rule is reported


def test_kpi_sheet_and_charts(exported):
    R = exported["R"]
    rows = sheet_rows(exported["path"], "KPIs")
    assert rows[0][:13] == ["KPI ID", "KPI", "Unit", "Direction", "Weight", "Fiscal year", "Baseline", "Scenario",
                            "Low", "High", "Target", "Status", "Baseline status"]
    k = R.kpis
    for i, kid in enumerate(k.ids):
        for t in range(5):
            row = rows[1 + 5 * i + t]
            assert row[0] == kid and row[5] == R.year_labels[t]
            assert row[7] == pytest.approx(k.scenario[i, t])
            expected = ("Met" if k.met[i, t] else "Off target") if k.has_target[i, t] else "No target"
            assert row[11] == expected
    order = important_kpis(R)
    off = [(k.has_target[i] & ~k.met[i]).any() for i in order]
    assert off == sorted(off, reverse=True)
    with zipfile.ZipFile(exported["path"]) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1 + min(len(k.ids), 8)
        xml = z.read(charts[0]).decode()
        assert "<c:lineChart>" in xml and "'Funds'!$D$" in xml


def test_input_text_never_becomes_a_formula(exported):
    path = exported["path"]
    wb = openpyxl.load_workbook(path)
    hits = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and any(s in c.value for s in INJECTION + ["=R2", "@Cut", "=1+1"]):
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                    hits += 1
    assert hits > 20
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name).decode()
                for f in re.findall(r"<f>(.*?)</f>", xml):  # our formulas refer to names by cell, never inline
                    assert "HYPERLINK" not in f and "SUM(A1)" not in f and "@" not in f, f
                # the injection strings are stored as inline text
                assert "<f>HYPERLINK" not in xml


def test_criterion_safety():
    assert criterion_safe("Police") and criterion_safe("Parks & Rec") and criterion_safe("Économie")
    for name in INJECTION + ["District 9", "a*b", "what?", "~x", "TRUE", "0100", "", " Lead"]:
        assert not criterion_safe(name), name


# -- round trip -------------------------------------------------------------------------------------

def test_round_trip_restores_every_rule_and_request_exactly(exported):
    back = read_scenario_from_workbook(exported["path"])
    assert back == exported["scenario"]
    assert back.rules[4].value == 0.1 + 0.2  # exactly, although cells hold 16 significant digits
    assert back.rules[1].label == "" and back.rules[1].end is None and back.rules[2].start is None
    assert load_any_scenario(exported["path"]) == exported["scenario"]


def test_round_trip_of_an_empty_scenario(tmp_path):
    ds = city()
    P = prepare(ds)
    R = evaluate(P, Scenario(name="Baseline"))
    export_scenario(P, R, tmp_path / "b.xlsx")
    assert read_scenario_from_workbook(tmp_path / "b.xlsx") == Scenario(name="Baseline")


def test_round_trip_follows_an_analysts_edits(exported, tmp_path):
    edited = tmp_path / "edited.xlsx"
    wb = openpyxl.load_workbook(exported["path"])
    ws = wb["Rules"]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Order")
    ws.cell(header + 1, 9).value = 7.5          # Police +5% → +7.5% (the exact column now disagrees)
    ws.cell(header + 1, 10).value = "FY2029"    # and a start year typed as text
    wb.save(edited)
    back = read_scenario_from_workbook(edited)
    assert back.rules[0].value == 7.5 and back.rules[0].start == 2029
    assert back.rules[4].value == 0.1 + 0.2


def test_load_any_scenario_dispatches_by_suffix(tmp_path, exported):
    sc = exported["scenario"]
    save_scenario(sc, tmp_path / "s.json")
    assert load_any_scenario(tmp_path / "s.json") == sc
    with pytest.raises(ExportError, match="a .json scenario file or an exported .xlsx"):
        load_any_scenario(tmp_path / "s.txt")


def test_a_workbook_without_rules_is_a_clear_error(tmp_path):
    import xlsxwriter
    path = tmp_path / "other.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Data").write(0, 0, "x")
    wb.close()
    with pytest.raises(ExportError, match=r"other.xlsx: no sheet named 'Rules'.*not a kcplanner scenario export"):
        read_scenario_from_workbook(path)
    junk = tmp_path / "junk.xlsx"
    junk.write_text("hello")
    with pytest.raises(ExportError, match="not a readable workbook"):
        read_scenario_from_workbook(junk)
    with pytest.raises(ExportError, match="does not exist"):
        read_scenario_from_workbook(tmp_path / "missing.xlsx")


def test_a_malformed_rules_sheet_names_the_row(exported, tmp_path):
    bad = tmp_path / "bad.xlsx"
    wb = openpyxl.load_workbook(exported["path"])
    ws = wb["Rules"]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Order")
    ws.cell(header + 2, 8).value = "percentage"
    wb.save(bad)
    with pytest.raises(ScenarioError, match=r"bad.xlsx, sheet Rules: rules\[1\].kind: unknown kind 'percentage'"):
        read_scenario_from_workbook(bad)


# -- atomic writes ------------------------------------------------------------------------------------

def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_cancel_leaves_the_previous_file_intact(exported, tmp_path):
    target = tmp_path / "scenario.xlsx"
    target.write_bytes(b"the previous export")
    before = sha(target)
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(ExportCancelled):
        export_scenario(exported["P"], exported["R"], target, cancelled=cancelled)
    assert sha(target) == before and _leftovers(tmp_path) == []


def test_an_error_inside_the_write_leaves_the_previous_file_intact(exported, tmp_path):
    target = tmp_path / "scenario.xlsx"
    target.write_bytes(b"the previous export")
    before = sha(target)

    def progress(fraction, text):
        if fraction > 0.5:
            raise RuntimeError("disk full (simulated)")

    with pytest.raises(RuntimeError, match="disk full"):
        export_scenario(exported["P"], exported["R"], target, progress=progress)
    assert sha(target) == before and _leftovers(tmp_path) == []
    with pytest.raises(RuntimeError):
        export_comparison(exported["P"], exported["P"].baseline_results(), exported["R"], target, progress=progress)
    assert sha(target) == before and _leftovers(tmp_path) == []


def test_a_read_only_target_gives_a_clear_output_error(exported, tmp_path, monkeypatch):
    target = tmp_path / "scenario.xlsx"
    target.write_bytes(b"the previous export")
    before = sha(target)
    target.chmod(0o444)
    if os.geteuid() == 0:  # root may write anything: make the permission check see a read-only file
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if Path(p) == target and mode & os.W_OK
                            else real(p, mode, *a, **k))
    with pytest.raises(OutputError, match="read-only; nothing was written"):
        export_scenario(exported["P"], exported["R"], target)
    assert sha(target) == before and _leftovers(tmp_path) == []
    with pytest.raises(OutputError, match="does not exist"):
        export_scenario(exported["P"], exported["R"], tmp_path / "no-such-folder" / "x.xlsx")
    with pytest.raises(OutputError, match=r"\.xlsx"):
        export_scenario(exported["P"], exported["R"], tmp_path / "x.csv")


# -- comparison ------------------------------------------------------------------------------------------

def test_comparison_side_by_side_with_differences(exported, tmp_path):
    P, B = exported["P"], exported["R"]
    A = P.baseline_results()
    out = tmp_path / "compare.xlsx"
    info = export_comparison(P, A, B, out)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Funds", "Departments", "Account Classes", "KPIs", "Rules A", "Rules B"]
    assert info.formula_cells > 0
    rows = sheet_rows(out, "Funds")
    for f, name in enumerate(B.funds.names):
        r = find_row(rows, name, "Ending balance")
        assert rows[r][2:7] == pytest.approx(list(A.funds.balance[f]))
        assert rows[r][7:12] == pytest.approx(list(B.funds.balance[f]))
        assert rows[r][12:17] == pytest.approx(list(B.funds.balance[f] - A.funds.balance[f]), abs=1e-6)
        assert wb["Funds"].cell(r + 1, 13).data_type == "f"
    rows = sheet_rows(out, "Departments")
    for i, name in enumerate(B.by_department.names):
        r = find_row(rows, name)
        assert rows[r][11:16] == pytest.approx(list(B.by_department.difference[i]), abs=1e-6)
    assert read_scenario_from_workbook(out, sheet="Rules B") == exported["scenario"]
    assert read_scenario_from_workbook(out, sheet="Rules A") == Scenario(name="Baseline")
    with pytest.raises(ExportError, match="pass sheet= one of them"):
        read_scenario_from_workbook(out)


def test_results_json_and_export_agree_on_fund_balances(exported):
    from kcplanner.engine import to_json_dict
    data = json.loads(json.dumps(to_json_dict(exported["R"]), allow_nan=False))
    rows = sheet_rows(exported["path"], "Funds")
    for name, fund in data["funds"].items():
        r = next(i for i, row in enumerate(rows) if row[0] == name and row[2] == "Ending balance")
        assert all(cents(a, b) for a, b in zip(rows[r][3:8], fund["balance"]))


# -- the Rules sheet alone, for any scenario (property-based) ---------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=25)
_NAME = st.one_of(st.none(), _TEXT, st.sampled_from(INJECTION + ["0100", "12", "TRUE", " spaced  out "]))
_YEAR = st.one_of(st.none(), st.integers(2000, 2100))


@st.composite
def scenarios(draw):
    rules = []
    for _ in range(draw(st.integers(0, 6))):
        start, end = draw(_YEAR), draw(_YEAR)
        if start is not None and end is not None and start > end:
            start, end = end, start
        kind = draw(st.sampled_from(["percent", "amount", "fte"]))
        low, high = VALUE_BOUNDS[kind]  # issue 11: values outside these are refused on reading
        rules.append(Rule(draw(_TEXT), Target(fund=draw(_NAME), department=draw(_NAME), program=draw(_NAME),
                                              account_class=draw(_NAME), revenue_source=draw(_NAME)),
                          kind, draw(st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)),
                          start, end))
    ids = draw(st.lists(st.one_of(_TEXT, st.sampled_from(["=R2", "@x", "007"])), max_size=5))
    name = draw(_TEXT.filter(lambda t: t.strip()))
    return Scenario(name=name, rules=tuple(rules), funded_requests=tuple(ids))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sc=scenarios())
def test_rules_sheet_round_trips_any_scenario(sc, tmp_path):
    import xlsxwriter

    from kcplanner.exports._common import WORKBOOK_OPTIONS, make_formats
    from kcplanner.exports.rules_sheet import write_rules_sheet
    from kcplanner.fiscal import FiscalCalendar

    path = tmp_path / "rules.xlsx"
    wb = xlsxwriter.Workbook(str(path), {**WORKBOOK_OPTIONS, "constant_memory": True})
    write_rules_sheet(wb, make_formats(wb), sc, calendar=FiscalCalendar(5), plan_years=Y)
    wb.close()
    assert read_scenario_from_workbook(path) == sc


def test_a_new_export_is_readable_like_any_saved_document(exported, tmp_path):
    out = tmp_path / "new.xlsx"
    export_scenario(exported["P"], exported["R"], out)
    assert out.stat().st_mode & 0o777 == 0o644  # not the 0600 of the temporary file
    out.chmod(0o664)
    export_scenario(exported["P"], exported["R"], out)
    assert out.stat().st_mode & 0o777 == 0o664  # a replaced file keeps its permissions


def test_history_sheet_holds_the_projects_audit_trail_as_text(exported, tmp_path):
    """Issue 8: the audit trail goes out with the scenario workbook (`history_rows`)."""
    from kcplanner.project import Project

    sc = exported["scenario"]
    with Project.create(tmp_path / "city.kcplan", exported["ds"], [], scenarios=[Scenario("Base")],
                        user="=cmd|' /C calc'!A0") as project:
        project.record_edit("Base", "=HYPERLINK(\"http://x\",\"y\") cut", Scenario("Base"), sc.rename("Base"))
        rows = project.export_history_rows()
    assert len(rows) >= 3 and rows[0][0] == "#"
    out = tmp_path / "with-history.xlsx"
    info = export_scenario(exported["P"], exported["R"], out, sources=[], history_rows=rows)
    assert info.sheets[-1] == "History"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-1] == "History" and wb.sheetnames[:-1] == [
        "Summary", "Funds", "Departments", "KPIs", "Drivers", "Charts", "Revenue", "Line Items", "Rules"]
    ws = wb["History"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    got = [[c.value for c in r] for r in ws.iter_rows(max_col=len(rows[0]))]
    assert len(got) == len(rows)
    assert [str(v) for v in got[0]] == [str(v) for v in rows[0]]
    for want, have in zip(rows[1:], got[1:]):
        assert have[0] == want[0]  # the sequence number stays a number
        assert [("" if v is None else str(v)) for v in have[1:]] == [("" if v is None else str(v)) for v in want[1:]]
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if isinstance(c.value, str):
                assert c.data_type == "s", (c.coordinate, c.value)  # text as text, never a formula
    assert any("HYPERLINK" in str(c.value) for r in ws.iter_rows() for c in r)
    # without history_rows there is no History sheet (the default export is unchanged)
    assert "History" not in openpyxl.load_workbook(exported["path"]).sheetnames

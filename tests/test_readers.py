"""Reading SPEC-format workbooks into a Dataset: values checked against independent sums."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kcplanner.readers import Cancelled, ImportResult, read_budget, read_dataset, read_plan
from kcplanner.report import ValidationReport

from .conftest import BUDGET_SHEETS, PLAN_SHEETS, write_csv, write_xlsx

HEADER = ["Fund", "Department", "Program", "Account", "Account class", "Recurring"]


def _ok(result: ImportResult) -> ImportResult:
    assert result.report.ok, result.report.to_text()
    assert result.dataset is not None
    return result


def test_full_import(plan_book, budget_book):
    res = _ok(read_dataset(plan_book, [budget_book]))
    ds = res.dataset
    li, am = ds.budget.line_items, ds.budget.amounts
    assert len(li) == 4 and len(am) == 4
    assert list(am.columns) == [(2025, "Actual"), (2026, "Adopted"), (2027, "Requested")]
    # "$1,000.50" and "(20)" are read as numbers; the blank Requested stays NaN (not 0)
    row = li.index[(li["program"] == "Patrol") & (li["account_class"] == "Commodities")][0]
    assert am.loc[row, (2025, "Actual")] == 1000.5
    assert am.loc[row, (2026, "Adopted")] == -20
    assert np.isnan(am.loc[row, (2027, "Requested")])
    # account defaults to the class; class alias "personnel"; Capital alias; Recurring N
    assert li.loc[row, "account"] == "Commodities"
    assert set(li["account_class"].astype(str)) == {"Personnel Services", "Commodities", "Capital Outlay"}
    assert li.loc[li["account"] == "Overtime", "recurring"].tolist() == [False]
    assert li["source_row"].tolist() == [4, 5, 6, 9]
    assert set(li["source_file"]) == {"police.xlsx"} and set(li["source_sheet"]) == {"Line Items"}
    # row accounting: read = imported + excluded
    counts = {(r.file, r.sheet): r for r in res.report.rows}
    c = counts[("police.xlsx", "Line Items")]
    assert (c.read, c.imported, dict(c.excluded)) == (6, 4, {"blank row": 1, "subtotal row": 1})
    assert all(r.balanced for r in res.report.rows)
    # names are shared categoricals
    assert isinstance(li["department"].dtype, pd.CategoricalDtype)
    assert list(li["department"].cat.categories) == list(ds.budget.requests["department"].cat.categories)
    assert ds.plan_years == [2027, 2028, 2029, 2030, 2031]


def test_plan_tables(plan_book, budget_book):
    ds = _ok(read_dataset(plan_book, [budget_book])).dataset
    p = ds.plan
    assert p.settings.city == "Testville" and p.settings.first_plan_year == 2027
    assert p.settings.default_cost_per_fte == 90000
    assert p.goals.set_index("goal_id")["weight"].to_dict() == {"G1": 2.0, "G2": 1.0}
    k = p.kpis.set_index("kpi_id")
    assert k.loc["K1", "goal_id"] == "G1" and k.loc["K1", "objective_id"] == "O1"  # objective resolves to goal
    assert k.loc["K2", "goal_id"] == "G2"  # "g2" matches case-insensitively; spelling of the Goals sheet
    assert k.loc["K1", "direction"] == -1 and k.loc["K2", "direction"] == 1
    assert k.loc["K1", "trend"] == pytest.approx(0.01)  # 1 in a "%" column = 1%
    assert k.loc["K2", "trend"] == pytest.approx(0.02)  # "2%"
    assert k.loc["K1", "baseline_fy"] == 2026 and pd.isna(k.loc["K2", "baseline_fy"])
    assert p.kpi_targets.loc["K1", 2027] == 9 and np.isnan(p.kpi_targets.loc["K2", 2028])
    d = p.drivers.set_index("kpi_id")
    assert d.loc["K1", "lag"] == 1 and d.loc["K2", "lag"] == 0
    assert d.loc["K1", "max_effect"] == pytest.approx(0.20) and np.isnan(d.loc["K2", "max_effect"])
    assert d.loc["K1", "elasticity_low"] == -0.3 and d.loc["K1", "elasticity_high"] == -0.5
    assert d.loc["K2", "elasticity_high"] == 0.5 and pd.isna(d.loc["K2", "program"])
    rev = p.revenue
    assert len(rev) == 2  # the Total row is a subtotal
    assert rev["growth"].tolist() == pytest.approx([0.02, 0.0])
    assert rev["recurring"].tolist() == [True, False]
    assert p.revenue_amounts[(2025, "Actual")].sum() == 1050
    a = p.assumptions
    assert a.loc["Personnel Services", 2027] == pytest.approx(0.03) and a.loc["Personnel Services", 2028] == pytest.approx(0.03)
    assert a.loc["Commodities", 2028] == 0 and a.loc["Other", 2027] == 0
    f = p.funds.set_index("fund")
    assert f.loc["General", "beginning_balance"] == 5000
    assert f.loc["General", "reserve_floor"] == pytest.approx(0.10)
    assert f.loc["General", "reserve_target"] == pytest.approx(0.15)
    assert f.loc["General", "reserve_ceiling"] == pytest.approx(0.0025)  # bare 0.25 in a "%" column = 0.25%


def test_requests_and_positions(plan_book, budget_book):
    ds = _ok(read_dataset(plan_book, [budget_book])).dataset
    r = ds.budget.requests.set_index("request_id")
    assert r.loc["R2", "type"] == "Reduction" and r.loc["R2", "account_class"] == "Other"
    assert bool(r.loc["R1", "recurring"]) and r.loc["R1", "fte"] == 2 and r.loc["R1", "rank"] == 1
    costs = ds.budget.request_costs
    assert costs.loc["R1", 2027] == 200000 and np.isnan(costs.loc["R2", 2028])
    pos = ds.budget.positions
    assert pos["fte"].sum() == 12 and np.isnan(pos["cost_per_fte"].iloc[1])


def test_no_plan_gives_empty_plan(budget_book):
    ds = _ok(read_dataset(None, [budget_book])).dataset
    assert ds.plan.kpis.empty and ds.plan.funds.empty and ds.plan.assumptions.empty
    # y1 without Settings: the year after the latest Adopted amount
    assert ds.first_plan_year == 2027


def _wide_frame(n: int, headers: list[str], seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "Fund": rng.choice(["General", "Water"], n),
        "Department": rng.choice(["Police", "Fire", "Parks"], n),
        "Program": [f"P{i % 5}" for i in range(n)],
        "Account": [f"{5000 + i % 9}" for i in range(n)],
        "Account class": rng.choice(["Personnel Services", "Commodities", "Capital Outlay"], n),
        "Recurring": rng.choice(["Y", "N", ""], n),
    })
    for h in headers:
        df[h] = np.round(rng.uniform(-1000, 100000, n), 2)
    return df


@pytest.mark.parametrize("headers,expected", [
    (["FY2025 Actual", "FY2026 Adopted", "FY2027 Requested"], [(2025, "Actual"), (2026, "Adopted"), (2027, "Requested")]),
    (["FY 2024-25 Actual", "FY2025-26 Adopted", "FY 2026-27 Submitted"], [(2025, "Actual"), (2026, "Adopted"), (2027, "Requested")]),
    (["2025 Actual", "2026 adopted", "2027 Proposed"], [(2025, "Actual"), (2026, "Adopted"), (2027, "Requested")]),
    (["FY25 Actual", "FY26 Adopted", "FY27 Requested"], [(2025, "Actual"), (2026, "Adopted"), (2027, "Requested")]),
    (["FY 2025 actuals", "fy_2026_adopted", "FY2026-2027 Requested"], [(2025, "Actual"), (2026, "Adopted"), (2027, "Requested")]),
])
def test_fiscal_year_headers(tmp_path, headers, expected):
    df = _wide_frame(40, headers)
    path = write_xlsx(tmp_path / "b.xlsx", {"Line Items": [list(df.columns)] + df.values.tolist()})
    ds = _ok(read_dataset(None, [path])).dataset
    assert list(ds.budget.amounts.columns) == expected
    for h, yp in zip(headers, expected):
        assert ds.budget.amounts[yp].sum() == pytest.approx(df[h].sum(), abs=1e-6)


def test_many_workbooks_and_folder(tmp_path):
    folder = tmp_path / "budgets"
    folder.mkdir()
    frames = []
    for k, headers in enumerate([["FY2025 Actual", "FY2026 Adopted"], ["FY2026 Adopted", "FY2027 Requested"],
                                 ["FY2025 Actual"]]):
        df = _wide_frame(30 + k, headers, seed=k)
        frames.append(df)
        write_xlsx(folder / f"dept{k}.xlsx", {"Line Items": [list(df.columns)] + df.values.tolist()})
    (folder / "~$dept0.xlsx").write_bytes(b"lock")  # an Office lock file is skipped
    (folder / ".hidden.xlsx").write_bytes(b"junk")
    (folder / "notes.txt").write_text("not a workbook")
    res = _ok(read_dataset(None, [folder]))
    ds = res.dataset
    assert len(ds.budget.line_items) == sum(len(f) for f in frames)
    assert [Path(s).name for s in ds.sources] == ["dept0.xlsx", "dept1.xlsx", "dept2.xlsx"]
    for yp, h in [((2025, "Actual"), "FY2025 Actual"), ((2026, "Adopted"), "FY2026 Adopted"),
                  ((2027, "Requested"), "FY2027 Requested")]:
        expected = sum(f[h].sum() for f in frames if h in f)
        assert ds.budget.amounts[yp].sum() == pytest.approx(expected, abs=1e-6)
    # the amount columns are the union: dept2 has NaN for 2026 Adopted
    assert ds.budget.amounts[(2026, "Adopted")].isna().sum() == len(frames[2])


def test_long_layout_groups_rows(tmp_path):
    rows = [["Fund", "Department", "Program", "Account class", "Recurring", "Fiscal Year", "Phase", "Amount"]]
    rows += [["General", "Police", "Patrol", "Personnel", "Y", "FY2025", "Actual", "1,000"],
             ["general ", "POLICE", "patrol", "Personnel Services", "y", 2025, "Actual", 500],  # same line, summed
             ["General", "Police", "Patrol", "Personnel", "Y", "FY 2025-26", "Adopted", 1600],
             ["General", "Police", "Patrol", "Personnel", "Y", "FY27", "Proposed", "$1,700"],
             ["General", "Police", "Patrol", "Commodities", "N", 2026, "Adopted", 40],
             ["Total", None, None, None, None, None, None, 3840]]
    path = write_csv(tmp_path / "long.csv", rows)
    res = _ok(read_dataset(None, [path]))
    ds = res.dataset
    assert len(ds.budget.line_items) == 2
    am = ds.budget.amounts
    li = ds.budget.line_items
    pers = li.index[li["account_class"] == "Personnel Services"][0]
    assert am.loc[pers, (2025, "Actual")] == 1500
    assert am.loc[pers, (2026, "Adopted")] == 1600 and am.loc[pers, (2027, "Requested")] == 1700
    assert li.loc[pers, "source_row"] == 2 and li.loc[pers, "source_sheet"] == "long"
    c = res.report.rows[0]
    assert (c.read, c.imported, dict(c.excluded)) == (6, 5, {"subtotal row": 1})
    total = pd.read_csv(path)["Amount"].iloc[:-1].astype(str).str.replace(r"[$,]", "", regex=True).astype(float).sum()
    assert np.nansum(am.to_numpy()) == pytest.approx(total)


def test_merged_title_rows_and_sheet_names(tmp_path):
    import xlsxwriter

    path = tmp_path / "merged.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Cover").write("A1", "Read me first")
    ws = wb.add_worksheet("line_items")
    ws.merge_range("A1:H1", "City of Kansas City - FY2027 Submitted Budget")
    ws.merge_range("A2:H3", "Department of Parks (all amounts in dollars)")
    ws.write_row(5, 0, ["FUND", "dept.", "Cost Center", "Object class", "Notes", "FY2026 Adopted", "FY2027 Requested"])
    ws.write_row(6, 0, ["General", "Parks", "Pools", "Commodities", "x", 10, 20])
    ws.write_row(7, 0, ["General", "Parks", "Trails", "Contractual", "y", 30, 40])
    wb.close()
    res = _ok(read_dataset(None, [path]))
    ds = res.dataset
    assert ds.budget.line_items["program"].astype(str).tolist() == ["Pools", "Trails"]
    assert ds.budget.line_items["source_row"].tolist() == [7, 8]
    assert ds.budget.amounts[(2027, "Requested")].sum() == 60
    assert any("Notes" in p.message for p in res.report.warnings)  # an unknown column is ignored with a warning


def test_first_sheet_when_no_line_items_sheet(tmp_path):
    path = write_xlsx(tmp_path / "b.xlsx", {"Sheet1": [HEADER + ["FY2026 Adopted"],
                                                       ["General", "Fire", "Ops", None, None, None, 5]]})
    ds = _ok(read_dataset(None, [path])).dataset
    assert ds.budget.amounts[(2026, "Adopted")].tolist() == [5]


def test_csv_cp1252_and_crlf(tmp_path):
    text = "Fund,Department,Program,FY2026 Adopted\r\nGeneral,Caf\xe9s,Op\xe9rations,\"1,234.50\"\r\n"
    path = tmp_path / "cp.csv"
    path.write_bytes(text.encode("cp1252"))
    ds = _ok(read_dataset(None, [path])).dataset
    assert ds.budget.line_items["department"].astype(str).tolist() == ["Caf\xe9s"]
    assert ds.budget.amounts[(2026, "Adopted")].tolist() == [1234.5]
    path2 = tmp_path / "bom.csv"
    path2.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    ds2 = _ok(read_dataset(None, [path2])).dataset
    assert ds2.budget.line_items["program"].astype(str).tolist() == ["Op\xe9rations"]


def test_percent_formatted_cells_in_plan(tmp_path, budget_book):
    import xlsxwriter

    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    pct = wb.add_format({"num_format": "0.0%"})
    for name, rows in PLAN_SHEETS.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
    wb.get_worksheet_by_name("Funds").write(1, 3, 0.1, pct)  # 10% formatted: a fraction although the header has %
    wb.get_worksheet_by_name("Funds").write(1, 5, 0.25, pct)
    wb.get_worksheet_by_name("Drivers").write(1, 5, 0.2, pct)
    wb.get_worksheet_by_name("Revenue").write(1, 6, 0.02, wb.add_format({"num_format": 9}))  # built-in "0%"
    wb.close()
    ds = _ok(read_dataset(path, [budget_book])).dataset
    f = ds.plan.funds.iloc[0]
    assert f["reserve_floor"] == pytest.approx(0.10) and f["reserve_ceiling"] == pytest.approx(0.25)
    assert ds.plan.drivers.set_index("kpi_id").loc["K1", "max_effect"] == pytest.approx(0.2)
    assert ds.plan.revenue["growth"].tolist() == pytest.approx([0.02, 0.0])
    assert ds.plan.kpis.set_index("kpi_id").loc["K1", "trend"] == pytest.approx(0.01)  # unformatted 1 in "Trend %"


def test_progress_and_cancel(plan_book, budget_book):
    seen = []
    _ok(read_dataset(plan_book, [budget_book], progress=lambda f, t: seen.append((f, t))))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and all(0 <= f <= 1 for f in fractions)
    with pytest.raises(Cancelled):
        read_dataset(plan_book, [budget_book], cancelled=lambda: True)


def test_read_plan_and_budget_alone(plan_book, budget_book):
    rep = ValidationReport()
    plan = read_plan(plan_book, rep)
    assert rep.ok and len(plan.kpis) == 2
    budget = read_budget([budget_book], rep)
    assert rep.ok and len(budget.line_items) == 4


def test_inputs_never_written(tmp_path, plan_book, budget_book):
    csv = write_csv(tmp_path / "c.csv", [HEADER + ["FY2026 Adopted"], ["General", "Fire", "Ops", "", "", "", "7"]])
    files = [plan_book, budget_book, csv]
    before = {f: (hashlib.sha256(f.read_bytes()).hexdigest(), f.stat().st_mtime_ns) for f in files}
    _ok(read_dataset(plan_book, [budget_book, csv]))
    after = {f: (hashlib.sha256(f.read_bytes()).hexdigest(), f.stat().st_mtime_ns) for f in files}
    assert before == after
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["plan.xlsx", "police.xlsx", "c.csv"])


def _write_ods(path: Path, sheet: str, rows: list[list]) -> Path:
    """A minimal OpenDocument spreadsheet (no odfpy needed)."""
    import zipfile
    from xml.sax.saxutils import escape, quoteattr

    cells = []
    for row in rows:
        out = []
        for v in row:
            if isinstance(v, (int, float)):
                out.append(f'<table:table-cell office:value-type="float" office:value="{v!r}"><text:p>{v}</text:p></table:table-cell>')
            else:
                out.append(f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>')
        cells.append("<table:table-row>" + "".join(out) + "</table:table-row>")
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name={quoteattr(sheet)}>'
               + "".join(cells) + "</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def test_ods_and_xlsm(tmp_path):
    df = _wide_frame(20, ["FY2026 Adopted"])
    rows = [list(df.columns)] + df.values.tolist()
    xlsx = write_xlsx(tmp_path / "b.xlsx", {"Line Items": rows})
    xlsm = tmp_path / "b.xlsm"
    xlsm.write_bytes(xlsx.read_bytes())
    ods = _write_ods(tmp_path / "b.ods", "Line Items", [["Parks budget"], *rows])
    for p in (xlsm, ods):
        res = _ok(read_dataset(None, [p]))
        ds = res.dataset
        assert len(ds.budget.line_items) == 20
        assert ds.budget.amounts[(2026, "Adopted")].sum() == pytest.approx(df["FY2026 Adopted"].sum())
    assert ds.budget.line_items["source_row"].tolist()[:2] == [3, 4]  # the .ods has a title row


@pytest.mark.slow
def test_million_rows_csv(tmp_path):
    n = 1_000_000
    rng = np.random.default_rng(3)
    amounts = np.round(rng.uniform(0, 1000, n), 2)
    depts = np.array(["Police", "Fire", "Parks", "Water"])[np.arange(n) % 4]
    df = pd.DataFrame({"Fund": "General", "Department": depts, "Program": "Ops", "FY2026 Adopted": amounts})
    path = tmp_path / "big.csv"
    df.to_csv(path, index=False)
    res = _ok(read_dataset(None, [path]))
    ds = res.dataset
    assert len(ds.budget.line_items) == n
    assert ds.budget.amounts[(2026, "Adopted")].sum() == pytest.approx(amounts.sum(), rel=1e-12)
    per_dept = ds.budget.amounts[(2026, "Adopted")].groupby(ds.budget.line_items["department"].astype(str)).sum()
    assert per_dept.to_dict() == pytest.approx(df.groupby("Department")["FY2026 Adopted"].sum().to_dict())
    assert res.report.rows[0].read == n and res.report.rows[0].imported == n


def test_subtotal_forms_and_row_accounting(tmp_path):
    rows = [HEADER + ["FY2026 Adopted"],
            ["General", "Police", "Patrol", "Overtime", "Other", "Y", 10],
            ["General", "Police", "Patrol", "Total Patrol", None, None, 10],
            ["General", "Police", "Sub-total Police", None, None, None, 10],
            ["Grand Total", None, None, None, None, None, 10],
            ["Totals", None, None, None, None, None, 10],
            ["GENERAL", "Police", "Patrol", "Totalizer lease", "Other", "Y", 5],  # not a subtotal: "Totalizer"
            [None, None, None, None, None, None, None],
            ["", " ", "", "", "", "", ""]]
    path = write_xlsx(tmp_path / "b.xlsx", {"LineItems": rows})
    res = _ok(read_dataset(None, [path]))
    c = res.report.rows[0]
    assert (c.read, c.imported, dict(c.excluded)) == (8, 2, {"subtotal row": 4, "blank row": 2})
    assert c.balanced
    assert res.dataset.budget.amounts[(2026, "Adopted")].sum() == 15
    # "GENERAL" and "General" are one fund, spelled as first seen
    assert list(res.dataset.budget.line_items["fund"].cat.categories) == ["General"]


def test_kpi_separate_goal_and_objective_columns(tmp_path, budget_book):
    sheets = dict(PLAN_SHEETS)
    sheets["Drivers"] = [PLAN_SHEETS["Drivers"][0], ["k1", "Police", "Patrol", -0.3, None, None, None, None]]
    sheets["KPIs"] = [["KPI ID", "Name", "Goal ID", "Objective ID", "Direction", "Baseline"],
                      ["K1", "Response time", None, "o1", "lower", 9],
                      ["K2", "Streets swept", "G2", None, "higher", 100]]
    plan = write_xlsx(tmp_path / "plan.xlsx", sheets)
    ds = _ok(read_dataset(plan, [budget_book])).dataset
    k = ds.plan.kpis.set_index("kpi_id")
    assert ds.plan.drivers["kpi_id"].tolist() == ["K1"]  # spelled as on KPIs
    assert ds.budget.requests["kpi_id"].tolist()[0] == "K1"
    assert (k.loc["K1", "goal_id"], k.loc["K1", "objective_id"]) == ("G1", "O1")  # spelled as on Objectives
    assert k.loc["K2", "goal_id"] == "G2" and pd.isna(k.loc["K2", "objective_id"])


def test_unify_shares_categories_across_plan_and_budget(plan_book, budget_book):
    ds = _ok(read_dataset(plan_book, [budget_book])).dataset
    cats = list(ds.budget.line_items["department"].cat.categories)
    assert list(ds.plan.drivers["department"].cat.categories) == cats
    assert "Public Works" in cats and ds.plan.drivers["department"].astype(str).tolist() == ["Police", "Public Works"]
    assert list(ds.plan.revenue["fund"].cat.categories) == list(ds.budget.line_items["fund"].cat.categories)


def test_empty_template_imports_with_a_warning(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", {"Line Items": [HEADER + ["FY2026 Adopted"]]})
    res = _ok(read_dataset(None, [path]))
    assert len(res.dataset.budget.line_items) == 0
    assert any("no line items" in w.message for w in res.report.warnings)


def test_budget_folder_holding_the_plan(tmp_path):
    from .conftest import write_xlsx as wx

    plan = wx(tmp_path / "plan.xlsx", PLAN_SHEETS)
    wx(tmp_path / "police.xlsx", BUDGET_SHEETS)
    res = _ok(read_dataset(plan, [tmp_path]))
    assert [Path(s).name for s in res.dataset.sources] == ["plan.xlsx", "police.xlsx"]


def test_mappings_hook_is_accepted(budget_book):
    # issue 6 adds import mappings; until then the argument is accepted and changes nothing
    a = _ok(read_dataset(None, [budget_book])).dataset
    b = _ok(read_dataset(None, [budget_book], mappings=[{"table": "line_items"}])).dataset
    pd.testing.assert_frame_equal(a.budget.amounts, b.budget.amounts)


# -- found in review: each was a wrong number read silently ------------------------------------

def test_duplicate_request_ids_are_errors_without_a_plan_too(tmp_path):
    from tests.conftest import BUDGET_SHEETS

    sheets = {k: [list(r) for r in v] for k, v in BUDGET_SHEETS.items()}
    sheets["Requests"][2][0] = "r1"  # the same ID as R1, in another spelling
    path = write_xlsx(tmp_path / "b.xlsx", sheets)
    res = read_dataset(None, [path])
    assert res.dataset is None
    assert any("duplicate request ID" in p.message and p.cell == "A3" for p in res.report.errors)


def test_a_percent_formatted_trend_cell_is_a_fraction(tmp_path):
    import xlsxwriter

    from tests.conftest import PLAN_SHEETS

    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    percent = wb.add_format({"num_format": "0%"})
    for name, rows in PLAN_SHEETS.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if name == "KPIs" and r == 1 and rows[0][c] == "Trend %":
                    ws.write_number(r, c, 0.02, percent)  # shows 2%, stores 0.02
                elif v is not None:
                    ws.write(r, c, v)
    wb.close()
    plan = read_plan(path, ValidationReport())
    trend = plan.kpis.set_index("kpi_id")["trend"]
    assert trend["K1"] == pytest.approx(0.02)  # not 0.0002
    assert trend["K2"] == pytest.approx(0.02)  # "2%" as text


@pytest.mark.parametrize("cell, direction", [("1", 1), ("+1", 1), ("-1", -1), (1, 1), (-1, -1), ("+", 1), ("-", -1),
                                             ("Higher is better", 1), ("decrease", -1)])
def test_direction_symbols(tmp_path, cell, direction):
    from tests.conftest import PLAN_SHEETS

    sheets = {k: [list(r) for r in v] for k, v in PLAN_SHEETS.items()}
    sheets["KPIs"][1][4] = cell
    plan = read_plan(write_xlsx(tmp_path / "plan.xlsx", sheets), report := ValidationReport())
    assert report.ok, report.to_text()
    assert plan.kpis.set_index("kpi_id")["direction"]["K1"] == direction


def test_a_new_program_request_may_name_a_program_the_line_items_lack(tmp_path):
    from tests.conftest import BUDGET_SHEETS

    sheets = {k: [list(r) for r in v] for k, v in BUDGET_SHEETS.items()}
    sheets["Requests"][1][2] = "Drone Unit"  # R1: Enhancement → an unknown program is an error
    res = read_dataset(None, [write_xlsx(tmp_path / "a.xlsx", sheets)])
    assert any("Drone Unit" in p.message for p in res.report.errors)
    sheets["Requests"][1][5] = "New program"
    res = read_dataset(None, [write_xlsx(tmp_path / "b.xlsx", sheets)])
    assert res.report.ok, res.report.to_text()
    from kcplanner.engine import evaluate, prepare
    from kcplanner.scenario import Scenario

    results = evaluate(prepare(res.dataset), Scenario("s", funded_requests=("R1",)))
    programs = dict(zip(results.by_program.names, results.by_program.scenario[:, 0]))
    assert programs[("Police", "Drone Unit")] == 200000


def test_a_reduction_typed_as_negative_savings_still_lowers_spending(tmp_path):
    from tests.conftest import BUDGET_SHEETS

    from kcplanner.engine import evaluate, prepare
    from kcplanner.scenario import Scenario

    sheets = {k: [list(r) for r in v] for k, v in BUDGET_SHEETS.items()}
    sheets["Requests"][2][8] = "(5,000)"  # R2 is a Reduction: its saving typed as a negative
    res = read_dataset(None, [write_xlsx(tmp_path / "b.xlsx", sheets)])
    assert res.report.ok
    assert any(p.cell == "I3" and "saving of 5,000" in p.message for p in res.report.warnings)
    results = evaluate(prepare(res.dataset), Scenario("s", funded_requests=("R2",)))
    assert results.requests.costs[0, 0] == -5000.0


def test_a_misspelt_plan_column_is_a_warning_not_silence(tmp_path):
    from tests.conftest import PLAN_SHEETS

    sheets = {k: [list(r) for r in v] for k, v in PLAN_SHEETS.items()}
    sheets["KPIs"][0][8] = "FY2027 Target"  # should be "Target FY2027"
    report = ValidationReport()
    plan = read_plan(write_xlsx(tmp_path / "plan.xlsx", sheets), report)
    assert 2027 not in plan.kpi_targets.columns
    warning = next(p for p in report.warnings if p.sheet == "KPIs" and "columns ignored" in p.message)
    assert "FY2027 Target (I)" in warning.message and "Target FY2027" in warning.message
    assert warning.cell == "A1"

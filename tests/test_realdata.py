"""Other cities' real workbooks (/work/shared/realdata, see each SOURCE.txt) through the shipped mappings.

- Boston: operating totals per year equal the column sums of SOURCE.txt to the cent; `#Missing`
  cells are counted and reported; a run projects five years from FY24 Adopted.
- Oakland: Expense and Revenue totals to the dollar; the four `#N/A` cells of Categ reported with
  their A1 cells (found here independently in the sheet XML); a run works.
- Austin: every measure accounted for; key measures with a numeric target import with their history.
- Suggested mappings need at most three named changes to have the shipped mapping's effect.
- The input files are never written (hashes before and after).
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from kcplanner.readers import load_mapping, read_dataset, suggest_mapping
from kcplanner.readers.mapping_apply import read_mapped_file
from kcplanner.report import ValidationReport

from .realdata import REALDATA, require

ROOT = Path(__file__).resolve().parents[1]
REAL = REALDATA
MAPPINGS = ROOT / "kcplanner" / "resources" / "mappings"
BOSTON_OP = REAL / "boston" / "fy24-adopted-operating-budget.csv"
BOSTON_REV = REAL / "boston" / "fy24-adopted-revenue-budget.csv"
OAKLAND = REAL / "oakland" / "BudgetData for Public Adopted FY2016-17 Midcycle.xlsx"
AUSTIN = REAL / "austin-kpi" / "2016_EPERF_DOWNLOAD 9-22-16.xlsx"
FILES = [BOSTON_OP, BOSTON_REV, OAKLAND, AUSTIN]

pytestmark = require(*FILES)

# SOURCE.txt
BOSTON_TOTALS = {(2021, "Actual"): Decimal("3595728929.19"), (2022, "Actual"): Decimal("3838631715.68"),
                 (2023, "Adopted"): Decimal("4002988854.79"), (2024, "Adopted"): Decimal("4279861717.77")}
OAKLAND_EXPENSE = Decimal("1239428331")
OAKLAND_REVENUE = Decimal("1237091825")
CENT = Decimal("0.01")


def cents(values) -> Decimal:
    """An exact sum of float64 amounts, rounded to the cent."""
    arr = np.asarray(values, dtype=float)
    return Decimal(repr(math.fsum(arr[~np.isnan(arr)]))).quantize(CENT)


def mapping(name):
    return load_mapping(MAPPINGS / f"{name}.json")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_HASHES = {f: _sha(f) for f in FILES if f.exists()}


@pytest.fixture(scope="module")
def boston():
    return read_dataset(None, [BOSTON_OP, BOSTON_REV], [mapping("boston-operating"), mapping("boston-revenue")])


@pytest.fixture(scope="module")
def oakland():
    return read_dataset(None, [OAKLAND], [mapping("oakland")])


@pytest.fixture(scope="module")
def austin_part():
    report = ValidationReport()
    part = read_mapped_file(AUSTIN, mapping("austin-kpis"), report)
    return part, report


@pytest.fixture(scope="module")
def austin_rows():
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(AUSTIN))
    rows = wb.get_sheet_by_name("OM_EPERF_MEASURES_VW").to_python(skip_empty_area=False)
    return rows[0], rows[1:]


# -- Boston ---------------------------------------------------------------------------------------

def test_boston_operating_totals_to_the_cent(boston):
    assert boston.ok, boston.report.to_text()
    am = boston.dataset.budget.amounts
    assert len(boston.dataset.budget.line_items) == 900
    for yp, expected in BOSTON_TOTALS.items():
        assert cents(am[yp]) == expected, yp
    # and the same sums made here from the CSV text with Decimal
    with open(BOSTON_OP, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    for j, yp in zip(range(4, 8), BOSTON_TOTALS):
        s = sum(Decimal(r[j].replace(",", "")) for r in rows[1:] if r[j].strip() != "#Missing")
        assert s.quantize(CENT) == BOSTON_TOTALS[yp]


def test_boston_missing_cells_counted_and_reported(boston):
    with open(BOSTON_OP, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    expected = {header[j]: sum(r[j].strip() == "#Missing" for r in rows[1:]) for j in range(4, 8)}
    assert sum(expected.values()) == 521
    msgs = [p for p in boston.report.warnings if p.file == BOSTON_OP.name and "'#Missing'" in p.message]
    got = {}
    for p in msgs:
        m = re.match(r"(\d+) cell\(s\) of column '([^']+)'", p.message)
        got[m.group(2)] = int(m.group(1))
    assert got == expected
    # the first cells are named: row 8 has #Missing in F, G, H
    first = next(r for r in range(1, len(rows)) if rows[r][7].strip() == "#Missing")
    assert any(f"H{first + 1}" in p.message for p in msgs)
    count = next(r for r in boston.report.rows if r.file == BOSTON_OP.name)
    assert (count.read, count.imported, sum(count.excluded.values())) == (900, 900, 0)


def test_boston_revenue_and_recurring(boston):
    rev = boston.dataset.plan.revenue
    ra = boston.dataset.plan.revenue_amounts
    assert len(rev) == 199
    assert cents(ra[(2024, "Adopted")]) == Decimal("4279861718.00")
    assert cents(ra[(2021, "Actual")]) == Decimal("3611054708.00")
    with open(BOSTON_REV, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert int((~rev["recurring"]).sum()) == sum(r[0] == "Non-Recurring Revenue" for r in rows[1:]) == 3
    assert set(map(str, rev["fund"])) == {"General Fund"}


def test_boston_run_projects_five_years_from_fy24_adopted(boston):
    from kcplanner.engine import evaluate, prepare
    from kcplanner.scenario import EMPTY_SCENARIO

    ds = boston.dataset
    assert ds.plan_years == [2025, 2026, 2027, 2028, 2029]
    r = evaluate(prepare(ds), EMPTY_SCENARIO)
    assert r.plan_years[0] == 2025
    assert r.funds.names == ["General Fund"]
    fy24 = BOSTON_TOTALS[(2024, "Adopted")]
    for t in range(5):  # no plan: growth 0, so every year is FY24 Adopted × (1 + 0)
        assert Decimal(repr(float(r.funds.expenditure[0, t]))).quantize(CENT) == fy24
    assert Decimal(repr(float(r.funds.revenue[0, 0]))).quantize(CENT) == Decimal("4279861718.00")


# -- Oakland --------------------------------------------------------------------------------------

def _xml_error_cells(path: Path) -> dict[str, str]:
    """A1 → error text of every t="e" cell of the first sheet, straight from the XML."""
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n))
        xml = zf.read(name).decode("utf-8")
    out = {}
    for m in re.finditer(r"<c ([^>]*)>(.*?)</c>", xml):
        attrs = m.group(1)
        if 't="e"' in attrs:
            ref = re.search(r'r="([A-Z]+\d+)"', attrs).group(1)
            v = re.search(r"<v>([^<]*)</v>", m.group(2))
            out[ref] = v.group(1) if v else ""
    return out


def test_oakland_totals(oakland):
    assert oakland.ok, oakland.report.to_text()
    ds = oakland.dataset
    assert cents(ds.budget.amounts[(2017, "Adopted")]) == OAKLAND_EXPENSE
    assert cents(ds.plan.revenue_amounts[(2017, "Adopted")]) == OAKLAND_REVENUE
    count = next(r for r in oakland.report.rows if r.file == OAKLAND.name)
    assert (count.read, count.imported) == (11231, 11231) and count.balanced
    assert len(ds.budget.line_items) == 10595
    assert "General Fund: General Purpose" in set(map(str, ds.budget.line_items["fund"]))


def test_oakland_na_cells_reported_with_their_cells(oakland):
    cells = _xml_error_cells(OAKLAND)
    assert len(cells) == 4 and set(cells.values()) == {"#N/A"}
    with zipfile.ZipFile(OAKLAND) as zf:  # the column is Categ
        shared = zf.read("xl/sharedStrings.xml").decode("utf-8")
    assert "Categ" in shared
    assert {re.match(r"[A-Z]+", c).group(0) for c in cells} == {"V"}
    reported = {p.cell for p in oakland.report.warnings if "#N/A" in p.message and p.file == OAKLAND.name}
    assert reported == set(cells)


def test_oakland_run(oakland):
    from kcplanner.engine import evaluate, prepare
    from kcplanner.scenario import EMPTY_SCENARIO

    r = evaluate(prepare(oakland.dataset), EMPTY_SCENARIO)
    assert r.plan_years == [2018, 2019, 2020, 2021, 2022]
    assert Decimal(repr(math.fsum(r.funds.expenditure[:, 0]))).quantize(CENT) == OAKLAND_EXPENSE
    assert Decimal(repr(math.fsum(r.funds.revenue[:, 0]))).quantize(CENT) == OAKLAND_REVENUE
    assert len(r.funds.names) > 50


# -- Austin ---------------------------------------------------------------------------------------

def _num(v):
    try:
        return float(str(v).replace(",", ""))
    except ValueError:
        return None


def test_austin_every_measure_accounted_for(austin_part, austin_rows):
    part, report = austin_part
    assert report.ok, report.to_text()
    header, rows = austin_rows
    c = part.count
    assert c.read == len(rows) == 1716
    assert c.read == c.imported + sum(c.excluded.values())
    J = {h: j for j, h in enumerate(header)}
    key = [r for r in rows if r[J["KEY_PERFORMANCE"]] == 1]
    with_target = [r for r in key if _num(r[J["CFY_APPROVED"]]) is not None]
    assert c.imported == len(with_target) == 212
    assert dict(c.excluded) == {"not selected (KEY_PERFORMANCE is not 1)": len(rows) - len(key)}


def test_austin_key_measures_with_history(austin_part, austin_rows):
    part, _report = austin_part
    header, rows = austin_rows
    J = {h: j for j, h in enumerate(header)}
    kp = part.kpis.set_index("kpi_id")
    hist = part.kpi_history
    n_hist = 0
    for r in rows:
        if r[J["KEY_PERFORMANCE"]] != 1:
            continue
        kid = str(int(r[J["MEASURE_ID"]]))
        assert kid in kp.index
        assert part.kpi_targets.loc[kid, 2016] == pytest.approx(_num(r[J["CFY_APPROVED"]]))
        cfy = int(r[J["CFY"]])
        expected = {cfy - k: _num(r[J[f"PFY{k}_ACTUAL"]]) for k in range(1, 6)}
        expected = {y: v for y, v in expected.items() if v is not None}
        got = dict(zip(hist.loc[hist["kpi_id"] == kid, "fiscal_year"], hist.loc[hist["kpi_id"] == kid, "value"]))
        assert got == pytest.approx(expected), kid
        n_hist += len(expected)
        if expected:
            y = max(expected)
            assert kp.loc[kid, "baseline"] == pytest.approx(expected[y]) and kp.loc[kid, "baseline_fy"] == y
    assert len(hist) == n_hist
    assert kp.loc["7412", "direction"] == -1  # SAIFI (outage frequency): lower is better
    assert kp.loc["7433", "direction"] == 1
    assert set(kp["goal_id"]) == {"Imported measures"}


def test_austin_non_numeric_values_reported_not_guessed(austin_part, austin_rows):
    part, report = austin_part
    texts = {m.group(1) for p in report.warnings for m in [re.search(r"found '([^']+)': not imported", p.message)] if m}
    assert {"AAA", "AA-", "Yes"} <= texts
    assert part.sentinels and all(k.startswith("PFY") for k in part.sentinels)
    header, rows = austin_rows
    J = {h: j for j, h in enumerate(header)}
    r = next(r for r in rows if str(r[J["PFY1_ACTUAL"]]).strip() == "AA-" and r[J["KEY_PERFORMANCE"]] == 1)
    kid = str(int(r[J["MEASURE_ID"]]))
    assert not ((part.kpi_history["kpi_id"] == kid) & (part.kpi_history["fiscal_year"] == 2015)).any()


def test_austin_every_measure_without_the_filter(austin_rows):
    m = mapping("austin-kpis")
    m.where = {}
    report = ValidationReport()
    part = read_mapped_file(AUSTIN, m, report)
    assert report.ok, [str(p) for p in report.errors[:5]]
    c = part.count
    assert c.read == 1716 and c.read == c.imported + sum(c.excluded.values())
    assert set(c.excluded) <= {"no target", "target not a number", "blank row"}
    header, rows = austin_rows
    J = {h: j for j, h in enumerate(header)}
    assert c.imported == sum(_num(r[J["CFY_APPROVED"]]) is not None for r in rows)


def test_austin_read_dataset_and_run():
    from kcplanner.engine import evaluate, prepare
    from kcplanner.scenario import EMPTY_SCENARIO

    res = read_dataset(None, [AUSTIN], [mapping("austin-kpis")])
    assert res.ok, res.report.to_text()[-2000:]
    ds = res.dataset
    assert len(ds.plan.kpis) == 212 and ds.plan_years[0] == 2016
    r = evaluate(prepare(ds), EMPTY_SCENARIO)
    assert r.score[0] == r.score[0]  # a number: every imported KPI has a 2016 target


# -- suggestions: at most three named changes ----------------------------------------------------

def _effect(path, m):
    report = ValidationReport()
    part = read_mapped_file(path, m, report)
    assert part is not None and report.ok, report.to_text()[-2000:]
    out = {"read": part.count.read, "imported": part.count.imported, "excluded": dict(part.count.excluded)}
    for name, li, am in (("line_items", part.line_items, part.amounts), ("revenue", part.revenue,
                                                                          part.revenue_amounts)):
        if li is None:
            continue
        out[name] = {str(yp): cents(am[yp]) for yp in am.columns}
        out[name + "_lines"] = int(am.notna().any(axis=1).sum())
        for f in ("fund", "department", "program", "source", "recurring"):
            if f in li:
                out[f"{name}.{f}"] = sorted(set(map(str, li[f])))
        if "account_class" in li:
            out[name + ".by_class"] = {k: cents(v) for k, v in am.sum(axis=1).groupby(li["account_class"].to_numpy())
                                       .sum().items()}
    if part.kpis is not None:
        k = part.kpis
        out["kpis"] = sorted(zip(map(str, k["kpi_id"]), k["direction"], k["baseline"], k["baseline_fy"].astype(int)))
        out["targets"] = part.kpi_targets.round(9).to_dict()
        out["history"] = sorted(map(tuple, part.kpi_history.to_numpy().tolist()))
    return out


CHANGES = {
    # file → (shipped mapping, the named changes to the suggestion: ≤ 3 each)
    "boston-operating": (BOSTON_OP, [("missing_means", "zero")]),
    "boston-revenue": (BOSTON_REV, []),
    "oakland": (OAKLAND, []),
    "austin-kpis": (AUSTIN, [("constants.direction", "Higher is better")]),
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_suggestion_needs_at_most_three_changes(name):
    path, changes = CHANGES[name]
    assert len(changes) <= 3
    s = suggest_mapping(path)
    assert s.explanations
    for attr, value in changes:
        if attr.startswith("constants."):
            s.constants[attr.split(".", 1)[1]] = value
        else:
            setattr(s, attr, value)
    assert _effect(path, s) == _effect(path, mapping(name))


def test_suggested_fields_for_oakland():
    s = suggest_mapping(OAKLAND)
    assert s.columns["fund"] == "Fund And Descrciption"  # the name column, not the Fund code
    assert s.columns["account"] == "Account Description"
    assert s.split.column == "Account Type" and s.amount == "AMT"
    assert s.columns.get("fiscal_year") == "Budget Year Name" or s.constants.get("fiscal_year") == 2017
    assert "#N/A" in s.missing
    assert "2017" in s.explanations["fiscal_year"]


# -- last: nothing was written ---------------------------------------------------------------------

def test_inputs_never_written():
    for f, h in _HASHES.items():
        assert _sha(f) == h, f

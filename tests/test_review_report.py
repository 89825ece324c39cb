"""Issue 13, the quarterly report: `kcplanner review … --out report.xlsx` and `--pdf report.pdf`.

A small city built by hand (tests/review_data.py) whose figures are worked out below: Police over
budget, Parks under-spent, Health too early to tell, Sales Tax short of its estimate.  The
workbook is read back with python-calamine and compared with review()'s figures; the PDF's text
is read with the pure-Python extractor of tests/test_justification_pdf.py."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kcplanner.readers as readers
from kcplanner.atomic import OutputError
from kcplanner.dataset import Budget, Dataset, Plan, PlanSettings
from kcplanner.readers import ImportResult
from kcplanner.report import ValidationReport
from kcplanner.review import review
from kcplanner.review.report_data import report_data
from kcplanner.review.report_text import department_explanation, explain, money_short, revenue_explanation
from kcplanner.review.report_workbook import write_review_workbook

from . import review_data as rd

R = 2027
PRIOR = (2024, 2025, 2026)
# (department, program, Adopted budget of R, prior years' months, this year's P01..P06)
LINES = [("Police", "Patrol", 1200.0, rd.monthly, [700 / 6] * 6),          # share 6/12: 700 / .5 = 1400
         ("Parks and Recreation", "Parks", 1200.0, rd.monthly, [500 / 6] * 6),  # 500 / .5 = 1000
         ("Health", "Clinics", 1000.0, None, [10.0] * 6)]                   # prior years all in P12: too early


def city() -> Dataset:
    li = pd.DataFrame({"fund": "General Fund", "department": [x[0] for x in LINES],
                       "program": [x[1] for x in LINES], "account": "5100", "account_class": "Personnel Services",
                       "recurring": True, "source_file": "b.xlsx", "source_sheet": "Line Items",
                       "source_row": np.arange(len(LINES)) + 2})
    amounts = pd.DataFrame({(R, "Adopted"): [x[2] for x in LINES]})
    amounts.columns = pd.MultiIndex.from_tuples(amounts.columns, names=["fiscal_year", "phase"])
    frames = []
    for dep, prog, _, prior, now in LINES:
        periods = []
        for y in PRIOR:
            periods += rd.monthly(y, 100.0) if prior else rd.monthly(y, [0.0] * 11 + [1000.0])
        periods += rd.monthly(R, now, months=range(1, 7))
        frames.append(rd.spending(("General Fund", dep, prog, "Personnel Services"), periods))
    rv = pd.DataFrame({"fund": ["General Fund"], "source": ["Sales Tax"], "recurring": [True], "growth": [0.0],
                       "source_file": "plan.xlsx", "source_sheet": "Revenue", "source_row": [2]})
    ramounts = pd.DataFrame({(R, "Adopted"): [380.0], (R, "Estimate"): [400.0]})
    ramounts.columns = pd.MultiIndex.from_tuples(ramounts.columns, names=["fiscal_year", "phase"])
    revenue = rd.revenue("General Fund", "Sales Tax", [q for y in PRIOR for q in rd.quarterly(y, 100.0)]
                         + rd.quarterly(R, 80.0, quarters=(1, 2)))   # 160 / .5 = 320 against 400: short
    kpis = pd.DataFrame({"kpi_id": ["PD-1", "HL-1"], "name": ["Response time (minutes)", "Clinic visits"],
                         "unit": ["minutes", "visits"], "direction": [-1, 1], "department": ["Police", "Health"]})
    targets = pd.DataFrame({R: [8.0, 5000.0]}, index=pd.Index(["PD-1", "HL-1"], name="kpi_id"))
    kact = rd.concat([rd.kpi_actuals("PD-1", rd.quarterly(R, [8.5, 7.9], quarters=(1, 2))
                                     + rd.quarterly(R - 1, [9.0, 8.8], quarters=(1, 2))),
                      rd.kpi_actuals("HL-1", rd.quarterly(R, [1200.0], quarters=(1,)))])
    plan = Plan(settings=PlanSettings(city="Kansas City", first_plan_year=R + 1), revenue=rv,
                revenue_amounts=ramounts, kpis=kpis, kpi_targets=targets, kpi_actuals=kact)
    return Dataset(plan=plan, budget=Budget(line_items=li, amounts=amounts, actuals=rd.concat(frames),
                                            revenue_actuals=revenue))


POLICE = ("Police is on course to spend $200 (16.7%) more than its budget by year end, judged by how much it had "
          "spent by this point in the three previous years.")
PARKS = ("Parks and Recreation is on course to spend $200 (16.7%) less than its budget by year end, judged by how "
         "much it had spent by this point in the three previous years.")
HEALTH = ("It is too early to tell whether Health will keep to its budget of $1K: in earlier years less than 5% of "
          "its spending had happened by this point, so its projection is the budget itself.")
SALES = ("Sales Tax (General Fund) is on course to bring in $80 (20.0%) less than estimated by year end, judged by "
         "how much it had come in by this point in previous years.")


@pytest.fixture(scope="module")
def ds():
    return city()


@pytest.fixture(scope="module")
def r(ds):
    return review(ds)


def test_the_hand_computed_review(r):
    d = r.departments
    assert d.loc["Police", "projection"] == pytest.approx(1400) and d.loc["Police", "flag"] == "over"
    assert d.loc["Parks and Recreation", "projection"] == pytest.approx(1000)
    assert d.loc["Parks and Recreation", "flag"] == "under"
    assert d.loc["Health", "projection"] == pytest.approx(1000) and d.loc["Health", "flag"] is None
    assert r.revenue.loc[0, "projection"] == pytest.approx(320) and r.revenue.loc[0, "flag"] == "short"


def test_explanations_over_under_too_early_short(r):
    assert department_explanation(r, "Police") == POLICE
    assert department_explanation(r, "Parks and Recreation") == PARKS
    assert department_explanation(r, "Health") == HEALTH
    assert revenue_explanation(r.revenue.iloc[0], r) == SALES


def test_the_citywide_summary_in_words(r):
    from kcplanner.review.report_text import summary_lines

    assert summary_lines(r) == [
        "Through FY2027 P06 the city has spent $1.3K of its $3.4K budget (37.1% of it); at this pace it will spend "
        "its budget of $3.4K by year end.",          # Police's $200 over and Parks' $200 under cancel out
        "Police is on course to spend more than its budget.",
        "Parks and Recreation is on course to spend well under its budget.",
        "Revenue is on course to reach $320 against an estimate of $400; Sales Tax (General Fund) is short of its "
        "estimate.",
        "General Fund: the year will leave $80 less in the fund than the adopted plan."]


def test_explain_words_the_brief_example_and_the_other_cases():
    assert explain("Police", 293.4e6, 315.7e6, 22.3e6, "over", years=3) == (
        "Police is on course to spend $22.3M (7.6%) more than its budget by year end, judged by how much it had "
        "spent by this point in the three previous years.")
    assert explain("Fire", 100e6, 99.8e6, -0.2e6, None, years=3) == (
        "Fire is on course to spend about its budget of $100M by year end ($200K less, within the tolerance), "
        "judged by how much it had spent by this point in the three previous years.")
    assert explain("Water", 1e6, 0.9e6, -0.1e6, "under", share_from="elapsed", p=6) == (
        "Water is on course to spend $100K (10.0%) less than its budget by year end, judged only by the share of "
        "the year gone by (6 of 12 months), for want of complete earlier years.")
    assert explain("Courts", 2e6, 2.2e6, 0.2e6, "over", share_from="department", years=2).endswith(
        "judged by how much its department as a whole had spent by this point in the two previous years.")
    assert [money_short(x) for x in (940, 850_000, 22.34e6, 1.25e9, -5300)] == ["$940", "$850K", "$22.3M",
                                                                             "$1.25B", "$5.3K"]


def _sheet(path, name):
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def _row(rows, first: str):
    found = [row for row in rows if row and row[0] == first]
    assert len(found) == 1, (first, found)
    return found[0]


def test_workbook_sheets_and_figures_equal_the_review(r, ds, tmp_path):
    out = tmp_path / "report.xlsx"
    sheets = write_review_workbook(report_data(r, ds), out)
    from python_calamine import CalamineWorkbook

    assert CalamineWorkbook.from_path(str(out)).sheet_names == sheets == [
        "Summary", "Revenue", "Health", "Parks and Recreation", "Police"]
    summary = _sheet(out, "Summary")
    assert summary[0][0] == "Kansas City — Quarterly review, FY2027 through FY2027 P06"
    for dep, row in r.departments.iterrows():
        got = _row(summary, dep)
        assert got[1:3] == pytest.approx([row["budget"], row["actual"]])
        assert got[5:7] == pytest.approx([row["projection"], row["variance"]])
        assert got[7] == {"over": "Over budget", "under": "Under-spent", None: ""}[row["flag"]]
        assert got[8] == department_explanation(r, dep)
    total = _row(summary, "City total")
    assert total[1] == pytest.approx(r.departments["budget"].sum()) and total[1] == pytest.approx(3400)
    assert total[6] == pytest.approx(r.departments["variance"].sum())
    police = _sheet(out, "Police")
    assert police[2][0] == POLICE
    group = _row(police, "Patrol")
    assert group[1:3] == ["Personnel Services", "General Fund"]
    assert group[3:5] == pytest.approx([1200, 700]) and group[5:7] == pytest.approx([700 / 1200, 0.5])
    assert group[7:9] == pytest.approx([1400, 200]) and group[9] == "Over budget"
    assert _row(police, "Police total")[3:5] == pytest.approx([1200, 700])
    burn = _row(police, "Oct")      # fiscal month 6 (the year starts in May): the actual to date
    assert burn[1:5] == pytest.approx([700, 600, 1200, 1400])
    assert _row(police, "Nov")[1] == ""     # after p: no actual
    kpi = _row(police, "PD-1")
    assert kpi[1:8] == ["Response time (minutes)", "minutes", "FY2027 Q2", 7.9, 8.0, "Yes", 8.8]
    assert not any(row and row[0] == "HL-1" for row in police)
    revenue = _sheet(out, "Revenue")
    sales = _row(revenue, "General Fund")
    assert sales[1] == "Sales Tax" and sales[2:4] == pytest.approx([400, 160])
    assert sales[6:8] == pytest.approx([320, -80]) and sales[8] == "Short" and sales[10] == SALES


def test_report_data_on_a_generated_city_equals_the_review():
    ds = rd.generated_city(n_lines=3000, n_programs=80, n_departments=10, seed=3)
    rv = review(ds)
    data = report_data(rv, ds)
    assert [p.name for p in data.pages] == list(rv.departments.index)
    for page in data.pages:
        dep = rv.departments.loc[page.name]
        assert [page.totals[k] for k in ("budget", "projection", "variance")] == pytest.approx(
            [dep["budget"], dep["projection"], dep["variance"]])
        assert page.totals["flag"] == dep["flag"]
        groups = rv.spending[rv.spending["department"] == page.name]
        mine = [row for row in page.rows if row["kind"] == "group"]
        assert len(mine) == len(groups)
        got = pd.DataFrame(mine).set_index(["program", "account_class", "fund"]).sort_index()
        want = groups.set_index(["program", "account_class", "fund"]).sort_index()
        assert got["actual"].to_numpy() == pytest.approx(want["actual"].to_numpy())
        assert got["projection"].to_numpy() == pytest.approx(want["projection"].to_numpy())
        assert [f if isinstance(f, str) else None for f in got["flag"]] == [
            f if isinstance(f, str) else None for f in want["flag"]]
        assert all(row["flag"] in ("over", "under", None) for row in mine)
        for row in (x for x in page.rows if x["kind"] == "program"):
            prog = rv.programs.loc[(page.name, row["program"])]
            assert [row["budget"], row["variance"]] == pytest.approx([prog["budget"], prog["variance"]])
            assert row["flag"] == prog["flag"]
        assert page.explanation == department_explanation(rv, page.name)


def test_workbook_totals_are_formulas_with_the_figures_cached(r, ds, tmp_path):
    import openpyxl

    out = tmp_path / "report.xlsx"
    write_review_workbook(report_data(r, ds), out)
    ws = openpyxl.load_workbook(out)["Police"]
    cells = {c.value: c.row for c in ws["A"] if isinstance(c.value, str)}
    assert ws.cell(cells["Patrol total"], 4).value.startswith("=SUBTOTAL(9,")
    assert ws.cell(cells["Police total"], 8).value.startswith("=SUBTOTAL(9,")
    cached = _row(_sheet(out, "Police"), "Patrol total")
    assert cached[3] == pytest.approx(1200) and cached[7] == pytest.approx(1400)
    with zipfile.ZipFile(out) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        xml = " ".join(z.read(n).decode() for n in charts)
    assert len(charts) == 4           # the city's and one per department
    assert "<a:t>Police: spending through the year</a:t>" in xml   # a literal title, never a reference


def test_a_failed_write_leaves_the_old_file(r, ds, tmp_path, monkeypatch):
    import kcplanner.review.report_workbook as rw

    out = tmp_path / "report.xlsx"
    out.write_bytes(b"the previous report")

    def full_disk(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rw, "_department", full_disk)
    with pytest.raises(OutputError, match="previous file is unchanged"):
        write_review_workbook(report_data(r, ds), out)
    assert out.read_bytes() == b"the previous report"
    assert sorted(os.listdir(tmp_path)) == ["report.xlsx"]


def test_nothing_to_review_says_so(tmp_path):
    empty = city()
    empty.budget.actuals = empty.budget.actuals.iloc[:0]
    empty.budget.revenue_actuals = empty.budget.revenue_actuals.iloc[:0]
    out = tmp_path / "report.xlsx"
    assert write_review_workbook(report_data(review(empty), empty), out) == ["Summary", "Revenue"]
    summary = _sheet(out, "Summary")
    assert summary[2][0] == "No spending or revenue actuals: nothing to review"


# -- the PDF -----------------------------------------------------------------------------------

def _pdf_lines(path: Path) -> list[str]:
    from tests.test_justification_pdf import pdf_text

    return [ln.strip() for ln in pdf_text(path.read_bytes()).splitlines() if ln.strip()]


def test_pdf_has_each_department_and_explanation_once(r, ds, tmp_path, qapp):
    pytest.importorskip("PySide6.QtGui")
    from ui.review.report_pdf import write_report_pdf

    out = tmp_path / "report.pdf"
    flow = write_report_pdf(report_data(r, ds), out)
    lines = _pdf_lines(out)
    text = " ".join(lines)
    for dep in r.departments.index:
        assert lines.count(f"{dep} — FY2027 through FY2027 P06") == 1, dep
    for sentence in (POLICE, PARKS, HEALTH, SALES):
        assert text.count(sentence) == 1, sentence
    assert [p.section for p in flow.pages][:2] == ["", "Revenue"]
    assert {p.section for p in flow.pages} == {"", "Revenue", *r.departments.index}
    assert "Response time (minutes)" in text and "Burn-up: spending through the year" in text
    police_chart = next(c for c in flow.charts if c.request_id == "Police")
    assert police_chart.kpi["actual"][5] == pytest.approx(700) and police_chart.kpi["actual"][6] is None
    assert police_chart.kpi["projection"][0] == pytest.approx(1400)
    assert police_chart.labels[0] == "May"


def test_pdf_renders_with_pdftoppm(r, ds, tmp_path, qapp):
    pytest.importorskip("PySide6.QtGui")
    import shutil
    import subprocess

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed")
    from ui.review.report_pdf import write_report_pdf

    out = tmp_path / "report.pdf"
    flow = write_report_pdf(report_data(r, ds), out)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(out), str(tmp_path / "page")], check=True, timeout=120)
    assert len(list(tmp_path.glob("page-*.png"))) == len(flow.pages) >= 5


# -- the command line --------------------------------------------------------------------------

@pytest.fixture
def inputs(tmp_path, monkeypatch):
    plan, budget = tmp_path / "plan.xlsx", tmp_path / "budget.xlsx"
    for p in (plan, budget):
        p.write_bytes(b"not read: the reader is replaced in this test " + p.name.encode())
    monkeypatch.setattr(readers, "read_dataset",
                        lambda *a, **k: ImportResult(dataset=city(), report=ValidationReport()))
    return plan, budget


def _digest(paths):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_cli_out_and_pdf_through_the_kcplanner_command(inputs, tmp_path, capsys, monkeypatch, qapp):
    pytest.importorskip("PySide6.QtGui")
    import kcplanner.cli_review as cli_review
    from ui.launch import main

    monkeypatch.setattr(cli_review, "PDF_WRITER", None)
    plan, budget = inputs
    before = _digest([plan, budget])
    xlsx, pdf = tmp_path / "report.xlsx", tmp_path / "report.pdf"
    status = main(["review", "--plan", str(plan), "--budget", str(budget), "--through", "FY2027 Q2",
                   "--out", str(xlsx), "--pdf", str(pdf)])
    assert status == 0, capsys.readouterr().err
    stdout = capsys.readouterr().out
    assert f"Wrote {xlsx}" in stdout and f"Wrote {pdf}" in stdout
    assert _row(_sheet(xlsx, "Police"), "Police total")[4] == pytest.approx(700)
    assert pdf.read_bytes().startswith(b"%PDF") and POLICE in " ".join(_pdf_lines(pdf))
    assert _digest([plan, budget]) == before


def test_cli_pdf_without_the_app_and_nothing_to_write(inputs, tmp_path, capsys, monkeypatch):
    import kcplanner.cli_review as cli_review
    from kcplanner.cli import main

    monkeypatch.setattr(cli_review, "PDF_WRITER", None)
    plan, budget = inputs
    pdf = tmp_path / "report.pdf"
    assert main(["review", "--plan", str(plan), "--budget", str(budget), "--pdf", str(pdf)]) == 2
    assert "--pdf: the PDF is drawn with the desktop app's Qt" in capsys.readouterr().err
    assert not pdf.exists()
    assert main(["review", "--plan", str(plan), "--budget", str(budget)]) == 2
    assert "say what to write: --json OUT, --out REPORT.xlsx and/or --pdf REPORT.pdf" in capsys.readouterr().err


def test_cli_out_to_a_missing_folder_is_a_clear_error(inputs, tmp_path, capsys):
    from kcplanner.cli import main

    plan, budget = inputs
    out = tmp_path / "nowhere" / "report.xlsx"
    assert main(["review", "--plan", str(plan), "--budget", str(budget), "--out", str(out)]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_burn_up_chart_geometry_is_the_review_path(r, ds, qapp):
    pytest.importorskip("PySide6.QtGui")
    from kcplanner.review import burn_up
    from ui.requests.pdf_chart import chart_geometry
    from ui.review.report_pdf import layout_report

    flow = layout_report(report_data(r, ds))
    chart = next(c for c in flow.charts if c.request_id == "Health")
    g = chart_geometry(chart, flow.fonts)
    assert g.lo == 0.0                   # never below zero when nothing is (the too-early path sits at 0)
    path = burn_up(r, department="Health")
    by_key = {s.key: [p[2] if p else None for p in s.points] for s in g.series}
    assert by_key["expected"] == pytest.approx(path["expected"].tolist())
    assert by_key["actual"][:6] == pytest.approx(path["actual"].iloc[:6].tolist()) and by_key["actual"][6] is None
    assert [s.name for s in g.series] == ["Actual to date", "Expected path", "Budget", "Projection"]


def test_names_that_look_like_formulas_stay_text(tmp_path):
    ds = city()
    odd = "=HYPERLINK(\"x\")!A1"
    ds.budget.line_items["department"] = ds.budget.line_items["department"].replace("Police", odd)
    ds.budget.actuals["department"] = ds.budget.actuals["department"].replace("Police", odd)
    rv = review(ds)
    out = tmp_path / "odd.xlsx"
    sheets = write_review_workbook(report_data(rv, ds), out)
    odd_sheet = next(s for s in sheets if s.startswith("=HYPERLINK"))
    rows = _sheet(out, odd_sheet)
    assert rows[0][0] == f"{odd} — FY2027 through FY2027 P06"
    assert _row(_sheet(out, "Summary"), odd)[1] == pytest.approx(1200)
    with zipfile.ZipFile(out) as z:
        xml = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart"))
    assert '<a:t>=HYPERLINK("x")!A1: spending through the year</a:t>' in xml   # text, not a <c:f> reference


def test_the_pdf_from_the_command_line_needs_no_display(tmp_path):
    """`kcplanner review … --pdf` on a machine with no display (a server, a scheduled job): the real
    command in a child process with no QT_QPA_PLATFORM and no DISPLAY writes the PDF (it aborted in
    Qt's platform plugin before)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "kcplanner" / "resources" / "sample"
    pdf = tmp_path / "q.pdf"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run([sys.executable, "-c", "import sys; from ui.launch import main; sys.exit(main(sys.argv[1:]))",
                           "review", "--plan", str(sample / "plan.xlsx"), "--budget", str(sample), "--pdf", str(pdf)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"Wrote {pdf}" in done.stdout and pdf.read_bytes().startswith(b"%PDF")
    assert "Police is on course to spend" in " ".join(_pdf_lines(pdf))

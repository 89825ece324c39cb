"""`kcplanner suggest-mapping FILE --table actuals | revenue_actuals | kpi_actuals`: an ERP's export of the
year in execution gets a mapping that loads, and the totals it prints are the file's own."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kcplanner.cli import main
from kcplanner.fiscal import FiscalCalendar
from kcplanner.readers.actuals import ActualsPart
from kcplanner.readers.mapping import load_mapping
from kcplanner.readers.mapping_actuals import apply_actuals_mapping
from kcplanner.readers.mapping_sheet import open_sheet
from kcplanner.report import ValidationReport


def run(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def gl_export(tmp_path):
    """A general-ledger export: codes beside names, posting dates, a document number that is not an amount."""
    rng = np.random.default_rng(5)
    n = 240
    dates = pd.to_datetime("2025-05-01") + pd.to_timedelta(rng.integers(0, 540, n), unit="D")
    frame = pd.DataFrame({
        "Document No": np.arange(100000, 100000 + n),
        "Fund": rng.choice(["General Fund", "Water Fund"], n),
        "Dept": rng.choice(["Police", "Fire", "Parks"], n),
        "Division": rng.choice(["Patrol", "Investigations", "Suppression"], n),
        "Object": rng.choice(["Salaries", "Fuel", "Uniforms"], n),
        "Posting Date": dates.strftime("%Y-%m-%d"),
        "Amount": np.round(rng.uniform(-500, 25000, n), 2),
    })
    path = tmp_path / "gl-export.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_actuals_mapping_finds_the_columns_and_prints_the_files_totals(gl_export, tmp_path, capsys):
    path, frame = gl_export
    out_path = tmp_path / "gl.json"
    code, out, err = run(["suggest-mapping", str(path), "--table", "actuals", "--out", str(out_path)], capsys)
    assert code == 0, err
    m = json.loads(out_path.read_text())
    assert m["table"] == "actuals"
    assert m["columns"]["fund"] == "Fund" and m["columns"]["department"] == "Dept"
    assert m["columns"]["program"] == "Division" and m["columns"]["account"] == "Object"
    assert m["columns"]["period"] == "Posting Date"
    assert m["amount"] == "Amount"  # not the document number
    # fiscal year (start month 5) by hand: May 2025 … April 2026 is FY2026
    d = pd.to_datetime(frame["Posting Date"])
    fy = d.dt.year + (d.dt.month >= 5)
    for year, total in frame.groupby(fy)["Amount"].sum().items():
        line = next(ln for ln in out.splitlines() if ln.startswith(f"FY{year}"))
        assert f"{total:,.2f}" in line.replace("$", "")
    # the written mapping loads the same rows
    mapping = load_mapping(out_path)
    sheet, _ = open_sheet(path, mapping.sheet)
    part = ActualsPart()
    report = ValidationReport()
    apply_actuals_mapping(sheet, mapping, report, path.name, sheet.name, FiscalCalendar(), part)
    assert not report.errors
    got = pd.concat(part.actuals)
    assert len(got) == len(frame)
    assert got["amount"].sum() == pytest.approx(frame["Amount"].sum(), abs=0.005)


def test_revenue_and_kpi_actuals_tables(tmp_path, capsys):
    rev = tmp_path / "collections.csv"
    pd.DataFrame({"Fund": ["General Fund"] * 4, "Revenue Source": ["Sales Tax", "Sales Tax", "Earnings Tax", "Fees"],
                  "Fiscal Period": ["FY2027 P01", "FY2027 P02", "FY2027 P01", "FY2027 Q1"],
                  "Collected": [100.5, 200.25, 300.0, 50.0]}).to_csv(rev, index=False)
    code, out, err = run(["suggest-mapping", str(rev), "--table", "revenue_actuals", "--out", str(tmp_path / "r.json")],
                         capsys)
    assert code == 0, err
    m = json.loads((tmp_path / "r.json").read_text())
    assert (m["table"], m["columns"]["source"], m["columns"]["period"], m["amount"]) == \
        ("revenue_actuals", "Revenue Source", "Fiscal Period", "Collected")
    assert "650.75" in out  # 100.5 + 200.25 + 300 + 50, all FY2027
    kpi = tmp_path / "measures.csv"
    pd.DataFrame({"Measure ID": ["PD-1", "PD-1", "FD-2"], "Quarter": ["FY2027 Q1", "FY2027 Q2", "FY2027 Q1"],
                  "Result": [7.5, 7.1, 92.0]}).to_csv(kpi, index=False)
    code, out, err = run(["suggest-mapping", str(kpi), "--table", "kpi_actuals", "--out", str(tmp_path / "k.json")],
                         capsys)
    assert code == 0, err
    m = json.loads((tmp_path / "k.json").read_text())
    assert (m["columns"]["kpi_id"], m["columns"]["period"], m["amount"]) == ("Measure ID", "Quarter", "Result")


def test_a_sheet_without_periods_is_written_incomplete_and_says_so(tmp_path, capsys):
    path = tmp_path / "no-period.csv"
    pd.DataFrame({"Fund": ["General Fund"], "Dept": ["Police"], "Division": ["Patrol"], "Amount": [5.0]}).to_csv(
        path, index=False)
    code, out, err = run(["suggest-mapping", str(path), "--table", "actuals", "--out", str(tmp_path / "m.json")],
                         capsys)
    assert code == 0
    assert "not complete" in err and "period" in err
    assert "period" not in json.loads((tmp_path / "m.json").read_text()).get("columns", {})

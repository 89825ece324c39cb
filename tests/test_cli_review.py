"""`kcplanner review … --json OUT`: SPEC's file, exit codes 0 / 1 / 2, inputs untouched."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import kcplanner.readers as readers
from kcplanner.cli import main
from kcplanner.readers import ImportResult
from kcplanner.report import ValidationReport

from .review_data import generated_city

ROOT = Path(__file__).resolve().parents[1]


def _digest(paths):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture
def inputs(tmp_path, monkeypatch):
    """Input files on disk, and read_dataset answering with a generated city (the readers of the
    actuals are another part of issue 13); records the keyword arguments it was called with."""
    plan, budget, acts = tmp_path / "plan.xlsx", tmp_path / "budget.xlsx", tmp_path / "actuals.csv"
    for p in (plan, budget, acts):
        p.write_bytes(b"not read: the reader is replaced in this test " + p.name.encode())
    calls = []

    def fake(plan_path, budgets, mappings=None, actuals=None, **kw):
        calls.append({"plan": plan_path, "budgets": budgets, "actuals": actuals})
        return ImportResult(dataset=generated_city(n_lines=200, seed=5), report=ValidationReport())

    monkeypatch.setattr(readers, "read_dataset", fake)
    return plan, budget, acts, calls


def test_review_writes_specs_json(inputs, tmp_path, capsys):
    plan, budget, acts, calls = inputs
    before = _digest([plan, budget, acts])
    out = tmp_path / "review.json"
    status = main(["review", "--plan", str(plan), "--budget", str(budget), "--actuals", str(acts),
                   "--through", "FY2027-Q1", "--json", str(out)])
    assert status == 0
    assert calls[0]["actuals"] == [acts]
    data = json.loads(out.read_text())
    assert list(data) == ["fiscal_year", "through", "departments", "funds", "kpis"]
    assert data["fiscal_year"] == 2027 and data["through"] == "FY2027 P03"
    d = next(iter(data["departments"].values()))
    assert list(d) == ["budget", "actual", "projection", "variance", "flag"]
    f = next(iter(data["funds"].values()))
    assert list(f) == ["expenditure", "revenue", "balance_change"] and list(f["revenue"]) == list(d)
    assert {v["flag"] for v in data["departments"].values()} <= {"over", "under", None}
    assert {v["revenue"]["flag"] for v in data["funds"].values()} <= {"short", None}
    k = next(iter(data["kpis"].values()))
    assert list(k) == ["latest", "period", "target", "met", "previous"] and k["period"] == "FY2027 P03"
    assert "Review of FY2027 through FY2027 P03" in capsys.readouterr().out
    assert _digest([plan, budget, acts]) == before


def test_review_through_a_date_follows_the_fiscal_year_start(inputs, tmp_path):
    plan, budget, _acts, _calls = inputs
    out = tmp_path / "review.json"
    assert main(["review", "--budget", str(budget), "--through", "2026-09-30", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["through"] == "FY2027 P05"  # start month 5: September is P05


def test_review_bad_through_is_bad_usage(inputs, tmp_path, capsys):
    plan, budget, _acts, _calls = inputs
    out = tmp_path / "review.json"
    assert main(["review", "--budget", str(budget), "--through", "FY2027 Q5", "--json", str(out)]) == 2
    assert "--through: 'FY2027 Q5': quarter 5 is not a quarter of the year" in capsys.readouterr().err
    assert not out.exists()


def test_review_missing_input_and_unwritable_output(inputs, tmp_path, capsys):
    plan, budget, _acts, _calls = inputs
    assert main(["review", "--budget", str(tmp_path / "nope.xlsx"), "--json", str(tmp_path / "r.json")]) == 2
    assert "No such file or folder" in capsys.readouterr().err
    out = tmp_path / "no-such-folder" / "r.json"
    assert main(["review", "--budget", str(budget), "--json", str(out)]) == 1
    assert str(out.parent) in capsys.readouterr().err and not out.exists()


def test_review_of_the_bundled_sample_with_the_real_readers(tmp_path, capsys):
    """The sample's actuals (docs/sample-data.md): FY2026 through P06, Police and Health running hot,
    Parks and Recreation and Information Technology cold, every other department within tolerance."""
    sample = ROOT / "kcplanner" / "resources" / "sample"
    files = sorted(sample.glob("*.xlsx"))
    before = _digest(files)
    out = tmp_path / "review.json"
    assert main(["review", "--plan", str(sample / "plan.xlsx"), "--budget", str(sample), "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert (data["fiscal_year"], data["through"]) == (2026, "FY2026 P06")
    flags = {d: v["flag"] for d, v in data["departments"].items() if v["flag"]}
    assert flags == {"Police": "over", "Health": "over", "Parks and Recreation": "under",
                     "Information Technology": "under"}
    police = data["departments"]["Police"]
    assert police["variance"] == pytest.approx(police["projection"] - police["budget"])
    assert 0.07 < police["variance"] / police["budget"] < 0.085  # about +7.6%
    assert "Review of FY2026 through FY2026 P06: 20 departments (2 over budget, 2 under-spent)" in \
        capsys.readouterr().out
    assert _digest(files) == before


def test_review_of_workbooks_without_actuals_says_so(tmp_path, capsys):
    """Budget workbooks with no Actuals sheets: exit 0, SPEC's shape, and the message."""
    from .conftest import write_xlsx

    budget = write_xlsx(tmp_path / "police.xlsx", {"Line Items": [
        ["Fund", "Department", "Program", "Account class", "FY2026 Adopted"],
        ["General Fund", "Police", "Patrol", "Personnel Services", 1000]]})
    out = tmp_path / "review.json"
    assert main(["review", "--budget", str(budget), "--json", str(out)]) == 0
    assert "No spending or revenue actuals: nothing to review" in capsys.readouterr().out
    assert json.loads(out.read_text()) == {"fiscal_year": None, "through": None, "departments": {}, "funds": {},
                                           "kpis": {}}


def test_the_tolerances_come_from_the_plans_settings(tmp_path):
    """Settings keys Overspend / Underspend / Revenue tolerance (SPEC): read as rates, bad ones located;
    with a 10% overspend tolerance Police (+7.6% in the sample) is no longer flagged."""
    import shutil

    from kcplanner.readers import read_dataset
    from kcplanner.review import review

    from .conftest import PLAN_SHEETS, write_xlsx

    sheets = dict(PLAN_SHEETS)
    sheets["Settings"] = PLAN_SHEETS["Settings"] + [["Overspend tolerance", "10%"], ["Underspend tolerance", 0.2],
                                                    ["Revenue tolerance", "150%"]]
    result = read_dataset(write_xlsx(tmp_path / "plan.xlsx", sheets), [])
    bad = [p for p in result.report.errors if p.sheet == "Settings"]
    assert [(p.cell, "expected a tolerance from 0% to 100%" in p.message) for p in bad] == [("B7", True)]

    sample = tmp_path / "sample"
    shutil.copytree(ROOT / "kcplanner" / "resources" / "sample", sample)
    import openpyxl

    wb = openpyxl.load_workbook(sample / "plan.xlsx")
    wb["Settings"].append(["Overspend tolerance", "10%"])
    wb.save(sample / "plan.xlsx")
    ds = read_dataset(sample / "plan.xlsx", [sample]).dataset
    assert (ds.plan.settings.overspend_tolerance, ds.plan.settings.underspend_tolerance) == (0.10, 0.05)
    flags = review(ds).departments["flag"]
    assert flags.get("Police") is None and flags.get("Health") is None  # both about +7.7%: within 10%
    assert flags["Parks and Recreation"] == "under"

"""The justification data and workbook: the figures read back (calamine) equal the engine's.

xlsxwriter writes numbers with 16 significant digits, so read-back figures match to 1e-15."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from python_calamine import CalamineWorkbook

from kcplanner.engine import evaluate, prepare
from kcplanner.justification import JustificationNarrative, justification_data, write_justification_workbook
from kcplanner.requests import ranked
from kcplanner.scenario import EMPTY_SCENARIO, Scenario
from tests.test_optimize import small_city

NASTY = "=HYPERLINK(\"http://x\",\"click\")"


@pytest.fixture(scope="module")
def city():
    ds = small_city(11, cap=0.1)
    return ds, prepare(ds)


@pytest.fixture(scope="module")
def data(city):
    ds, P = city
    base = Scenario("Council draft", funded_requests=("REQ-03",))
    narratives = {"REQ-01": JustificationNarrative(what=NASTY, why="+SUM(A1:A9)", alternatives="@overtime",
                                                   expected_effects={"K1": "-1 minute"})}
    return justification_data(ds, P, base, "police", narratives)


def test_data_ranks_and_matches_the_engine(city, data):
    ds, P = city
    base = Scenario("Council draft", funded_requests=("REQ-03",))
    assert data["department"] == "Police"
    assert [r["request_id"] for r in data["requests"]] == [r.request_id for r in ranked(ds, "Police")]
    for req in data["requests"]:
        rid = req["request_id"]
        with_r = evaluate(P, base.fund_request(rid))
        without_r = evaluate(P, base.unfund_request(rid))
        j = P.request_index[rid.casefold()]
        assert req["net_costs"] == pytest.approx(list(P.req_costs[j]), abs=0)
        for k in req["kpis"]:
            i = P.kpi_ids.index(k["kpi_id"])
            assert k["with"] == list(with_r.kpis.scenario[i])
            assert k["without"] == list(without_r.kpis.scenario[i])
    linked = data["requests"][0]["kpis"]
    assert linked, "the first Police request moves a KPI"
    assert data["totals"]["net_total"] == pytest.approx(sum(r["net_total"] for r in data["requests"]))


def test_workbook_holds_the_figures_as_written(tmp_path, city, data):
    ds, P = city
    out = tmp_path / "police.xlsx"
    write_justification_workbook(data, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["police.xlsx"]      # no temporary file left
    wb = CalamineWorkbook.from_path(str(out))
    names = wb.sheet_names
    assert names[0] == "Requests" and len(names) == 1 + len(data["requests"])
    rows = wb.get_sheet_by_name("Requests").to_python()
    header = rows[3]
    assert header[:3] == ["Rank", "Request ID", "Title"]
    body = rows[4:4 + len(data["requests"])]
    for row, req in zip(body, data["requests"]):
        assert row[1] == req["request_id"]
        assert row[8:13] == pytest.approx(req["net_costs"], rel=1e-15)
        assert row[13] == pytest.approx(req["net_total"], rel=1e-15)
        assert row[7] == req["fte"]
    for name, req in zip(names[1:], data["requests"]):
        sheet = wb.get_sheet_by_name(name).to_python()
        cells = {r[0]: r for r in sheet if r and isinstance(r[0], str)}
        assert cells["Net budget effect"][1:6] == pytest.approx(req["net_costs"], rel=1e-15)
        assert cells["Cost as requested"][6] == pytest.approx(req["total_cost"], rel=1e-15)
        for k in req["kpis"]:
            start = next(i for i, r in enumerate(sheet) if isinstance(r[0], str) and r[0].startswith(k["kpi_id"] + " "))
            assert sheet[start + 1][0] == "Without request" and sheet[start + 1][1:6] == pytest.approx(k["without"], rel=1e-15)
            assert sheet[start + 2][0] == "With request" and sheet[start + 2][1:6] == pytest.approx(k["with"], rel=1e-15)
            got = [None if v == "" else v for v in sheet[start + 3][1:6]]
            assert got == [None if v is None else pytest.approx(v, rel=1e-15) for v in k["target"]]
    first = wb.get_sheet_by_name(names[1]).to_python()
    texts = [c for r in first for c in r if isinstance(c, str)]
    assert NASTY in texts and "+SUM(A1:A9)" in texts and "@overtime" in texts
    with zipfile.ZipFile(out) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert "<f>" not in xml                                            # nothing became a formula
    assert len(charts) == sum(len(r["kpis"]) for r in data["requests"])   # a line chart per KPI


def test_narrative_round_trip_and_defaults(city):
    ds, P = city
    n = JustificationNarrative(what="w", why="y", alternatives="a", expected_effects=(("K1", "up"),))
    assert JustificationNarrative.from_dict(n.to_dict()) == n
    d = justification_data(ds, P, EMPTY_SCENARIO, "Parks")
    req = d["requests"][0]
    assert req["narrative"]["what"] == req["title"]
    assert all(np.isfinite(v) for v in req["net_costs"])

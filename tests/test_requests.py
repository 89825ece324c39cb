"""Request effects (exactly the difference of two engine runs) and the undoable request edits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kcplanner import requests as R
from kcplanner.engine import evaluate, prepare
from kcplanner.scenario import EMPTY_SCENARIO, Rule, Scenario, Target
from tests.test_optimize import small_city


@pytest.fixture(scope="module")
def city():
    ds = small_city(7, cap=0.05)
    return ds, prepare(ds)


def test_effects_are_exactly_the_difference_of_two_engine_runs(city):
    ds, P = city
    base = Scenario("Base", rules=(Rule("Parks -3%", Target(department="Parks"), "percent", -3.0),
                                   Rule("Police +1M", Target(department="Police"), "amount", 1e6)),
                    funded_requests=("REQ-02", "REQ-05"))
    effects = R.request_effects(P, base)
    assert [e.request_id for e in effects] == list(P.request_ids)
    for e in effects:
        if e.request_id in base.funded_requests:
            with_r, without_r = evaluate(P, base), evaluate(P, base.unfund_request(e.request_id))
            assert e.funded_in_base
        else:
            with_r, without_r = evaluate(P, base.fund_request(e.request_id)), evaluate(P, base)
            assert not e.funded_in_base
        assert np.array_equal(e.kpi_delta, with_r.kpis.scenario - without_r.kpis.scenario)
        assert np.array_equal(e.kpi_with, with_r.kpis.scenario)
        assert np.array_equal(e.kpi_without, without_r.kpis.scenario)
        assert np.array_equal(e.balance_delta, with_r.funds.balance - without_r.funds.balance)
        assert np.array_equal(e.structural_delta, with_r.funds.structural - without_r.funds.structural)
        assert np.array_equal(e.expenditure_delta, with_r.funds.expenditure - without_r.funds.expenditure)
        assert np.array_equal(e.score_delta, with_r.kpis.score - without_r.kpis.score, equal_nan=True)
        j = P.request_index[e.request_id.casefold()]
        assert np.array_equal(e.cost, P.req_costs[j])
        # the request's cost lands in its own fund
        f = e.fund_names.index(e.fund)
        assert e.expenditure_delta[f] == pytest.approx(e.cost, rel=1e-12, abs=1e-6)


def test_cost_per_unit_and_moved_kpis(city):
    ds, P = city
    e = R.request_effect(P, EMPTY_SCENARIO, "REQ-01")
    moved = e.moved_kpis()
    assert moved, "REQ-01 funds a program that drives a KPI"
    k = moved[0]
    improvement = (e.kpi_direction[k] * e.kpi_delta[k]).sum()
    assert e.cost_per_unit[k] == pytest.approx(e.total_cost / improvement)
    others = [i for i in range(len(e.kpi_ids)) if i not in moved]
    assert all(np.isnan(e.cost_per_unit[i]) for i in others)
    table = R.effects_table(R.request_effects(P, EMPTY_SCENARIO))
    assert len(table) == len(P.request_ids) and "total_cost" in table.columns


def test_add_update_duplicate_remove_round_trip(city):
    ds, P = city
    before = R.request_records(ds)
    nid = R.new_request_id(ds)
    assert nid == "REQ-NEW-001"
    req = R.Request(request_id=nid, department="police", program="Patrol", fund="general fund",
                    title="Body cameras", type="Capital", account_class="Capital Outlay", recurring=False,
                    fte=0, justification="=HYPERLINK(\"x\")", kpi_id="K1", rank=1, costs={2027: 250_000, 2028: 50_000})
    ds2 = R.add_request(ds, req)
    assert R.new_request_id(ds2) == "REQ-NEW-002"
    got = R.get_request(ds2, nid)
    assert got.department == "Police" and got.fund == "General Fund"   # existing spelling
    assert got.costs == ((2027, 250000.0), (2028, 50000.0))
    assert len(R.request_records(ds)) == len(before)                  # the old dataset is unchanged
    P2 = prepare(ds2)
    r = evaluate(P2, EMPTY_SCENARIO.fund_request(nid))
    assert r.requests.ids == [nid]
    assert np.allclose(r.requests.costs[0], [250000, 50000, 0, 0, 0])

    ds3 = R.update_request(ds2, nid, got.with_cost(2029, 10_000).with_changes(title="Body cameras v2"))
    assert R.get_request(ds3, nid).title == "Body cameras v2"
    assert R.get_request(ds3, nid).cost(2029) == 10_000
    ds4, copy = R.duplicate_request(ds3, nid)
    assert copy.request_id == "REQ-NEW-002" and copy.title.endswith("(copy)")
    ids = [r.request_id for r in R.request_records(ds4)]
    assert ids.index("REQ-NEW-002") == ids.index(nid) + 1
    ds5, removed, row = R.remove_request(ds4, nid)
    assert nid not in [r.request_id for r in R.request_records(ds5)]
    undone = R.add_request(ds5, removed, row)
    assert R.request_records(undone) == R.request_records(ds4)
    with pytest.raises(R.RequestError, match="already used"):
        R.add_request(ds4, copy)
    with pytest.raises(R.RequestError, match="no request"):
        R.remove_request(ds4, "NOPE")
    with pytest.raises(R.RequestError, match="type"):
        R.add_request(ds4, copy.with_changes(request_id="X-1", type="Wish"))


def test_rerank_and_ranked(city):
    ds, P = city
    police = [r.request_id for r in R.ranked(ds, "Police")]
    ds2 = R.rerank_requests(ds, list(reversed(police)))
    assert [r.request_id for r in R.ranked(ds2, "Police")] == list(reversed(police))
    assert isinstance(ds2.budget.requests, pd.DataFrame)

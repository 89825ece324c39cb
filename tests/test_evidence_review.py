"""The KPI review (SPEC "Evidence for the drivers, and the KPI review"): its figures computed here by
hand, every recommendation in SPEC's order with its reasons, on a small city and on the bundled sample."""

from __future__ import annotations

import numpy as np
import pytest

from kcplanner.evidence import estimate_evidence
from tests.evidence_data import read_city, write_city

rng = np.random.default_rng(11)
SPEND = dict(zip(range(2015, 2026), 1000.0 * np.exp(np.cumsum(rng.normal(0.03, 0.08, size=11)))))
X = {t: np.log(SPEND[t]) - np.log(SPEND[t - 1]) for t in range(2016, 2026)}
T = list(range(2016, 2026))


def _path(changes: dict[int, float], start: float = 50.0) -> dict[int, float]:
    out, v = {2015: start}, start
    for t in T:
        v *= np.exp(changes[t])
        out[t] = v
    return out


def _responsive(noise_sd: float, seed: int) -> dict[int, float]:
    r = np.random.default_rng(seed)
    return _path({t: 0.01 + 0.5 * X[t] + r.normal(0, noise_sd) for t in T})


def _unmoved() -> dict[int, float]:
    """Changes with no relation to spending at all: the residual of noise on [1, x] (so b̂ = 0)."""
    e = np.random.default_rng(5).normal(0, 0.02, size=len(T))
    A = np.column_stack([np.ones(len(T)), [X[t] for t in T]])
    e = e - A @ np.linalg.lstsq(A, e, rcond=None)[0]
    return _path(dict(zip(T, e)))


A = _responsive(0.02, 1)
B = {y: 3 * v for y, v in A.items()}          # moves exactly with A
C = _responsive(0.05, 2)
D = _responsive(0.02, 3)
E = _unmoved()
F = _responsive(0.02, 4)
G = {2024: 10.0, 2025: 11.0}
H = {2015: 5.0, 2016: 5.5, 2025: 6.0}
VALUES = {"A": A, "B": B, "C": C, "D": D, "E": E, "F": F, "G": G, "H": H}
BASE = {k: v[max(v)] * 1.01 for k, v in VALUES.items()}  # the Baseline at FY2026
# past targets: C's met in some years and missed in others; D's always met (well below its value)
TARGETS = {"C": {t: C[t - 1] * 1.02 for t in range(2019, 2026)}, "D": {t: D[t] * 0.95 for t in range(2019, 2026)}}


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    folder = tmp_path_factory.mktemp("review")
    kpis = [{"id": k, "goal": "G1", "direction": "Higher is better", "baseline": round(BASE[k], 6),
             "baseline_fy": 2026} for k in VALUES]
    drivers = [(k, "Police", "Patrol", 0.3, 0) for k in VALUES if k != "F"]  # F: no driver
    values = {k: {y: round(v, 6) for y, v in vals.items()} for k, vals in VALUES.items()}
    plan, budget = write_city(folder, kpis, drivers, values, {("Police", "Patrol"): SPEND}, targets=TARGETS)
    ds, _report = read_city(plan, budget)
    return estimate_evidence(ds)


def _y(values: dict[int, float], base: float) -> list[float]:
    k = {**{y: round(v, 6) for y, v in values.items()}, 2026: round(base, 6)}
    return [np.log(k[t]) - np.log(k[t - 1]) for t in sorted(k) if t - 1 in k]


def test_every_recommendation_in_order(review):
    rec = review.kpis["recommendation"].to_dict()
    assert rec == {"A": "consider merging with B", "B": "consider merging with A", "C": "keep",
                   "D": "review target", "E": "no evidence that spending moves it", "F": "add a driver",
                   "G": "improve data", "H": "improve data"}
    reasons = review.kpis["reasons"]
    assert "3 years of history" in reasons["G"] and "at least 4" in reasons["G"]
    assert "only 4 of the 12 years from FY2015 to FY2026" in reasons["H"] and "33%" in reasons["H"]
    assert "no driver" in reasons["F"]
    assert "met its target in every one of the 7 past years" in reasons["D"]
    assert "includes no effect" in reasons["E"]
    assert "B" in reasons["A"]


def test_figures_by_hand(review):
    k = review.kpis
    assert k.loc["A", "years"] == 12 and k.loc["G", "years"] == 3 and k.loc["H", "years"] == 4
    assert k.loc["A", "completeness"] == 1.0
    assert k.loc["H", "completeness"] == pytest.approx(4 / 12)
    for kid in "ACDE":
        assert k.loc[kid, "volatility"] == pytest.approx(np.std(_y(VALUES[kid], BASE[kid]), ddof=1), rel=1e-9)
    # H's consecutive pairs: 2015–16 and 2025–26
    assert k.loc["H", "volatility"] == pytest.approx(np.std(_y(H, BASE["H"]), ddof=1), rel=1e-9)
    assert k.loc["G", "volatility"] == pytest.approx(np.std(_y(G, BASE["G"]), ddof=1), rel=1e-9)
    met = [round(C[t], 6) >= TARGETS["C"][t] for t in range(2019, 2026)]
    assert 0 < sum(met) < 7
    assert k.loc["C", "attainment"] == pytest.approx(sum(met) / 7)
    assert k.loc["D", "attainment"] == 1.0 and k.loc["D", "target_years"] == 7
    assert np.isnan(k.loc["A", "attainment"])  # no targets
    assert k.loc["A", "responsive"] is True and k.loc["E", "responsive"] is False and k.loc["F", "responsive"] is None
    assert k.loc["G", "responsive"] is None  # its driver has not enough history
    assert k.loc["A", "redundant_with"] == ["B"] and k.loc["B", "redundant_with"] == ["A"]
    assert k.loc["C", "redundant_with"] == []


def test_correlations_match_numpy(review):
    from kcplanner.evidence.kpi_review import correlations

    r, common = correlations(review.y)
    ids = list(review.kpis.index)
    a, c = ids.index("A"), ids.index("C")
    ya, yc = _y(A, BASE["A"]), _y(C, BASE["C"])
    assert common[a, c] == 11
    assert r[a, c] == pytest.approx(np.corrcoef(ya, yc)[0, 1], rel=1e-9)
    g = ids.index("G")
    assert common[a, g] == 2


def test_every_recommendation_shows_up_in_the_sample():
    """The bundled sample city (issue 14): each recommendation, on the KPIs its history was built for."""
    from pathlib import Path

    from kcplanner.readers import read_dataset

    folder = Path(__file__).resolve().parent.parent / "kcplanner" / "resources" / "sample"
    ds = read_dataset(folder / "plan.xlsx", sorted(p for p in folder.glob("*.xlsx") if p.name != "plan.xlsx")).dataset
    ev = estimate_evidence(ds, pool="goal")
    rec = ev.kpis["recommendation"]
    assert rec["FG-06"] == "improve data" and ev.kpis.loc["FG-06", "years"] == 3     # a new measure
    assert rec["CR-03"] == "improve data" and ev.kpis.loc["CR-03", "completeness"] < 0.75  # a gap
    assert rec["FG-07"] == "add a driver"
    assert rec["IA-11"] == "no evidence that spending moves it"                     # true elasticities 0
    assert rec["IA-07"] == "review target" and ev.kpis.loc["IA-07", "attainment"] == 1.0
    assert rec["PS-08"].startswith("consider merging with") and "PS-10" in ev.kpis.loc["PS-08", "redundant_with"]
    assert (rec == "keep").sum() >= 20
    d = ev.drivers.set_index(["kpi", "spending"])
    assert d.loc[("FG-06", "Public Records Requests"), "status"] == "not enough history"
    assert "entered outside interval" in d.loc[("HC-10", "Forestry"), "flags"]      # entered 0.9, true 0.4
    assert ev.drivers["pooled"].notna().sum() >= 50  # every goal has 3 or more estimated drivers
    assert not ev.report.problems  # no gap in the sample's spending history

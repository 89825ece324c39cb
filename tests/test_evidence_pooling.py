"""Pooling within a goal (SPEC "Evidence for the drivers": Pooling): DerSimonian–Laird against a hand
computation and statsmodels' meta-analysis, with τ² > 0 and τ² = 0; which drivers are pooled."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kcplanner.evidence.pooling import dersimonian_laird, pool_by_goal


def test_tau2_above_zero_by_hand():
    c, se = [0.2, 0.5, 0.35], [0.05, 0.1, 0.08]
    w = [400.0, 100.0, 156.25]                         # 1 / se²
    sw = 656.25
    cbar = (400 * 0.2 + 100 * 0.5 + 156.25 * 0.35) / sw  # 184.6875 / 656.25
    q = sum(wi * (ci - cbar) ** 2 for wi, ci in zip(w, c))
    tau2 = (q - 2) / (sw - (400 ** 2 + 100 ** 2 + 156.25 ** 2) / sw)  # the denominator is 360
    assert sw - (400 ** 2 + 100 ** 2 + 156.25 ** 2) / sw == pytest.approx(360.0)
    ws = [1 / (s ** 2 + tau2) for s in se]
    mu = sum(a * b for a, b in zip(ws, c)) / sum(ws)
    pooled = [(ci / s ** 2 + mu / tau2) / (1 / s ** 2 + 1 / tau2) for ci, s in zip(c, se)]
    pooled_se = [(1 / s ** 2 + 1 / tau2) ** -0.5 for s in se]
    res = dersimonian_laird(np.array(c), np.array(se))
    assert res.q == pytest.approx(q, rel=1e-12) and res.tau2 == pytest.approx(tau2, rel=1e-12)
    assert tau2 > 0
    assert res.tau2 == pytest.approx(0.017123015873, rel=1e-9)
    assert res.mu == pytest.approx(mu, rel=1e-12)
    assert res.pooled == pytest.approx(pooled, rel=1e-12)
    assert res.pooled_se == pytest.approx(pooled_se, rel=1e-12)
    # each estimate moves toward μ, and is surer than alone
    assert all(abs(p - mu) < abs(ci - mu) for p, ci in zip(res.pooled, c))
    assert all(ps < s for ps, s in zip(res.pooled_se, se))


def test_tau2_zero_gives_the_common_mean():
    c, se = np.array([0.30, 0.31, 0.29]), np.array([0.1, 0.1, 0.1])
    res = dersimonian_laird(c, se)
    assert res.tau2 == 0.0  # Q = 0.02 < N − 1
    assert res.pooled == pytest.approx([0.30] * 3, rel=1e-12)
    assert res.pooled_se == pytest.approx([1 / math.sqrt(300.0)] * 3, rel=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_matches_statsmodels_meta_analysis(seed):
    meta = pytest.importorskip("statsmodels.stats.meta_analysis")
    rng = np.random.default_rng(seed)
    c = rng.normal(0.3, 0.15, size=6)
    se = rng.uniform(0.03, 0.2, size=6)
    res = dersimonian_laird(c, se)
    ref = meta.combine_effects(c, se ** 2, method_re="dl")
    # statsmodels leaves a negative moment estimate as it is; SPEC (and DerSimonian–Laird) truncate at 0
    assert res.tau2 == pytest.approx(max(0.0, ref.tau2), rel=1e-9, abs=1e-15)
    assert res.mu == pytest.approx(ref.mean_effect_re if ref.tau2 > 0 else ref.mean_effect_fe, rel=1e-9)
    assert res.q == pytest.approx(ref.q, rel=1e-9)


def test_pool_by_goal_direction_and_who_is_pooled():
    goal = np.array(["G1", "G1", "G1", "G2", "G2", "G1"], dtype=object)
    direction = np.array([1.0, -1.0, 1.0, 1.0, 1.0, 1.0])
    est = np.array([0.2, -0.5, 0.35, 0.3, 0.4, np.nan])  # the last driver is not estimated
    se = np.array([0.05, 0.1, 0.08, 0.1, 0.1, np.nan])
    pooled, pooled_se, per_goal = pool_by_goal(goal, direction, est, se)
    ref = dersimonian_laird(np.array([0.2, 0.5, 0.35]), np.array([0.05, 0.1, 0.08]))  # c = s·b
    assert pooled[:3] == pytest.approx(ref.pooled * np.array([1, -1, 1]), rel=1e-12)  # b* = s·c*
    assert pooled_se[:3] == pytest.approx(ref.pooled_se, rel=1e-12)
    assert np.isnan(pooled[3:]).all() and np.isnan(pooled_se[3:]).all()  # G2 has 2 drivers; the last none
    assert set(per_goal) == {"G1"}

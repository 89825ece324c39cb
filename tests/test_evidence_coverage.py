"""The 80% intervals hold the true elasticity about 80% of the time (issue 14): 200 simulated cities
generated with known elasticities, drawn as arrays and fed to the estimator's core the way
`estimate_evidence` feeds it (log changes of the levels, the drivers' lags)."""

from __future__ import annotations

import numpy as np

from kcplanner.evidence.core import fit_drivers, lagged, log_changes

CITIES = 200
KPIS_PER_CITY = 4
YEARS = 14


def _simulate(rng: np.random.Generator):
    """Levels K (KPIs, years) and S (drivers, years), each driver's KPI row, lag and true elasticity."""
    k_levels, s_levels, d_kpi, lags, truth = [], [], [], [], []
    for k in range(CITIES * KPIS_PER_CITY):
        m = int(rng.integers(1, 4))
        lag = rng.integers(0, 3, size=m)
        b = rng.normal(0.0, 0.4, size=m)
        growth = rng.normal(0.03, rng.uniform(0.03, 0.1), size=(m, YEARS))
        S = 1e6 * np.exp(np.cumsum(growth, axis=1))
        x = lagged(log_changes(S), lag)
        x = np.where(np.isnan(x), rng.normal(0.03, 0.06, size=x.shape), x)  # spending before the history
        y = rng.normal(0.01, 0.02) + b @ x + rng.normal(0.0, rng.uniform(0.005, 0.05), size=YEARS)
        K = 50.0 * np.exp(np.cumsum(y))
        k_levels.append(K)
        s_levels.extend(S)
        d_kpi.extend([k] * m)
        lags.extend(lag)
        truth.extend(b)
    return (np.array(k_levels), np.array(s_levels), np.array(d_kpi), np.array(lags), np.array(truth))


def test_80_percent_intervals_cover_the_true_elasticity():
    K, S, d_kpi, lags, truth = _simulate(np.random.default_rng(2026))
    fit = fit_drivers(log_changes(K), lagged(log_changes(S), lags), d_kpi)
    low, high = fit.figures["low"], fit.figures["high"]
    done = np.isfinite(low)
    assert done.mean() > 0.99  # 14 years give every KPI enough history
    covered = (low <= truth) & (truth <= high)
    share = covered[done].mean()
    assert 0.74 <= share <= 0.86, share
    # and each side misses about as often (an interval that is right on average, not shifted)
    below, above = (truth < low)[done].mean(), (truth > high)[done].mean()
    assert abs(below - above) < 0.05

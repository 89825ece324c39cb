"""The review's KPI table: each KPI's latest value in R through p against the year's target."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import Plan
from ..engine.evaluation import _met  # the model's test: direction, within a relative 1e-9
from ..periods import Period

COLUMNS = ["latest", "period", "target", "met", "previous"]


def _key(value: object) -> str:
    return " ".join(str(value).split()).casefold()


def kpi_table(plan: Plan, year: int, p: int) -> pd.DataFrame:
    """Indexed by kpi_id: latest (the value of the period of R through p that ends last; of two
    ending in the same month the shorter), period (its label), target (R's, from the KPI targets),
    met (the model's test; None without a target), previous (the same period of R−1, where given)."""
    ka = plan.kpi_actuals
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS}, index=pd.Index([], name="kpi_id"))
    if not len(ka):
        return empty
    fy = np.asarray(ka["fiscal_year"], dtype=np.int64)
    first = np.asarray(ka["first_month"], dtype=np.int64)
    last = np.asarray(ka["last_month"], dtype=np.int64)
    now = ka[(fy == year) & (last <= p)]
    if not len(now):
        return empty
    now = now.assign(_k=now["kpi_id"].map(_key)).sort_values(["last_month", "first_month"], kind="stable")
    chosen = now.drop_duplicates("_k", keep="last")
    before = ka[fy == year - 1].assign(_k=lambda f: f["kpi_id"].map(_key))
    prev = before.drop_duplicates(["_k", "first_month", "last_month"], keep="last").set_index(
        ["_k", "first_month", "last_month"])["value"]
    keys = pd.MultiIndex.from_arrays([chosen["_k"], chosen["first_month"].astype(np.int64),
                                      chosen["last_month"].astype(np.int64)])
    previous = prev.reindex(keys).to_numpy(dtype=np.float64) if len(prev) else np.full(len(chosen), np.nan)
    targets = plan.kpi_targets
    tmap = (pd.Series(targets[year].to_numpy(dtype=np.float64), index=targets.index.map(_key))
            if year in targets.columns else pd.Series(dtype=np.float64))
    tmap = tmap[~tmap.index.duplicated()]
    target = tmap.reindex(chosen["_k"]).to_numpy(dtype=np.float64)
    kp = plan.kpis
    dmap = pd.Series(np.asarray(kp["direction"], dtype=np.float64), index=kp["kpi_id"].map(_key)) if len(kp) \
        else pd.Series(dtype=np.float64)
    dmap = dmap[~dmap.index.duplicated()]
    direction = dmap.reindex(chosen["_k"]).fillna(1.0).to_numpy()
    latest = chosen["value"].to_numpy(dtype=np.float64)
    has = ~np.isnan(target)
    met = _met(latest[:, None], target[:, None], direction, has[:, None])[:, 0]
    periods = [Period(year, int(f), int(la), str(k)).label
               for f, la, k in zip(chosen["first_month"], chosen["last_month"], chosen["period_kind"])]
    out = pd.DataFrame({"latest": latest, "period": periods, "target": target,
                        "met": [bool(m) if h else None for m, h in zip(met.tolist(), has.tolist())],
                        "previous": previous}, index=pd.Index(chosen["kpi_id"].astype(str).to_numpy(), name="kpi_id"))
    return out.sort_index()

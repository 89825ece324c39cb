"""The evidence as SPEC's `kcplanner estimate --json` file:
`{"drivers": [{"kpi", "department", "program", "lag", "n", "estimate", "se", "low", "high", "p", "r2",
"entered", "pooled", "pooled_se"}], "kpis": {K: {"years", "completeness", "volatility", "attainment",
"responsive", "redundant_with", "recommendation"}}}` — figures unrounded, null where not given."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_text
from ..jsonfile import json_value
from .core import Evidence

DRIVER_KEYS = ("kpi", "department", "program", "lag", "n", "estimate", "se", "low", "high", "p", "r2", "entered",
               "pooled", "pooled_se")
KPI_KEYS = ("years", "completeness", "volatility", "attainment", "responsive", "redundant_with", "recommendation")


def evidence_to_json(ev: Evidence) -> dict[str, Any]:
    drivers = [{k: json_value(row[k]) for k in DRIVER_KEYS} for row in ev.drivers.to_dict("records")]
    kpis = {str(k): {c: json_value(row[c]) for c in KPI_KEYS} for k, row in zip(ev.kpis.index, ev.kpis.to_dict("records"))}
    return {"drivers": drivers, "kpis": kpis}


def write_evidence_json(ev: Evidence, path: str | Path) -> None:
    """Write the evidence file atomically (temporary file, then replace)."""
    text = json.dumps(evidence_to_json(ev), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    atomic_write_text(path, text)

"""The review as SPEC's `kcplanner review --json` file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import atomic_write_text
from ..jsonfile import json_value
from .core import Review

KEYS = ("budget", "actual", "projection", "variance", "flag")


def _figures(row: pd.Series, prefix: str = "") -> dict[str, Any]:
    return {k: json_value(row[prefix + k]) for k in KEYS}


def review_to_json(r: Review) -> dict[str, Any]:
    """`{"fiscal_year", "through", "departments": {D: {budget, actual, projection, variance, flag}},
    "funds": {F: {"expenditure": {…}, "revenue": {…}, "balance_change"}}, "kpis": {K: {latest,
    period, target, met, previous}}}`; amounts unrounded, flag "over", "under", "short" or null."""
    return {
        "fiscal_year": r.fiscal_year,
        "through": r.through_label,
        "departments": {str(d): _figures(row) for d, row in r.departments.iterrows()},
        "funds": {str(f): {"expenditure": _figures(row, "expenditure_"), "revenue": _figures(row, "revenue_"),
                           "balance_change": json_value(row["balance_change"])} for f, row in r.funds.iterrows()},
        "kpis": {str(k): {c: json_value(row[c]) for c in ("latest", "period", "target", "met", "previous")}
                 for k, row in r.kpis.iterrows()},
    }


def write_review_json(r: Review, path: str | Path) -> None:
    """Write the review file atomically (temporary file, then replace)."""
    text = json.dumps(review_to_json(r), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    atomic_write_text(path, text)

"""How request IDs and names are compared (spaces collapsed, case-folded) and what a blank cell is."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

def _key(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:
        return False

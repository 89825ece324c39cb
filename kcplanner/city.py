"""The name of the city whose data is loaded (docs/ui.md, "City and baseline").

From the plan's Settings `City`; else from an import mapping that names a city ("City of Austin …"
in its description, or the capitalised words that open its name: "Grand Rapids FY17 adopted
budget" → Grand Rapids); else from the budget file's name (one file: its name; several files in
one folder: the folder's name).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

import pandas as pd

_CITY_OF = re.compile(r"\b(?:City|Town|Village|County) of ((?:[A-Z][\w.'’-]*)(?: [A-Z][\w.'’-]*)*)")
#: Capitalised words that open a mapping's name but are not a city.
_NOT_A_CITY = {"the", "fy", "budget", "adopted", "proposed", "operating", "revenue", "expense", "line", "kpi",
               "kpis", "performance", "open", "data", "public", "capital", "annual"}


def _from_mapping(mapping) -> str | None:
    for text in (getattr(mapping, "description", None), getattr(mapping, "name", None)):
        m = _CITY_OF.search(text or "")
        if m:
            return m.group(1)
    words = []
    for w in str(getattr(mapping, "name", None) or "").split():
        if not re.fullmatch(r"[A-Z][a-zA-Z.'’-]*", w) or w.casefold().strip(".") in _NOT_A_CITY:
            break
        words.append(w)
    return " ".join(words) or None


def _from_files(sources: list[str]) -> str | None:
    if not sources:
        return None
    paths = [Path(s) for s in sources]
    if len(paths) == 1 or len({p.parent for p in paths}) > 1:
        stem = paths[0].stem
    else:
        stem = paths[0].parent.name or paths[0].stem
    text = " ".join(stem.replace("_", " ").split())
    return text or None


def city_name(dataset, mappings: Iterable = ()) -> tuple[str, str]:
    """(name, origin): origin is "settings", "mapping", "file" or "" (name "")."""
    if dataset is None:
        return "", ""
    city = getattr(dataset.plan.settings, "city", None)
    if city and str(city).strip():
        return " ".join(str(city).split()), "settings"
    for m in mappings or ():
        name = _from_mapping(m)
        if name:
            return name, "mapping"
    name = _file_name(dataset)
    return (name, "file") if name else ("", "")


_last: list = [None, None]  # (key, name) of the last dataset: the views ask on every recalculation


def _file_name(dataset) -> str | None:
    sources = tuple(str(s) for s in dataset.sources)
    li = dataset.budget.line_items
    key = (id(li), len(li), sources)
    if _last[0] == key:
        return _last[1]
    files = list(sources)
    if "source_file" in li.columns and len(li):  # the files that gave line items (not the plan)
        named = {str(v) for v in pd.unique(li["source_file"].to_numpy(dtype=object)) if v is not None and v == v}
        files = [s for s in files if Path(s).name in named] or files
    _last[:] = [key, _from_files(files)]
    return _last[1]

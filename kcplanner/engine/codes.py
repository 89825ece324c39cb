"""Names to integer codes: the engine works on codes, never on names.

A `Vocab` holds the names of one kind (funds, departments, programs, account classes, revenue
sources); names match case-insensitively with runs of blanks collapsed (`name_key`), and the
spelling first seen is the one shown.  `prepare` encodes every name column once.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

import numpy as np
import pandas as pd

#: Plan years: every per-year array of the engine has this many columns.
NYEARS = 5
#: The name key of the Personnel Services account class (fte rules, the personnel growth rate).
PERSONNEL = "personnel services"
#: The account class of a line item or request that names none.
OTHER_CLASS = "Other"


def name_key(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


class Vocab:
    """Names of one kind (funds, departments, …): case-insensitive key → code, spelling first seen."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, name: Any) -> int:
        key = name_key(name)
        code = self.index.get(key)
        if code is None:
            code = len(self.names)
            self.names.append(" ".join(str(name).split()))
            self.index[key] = code
        return code

    def find(self, name: Any) -> int | None:
        return self.index.get(name_key(name))

    def __len__(self) -> int:
        return len(self.names)

    def encode(self, series: pd.Series | None, n: int, missing: str | None = None) -> np.ndarray:
        """Codes of a name column (categorical or text); missing names → code of `missing`, else -1."""
        if series is None:
            return np.full(n, -1 if missing is None else self.add(missing), dtype=np.int64)
        if isinstance(series.dtype, pd.CategoricalDtype):
            cats = list(series.cat.categories)
            codes = series.cat.codes.to_numpy().astype(np.int64)
        else:
            codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
            cats = list(uniques)
            codes = codes.astype(np.int64)
        mapping = np.empty(len(cats) + 1, dtype=np.int64)
        for j, c in enumerate(cats):
            mapping[j] = -1 if (_is_missing(c) or not str(c).strip()) else self.add(c)
        if (codes < 0).any() or (mapping[:-1] < 0).any():
            fill = -1 if missing is None else self.add(missing)
            mapping[mapping == -1] = fill
            mapping[-1] = fill
        else:
            mapping[-1] = -1
        return mapping[codes]

    def suggest(self, name: str) -> str:
        close = difflib.get_close_matches(name, self.names, n=1, cutoff=0.6)
        if not close:
            by_key = {name_key(n): n for n in self.names}
            hit = difflib.get_close_matches(name_key(name), list(by_key), n=1, cutoff=0.6)
            close = [by_key[hit[0]]] if hit else []
        return f" (did you mean '{close[0]}'?)" if close else ""


def _codes_lookup(series: pd.Series | None, vocab: Vocab, n: int) -> np.ndarray:
    """Codes of a name column against an existing vocabulary, without adding names (-1 = unknown)."""
    if series is None:
        return np.full(n, -1, dtype=np.int64)
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    mapping = np.array([(-1 if _is_missing(u) else (vocab.find(u) if vocab.find(u) is not None else -1))
                        for u in uniques] + [-1], dtype=np.int64)
    return mapping[codes]

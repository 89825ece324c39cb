"""Reading amounts, rates and flags out of workbook cells, a whole column at a time.

Amount cells may hold numbers or text such as `$1,234.50`, `(1,234)`, `-1234`, ` 1 234 `.
A blank cell is "not given" (NaN). Text that is not an amount is reported, never read as 0.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

#: Texts that mean "no value" in every workbook (an import mapping may add its own).
DEFAULT_MISSING = frozenset({"", "-", "--", "n/a", "na", "none", "null", "nan"})

_SPACES = r"[\s\u00a0\u2007\u202f']"


def _as_series(values) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True).astype(object)
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def _text_mask(s: pd.Series) -> np.ndarray:
    return s.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)


def parse_amounts(values, missing: frozenset[str] | set[str] = DEFAULT_MISSING) -> tuple[np.ndarray, np.ndarray]:
    """Column of cells → (float64 amounts, bool mask of cells that could not be read).

    Blank cells and `missing` texts (compared case-insensitively) give NaN and are not bad.
    Booleans and dates are bad: an amount column holding them is a mistake worth reporting.
    """
    s = _as_series(values)
    out = np.full(len(s), np.nan)
    bad = np.zeros(len(s), dtype=bool)
    if len(s) == 0:
        return out, bad

    is_text = _text_mask(s)
    is_num = s.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)).to_numpy(dtype=bool)
    if is_num.any():
        out[is_num] = s[is_num].astype(float).to_numpy()
    other = ~is_text & ~is_num & s.notna().to_numpy()
    bad |= other

    if is_text.any():
        text = s[is_text].astype(str).str.strip()
        lowered = text.str.lower()
        missing_lower = {m.lower() for m in missing}
        blank = lowered.isin(missing_lower).to_numpy()
        cleaned = text.str.replace(_SPACES, "", regex=True).str.replace(",", "", regex=False)
        negative = cleaned.str.match(r"^\(.*\)$") | cleaned.str.match(r"^-?\$?\(.*\)$")
        cleaned = cleaned.str.replace(r"[()$]", "", regex=True)
        trailing_minus = cleaned.str.match(r"^[0-9.]+-$")
        cleaned = cleaned.where(~trailing_minus, "-" + cleaned.str.rstrip("-"))
        cleaned = cleaned.str.replace(r"^-\$", "-", regex=True)
        numbers = pd.to_numeric(cleaned.where(cleaned.str.match(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"), None), errors="coerce").to_numpy(dtype=float)
        numbers = np.where(negative.to_numpy(), -np.abs(numbers), numbers)
        idx = np.flatnonzero(is_text)
        ok = ~np.isnan(numbers) & ~blank
        out[idx[ok]] = numbers[ok]
        bad[idx[np.isnan(numbers) & ~blank]] = True
    return out, bad


def parse_rates(values, header_has_percent: bool, missing=DEFAULT_MISSING,
                percent_formatted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Column of rate cells → (fractions, bad mask).

    `3%` is 0.03; a number in a cell formatted as a percentage is already a fraction
    (`percent_formatted`, where the reader can tell); any other bare number is percent
    points in a column whose header has `%` and a fraction elsewhere (SPEC.md).
    """
    s = _as_series(values)
    is_text = _text_mask(s)
    text = s.where(~pd.Series(is_text), s.astype(str))
    has_pct = np.zeros(len(s), dtype=bool)
    if is_text.any():
        t = s[is_text].astype(str)
        has_pct[is_text] = t.str.contains("%", regex=False).to_numpy()
        text = text.copy()
        text[is_text] = t.str.replace("%", "", regex=False)
    amounts, bad = parse_amounts(text, missing)
    scale = np.where(has_pct, 0.01, 0.01 if header_has_percent else 1.0)
    if percent_formatted is not None:
        scale = np.where(percent_formatted & ~has_pct, 1.0, scale)
    return amounts * scale, bad


_TRUE = {"y", "yes", "true", "t", "1", "x", "recurring"}
_FALSE = {"n", "no", "false", "f", "0", "one-time", "onetime", "one time", "nonrecurring", "non-recurring"}


def parse_flags(values, default: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Y/N column → (bool array, bad mask); a blank cell takes `default`."""
    s = _as_series(values)
    out = np.full(len(s), default, dtype=bool)
    bad = np.zeros(len(s), dtype=bool)

    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)):
            return None if v not in (0, 1) else bool(v)
        t = str(v).strip().lower()
        if t == "":
            return default
        if t in _TRUE:
            return True
        if t in _FALSE:
            return False
        return "bad"

    for i, v in enumerate(s.map(one).to_numpy()):  # flags are per row but cheap: the column is small text
        if v == "bad":
            bad[i] = True
        elif v is not None:
            out[i] = v
    return out, bad


def clean_text(values) -> pd.Series:
    """Name cells → stripped strings; blanks, None and NaN become None. Numbers keep their digits (`1010`)."""
    s = _as_series(values)

    def one(v):
        if v is None:
            return None
        if isinstance(v, float):
            if np.isnan(v):
                return None
            return str(int(v)) if v.is_integer() else repr(v)
        if isinstance(v, (_dt.date, _dt.datetime)):
            return v.isoformat()
        t = str(v).strip()
        return t or None

    return s.map(one)


def name_key(values: pd.Series) -> pd.Series:
    """The key two names match on: case-folded, inner whitespace collapsed (SPEC: names match case-insensitively)."""
    return values.astype("string").str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()

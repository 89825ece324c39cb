"""Reading amounts, rates and flags out of workbook cells, a whole column at a time.

Amount cells may hold numbers or text such as `$1,234.50`, `(1,234)`, `-1234`, ` 1 234 `.
A blank cell is "not given" (NaN). Text that is not an amount is reported, never read as 0.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

#: Texts that mean "no value" in every workbook (an import mapping may add its own).
DEFAULT_MISSING = frozenset({"", "n/a", "na", "none", "null", "nan"})
#: An accounting dash is a zero, not a blank: `-` in a Requested column means "requested nothing".
ZERO_TEXTS = frozenset({"-", "--", "\u2013", "\u2014", "$-", "$ -"})

_SPACES = r"[\s\u00a0\u2007\u202f']"
#: An amount in text: sign or parentheses, an optional $, digits grouped by thousands separators
#: (groups of three, separated alike) or not at all, decimals.  Anything else is not an amount.
_AMOUNT = (r"^(?P<sign>[-+])?\$?(?P<open>\()?\$?"
           r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)"
           r"(?P<close>\))?(?P<trail>-)?$")


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

    Vectorized: plain numbers and numeric text go through `pd.to_numeric` in one C pass; only
    the cells it cannot read (formatted text such as `$1,234`, blanks, words) take the slower
    text path, and only those cells.
    """
    arr = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    n = len(arr)
    if n == 0:
        return np.full(0, np.nan), np.zeros(0, dtype=bool)
    try:
        fast = pd.to_numeric(pd.Series(arr, dtype=object, copy=False), errors="coerce").to_numpy(dtype=float, copy=True)
    except (TypeError, ValueError):
        return _parse_amounts_slow(arr, missing)
    if fast.dtype != np.float64:
        fast = fast.astype(np.float64)
    # booleans convert to 0/1: look at those few cells only
    suspects = np.flatnonzero((fast == 0.0) | (fast == 1.0))
    bad = np.zeros(n, dtype=bool)
    if len(suspects):
        is_bool = np.fromiter((isinstance(arr[i], (bool, np.bool_)) for i in suspects), dtype=bool, count=len(suspects))
        bad[suspects[is_bool]] = True
        fast[suspects[is_bool]] = np.nan
    inf = np.isinf(fast)
    if inf.any():
        fast[inf] = np.nan
        bad |= inf
    leftover = np.flatnonzero(np.isnan(fast) & ~bad)
    if len(leftover):
        sub = arr[leftover]
        nonblank = ~(pd.isna(sub) | (sub == ""))
        idx = leftover[nonblank]
        if len(idx):
            vals, b = _parse_amounts_slow(arr[idx], missing)
            fast[idx] = vals
            bad[idx] = b
    return fast, bad


def _parse_amounts_slow(values, missing) -> tuple[np.ndarray, np.ndarray]:
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
        zero = text.isin(ZERO_TEXTS).to_numpy() & ~blank
        # spaces beside a sign, $ or parenthesis go; spaces between digit groups are thousands separators
        cleaned = text.str.replace(r"(?<=[-+$(])\s+|\s+(?=[)$-])", "", regex=True)
        cleaned = cleaned.str.replace(_SPACES, ",", regex=True)
        parts = cleaned.str.extract(_AMOUNT)
        balanced = parts["open"].notna() == parts["close"].notna()
        one_sign = ~(parts["sign"].notna() & parts["trail"].notna())
        ok_form = parts["num"].notna() & balanced & one_sign
        numbers = pd.to_numeric(parts["num"].where(ok_form).str.replace(",", "", regex=False),
                                errors="coerce").to_numpy(dtype=float)
        negative = ((parts["sign"] == "-") | parts["open"].notna() | parts["trail"].notna()).to_numpy()
        numbers = np.where(negative, -numbers, numbers)
        numbers[zero] = 0.0
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
    """Y/N column → (bool array, bad mask); a blank cell takes `default`.

    Vectorized: the column is factorized (a C hash pass) and only its distinct values are
    interpreted, so a million rows of `Y`/`N` cost one pass.
    """
    s = _as_series(values)
    if len(s) == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    u_out = np.full(len(uniques) + 1, default, dtype=bool)  # last slot: NA (code -1)
    u_bad = np.zeros(len(uniques) + 1, dtype=bool)
    small_out, small_bad = _parse_flags_loop(pd.Series(np.asarray(uniques, dtype=object), dtype=object), default)
    u_out[:-1] = small_out
    u_bad[:-1] = small_bad
    return u_out[codes], u_bad[codes]


def _parse_flags_loop(s: pd.Series, default: bool) -> tuple[np.ndarray, np.ndarray]:
    out = np.full(len(s), default, dtype=bool)
    bad = np.zeros(len(s), dtype=bool)

    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)):
            return "bad" if v not in (0, 1) else bool(v)
        t = str(v).strip().lower()
        if t == "":
            return default
        if t in _TRUE:
            return True
        if t in _FALSE:
            return False
        return "bad"

    for i, v in enumerate(s.map(one).to_numpy()):  # distinct values only (see parse_flags)
        if v == "bad":
            bad[i] = True
        elif v is not None:
            out[i] = v
    return out, bad


def clean_text(values) -> pd.Series:
    """Name cells → stripped strings; blanks, None and NaN become None. Numbers keep their digits (`1010`).

    Vectorized: factorize the column and clean only its distinct values.
    """
    s = _as_series(values)
    if len(s) == 0:
        return s
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    cleaned = np.empty(len(uniques) + 1, dtype=object)
    cleaned[:-1] = [_clean_one(v) for v in np.asarray(uniques, dtype=object)]
    cleaned[-1] = None
    out = cleaned[codes]  # code -1 (NA) → None
    return pd.Series(out, dtype=object)


def _clean_one(v):
    if v is None:
        return None
    if isinstance(v, (float, np.floating)):
        if np.isnan(v):
            return None
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    t = str(v).strip()
    return t or None


def name_key(values: pd.Series) -> pd.Series:
    """The key two names match on: case-folded, inner whitespace collapsed (SPEC: names match case-insensitively)."""
    return values.astype("string").str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()

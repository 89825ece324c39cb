"""Cell parsing: amounts, rates, flags and names, one column at a time."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kcplanner.values import clean_text, name_key, parse_amounts, parse_flags, parse_rates


@pytest.mark.parametrize("cell,expected", [
    ("$1,234.50", 1234.5), ("(1,234)", -1234.0), ("-1234", -1234.0), (" 1 234 ", 1234.0),
    (1234.5, 1234.5), (7, 7.0), ("1234", 1234.0), ("-$5", -5.0), ("$(5.25)", -5.25), ("12-", -12.0),
    ("1\u00a0000", 1000.0), ("1e3", 1000.0), ("0", 0.0),
])
def test_amounts_read(cell, expected):
    vals, bad = parse_amounts([cell])
    assert not bad[0] and vals[0] == expected


@pytest.mark.parametrize("cell", ["", None, "  ", "n/a", "N/A", float("nan")])
def test_amounts_blank_is_nan_not_bad(cell):
    vals, bad = parse_amounts([cell])
    assert np.isnan(vals[0]) and not bad[0]


@pytest.mark.parametrize("cell", ["abc", "12 apples", "#N/A", "#REF!", True, False, dt.date(2024, 1, 1), "1.2.3", "inf"])
def test_amounts_bad_is_reported_never_zero(cell):
    vals, bad = parse_amounts([cell])
    assert bad[0] and np.isnan(vals[0])


def test_amounts_mixed_column_vectorized():
    col = [1.0, "", "$2", None, "x", 3, True, "(4)"] * 1000
    vals, bad = parse_amounts(np.array(col, dtype=object))
    assert vals.shape == (8000,)
    assert np.nansum(vals) == pytest.approx((1 + 2 + 3 - 4) * 1000)
    assert bad.sum() == 2000
    assert np.isnan(vals[1::8]).all() and not bad[1::8].any()


def test_amounts_custom_missing():
    vals, bad = parse_amounts(["#Missing", "No Data", "5"], missing={"#missing", "no data"})
    assert bad.tolist() == [False, False, False] and np.isnan(vals[:2]).all() and vals[2] == 5


def test_rates():
    cells = ["3%", 3, 0.03, "", "0.5 %", "x"]
    v, bad = parse_rates(cells, header_has_percent=True)
    assert v[:3] == pytest.approx([0.03, 0.03, 0.0003])
    assert np.isnan(v[3]) and v[4] == pytest.approx(0.005) and bad.tolist() == [False] * 5 + [True]
    v, _ = parse_rates(cells[:3], header_has_percent=False)
    assert v == pytest.approx([0.03, 3.0, 0.03])
    v, _ = parse_rates([0.03, 3], header_has_percent=True, percent_formatted=np.array([True, False]))
    assert v == pytest.approx([0.03, 0.03])


def test_flags():
    v, bad = parse_flags(["Y", "n", "", None, "Yes", "NO", "maybe", 1, 0, 2, True, " y "])
    assert v.tolist() == [True, False, True, True, True, False, True, True, False, True, True, True]
    assert bad.tolist() == [False] * 6 + [True, False, False, True, False, False]
    v, _ = parse_flags(["", None], default=False)
    assert v.tolist() == [False, False]


def test_flags_large_column():
    col = np.array(["Y", "N", ""] * 200_000, dtype=object)
    v, bad = parse_flags(col)
    assert v.sum() == 400_000 and not bad.any()


def test_clean_text_and_keys():
    out = clean_text([" Police ", 1010.0, 10.5, "", None, float("nan"), dt.date(2024, 5, 1), 7])
    assert out.tolist() == ["Police", "1010", "10.5", None, None, None, "2024-05-01", "7"]
    import pandas as pd

    assert name_key(pd.Series(["  Public  Works ", "PUBLIC WORKS"])).tolist() == ["public works"] * 2


@pytest.mark.parametrize("cell", ["-", "--", "\u2013", "$ -"])
def test_an_accounting_dash_is_zero_not_blank(cell):
    """`-` in a Requested column means "requested nothing": 0, so the model does not fall back to Adopted."""
    vals, bad = parse_amounts([cell])
    assert vals[0] == 0.0 and not bad[0]


@pytest.mark.parametrize("cell", ["1.234,50", "1,2,3", "12,34", "1$2", "(1234", "1234)", "5-5", "-(5)-", "1 2 3"])
def test_malformed_amount_text_is_reported_not_guessed(cell):
    vals, bad = parse_amounts([cell])
    assert np.isnan(vals[0]) and bad[0]


@pytest.mark.parametrize("cell, expected", [("$ 1,234", 1234.0), ("($1,234.50)", -1234.5), ("$(1,234)", -1234.0),
                                            ("-$1,234", -1234.0), ("1234-", -1234.0), ("1 234 567", 1234567.0),
                                            ("1,234,567.89", 1234567.89), (".5", 0.5), ("+5", 5.0)])
def test_amount_text_forms(cell, expected):
    vals, bad = parse_amounts([cell])
    assert vals[0] == expected and not bad[0]

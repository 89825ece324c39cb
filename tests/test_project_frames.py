"""The column-wise frame codec of the project file: exact round trips of random frames."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kcplanner.project.frames import FrameCodecError, decode_frame, encode_frame, tag_value, untag_value


def assert_exact(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal values, dtypes, index and column types and names; NaN where NaN, bit-exact floats,
    object cells of the same Python type."""
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_index_type=True, check_column_type=True,
                                  check_categorical=True, check_names=True, check_freq=True)
    assert type(a.index) is type(b.index) and type(a.columns) is type(b.columns)
    assert a.index.names == b.index.names and a.columns.names == b.columns.names
    assert [str(t) for t in a.dtypes] == [str(t) for t in b.dtypes]
    for i in range(a.shape[1]):
        x, y = a.iloc[:, i], b.iloc[:, i]
        if x.dtype == np.float64:
            assert np.array_equal(x.to_numpy().view(np.int64), y.to_numpy().view(np.int64))
        if isinstance(x.dtype, pd.CategoricalDtype):
            assert list(x.cat.categories) == list(y.cat.categories)
            assert x.cat.categories.dtype == y.cat.categories.dtype and x.cat.ordered == y.cat.ordered
            assert np.array_equal(x.cat.codes.to_numpy(), y.cat.codes.to_numpy())
        if x.dtype == object:
            assert [type(v) for v in x] == [type(v) for v in y]
            assert all((u is v) or (u == v) or (u != u and v != v) for u, v in zip(x, y))
    if isinstance(a.index, pd.RangeIndex):
        assert (a.index.start, a.index.stop, a.index.step) == (b.index.start, b.index.stop, b.index.step)


def roundtrip(frame: pd.DataFrame) -> pd.DataFrame:
    spec, blobs = encode_frame(frame)
    import json
    spec = json.loads(json.dumps(spec))  # the spec is stored as JSON text
    return decode_frame(spec, [bytes(b) for b in blobs])


# -- strategies -----------------------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
NAMES = st.sampled_from(["Police", "Fire", "Parks", "Public Works", "Water", "police ", "Ünïcode", "", "a\0b"])


@st.composite
def columns(draw, n: int):
    kind = draw(st.sampled_from(["float", "int", "int32", "uint8", "bool", "Int64", "Float64", "boolean", "category",
                                 "ordered", "str", "string", "object", "mixed", "datetime"]))
    if kind == "float":
        values = draw(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=n, max_size=n))
        return pd.array(np.array(values, dtype=np.float64))
    if kind == "int":
        return np.array(draw(st.lists(st.integers(-2**63, 2**63 - 1), min_size=n, max_size=n)), dtype=np.int64)
    if kind == "int32":
        return np.array(draw(st.lists(st.integers(-2**31, 2**31 - 1), min_size=n, max_size=n)), dtype=np.int32)
    if kind == "uint8":
        return np.array(draw(st.lists(st.integers(0, 255), min_size=n, max_size=n)), dtype=np.uint8)
    if kind == "bool":
        return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    if kind == "Int64":
        return pd.array(draw(st.lists(st.one_of(st.none(), st.integers(-2**40, 2**40)), min_size=n, max_size=n)),
                        dtype="Int64")
    if kind == "Float64":
        return pd.array(draw(st.lists(st.one_of(st.none(), st.floats(allow_nan=False)), min_size=n, max_size=n)),
                        dtype="Float64")
    if kind == "boolean":
        return pd.array(draw(st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n)), dtype="boolean")
    if kind in ("category", "ordered"):
        cats = draw(st.lists(NAMES, unique=True, max_size=6))
        codes = draw(st.lists(st.integers(-1, len(cats) - 1), min_size=n, max_size=n)) if cats else [-1] * n
        cat_index = pd.Index(cats, dtype=draw(st.sampled_from(["str", object])))
        return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(cat_index, ordered=kind == "ordered"))
    if kind == "str":
        return pd.array(draw(st.lists(st.one_of(st.none(), TEXT, NAMES), min_size=n, max_size=n)), dtype="str")
    if kind == "string":
        return pd.array(draw(st.lists(st.one_of(st.none(), TEXT), min_size=n, max_size=n)), dtype="string")
    if kind == "object":
        values = draw(st.lists(st.one_of(TEXT, NAMES), min_size=n, max_size=n))
        return np.array(values + [None], dtype=object)[:-1]
    if kind == "mixed":
        values = draw(st.lists(st.one_of(st.none(), TEXT, st.integers(), st.floats(), st.booleans(),
                                         st.just(float("nan")), st.just(pd.NA)), min_size=n, max_size=n))
        out = np.empty(n, dtype=object)
        out[:] = values
        return out
    values = draw(st.lists(st.integers(-2**62, 2**62), min_size=n, max_size=n))
    return np.array(values, dtype=np.int64).view("M8[ns]")


@st.composite
def frames(draw):
    n = draw(st.integers(0, 12))
    k = draw(st.integers(0, 6))
    data = [draw(columns(n)) for _ in range(k)]
    index_kind = draw(st.sampled_from(["range", "range_step", "str", "int", "multi"]))
    if index_kind == "range":
        index = pd.RangeIndex(n)
    elif index_kind == "range_step":
        index = pd.RangeIndex(5, 5 + 3 * n, 3, name="row")
    elif index_kind == "str":
        index = pd.Index([f"REQ-{i}" for i in range(n)], dtype=draw(st.sampled_from(["str", object])),
                         name=draw(st.sampled_from(["request_id", "kpi_id", None])))
    elif index_kind == "int":
        index = pd.Index(draw(st.lists(st.integers(-1000, 1000), min_size=n, max_size=n)), dtype=np.int64, name=7)
    else:
        index = pd.MultiIndex.from_arrays([list(range(n)), [f"p{i % 3}" for i in range(n)]], names=["a", "b"])
    col_kind = draw(st.sampled_from(["names", "years", "multi", "dupes"]))
    if col_kind == "names":
        cols = pd.Index([f"c{i}" for i in range(k)], dtype=object)
    elif col_kind == "years":
        cols = pd.Index([2027 + i for i in range(k)], dtype=np.int64)
    elif col_kind == "multi":
        cols = pd.MultiIndex.from_tuples([(2024 + i // 2, ["Actual", "Adopted"][i % 2]) for i in range(k)],
                                         names=["fiscal_year", "phase"])
    else:
        cols = pd.Index(["x"] * k, dtype=object)
    if k:  # object columns stay object (given bare, pandas would infer "str" from all-text arrays)
        frame = pd.DataFrame({i: pd.Series(a, dtype=object) if isinstance(a, np.ndarray) and a.dtype == object else a
                              for i, a in enumerate(data)})
        frame.index = index
    else:
        frame = pd.DataFrame(index=index)
    frame.columns = cols
    return frame


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_random_frames_round_trip_exactly(frame):
    assert_exact(frame, roundtrip(frame))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.text(), st.integers(), st.floats(), st.booleans(),
                 st.tuples(st.integers(), st.text()), st.lists(st.integers(), max_size=3)))
def test_tagged_values_round_trip(value):
    back = untag_value(tag_value(value))
    assert type(back) is type(value)
    assert back == value or (isinstance(value, float) and math.isnan(value) and math.isnan(back))


def test_dataset_shaped_frames():
    """The shapes the Dataset uses: MultiIndex amounts, named str indexes, categoricals sharing categories."""
    cats = pd.Index(["General Fund", "Water Fund"], dtype="str")
    amounts = pd.DataFrame(np.array([[1.5, np.nan], [-0.0, 2.25]]),
                           columns=pd.MultiIndex.from_tuples([(2026, "Adopted"), (2027, "Requested")],
                                                             names=["fiscal_year", "phase"]))
    costs = pd.DataFrame({2027: [1.0, np.nan], 2028: [np.nan, 3.0]},
                         index=pd.Index(["R1", "R2"], name="request_id", dtype="str"))
    lines = pd.DataFrame({"fund": pd.Categorical.from_codes([0, 1, -1], dtype=pd.CategoricalDtype(cats)),
                          "account": pd.array(["5110 Salaries", None, "x"], dtype="str"),
                          "recurring": [True, False, True], "source_row": np.array([5, 6, 7], dtype=np.int64),
                          "baseline_fy": pd.array([2026, None, 2025], dtype="Int64")})
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in ["kpi_id", "fiscal_year", "value"]})
    text_objects = pd.DataFrame({"source_file": pd.Series(["a.xlsx", "b.xlsx"], dtype=object),
                                 "title": pd.Series(["x", None], dtype=object)})
    assert (text_objects.dtypes == object).all()
    assumptions = pd.DataFrame(index=pd.Index([], name="account_class"))
    for frame in (amounts, costs, lines, empty, assumptions, text_objects):
        assert_exact(frame, roundtrip(frame))


def test_damaged_blob_is_detected():
    frame = pd.DataFrame({"a": np.arange(100.0)})
    spec, blobs = encode_frame(frame)
    bad = bytearray(blobs[0])
    bad[10] ^= 0xFF
    with pytest.raises(FrameCodecError, match="damaged"):
        decode_frame(spec, [bytes(bad)] + blobs[1:])
    with pytest.raises(FrameCodecError):
        decode_frame(spec, blobs[:-1])


def test_unsupported_values_are_refused_not_approximated():
    frame = pd.DataFrame({"a": np.array([object()], dtype=object)})
    with pytest.raises(FrameCodecError, match="cannot store"):
        encode_frame(frame)

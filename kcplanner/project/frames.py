"""Column-wise, exact (de)serialization of pandas DataFrames for the project file.

    spec, blobs = encode_frame(frame)      # spec: JSON-able dict; blobs: list of bytes
    frame = decode_frame(spec, blobs)      # equal to the original: values, dtypes, index, columns

Each column becomes one or a few blobs, never one SQL row per cell:

- numpy numbers, booleans, datetimes: the raw bytes (`ndarray.tobytes()`) with the dtype string
  (`<f8`, `|b1`, `<M8[ns]`); NaN, -0.0 and every bit pattern survive.
- categoricals: the integer codes (raw bytes) plus the categories, encoded as an index (order and
  dtype kept) and the `ordered` flag.
- nullable extension arrays (`Int64`, `Float64`, `boolean`): the data bytes plus the mask bytes.
- text (`str`/`string` dtype, or object columns holding text): dictionary-encoded: the distinct
  strings as one `\\0`-joined UTF-8 blob (a JSON list when a string holds `\\0`) and int32 codes;
  missing values and anything that is not text sit in a small JSON list of (position, tagged value),
  so `None`, `NaN`, `pd.NA`, ints and floats in an object column keep their exact types.
- the row index and the column labels: a RangeIndex as start/stop/step, a MultiIndex as its levels
  (each an index) plus codes and names, any other index as one encoded column; names are tagged
  JSON values, so an int name stays an int.

Anything else (periods, intervals, sparse, arbitrary Python objects) raises `FrameCodecError`
rather than being stored approximately.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import json
import zlib
from typing import Any

import numpy as np
import pandas as pd

CODEC_VERSION = 1
_NUMPY_KINDS = "biufcmM"
_SEP = "\0"


class FrameCodecError(ValueError):
    """A frame or value that cannot be stored exactly, or stored data that does not decode."""


# -- tagged scalar values (names, labels, odd object cells) ---------------------------------------

def tag_value(v: Any) -> Any:
    """A JSON-able form of one Python/numpy/pandas scalar that `untag_value` turns back exactly."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return {"b": bool(v)} if isinstance(v, bool) else {"nb": bool(v)}
    if isinstance(v, int):
        return {"i": str(v)}
    if isinstance(v, np.integer):
        return {"ni": [v.dtype.str, str(int(v))]}
    if isinstance(v, float):
        return {"f": repr(v)}
    if isinstance(v, np.floating):
        return {"nf": [v.dtype.str, repr(float(v))]}
    if v is pd.NA:
        return {"NA": 1}
    if v is pd.NaT:
        return {"NaT": 1}
    if isinstance(v, pd.Timestamp):
        return {"ts": v.isoformat(), "unit": v.unit}
    if isinstance(v, pd.Timedelta):
        return {"td": str(v.value), "unit": v.unit}
    if isinstance(v, np.datetime64):
        return {"dt64": [str(v.dtype), str(v.astype("int64"))]}
    if isinstance(v, _dt.datetime):
        return {"dt": v.isoformat()}
    if isinstance(v, _dt.date):
        return {"d": v.isoformat()}
    if isinstance(v, decimal.Decimal):
        return {"dec": str(v)}
    if isinstance(v, bytes):
        return {"bytes": base64.b64encode(v).decode("ascii")}
    if isinstance(v, tuple):
        return {"t": [tag_value(x) for x in v]}
    if isinstance(v, list):
        return {"l": [tag_value(x) for x in v]}
    if isinstance(v, complex):
        return {"c": [repr(v.real), repr(v.imag)]}
    raise FrameCodecError(f"cannot store a value of type {type(v).__name__}: {v!r}")


def untag_value(t: Any) -> Any:
    if t is None or isinstance(t, str):
        return t
    if not isinstance(t, dict) or len(t) not in (1, 2):
        raise FrameCodecError(f"bad tagged value {t!r}")
    (k, v), = list(t.items())[:1]
    if k == "b":
        return bool(v)
    if k == "nb":
        return np.bool_(v)
    if k == "i":
        return int(v)
    if k == "ni":
        return np.dtype(v[0]).type(int(v[1]))
    if k == "f":
        return float(v)
    if k == "nf":
        return np.dtype(v[0]).type(float(v[1]))
    if k == "NA":
        return pd.NA
    if k == "NaT":
        return pd.NaT
    if k == "ts":
        return pd.Timestamp(v).as_unit(t.get("unit", "ns"))
    if k == "td":
        return pd.Timedelta(int(v), unit="ns").as_unit(t.get("unit", "ns"))
    if k == "dt64":
        return np.array(int(v[1]), dtype="int64").view(np.dtype(v[0]))[()]
    if k == "dt":
        return _dt.datetime.fromisoformat(v)
    if k == "d":
        return _dt.date.fromisoformat(v)
    if k == "dec":
        return decimal.Decimal(v)
    if k == "bytes":
        return base64.b64decode(v)
    if k == "t":
        return tuple(untag_value(x) for x in v)
    if k == "l":
        return [untag_value(x) for x in v]
    if k == "c":
        return complex(float(v[0]), float(v[1]))
    raise FrameCodecError(f"bad tagged value {t!r}")


# -- arrays ---------------------------------------------------------------------------------------

class _Writer:
    def __init__(self) -> None:
        self.blobs: list[bytes] = []

    def add(self, data: bytes) -> int:
        self.blobs.append(bytes(data))
        return len(self.blobs) - 1

    def ndarray(self, arr: np.ndarray) -> dict:
        arr = np.ascontiguousarray(arr)
        return {"k": "np", "dtype": arr.dtype.str, "n": int(arr.shape[0]), "b": self.add(arr.tobytes())}


class _Reader:
    def __init__(self, blobs) -> None:
        self.blobs = blobs

    def ndarray(self, spec: dict) -> np.ndarray:
        dtype = np.dtype(spec["dtype"])
        data = self.blobs[spec["b"]]
        if len(data) != spec["n"] * dtype.itemsize:
            raise FrameCodecError(f"a column holds {len(data)} bytes, expected {spec['n'] * dtype.itemsize}")
        return np.frombuffer(data, dtype=dtype).copy()


def _text_codes(values: np.ndarray, w: _Writer) -> dict:
    """Object array whose items are all str → distinct strings + int32 codes."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniques = list(uniques)
    if any(_SEP in u for u in uniques):
        text = {"json": w.add(json.dumps(uniques, ensure_ascii=False).encode("utf-8"))}
    else:
        text = {"joined": w.add(_SEP.join(uniques).encode("utf-8", "surrogatepass")), "count": len(uniques)}
    return {"codes": w.ndarray(codes.astype(np.int32, copy=False)), "text": text}


def _text_uniques(spec: dict, r: _Reader) -> list[str]:
    text = spec["text"]
    if "json" in text:
        return json.loads(r.blobs[text["json"]].decode("utf-8"))
    if text["count"] == 0:
        return []
    return r.blobs[text["joined"]].decode("utf-8", "surrogatepass").split(_SEP)


def _encode_object_like(values: np.ndarray, w: _Writer) -> dict:
    """An object array: text positions dictionary-encoded, everything else tagged JSON by position."""
    n = len(values)
    is_str = np.fromiter((type(v) is str for v in values), dtype=bool, count=n) if n else np.zeros(0, bool)
    others = np.flatnonzero(~is_str)
    text_values = values.copy()
    text_values[others] = None
    spec = _text_codes(text_values, w)
    if len(others):
        spec["others"] = w.add(json.dumps([[int(i), tag_value(values[i])] for i in others],
                                          ensure_ascii=False).encode("utf-8"))
    return spec


def _decode_object_like(spec: dict, r: _Reader) -> np.ndarray:
    uniques = _text_uniques(spec, r)
    codes = r.ndarray(spec["codes"])
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:len(uniques)] = uniques
    table[-1] = None
    out = table[codes]
    if "others" in spec:
        for i, t in json.loads(r.blobs[spec["others"]].decode("utf-8")):
            out[i] = untag_value(t)
    return out


def encode_array(arr, w: _Writer) -> dict:
    """One column (numpy array or pandas extension array) → spec; its bytes go to `w`."""
    if isinstance(arr, (pd.Series, pd.Index)):
        arr = arr.array if not isinstance(arr, pd.MultiIndex) else arr
    dtype = arr.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return {"k": "cat", "codes": w.ndarray(np.asarray(arr.codes)), "ordered": bool(dtype.ordered),
                "cats": encode_index(dtype.categories, w)}
    if isinstance(dtype, pd.StringDtype):
        values = np.asarray(arr, dtype=object)
        na = "NA" if dtype.na_value is pd.NA else "nan"
        spec = _encode_object_like(values, w)
        spec.update(k="str", storage=dtype.storage, na=na)
        return spec
    if isinstance(dtype, pd.DatetimeTZDtype):
        return {"k": "dttz", "tz": str(dtype.tz), "unit": dtype.unit,
                "data": w.ndarray(np.asarray(arr.tz_convert("UTC").tz_localize(None)).view("int64"))}
    if isinstance(arr, pd.arrays.NumpyExtensionArray) or isinstance(dtype, np.dtype):
        values = np.asarray(arr)
        if values.dtype.kind in _NUMPY_KINDS:
            return w.ndarray(values)
        if values.dtype.kind == "O":
            spec = _encode_object_like(values, w)
            spec["k"] = "obj"
            return spec
        if values.dtype.kind == "U":
            spec = _encode_object_like(values.astype(object), w)
            spec.update(k="unicode", dtype=values.dtype.str)
            return spec
        raise FrameCodecError(f"cannot store a column of dtype {values.dtype}")
    from pandas.core.arrays.masked import BaseMaskedArray
    if isinstance(arr, BaseMaskedArray):
        return {"k": "masked", "dtype": str(dtype), "data": w.ndarray(arr._data), "mask": w.ndarray(arr._mask)}
    raise FrameCodecError(f"cannot store a column of dtype {dtype}")


def decode_array(spec: dict, r: _Reader):
    k = spec["k"]
    if k == "np":
        return r.ndarray(spec)
    if k == "cat":
        cats = decode_index(spec["cats"], r)
        codes = r.ndarray(spec["codes"])
        return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(cats, ordered=spec["ordered"]))
    if k == "str":
        values = _decode_object_like(spec, r)
        na_value = pd.NA if spec["na"] == "NA" else np.nan
        try:
            dtype = pd.StringDtype(storage=spec["storage"], na_value=na_value)
            dtype.construct_array_type()  # pyarrow storage without pyarrow → fall back to python
        except ImportError:
            dtype = pd.StringDtype(storage="python", na_value=na_value)
        return pd.array(values, dtype=dtype)
    if k == "obj":
        return _decode_object_like(spec, r)
    if k == "unicode":
        return _decode_object_like(spec, r).astype(np.dtype(spec["dtype"]))
    if k == "dttz":
        naive = r.ndarray(spec["data"]).view(f"M8[{spec['unit']}]")
        return pd.DatetimeIndex(naive).tz_localize("UTC").tz_convert(spec["tz"]).array
    if k == "masked":
        cls = pd.api.types.pandas_dtype(spec["dtype"]).construct_array_type()
        return cls(r.ndarray(spec["data"]), r.ndarray(spec["mask"]))
    raise FrameCodecError(f"unknown column kind {k!r}")


# -- indexes --------------------------------------------------------------------------------------

def encode_index(index: pd.Index, w: _Writer) -> dict:
    if isinstance(index, pd.RangeIndex):
        return {"k": "range", "start": index.start, "stop": index.stop, "step": index.step,
                "name": tag_value(index.name)}
    if isinstance(index, pd.MultiIndex):
        return {"k": "multi", "names": [tag_value(n) for n in index.names],
                "levels": [encode_index(level, w) for level in index.levels],
                "codes": [w.ndarray(np.asarray(c)) for c in index.codes]}
    spec = {"k": "index", "name": tag_value(index.name), "values": encode_array(index.array, w)}
    if isinstance(index, pd.DatetimeIndex) and index.freq is not None:
        spec["freq"] = index.freqstr
    return spec


def decode_index(spec: dict, r: _Reader) -> pd.Index:
    k = spec["k"]
    if k == "range":
        return pd.RangeIndex(spec["start"], spec["stop"], spec["step"], name=untag_value(spec["name"]))
    if k == "multi":
        levels = [decode_index(s, r) for s in spec["levels"]]
        codes = [r.ndarray(c) for c in spec["codes"]]
        return pd.MultiIndex(levels=levels, codes=codes, names=[untag_value(n) for n in spec["names"]],
                             verify_integrity=False)
    if k == "index":
        values = decode_array(spec["values"], r)
        name = untag_value(spec["name"])
        if isinstance(values, np.ndarray):
            index = pd.Index(values, dtype=values.dtype, name=name)
        else:
            index = pd.Index(values, name=name)
        if "freq" in spec:
            index = pd.DatetimeIndex(index, freq=spec["freq"])
        return index
    raise FrameCodecError(f"unknown index kind {k!r}")


# -- frames ---------------------------------------------------------------------------------------

def encode_frame(frame: pd.DataFrame) -> tuple[dict, list[bytes]]:
    """A DataFrame → (JSON-able spec, list of blobs).  Exact: see the module docstring."""
    w = _Writer()
    columns = []
    for i in range(frame.shape[1]):
        columns.append(encode_array(frame.iloc[:, i].array, w))
    spec = {"codec": CODEC_VERSION, "rows": int(frame.shape[0]),
            "index": encode_index(frame.index, w), "columns": encode_index(frame.columns, w), "data": columns}
    if frame.attrs:
        spec["attrs"] = tag_value(list(frame.attrs.items()))
    spec["crc"] = [zlib.crc32(b) for b in w.blobs]
    return spec, w.blobs


def decode_frame(spec: dict, blobs, *, verify: bool = True) -> pd.DataFrame:
    """The DataFrame `encode_frame` encoded; FrameCodecError when the data are damaged."""
    if spec.get("codec", 0) > CODEC_VERSION:
        raise FrameCodecError(f"table stored with a newer codec ({spec.get('codec')}); this version reads {CODEC_VERSION}")
    if len(blobs) != len(spec.get("crc", [])):
        raise FrameCodecError(f"table has {len(blobs)} parts, expected {len(spec.get('crc', []))}")
    if verify:
        for i, (b, crc) in enumerate(zip(blobs, spec["crc"])):
            if zlib.crc32(b) != crc:
                raise FrameCodecError(f"part {i} of a table is damaged (checksum mismatch)")
    try:
        r = _Reader(blobs)
        index = decode_index(spec["index"], r)
        columns = decode_index(spec["columns"], r)
        arrays = [decode_array(s, r) for s in spec["data"]]
        if not arrays:
            frame = pd.DataFrame(index=index)
            frame.columns = columns
        else:
            # object arrays go in as object Series: given bare, pandas would infer "str" from text
            frame = pd.DataFrame({i: (pd.Series(a, dtype=object, copy=False)
                                      if isinstance(a, np.ndarray) and a.dtype == object else a)
                                  for i, a in enumerate(arrays)})
            frame.index = index
            frame.columns = columns
        if "attrs" in spec:
            frame.attrs.update(dict(untag_value(spec["attrs"])))
        if len(frame) != spec["rows"]:
            raise FrameCodecError(f"table has {len(frame)} rows, expected {spec['rows']}")
        return frame
    except FrameCodecError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FrameCodecError(f"a stored table does not decode ({type(exc).__name__}: {exc})") from exc


__all__ = ["FrameCodecError", "encode_frame", "decode_frame", "tag_value", "untag_value"]

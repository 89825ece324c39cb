"""A department's line items as a small script file (`assets/lines/<slug>.js`) that its page loads
with a plain <script src>: a fetch() of a local file fails from file:// in Chromium, a script does
not.  Names are stored once per department and referred to by number; amounts are to the cent."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd


def _coded(values: pd.Series) -> tuple[list[int], list[str]]:
    codes, uniques = pd.factorize(values.astype(object).fillna(""), sort=False)
    return codes.tolist(), [str(u) for u in uniques]


def _cents(values: pd.Series) -> list:
    a = np.round(values.to_numpy(dtype=float), 2) + 0.0
    return [None if v != v else v for v in a.tolist()]


def department_lines_js(slug: str, part: pd.DataFrame, with_adopted: bool) -> bytes:
    """`KC.addLines("<slug>", {...})`: columns of equal length, one entry per line item."""
    program, programs = _coded(part["program"])
    fund, funds = _coded(part["fund_name"])
    klass, classes = _coded(part["account_class"])
    data = {"n": len(part), "names": {"program": programs, "fund": funds, "class": classes},
            "program": program, "fund": fund, "class": klass, "account": part["account"].astype(object).fillna("").astype(str).tolist(),
            "prior": _cents(part["prior"]), "proposed": _cents(part["proposed"]),
            "request": part["request_id"].notna().astype(int).tolist()}
    if with_adopted:
        data["adopted"] = _cents(part["adopted"])
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("</", "<\\/")
    return f"KC.addLines({json.dumps(slug)},{text});\n".encode("utf-8")

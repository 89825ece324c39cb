"""Column parsers shared by the budget and plan readers: each reports bad cells on its Table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import values as V
from . import bounds as B
from ..fiscal import parse_fiscal_year
from .columns import CLASS_ALIASES, CLASS_LOOKUP, describe_choices, norm
from .table import Table, is_blank, spread_categorical
from .typos import class_suggestion


def text(t: Table, f: str, what: str, required: bool = False, categorical: bool = False):
    """Cleaned text (None where blank); a blank required cell is an error.  `categorical` gives a pandas
    Categorical (NA where blank): the actuals' millions of rows hold a few hundred names."""
    col = t.column(f)
    if col is None:
        blank = np.full(t.data.shape[0], None, dtype=object)
        return pd.Categorical(blank, categories=pd.Index([], dtype=object)) if categorical else blank
    if required:
        t.require(f, what)
    return t.per_unique(t.fields[f], V._clean_one, categorical=categorical)


def amount(t: Table, f: str | int, what: str = "an amount", required: bool = False,
           bounds: tuple[float, float] = B.AMOUNT, bounded: str = "") -> np.ndarray:
    """Numbers of a column; a cell outside `bounds` is an error (`expected <bounded or what> between …`)."""
    j = t.fields.get(f) if isinstance(f, str) else f
    if j is None:
        return np.full(t.data.shape[0], np.nan)
    col = t.data[:, j]
    vals, bad = V.parse_amounts(col)
    t.report_bad(bad, j, what)
    B.check(t, j, np.where(bad, np.nan, vals), bounds, bounded or what.split(" (")[0])
    if required:
        blank = np.isnan(vals) & ~bad & t.live & ~t.bad_error_cells(j)
        for i in np.flatnonzero(blank):
            t.cell_error(int(i), j, f"expected {what}, found a blank cell", kind="blank")
    return vals


def rate(t: Table, f: str | int, percent_cells: set[tuple[int, int]] | None = None,
         bounds: tuple[float, float] = B.GROWTH, what: str = "a rate") -> np.ndarray:
    j = t.fields.get(f) if isinstance(f, str) else f
    if j is None:
        return np.full(t.data.shape[0], np.nan)
    col = t.data[:, j]
    header_pct = "%" in t.header_text(j)
    mask = None
    if percent_cells:
        first = t.header_row + 1
        mask = np.fromiter(((first + i, j) in percent_cells for i in range(len(col))), dtype=bool, count=len(col))
    vals, bad = V.parse_rates(col, header_pct, percent_formatted=mask)
    t.report_bad(bad, j, "a rate such as 3% or 0.03" if not header_pct else "a rate such as 3% or 3 (percent)")
    B.check(t, j, np.where(bad, np.nan, vals), bounds, what, percent=True)
    return vals


def flag(t: Table, f: str, default: bool = True) -> np.ndarray:
    j = t.fields.get(f)
    if j is None:
        return np.full(t.data.shape[0], default, dtype=bool)
    codes, uniques = t.factorized(j)
    u_vals, u_bad = V.parse_flags(uniques, default)
    vals = np.append(u_vals, default)[codes]
    t.report_bad(np.append(u_bad, False)[codes], j, "Y or N")
    return vals


def year(t: Table, f: str, what: str = "a fiscal year such as FY2027 or 2027") -> np.ndarray:
    """Fiscal years as float (NaN where blank)."""
    j = t.fields.get(f)
    if j is None:
        return np.full(t.data.shape[0], np.nan)
    codes, uniques = t.factorized(j)
    parsed = np.full(len(uniques) + 1, np.nan)
    badu = np.zeros(len(uniques) + 1, dtype=bool)
    for k, u in enumerate(uniques):
        if u is None or (isinstance(u, str) and not u.strip()):
            continue
        y = parse_fiscal_year(u.strip() if isinstance(u, str) else u)
        if y is None:
            badu[k] = True
        else:
            parsed[k] = y
    t.report_bad(badu[codes], j, what)
    return parsed[codes]


def account_class(t: Table, f: str = "account_class", default: str | None = "Other", categorical: bool = False):
    j = t.fields.get(f)
    n = t.data.shape[0]
    if j is None:
        if categorical:
            return spread_categorical(np.full(n, -1, dtype=np.intp), np.array([default], dtype=object))
        return np.full(n, default, dtype=object)
    codes, uniques = t.factorized(j)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    badu = np.zeros(len(uniques) + 1, dtype=bool)
    mapped[-1] = default
    hints: dict[int, tuple[str, str]] = {}
    own: dict[str, str] = {}  # a city's own classes, spelled as first seen
    for k, u in enumerate(uniques):
        key = norm(u)
        if not key:
            mapped[k] = default
            continue
        c = CLASS_LOOKUP.get(key)
        if c is None:  # a city's own class (SPEC), unless it is a near miss of a standard one
            meant = class_suggestion(u)
            if meant is not None:
                badu[k] = True
                hints[k] = meant
            else:
                c = own.setdefault(key, V._clean_one(u))
        mapped[k] = c
    rows = badu[codes] & t.live & ~t.bad_error_cells(j)
    for i in np.flatnonzero(rows):
        name, canonical = hints[codes[i]]
        meant = f"{name!r}" + (f" (the class {canonical})" if name != canonical else "")
        t.cell_error(int(i), j, f"the account class {str(t.data[i, j]).strip()!r} is not a standard class but "
                     f"within two edits of one: did you mean {meant}? (a city's own class must differ more from "
                     f"the standard ones: {', '.join(CLASS_ALIASES)})", kind="class")
    return spread_categorical(codes, mapped) if categorical else mapped[codes]


def choice(t: Table, f: str, lookup: dict, table: dict, what: str, default=None) -> np.ndarray:
    j = t.fields.get(f)
    n = t.data.shape[0]
    if j is None:
        return np.full(n, default, dtype=object)
    codes, uniques = t.factorized(j)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[-1] = default
    badu = np.zeros(len(uniques) + 1, dtype=bool)
    for k, u in enumerate(uniques):
        if isinstance(u, float) and u.is_integer():
            u = int(u)  # a number cell such as -1 reads as -1.0
        raw = str(u).strip() if u is not None else ""
        if not raw:
            mapped[k] = default
            continue
        c = lookup.get(raw.casefold(), lookup.get(norm(raw) or raw))
        if c is None:
            badu[k] = True
        mapped[k] = c
    t.report_bad(badu[codes], j, what + ": " + describe_choices(table))
    return mapped[codes]


def sources(t: Table, n_or_mask) -> dict[str, np.ndarray]:
    rows = t.header_row + 2 + np.flatnonzero(n_or_mask)
    return {"source_file": np.full(len(rows), t.file, dtype=object),
            "source_sheet": np.full(len(rows), t.sheet, dtype=object),
            "source_row": rows.astype(np.int64)}


def used_columns(t: Table, extra: list[int] = ()) -> list[int]:
    cols = set()
    for f, js in getattr(t, "found", {}).items():
        cols.update(js)
    cols.update(t.fields.values())
    cols.update(extra)
    return sorted(cols)


def warn_ignored(report, t: Table, used: list[int], expected: str) -> None:
    """The header cells nobody reads: an error for each within two edits of a known column (a typo,
    `typos.py`), one warning naming the others: a misspelt column must not vanish silently."""
    from ..report import column_letter
    from .typos import header_suggestions

    unused = [j for j in range(len(t.headers)) if j not in used and t.header_text(j)]
    typos = header_suggestions(t.headers, unused, t.spec, set(getattr(t, "found", {})) | set(t.fields))
    for j, (name, column) in typos.items():
        meant = f"{name!r}" + (f" (read as {column})" if column != name else "")
        report.error(t.file, t.sheet, f"{column_letter(j)}{t.header_row + 1}",
                     f"the header {t.header_text(j)!r} is not a column of {t.spec.name}; did you mean {meant}? "
                     "(a header this close to a known column is taken for a typo: correct it, or rename the "
                     "column if it is another one)")
    ignored = [f"{t.header_text(j)} ({column_letter(j)})" for j in unused if j not in typos]
    if ignored:
        report.warning(t.file, t.sheet, f"A{t.header_row + 1}",
                       f"columns ignored (not {expected}): " + ", ".join(ignored[:20])
                       + (f" and {len(ignored) - 20} more" if len(ignored) > 20 else ""))


def cells(t: Table, mask: np.ndarray, f: str) -> np.ndarray:
    """A1 cells of field `f` for the rows in `mask`."""
    from ..report import column_letter

    j = t.fields.get(f)
    rows = t.header_row + 2 + np.flatnonzero(mask)
    letter = column_letter(j) if j is not None else ""
    return np.array([f"{letter}{r}" for r in rows], dtype=object)


def blank(arr: np.ndarray) -> np.ndarray:
    return is_blank(arr)

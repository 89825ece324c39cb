"""Import mappings: how another city's workbook feeds the tables (SPEC.md, "Other cities' workbooks").

A mapping is a JSON object (docs/mappings.md):

    {"table": "line_items", "sheet": "Sheet1", "header_row": 1,
     "columns": {"fund": "Fund", "department": "Department", ...},
     "constants": {"fiscal_year": 2017, "phase": "Adopted"},
     "amount": "AMT",                                  # or
     "amounts": {"FY21 Actual Expense": [2021, "Actual"]},
     "split": {"column": "Account Type", "values": {"Expense": "line_items", "Revenue": "revenue"}},
     "missing": ["#Missing", "#N/A", "No Data"], "missing_means": "blank",
     "values": {"account_class": {"Supplies & Materials": "Commodities"}},
     "where": {"KEY_PERFORMANCE": [1]},
     "files": "*operating*"}

`load_mapping` / `mapping_from_dict` check every key and field and raise `MappingError` with a
message that names the file and what was expected.  `save_mapping` writes atomically.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_text
from ..fiscal import LINE_ITEM_PHASES, REVENUE_PHASES, parse_fiscal_year, parse_phase

TABLES = ("line_items", "revenue", "kpis")

#: Fields each table takes from a column or a constant.
LINE_ITEM_FIELDS = ("fund", "department", "program", "account", "account_class", "recurring",
                    "fiscal_year", "phase")
REVENUE_FIELDS = ("fund", "source", "recurring", "growth", "fiscal_year", "phase")
KPI_FIELDS = ("kpi_id", "name", "department", "program", "unit", "goal_id", "direction", "measure_type",
              "fiscal_year", "target", "baseline", "weight", "minimum", "maximum")
#: The year in execution (SPEC, "Actuals and KPI actuals"): `period` and the `amount` column (a KPI's value).
ACTUAL_TABLES = ("actuals", "revenue_actuals", "kpi_actuals")
FIELDS = {"line_items": LINE_ITEM_FIELDS, "revenue": REVENUE_FIELDS, "kpis": KPI_FIELDS,
          "actuals": ("fund", "department", "program", "account", "account_class", "period"),
          "revenue_actuals": ("fund", "source", "period"), "kpi_actuals": ("kpi_id", "period")}
#: Fields that must be given (by a column or a constant).
REQUIRED = {"line_items": ("fund", "department", "program"), "revenue": ("fund", "source"),
            "kpis": ("kpi_id", "name"), "actuals": ("fund", "department", "program", "period"),
            "revenue_actuals": ("fund", "source", "period"), "kpi_actuals": ("kpi_id", "period")}

KEYS = ("table", "sheet", "header_row", "columns", "constants", "amount", "amounts", "split", "missing",
        "missing_means", "values", "where", "files", "history", "targets", "directions", "guess_directions",
        "name", "description")
MISSING_MEANS = ("blank", "zero")
DIRECTION_TEXTS = {"higher is better": 1, "higher": 1, "up": 1, "increase": 1, "+1": 1, "1": 1,
                   "lower is better": -1, "lower": -1, "down": -1, "decrease": -1, "-1": -1}


class MappingError(ValueError):
    """A mapping file that cannot be used; the message says where and what was expected."""


@dataclass
class Split:
    column: str
    values: dict[str, str]  # source value → table ("line_items" / "revenue")

    def to_dict(self) -> dict:
        return {"column": self.column, "values": dict(self.values)}


@dataclass
class Mapping:
    """One import mapping (see the module docstring and docs/mappings.md)."""

    table: str = "line_items"
    sheet: str | None = None
    header_row: int | None = None  # 1-based; None = found automatically
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    amount: str | None = None
    amounts: dict[str, tuple[int, str]] = field(default_factory=dict)
    split: Split | None = None
    missing: list[str] = field(default_factory=list)
    missing_means: str = "blank"
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    where: dict[str, list] = field(default_factory=dict)
    files: str | None = None
    history: dict[str, int] = field(default_factory=dict)  # kpis: column → year (≥1900) or offset
    targets: dict[str, int] = field(default_factory=dict)
    directions: dict[str, str] = field(default_factory=dict)  # kpis: KPI ID → direction
    guess_directions: bool = True
    name: str | None = None
    description: str | None = None
    #: Not saved: why each field was suggested (suggest_mapping fills it).
    explanations: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    # -- what it applies to ----------------------------------------------------------------------
    def matches(self, path: Path | str) -> bool:
        """True when the mapping applies to this file: its `files` glob matches the name (no glob: any file)."""
        if not self.files:
            return True
        name = Path(path).name.casefold()
        return any(fnmatch.fnmatchcase(name, g.strip().casefold()) for g in self.files.split(";") if g.strip())

    def destinations(self) -> set[str]:
        if self.split is not None:
            return set(self.split.values.values())
        return {self.table}

    def allowed_fields(self) -> tuple[str, ...]:
        if self.table == "kpis":
            return KPI_FIELDS
        out = []
        for t in sorted(self.destinations() | {self.table}):
            out.extend(f for f in FIELDS[t] if f not in out)
        return tuple(out)

    def source_of(self, f: str) -> tuple[str, Any] | None:
        """("column", name) or ("constant", value) or None."""
        if f in self.columns and self.columns[f] not in (None, ""):
            return "column", self.columns[f]
        if f in self.constants and self.constants[f] is not None and self.constants[f] != "":
            return "constant", self.constants[f]
        return None

    def copy(self) -> "Mapping":
        m = mapping_from_dict(self.to_dict())
        m.explanations = dict(self.explanations)
        return m

    # -- JSON --------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        out: dict[str, Any] = {"table": self.table}
        if self.name:
            out["name"] = self.name
        if self.description:
            out["description"] = self.description
        if self.files:
            out["files"] = self.files
        if self.sheet is not None:
            out["sheet"] = self.sheet
        if self.header_row is not None:
            out["header_row"] = self.header_row
        out["columns"] = {k: v for k, v in self.columns.items() if v not in (None, "")}
        if self.constants:
            out["constants"] = {k: v for k, v in self.constants.items() if v not in (None, "")}
        if self.amount:
            out["amount"] = self.amount
        if self.amounts:
            out["amounts"] = {k: [int(y), p] for k, (y, p) in self.amounts.items()}
        if self.split is not None:
            out["split"] = self.split.to_dict()
        if self.history:
            out["history"] = dict(self.history)
        if self.targets:
            out["targets"] = dict(self.targets)
        if self.directions:
            out["directions"] = dict(self.directions)
        if self.table == "kpis" and not self.guess_directions:
            out["guess_directions"] = False
        if self.where:
            out["where"] = {k: list(v) for k, v in self.where.items()}
        if self.values:
            out["values"] = {k: dict(v) for k, v in self.values.items() if v}
        if self.missing:
            out["missing"] = list(self.missing)
        if self.missing_means != "blank":
            out["missing_means"] = self.missing_means
        return out

    # dict-like, so `dict(mapping)` and `json.dumps(dict(mapping))` give the JSON object (project files store it)
    def keys(self):
        return self.to_dict().keys()

    def __getitem__(self, k: str):
        return self.to_dict()[k]

    def __iter__(self):
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _fail(where: str, message: str) -> MappingError:
    return MappingError(f"{where}: {message}" if where else message)


def _text(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"{key!r} must be a non-empty text, found {value!r}")
    return value


def _dict(value: Any, where: str, key: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(where, f"{key!r} must be an object {{…}}, found {type(value).__name__}")
    return value


def _check_fields(keys, allowed, where, key) -> None:
    for k in keys:
        if k not in allowed:
            raise _fail(where, f"unknown field {k!r} in {key!r}; expected one of {', '.join(allowed)}")


def mapping_from_dict(data: Any, where: str = "") -> Mapping:
    """Check and build a Mapping; `where` (a file name) prefixes every message."""
    data = _dict(data, where, "mapping")
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise _fail(where, f"unknown key {unknown[0]!r}; expected keys: {', '.join(KEYS)}")
    table = data.get("table", "line_items")
    if table not in TABLES + ACTUAL_TABLES:
        raise _fail(where, f"'table' must be one of {', '.join(TABLES + ACTUAL_TABLES)}, found {table!r}")
    m = Mapping(table=table)
    if data.get("sheet") is not None:
        m.sheet = _text(data["sheet"], where, "sheet")
    if data.get("header_row") is not None:
        hr = data["header_row"]
        if not isinstance(hr, int) or isinstance(hr, bool) or hr < 1:
            raise _fail(where, f"'header_row' counts from 1 and must be a whole number ≥ 1, found {hr!r}")
        m.header_row = hr
    for key in ("name", "description", "files"):
        if data.get(key) is not None:
            setattr(m, key, _text(data[key], where, key))
    if "split" in data and data["split"] is not None:
        sp = _dict(data["split"], where, "split")
        bad = [k for k in sp if k not in ("column", "values")]
        if bad:
            raise _fail(where, f"unknown key {bad[0]!r} in 'split'; expected column, values")
        col = _text(sp.get("column"), where, "split.column")
        vals = _dict(sp.get("values", {}), where, "split.values")
        if not vals:
            raise _fail(where, "'split.values' is empty; expected e.g. {\"Expense\": \"line_items\", "
                        "\"Revenue\": \"revenue\"}")
        for k, v in vals.items():
            if v not in ("line_items", "revenue", "skip"):
                raise _fail(where, f"'split.values' sends {k!r} to {v!r}; expected line_items, revenue or skip")
        if table not in ("line_items", "revenue"):
            raise _fail(where, f"a 'split' sends rows to line_items or revenue; a {table} mapping cannot have one")
        m.split = Split(col, {str(k): str(v) for k, v in vals.items()})
    allowed = m.allowed_fields()
    cols = _dict(data.get("columns", {}), where, "columns")
    _check_fields(cols, allowed, where, "columns")
    for k, v in cols.items():
        if v is not None:
            cols[k] = _text(v, where, f"columns.{k}")
    m.columns = {k: v for k, v in cols.items() if v is not None}
    consts = _dict(data.get("constants", {}), where, "constants")
    _check_fields(consts, allowed, where, "constants")
    m.constants = {k: _constant(k, v, where) for k, v in consts.items() if v is not None}
    both = set(m.columns) & set(m.constants)
    if both:
        f = sorted(both)[0]
        raise _fail(where, f"the field {f!r} has both a column and a constant; expected one of them")
    if data.get("amount") is not None:
        m.amount = _text(data["amount"], where, "amount")
    if data.get("amounts"):
        for col, yp in _dict(data["amounts"], where, "amounts").items():
            if not isinstance(yp, (list, tuple)) or len(yp) != 2:
                raise _fail(where, f"'amounts' gives {col!r} as {yp!r}; expected [fiscal year, phase] "
                            "such as [2024, \"Adopted\"]")
            y = parse_fiscal_year(yp[0])
            ph = parse_phase(str(yp[1]), LINE_ITEM_PHASES + REVENUE_PHASES)
            if y is None:
                raise _fail(where, f"'amounts' gives {col!r} the year {yp[0]!r}; expected a fiscal year such as 2024")
            if ph is None:
                raise _fail(where, f"'amounts' gives {col!r} the phase {yp[1]!r}; expected one of "
                            f"{', '.join(dict.fromkeys(LINE_ITEM_PHASES + REVENUE_PHASES))}")
            m.amounts[col] = (y, ph)
    for key in ("history", "targets"):
        if data.get(key):
            if table != "kpis":
                raise _fail(where, f"{key!r} belongs to a kpis mapping")
            for col, y in _dict(data[key], where, key).items():
                if not isinstance(y, int) or isinstance(y, bool):
                    raise _fail(where, f"{key!r} gives {col!r} the year {y!r}; expected a fiscal year (2015) or an "
                                "offset from the fiscal year (-1)")
                getattr(m, key)[col] = y
    if data.get("directions"):
        for k, v in _dict(data["directions"], where, "directions").items():
            if direction_value(v) is None:
                raise _fail(where, f"'directions' gives {k!r} the direction {v!r}; expected Higher is better "
                            "or Lower is better")
            m.directions[str(k)] = str(v)
    if "guess_directions" in data:
        if not isinstance(data["guess_directions"], bool):
            raise _fail(where, "'guess_directions' must be true or false")
        m.guess_directions = data["guess_directions"]
    if data.get("missing"):
        miss = data["missing"]
        if not isinstance(miss, list) or not all(isinstance(x, str) for x in miss):
            raise _fail(where, "'missing' must be a list of texts such as [\"#Missing\", \"No Data\"]")
        m.missing = list(miss)
    if "missing_means" in data:
        if data["missing_means"] not in MISSING_MEANS:
            raise _fail(where, f"'missing_means' must be blank or zero, found {data['missing_means']!r}")
        m.missing_means = data["missing_means"]
    if data.get("values"):
        for f, vm in _dict(data["values"], where, "values").items():
            _check_fields([f], allowed, where, "values")
            m.values[f] = dict(_dict(vm, where, f"values.{f}"))
    if data.get("where"):
        for col, vals in _dict(data["where"], where, "where").items():
            if not isinstance(vals, list) or not vals:
                raise _fail(where, f"'where' gives {col!r} {vals!r}; expected a list of the values to keep")
            m.where[col] = list(vals)
    return m


def _constant(f: str, v: Any, where: str) -> Any:
    if f == "fiscal_year":
        y = parse_fiscal_year(v.strip() if isinstance(v, str) else v)
        if y is None:
            raise _fail(where, f"the constant fiscal_year {v!r} is not a fiscal year; expected e.g. 2017 or FY2016-17")
        return y
    if f == "phase":
        ph = parse_phase(str(v), LINE_ITEM_PHASES + REVENUE_PHASES)
        if ph is None:
            raise _fail(where, f"the constant phase {v!r} is not a phase; expected Actual, Adopted, Requested, "
                        "Estimate or Projected")
        return ph
    if f == "direction" and direction_value(v) is None:
        raise _fail(where, f"the constant direction {v!r} is not a direction; expected Higher is better or "
                    "Lower is better")
    if isinstance(v, (dict, list)):
        raise _fail(where, f"the constant {f!r} must be a text or a number, found {type(v).__name__}")
    return v


def direction_value(v: Any) -> int | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return 1 if v > 0 else (-1 if v < 0 else None)
    return DIRECTION_TEXTS.get(" ".join(str(v).split()).casefold())


def load_mapping(path: Path | str) -> Mapping:
    """Read a mapping JSON file; `MappingError` (naming the file) for bad JSON, unknown keys or fields."""
    from ..jsonfile import JsonFileError, read_json

    path = Path(path)
    try:
        data = read_json(path, "mapping file", label=path.name)
    except JsonFileError as exc:
        raise MappingError(str(exc)) from None
    return mapping_from_dict(data, path.name)


def save_mapping(mapping: Mapping, path: Path | str) -> None:
    """Write the mapping as JSON, atomically (a temporary file replaces the target when complete)."""
    mapping_from_dict(mapping.to_dict(), Path(path).name)  # never write a mapping that cannot be read back
    atomic_write_text(Path(path), mapping.to_json())


def mappings_for(path: Path | str, mappings) -> list[Mapping]:
    return [m for m in (mappings or []) if m.matches(path)]

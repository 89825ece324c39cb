"""Reading a JSON input file (a scenario, an import mapping) without ever raising a traceback.

`read_json(path, what)` returns the parsed value or raises `JsonFileError` whose message names
the file and says what is wrong.  Encodings (docs/model.md, "Scenario files"): UTF-8 with or
without a byte-order mark, and UTF-16 or UTF-32 with a byte-order mark (what Windows Notepad
and PowerShell write).  Anything else (Latin-1, Windows-1252, UTF-16 without a mark) is refused
with a message naming the first byte that is not UTF-8: guessing a legacy code page could change a
department or fund name silently.

Also refused with a message: nesting deeper than `MAX_DEPTH` (Python's parser would overflow its
stack), integers longer than `MAX_DIGITS` digits (Python refuses to convert them), and the
non-standard constants NaN and Infinity.
"""

from __future__ import annotations

import codecs
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

#: Deeper nesting than any scenario or mapping needs; checked before parsing.
MAX_DEPTH = 100
#: Longest integer accepted (a fiscal year or an amount in cents is far shorter).
MAX_DIGITS = 30
#: Largest input file read (a scenario with thousands of rules is well under 10 MB).
MAX_BYTES = 64 * 1024 * 1024

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class JsonFileError(ValueError):
    """A JSON file that cannot be read; the message names the file and the problem."""


def decode_json_bytes(data: bytes, where: str) -> str:
    """The text of a JSON file: UTF-8 (with or without BOM), or UTF-16/UTF-32 with a BOM."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise JsonFileError(f"{where}: the file starts with a {encoding.upper().replace('-SIG', '')} "
                                    f"byte-order mark but is not valid {encoding.upper().replace('-SIG', '')} "
                                    f"(byte {exc.start})") from None
    if b"\x00" in data[:4]:  # JSON text starts with ASCII: NULs there mean UTF-16/32 without a mark
        raise JsonFileError(f"{where}: not UTF-8 text; it looks like UTF-16 without a byte-order mark: save it as "
                            "UTF-8 (or as UTF-16 with a byte-order mark)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise JsonFileError(f"{where}: not UTF-8 text (byte 0x{data[exc.start]:02X} at line {line}); it is probably "
                            "in a legacy encoding such as Latin-1 or Windows-1252: save it as UTF-8 (in Notepad: "
                            "File > Save as, Encoding UTF-8)") from None


def _check_depth(text: str, where: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before the parser sees it (it would overflow the stack)."""
    depth = 0
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, i) + 1
                raise JsonFileError(f"{where}: nested more than {MAX_DEPTH} levels deep (line {line}); "
                                    "a scenario or mapping file is a few levels deep")
        elif ch in "]}":
            depth -= 1


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json_text(text: str, where: str, invalid: str = "not valid JSON") -> Any:
    """Parse JSON text; JsonFileError (naming `where`) for anything the parser refuses."""
    if text.count("[") + text.count("{") > MAX_DEPTH:  # cannot be too deep otherwise
        _check_depth(text, where)

    def parse_int(s: str) -> int:
        digits = len(s.lstrip("-"))
        if digits > MAX_DIGITS:
            raise ValueError(f"a number with {digits:,} digits; expected at most {MAX_DIGITS}")
        return int(s)

    try:
        return json.loads(text, parse_int=parse_int, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise JsonFileError(f"{where}: {invalid} (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise JsonFileError(f"{where}: nested too deeply to read") from None
    except ValueError as exc:  # parse_int / parse_constant
        raise JsonFileError(f"{where}: {exc}") from None


def read_json(path: str | Path, what: str = "file", *, label: str | None = None,
              invalid: str = "not valid JSON") -> Any:
    """The parsed JSON of `path`; JsonFileError for anything unreadable.

    Messages about reading name the full path; those about the content start with `label`
    (default: the path).  `invalid` words the message for text that is not JSON."""
    path = Path(path)
    label = label or str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise JsonFileError(f"{path}: cannot read the {what}: the file does not exist") from None
    except IsADirectoryError:
        raise JsonFileError(f"{path}: cannot read the {what}: it is a folder") from None
    except OSError as exc:
        raise JsonFileError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise JsonFileError(f"{label}: larger than {MAX_BYTES // (1024 * 1024)} MB; not a {what}")
    return parse_json_text(decode_json_bytes(data, label), label, invalid)


__all__ = ["JsonFileError", "read_json", "parse_json_text", "decode_json_bytes", "MAX_DEPTH", "MAX_DIGITS"]


def json_value(v: Any) -> Any:
    """A table cell as a JSON value for the files we write (`--json`): NaN, NA and None → null,
    numpy scalars → Python, lists and tuples element by element (JSON has no NaN)."""
    if isinstance(v, (list, tuple)):
        return [json_value(x) for x in v]
    if v is None or v is pd.NA:
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


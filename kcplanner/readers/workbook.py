"""Opening workbooks safely: .xlsx, .xlsm, .xls, .ods and .csv, as grids of cell values.

- python-calamine reads the cells (`CalamineWorkbook.from_path`, `to_python(skip_empty_area=False)`,
  so row and column 0 are A1 whatever the sheet's used range).
- Before calamine sees a zip-based file (.xlsx, .xlsm, .ods) its zip directory is checked:
  a declared uncompressed size over `MAX_TOTAL_UNCOMPRESSED`, or a large member with a
  compression ratio over `MAX_RATIO`, is refused (zip bomb); an XML part that declares a
  DOCTYPE or ENTITY is refused (XML bomb).  Only the first `XML_PROBE` bytes of each part are
  decompressed, so the check is bounded in time and memory.
- Before calamine reads an .xlsx/.xlsm sheet, `sheet_xml.check_extent` refuses a sheet whose grid
  would be huge (a stray cell at XFD1048576): calamine's grid is dense from A1.
- calamine reads error cells (#N/A, #REF! …) as empty strings (python-calamine issue #105) and skips
  formulas saved without a result.  For .xlsx/.xlsm, `Sheet.find_errors` streams the sheet's XML part
  (`sheet_xml.scan_sheet`) and puts the error text (`#N/A`) back into the grid, so the readers see it
  like a CSV's `#N/A` text, computes the simple formulas (`formula.py`) and keeps the merged ranges;
  it runs only when a cell from the header row down reads as empty (as every error cell does) or the
  sheet declares cells beyond calamine's grid.
- Number formats are invisible to calamine; `percent_cells` finds the cells of a sheet that
  are formatted as a percentage by reading styles.xml and the sheet's `s=` attributes.
- A file that cannot be used at all raises `UnreadableFile` with one plain message.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from .sheet_xml import check_extent, scan_sheet
from .unreadable import UnreadableFile

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
ZIP_SUFFIXES = (".xlsx", ".xlsm", ".ods")

MAX_TOTAL_UNCOMPRESSED = 2 * 1024**3  # 2 GiB declared in the zip directory
MAX_RATIO = 200  # a member larger than BIG_MEMBER with a higher compression ratio is a bomb
BIG_MEMBER = 50 * 1024**2
MAX_MEMBERS = 20_000
XML_PROBE = 8192  # bytes of each XML part checked for DOCTYPE / ENTITY

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")

#: Excel's error values; calamine shows them as blanks, CSV files carry them as text.
ERROR_TEXTS = frozenset({"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                         "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!",
                         "#N/A!", "#ERROR!"})


def _read_head(path: Path, n: int = 8) -> bytes:
    with open(path, "rb") as fh:  # read-only: input files are never written to
        return fh.read(n)


def _ole_directory(path: Path) -> bytes:
    """The first 4 MB of an OLE2 file plus its first directory sectors (where stream names live)."""
    with open(path, "rb") as fh:
        data = fh.read(4 * 1024 * 1024)
        try:
            shift = int.from_bytes(data[0x1E:0x20], "little")
            first_dir = int.from_bytes(data[0x30:0x34], "little")
            if 7 <= shift <= 16 and first_dir < 0xFFFFFFFA:
                size = 1 << shift
                fh.seek((first_dir + 1) * size)
                data += fh.read(size * 4)
        except (OSError, ValueError):
            pass
    return data


def _ole_message(path: Path) -> str:
    data = _ole_directory(path)
    if ENCRYPTION_STREAM in data or "EncryptedPackage".encode("utf-16-le") in data:
        return ("is password-protected (encrypted); open it in Excel, remove the password "
                "(File > Info > Protect Workbook) and save it again")
    return ("is not a readable workbook: it is an OLE compound file (an encrypted workbook or an old "
            "binary file) saved under a .xlsx name; save it as a plain .xlsx without a password")


def check_zip(path: Path) -> None:
    """Refuse zip bombs, XML bombs and files that are not zip archives at all."""
    head = _read_head(path)
    if head.startswith(OLE_MAGIC):
        raise UnreadableFile(_ole_message(path))
    if not head.startswith(b"PK"):
        if not head:
            raise UnreadableFile("is empty (0 bytes); it is not a workbook")
        raise UnreadableFile(f"is not a workbook: a {path.suffix} file is a zip archive and this one is not")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise UnreadableFile("is truncated or corrupt: its zip directory cannot be read "
                             "(was the copy interrupted?)") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot be opened: {exc.strerror or exc}") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise UnreadableFile(f"is refused: it holds {len(infos)} parts, more than a workbook can ({MAX_MEMBERS})")
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > BIG_MEMBER and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise UnreadableFile(
                    f"is refused as a zip bomb: the part {info.filename} expands {info.compress_size:,} bytes "
                    f"to {info.file_size:,} (more than {MAX_RATIO}:1)")
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise UnreadableFile(f"is refused as a zip bomb: it declares {total:,} bytes uncompressed "
                                 f"(the limit is {MAX_TOTAL_UNCOMPRESSED:,})")
        if path.suffix.lower() != ".ods" and "[Content_Types].xml" not in {i.filename for i in infos}:
            raise UnreadableFile("is not a workbook: it is a zip archive without the parts of an Excel file")
        for info in infos:
            name = info.filename.lower()
            if not (name.endswith(".xml") or name.endswith(".rels") or name.endswith(".vml")):
                continue
            try:
                with zf.open(info) as part:
                    probe = part.read(XML_PROBE)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
                raise UnreadableFile(f"is truncated or corrupt: the part {info.filename} cannot be read ({exc})") from None
            upper = probe.upper()
            if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
                raise UnreadableFile(f"is refused: the part {info.filename} declares a DOCTYPE or ENTITY "
                                     "(an XML bomb or external entity); workbooks never need one")


@dataclass
class Sheet:
    name: str
    rows: list[list]  # calamine's to_python(): row 0 is Excel row 1, column 0 is A
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) → "#N/A" (or "=formula")
    scanned: bool = False  # True when `errors` came from the sheet's XML (.xlsx/.xlsm)
    scanner: object = None  # () -> sheet_xml.SheetScan, for an .xlsx/.xlsm sheet not scanned yet
    declared: tuple[int, int] | None = None  # (rows, columns) the sheet's <dimension> declares
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # merged ranges (r0, c0, r1, c1)
    formula_failures: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) → why not computed

    _grid: np.ndarray | None = None
    _values: dict = field(default_factory=dict)  # formulas computed: (row, col) → value

    def grid(self) -> np.ndarray:
        """The cells as a 2-D object array (error cells hold their text once `find_errors` ran)."""
        if self._grid is None and isinstance(self.rows, np.ndarray):
            self._grid = self.rows
            self.rows = []
        if self._grid is None:
            rows = self.rows
            if not rows or not len(rows[0]):
                g = np.empty((0, 0), dtype=object)
            else:
                g = np.empty((len(rows), len(rows[0])), dtype=object)
                try:
                    g[:, :] = rows  # calamine pads every row to the sheet's width
                except ValueError:
                    width = max(len(r) for r in rows)
                    g = np.empty((len(rows), width), dtype=object)
                    g[:, :] = [list(r) + [""] * (width - len(r)) for r in rows]
            self._grid = g
            self.rows = []  # free the lists
            self._overlay()
        return self._grid

    def find_errors(self, first_row: int = 0) -> None:
        """Scan the sheet's XML, when it can hold anything calamine does not show, and put it in the grid.

        calamine shows an error cell as "" and skips a formula saved without its result, so a sheet
        with no empty cell from the header (`first_row` - 1) down, and no cell beyond the grid that
        its `<dimension>` declares, has none and is not scanned (the common case for large
        generated files).  Found: error texts (`#N/A`), formulas computed (`formula.compute`) or,
        when they cannot be, their text (`=VLOOKUP(...)`) with the reason in `formula_failures`,
        and the merged ranges (`merges`).
        """
        if self.scanner is None or self.scanned:
            return
        g = self.grid()
        body = g[max(first_row - 1, 0):]
        beyond = self.declared is not None and (self.declared[0] > g.shape[0] or self.declared[1] > g.shape[1])
        if beyond or (body.size and bool((body == "").any())):
            from .formula import compute

            scan = self.scanner()
            self.errors = dict(scan.errors)
            self.merges = list(scan.merges)
            self._overlay()
            if scan.formulas:
                values, failed = compute(scan.formulas, self._grid, self.errors)
                self._values = values
                self.formula_failures = failed
                for key in failed:
                    text = scan.formulas[key]
                    self.errors[key] = "=" + text if text and not text.startswith("(") else "=" + "(a shared formula)"
        self.scanned = True
        self._overlay()

    def _overlay(self) -> None:
        g = self._grid
        if g is None:
            return
        cells = list(self.errors.items()) + list(self._values.items())
        if not cells:
            return
        height = max(g.shape[0], max(r for (r, _c), _v in cells) + 1)
        width = max(g.shape[1], max(c for (_r, c), _v in cells) + 1)
        if (height, width) != g.shape:  # formula cells beyond the values calamine saw
            grown = np.full((height, width), "", dtype=object)
            grown[:g.shape[0], :g.shape[1]] = g
            g = self._grid = grown
        for (r, c), value in cells:
            g[r, c] = value


class Workbook:
    """One opened input file.  `sheet_names` in workbook order; `sheet(name)` reads one sheet."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.suffix = self.path.suffix.lower()
        self._book = None
        self._csv_rows: list[list] | None = None
        self._sheet_parts: dict[str, str] | None = None
        if self.suffix == ".csv":
            self._csv_rows = _read_csv(self.path)
            self.sheet_names = [self.path.stem]
            rows = self._csv_rows
            empty = (not (rows != "").any()) if isinstance(rows, np.ndarray) else \
                not any(any(v != "" for v in r) for r in rows)
            if empty:
                raise UnreadableFile("is empty: the CSV file holds no data")
            return
        if self.suffix in ZIP_SUFFIXES:
            check_zip(self.path)
        elif self.suffix == ".xls":
            head = _read_head(self.path)
            if head.startswith(ZIP_MAGIC):
                check_zip(self.path)
            elif not head.startswith(OLE_MAGIC):
                raise UnreadableFile("is not a workbook: a .xls file starts with an OLE header and this one does not")
        else:
            raise UnreadableFile(f"is not a workbook: the readers take {', '.join(WORKBOOK_SUFFIXES)}")
        import python_calamine as pc

        try:
            self._book = pc.CalamineWorkbook.from_path(str(self.path))
            names = [m.name for m in self._book.sheets_metadata
                     if str(getattr(m, "typ", "WorkSheet")).endswith("WorkSheet")]
        except pc.PasswordError:
            raise UnreadableFile("is password-protected (encrypted); remove the password and save it again") from None
        except Exception as exc:  # calamine's errors: ZipError, XmlError, CalamineError …
            raise UnreadableFile(f"is corrupt or not a workbook; it could not be read ({_short(exc)})") from None
        if not names:
            raise UnreadableFile("is empty: the workbook has no worksheets")
        self.sheet_names = names

    def sheet(self, name: str) -> Sheet:
        if self._csv_rows is not None:
            rows = self._csv_rows
            if isinstance(rows, list):  # the csv-module fallback gives ragged lists
                width = max((len(r) for r in rows), default=0)
                grid = np.empty((len(rows), width), dtype=object)
                grid[:, :] = [list(r) + [""] * (width - len(r)) for r in rows]
                rows = grid
            return Sheet(name, rows, {})
        scanner, declared = None, None
        if self.suffix in (".xlsx", ".xlsm"):
            part = self.sheet_parts().get(name)
            if part:
                path = self.path
                declared = check_extent(path, part, name)  # before calamine: a stray far cell is refused
                scanner = lambda: scan_sheet(path, part)  # noqa: E731 (run only when needed)
        try:
            rows = self._book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise UnreadableFile(f"is corrupt: the sheet {name!r} could not be read ({_short(exc)})") from None
        return Sheet(name, rows, {}, False, scanner, declared)

    # -- xlsx internals ---------------------------------------------------------------------------

    def sheet_parts(self) -> dict[str, str]:
        """Sheet name → the zip part that holds it (xl/workbook.xml + xl/_rels/workbook.xml.rels)."""
        if self._sheet_parts is None:
            self._sheet_parts = _sheet_parts(self.path)
        return self._sheet_parts

    def percent_cells(self, name: str) -> set[tuple[int, int]]:
        """(row, col) of the cells of sheet `name` whose number format is a percentage (.xlsx/.xlsm only)."""
        if self.suffix not in (".xlsx", ".xlsm"):
            return set()
        part = self.sheet_parts().get(name)
        if not part:
            return set()
        return _percent_cells(self.path, part)

    def close(self) -> None:
        if self._book is not None:
            try:
                self._book.close()
            except Exception:
                pass
            self._book = None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


# -- CSV ------------------------------------------------------------------------------------------

def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(path: Path) -> list[list]:
    data = path.read_bytes()
    if not data.strip():
        raise UnreadableFile("is empty: the CSV file holds no data")
    if b"\x00" in data[:65536] and not data.startswith(codecs.BOM_UTF16_LE) and not data.startswith(codecs.BOM_UTF16_BE):
        raise UnreadableFile("is not a CSV text file (it holds binary data)")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
    else:
        text = _decode(data)
    del data
    import pandas as pd

    try:  # the C parser: fast for large files; the 2-D array is the grid
        frame = pd.read_csv(io.StringIO(text), header=None, dtype=object, keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, engine="c")
        rows = frame.to_numpy(dtype=object)
    except Exception:  # ragged rows (a title line above the header) and other oddities
        import csv

        rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    return rows


# -- xlsx parts -------------------------------------------------------------------------------------

_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")


def _xml_unescape(b: bytes) -> str:
    import html

    return html.unescape(b.decode("utf-8", errors="replace"))


def _sheet_parts(path: Path) -> dict[str, str]:
    try:
        with zipfile.ZipFile(path) as zf:
            wb = zf.read("xl/workbook.xml")
            rels = zf.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    targets = {}
    for m in _REL_TAG.finditer(rels):
        attrs = dict(_ATTR.findall(m.group(1)))
        if b"Id" in attrs and b"Target" in attrs:
            target = _xml_unescape(attrs[b"Target"])
            if target.startswith("/"):
                target = target[1:]
            else:
                target = str(PurePosixPath("xl") / target)
            parts = []
            for p in target.split("/"):
                if p == "..":
                    parts and parts.pop()
                elif p not in ("", "."):
                    parts.append(p)
            targets[attrs[b"Id"].decode()] = "/".join(parts)
    out = {}
    for m in _SHEET_TAG.finditer(wb):
        attrs = dict(_ATTR.findall(m.group(1)))
        rid = next((v for k, v in attrs.items() if k.endswith(b":id") or k == b"id"), None)
        if b"name" in attrs and rid is not None and rid.decode() in targets:
            out[_xml_unescape(attrs[b"name"])] = targets[rid.decode()]
    return out


_CELL_REF = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})")
_R_ATTR = re.compile(rb'\br="([A-Z]{1,3}[0-9]{1,7})"')


def _ref_to_rc(ref: bytes) -> tuple[int, int]:
    m = _CELL_REF.fullmatch(ref)
    letters, digits = m.group(1), m.group(2)
    col = 0
    for ch in letters:
        col = col * 26 + (ch - 64)
    return int(digits) - 1, col - 1


_NUMFMT = re.compile(rb"<(?:\w+:)?numFmt\b([^>]*)/?>")
_CELLXFS = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.DOTALL)
_XF = re.compile(rb"<(?:\w+:)?xf\b([^>]*)/?>")
_STYLED_CELL = re.compile(rb"<c\b([^>]*)>")
_S_ATTR = re.compile(rb'\bs="([0-9]+)"')
BUILTIN_PERCENT_FORMATS = {9, 10}  # 0% and 0.00%


def _percent_styles(zf: zipfile.ZipFile) -> set[int]:
    try:
        styles = zf.read("xl/styles.xml")
    except KeyError:
        return set()
    percent_ids = set(BUILTIN_PERCENT_FORMATS)
    for m in _NUMFMT.finditer(styles):
        attrs = dict(_ATTR.findall(m.group(1)))
        code = _xml_unescape(attrs.get(b"formatCode", b""))
        code = re.sub(r'"[^"]*"|\\.', "", code)  # quoted literals are not a percent format
        if "%" in code and b"numFmtId" in attrs:
            percent_ids.add(int(attrs[b"numFmtId"]))
    xfs = _CELLXFS.search(styles)
    out = set()
    if xfs:
        for i, m in enumerate(_XF.finditer(xfs.group(1))):
            attrs = dict(_ATTR.findall(m.group(1)))
            if int(attrs.get(b"numFmtId", b"0") or 0) in percent_ids:
                out.add(i)
    return out


def _percent_cells(path: Path, part: str) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    try:
        with zipfile.ZipFile(path) as zf:
            styles = _percent_styles(zf)
            if not styles:
                return out
            data = zf.read(part)  # plan sheets are small
    except (KeyError, zipfile.BadZipFile, OSError):
        return out
    for m in _STYLED_CELL.finditer(data):
        attrs = m.group(1)
        s = _S_ATTR.search(attrs)
        if s and int(s.group(1)) in styles:
            r = _R_ATTR.search(attrs)
            if r:
                out.add(_ref_to_rc(r.group(1)))
    return out


def expand_paths(paths) -> list[Path]:
    """Files and folders → the workbook files, folders expanded (sorted; no `~$` lock or hidden files)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for child in sorted(p.iterdir(), key=lambda c: c.name.casefold()):
                if child.is_file() and child.suffix.lower() in WORKBOOK_SUFFIXES \
                        and not child.name.startswith(("~$", ".")):
                    out.append(child)
        else:
            out.append(p)
    return out


def open_or_report(path: Path, report) -> "Workbook | None":
    """The workbook at `path`, or None after adding to `report` (a ValidationReport) why it cannot be
    opened: the one message every reader gives for a file it cannot use at all."""
    file = path.name
    try:
        return Workbook(path)
    except UnreadableFile as exc:
        report.error(file, getattr(exc, "sheet", ""), getattr(exc, "cell", ""), f"{file} {exc}")
    except OSError as exc:
        report.error(file, "", "", f"{file} cannot be opened: {exc.strerror or exc}")
    return None


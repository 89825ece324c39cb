"""Put a bulk sheet's rows into a workbook that xlsxwriter wrote without them.

xlsxwriter writes the whole workbook (every format, formula, chart, defined name and print
setting) with only the bulk sheet's header row; `splice_rows` copies that "shell" into the final
.xlsx and streams the bulk rows (sheet_xml) into the sheet's `<sheetData>` on the way, so the rows
are never held whole in memory nor written twice to disk.  The bulk part is deflated with ISA-L
(python-isal, several times faster than zlib at the same size) when it is installed, else with
zlib at level 1; the small parts keep zlib's default level.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from typing import Iterable

from xlsxwriter.utility import xl_col_to_name

try:  # optional accelerator: a plain DEFLATE stream, read by every zip reader
    from isal import isal_zlib as _isal
except ImportError:  # pragma: no cover - depends on the platform's wheels
    _isal = None

#: Deflate level of the bulk part: ISA-L's level 1 (of 0-3) or zlib's level 1 (of 1-9).
BULK_LEVEL = 1
#: A part that may hold this many uncompressed bytes is written with ZIP64 sizes (zip's own limit
#: is 4 GiB; most workbooks stay far below, and old readers do not read ZIP64).
ZIP64_FROM = 2**32 - 2**20


def worksheet_part(workbook, worksheet) -> str:
    """The zip part of `worksheet` as xlsxwriter names it (worksheets numbered without chartsheets)."""
    index = 1
    for ws in workbook.worksheets():
        if ws is worksheet:
            return f"xl/worksheets/sheet{index}.xml"
        if not getattr(ws, "is_chartsheet", False):
            index += 1
    raise ValueError("the worksheet is not in this workbook")


def bulk_compressor():
    """A raw-DEFLATE compressor (zip's method 8) for the bulk part."""
    if _isal is not None:
        return _isal.compressobj(BULK_LEVEL, _isal.DEFLATED, -15)
    return zlib.compressobj(BULK_LEVEL, zlib.DEFLATED, -15)


def _head_and_tail(xml: str, last_row: int, last_col: int) -> tuple[bytes, bytes]:
    """The shell part cut where the rows go (before `</sheetData>`), with the sheet's dimension
    set to cover them."""
    end = xml.rfind("</sheetData>")
    if end < 0:
        raise RuntimeError("the bulk sheet has no header row to put its rows after")
    head, tail = xml[:end], xml[end:]
    if last_row > 1:
        ref = f"A1:{xl_col_to_name(last_col)}{last_row}"
        head, found = re.subn(r'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>', head, count=1)
        if not found:
            raise RuntimeError("the bulk sheet has no dimension element")
    return head.encode("utf-8"), tail.encode("utf-8")


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    out.compress_type = zipfile.ZIP_DEFLATED
    out.external_attr = info.external_attr
    out.create_system = info.create_system
    return out


def splice_rows(shell: str | Path, out: str | Path, part: str, chunks: Iterable[bytes], *, last_row: int,
                last_col: int, expected_bytes: int = 0) -> int:
    """Write `out`: every part of the `shell` workbook, with `chunks` (UTF-8 `<row>` elements)
    added at the end of `part`'s sheet data.  `last_row` (1-based) and `last_col` (0-based) are
    the sheet's last cell; `expected_bytes` bounds the rows' size (ZIP64 when it may pass 4 GiB).
    Returns the uncompressed size of the rows written."""
    written = 0
    with zipfile.ZipFile(shell) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zout:
        infos = zin.infolist()
        if part not in {i.filename for i in infos}:
            raise RuntimeError(f"the workbook has no part {part}")
        for info in infos:
            if info.filename != part:
                zout.writestr(_copy_info(info), zin.read(info))
                continue
            head, tail = _head_and_tail(zin.read(info).decode("utf-8"), last_row, last_col)
            with zout.open(_copy_info(info), "w", force_zip64=expected_bytes >= ZIP64_FROM) as fh:
                # zipfile has no way to pass a compressor: give this entry's writer ours before
                # the first byte (Python 3.11-3.14 keep it in `_compressor`; without it, zlib's default).
                if hasattr(fh, "_compressor"):
                    fh._compressor = bulk_compressor()
                fh.write(head)
                for chunk in chunks:
                    fh.write(chunk)
                    written += len(chunk)
                fh.write(tail)
    return written

"""Issue 17: the numpy writer of the scenario workbook writes the same workbook as xlsxwriter did.

`export_scenario(..., writer="numpy")` (the default) builds the Line Items rows as sheet XML with
numpy and splices them into a workbook xlsxwriter wrote without them; `writer="xlsxwriter"` is the
previous writer.  Both must give the same cells: values, types, formulas and number formats, read
back by openpyxl, and the same sheet XML where the rows are alike.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import xlsxwriter

from kcplanner.engine import evaluate, prepare
from kcplanner.exports import ExportCancelled, bulk_zip, export_scenario
from kcplanner.exports.sheet_xml import NumberColumn, rows_xml, text_column

from .engine_data import synthetic_dataset, synthetic_scenario
from .test_export import all_kinds_scenario, city

WHEN = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.timezone.utc)

#: Text that xlsxwriter escapes: markup, control characters, its own escape pattern, white space
#: at either end, characters outside the BMP, text longer than a cell holds.
AWKWARD = ['a & b <c> "d"', " leading", "trailing ", "\x01ctl\x1f", "_x0041_ looks escaped", "tab\tinside",
           "\x0bvertical", "line\nbreak", "emoji 😀 ü", "=HYPERLINK(\"http://x\",\"y\")", "\ufffe\uffff", "",
           "x" * 40000, "😀" * 17000, "plain"]


def both(P, R, folder: Path) -> tuple[Path, Path]:
    fast, slow = folder / "numpy.xlsx", folder / "xlsxwriter.xlsx"
    export_scenario(P, R, fast, sources=[], exported_at=WHEN)
    export_scenario(P, R, slow, sources=[], exported_at=WHEN, writer="xlsxwriter")
    return fast, slow


def cells(path: Path) -> dict[str, dict[str, tuple]]:
    """Every stored cell of every sheet: (value, data type, number format)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wb = openpyxl.load_workbook(path)
    return {ws.title: {c.coordinate: (c.value, c.data_type, c.number_format)
                       for row in ws.iter_rows() for c in row if c.value is not None}
            for ws in wb.worksheets}


def assert_same_cells(fast: Path, slow: Path) -> int:
    a, b = cells(fast), cells(slow)
    assert list(a) == list(b)
    for sheet in b:
        assert a[sheet].keys() == b[sheet].keys(), sheet
        for ref, want in b[sheet].items():
            assert a[sheet][ref] == want, (sheet, ref, a[sheet][ref], want)
    return sum(len(v) for v in b.values())


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}  # core.xml: the time of writing


@pytest.mark.parametrize("lines", [3000, 4321])
def test_the_numpy_writer_writes_the_xlsxwriter_workbook(tmp_path, lines):
    ds = synthetic_dataset(lines, seed=lines)
    P = prepare(ds)
    R = evaluate(P, synthetic_scenario(ds, n_rules=20, seed=5, n_funded=7))
    fast, slow = both(P, R, tmp_path)
    n = assert_same_cells(fast, slow)
    assert n > 26 * lines
    # the same parts, byte for byte (rows, styles, formulas, charts, defined names)
    a, b = parts(fast), parts(slow)
    assert a.keys() == b.keys() and [k for k in a if a[k] != b[k]] == []
    # and the Line Items are the engine's amounts (independently: the engine's arrays)
    wb = openpyxl.load_workbook(fast, read_only=True)
    rows = list(wb["Line Items"].iter_rows(min_row=2, values_only=True))
    base, scen = R.line_amounts()
    got = np.array([r[11:26] for r in rows[:P.n_lines]], dtype=float)
    assert np.allclose(got[:, :5], base, rtol=1e-15, atol=0) and np.allclose(got[:, 5:10], scen, rtol=1e-15, atol=0)
    assert len(rows) == P.n_lines + len(R.requests.ids)
    assert [r[6] for r in rows[P.n_lines:]] == ["Request"] * len(R.requests.ids)


def test_names_that_need_escaping_come_out_the_same(tmp_path):
    """The city with formula-like, wildcard and ampersand names; awkward accounts."""
    ds = city()
    li = ds.budget.line_items
    fits = [t for t in AWKWARD if len(t) < 1000] + [None]  # "" and None: no account, no cell
    li["account"] = [fits[i % len(fits)] for i in range(len(li))]
    P = prepare(ds)
    R = evaluate(P, all_kinds_scenario())
    fast, slow = both(P, R, tmp_path)
    assert_same_cells(fast, slow)
    a, b = parts(fast), parts(slow)
    assert [k for k in a if a[k] != b[k]] == []


def test_a_text_too_long_for_a_cell_is_cut_and_the_row_goes_on(tmp_path):
    """xlsxwriter's write_row stops at a text it has to cut (the rest of that row's keys were lost);
    the numpy writer cuts the text to Excel's 32,767 characters and writes the rest of the row."""
    ds = city()
    li = ds.budget.line_items
    li["account"] = ["x" * 40000] + list(li["account"][1:])
    P = prepare(ds)
    R = evaluate(P, all_kinds_scenario())
    out = tmp_path / "long.xlsx"
    export_scenario(P, R, out, sources=[])
    ws = openpyxl.load_workbook(out)["Line Items"]
    assert ws["D2"].value == "x" * 32767
    assert [ws.cell(2, c).value for c in (1, 5, 6, 7, 11)] == [li["fund"][0], li["account_class"][0], "Y" if li[
        "recurring"][0] else "N", "Budget", 2]


def sheet_data(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    return re.search(r"<sheetData>(.*)</sheetData>", xml, re.S).group(1)


def test_rows_xml_is_what_xlsxwriter_writes(tmp_path):
    """Text, numbers and styles cell for cell against xlsxwriter's own constant_memory output."""
    numbers = np.array([0.1 + 0.2, -0.0, 1e-7, 1e20, 123456789.123456789, 1 / 3, -2.5, 7.0, 1e300, 5e-324,
                        2.0**53 + 1, 0.0, 12.5, -1e-300, 99999999999999999.0])
    k = len(AWKWARD)
    values = np.resize(numbers, k)
    path = tmp_path / "x.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    ws = wb.add_worksheet()
    money = wb.add_format({"num_format": "0.00"})
    ws.set_column(1, 1, 12, money)
    for r in range(k):
        ws.write(r + 1, 0, AWKWARD[r])  # as write_row: "" is no cell
        ws.write_number(r + 1, 1, float(values[r]))
    wb.close()
    want = sheet_data(path)
    style = money._get_xf_index()
    got = rows_xml([text_column(AWKWARD), NumberColumn(values, style)], 0, k, 2)
    assert got == want
    # xlsxwriter writes text that starts "<r>" and ends "</r>" as raw rich-text XML; we escape it
    assert "&lt;r&gt;x&lt;/r&gt;" in rows_xml([text_column(["<r>x</r>"])], 0, 1, 1)


def test_no_value_and_non_finite_amounts_are_blank_cells(tmp_path):
    """A text column with gaps and amounts that are not numbers read back as empty cells."""
    names = ["a", None, "b", float("nan"), "a"]
    amounts = np.array([1.5, np.nan, np.inf, 2.0, -np.inf])
    xml = rows_xml([text_column(names), NumberColumn(amounts, None), NumberColumn(np.full(5, np.nan))], 0, 5, 1)
    assert "<v>nan" not in xml.lower() and "inf" not in xml.lower()
    assert 'r="A2"' not in xml and 'r="B2"' not in xml and 'r="C1"' not in xml  # no value: no cell at all
    path = tmp_path / "x.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.add_worksheet().write_string(0, 0, "header")
    wb.close()
    shell = tmp_path / "shell.xlsx"
    path.rename(shell)
    # rows 1..5 under a header row: splice them in as the exports do
    xml = rows_xml([text_column(names), NumberColumn(amounts, None), NumberColumn(np.full(5, np.nan))], 0, 5, 2)
    bulk_zip.splice_rows(shell, path, "xl/worksheets/sheet1.xml", [xml.encode()], last_row=6, last_col=2)
    ws = openpyxl.load_workbook(path).active
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=6, max_col=3)]
    assert got == [["a", 1.5, None], [None, None, None], ["b", None, None], [None, 2.0, None], ["a", None, None]]
    assert ws.max_row == 6


def test_without_isal_the_rows_are_deflated_by_zlib(tmp_path, monkeypatch):
    ds = synthetic_dataset(500, seed=1)
    P = prepare(ds)
    R = evaluate(P, synthetic_scenario(ds, n_rules=5, seed=2, n_funded=3))
    with_isal = tmp_path / "isal.xlsx"
    export_scenario(P, R, with_isal, sources=[], exported_at=WHEN)
    monkeypatch.setattr(bulk_zip, "_isal", None)
    plain = tmp_path / "zlib.xlsx"
    export_scenario(P, R, plain, sources=[], exported_at=WHEN)
    assert parts(plain) == parts(with_isal)  # different deflate streams, the same content
    with zipfile.ZipFile(plain) as z:
        assert z.testzip() is None


def test_cancel_while_the_rows_stream_leaves_the_previous_file(tmp_path):
    ds = synthetic_dataset(9000, seed=2)  # three chunks of rows
    P = prepare(ds)
    R = evaluate(P, synthetic_scenario(ds, n_rules=5, seed=2, n_funded=3))
    target = tmp_path / "scenario.xlsx"
    target.write_bytes(b"the previous export")
    seen: list[float] = []

    def cancelled() -> bool:
        return bool(seen) and seen[-1] > 0.5  # after the first chunk of rows

    with pytest.raises(ExportCancelled):
        export_scenario(P, R, target, progress=lambda f, t: seen.append(f), cancelled=cancelled)
    assert 0.5 < seen[-1] < 0.99  # cancelled between two chunks of rows
    assert target.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.xlsx"]  # no temporary file, no scratch folder


def test_a_part_that_may_pass_4_gib_gets_zip64_sizes(tmp_path):
    shell, out = tmp_path / "shell.xlsx", tmp_path / "out.xlsx"
    wb = xlsxwriter.Workbook(str(shell), {"constant_memory": True})
    wb.add_worksheet("Line Items").write_string(0, 0, "Fund")
    wb.close()
    rows = rows_xml([text_column(["General Fund", "Water"]), NumberColumn(np.array([1.25, -3.5]))], 0, 2, 2)
    part = "xl/worksheets/sheet1.xml"
    bulk_zip.splice_rows(shell, out, part, [rows.encode()], last_row=3, last_col=1,
                         expected_bytes=bulk_zip.ZIP64_FROM)
    with zipfile.ZipFile(out) as z:
        info = z.getinfo(part)
        assert info.extract_version >= 45  # ZIP64 (its sizes in the local header's ZIP64 field)
        assert b'<dimension ref="A1:B3"/>' in z.read(part)
    ws = openpyxl.load_workbook(out)["Line Items"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [["Fund", None], ["General Fund", 1.25], ["Water", -3.5]]

"""A real spreadsheet application recalculates the exports: LibreOffice headless.

One soffice run converts both exports (scenario and comparison) with a throwaway profile that
forces recalculation on load.  Every formula cell's recalculated value must equal the engine's
figure to the cent, and a formula whose cached value we spoiled on purpose must come back right
(proof that LibreOffice did recalculate rather than echo the cached values).

Needs `soffice` (Debian: `apt-get install --no-install-recommends libreoffice-calc-nogui`).  Without
it the test skips locally, and fails when the environment variable CI is set.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from kcplanner.engine import evaluate, prepare
from kcplanner.exports import export_comparison, export_scenario

from .test_export import all_kinds_scenario, city

pytestmark = pytest.mark.slow

RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <item oor:path="/org.openoffice.Office.Calc/Formula/Load">
    <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
  </item>
  <item oor:path="/org.openoffice.Office.Calc/Formula/Load">
    <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
  </item>
</oor:items>
"""
SPOILED = 987654321.0


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        message = ("LibreOffice (soffice) is not installed; the recalculation test needs it "
                   "(Debian: apt-get install --no-install-recommends libreoffice-calc-nogui)")
        if os.environ.get("CI"):
            pytest.fail(message + " — CI must install it", pytrace=False)
        pytest.skip(message)
    return exe


def convert(exe: str, files: list[Path], out_dir: Path, profile: Path) -> None:
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_XCU, encoding="utf-8")
    out_dir.mkdir(exist_ok=True)
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to", "xlsx",
           "--outdir", str(out_dir)] + [str(f) for f in files]
    env = {**os.environ, "HOME": str(profile)}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    missing = [f.name for f in files if not (out_dir / f.name).exists()]
    assert not missing, f"LibreOffice did not convert {missing}: {done.stdout}\n{done.stderr}"


def spoil_first_formula(path: Path, sheet_xml: str) -> str:
    """Rewrite the cached value of the first formula of a sheet part; return its cell (A1)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == sheet_xml:
                xml = data.decode("utf-8")
                m = re.search(r'<c r="([A-Z]+\d+)"[^>]*><f>[^<]*</f><v>[^<]*</v></c>', xml)
                assert m, "no formula with a cached number in " + sheet_xml
                ref = m.group(1)
                spoiled = re.sub(r"<v>[^<]*</v></c>$", f"<v>{SPOILED:.0f}</v></c>", m.group(0))
                data = (xml[:m.start()] + spoiled + xml[m.end():]).encode("utf-8")
            zout.writestr(item, data)
    tmp.replace(path)
    return ref


def formula_cells(path: Path) -> dict[str, list[tuple[int, int, str]]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        out[ws.title] = [(c.row - 1, c.column - 1, c.value) for row in ws.iter_rows() for c in row
                         if c.data_type == "f"]
    return out


def values(path: Path) -> dict[str, list[list]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}


def at(grid: list[list], r: int, c: int):
    return grid[r][c] if r < len(grid) and c < len(grid[r]) else None


def same(expected, got) -> bool:
    if isinstance(expected, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return abs(expected - got) < 0.005 or abs(expected - got) <= 1e-9 * abs(expected)
    return (expected in ("", None) and got in ("", None)) or expected == got


def test_libreoffice_recalculates_every_formula_to_the_engine_figures(tmp_path):
    exe = soffice()
    ds = city()
    P = prepare(ds)
    R = evaluate(P, all_kinds_scenario())
    scenario = tmp_path / "scenario.xlsx"
    comparison = tmp_path / "comparison.xlsx"
    export_scenario(P, R, scenario)
    export_comparison(P, P.baseline_results(), R, comparison)
    expected = {p.name: values(p) for p in (scenario, comparison)}  # cached values = engine figures
    formulas = {p.name: formula_cells(p) for p in (scenario, comparison)}
    spoiled_ref = spoil_first_formula(scenario, "xl/worksheets/sheet2.xml")  # the Funds sheet

    convert(exe, [scenario, comparison], tmp_path / "out", tmp_path / "profile")

    checked = 0
    for name in (scenario.name, comparison.name):
        got = values(tmp_path / "out" / name)
        for sheet, cells in formulas[name].items():
            for r, c, text in cells:
                e, g = at(expected[name][sheet], r, c), at(got[sheet], r, c)
                assert same(e, g), f"{name} {sheet}!{openpyxl.utils.get_column_letter(c + 1)}{r + 1} {text}: " \
                                   f"engine {e!r}, LibreOffice {g!r}"
                checked += 1
    assert checked > 300

    # The spoiled cached value was recalculated (LibreOffice did not just echo cached values).
    got = values(tmp_path / "out" / scenario.name)
    col = openpyxl.utils.column_index_from_string(re.match(r"[A-Z]+", spoiled_ref).group(0)) - 1
    row = int(re.search(r"\d+", spoiled_ref).group(0)) - 1
    assert got["Funds"][row][col] != SPOILED
    assert same(expected[scenario.name]["Funds"][row][col], got["Funds"][row][col])

    # And against the engine directly: fund balances, departments (names with '=', '@', '+', '-', '*', '?').
    funds = got["Funds"]
    for f, fund in enumerate(R.funds.names):
        r = next(i for i, x in enumerate(funds) if x[0] == fund and x[2] == "Ending balance")
        assert np.allclose(funds[r][3:8], R.funds.balance[f], rtol=0, atol=0.005), fund
        r = next(i for i, x in enumerate(funds) if x[0] == fund and x[2] == "Structural balance")
        assert np.allclose(funds[r][3:8], R.funds.structural[f], rtol=0, atol=0.005), fund
    depts = got["Departments"]
    for i, dept in enumerate(R.by_department.names):
        r = next(k for k, x in enumerate(depts) if x[0] == dept)
        assert np.allclose(depts[r][6:11], R.by_department.scenario[i], rtol=0, atol=0.005), dept
        assert np.allclose(depts[r][1:6], R.by_department.baseline[i], rtol=0, atol=0.005), dept

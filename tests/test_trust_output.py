"""Issue 11, unsafe output: file names from user text stay inside the chosen folder, text never
turns into a formula (chart titles included), and a killed export's temporary files are ours,
beside the target, and cleaned by the next export."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from kcplanner.atomic import OutputError, TMP_PREFIX, _host, clean_leftovers
from kcplanner.cli import main
from kcplanner.engine import evaluate, prepare
from kcplanner.exports import export_comparison, export_scenario
from kcplanner.filenames import MAX_NAME_BYTES, file_in, path_inside, safe_file_name
from kcplanner.readers import read_dataset
from kcplanner.scenario import Scenario

from .conftest import BUDGET_SHEETS, PLAN_SHEETS

INJECTION = "=cmd|' /C calc'!A0"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def all_files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def write_book(path: Path, sheets: dict[str, list[list]]) -> Path:
    """Like conftest.write_xlsx, but text is always written as text (a KPI ID may start with "=")."""
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                elif v is not None:
                    ws.write(r, c, v)
    wb.close()
    return path


@pytest.fixture
def city(tmp_path) -> dict:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    plan = write_book(inputs / "plan.xlsx", PLAN_SHEETS)
    budget = write_book(inputs / "police.xlsx", BUDGET_SHEETS)
    return {"dir": inputs, "plan": plan, "budget": budget, "args": ["--plan", str(plan), "--budget", str(budget)]}


# -- file names ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("x/../../escaped", "x_._._escaped.xlsx"),
    ("a\x00b\x07c", "abc.xlsx"),
    ("..\\..\\win", "_._win.xlsx"),
    ("CON", "_CON.xlsx"),
    ("lpt1.backup", "_lpt1.backup.xlsx"),
    ("Police. ", "Police.xlsx"),
    ("  . ", "unnamed.xlsx"),
    ('what? <a>:"b"|*', "what_ _a___b___.xlsx"),
])
def test_safe_file_name(name, expected):
    assert safe_file_name(name, ".xlsx") == expected


def test_safe_file_name_is_at_most_120_bytes_and_keeps_the_extension():
    for name in ("A" * 240, "é" * 240, "漢" * 240):
        out = safe_file_name(name, ".xlsx")
        assert out.endswith(".xlsx") and len(out.encode("utf-8")) <= MAX_NAME_BYTES
        assert set(out[:-5]) == {name[0]}  # cut on a character boundary


def test_a_path_outside_the_folder_is_refused(tmp_path):
    with pytest.raises(OutputError, match="outside the chosen folder"):
        path_inside(tmp_path / "out", tmp_path / "out" / ".." / "escaped.xlsx")
    with pytest.raises(OutputError, match="outside the chosen folder"):
        path_inside(tmp_path / "out", "/etc/passwd")
    assert file_in(tmp_path / "out", "../../x", ".json") == tmp_path / "out" / "_._x.json"


@pytest.mark.parametrize("scenario_name, file_name", [
    ("x/../../escaped", "police - x_._._escaped.xlsx"),
    ("a\x00b", "police - ab.xlsx"),
    ("N" * 240, None),
    ("CON", "police - CON.xlsx"),  # a prefix before it: no longer a device name
])
def test_write_back_names_stay_inside_the_out_folder(city, tmp_path, capsys, scenario_name, file_name):
    scen = city["dir"] / "s.json"
    scen.write_text(json.dumps({"name": scenario_name, "rules": [{"kind": "percent", "value": 2}]}))
    out = tmp_path / "a" / "b" / "back"
    before_inputs = all_files(city["dir"])
    code = main(["export", *city["args"], "--scenario", str(scen), "--out", str(out), "--write-back"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 1
    if file_name is not None:
        assert written == [file_name]
    else:
        assert written[0].startswith("police - NNN") and len(written[0].encode()) == MAX_NAME_BYTES
    # nothing was written anywhere else: the only files are the inputs and the one copy
    everything = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert everything == sorted([*(f"inputs/{k}" for k in before_inputs), f"a/b/back/{written[0]}"])
    assert all_files(city["dir"]) == before_inputs


# -- text stays text ------------------------------------------------------------------------------------------

def _injected_city(tmp_path: Path) -> tuple[Path, Path]:
    plan = copy.deepcopy(PLAN_SHEETS)
    plan["KPIs"][1][0] = INJECTION
    plan["Drivers"][1][0] = INJECTION
    budget = copy.deepcopy(BUDGET_SHEETS)
    budget["Requests"][1][12] = INJECTION  # R1 moves that KPI
    folder = tmp_path / "inj"
    folder.mkdir()
    return write_book(folder / "plan.xlsx", plan), write_book(folder / "police.xlsx", budget)


def _chart_xml(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n).decode("utf-8") for n in sorted(z.namelist()) if re.match(r"xl/charts/chart\d+\.xml", n)]


def _xml_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_a_kpi_id_starting_with_equals_stays_text_in_chart_titles(tmp_path):
    plan, budget = _injected_city(tmp_path)
    result = read_dataset(plan, [budget])
    assert result.dataset is not None, result.report.to_text()
    assert INJECTION in list(result.dataset.plan.kpis["kpi_id"])
    P = prepare(result.dataset)
    R = evaluate(P, Scenario("S"))
    out = tmp_path / "scenario.xlsx"
    export_scenario(P, R, out)
    charts = _chart_xml(out)
    titled = [x for x in charts if "cmd|" in x]
    assert len(titled) == 1  # the injected KPI's chart
    xml = titled[0]
    title = re.search(r"<c:title>.*?</c:title>", xml, re.S).group(0)
    assert f"<a:t>{_xml_text(INJECTION)} Response time (min)</a:t>" in title.replace("&apos;", "'")
    assert "<c:f>" not in title and "<c:strRef>" not in title
    assert not any("cmd|" in f for x in charts for f in re.findall(r"<c:f>(.*?)</c:f>", x))
    # the cells hold it as text too (a shared string, no formula anywhere in the workbook)
    with zipfile.ZipFile(out) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any("cmd|" in f for s in sheets for f in re.findall(r"<f>(.*?)</f>", s))


def test_the_justification_workbook_chart_title_stays_text(tmp_path):
    from kcplanner.justification import justification_data, write_justification_workbook

    plan, budget = _injected_city(tmp_path)
    dataset = read_dataset(plan, [budget]).dataset
    P = prepare(dataset)
    data = justification_data(dataset, P, Scenario("S"), "Police")
    out = tmp_path / "police justification.xlsx"
    write_justification_workbook(data, out)
    charts = [x for x in _chart_xml(out) if "cmd|" in x]
    assert charts, "the request's KPI chart names the KPI"
    for xml in charts:
        title = re.search(r"<c:title>.*?</c:title>", xml, re.S).group(0)
        assert "<c:f>" not in title and "cmd|" in title.replace("&apos;", "'")


def test_a_scenario_name_starting_with_equals_stays_text_in_header_and_sheets(city, tmp_path):
    dataset = read_dataset(city["plan"], [city["budget"]]).dataset
    P = prepare(dataset)
    R = evaluate(P, Scenario("=HYPERLINK(\"http://x\",\"y\") & more"))
    out = tmp_path / "s.xlsx"
    export_scenario(P, R, out)
    export_comparison(P, P.baseline_results(), R, tmp_path / "c.xlsx")
    for path in (out, tmp_path / "c.xlsx"):
        with zipfile.ZipFile(path) as z:
            parts = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}
        assert not any("HYPERLINK" in f for x in parts.values() for f in re.findall(r"<(?:c:)?f>(.*?)</", x))
        assert any("HYPERLINK" in x for n, x in parts.items() if n.startswith("xl/worksheets/"))  # as text
        headers = [h for x in parts.values() for h in re.findall(r"<oddHeader>(.*?)</oddHeader>", x)]
        assert any("&amp;&amp; more" in h for h in headers)  # "&" doubled: not a header code


# -- temporary files ------------------------------------------------------------------------------------------

def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftovers_of_a_killed_export_are_cleaned_by_the_next_export(city, tmp_path):
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    dead, host = _dead_pid(), _host()
    old = time.time() - 3600  # written before this process started
    stale_file = out_dir / f"{TMP_PREFIX}{dead}-{host}-scenario-abc123.xlsx"
    stale_file.write_bytes(b"half a workbook")
    stale_dir = out_dir / f"{TMP_PREFIX}{dead}-{host}-scratch-xyz"
    stale_dir.mkdir()
    (stale_dir / "tmpq1w2e3").write_bytes(b"x" * 1000)
    for p in (stale_dir / "tmpq1w2e3", stale_dir, stale_file):
        os.utime(p, (old, old))
    # not to be touched: a live process's file, our own, another program's hidden file, and a user's file
    live = out_dir / f"{TMP_PREFIX}1-{host}-scenario-live.xlsx"
    mine = out_dir / f"{TMP_PREFIX}{os.getpid()}-{host}-scenario-mine.xlsx"
    other = out_dir / ".scenario.q8w7.xlsx"
    user = out_dir / "kcplanner-tmp-notes.txt"
    for p in (live, mine, other, user):
        p.write_bytes(b"keep")
        os.utime(p, (old, old))
    target = out_dir / "scenario.xlsx"
    assert main(["export", *city["args"], "--out", str(target)]) == 0
    left = sorted(p.name for p in out_dir.iterdir())
    assert left == sorted([live.name, mine.name, other.name, user.name, "scenario.xlsx"])


def test_a_recent_leftover_of_a_dead_process_newer_than_us_is_kept(tmp_path):
    # written after this process started: it cannot be proven a leftover of an earlier run
    dead, host = _dead_pid(), _host()
    fresh = tmp_path / f"{TMP_PREFIX}{dead}-{host}-scratch-new"
    fresh.mkdir()
    assert clean_leftovers(tmp_path) == []
    assert fresh.exists()


def test_export_scratch_files_are_beside_the_target_not_in_the_system_temp(city, tmp_path, monkeypatch):
    dataset = read_dataset(city["plan"], [city["budget"]]).dataset
    P = prepare(dataset)
    R = evaluate(P, Scenario("S"))
    made: list[Path] = []
    real_mkstemp, real_mkdtemp = tempfile.mkstemp, tempfile.mkdtemp

    def mkstemp(*a, **k):
        fd, name = real_mkstemp(*a, **k)
        made.append(Path(name))
        return fd, name

    def mkdtemp(*a, **k):
        name = real_mkdtemp(*a, **k)
        made.append(Path(name))
        return name

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    export_scenario(P, R, out_dir / "s.xlsx")
    export_comparison(P, P.baseline_results(), R, out_dir / "c.xlsx")
    assert len(made) > 4  # the workbook, the scratch folder and the writer's files
    for p in made:
        assert p.resolve().is_relative_to(out_dir.resolve()), p
        assert p.relative_to(out_dir).parts[0].startswith(TMP_PREFIX), p
    assert sorted(p.name for p in out_dir.iterdir()) == ["c.xlsx", "s.xlsx"]


def test_app_start_cleans_the_last_folder(tmp_path, monkeypatch):
    pytest.importorskip("PySide6")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    from ui import app as ui_app
    from ui.common import settings as st

    dead, host = _dead_pid(), _host()
    stale = tmp_path / f"{TMP_PREFIX}{dead}-{host}-scratch-old"
    stale.mkdir()
    old = time.time() - 3600
    os.utime(stale, (old, old))
    keep = tmp_path / "budget.xlsx"
    keep.write_bytes(b"mine")
    monkeypatch.setattr(st, "get_str", lambda key, default: str(tmp_path) if key == st.KEY_LAST_DIR else default)
    ui_app.clean_last_folder()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["budget.xlsx"]

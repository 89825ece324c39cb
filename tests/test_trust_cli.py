"""Issue 11: no command-line input or JSON file ends in a traceback; each gets a message naming the
file and exit 1 (invalid input, a file that cannot be written) or 2 (bad usage); inputs never change."""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
from pathlib import Path

import pytest

from kcplanner.cli import main

from .conftest import BUDGET_SHEETS, PLAN_SHEETS, write_csv, write_xlsx


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def city(tmp_path) -> dict:
    """A plan and one department workbook (police.xlsx) in their own folder."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    plan = write_xlsx(inputs / "plan.xlsx", PLAN_SHEETS)
    budget = write_xlsx(inputs / "police.xlsx", BUDGET_SHEETS)
    return {"dir": inputs, "plan": plan, "budget": budget,
            "args": ["--plan", str(plan), "--budget", str(budget)]}


def run_cli(argv, capsys):
    """(exit status, stdout, stderr) of `kcplanner argv`; SystemExit (argparse) counts as its code."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    return code, out, err


def write_scenario_bytes(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# -- JSON files that used to raise ------------------------------------------------------------------

def test_a_scenario_nested_200000_deep_is_refused(city, tmp_path, capsys):
    scen = write_scenario_bytes(city["dir"], "deep.json", b"[" * 200_000 + b"]" * 200_000)
    before = hashes(city["dir"])
    code, _out, err = run_cli(["run", *city["args"], "--scenario", str(scen), "--json", str(tmp_path / "r.json")],
                              capsys)
    assert code == 1
    assert "deep.json: nested more than 100 levels deep (line 1)" in err
    assert hashes(city["dir"]) == before and not (tmp_path / "r.json").exists()


def test_a_mapping_nested_200000_deep_is_bad_usage(city, capsys):
    mapping = write_scenario_bytes(city["dir"], "deep-mapping.json", b'{"a":' * 200_000 + b"1" + b"}" * 200_000)
    before = hashes(city["dir"])
    code, _out, err = run_cli(["validate", *city["args"], "--mapping", str(mapping)], capsys)
    assert code == 2
    assert "deep-mapping.json: nested more than 100 levels deep" in err
    assert hashes(city["dir"]) == before


def test_a_5000_digit_number_is_refused(city, tmp_path, capsys):
    text = '{"name": "Big", "rules": [{"kind": "amount", "value": ' + "9" * 5000 + "}]}"
    scen = write_scenario_bytes(city["dir"], "big.json", text.encode())
    code, _out, err = run_cli(["run", *city["args"], "--scenario", str(scen), "--json", str(tmp_path / "r.json")],
                              capsys)
    assert code == 1
    assert "big.json: a number with 5,000 digits; expected at most 30" in err
    mapping = write_scenario_bytes(city["dir"], "big-mapping.json", ('{"header_row": ' + "1" * 5000 + "}").encode())
    code, _out, err = run_cli(["validate", *city["args"], "--mapping", str(mapping)], capsys)
    assert code == 2 and "big-mapping.json: a number with 5,000 digits" in err


SCENARIO = {"name": "Café rates", "rules": [{"label": "Police +1%", "target": {"department": "Police"},
                                            "kind": "percent", "value": 1}]}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-32"])
def test_utf8_and_utf16_with_a_byte_order_mark_are_read(city, tmp_path, capsys, encoding):
    # Python's "utf-16"/"utf-32" codecs write a byte-order mark, as Notepad and PowerShell do
    scen = write_scenario_bytes(city["dir"], "s.json", json.dumps(SCENARIO, ensure_ascii=False).encode(encoding))
    out = tmp_path / "r.json"
    code, _out, err = run_cli(["run", *city["args"], "--scenario", str(scen), "--json", str(out)], capsys)
    assert code == 0, err
    police = json.loads(out.read_text())["departments"]["Police"]
    assert police["scenario"][0] == pytest.approx(police["baseline"][0] * 1.01)  # the rule was read and applied
    assert police["baseline"][0] > 0


def test_latin1_json_gets_a_message_naming_the_encoding(city, tmp_path, capsys):
    scen = write_scenario_bytes(city["dir"], "latin.json", json.dumps(SCENARIO, ensure_ascii=False).encode("latin-1"))
    before = hashes(city["dir"])
    code, _out, err = run_cli(["run", *city["args"], "--scenario", str(scen), "--json", str(tmp_path / "r.json")],
                              capsys)
    assert code == 1
    assert "latin.json: not UTF-8 text (byte 0xE9 at line 1)" in err and "Latin-1" in err and "save it as UTF-8" in err
    assert hashes(city["dir"]) == before
    # UTF-16 without a byte-order mark is named as such
    scen.write_bytes(json.dumps(SCENARIO).encode("utf-16-le"))
    code, _out, err = run_cli(["run", *city["args"], "--scenario", str(scen), "--json", str(tmp_path / "r.json")],
                              capsys)
    assert code == 1 and "UTF-16 without a byte-order mark" in err


@pytest.mark.parametrize("value, shown", [("1e300", "1e+300 is out of range"), ("1e400", "infinity is out of range"),
                                          ("-150", "-150 is out of range")])
def test_an_absurd_rule_value_is_refused_naming_the_rule(city, tmp_path, capsys, value, shown):
    text = ('{"name": "S", "rules": [{"label": "ok", "kind": "percent", "value": 2}, '
            '{"label": "Police boost", "target": {"department": "Police"}, "kind": "percent", "value": ' + value + "}]}")
    scen = write_scenario_bytes(city["dir"], "absurd.json", text.encode())
    out = tmp_path / "r.json"
    code, _out, err = run_cli(["run", *city["args"], "--scenario", str(scen), "--json", str(out)], capsys)
    assert code == 1
    assert f"absurd.json: rules[1].value (rule 'Police boost'): {shown}; expected a percent from -100 to 10,000" in err
    assert not out.exists()


def test_nan_and_infinity_constants_are_refused(city, tmp_path, capsys):
    scen = write_scenario_bytes(city["dir"], "nan.json", b'{"rules": [{"kind": "amount", "value": NaN}]}')
    code, _out, err = run_cli(["run", *city["args"], "--scenario", str(scen), "--json", str(tmp_path / "r.json")],
                              capsys)
    assert code == 1 and "nan.json: NaN is not a number JSON allows" in err


def test_an_amount_rule_of_1e14_is_refused(city, tmp_path, capsys):
    scen = write_scenario_bytes(city["dir"], "amt.json", b'{"rules": [{"kind": "amount", "value": 1e14}]}')
    code, _out, err = run_cli(["run", *city["args"], "--scenario", str(scen), "--json", str(tmp_path / "r.json")],
                              capsys)
    assert code == 1
    assert "rules[0].value: 1e+14 is out of range; expected an amount from -$10 trillion to $10 trillion" in err


# -- command-line options -------------------------------------------------------------------------------

def test_validate_json_into_a_missing_folder(city, tmp_path, capsys):
    target = tmp_path / "no-such-folder" / "report.json"
    before = hashes(city["dir"])
    code, out, err = run_cli(["validate", *city["args"], "--json", str(target)], capsys)
    assert code == 1
    assert "0 error(s)" in out  # the report itself is still printed
    assert f"The report was not saved: {target}: the folder {target.parent} does not exist" in err
    assert hashes(city["dir"]) == before and not target.parent.exists()


def test_optimize_must_fund_an_unknown_request(city, tmp_path, capsys):
    out = tmp_path / "best.json"
    code, _out, err = run_cli(["optimize", *city["args"], "--out", str(out), "--must-fund", "R1", "NOPE-9"], capsys)
    assert code == 1
    assert "no request with the ID 'NOPE-9'" in err and "'R1'" not in err
    assert not out.exists()


@pytest.mark.parametrize("option, words", [
    (["--department-bounds", "Police=abc"], "expected DEPT=LOW:HIGH (percent, e.g. Police=-2:3), found 'Police=abc'"),
    (["--department-bounds", "Police=3:-2"], "LOW (3) is above HIGH (-2)"),
    (["--department-bounds", "=1:2"], "expected DEPT=LOW:HIGH"),
    (["--time-limit", "-5"], "expected a number of seconds above 0 and at most 86400, found '-5'"),
    (["--time-limit", "nan"], "found 'nan'"),
    (["--time-limit", "inf"], "found 'inf'"),
])
def test_bad_option_values_are_bad_usage(city, tmp_path, capsys, option, words):
    code, _out, err = run_cli(["optimize", *city["args"], "--out", str(tmp_path / "x.json"), *option], capsys)
    assert code == 2
    assert words in err
    assert not (tmp_path / "x.json").exists()


def test_write_back_of_a_csv_department_workbook_says_it_needs_xlsx(city, tmp_path, capsys):
    rows = BUDGET_SHEETS["Line Items"][2:]
    csv = write_csv(city["dir"] / "parks.csv", rows)
    out = tmp_path / "back"
    before = hashes(city["dir"])
    code, _out, err = run_cli(["export", "--plan", str(city["plan"]), "--budget", str(city["budget"]), str(csv),
                               "--out", str(out), "--write-back"], capsys)
    assert code == 1
    assert f"{csv}: write-back needs the department workbook as .xlsx or .xlsm, not .csv" in err
    assert f"Nothing was written to {out}." in err
    assert not out.exists() and hashes(city["dir"]) == before


# -- a full disk ------------------------------------------------------------------------------------------

def _enospc(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _dot_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_full_disk_on_json_keeps_the_old_file_and_names_it(city, tmp_path, capsys, monkeypatch, command):
    target = tmp_path / "out.json"
    target.write_text("the previous file")
    before = hashes(city["dir"])
    monkeypatch.setattr(os, "fsync", _enospc)  # the atomic write's flush to disk fails
    code, _out, err = run_cli([command, *city["args"], "--json", str(target)], capsys)
    assert code == 1
    assert f"{target}: could not be written (No space left on device); the previous file is unchanged" in err
    assert target.read_text() == "the previous file"
    assert _dot_files(tmp_path) == [] and hashes(city["dir"]) == before


def test_a_full_disk_during_export_keeps_the_old_workbook(city, tmp_path, capsys, monkeypatch):
    import zipfile

    target = tmp_path / "scenario.xlsx"
    target.write_bytes(b"the previous workbook")
    before = hashes(city["dir"])
    monkeypatch.setattr(zipfile.ZipFile, "write", _enospc)  # xlsxwriter zips its parts on close
    monkeypatch.setattr(zipfile.ZipFile, "writestr", _enospc)
    code, _out, err = run_cli(["export", *city["args"], "--out", str(target)], capsys)
    assert code == 1
    assert f"{target}: could not be written (No space left on device); the previous file is unchanged" in err
    assert target.read_bytes() == b"the previous workbook"
    assert _dot_files(tmp_path) == []  # neither the temporary workbook nor the scratch folder is left
    assert hashes(city["dir"]) == before


def test_anything_unexpected_is_one_line_and_exit_1(city, tmp_path, capsys, monkeypatch):
    import kcplanner.engine as engine

    def boom(*_a, **_k):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(engine, "evaluate", boom)
    code, _out, err = run_cli(["run", *city["args"], "--json", str(tmp_path / "r.json")], capsys)
    assert code == 1
    assert "kcplanner run: unexpected error (RuntimeError: simulated bug)" in err
    assert len(err.strip().splitlines()) == 1


def test_stored_scenarios_load_as_saved_but_validation_names_an_absurd_value(city):
    # a project's own stored scenario is read as saved (opening a project never fails on a value),
    # while a file a person gives is refused and validate_scenario names the rule
    from kcplanner.engine import prepare, validate_scenario
    from kcplanner.readers import read_dataset
    from kcplanner.scenario import ScenarioError, load_scenario, scenario_from_dict

    data = {"name": "S", "rules": [{"label": "Huge", "kind": "percent", "value": 20000}]}
    scenario = scenario_from_dict(data)
    assert scenario.rules[0].value == 20000
    with pytest.raises(ScenarioError, match=r"rules\[0\].value \(rule 'Huge'\): 20000 is out of range"):
        load_scenario(data)
    prepared = prepare(read_dataset(city["plan"], [city["budget"]]).dataset)
    problems = validate_scenario(scenario, prepared)
    assert problems[0] == "rule 1 'Huge': value 20000 is out of range; expected a percent from -100 to 10,000"


def test_outputs_that_are_folders_or_files_get_messages(city, tmp_path, capsys):
    folder = tmp_path / "r.json"
    folder.mkdir()
    code, _out, err = run_cli(["run", *city["args"], "--json", str(folder)], capsys)
    assert code == 1 and f"{folder}: is a folder; choose a file name; nothing was written" in err
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    for command in ("sample", "template"):
        code, _out, err = run_cli([command, str(a_file)], capsys)
        assert code == 2 and f"{a_file}: is a file; OUT_DIR must be a folder" in err
    code, _out, err = run_cli(["export", *city["args"], "--out", str(a_file), "--write-back"], capsys)
    assert code == 1 and f"{a_file}: cannot create the folder" in err
    assert a_file.read_text() == "mine"


@pytest.mark.parametrize("n_rules", [8, 160])
def test_rules_that_compound_past_any_budget_are_refused(city, tmp_path, capsys, n_rules):
    # each +10,000% rule is within bounds; together they multiply Police by 101^n (8: about 1e16 times,
    # past $1e15; 160: an overflow to infinity that would be null in the results)
    rules = [{"label": f"r{k}", "target": {"department": "Police"}, "kind": "percent", "value": 10000}
             for k in range(n_rules)]
    scen = city["dir"] / "stacked.json"
    scen.write_text(json.dumps({"name": "Stacked", "rules": rules}))
    out = tmp_path / "r.json"
    code, _out, err = run_cli(["run", *city["args"], "--scenario", str(scen), "--json", str(out)], capsys)
    assert code == 1
    base = tmp_path / "base.json"
    assert run_cli(["run", *city["args"], "--json", str(base)], capsys)[0] == 0
    police0 = json.loads(base.read_text())["departments"]["Police"]["baseline"][0]
    expected = police0 * 101.0 ** n_rules if n_rules * math.log10(101.0) < 300 else math.inf
    shown = "an overflow" if expected == float("inf") else f"{expected:,.3g}"
    assert (f"stacked.json: the scenario's rules together take figures past $1,000,000,000,000,000 "
            f"(the first: department 'Police' in FY2027 becomes {shown})") in err
    assert "RuntimeWarning" not in err and not out.exists()
    code, _out, err = run_cli(["export", *city["args"], "--scenario", str(scen), "--out", str(tmp_path / "x.xlsx")],
                              capsys)
    assert code == 1 and "department 'Police' in FY2027" in err and not (tmp_path / "x.xlsx").exists()


def test_an_absurd_value_typed_into_an_exported_rules_sheet_is_refused(city, tmp_path, capsys):
    import openpyxl

    scen = city["dir"] / "s.json"
    scen.write_text(json.dumps(SCENARIO))
    book = tmp_path / "s.xlsx"
    assert run_cli(["export", *city["args"], "--scenario", str(scen), "--out", str(book)], capsys)[0] == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["Rules"]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Order")
    cols = {ws.cell(header, c).value: c for c in range(1, 20)}
    ws.cell(header + 1, cols["Value"]).value = 1e300
    ws.cell(header + 1, cols["Value (exact)"]).value = None
    wb.save(book)
    code, _out, err = run_cli(["run", *city["args"], "--scenario", str(book), "--json", str(tmp_path / "r.json")],
                              capsys)
    assert code == 1
    assert ("s.xlsx, sheet Rules: rules[0].value (rule 'Police +1%'): 1e+300 is out of range; "
            "expected a percent from -100 to 10,000") in err

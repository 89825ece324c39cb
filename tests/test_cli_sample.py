"""`--sample` on the data commands (issue 18): the bundled sample city without naming its files."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from kcplanner import bundled
from kcplanner.cli import main

ROOT = Path(__file__).resolve().parents[1]
CHECKOUT_SAMPLE = ROOT / "kcplanner" / "resources" / "sample"


def test_the_bundled_folders_are_the_package_data_in_the_checkout():
    assert bundled.sample_dir().resolve() == CHECKOUT_SAMPLE.resolve()
    assert bundled.sample_plan().is_file()
    assert (bundled.sample_city_dir() / "city.json").is_file()
    assert [p.name for p in bundled.shipped_mappings()] == \
        sorted(p.name for p in (ROOT / "kcplanner" / "resources" / "mappings").glob("*.json"))
    assert bundled.icon_path().read_text(encoding="utf-8").lstrip().startswith("<svg")


def test_run_sample_equals_run_on_the_sample_files(tmp_path, capsys):
    by_flag, by_files = tmp_path / "flag.json", tmp_path / "files.json"
    assert main(["run", "--sample", "--json", str(by_flag)]) == 0
    assert main(["run", "--plan", str(CHECKOUT_SAMPLE / "plan.xlsx"), "--budget", str(CHECKOUT_SAMPLE),
                 "--json", str(by_files)]) == 0
    a, b = json.loads(by_flag.read_text()), json.loads(by_files.read_text())
    assert a == b
    assert len(a["departments"]) == len(list(CHECKOUT_SAMPLE.glob("*.xlsx"))) - 1  # every department, not the plan


def test_validate_sample_is_clean(capsys):
    assert main(["validate", "--sample"]) == 0
    out = capsys.readouterr().out
    assert "0 error(s)" in out and "plan.xlsx" in out


def test_export_sample_writes_the_workbook(tmp_path, capsys):
    out = tmp_path / "baseline.xlsx"
    assert main(["export", "--sample", "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    assert "Summary" in wb.sheetnames and "Line Items" in wb.sheetnames
    wb.close()


@pytest.mark.parametrize("extra", [["--plan", "x.xlsx"], ["--budget", "b/"], ["--mapping", "m.json"],
                                   ["--actuals", "a/"]])
def test_sample_with_file_arguments_is_bad_usage(tmp_path, capsys, extra):
    code = main(["run", "--sample", *extra, "--json", str(tmp_path / "r.json")])
    assert code == 2
    err = capsys.readouterr().err
    assert "--sample" in err and extra[0] in err
    assert not (tmp_path / "r.json").exists()


def test_no_budget_and_no_sample_is_bad_usage(tmp_path, capsys):
    assert main(["validate"]) == 2
    assert "--budget" in capsys.readouterr().err


def test_a_missing_sample_says_so(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(bundled, "sample_dir", lambda: tmp_path / "gone")
    monkeypatch.setattr(bundled, "sample_plan", lambda: tmp_path / "gone" / "plan.xlsx")
    assert main(["validate", "--sample"]) == 2
    assert "missing" in capsys.readouterr().err


def test_help_names_sample(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "--sample" in capsys.readouterr().out


def test_a_shipped_mapping_by_its_name(tmp_path, monkeypatch, capsys):
    """`--mapping oakland` from any folder: the mapping kcplanner ships (no path into the package)."""
    from kcplanner.cli_inputs import resolve_shipped_mappings

    monkeypatch.chdir(tmp_path)
    args = type("Args", (), {})()
    args.mapping = [Path("oakland"), Path("boston-revenue.json"), Path("mine.json"), Path("sub") / "oakland"]
    resolve_shipped_mappings(args)
    assert args.mapping[:2] == [bundled.mappings_dir() / "oakland.json", bundled.mappings_dir() / "boston-revenue.json"]
    assert args.mapping[2:] == [Path("mine.json"), Path("sub") / "oakland"]  # not shipped, or a path: as given
    (tmp_path / "oakland").write_text("{}", encoding="utf-8")  # a file of that name here wins
    args.mapping = [Path("oakland")]
    resolve_shipped_mappings(args)
    assert args.mapping == [Path("oakland")]

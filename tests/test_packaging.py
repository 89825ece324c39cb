"""Packaging (issue 18): the launcher's routes, the app's own smoke test, the desktop entry and the
.kcplan file type, the spec's data files, and the bundle itself when one has been built
(`make bundle`, which CI runs before the tests)."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
BUNDLE = ROOT / "build" / "dist" / "kcplanner"
EXE = ".exe" if os.name == "nt" else ""
MIME = "{http://www.freedesktop.org/standards/shared-mime-info}"


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def test_a_kcplan_argument_opens_the_app_on_it(monkeypatch):
    import ui.app
    from ui import launch

    opened = []
    monkeypatch.setattr(ui.app, "run_app", lambda argv=None, open_file=None: opened.append(open_file) or 0)
    assert launch.main(["budget FY27.KCPLAN"]) == 0
    assert opened == ["budget FY27.KCPLAN"]


def test_smoke_test_argument_runs_ui_smoke(monkeypatch):
    import ui.smoke
    from ui import launch

    seen = []
    monkeypatch.setattr(ui.smoke, "main", lambda argv: seen.append(argv) or 0)
    assert launch.main(["--smoke-test", "out.xlsx"]) == 0
    assert seen == [["out.xlsx"]]


def test_a_subcommand_still_goes_to_the_command_line(capsys):
    from ui import launch

    with pytest.raises(SystemExit) as stop:
        launch.main(["--version"])
    assert stop.value.code == 0
    from kcplanner import __version__
    assert capsys.readouterr().out.strip() == f"kcplanner {__version__}"


def test_the_app_smoke_test_opens_the_sample_and_exports_a_scenario(tmp_path):
    """ui/smoke.py from the source (the bundle runs the same code): exit 0 and a workbook that reads
    back as the scenario it made."""
    out = tmp_path / "scenario.xlsx"
    env = dict(_env(), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "ui.smoke", str(out)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("OK")
    from kcplanner.exports import load_any_scenario
    scenario = load_any_scenario(out)
    assert [(r.target.department, r.kind, r.value) for r in scenario.rules] == [("Police", "percent", 2.0)]


def test_smoke_test_refuses_a_bad_argument(capsys):
    from ui.smoke import main

    assert main([]) == 2
    assert main(["out.txt"]) == 2
    assert "usage" in capsys.readouterr().out


def test_the_desktop_entry_opens_kcplan_files():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / "kcplanner.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Exec"].split()[0] == "kcplanner-gui" and "%f" in desktop["Exec"].split()
    assert desktop["Icon"] == "kcplanner" and (PACKAGING / "kcplanner.png").is_file()
    mime = ET.parse(PACKAGING / "kcplanner-mime.xml").getroot()
    types = {t.get("type"): [g.get("pattern") for g in t.iter(f"{MIME}glob")] for t in mime.iter(f"{MIME}mime-type")}
    assert types == {"application/x-kcplanner-project": ["*.kcplan"]}
    assert desktop["MimeType"].rstrip(";").split(";") == list(types)


def test_the_icons_are_the_svg_rendered():
    assert (PACKAGING / "kcplanner.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"  # ICO header
    assert (PACKAGING / "kcplanner.icns").read_bytes()[:4] == b"icns"
    assert (PACKAGING / "kcplanner.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_spec_collects_every_file_kcplanner_ships():
    hooks = pytest.importorskip("PyInstaller.utils.hooks", reason="pyinstaller is the optional `bundle` extra")
    shipped = {str(p.relative_to(ROOT)) for p in (ROOT / "kcplanner").rglob("*")
               if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    collected = {str(Path(dest) / Path(src).name) for src, dest in hooks.collect_data_files("kcplanner")}
    assert shipped <= collected, sorted(shipped - collected)
    assert any(s.startswith(str(Path("kcplanner/resources/sample"))) for s in shipped)


bundle_built = pytest.mark.skipif(not (BUNDLE / f"kcplanner-gui{EXE}").is_file(),
                                  reason="no bundle in build/dist/kcplanner (make bundle builds it)")


@bundle_built
def test_the_bundle_opens_the_sample_and_exports_a_scenario(tmp_path):
    out = tmp_path / "scenario.xlsx"
    done = subprocess.run([str(BUNDLE / f"kcplanner-gui{EXE}"), "--smoke-test", str(out)], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert out.is_file()


@bundle_built
def test_the_bundle_command_line_runs_the_sample(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run([str(BUNDLE / f"kcplanner{EXE}"), "run", "--sample", "--json", str(out)], cwd=tmp_path,
                          env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    import json
    assert json.loads(out.read_text(encoding="utf-8"))["departments"]


def test_a_file_open_event_opens_the_project(qapp, monkeypatch):
    """macOS Finder hands a double-clicked .kcplan to the app as a QFileOpenEvent."""
    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QWidget

    import ui.project.controller as controller
    from ui.app import FileOpenFilter

    opened = []

    class Controller:
        def open_project(self, path):
            opened.append(path)
    monkeypatch.setattr(controller, "install_project_support", lambda window: Controller())
    window = QWidget()
    opener = FileOpenFilter(window)
    assert opener.eventFilter(qapp, QFileOpenEvent("/projects/FY27 budget.kcplan"))
    assert not opener.eventFilter(qapp, QFileOpenEvent("/projects/police.xlsx"))  # not a project: Qt's default
    assert opened == ["/projects/FY27 budget.kcplan"]
    window.deleteLater()


@bundle_built
def test_the_bundle_reads_a_real_city_with_a_shipped_mapping(tmp_path):
    from .realdata import REALDATA, need

    need(REALDATA / "oakland")
    out = tmp_path / "oakland.json"
    budget = next((REALDATA / "oakland").glob("*.xlsx"))
    done = subprocess.run([str(BUNDLE / f"kcplanner{EXE}"), "run", "--budget", str(budget), "--mapping", "oakland",
                           "--json", str(out)], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    import json
    funds = json.loads(out.read_text(encoding="utf-8"))["funds"].values()
    assert sum(f["expenditure"][0] for f in funds) == pytest.approx(1_239_428_331, abs=0.5)  # SOURCE.txt's total

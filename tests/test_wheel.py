"""The installed program is whole (issue 18): the wheel built from this checkout, installed into a
fresh virtual environment and run from an empty folder with no checkout in sight, opens the bundled
sample, loads every shipped mapping, and reads a real city with one.

The wheel is built offline (`pip wheel --no-build-isolation`: the test extra brings a setuptools with
bdist_wheel) from a copy of the sources, so the checkout gets no build/ folder.  The new environment
reuses the installed dependencies through a `.pth` line naming this interpreter's site-packages (a
venv's `--system-site-packages` would reach the base interpreter's, which lacks them); `.pth` files
inside that folder are not run, so an editable install of the checkout stays out of sight.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .realdata import REALDATA, need

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.name for p in (ROOT / "kcplanner" / "resources" / "mappings").glob("*.json"))
SAMPLE_BOOKS = sorted(p.name for p in (ROOT / "kcplanner" / "resources" / "sample").glob("*.xlsx"))


def _run(args, cwd, env, timeout=300) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv folder, an empty working folder, a clean environment, the wheel)."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for pkg in ("kcplanner", "ui"):
        shutil.copytree(ROOT / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir", "-q",
          "-w", base / "dist", src], cwd=base, env=env)
    wheel = next((base / "dist").glob("kcplanner-*.whl"))

    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=base, env=env)
    new_python = _bin(venv, "python")
    purelib = Path(_run([new_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=base, env=env).stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "_kcplanner_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n", encoding="utf-8")
    # pip from this interpreter installs into the new environment (--python: pip 22.3+)
    _run([sys.executable, "-m", "pip", "--python", new_python, "install", "--no-deps", "--no-cache-dir", "-q",
          wheel], cwd=base, env=env)
    work = base / "empty"
    work.mkdir()
    return venv, work, env, wheel


def test_the_wheel_carries_the_resources(installed):
    names = set(zipfile.ZipFile(installed[3]).namelist())
    for book in SAMPLE_BOOKS:
        assert f"kcplanner/resources/sample/{book}" in names
    for mapping in SHIPPED:
        assert f"kcplanner/resources/mappings/{mapping}" in names
    assert "kcplanner/resources/icons/kcplanner.svg" in names
    assert "kcplanner/resources/sample_city/city.json" in names
    assert "kcplanner/publish/vendor/echarts.min.js" in names
    assert "kcplanner/publish/templates/base.html" in names
    assert any(n.startswith("kcplanner/project/postgres/migrations/") and n.endswith(".sql") for n in names)
    assert not any(n.startswith(("tests/", "resources/")) for n in names)  # only the packages


def test_installed_program_opens_the_sample(installed):
    venv, work, env, _ = installed
    out = work / "results.json"
    _run([_bin(venv, "kcplanner"), "run", "--sample", "--json", out], cwd=work, env=env)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["departments"]) == len(SAMPLE_BOOKS) - 1  # every department workbook (not the plan)
    assert data["kpis"], "the sample's plan carries KPIs"
    _run([_bin(venv, "kcplanner"), "export", "--sample", "--out", work / "baseline.xlsx"], cwd=work, env=env)
    assert zipfile.is_zipfile(work / "baseline.xlsx")


def test_installed_package_is_not_the_checkout_and_loads_every_mapping(installed):
    venv, work, env, _ = installed
    code = ("import json, kcplanner, ui.mainwindow as mw\n"
            "from kcplanner import bundled\n"
            "from kcplanner.readers import load_mapping\n"
            "from kcplanner.sample import names\n"
            "maps = {p.name: load_mapping(p).table for p in bundled.shipped_mappings()}\n"
            "print(json.dumps({'pkg': kcplanner.__file__, 'maps': sorted(maps), 'icon': str(mw.ICON),\n"
            "  'icon_ok': mw.ICON.is_file(), 'city': names.CITY, 'sample': str(bundled.sample_dir())}))\n")
    shown = json.loads(_run([_bin(venv, "python"), "-c", code], cwd=work, env=env).stdout)
    assert Path(shown["pkg"]).resolve().is_relative_to(venv.resolve()), shown["pkg"]
    assert not Path(shown["sample"]).resolve().is_relative_to(ROOT.resolve())
    assert shown["maps"] == SHIPPED
    assert shown["icon_ok"] and Path(shown["icon"]).resolve().is_relative_to(venv.resolve())
    assert shown["city"]


def test_installed_program_reads_a_real_city_with_a_shipped_mapping(installed):
    oakland_dir = REALDATA / "oakland"
    need(oakland_dir)
    venv, work, env, _ = installed
    out = work / "oakland.json"
    _run([_bin(venv, "kcplanner"), "run", "--budget", next(oakland_dir.glob("*.xlsx")), "--mapping", "oakland",
          "--json", out], cwd=work, env=env)  # the shipped mapping by its name
    data = json.loads(out.read_text(encoding="utf-8"))
    total_y1 = sum(fund["expenditure"][0] for fund in data["funds"].values())
    assert total_y1 == pytest.approx(1_239_428_331, abs=0.5)  # SOURCE.txt's adopted expense total

"""The desktop bundle (issue 18): its size and how fast its two programs start.

Printed, for the one-folder bundle in build/dist/kcplanner (packaging/kcplanner.spec):

- its size (MB, files) and the build time when this script built it (`--build`);
- the windowed program to its window and to the bundled sample loaded (`kcplanner-gui --smoke-test`,
  which also exports a scenario: its own timings, seconds since the program started, and the whole run);
- the command line: `kcplanner --version` and `kcplanner run --sample --json OUT`;
- beside them the floor: this Python starting (`python -c pass`), importing Qt's widgets
  (`python -c 'import PySide6.QtWidgets'`), and the same two commands run from the source.

Each start is timed `--repeat` times (median wall time, and the median CPU time of the child from
os.times(): the machine is shared, CPU time is the steadier figure).

    python benchmarks/bench_bundle.py                 # the bundle built before (skipped if there is none)
    python benchmarks/bench_bundle.py --build         # build it first (about 1.5 min on 2 cores)
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "build" / "dist" / "kcplanner"


def timed(cmd: list[str], cwd: Path, env: dict) -> tuple[float, float, str]:
    """(wall s, child CPU s, stdout) of one run; exits with the error when the command fails."""
    before = os.times()
    t0 = time.perf_counter()
    env = dict(env, KCPLANNER_SMOKE_T0=repr(time.time()))  # ui/smoke.py times its steps from here
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    after = os.times()
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, done.stdout


def medians(cmd: list[str], cwd: Path, env: dict, repeat: int) -> tuple[float, float, list[str]]:
    runs = [timed(cmd, cwd, env) for _ in range(repeat)]
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), [r[2] for r in runs])


def size(folder: Path) -> tuple[float, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files) / 1e6, len(files)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", action="store_true", help="build the bundle first (PyInstaller)")
    ap.add_argument("--bundle", type=Path, default=BUNDLE)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    exe = ".exe" if os.name == "nt" else ""
    if args.build:
        t0, c0 = time.perf_counter(), os.times()
        subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR", "--distpath",
                        str(args.bundle.parent), "--workpath", str(ROOT / "build" / "pyinstaller"),
                        str(ROOT / "packaging" / "kcplanner.spec")], check=True, cwd=ROOT)
        c1 = os.times()
        print(f"build: {time.perf_counter() - t0:.0f} s wall, "
              f"{c1.children_user - c0.children_user + c1.children_system - c0.children_system:.0f} s CPU")
    gui, cli = args.bundle / f"kcplanner-gui{exe}", args.bundle / f"kcplanner{exe}"
    if not (gui.is_file() and cli.is_file()):
        print(f"no bundle in {args.bundle}: build it with `make bundle` or `python {Path(__file__).name} --build`")
        return 0
    mb, files = size(args.bundle)
    internal = size(args.bundle / "_internal")[0] if (args.bundle / "_internal").is_dir() else 0.0
    print(f"bundle: {mb:.0f} MB in {files} files ({args.bundle}); the programs "
          f"{gui.stat().st_size / 1e6:.1f} + {cli.stat().st_size / 1e6:.1f} MB, _internal {internal:.0f} MB")

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    src_env = dict(env, PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory(prefix="kcplanner-bench-bundle-") as tmp:
        work = Path(tmp)
        rows: list[tuple[str, float, float]] = []
        for label, cmd, e in [
            ("python -c pass (floor)", [sys.executable, "-c", "pass"], env),
            ("python -c 'import PySide6.QtWidgets' (floor)", [sys.executable, "-c", "import PySide6.QtWidgets"], env),
            ("bundle: kcplanner --version", [str(cli), "--version"], env),
            ("source: python -m kcplanner.cli --version", [sys.executable, "-m", "kcplanner.cli", "--version"],
             src_env),
            ("bundle: kcplanner run --sample --json OUT", [str(cli), "run", "--sample", "--json", str(work / "b.json")],
             env),
            ("source: python -m kcplanner.cli run --sample …",
             [sys.executable, "-m", "kcplanner.cli", "run", "--sample", "--json", str(work / "s.json")], src_env),
        ]:
            wall, cpu, _ = medians(cmd, work, e, args.repeat)
            rows.append((label, wall, cpu))
        for label, cmd, e in [("bundle: kcplanner-gui --smoke-test", [str(gui), "--smoke-test"], env),
                              ("source: python -m ui.smoke", [sys.executable, "-m", "ui.smoke"], src_env)]:
            wall, cpu, outs = medians(cmd + [str(work / "smoke.xlsx")], work, e, args.repeat)
            steps = {k: statistics.median(float(re.search(rf"^{k} ([0-9.]+) s", o, re.M).group(1)) for o in outs)
                     for k in ("window", "sample", "export")}
            rows.append((f"{label}: to the window", steps["window"], float("nan")))
            rows.append((f"{label}: to the sample loaded", steps["sample"], float("nan")))
            rows.append((f"{label}: sample, export and exit", wall, cpu))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'start (median of ' + str(args.repeat) + ')':<{width}}  {'wall s':>7}  {'CPU s':>6}")
    for label, wall, cpu in rows:
        print(f"{label:<{width}}  {wall:7.2f}  {'' if cpu != cpu else f'{cpu:6.2f}':>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

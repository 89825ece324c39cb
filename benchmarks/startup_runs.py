"""Part 4 of benchmarks/bench_ui.py: start-up, measured in fresh processes (`--startup`).

Each case runs `--runs` fresh Python processes (after one warm-up run that fills the byte-code cache,
as an installed app has it) and prints the median of:
- wall: from just before the process was started to the moment it saw the data painted (the child
  prints `time.time()` then; the parent's clock was read before `Popen`, so the interpreter's own start
  counts), and
- CPU: the child's `time.process_time()` then (every thread of the process).

Cases: the floor (a bare PySide6 QMainWindow shown, quit after its first paint); the floor plus
reading the bundled sample the way the app does (classify, read_dataset, prepare on a worker
thread); the app opening the sample (no settings, nothing cached: the first start); the app opening
the sample again (its read cache filled by the run before, ui/common/read_cache.py); the app
reopening the last project (the sample saved as a .kcplan).  Each run gets its own settings, data and
cache folders (XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_CACHE_HOME), so nothing of the developer's is
read or written.
Then `python -X importtime` of the sample start: the packages that cost most to import.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "kcplanner" / "resources" / "sample"  # kcplanner.bundled.sample_dir() in the checkout

FLOOR = r'''
import json, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
READ = len(sys.argv) > 1
app = QApplication(["floor"])
w = QMainWindow()
w.setCentralWidget(QLabel("floor"))
w.resize(1400, 900)
state = {"painted": False, "data": not READ}

def report():
    print("STARTUP " + json.dumps({"epoch": time.time(), "cpu": time.process_time()}), flush=True)
    app.exit(0)

class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not state["painted"] and state["data"]:
            state["painted"] = True
            QTimer.singleShot(0, report)
        return False

watch = Watch()
app.installEventFilter(watch)
if READ:  # the sample read as the app reads it, on a worker thread, then one repaint
    import threading
    def read():
        from kcplanner.engine import prepare
        from kcplanner.readers import read_dataset
        from ui.common.workers import classify
        project = classify([sys.argv[1]])
        prepared = prepare(read_dataset(project.plan, list(project.budgets)).dataset)
        prepared.baseline_results()
        state["data"] = True
    threading.Thread(target=read, daemon=True).start()
    poll = QTimer()
    poll.timeout.connect(lambda: state["data"] and w.centralWidget().update())
    poll.start(5)
w.show()
app.exec()
'''


def _env(tmp: Path, run: str) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app has its byte-code cached
    env.update(PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(tmp / "pycache"), QT_QPA_PLATFORM=env.get(
        "QT_QPA_PLATFORM", "offscreen"), KCPLANNER_STARTUP_PROBE="1",
        XDG_CONFIG_HOME=str(tmp / run / "config"), XDG_DATA_HOME=str(tmp / run / "data"),
        XDG_CACHE_HOME=str(tmp / run / "cache"))  # each run starts with nothing cached (ui/common/read_cache.py)
    return env


def _once(cmd: list[str], env: dict) -> dict:
    t0 = time.time()
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("STARTUP ")), None)
    if line is None:
        raise RuntimeError(f"{cmd}: no STARTUP line\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    data = json.loads(line[len("STARTUP "):])
    data["wall"] = data["epoch"] - t0
    return data


def _settings_with_last_project(tmp: Path, run: str, kcplan: Path) -> None:
    """The run's settings name `kcplan` as the last project (QSettings' INI under XDG_CONFIG_HOME)."""
    from PySide6.QtCore import QSettings

    folder = tmp / run / "config" / "kcplanner"
    folder.mkdir(parents=True, exist_ok=True)
    ini = QSettings(str(folder / "kcplanner.ini"), QSettings.Format.IniFormat)
    ini.setValue("projectfile/last", json.dumps(str(kcplan)))  # as ui/project/recent.py keeps it
    ini.sync()


def _make_project(tmp: Path) -> Path:
    from kcplanner.project import Project
    from kcplanner.readers import read_dataset
    from ui.common.workers import classify

    path = tmp / "sample.kcplan"
    project = classify([SAMPLE])
    Project.create(path, read_dataset(project.plan, list(project.budgets)).dataset).close()
    return path


def _case(label: str, cmd: list[str], tmp: Path, runs: int, prepare=None, cache: Path | None = None) -> dict:
    results = []
    for i in range(runs + 1):  # the first fills the byte-code cache (and `cache`) and is not counted
        run = f"{label.split()[0]}-{i}"
        if prepare is not None:
            prepare(run)
        env = _env(tmp, run)
        if cache is not None:
            env["KCPLANNER_CACHE_DIR"] = str(cache)
        r = _once(cmd, env)
        if i:
            results.append(r)
    wall = statistics.median(r["wall"] for r in results)
    cpu = statistics.median(r["cpu"] for r in results)
    lo, hi = min(r["wall"] for r in results), max(r["wall"] for r in results)
    extra = ""
    marks = results[-1].get("marks")
    if marks:
        extra = ("; last run: " + ", ".join(f"{k} {v:.2f}" for k, v in marks.items() if v is not None)
                 + f"; imported: {', '.join(results[-1].get('modules', [])) or 'none of the heavy ones'}")
    print(f"{label:44s} wall median {wall:5.2f} s (min {lo:.2f}, max {hi:.2f}), CPU median {cpu:5.2f} s{extra}")
    return {"wall": wall, "cpu": cpu}


def importtime(tmp: Path, top: int = 12) -> None:
    """`python -X importtime main.py` (sample start): self time summed per top-level package."""
    env = _env(tmp, "importtime")
    out = subprocess.run([sys.executable, "-X", "importtime", "main.py"], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    per: dict[str, int] = {}
    for ln in out.stderr.splitlines():
        if not ln.startswith("import time:") or "|" not in ln or "self [us]" in ln:
            continue
        self_us, _cum, name = (part.strip() for part in ln[len("import time:"):].split("|"))
        per[name.split(".")[0]] = per.get(name.split(".")[0], 0) + int(self_us)
    total = sum(per.values())
    rows = sorted(per.items(), key=lambda kv: -kv[1])[:top]
    print(f"imports until the sample is painted (python -X importtime main.py): {total / 1e6:.2f} s in all; "
          "heaviest packages (self time):")
    print("   " + ", ".join(f"{name} {us / 1e3:.0f} ms" for name, us in rows))


def run_startup(tmp: Path, runs: int) -> int:
    print(f"== start-up in fresh processes ({runs} runs a case, medians; load average "
          f"{os.getloadavg()[0]:.1f})")
    py = sys.executable
    floor = _case("floor: bare QMainWindow painted", [py, "-c", FLOOR], tmp, runs)
    _case("floor + reading the sample (no panels)", [py, "-c", FLOOR, str(SAMPLE)], tmp, runs)
    app = _case("app: the sample painted (first start)", [py, "main.py"], tmp, runs)
    _case("app: the sample again (read cache)", [py, "main.py"], tmp, runs, cache=tmp / "warm-cache")
    kcplan = _make_project(tmp)
    last = _case("app: the last project painted (.kcplan)", [py, "main.py"], tmp, runs,
                 prepare=lambda run: _settings_with_last_project(tmp, run, kcplan))
    print(f"start-up over the floor: sample +{app['wall'] - floor['wall']:.2f} s wall, "
          f"+{app['cpu'] - floor['cpu']:.2f} s CPU; last project +{last['wall'] - floor['wall']:.2f} s wall, "
          f"+{last['cpu'] - floor['cpu']:.2f} s CPU (goal: painted ≤ 2 s from process start)")
    importtime(tmp)
    return 0

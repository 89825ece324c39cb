"""`kcplanner-gui --smoke-test OUT.xlsx` (or `python -m ui.smoke OUT.xlsx`): the desktop app's own
check that an installed copy is whole, for the bundle's CI and for support on an analyst's desktop.

It starts the real main window (settings and the untitled session in a throwaway folder, never the
user's), opens the bundled sample, makes a scenario (Police +2%), exports it through the window's own
export, reads the workbook back as a scenario, and exits 0, or 1 with the reason.  It prints when each
step ended, in seconds since $KCPLANNER_SMOKE_T0 (a time.time() the caller took just before starting
the program: benchmarks/bench_bundle.py) or else since this module started.  With
$KCPLANNER_SMOKE_SCREENSHOT set, the window on the sample is saved there as a PNG.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .common.waiting import wait_until

TIMEOUT_S = 180.0


def _say(text: str) -> None:
    if sys.stdout is not None:  # a windowed program on Windows has no console
        print(text, flush=True)



def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or not argv[0].lower().endswith(".xlsx"):
        _say("usage: kcplanner-gui --smoke-test OUT.xlsx")
        return 2
    out = Path(argv[0]).resolve()
    try:
        start = time.perf_counter() - (time.time() - float(os.environ["KCPLANNER_SMOKE_T0"]))
    except (KeyError, ValueError):
        start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="kcplanner-smoke-"))
    try:
        return _run(out, tmp, start)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(out: Path, tmp: Path, start: float) -> int:
    os.environ["KCPLANNER_DATA_DIR"] = str(tmp / "data")  # the untitled session's autosave: not the user's
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    from kcplanner.scenario import Rule, Target

    from .app import make_app
    from .mainwindow import MainWindow

    app = make_app(["kcplanner"])
    window = MainWindow()
    window.show()
    _say(f"window {time.perf_counter() - start:.2f} s")
    loaded: list[bool] = []
    window.loadFinished.connect(loaded.append)
    window.open_sample()
    if not wait_until(app, lambda: loaded, TIMEOUT_S) or not loaded[0]:
        _say("FAILED: the bundled sample did not load")
        return 1
    session = window.session
    _say(f"sample {time.perf_counter() - start:.2f} s ({len(session.dataset.sources)} workbooks)")
    shot = os.environ.get("KCPLANNER_SMOKE_SCREENSHOT")  # a PNG of the window on the sample, to look at
    if shot:
        wait_until(app, lambda: False, 1.0)  # the charts draw after the load
        window.grab().save(shot)
    session.edit_scenario(session.scenario.add_rule(Rule("Police +2%", Target(department="Police"), "percent", 2.0)),
                          "Police +2%")
    session.flush()
    written: list[list] = []
    window.exportFinished.connect(written.append)
    if window.export_scenario(str(out)) is None:
        _say("FAILED: the export did not start")
        return 1
    if not wait_until(app, lambda: written, TIMEOUT_S) or not written[0] or not out.is_file():
        _say(f"FAILED: the scenario was not exported to {out}")
        return 1
    from kcplanner.exports import load_any_scenario

    rules = [r.label for r in load_any_scenario(out).rules]
    if rules != ["Police +2%"]:
        _say(f"FAILED: {out} reads back with the rules {rules}, not the scenario's")
        return 1
    _say(f"export {time.perf_counter() - start:.2f} s ({out.stat().st_size} bytes, rules {rules})")
    window.hide()
    _say("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

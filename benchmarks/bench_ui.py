"""UI benchmark (prints figures): the live loop, opening the sample, scrolling the line items, start-up.

    python benchmarks/bench_ui.py [--lines 100000] [--kpis 200] [--changes 40] [--skip-open | --open-only]
    python benchmarks/bench_ui.py --startup [--runs 7]      (part 4 only; benchmarks/startup_runs.py)

1. Live loop, 100,000 line items and 200 KPIs (the engine's synthetic city, tests/engine_data.py):
   time from a slider change to the charts holding the new data (slider.setValue → one evaluate →
   every view updated), median over N changes; and the same plus repainting the visible panel.
2. Opening the sample: from `open_paths` to a usable window (read on the worker thread, prepare,
   views filled), for the bundled-size sample (20,000 lines) and for 100,000 lines.
3. The line-items table at 100,000 rows: scrolling from top to bottom, page by page (repaint).
4. Start-up: fresh processes of `python main.py` with KCPLANNER_STARTUP_PROBE=1 (ui/start/probe.py: quit
   after the first paint of the tab on screen with the data, print the times) on the sample and on the
   last project, beside floors (a bare PySide6 QMainWindow; that window plus reading the sample);
   median wall time from process start and CPU time, and `python -X importtime`'s heaviest packages.
Goals: slider → charts ≤ 33 ms; open the sample ≤ 2 s; start-up to the data painted ≤ 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def _wait(app, cond, timeout=600.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if cond():
            return True
        time.sleep(0.002)
    return False


def _open_samples(app, tmp: Path, lines_big: int) -> None:
    """Part 2: write the sample (20,000 lines, and `lines_big`) and time `open_paths` to a usable window."""
    from kcplanner.sample import write_sample
    from ui.mainwindow import MainWindow

    for lines in dict.fromkeys((20_000, lines_big)):
        folder = tmp / f"sample-{lines}"
        t = time.perf_counter()
        write_sample(folder, lines=lines)
        t_write = time.perf_counter() - t
        w = MainWindow()
        w.resize(1600, 1000)
        w.show()
        app.processEvents()
        done = []
        w.loadFinished.connect(done.append)
        t = time.perf_counter()
        w.open_paths([str(folder)])
        _wait(app, lambda: done)
        t_open = time.perf_counter() - t
        assert done == [True]
        print(f"open the sample ({lines:,} lines, {len(list(folder.glob('*.xlsx')))} workbooks; written in "
              f"{t_write:.1f} s) → usable window: {t_open:.2f} s")
        w.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--kpis", type=int, default=200)
    ap.add_argument("--changes", type=int, default=40)
    ap.add_argument("--skip-open", action="store_true", help="skip writing and opening sample workbooks")
    ap.add_argument("--open-only", action="store_true",
                    help="only part 2: write and open the sample (20,000 lines, and --lines when it differs)")
    ap.add_argument("--startup", action="store_true", help="only part 4: start-up in fresh processes")
    ap.add_argument("--runs", type=int, default=7, help="fresh processes per start-up case (median)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kcplanner-bench-ui-"))
    if args.startup:
        from benchmarks.startup_runs import run_startup

        return run_startup(tmp, args.runs)

    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    import numpy as np

    from kcplanner.engine import prepare
    from kcplanner.scenario import Target
    from tests.engine_data import synthetic_dataset
    from ui.app import make_app
    from ui.mainwindow import MainWindow

    app = make_app(["bench"])
    print(f"== kcplanner UI benchmark ({args.lines:,} line items, {args.kpis} KPIs)")
    if args.open_only:
        _open_samples(app, tmp, args.lines)
        return 0

    # -- 1. the live loop --------------------------------------------------------------------------
    t = time.perf_counter()
    dataset = synthetic_dataset(n_lines=args.lines, n_kpis=args.kpis, n_drivers=2 * args.kpis)
    P = prepare(dataset)
    P.baseline_results()
    t_prep = time.perf_counter() - t
    w = MainWindow()
    w.resize(1600, 1000)
    w.show()
    app.processEvents()
    t = time.perf_counter()
    w.session.set_data(P)
    t_views = time.perf_counter() - t
    app.processEvents()
    print(f"synthetic dataset built and prepared        {_ms(t_prep)}")
    print(f"views filled for a new dataset (set_data)   {_ms(t_views)}")

    base = P.baseline_results()
    d = base.kpis.drivers
    j = next(i for i in range(len(d.kpi_ids)) if d.programs[i] is not None)
    target = Target(department=d.departments[j], program=d.programs[j])
    panel = w.allocations
    panel.set_mode("department")
    assert panel.select_target(target), target

    def loop(tab, label: str) -> None:
        w.tabs.setCurrentWidget(tab)
        for _ in range(3):
            app.processEvents()
        panel.slider.sliderPressed.emit()
        data, painted, evals = [], [], []
        for i in range(args.changes):
            v = (i % 40) - 20 or 1
            t0 = time.perf_counter()
            panel.slider.setValue(v)          # the edit (an undo command, merged while the drag lasts)
            w.session.flush()                 # what the 0 ms timer runs: one evaluate, every view updated
            t1 = time.perf_counter()
            tab.repaint()                     # and the visible panel painted
            t2 = time.perf_counter()
            data.append(t1 - t0)
            painted.append(t2 - t0)
            evals.append(w.session.last_eval_ms / 1000)
        panel.slider.sliderReleased.emit()
        k = int(d.kpi_index[j])
        np.testing.assert_allclose(w.kpis.curve_data(k)[1], w.session.results.kpis.scenario[k])
        print(f"[{label}] slider → charts hold new data, median {_ms(statistics.median(data))} "
              f"(p90 {_ms(np.percentile(data, 90))}; engine evaluate median {_ms(statistics.median(evals))})")
        print(f"[{label}] slider → panel repainted,      median {_ms(statistics.median(painted))} "
              f"(p90 {_ms(np.percentile(painted, 90))})")

    loop(w.kpis, "KPI panel visible   ")
    loop(w.allocations, "Allocations visible ")
    loop(w.overview, "Overview visible    ")
    assert w.session.undo_stack.count() == 3, "each drag should be one undo step"

    # coalescing: ten edits in a frame, one evaluate
    n = w.session.evaluations
    for v in range(1, 11):
        panel.set_percent(float(v), merge_key=("bench", 1))
    _wait(app, lambda: not w.session._dirty)
    print(f"ten edits in one frame → evaluations: {w.session.evaluations - n}")

    # -- 3. line items scrolling -----------------------------------------------------------------------
    w.tabs.setCurrentWidget(w.line_items)
    view = w.line_items.view
    for _ in range(3):
        app.processEvents()
    bar = view.verticalScrollBar()
    bar.setValue(0)
    page = max(bar.pageStep(), 1)
    times = []
    t_all = time.perf_counter()
    value = 0
    while value <= bar.maximum():
        t0 = time.perf_counter()
        bar.setValue(value)
        view.viewport().repaint()
        times.append(time.perf_counter() - t0)
        value += page
    t_all = time.perf_counter() - t_all
    print(f"line items: {len(times)} pages of {page} rows top to bottom in {t_all:.2f} s; per page median "
          f"{_ms(statistics.median(times))}, max {_ms(max(times))}")
    t0 = time.perf_counter()
    w.line_items.model.sort(8, __import__('PySide6.QtCore', fromlist=['Qt']).Qt.SortOrder.DescendingOrder)
    t1 = time.perf_counter()
    w.line_items.model.set_filter("Program 01")
    t2 = time.perf_counter()
    print(f"line items: sort by an amount column {_ms(t1 - t0)}; filter by text {_ms(t2 - t1)} "
          f"({w.line_items.model.rowCount():,} rows)")
    w.close()

    # -- 2. opening the sample ---------------------------------------------------------------------------
    if not args.skip_open:
        _open_samples(app, tmp, args.lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())

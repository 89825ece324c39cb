"""UI benchmark (prints figures): the live loop, opening the sample, scrolling the line items, start-up.

    python benchmarks/bench_ui.py [--lines 100000] [--kpis 200] [--changes 40] [--skip-open | --open-only]
                                  [--live-only] [--profile]
    python benchmarks/bench_ui.py --startup [--runs 7]      (part 4 only; benchmarks/startup_runs.py)

1. Live loop, 100,000 line items and 200 KPIs (the engine's synthetic city, tests/engine_data.py):
   time from a slider change to the charts holding the new data (slider.setValue → one evaluate →
   every view updated), and the same plus painting the shown tab; median and p95 over N changes,
   wall and CPU time, beside the floor (the engine's `evaluate` alone). Then a citywide rule (every
   fund row on the slider: every KPI moves) at 100,000 lines with 48 KPIs: the KPI tab showing all
   48 small multiples (a 1920 × 3400 window: every chart on screen), the Overview, the Funds tab.
2. Opening the sample: from `open_paths` to a usable window (read on the worker thread, prepare,
   views filled), for the bundled-size sample (20,000 lines) and for 100,000 lines.
3. The line-items table at 100,000 rows: scrolling from top to bottom, page by page (repaint).
4. Start-up: fresh processes of `python main.py` with KCPLANNER_STARTUP_PROBE=1 (ui/start/probe.py: quit
   after the first paint of the tab on screen with the data, print the times) on the sample and on the
   last project, beside floors (a bare PySide6 QMainWindow; that window plus reading the sample);
   median wall time from process start and CPU time, and `python -X importtime`'s heaviest packages.
Goals: slider → every shown chart painted ≤ 33 ms p95; open the sample ≤ 2 s; start-up to the data painted ≤ 2 s.
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


def _pcts(values: list[float]) -> str:
    import numpy as np

    return (f"median {_ms(statistics.median(values))}, p95 {_ms(float(np.percentile(values, 95)))}")


def live_loop(app, w, tab, label: str, changes: int, check=None) -> dict:
    """Drag the allocation slider over `changes` values with `tab` shown: the time from the edit to
    the views holding the new data (one evaluate, every listener), and to the shown tab painted
    (`app.processEvents()`: what the event loop does next, the scene's queued item updates and the
    window's paint; `QWidget.repaint()` would not reach a QGraphicsView's items), wall and CPU
    (process_time: the machine is shared), beside the floor (the engine's `evaluate` alone)."""
    panel = w.allocations
    w.tabs.setCurrentWidget(tab)
    for _ in range(3):
        app.processEvents()
    panel.slider.sliderPressed.emit()
    data, painted, cpu, evals = [], [], [], []
    for i in range(changes):
        v = (i % 40) - 20 or 1
        c0, t0 = time.process_time(), time.perf_counter()
        panel.slider.setValue(v)          # the edit (an undo command, merged while the drag lasts)
        w.session.flush()                 # what the 0 ms timer runs: one evaluate, every view updated
        t1 = time.perf_counter()
        app.processEvents()               # and the shown tab painted (the scene's updates, the paint)
        t2, c2 = time.perf_counter(), time.process_time()
        data.append(t1 - t0)
        painted.append(t2 - t0)
        cpu.append(c2 - c0)
        evals.append(w.session.last_eval_ms / 1000)
    panel.slider.sliderReleased.emit()
    if check is not None:
        check()
    print(f"[{label}] views hold new data {_pcts(data)}")
    print(f"[{label}] painted (wall)      {_pcts(painted)}   ← goal p95 ≤ 33 ms")
    print(f"[{label}] painted (CPU)       {_pcts(cpu)}")
    print(f"[{label}] floor: evaluate     {_pcts(evals)}")
    return {"painted": painted, "cpu": cpu, "evals": evals}


def citywide_cases(app, args) -> None:
    """A citywide rule (every fund row selected, one slider) moves every KPI: the KPI tab showing all
    48 small multiples on a 1920-wide window tall enough to show every chart, then Overview and Funds;
    `--profile` prints where the KPI tab's time goes."""
    import numpy as np
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    from kcplanner.engine import prepare
    from tests.engine_data import synthetic_dataset
    from ui.mainwindow import MainWindow

    P = prepare(synthetic_dataset(n_lines=args.lines, n_kpis=48, n_drivers=96, seed=1))
    P.baseline_results()
    w = MainWindow()
    w.resize(1920, 3400)
    w.show()
    app.processEvents()
    w.session.set_data(P)
    panel = w.allocations
    panel.set_mode("fund")
    model = panel.model
    last = model.columnCount() - 1
    sel = QItemSelection(model.index(0, 0), model.index(model.rowCount() - 1, last))
    panel.tree.selectionModel().select(sel, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                       | QItemSelectionModel.SelectionFlag.Rows)
    assert len(panel.selected_targets()) == model.rowCount()
    w.tabs.setCurrentWidget(w.kpis)
    for _ in range(5):
        app.processEvents()
    kp = w.kpis
    on_screen = sum(1 for c in kp.cells if c.frame.isVisible()
                    and c.rect.bottom() <= kp.scroll.viewport().height())
    print(f"-- citywide rule ({model.rowCount()} fund rows on one slider), {len(kp.cells)} KPIs, "
          f"{on_screen} charts on screen")

    def check() -> None:
        r = w.session.results.kpis
        for k in range(len(r.ids)):
            np.testing.assert_allclose(kp.curve_data(k)[1], r.scenario[k])

    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        live_loop(app, w, kp, "profiled: KPI tab, 48 charts     ", args.changes, check)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    live_loop(app, w, kp, "citywide · KPI tab, 48 charts    ", args.changes, check)
    w.resize(1920, 1080)  # a real screen for the full-width charts of Overview and Funds
    live_loop(app, w, w.overview, "citywide · Overview 1920×1080    ", args.changes)
    live_loop(app, w, w.funds, "citywide · Funds 1920×1080       ", args.changes)
    w.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--kpis", type=int, default=200)
    ap.add_argument("--changes", type=int, default=40)
    ap.add_argument("--skip-open", action="store_true", help="skip writing and opening sample workbooks")
    ap.add_argument("--profile", action="store_true", help="cProfile the citywide KPI-tab loop")
    ap.add_argument("--live-only", action="store_true", help="only part 1, the live loop")
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
    k = int(d.kpi_index[j])

    def check() -> None:
        np.testing.assert_allclose(w.kpis.curve_data(k)[1], w.session.results.kpis.scenario[k])

    live_loop(app, w, w.kpis, "program rule · KPI tab shown     ", args.changes, check)
    live_loop(app, w, w.allocations, "program rule · Allocations shown ", args.changes, check)
    live_loop(app, w, w.overview, "program rule · Overview shown    ", args.changes, check)
    assert w.session.undo_stack.count() == 3, "each drag should be one undo step"

    # coalescing: ten edits in a frame, one evaluate
    n = w.session.evaluations
    for v in range(1, 11):
        panel.set_percent(float(v), merge_key=("bench", 1))
    _wait(app, lambda: not w.session._dirty)
    print(f"ten edits in one frame → evaluations: {w.session.evaluations - n}")
    citywide_cases(app, args)
    if args.live_only:
        w.close()
        return 0
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

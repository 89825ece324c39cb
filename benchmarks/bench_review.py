"""Benchmark of the quarterly review computation: 100,000 line items, three prior years of monthly
actuals (3.6 M rows) and the year in execution through P06 (0.6 M more), all built in memory.

    .venv/bin/python benchmarks/bench_review.py [--runs 15] [--lines 100000] [--object-names] [--read 100000]

Prints the median of `review(dataset)` with two floors: a bare pandas groupby-sum of the same
actuals over the four group keys, fiscal year and month (what an analyst's pandas would do), and a
bare numpy one: a single np.bincount of the amounts over a row → (group, year, month) cell index
computed beforehand (the one reduction any review must make).
Name columns are pandas categoricals, as `Dataset.unify()` makes every name column of a Dataset;
--object-names gives them as plain strings instead (then factorizing the four string columns of
3.6 M rows dominates both the review and the floor).  Goal: the review ≤ 200 ms.

Then the app's Review panel (ui/review, offscreen Qt; --no-panel skips it): "change the period →
painted" (the period picker set, the tables and burn-up chart filled, the panel repainted), median
over the picker's months, for a period already reviewed (the panel reviews the picker's periods in
the background once shown: the usual case) and for one not yet reviewed with the review on the GUI
thread (the worst case; the panel hands a slow one to the thread pool instead); floor: repainting
the panel with nothing changed.  Goal: ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kcplanner.review import burn_up, review  # noqa: E402
from tests.review_data import generated_city  # noqa: E402


def _times(fn, runs: int, clock=time.perf_counter) -> np.ndarray:
    """Milliseconds per call; `clock=time.thread_time` counts CPU time only (robust on a busy machine)."""
    fn()
    out = np.empty(runs)
    for k in range(runs):
        t = clock()
        fn()
        out[k] = clock() - t
    return out * 1000.0



# -- reading the actuals: kcplanner's readers against a bare calamine read of the same files ----------

READ_CLASSES = ["Personnel Services", "Contractual Services", "Commodities", "Capital Outlay"]


def write_read_inputs(folder: Path, lines: int, departments: int = 10, seed: int = 1) -> tuple[list, list]:
    """Department budget workbooks and one actuals workbook per department: every line's 36 months of
    FY2024-FY2026 (lines × 36 actual rows), written once and reused (they are large)."""
    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    stamp = folder / f"done-{lines}-{departments}-{seed}"
    budgets = [folder / f"budget_{d:02d}.xlsx" for d in range(departments)]
    actuals = [folder / f"actuals_{d:02d}.xlsx" for d in range(departments)]
    if stamp.exists():
        return budgets, actuals
    rng = np.random.default_rng(seed)
    per = lines // departments
    periods = [f"FY{y} P{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)]
    for d in range(departments):
        dept = f"Dept {d:02d}"
        rows = [("General Fund" if k % 3 else "Special Fund", dept, f"Program {d:02d}-{k % 40:02d}",
                 f"{5000 + k} Account", READ_CLASSES[k % 4]) for k in range(per)]
        wb = xlsxwriter.Workbook(str(budgets[d]), {"constant_memory": True})
        ws = wb.add_worksheet("Line Items")
        ws.write_row(0, 0, ["Fund", "Department", "Program", "Account", "Account class", "FY2026 Actual",
                            "FY2027 Adopted"])
        for k, row in enumerate(rows):
            ws.write_row(k + 1, 0, list(row) + [float(rng.integers(1000, 100000)), float(rng.integers(1000, 100000))])
        wb.close()
        wb = xlsxwriter.Workbook(str(actuals[d]), {"constant_memory": True})
        ws = wb.add_worksheet("Actuals")
        ws.write_row(0, 0, ["Fund", "Department", "Program", "Account", "Account class", "Period", "Amount"])
        amounts = rng.integers(100, 10000, size=per * 36).astype(float)
        r = 1
        for k, row in enumerate(rows):
            for j, p in enumerate(periods):
                ws.write_row(r, 0, row + (p, amounts[k * 36 + j]))
                r += 1
        wb.close()
    stamp.touch()
    return budgets, actuals


def bare_read(paths) -> int:
    """The floor: calamine reading every sheet of the files into Python rows, nothing else."""
    import python_calamine

    n = 0
    for p in paths:
        wb = python_calamine.CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            n += len(wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return n


def read_part(lines: int, folder: Path) -> None:
    import gc

    from kcplanner.readers import read_dataset

    t = time.perf_counter()
    budgets, actuals = write_read_inputs(folder, lines)
    print(f"inputs in {folder} ({time.perf_counter() - t:.1f} s to write or find)")
    def timed(fn):
        """(wall, CPU) seconds of one call; CPU time is the fairer figure on a busy machine."""
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        return out, time.perf_counter() - wall, time.process_time() - cpu

    rows, floor, floor_cpu = timed(lambda: bare_read(actuals))
    only, t_budgets, c_budgets = timed(lambda: read_dataset(None, budgets))
    assert only.dataset is not None, only.report.to_text()[:2000]
    del only
    both, t_both, c_both = timed(lambda: read_dataset(None, budgets, actuals=actuals))
    assert both.dataset is not None, both.report.to_text()[:2000]
    n = len(both.dataset.budget.actuals)
    part, part_cpu = t_both - t_budgets, c_both - c_budgets
    print(f"read {n:,} actual rows ({rows:,} sheet rows): {part:.2f} s wall, {part_cpu:.2f} s CPU (with budgets "
          f"{t_both:.2f} s, budgets alone {t_budgets:.2f} s)\n"
          f"floor, a bare calamine read of the actuals files: {floor:.2f} s wall, {floor_cpu:.2f} s CPU\n"
          f"ratio {part / floor:.2f} wall, {part_cpu / floor_cpu:.2f} CPU (goal ≤ 1.3)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--object-names", action="store_true")
    ap.add_argument("--no-panel", action="store_true", help="skip the Review panel's timing")
    ap.add_argument("--read", type=int, default=0, metavar="LINES",
                    help="also time reading LINES line items' 36 months of actuals from workbooks (100000: "
                         "3.6 M rows; the files are written once into --read-dir and reused)")
    ap.add_argument("--read-dir", type=Path, default=Path("/tmp/kcplanner-bench-review"))
    args = ap.parse_args()
    if args.read:
        read_part(args.read, args.read_dir / str(args.read))
    t = time.perf_counter()
    ds = generated_city(n_lines=args.lines, seed=11, n_departments=40, n_programs=400, n_funds=12, n_sources=150,
                        categorical=not args.object_names)
    acts = ds.budget.actuals
    print(f"built {args.lines:,} line items, {len(acts):,} actual rows "
          f"({'object' if args.object_names else 'categorical'} names) in {time.perf_counter() - t:.1f} s")
    r = review(ds)
    print(f"review FY{r.fiscal_year} through {r.through_label}: {len(r.spending):,} spending groups, "
          f"{len(r.revenue)} revenue groups, {len(r.departments)} departments")
    keys = ["fund", "department", "program", "account_class", "fiscal_year", "last_month"]
    floor = _times(lambda: acts.groupby(keys, sort=False, observed=True)["amount"].sum(), args.runs)
    full = _times(lambda: review(ds), args.runs)
    dept = str(r.departments.index[0])
    burn = _times(lambda: burn_up(r, department=dept), args.runs)
    cpu = _times(lambda: review(ds), args.runs, time.thread_time)
    cpu_floor = _times(lambda: acts.groupby(keys, sort=False, observed=True)["amount"].sum(), args.runs,
                       time.thread_time)
    print(f"review computation  median {np.median(full):8.1f} ms wall, {np.median(cpu):6.1f} ms CPU   "
          f"(min {full.min():.1f} wall)   goal <= 200 ms")
    print(f"floor: groupby-sum  median {np.median(floor):8.1f} ms wall, {np.median(cpu_floor):6.1f} ms CPU   "
          f"review / floor = {np.median(full) / np.median(floor):.2f}")
    codes = [acts[c].cat.codes.to_numpy() if hasattr(acts[c], "cat") else acts[c].factorize()[0]
             for c in keys[:4]]
    cell = pd.MultiIndex.from_arrays(codes + [acts["fiscal_year"].to_numpy(), acts["last_month"].to_numpy()]).codes
    flat = np.ravel_multi_index(cell, [int(c.max()) + 1 for c in cell])
    _, cell_index = np.unique(flat, return_inverse=True)
    amount = acts["amount"].to_numpy()
    bare = _times(lambda: np.bincount(cell_index, weights=amount), args.runs, time.thread_time)
    print(f"floor: one bincount median {np.median(bare):8.1f} ms CPU   review / bincount = "
          f"{np.median(cpu) / np.median(bare):.1f}")
    print(f"burn_up(one dept)   median {np.median(burn):8.1f} ms")
    if not args.no_panel:
        bench_panel(ds, args.runs)


def bench_panel(ds, runs: int) -> None:
    """The Review panel: change the period → painted (see the module docstring)."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kcplanner.engine import prepare
    from ui.app import make_app
    from ui.review import view as review_view
    from ui.session import Session

    app = make_app(["bench"])
    session = Session()
    session.set_data(prepare(ds))
    panel = review_view.ReviewPanel(session)
    panel.resize(1400, 850)
    t = time.perf_counter()
    panel.show()
    while panel.current is None:  # > 1 M actual rows: the first review runs on the thread pool
        app.processEvents()
        time.sleep(0.001)
    first = (time.perf_counter() - t) * 1000
    while panel.prefetch is not None:  # then the picker's other periods, in the background
        app.processEvents()
        time.sleep(0.005)
    months = [tuple(panel.period.itemData(i)) for i in range(panel.period.count())]
    print(f"Review panel: {len(months)} periods in the picker; shown → first review painted {first:.0f} ms "
          f"(on the thread pool), the others reviewed in the background {time.perf_counter() - t - first / 1000:.1f} s")
    assert all(key in panel._cache for key in months)
    cycle = iter(months * (runs + 2))

    def change(clear: bool = False) -> None:
        key = next(cycle)
        if key == tuple(panel.period.currentData()):
            key = next(cycle)
        if clear:
            panel._cache.pop(key, None)
        panel.set_period(*key)
        panel.repaint()  # painted now, not at the next event loop turn
        app.processEvents()

    hit = _times(change, runs)
    review_view.FAST_MS = float("inf")  # force the review onto the GUI thread
    cold = _times(lambda: change(clear=True), runs)
    floor = _times(lambda: (panel.repaint(), app.processEvents()), runs)
    print(f"period → painted, reviewed  median {np.median(hit):8.1f} ms   (min {hit.min():.1f})   goal <= 100 ms")
    print(f"period → painted, cold      median {np.median(cold):8.1f} ms   (the review on the GUI thread)")
    print(f"floor: repaint only         median {np.median(floor):8.1f} ms   "
          f"reviewed / floor = {np.median(hit) / np.median(floor):.2f}")
    panel.close()


if __name__ == "__main__":
    main()

"""Table copy benchmark (prints figures): Ctrl+A, Ctrl+C of every line item, and the column fit.

    python benchmarks/bench_table_copy.py [--lines 100000]

1. The line items (the sample generator, `--lines`), all selected: the TSV of every row × 17 columns
   (headers, raw numbers), wall and CPU time, median of 3; the text's size.
2. A page of rows (37) copied: what an ordinary Ctrl+C costs.
3. `fit_columns` on the whole table (a 200-row sample).
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


def _timed(fn, n: int = 3) -> tuple[float, float, object]:
    walls, cpus, out = [], [], None
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    args = ap.parse_args()
    from PySide6.QtCore import QItemSelectionModel

    from kcplanner.engine import prepare
    from kcplanner.readers import read_dataset
    from kcplanner.sample import write_sample
    from ui.app import make_app
    from ui.common import table_copy
    from ui.common.table_size import fit_columns
    from ui.common.workers import classify
    from ui.lineitems.view import LineItemsPanel
    from ui.session import Session

    app = make_app(["bench"])
    folder = Path(tempfile.mkdtemp(prefix="bench-copy-"))
    write_sample(folder, lines=args.lines)
    project = classify([folder])
    P = prepare(read_dataset(project.plan, list(project.budgets)).dataset)
    session = Session()
    panel = LineItemsPanel(session)
    panel.resize(1200, 700)
    panel.show()
    session.set_data(P)
    session.flush()
    app.processEvents()
    view = panel.view
    view.selectAll()
    wall, cpu, text = _timed(lambda: table_copy.block(view).tsv())
    print(f"{P.n_lines:,} line items, all selected, Ctrl+C: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU "
          f"({len(text) / 1e6:.1f} MB of text)")
    sel = view.selectionModel()
    sel.clearSelection()
    for r in range(37):
        sel.select(view.model().index(r, 0), QItemSelectionModel.SelectionFlag.Select
                   | QItemSelectionModel.SelectionFlag.Rows)
    wall, cpu, _ = _timed(lambda: table_copy.block(view).tsv(), 5)
    print(f"one page (37 rows) Ctrl+C: {wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU")
    wall, cpu, _ = _timed(lambda: fit_columns(view))
    print(f"fit_columns ({view.model().columnCount()} columns, 200-row sample): {wall * 1000:.0f} ms wall, "
          f"{cpu * 1000:.0f} ms CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

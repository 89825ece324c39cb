"""Benchmark of the quarterly review computation: 100,000 line items, three prior years of monthly
actuals (3.6 M rows) and the year in execution through P06 (0.6 M more), all built in memory.

    .venv/bin/python benchmarks/bench_review.py [--runs 15] [--lines 100000] [--object-names]

Prints the median of `review(dataset)` with two floors: a bare pandas groupby-sum of the same
actuals over the four group keys, fiscal year and month (what an analyst's pandas would do), and a
bare numpy one: a single np.bincount of the amounts over a row → (group, year, month) cell index
computed beforehand (the one reduction any review must make).
Name columns are pandas categoricals, as `Dataset.unify()` makes every name column of a Dataset;
--object-names gives them as plain strings instead (then factorizing the four string columns of
3.6 M rows dominates both the review and the floor).  Goal: the review ≤ 200 ms.
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--object-names", action="store_true")
    args = ap.parse_args()
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


if __name__ == "__main__":
    main()

"""Benchmark of the quarterly review computation: 100,000 line items, three prior years of monthly
actuals (3.6 M rows) and the year in execution through P06 (0.6 M more), all built in memory.

    .venv/bin/python benchmarks/bench_review.py [--runs 15] [--lines 100000] [--object-names]

Prints the median of `review(dataset)` with its floor: a bare pandas groupby-sum of the same
actuals over the four group keys, fiscal year and month (what any review must at least do).
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
    print(f"burn_up(one dept)   median {np.median(burn):8.1f} ms")


if __name__ == "__main__":
    main()

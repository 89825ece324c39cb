"""Benchmark of the scenario engine: prepare and evaluate at 100k and 1M line items.

    .venv/bin/python benchmarks/bench_engine.py [--runs 50] [--skip-1m]

Synthetic city: ~20 departments, ~150 programs, 10 funds, 200 KPIs, 400 drivers, a 50-rule
scenario of mixed kinds and targets and 15 funded requests.  Also times a bare numpy floor (one
np.bincount per plan year over the same line arrays) and prints evaluate / floor, and the same
scenario with every driver overridden ("Use the estimate" for all 400: `ovr med ms`, and the first
evaluation of a new set of overrides, which computes their elasticities: `ovr cold ms`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kcplanner.driver_overrides import DriverOverride  # noqa: E402
from kcplanner.engine import evaluate, prepare  # noqa: E402
from tests.engine_data import synthetic_dataset, synthetic_scenario  # noqa: E402


def _times(fn, runs: int, clock=time.perf_counter) -> np.ndarray:
    """Milliseconds per call; `clock=time.thread_time` counts CPU time only (robust on a busy machine)."""
    fn()  # warm-up (fills the target cache, as in the app after the first edit)
    out = np.empty(runs)
    for k in range(runs):
        t = clock()
        fn()
        out[k] = clock() - t
    return out * 1000.0


def bench(n_lines: int, runs: int) -> dict:
    t = time.perf_counter()
    ds = synthetic_dataset(n_lines=n_lines, n_departments=20, n_programs=150, n_funds=10, n_kpis=200,
                           n_drivers=400, n_requests=60, seed=7)
    build = time.perf_counter() - t
    t = time.perf_counter()
    prepared = prepare(ds)
    prep = time.perf_counter() - t
    scenario = synthetic_scenario(ds, n_rules=50, seed=11, n_funded=15)
    res = evaluate(prepared, scenario)
    assert not res.invalid_rules, res.invalid_rules
    ev = _times(lambda: evaluate(prepared, scenario), runs)
    ev_cpu = _times(lambda: evaluate(prepared, scenario), runs, time.thread_time)
    # bare numpy floor: one bincount per year over the same line arrays
    codes = prepared.line_group
    amounts = prepared.E0
    ng = prepared.n_groups

    def floor():
        for t in range(5):
            np.bincount(codes, weights=amounts[:, t], minlength=ng)

    names = prepared.names
    overrides = [DriverOverride(k, d, p, 0.1 + 0.001 * i, 0.05, 0.2, n=9, first_year=2016, last_year=2025)
                 for i, (k, d, p) in enumerate(zip(names["driver_kpis"], names["driver_departments"],
                                                   names["driver_programs"]))]
    overridden = scenario.override_drivers(overrides)
    ovr = _times(lambda: evaluate(prepared, overridden), runs)
    cold = []
    for k in range(min(runs, 15)):  # a new set of overrides each time: the cache misses
        s = overridden.override_drivers([DriverOverride(*overrides[0].key[:2], overrides[0].program, 0.2 + k, 0, 1 + k)])
        t = time.perf_counter()
        evaluate(prepared, s)
        cold.append((time.perf_counter() - t) * 1000.0)
    fl = _times(floor, runs)
    fl_cpu = _times(floor, runs, time.thread_time)
    t = time.perf_counter()
    res.line_amounts()
    lines = time.perf_counter() - t
    return {"n": n_lines, "groups": ng, "build_s": build, "prepare_s": prep, "eval_med": np.median(ev),
            "eval_min": ev.min(), "floor_min": fl.min(), "eval_cpu": np.median(ev_cpu), "floor_cpu": np.median(fl_cpu),
            "eval_p95": np.percentile(ev, 95), "floor_med": np.median(fl), "floor_p95": np.percentile(fl, 95),
            "line_amounts_ms": lines * 1000, "findings": len(res.findings), "ovr_med": np.median(ovr),
            "ovr_cold": np.median(cold)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--skip-1m", action="store_true")
    args = ap.parse_args()
    sizes = [100_000] if args.skip_1m else [100_000, 1_000_000]
    print(f"{'lines':>10} {'groups':>7} {'prepare s':>10} {'eval min ms':>12} {'eval med ms':>12} {'eval p95 ms':>12} "
          f"{'floor min ms':>13} {'floor med ms':>13} {'floor p95 ms':>13} {'ratio med':>10} "
          f"{'eval cpu ms':>12} {'floor cpu ms':>13} {'ratio cpu':>10} {'lines ms':>9} {'ovr med ms':>11} {'ovr cold ms':>12}")
    for n in sizes:
        r = bench(n, args.runs)
        print(f"{r['n']:>10,} {r['groups']:>7,} {r['prepare_s']:>10.3f} {r['eval_min']:>12.2f} {r['eval_med']:>12.2f} "
              f"{r['eval_p95']:>12.2f} {r['floor_min']:>13.2f} {r['floor_med']:>13.2f} {r['floor_p95']:>13.2f} "
              f"{r['eval_med'] / r['floor_med']:>10.2f} {r['eval_cpu']:>12.2f} {r['floor_cpu']:>13.2f} "
              f"{r['eval_cpu'] / r['floor_cpu']:>10.2f} "
              f"{r['line_amounts_ms']:>9.1f} {r['ovr_med']:>11.2f} {r['ovr_cold']:>12.2f}")
    print(f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; evaluate: {args.runs} runs after one warm-up; 50 rules, 200 KPIs, 400 drivers, 15 funded requests; "
          "'cpu' = median thread CPU time per call; 'lines ms' = materialising line-level amounts once)")


if __name__ == "__main__":
    main()

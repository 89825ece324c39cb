"""Project file benchmark (issue 8): save and open a project against importing the same workbooks.

Writes the sample city (`write_sample`, 100,000 line items by default), imports it with
`read_dataset` (timed: the import the project file saves the analyst from), then measures:

- save: `Project.create` with 20 scenarios (the whole dataset, column blobs, one transaction);
- open: `Project.open` + `project.dataset` (every table decoded) + `project.scenarios`
  (goal ≤ 1 s), best and median of several opens; and the ratio open / import;
- one autosaved edit: `record_edit` (scenario state + audit row in one transaction), median and
  p95 over ≥ 200 edits (goal ≤ 5 ms), with the default durability (WAL, synchronous=NORMAL) and
  with "full" (fsync on every commit) for comparison; `sync()` (the one-second checkpoint) and `save()`;
- Save As (backup API + atomic rename) and the file size.

    python benchmarks/bench_project.py                 # 100,000 line items, 20 scenarios
    python benchmarks/bench_project.py --lines 20000 --edits 500
    python benchmarks/bench_project.py --keep /tmp/kcbench-project   # reuse the workbooks next time
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


def scenarios_for(dataset, count: int):
    from kcplanner.scenario import Rule, Scenario, Target

    li = dataset.budget.line_items
    depts = list(li["department"].cat.categories)
    programs = li[["department", "program"]].drop_duplicates().astype(str).values.tolist()
    requests = list(dataset.budget.requests["request_id"].astype(str))
    y1 = dataset.first_plan_year
    out = []
    for i in range(count):
        d = depts[i % len(depts)]
        pd_, pp = programs[(7 * i) % len(programs)]
        rules = tuple(Rule(f"{d} rule {k}", Target(department=d), "percent", float(k + i)) for k in range(5)) + (
            Rule(f"{pp} $", Target(department=pd_, program=pp), "amount", 25000.0 * (i + 1), y1 + 1, y1 + 3),)
        out.append(Scenario(f"Scenario {i:02d}", rules, tuple(requests[: i % 8])))
    return out


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def time_edits(project, n: int) -> list[float]:
    s = project.scenario("Scenario 00")
    times, cpu = [], []
    for k in range(n):
        new = s.replace_rule(0, s.rules[0].with_value(k + 0.5))
        t, c = time.perf_counter(), time.process_time()
        project.record_edit(s.name, None, s, new)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        s = new
    return times, cpu


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--scenarios", type=int, default=20)
    ap.add_argument("--edits", type=int, default=300)
    ap.add_argument("--opens", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="folder for the workbooks and the project (reused when present)")
    args = ap.parse_args(argv)

    from kcplanner.project import Project
    from kcplanner.readers import read_dataset
    from kcplanner.sample import write_sample

    work = args.keep or Path(tempfile.mkdtemp(prefix="kcbench-project-"))
    books = work / f"sample-{args.lines}"
    if not (books / "plan.xlsx").exists():
        t = time.perf_counter()
        write_sample(books, lines=args.lines, seed=1)
        print(f"wrote the sample workbooks ({args.lines:,} line items) in {time.perf_counter() - t:.1f} s")
    plan = books / "plan.xlsx"
    budgets = sorted(p for p in books.glob("*.xlsx") if p.name != "plan.xlsx")

    t = time.perf_counter()
    result = read_dataset(plan, budgets)
    import_s = time.perf_counter() - t
    if result.dataset is None:
        print(result.report.to_text())
        return 1
    dataset = result.dataset
    n_lines = len(dataset.budget.line_items)
    scenarios = scenarios_for(dataset, args.scenarios)

    path = work / "bench.kcplan"
    for leftover in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        leftover.unlink(missing_ok=True)
    t = time.perf_counter()
    project = Project.create(path, dataset, {"plan": plan, "budgets": budgets}, scenarios=scenarios)
    save_s = time.perf_counter() - t
    project.close()
    size = path.stat().st_size

    opens, opens_lazy = [], []
    for _ in range(args.opens):
        t = time.perf_counter()
        p = Project.open(path)
        _ = p.scenarios
        opens_lazy.append(time.perf_counter() - t)
        _ = p.dataset
        opens.append(time.perf_counter() - t)
        p.close()

    results = {}
    for durability in ("normal", "full"):
        with Project.open(path, durability=durability) as p:
            times, cpu = time_edits(p, args.edits)
            t = time.perf_counter()
            p.sync()
            sync_s = time.perf_counter() - t
            t = time.perf_counter()
            p.save()
            save_point_s = time.perf_counter() - t
        results[durability] = (times, cpu, sync_s, save_point_s)

    with Project.open(path) as p:
        _ = p.dataset
        t = time.perf_counter()
        p.save_as(work / "bench-copy.kcplan")
        save_as_s = time.perf_counter() - t
        t = time.perf_counter()
        problems = p.check()
        check_s = time.perf_counter() - t
    (work / "bench-copy.kcplan").unlink(missing_ok=True)

    best, median_open = min(opens), statistics.median(opens)
    print(f"\nproject of {n_lines:,} line items, {len(dataset.budget.requests)} requests, {args.scenarios} scenarios")
    print(f"  import of the workbooks (read_dataset) {import_s:8.3f} s")
    print(f"  save   (Project.create, whole dataset) {save_s:8.3f} s")
    print(f"  open + dataset + scenarios   best {best:8.3f} s   median {median_open:.3f} s   (goal <= 1 s: "
          f"{'ok' if median_open <= 1 else 'MISSED'})")
    print(f"  open, scenarios only (lazy dataset)    {min(opens_lazy):8.3f} s")
    print(f"  ratio open / import                    {median_open / import_s:8.3f}   "
          f"(open is {import_s / median_open:.0f}x faster than re-reading the workbooks)")
    for durability, (times, cpu, sync_s, save_point_s) in results.items():
        ms = [1000 * x for x in times]
        cpu_ms = [1000 * x for x in cpu]
        print(f"  autosaved edit, durability={durability:6s}  median {statistics.median(ms):6.2f} ms   "
              f"p95 {percentile(ms, 95):6.2f} ms   max {max(ms):6.2f} ms  over {len(ms)} edits"
              + ("   (goal <= 5 ms: " + ("ok" if percentile(ms, 95) <= 5 else "MISSED") + ")"
                 if durability == "normal" else ""))
        print(f"      CPU time of an edit: median {statistics.median(cpu_ms):.2f} ms, p95 {percentile(cpu_ms, 95):.2f} ms;"
              f"   sync() {1000 * sync_s:6.2f} ms   save() {1000 * save_point_s:6.2f} ms")
    print(f"  Save As (backup API + rename)          {save_as_s:8.3f} s")
    print(f"  full check (integrity_check + decode)  {check_s:8.3f} s   {'healthy' if not problems else problems}")
    if hasattr(os, "getloadavg"):
        print(f"  (machine load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; wall-clock "
              "percentiles include waiting for a CPU)")
    print(f"  file size                              {size / 1e6:8.1f} MB ({size / n_lines:.0f} bytes a line item)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

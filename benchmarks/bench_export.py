"""Export benchmark (issue 5): the scenario workbook of a 100,000-line-item city against a bare write.

Each measurement runs in a fresh subprocess (so peak memory is per run) that builds the same
synthetic city (tests/engine_data.py) and evaluates the same scenario, then either

- `export`: kcplanner.exports.export_scenario (every sheet, formulas, charts, the Line Items rows);
- `bare`:   a bare xlsxwriter constant_memory workbook with only the Line Items cells (same rows and
            columns, the same values, no formats, no other sheets), from ready-made Python lists.

Reported: wall and CPU time of each (CPU time is steadier on a busy machine), their ratios (goal ≤ 1.3), peak RSS of each process and how much the write
itself added to it (ru_maxrss after − before the write).

    python benchmarks/bench_export.py                  # 100,000 lines
    python benchmarks/bench_export.py --lines 20000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
what, lines, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
from tests.engine_data import synthetic_dataset, synthetic_scenario
from kcplanner.engine import evaluate, prepare
ds = synthetic_dataset(lines, seed=3)
P = prepare(ds)
R = evaluate(P, synthetic_scenario(ds, n_rules=40, seed=4, n_funded=15))
R.line_amounts()
P.baseline_results()
def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
if what == "export":
    from kcplanner.exports import export_scenario
    before = rss()
    t0, c0 = time.perf_counter(), time.process_time()
    info = export_scenario(P, R, out, sources=[])
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    rows, cols = info.line_rows, 26
else:
    import xlsxwriter
    from kcplanner.exports.line_items_sheet import line_arrays
    lines_ = line_arrays(P, R)
    keys = list(zip(*lines_["keys"]))
    nums = lines_["nums"].tolist()
    before = rss()
    t0, c0 = time.perf_counter(), time.process_time()
    wb = xlsxwriter.Workbook(str(out), {{"constant_memory": True}})
    ws = wb.add_worksheet("Line Items")
    ws.write_row(0, 0, ["h%d" % j for j in range(26)])
    for r, (k, n) in enumerate(zip(keys, nums), start=1):
        ws.write_row(r, 0, k)
        ws.write_row(r, 11, n)
    wb.close()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    rows, cols = len(keys), 26
print(json.dumps({{"seconds": seconds, "cpu": cpu, "peak_mb": rss(), "before_mb": before, "rows": rows, "cols": cols,
                  "bytes": out.stat().st_size}}))
"""


def run(what: str, lines: int, folder: Path) -> dict:
    out = folder / f"{what}.xlsx"
    code = CHILD.format(root=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code, what, str(lines), str(out)], capture_output=True, text=True,
                          cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each (the best time counts)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_export.") as tmp:
        folder = Path(tmp)
        best: dict[str, dict] = {}
        for _ in range(args.repeat):
            for what in ("bare", "export"):
                r = run(what, args.lines, folder)
                if what not in best:
                    best[what] = r
                else:  # best wall time and best CPU time over the runs
                    best[what]["seconds"] = min(best[what]["seconds"], r["seconds"])
                    best[what]["cpu"] = min(best[what]["cpu"], r["cpu"])
                    best[what]["peak_mb"] = max(best[what]["peak_mb"], r["peak_mb"])
    e, b = best["export"], best["bare"]
    ratio = e["seconds"] / b["seconds"]
    cpu_ratio = e["cpu"] / b["cpu"]
    print(f"Scenario workbook export, {args.lines:,} line items ({e['rows']:,} Line Items rows × {e['cols']} columns)")
    print(f"  kcplanner export_scenario : {e['seconds']:7.2f} s (CPU {e['cpu']:6.2f} s)   peak RSS {e['peak_mb']:7.1f} MB "
          f"(+{max(0.0, e['peak_mb'] - e['before_mb']):.1f} MB during the write)   {e['bytes'] / 1e6:.1f} MB file")
    print(f"  bare xlsxwriter write     : {b['seconds']:7.2f} s (CPU {b['cpu']:6.2f} s)   peak RSS {b['peak_mb']:7.1f} MB "
          f"(+{max(0.0, b['peak_mb'] - b['before_mb']):.1f} MB during the write)   {b['bytes'] / 1e6:.1f} MB file")
    print(f"  ratio export / bare       : {ratio:7.2f} wall, {cpu_ratio:.2f} CPU   (goal ≤ 1.3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

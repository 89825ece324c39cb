"""Export benchmark (issues 5 and 17): the scenario workbook of a 100,000-line-item city, three ways.

Each measurement runs in a fresh subprocess (so peak memory is per run) that builds the same
synthetic city (tests/engine_data.py) and evaluates the same scenario, then writes one of

- `numpy`:      kcplanner.exports.export_scenario (the default writer: xlsxwriter for every sheet but
                the Line Items rows, which numpy builds as sheet XML straight into the zip);
- `xlsxwriter`: export_scenario(..., writer="xlsxwriter"), the previous writer (every cell through
                xlsxwriter; the same workbook, cell for cell);
- `bare`:       a bare xlsxwriter constant_memory workbook with only the Line Items cells (same rows,
                columns and values, no formats, no other sheets) from ready-made Python lists: the
                floor of any xlsxwriter-based writer.

Reported: wall and CPU time of each (CPU time is steadier on a busy machine), the ratios (goal: the
numpy writer ≥ 3× faster than the xlsxwriter one), the file size, and memory: the peak RSS of the
process during the export (Linux: the high-water mark is reset just before the export, so
getrusage's ru_maxrss after it is the export's peak, the city's arrays included; elsewhere the
process's peak), beside the RSS just before it.  Then the numpy writer once more at 1,000,000 lines for its memory (goal ≤ 400 MB).

    python benchmarks/bench_export.py                          # 100,000 lines, then 1,000,000 (numpy)
    python benchmarks/bench_export.py --lines 20000 --repeat 3 --big 0
    python benchmarks/bench_export.py --big 1000000 --big-writers numpy xlsxwriter   # the old one at 1M too (minutes)
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

def status(key):
    try:
        for line in open("/proc/self/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None

def reset_peak():  # Linux: VmHWM back to the current RSS, so the peak after is the export's own
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False

if what == "bare":
    import xlsxwriter
    from kcplanner.exports.line_items_sheet import line_arrays
    lines_ = line_arrays(P, R)
    keys = list(zip(*lines_["keys"]))
    nums = lines_["nums"].tolist()
setup_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # building the city and the engine
before = status("VmRSS")
exact = reset_peak()
t0, c0 = time.perf_counter(), time.process_time()
if what == "bare":
    wb = xlsxwriter.Workbook(str(out), {{"constant_memory": True}})
    ws = wb.add_worksheet("Line Items")
    ws.write_row(0, 0, ["h%d" % j for j in range(26)])
    for r, (k, n) in enumerate(zip(keys, nums), start=1):
        ws.write_row(r, 0, k)
        ws.write_row(r, 11, n)
    wb.close()
    rows = len(keys)
else:
    from kcplanner.exports import export_scenario
    rows = export_scenario(P, R, out, sources=[], writer=what).line_rows
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # since the reset, when there was one
print(json.dumps({{"seconds": seconds, "cpu": cpu, "setup_peak_mb": setup_peak, "before_mb": before,
                  "export_peak_mb": peak if exact else None, "process_peak_mb": max(peak, setup_peak),
                  "rows": rows, "bytes": out.stat().st_size}}))
"""

LABELS = {"numpy": "export_scenario (numpy rows)", "xlsxwriter": "export_scenario (xlsxwriter)",
          "bare": "bare xlsxwriter, same cells"}


def run(what: str, lines: int, folder: Path) -> dict:
    out = folder / f"{what}.xlsx"
    done = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), what, str(lines), str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stderr}")
    out.unlink(missing_ok=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def best_of(whats: list[str], lines: int, repeat: int) -> dict[str, dict]:
    best: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench_export.") as tmp:
        for _ in range(repeat):
            for what in whats:
                r = run(what, lines, Path(tmp))
                if what not in best:
                    best[what] = r
                else:  # best wall and best CPU time over the runs, the highest memory
                    b = best[what]
                    b["seconds"], b["cpu"] = min(b["seconds"], r["seconds"]), min(b["cpu"], r["cpu"])
                    for k in ("process_peak_mb", "export_peak_mb", "setup_peak_mb"):
                        if r[k] is not None:
                            b[k] = max(b[k] or 0.0, r[k])
    return best


def show(best: dict[str, dict], lines: int) -> None:
    rows = next(iter(best.values()))["rows"]
    print(f"Scenario workbook, {lines:,} line items ({rows:,} Line Items rows × 26 columns)")
    for what, r in best.items():
        during = f"process {r['process_peak_mb']:6.1f}" if r["export_peak_mb"] is None else \
            f"during the export {r['export_peak_mb']:6.1f} (RSS before it {r['before_mb']:.1f})"
        print(f"  {LABELS[what]:30s}: {r['seconds']:7.2f} s wall (CPU {r['cpu']:6.2f} s)   "
              f"{r['bytes'] / 1e6:5.1f} MB file   peak RSS MB {during}")
    n, x, b = best.get("numpy"), best.get("xlsxwriter"), best.get("bare")

    def ratio(p, q):
        return f"{p['seconds'] / q['seconds']:5.2f}× wall, {p['cpu'] / q['cpu']:5.2f}× CPU"
    if n and x:
        print(f"  speed-up numpy vs xlsxwriter writer  : {ratio(x, n)}   (goal ≥ 3×)")
    if n and b:
        print(f"  speed-up numpy vs the bare floor     : {ratio(b, n)}")
    if x and b:
        print(f"  xlsxwriter writer / bare floor       : {ratio(x, b)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each (the best time counts)")
    parser.add_argument("--big", type=int, default=1_000_000, help="lines of the memory run (0: none)")
    parser.add_argument("--big-writers", nargs="+", default=["numpy"], choices=list(LABELS))
    args = parser.parse_args(argv)
    show(best_of(["bare", "xlsxwriter", "numpy"], args.lines, args.repeat), args.lines)
    if args.big:
        print()
        big = best_of(args.big_writers, args.big, 1)
        show(big, args.big)
        if "numpy" in big:
            r = big["numpy"]
            peak = r["export_peak_mb"] if r["export_peak_mb"] is not None else r["process_peak_mb"]
            print(f"  numpy writer's peak RSS during the export: {peak:.1f} MB   (goal ≤ 400 MB; building the "
                  f"city and evaluating it peaked at {r['setup_peak_mb']:.1f} MB before)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

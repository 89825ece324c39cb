"""Benchmark of the open budget site (issue 15): publishing the 100,000-line sample city, the site's
size, and how fast its biggest pages load in headless Chromium.

    .venv/bin/python benchmarks/bench_publish.py [--lines 100000] [--runs 3] [--dir /tmp/kcplanner-bench-publish]

Prints
- `publish_site` (evaluate the scenario, write every page, data file and asset), median of --runs,
  beside two floors: evaluating the scenario alone, and writing the line-item CSV alone (the one
  100,000-row file any open data publish must write); and `kcplanner publish` end to end (reading the
  workbooks included).  Goal: publishing ≤ 10 s.
- the site's size: files, MB, and the data each page loads (HTML + its scripts and data file).
- the load event of the city page and of the biggest department page in headless Chromium
  (/usr/bin/chromium), median of 5 loads, and for the department page the time until its line-item
  table is drawn (its data file is a <script> loaded with the page).  Goal: each ≤ 1 s.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CHROMIUM = Path("/usr/bin/chromium")


def sample(folder: Path, lines: int) -> Path:
    """The sample city of `lines` line items, written once into `folder` and reused."""
    from kcplanner.sample import write_sample

    city = folder / f"city-{lines}"
    stamp = city / ".done"
    if not stamp.exists():
        city.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        write_sample(city, lines=lines, seed=1)
        stamp.touch()
        print(f"wrote the sample city ({lines:,} lines) in {time.perf_counter() - t:.1f} s")
    return city


def timed(fn, runs: int) -> tuple[float, object]:
    out, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out), result


def page_bytes(site: Path, page: Path) -> int:
    """The bytes a page loads: itself, its stylesheet and scripts (all local)."""
    import re

    text = page.read_text(encoding="utf-8")
    refs = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', text)
    return page.stat().st_size + sum((page.parent / r).stat().st_size for r in refs)


def browser_times(site: Path, department_slug: str, runs: int = 5) -> None:
    if not CHROMIUM.exists():
        print(f"browser: skipped ({CHROMIUM} is missing)")
        return
    from playwright.sync_api import sync_playwright

    load = "() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; }"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"])
        for rel in ("index.html", f"departments/{department_slug}.html"):
            loads, tables = [], []
            for _ in range(runs):
                page = b.new_page(viewport={"width": 1280, "height": 900})
                t = time.perf_counter()
                page.goto((site / rel).as_uri(), wait_until="load")
                if rel != "index.html":
                    page.wait_for_function("document.querySelector('#li-table tbody tr') !== null")
                    tables.append((time.perf_counter() - t) * 1000)
                page.wait_for_function("performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
                loads.append(page.evaluate(load))
                page.close()
            size = page_bytes(site, site / rel) / 1e6
            extra = f"; line-item table drawn after {statistics.median(tables):.0f} ms (wall, from goto)" if tables else ""
            print(f"browser {rel:40s} load event median {statistics.median(loads):6.0f} ms  (goal <= 1000 ms), "
                  f"loads {size:.2f} MB{extra}")
        b.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/kcplanner-bench-publish"))
    args = ap.parse_args()

    from kcplanner.cli import main as cli
    from kcplanner.engine import evaluate, prepare
    from kcplanner.publish import publish_site
    from kcplanner.publish.lines import scenario_lines
    from kcplanner.publish.opendata import csv_bytes, line_items_table
    from kcplanner.readers import read_dataset
    from kcplanner.scenario import Rule, Scenario, Target

    city = sample(args.dir, args.lines)
    t = time.perf_counter()
    dataset = read_dataset(city / "plan.xlsx", [city]).dataset
    print(f"read {len(dataset.budget.line_items):,} line items in {time.perf_counter() - t:.1f} s")
    funded = tuple(dataset.budget.requests["request_id"].astype(str)[:10])
    scenario = Scenario(name="Bench", rules=(Rule("Police +3%", Target(department="Police"), "percent", 3),),
                        funded_requests=funded)
    site = args.dir / "site"
    pub, report = timed(lambda: publish_site(dataset, scenario, site), args.runs)
    prepared = prepare(dataset)
    ev, results = timed(lambda: evaluate(prepared, scenario), args.runs)
    csv, data = timed(lambda: csv_bytes(line_items_table(scenario_lines(dataset, results), results.plan_years[0])),
                      args.runs)
    print(f"publish_site        median {pub:6.2f} s   (goal <= 10 s): {report.pages} pages, {report.files} files, "
          f"{report.bytes / 1e6:.1f} MB")
    print(f"floor: evaluate     median {ev * 1000:6.1f} ms (the scenario on the prepared city)")
    print(f"floor: line-item CSV alone (rows from the results + to_csv) median {csv:6.2f} s, {len(data) / 1e6:.1f} MB; "
          f"publish / CSV = {pub / csv:.1f}")
    old = sys.stdout
    sys.stdout = io.StringIO()
    t = time.perf_counter()
    try:
        code = cli(["publish", "--plan", str(city / "plan.xlsx"), "--budget", str(city), "--out", str(site)])
    finally:
        sys.stdout = old
    print(f"kcplanner publish   {time.perf_counter() - t:6.2f} s end to end (reading the workbooks included), exit {code}")
    sizes = {p: p.stat().st_size for p in site.rglob("*") if p.is_file()}
    lines_dir = site / "assets" / "lines"
    biggest = max(lines_dir.iterdir(), key=lambda p: p.stat().st_size)
    print(f"site: {len(sizes)} files, {sum(sizes.values()) / 1e6:.1f} MB (open data CSVs "
          f"{sum(s for p, s in sizes.items() if p.suffix == '.csv') / 1e6:.1f} MB, ECharts "
          f"{(site / 'assets' / 'echarts.min.js').stat().st_size / 1e6:.2f} MB); biggest department data file "
          f"{biggest.name} {biggest.stat().st_size / 1e6:.2f} MB")
    browser_times(site, biggest.stem)


if __name__ == "__main__":
    main()

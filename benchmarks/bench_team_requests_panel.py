"""The requests panel of a shared project (ui/team/workflow) on a big round: a throwaway server
with the sample city plus extra requests (default 2,000 in all), an OMB analyst's review queue.

Printed (wall and CPU time, the machine is shared): opening the panel (the query and the table),
`refresh()`, selecting one request (its trail is one query), and "Start review" on 200 selected
requests (on the pool, each its own audited move) until the queue is read again.

    python benchmarks/bench_team_requests_panel.py [--requests 2000] [--moves 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, (time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--moves", type=int, default=200)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    import psycopg
    from psycopg.types.json import Jsonb
    from PySide6.QtWidgets import QApplication

    from kcplanner.project.postgres import TeamProject, add_user, init_team
    from kcplanner.readers import read_dataset
    from kcplanner.sample import write_sample
    from tests import pg_server

    app = QApplication.instance() or QApplication([])
    server = pg_server.start_server()
    try:
        import tempfile
        folder = Path(tempfile.mkdtemp(prefix="bench-panel-"))
        files = write_sample(folder, lines=2000, seed=7)
        dataset = read_dataset(files.plan, files.budgets).dataset
        with psycopg.connect(server.url(), autocommit=True) as c:
            c.execute("CREATE DATABASE bench_panel")
        url = server.url("bench_panel")
        init_team(url, dataset)
        add_user(url, "bench_analyst", "omb_analyst")
        departments = sorted(dataset.budget.requests["department"].astype(str).unique())
        with psycopg.connect(url, autocommit=True, options="-c search_path=kcplanner") as c:
            have = c.execute("SELECT count(*) FROM requests").fetchone()[0]
            extra = max(0, args.requests - have)
            statuses = ["Submitted", "Under review", "Recommended", "Not recommended"]
            c.execute("SET session_replication_role = replica")   # load as data, not as moves
            with c.cursor() as cur:
                cur.executemany("INSERT INTO requests (request_id, row_order, department, title, rank, costs, status) "
                                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                                [(f"REQ-BENCH-{i:05d}", 10000 + i, departments[i % len(departments)],
                                  f"Bench request {i}", float(i % 40 + 1), Jsonb({"2027": 1000.0 * (i % 97 + 1)}),
                                  statuses[i % 4]) for i in range(extra)])
            c.execute("UPDATE requests SET status = 'Submitted' WHERE request_id IN "
                      "(SELECT request_id FROM requests WHERE status = 'Draft')")
            total = c.execute("SELECT count(*) FROM requests").fetchone()[0]
        analyst_url = f"postgresql://bench_analyst@{url.split('@', 1)[1]}"
        project = TeamProject.open(analyst_url)
        from ui.team.workflow.panel import TeamRequestsPanel

        panel, w_open, c_open = timed(lambda: TeamRequestsPanel(project))
        panel.resize(1100, 700)
        print(f"requests: {total} ({len(panel.all_requests)} in the review queue)")
        print(f"open the panel: {w_open:.0f} ms wall, {c_open:.0f} ms CPU")
        runs = [timed(panel.refresh)[1:] for _ in range(10)]
        runs.sort()
        print(f"refresh(): median {runs[5][0]:.0f} ms wall, {runs[5][1]:.0f} ms CPU (10 runs)")
        pair = [panel.model.rows[0]["request_id"], panel.model.rows[1]["request_id"]]
        sel = sorted(timed(lambda i=i: panel.select([pair[i % 2]]))[1:] for i in range(10))
        print(f"select one request (its trail): median {sel[5][0]:.1f} ms wall, {sel[5][1]:.1f} ms CPU")
        submitted = [r["request_id"] for r in panel.model.rows if r["status"] == "Submitted"][:args.moves]
        panel.select(submitted)
        done = []
        panel.jobFinished.connect(done.append)
        w, c = time.perf_counter(), time.process_time()
        panel.buttons["review"].click()
        while not done:
            app.processEvents()
            time.sleep(0.002)
        wall, cpu = (time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000
        print(f"Start review on {len(submitted)} requests: {wall:.0f} ms wall ({wall / len(submitted):.1f} ms a move), "
              f"{cpu:.0f} ms CPU; {len(done[0].done)} moved, {len(done[0].refused) + len(done[0].conflicts)} not")
        with psycopg.connect(url, autocommit=True, options="-c search_path=kcplanner") as c:
            n = c.execute("SELECT count(*) FROM request_moves WHERE to_status = 'Under review' AND moved_by = "
                          "'bench_analyst'").fetchone()[0]
        print(f"request_moves rows written: {n}")
        project.close()
    finally:
        pg_server.remove_server(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())

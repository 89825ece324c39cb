"""Team mode under load (issue 16): 20 department managers editing and submitting their requests
and 5 OMB analysts editing scenarios and reviewing requests, at once, for 60 s on a local server.

Every client is a thread with its own connection (its own `TeamProject`, as each person's app has);
5 more connections listen for changes as open windows do.  Printed:

- saves and moves made, conflicts met (and resolved with keep-mine), refusals;
- lost updates: for every scenario and request, its final version must be 1 + the writes that
  succeeded on it, and its content the last writer's (0 expected);
- the audit trail: one audit row for every write, one request_moves row for every move (complete expected);
- p50/p95 of a save (goal p95 ≤ 50 ms) and of a change seen by the other windows (goal p95 ≤ 2 s).

    python benchmarks/bench_team.py                    # a throwaway server (Debian's postgresql), 60 s
    python benchmarks/bench_team.py --durable          # … that fsyncs every commit like a production server
    python benchmarks/bench_team.py --seconds 10 --managers 5 --analysts 2
    python benchmarks/bench_team.py --url postgresql://admin@localhost/postgres   # an existing server
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


class Ledger:
    """What the clients did, to check against the server afterwards."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.writes: dict[tuple[str, str], list[tuple[int, object]]] = defaultdict(list)  # (kind, key) → (version, content)
        self.save_ms: list[float] = []
        self.committed: dict[int, float] = {}     # audit seq → when the save began
        self.moves = 0
        self.conflicts = 0
        self.refused = 0

    def wrote(self, kind: str, key: str, version: int, content, ms: float, seq: int | None = None) -> None:
        with self.lock:
            self.writes[(kind, key)].append((version, content))
            self.save_ms.append(ms)
            if seq is not None:   # when the save began: the latency below includes the save itself
                self.committed[seq] = time.monotonic() - ms / 1000


def manager(url: str, department: str, stop: threading.Event, ledger: Ledger, seed: int) -> None:
    from kcplanner.project.postgres import ConflictError, TeamError, TeamProject
    rng = random.Random(seed)
    with TeamProject.open(url) as p:
        while not stop.is_set():
            mine = [r for r in p.requests(department=department) if r["status"] in ("Draft", "Returned")]
            if not mine:
                stop.wait(0.05)
                continue
            r = rng.choice(mine)
            try:
                if r["status"] == "Returned":
                    start = time.perf_counter()
                    after = p.move_request(r["request_id"], "Draft", expected_version=r["version"])
                    ledger.wrote("request", r["request_id"], after["version"], None,
                                 (time.perf_counter() - start) * 1000)
                    with ledger.lock:
                        ledger.moves += 1
                elif rng.random() < 0.25:
                    start = time.perf_counter()
                    after = p.move_request(r["request_id"], "Submitted", expected_version=r["version"])
                    ledger.wrote("request", r["request_id"], after["version"], None,
                                 (time.perf_counter() - start) * 1000)
                    with ledger.lock:
                        ledger.moves += 1
                else:
                    title = f"{department} request edited {rng.random():.6f}"
                    start = time.perf_counter()
                    after = p.save_request(r["request_id"], {"title": title}, r["version"])
                    ledger.wrote("request", r["request_id"], after["version"], title,
                                 (time.perf_counter() - start) * 1000)
            except ConflictError:
                with ledger.lock:
                    ledger.conflicts += 1
            except TeamError:
                with ledger.lock:
                    ledger.refused += 1   # e.g. OMB moved it on meanwhile: read-only now
            stop.wait(rng.uniform(0.05, 0.2))


def analyst(url: str, stop: threading.Event, ledger: Ledger, seed: int) -> None:
    from kcplanner.project.postgres import ConflictError, TeamError, TeamProject, keep_mine
    from kcplanner.scenario import Rule, Scenario, Target
    rng = random.Random(seed)
    moves = {"Submitted": ["Under review"], "Under review": ["Recommended", "Not recommended", "Returned"],
             "Recommended": ["Returned"], "Not recommended": ["Returned"]}
    with TeamProject.open(url) as p:
        while not stop.is_set():
            try:
                if rng.random() < 0.6:
                    p.refresh()
                    name = rng.choice(p.scenario_names)
                    before = p.scenario(name)
                    value = round(rng.uniform(-5, 5), 4)
                    after = Scenario(name, (Rule(f"bench {value}", Target(department="Police"), "percent", value),),
                                     before.funded_requests)
                    start = time.perf_counter()
                    try:
                        seq = p.record_edit(name, None, before, after)
                    except ConflictError as exc:
                        with ledger.lock:
                            ledger.conflicts += 1
                        start = time.perf_counter()
                        seq = keep_mine(p, exc)
                    version = p.scenario_version(name).version
                    ledger.wrote("scenario", name, version, after.to_dict(), (time.perf_counter() - start) * 1000, seq)
                else:
                    queue = [r for r in p.review_queue() if r["status"] in moves]
                    if queue:
                        r = rng.choice(queue)
                        to = rng.choice(moves[r["status"]])
                        start = time.perf_counter()
                        after = p.move_request(r["request_id"], to, "bench: back to the department" if to == "Returned"
                                               else None, expected_version=r["version"])
                        ledger.wrote("request", r["request_id"], after["version"], None,
                                     (time.perf_counter() - start) * 1000)
                        with ledger.lock:
                            ledger.moves += 1
            except ConflictError:
                with ledger.lock:
                    ledger.conflicts += 1
            except TeamError:
                with ledger.lock:
                    ledger.refused += 1
            stop.wait(rng.uniform(0.05, 0.2))


def check(admin_url: str, ledger: Ledger, start_seq: int) -> dict:
    """Lost updates and audit completeness, against the server."""
    import psycopg
    with psycopg.connect(admin_url, options="-c search_path=kcplanner") as c:
        scen = {n: (v, d) for n, v, d in c.execute("SELECT name, version, data FROM scenarios")}
        req = {r: (v, t) for r, v, t in c.execute("SELECT request_id, version, title FROM requests")}
        audited = c.execute("SELECT count(*) FROM edits WHERE seq > %s AND action IN ('update', 'data', 'move')",
                            (start_seq,)).fetchone()[0]
        moves = c.execute("SELECT count(*) FROM request_moves").fetchone()[0]
    lost = 0
    for (kind, key), writes in ledger.writes.items():
        version, content = scen[key] if kind == "scenario" else req[key]
        last_version, last_content = max(writes, key=lambda w: w[0])
        if version != 1 + len(writes) or last_version != version:
            lost += 1
        elif last_content is not None and json.loads(json.dumps(last_content)) != content:
            lost += 1
    return {"lost": lost, "audited": audited, "writes": sum(len(w) for w in ledger.writes.values()),
            "moves_recorded": moves}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--managers", type=int, default=20)
    ap.add_argument("--analysts", type=int, default=5)
    ap.add_argument("--windows", type=int, default=5, help="listening windows (notification latency)")
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--url", help="an existing server's admin URL (default: a throwaway server)")
    ap.add_argument("--durable", action="store_true",
                    help="the throwaway server fsyncs every commit, as a production server does (default: off)")
    args = ap.parse_args(argv)

    import psycopg
    from psycopg import sql

    from kcplanner.project.postgres import add_user, init_team, listen
    from kcplanner.readers import read_dataset
    from kcplanner.sample import write_sample
    from kcplanner.scenario import Scenario

    server = None
    if args.url is None:
        import pg_server
        server = pg_server.start_server(durable=args.durable)
        admin_root = server.url()
    else:
        admin_root = args.url
    try:
        name = f"kc_bench_{int(time.time())}"
        with psycopg.connect(admin_root, autocommit=True) as c:
            c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        admin = admin_root.rsplit("/", 1)[0] + "/" + name
        files = write_sample(tempfile.mkdtemp(prefix="kcbench-team-"), lines=args.lines, seed=2)
        dataset = read_dataset(files.plan, files.budgets).dataset
        init_team(admin, dataset, files, scenarios=[Scenario(f"Scenario {i}") for i in range(3)])
        departments = sorted(set(dataset.budget.requests["department"].astype(str)))
        tag = name[-6:]
        users = []
        for i in range(args.managers):
            login = f"mgr{i}_{tag}"
            add_user(admin, login, "department_manager", [departments[i % len(departments)]])
            users.append(("manager", login, departments[i % len(departments)]))
        for i in range(args.analysts):
            login = f"omb{i}_{tag}"
            add_user(admin, login, "omb_analyst")
            users.append(("analyst", login, None))
        add_user(admin, f"window_{tag}", "viewer")

        def url(login: str) -> str:   # the same database as `login` (the test server trusts loopback logins)
            u = urlsplit(admin)
            return urlunsplit((u.scheme, f"{login}@{u.hostname}" + (f":{u.port}" if u.port else ""), u.path, "", ""))
        with psycopg.connect(admin) as c:
            start_seq = c.execute("SELECT coalesce(max(seq), 0) FROM kcplanner.edits").fetchone()[0]

        ledger = Ledger()
        seen: list[tuple[int, float]] = []
        seen_lock = threading.Lock()

        def on_change(change):
            if change.table == "scenarios" and change.seq is not None:
                with seen_lock:
                    seen.append((change.seq, change.received))

        windows = [listen(url(f"window_{tag}"), on_change) for _ in range(args.windows)]
        stop = threading.Event()
        threads = [threading.Thread(target=manager if kind == "manager" else analyst,
                                    args=((url(login), dept, stop, ledger, i) if kind == "manager" else
                                          (url(login), stop, ledger, i)))
                   for i, (kind, login, dept) in enumerate(users)]
        began = time.monotonic()
        for t in threads:
            t.start()
        stop.wait(args.seconds)
        stop.set()
        for t in threads:
            t.join(30)
        time.sleep(2.5)   # the last notifications
        for w in windows:
            w.stop()
        elapsed = time.monotonic() - began
        result = check(admin, ledger, start_seq)
        latencies = [(received - ledger.committed[seq]) * 1000 for seq, received in seen
                     if seq in ledger.committed]
        expected_notes = len(ledger.committed) * args.windows
        fsync = "existing server" if server is None else ("fsync on" if args.durable else "fsync off")
        print(f"Team mode load: {args.managers} managers + {args.analysts} analysts for {args.seconds:.0f} s "
              f"({elapsed:.1f} s with the wind-down), {args.windows} listening windows, {args.lines} line items, "
              f"{fsync}")
        print(f"  writes: {result['writes']} ({ledger.moves} workflow moves), {ledger.conflicts} conflicts met "
              f"(resolved keep-mine), {ledger.refused} refused (a request OMB had moved on)")
        print(f"  lost updates: {result['lost']}")
        print(f"  audit trail: {result['audited']} rows for {result['writes']} writes "
              f"({'complete' if result['audited'] == result['writes'] else 'INCOMPLETE'}); request_moves "
              f"{result['moves_recorded']} rows for {ledger.moves} moves")
        print(f"  save: p50 {percentile(ledger.save_ms, 50):.1f} ms, p95 {percentile(ledger.save_ms, 95):.1f} ms "
              f"(goal ≤ 50 ms), max {max(ledger.save_ms, default=float('nan')):.1f} ms")
        print(f"  change seen by the other windows (from the start of the save): {len(latencies)} of {expected_notes} "
              f"notifications, "
              f"p50 {percentile(latencies, 50):.1f} ms, p95 {percentile(latencies, 95):.1f} ms (goal ≤ 2000 ms)")
        ok = result["lost"] == 0 and result["audited"] == result["writes"] and \
            result["moves_recorded"] == ledger.moves and len(latencies) == expected_notes
        return 0 if ok else 1
    finally:
        if server is not None:
            pg_server.remove_server(server)


if __name__ == "__main__":
    sys.exit(main())

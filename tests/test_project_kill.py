"""Kill a process that is editing a project, many times, at random moments: the reopened project
holds every edit that was reported committed and is never corrupt."""

from __future__ import annotations

import random
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path


from kcplanner.project import Project
from kcplanner.scenario import Rule, Scenario, Target

from .test_project import BASE_LINES, BASE_REQUESTS, make_dataset

CHILD = Path(__file__).with_name("project_child.py")
KILLS = 24


def run_child_and_kill(path: Path, rng: random.Random) -> tuple[list[int], bool]:
    """Start the child, kill it at a random moment; (edit numbers it printed, whether it got going)."""
    proc = subprocess.Popen([sys.executable, str(CHILD), str(path), "--save-every", str(rng.randint(5, 40))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = False
    if rng.random() < 0.15:
        time.sleep(rng.uniform(0.0, 0.4))       # sometimes while it is still starting or opening
    else:
        line = proc.stdout.readline()           # "ready …": the project is open
        started = line.startswith("ready")
        time.sleep(rng.uniform(0.0, 0.25))      # then somewhere in the middle of its edits
    proc.kill()                                  # SIGKILL on POSIX, TerminateProcess on Windows
    out, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "Traceback" not in err, err
    return [int(x) for x in re.findall(r"^(\d+)$", out, flags=re.M)], started


def test_killed_editor_loses_no_committed_edit(tmp_path):
    path = tmp_path / "kill.kcplan"
    rule = Rule("Police", Target(department="Police"), "percent", 0)
    Project.create(path, make_dataset(BASE_LINES, BASE_REQUESTS), scenarios=[Scenario("Kill", (rule,))]).close()
    rng = random.Random(20261126)
    printed: list[int] = []
    deadline = time.monotonic() + 40
    kills = 0
    while kills < KILLS and time.monotonic() < deadline:
        numbers, started = run_child_and_kill(path, rng)
        kills += 1
        printed.extend(numbers)
        con = sqlite3.connect(path)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            described = {int(m) for (m,) in con.execute(
                "SELECT substr(description, 6) FROM edits WHERE description LIKE 'edit %'")}
        finally:
            con.close()
        missing = set(numbers) - described
        assert not missing, f"kill {kills}: committed edits lost: {sorted(missing)[:10]}"
        if numbers:
            with Project.open(path, read_only=True) as p:
                assert p.scenario("Kill").rules[0].value >= max(numbers)
    assert kills >= 10
    assert len(printed) > 50, "the child made too few edits to be a test"
    with Project.open(path) as p:
        assert p.recovered is not None  # the last child was killed
        edits = [int(h.description[5:]) for h in p.history() if h.description.startswith("edit ")]
        assert set(printed) <= set(edits)
        assert edits == sorted(edits) and len(edits) == len(set(edits))  # in order, each once
        assert p.check() == []

"""The load benchmark runs (a few seconds, few clients) and finds no lost update and a complete
audit trail: so that `benchmarks/bench_team.py` does not rot between its full runs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_a_short_run_of_the_load_benchmark(pg, capsys, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))   # the benchmark puts the checkout on sys.path: undone after
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_team.py"
    spec = importlib.util.spec_from_file_location("bench_team", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    code = bench.main(["--seconds", "3", "--managers", "4", "--analysts", "2", "--windows", "2", "--lines", "300",
                       "--url", pg.url()])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "lost updates: 0" in out and "(complete)" in out

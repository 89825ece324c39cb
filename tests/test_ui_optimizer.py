"""The optimizer dialog while it solves: the gap line, Stop with the best set so far, and
accepting that set as an undoable new scenario (pytest-qt, headless, the real solver)."""

from __future__ import annotations

import importlib.util
import math
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from kcplanner.engine import evaluate, prepare
from kcplanner.optimize import OptimizeOptions, PolicyConstraints
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from ui.requests.view import install_requests


def _bench():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_optimize.py"
    spec = importlib.util.spec_from_file_location("bench_optimize", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def app_window(window, sample_loaded):
    """The sample with requests generated up to 1,000 (the benchmark's generator): a solve whose first
    sets are not proven best even on a quiet machine (300 requests are proven at the first report)."""
    project, prepared, report = sample_loaded
    ds = _bench().with_requests(prepared.dataset, 1000, 1)
    panel = install_requests(window)
    window.session.set_data(prepare(ds), report, project)
    window.tabs.setCurrentWidget(panel)
    return window, panel


def test_the_gap_line_updates_and_stop_keeps_the_best_set_which_accepts_undoably(qtbot, app_window, monkeypatch):
    import ui.optimizer.worker as worker

    w, panel = app_window
    s = w.session
    real = worker.optimize
    seen = []

    def held_optimize(prepared, scenario, options, progress=None, cancelled=None, solver_progress=None):
        """The real optimizer, held open at its first unproven set until Stop (at most a minute)."""
        def hold(p):
            seen.append(p)
            solver_progress(p)
            t0 = time.monotonic()
            while math.isfinite(p.best) and not p.proven and not cancelled() and time.monotonic() - t0 < 60:
                time.sleep(0.02)
        return real(prepared, scenario, options, progress=progress, cancelled=cancelled, solver_progress=hold)

    monkeypatch.setattr(worker, "optimize", held_optimize)
    dlg = panel.open_optimizer()
    qtbot.addWidget(dlg)
    dlg.run()
    qtbot.waitUntil(lambda: "best set so far" in dlg.gap_label.text() and "gap" in dlg.gap_label.text(),
                    timeout=60_000)
    first = dlg.gap_label.text()
    assert "bound" in first and "gap" in first
    # refreshed every second while the solver is held (the elapsed seconds move on)
    qtbot.waitUntil(lambda: dlg.gap_label.text() != first, timeout=3_000)
    assert dlg.cancel_button.text() == "Stop" and dlg.cancel_button.isEnabled()
    with qtbot.waitSignal(dlg.runFinished, timeout=60_000) as blocker:
        qtbot.mouseClick(dlg.cancel_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    result = dlg.result
    assert result.status == "stopped" and result.feasible and result.funded
    assert result.message.startswith("Stopped: the best set so far") and "so far" in dlg.status.text()
    assert result.bound >= result.linear_objective - 1e-12
    assert ("Within" in dlg.gap_label.text()) == math.isfinite(result.mip_gap)
    # the stopped set keeps every policy and is at least the best set reported before Stop
    cons = PolicyConstraints(s.prepared, evaluate(s.prepared, s.scenario.with_funded_requests(())), OptimizeOptions())
    assert cons.check(evaluate(s.prepared, result.to_scenario())) == []
    assert result.linear_objective >= max(p.best for p in seen if math.isfinite(p.best)) - 1e-9
    n = len(s.scenarios)
    dlg.name.setText("Stopped set")
    qtbot.mouseClick(dlg.accept_button, Qt.MouseButton.LeftButton)
    assert len(s.scenarios) == n + 1 and s.scenario.name == "Stopped set"
    assert set(s.scenario.funded_requests) == set(result.funded)
    s.undo_stack.undo()
    assert len(s.scenarios) == n and all(sc.name != "Stopped set" for sc in s.scenarios)

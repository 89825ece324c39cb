"""Waiting for the window in the headless tools (ui/screenshots.py, ui/smoke.py): run the event loop
until a condition holds, as a person would wait for the window to finish."""

from __future__ import annotations

import time


def wait_until(app, cond, timeout: float = 60.0) -> bool:
    """Process events until `cond()` is true (True) or `timeout` seconds have passed (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if cond():
            return True
        time.sleep(0.01)
    return False

"""kcplanner: the pure-Python core of the budget planner (readers, data model, engine, exports, CLI).

Nothing here imports Qt; the desktop app in `ui/` is a thin layer over these functions.
"""

__version__ = "0.1.0"

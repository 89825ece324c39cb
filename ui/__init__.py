"""The PySide6 desktop app: a thin layer over kcplanner (see docs/ui.md)."""

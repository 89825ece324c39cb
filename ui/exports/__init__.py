"""Exports from the window on a worker thread: scenario workbook, comparison, write back."""

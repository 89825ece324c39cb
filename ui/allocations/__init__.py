"""Allocations: the fund/department/program tree where the analyst edits the scenario's allocations."""

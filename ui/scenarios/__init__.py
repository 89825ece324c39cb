"""Scenarios: the scenario list and the side-by-side compare."""

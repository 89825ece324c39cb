"""Scenarios: the scenario list, the side-by-side compare, and scenario files (.json)."""

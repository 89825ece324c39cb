"""Rules: the scenario's list of rules (the edits that make it)."""

"""Optimizer: the dialog that proposes which requests to fund."""

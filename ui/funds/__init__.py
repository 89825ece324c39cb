"""Funds: fund balances and the fund charts."""

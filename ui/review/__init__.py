"""The Review panel and the quarterly report."""

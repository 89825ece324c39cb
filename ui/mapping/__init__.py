"""Mapping: the column-mapping dialog and flow for workbooks that do not match the expected layout."""

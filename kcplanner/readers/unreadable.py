"""The readers' exception for a file that cannot be used at all.  Its own module so that opening a
workbook (workbook.py) and reading a sheet's XML (sheet_xml.py) both raise it without importing
each other for it."""


class UnreadableFile(Exception):
    """A file that cannot be used at all; the message is for the user (no traceback)."""

"""Requests: the departments' requests, their undoable commands, the justification builder and its PDF."""

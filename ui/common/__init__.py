"""Shared base for every feature: table-model base, charts, number formatting, the one worker/task pattern, settings, generic dialogs."""

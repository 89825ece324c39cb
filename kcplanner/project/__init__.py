"""The project file (`.kcplan`): data, scenarios, autosave journal, recovery and audit trail in one
SQLite file.  See docs/project-file.md.

    from kcplanner.project import Project, ProjectError, diff_datasets
    project = Project.create("city.kcplan", dataset, sources)     # File > New project
    project = Project.open("city.kcplan")                         # File > Open; check project.recovered
    project.record_edit(name, None, before, after)                # every undo command, as it happens
    project.save(); project.save_as(other); project.close()
"""

from .audit import HISTORY_HEADER, HistoryEntry, current_user, describe_change, history_rows
from .errors import NewerFormatError, ProjectError, ProjectInUse
from .interface import ProjectStore, is_shared, open_project
from .project import Project
from .records import ImportArguments, RecoveryInfo, ReplaceReport, SavePoint, SourceChange, SourceFile, file_sha256
from .schema import APPLICATION_ID, FORMAT_VERSION, READ_COMPAT_VERSION, SUFFIX, inspect_project


_LAZY = {"diff_datasets": "diff", "DatasetDiff": "diff", "KeyedChange": "diff", "RequestChange": "diff",
         "AmountChange": "diff", "encode_frame": "frames", "decode_frame": "frames", "FrameCodecError": "frames"}


def __getattr__(name: str):
    """The diff and the frame codec: imported on first use (pandas itself now comes with the engine,
    which re-import validation imports with the project)."""
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def export_history_rows(project: Project, scenario: str | None = None, header: bool = True) -> list[list]:
    """Plain rows for a History sheet (see `Project.export_history_rows`)."""
    return project.export_history_rows(scenario, header=header)


__all__ = ["Project", "ProjectStore", "is_shared", "open_project", "ProjectError", "ProjectInUse", "NewerFormatError", "RecoveryInfo", "SavePoint", "SourceFile", "SourceChange", "ImportArguments",
           "ReplaceReport", "FORMAT_VERSION", "READ_COMPAT_VERSION", "APPLICATION_ID", "SUFFIX", "file_sha256",
           "inspect_project", "HistoryEntry", "HISTORY_HEADER", "describe_change", "history_rows", "current_user",
           "export_history_rows", "diff_datasets", "DatasetDiff", "KeyedChange", "RequestChange", "AmountChange",
           "encode_frame", "decode_frame", "FrameCodecError"]

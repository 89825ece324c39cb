"""A shared project (team mode): the project in a PostgreSQL database instead of a `.kcplan`
file, used the same way (`kcplanner.project.interface.ProjectStore`), with the login's role
enforced by the database (docs/team-mode.md).

    project = TeamProject.open("postgresql://jdoe@db.city.gov/budget")
    project.record_edit("Police plan", None, before, after)   # ConflictError if someone saved it since
    project.move_request("REQ-POL-001", "Submitted")
"""

from __future__ import annotations

import uuid

from .base import TeamBase
from .connection import connect, translated, where
from .data import TeamDataMixin
from .history import TeamHistoryMixin
from .migrate import check_version
from .narratives import TeamNarrativesMixin
from .positions import TeamPositionsSyncMixin
from .reimport import TeamReimportMixin
from .requests import TeamRequestsMixin
from .scenarios import TeamScenariosMixin


class TeamProject(TeamScenariosMixin, TeamRequestsMixin, TeamNarrativesMixin, TeamPositionsSyncMixin, TeamReimportMixin,
                  TeamDataMixin, TeamHistoryMixin, TeamBase):
    """An open shared project.  Thread-safe (one lock); the connection is made again after it was lost."""

    @classmethod
    def open(cls, url: str) -> "TeamProject":
        """Connect as the URL's login; TeamError (with a message naming the server) when the server
        cannot be reached, holds no kcplanner project, or one from a newer kcplanner."""
        session = uuid.uuid4().hex
        conn = connect(url, session=session, autocommit=True)
        try:
            with translated(where(conn), "opening the shared project"):
                check_version(conn)
            project = cls(url, conn)
            project.session = session
            project._load_scenarios()
        except BaseException:
            conn.close()
            raise
        return project


__all__ = ["TeamProject"]

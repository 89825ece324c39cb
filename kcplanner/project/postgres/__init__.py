"""Team mode: the project in PostgreSQL (docs/team-mode.md).  Imported only when a shared project
is used, so that the file-only app never loads psycopg.

    from kcplanner.project.postgres import TeamProject, init_team, add_user, listen
"""

from .conflicts import keep_mine, save_as_copy, take_theirs
from .errors import ConflictError, ConnectionLost, NotAllowed, TeamError, Theirs, WorkflowError
from .listen import Change, ChangeListener, listen
from .migrate import SCHEMA_VERSION, migrate
from .offline import BroughtBack, bring_back, settle_copy, take_offline
from .project import TeamProject
from .proposal import AppliedProposal, ProposedMove, apply_proposal, proposed_moves
from .requests import STATUSES, Move
from .setup import InitReport, init_from_file, init_team, upgrade
from .users import add_user

__all__ = ["TeamProject", "init_team", "init_from_file", "InitReport", "add_user", "listen", "ChangeListener",
           "Change", "ConflictError", "ConnectionLost", "NotAllowed", "TeamError", "Theirs", "WorkflowError",
           "keep_mine", "take_theirs", "save_as_copy", "take_offline", "bring_back", "settle_copy", "BroughtBack", "STATUSES",
           "Move", "proposed_moves", "apply_proposal", "ProposedMove", "AppliedProposal", "SCHEMA_VERSION", "migrate",
           "upgrade"]

"""`kcplanner team init URL (--from PROJECT.kcplan | --plan PLAN --budget PATH …)`,
`kcplanner team add-user URL LOGIN --role omb_analyst | department_manager | viewer [--department D …]`,
`kcplanner team list-users URL`, `kcplanner team remove-user URL LOGIN` and `kcplanner team upgrade URL`.

Team mode (docs/team-mode.md): the project in a PostgreSQL database the city runs, with the roles
enforced by the database.  `init` creates the schema and loads the project (as the login in the
URL, which owns it); `add-user` creates a login in one of the three roles (the password, when
given, is hashed here and only its hash goes to the server: kcplanner never stores it).
Exit 0 done; 1 the server refused or cannot be reached, the inputs are invalid, or remove-user was
asked to remove the owner or a login that is not the project's; 2 bad usage
(a URL that is not PostgreSQL's, --from with --budget, a missing file, an unknown role).
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from .cli_inputs import EXIT_INVALID, EXIT_OK, EXIT_USAGE

ROLES = ("omb_analyst", "department_manager", "viewer")


def add_parser(sub) -> None:
    """Register `team init` and `team add-user` on the CLI's subparsers."""
    p = sub.add_parser("team", help="team mode: the project in a PostgreSQL database (init, add-user, list-users, remove-user, upgrade)",
                       description="Put a project in a PostgreSQL database so that OMB analysts and every "
                                   "department work on it at once, each with the rights of their role.")
    team = p.add_subparsers(dest="team_command", metavar="TEAM_COMMAND")
    init = team.add_parser("init", help="create the schema and load a project into a database",
                           description="Create kcplanner's schema, roles and policies in the database at URL "
                                       "and load the project: from a .kcplan file (--from), or read from the "
                                       "workbooks (--plan/--budget). Connect as the login that will own it.")
    init.add_argument("url", metavar="URL", help="postgresql://admin@host/database (password from ~/.pgpass "
                                                 "or PGPASSWORD)")
    init.add_argument("--from", dest="from_project", type=Path, metavar="PROJECT.kcplan",
                      help="load this project file (data, scenarios, narratives)")
    init.add_argument("--plan", type=Path, help="the five-year plan workbook")
    init.add_argument("--budget", type=Path, nargs="+", default=[], metavar="PATH",
                      help="department budget workbooks, or folders of them")
    init.add_argument("--mapping", type=Path, action="append", default=[], metavar="FILE",
                      help="an import mapping (.json) (repeatable)")
    init.add_argument("--actuals", type=Path, nargs="+", default=[], metavar="PATH",
                      help="Actuals workbooks or CSVs, or folders of them")
    up = team.add_parser("upgrade", help="bring a shared project's schema up to this kcplanner's version",
                         description="Apply the schema migrations that the database at URL lacks (each in one "
                                     "transaction), as the login that owns the project.")
    up.add_argument("url", metavar="URL", help="postgresql://owner@host/database")
    add = team.add_parser("add-user", help="create a login with one of the three roles",
                          description="Create (or change) a PostgreSQL login for a person: omb_analyst changes "
                                      "everything; department_manager changes the requests, narratives and "
                                      "positions of its --department(s) and reads the rest; viewer reads.")
    add.add_argument("url", metavar="URL", help="postgresql://admin@host/database (a login that may create roles)")
    add.add_argument("login", metavar="LOGIN")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--department", action="append", default=[], metavar="D",
                     help="a department the manager changes (repeatable)")
    lst = team.add_parser("list-users", help="list the project's logins with their role and departments",
                          description="List the owner and every login in one of the three roles, with the "
                                      "departments a manager changes.")
    lst.add_argument("url", metavar="URL", help="postgresql://login@host/database")
    rm = team.add_parser("remove-user", help="remove a login (not the owner)",
                         description="Drop a person's login from the server (its departments go with it; what it "
                                     "did stays in the audit trail). The owner of the project cannot be removed.")
    rm.add_argument("url", metavar="URL", help="postgresql://admin@host/database (a login that may drop roles)")
    rm.add_argument("login", metavar="LOGIN")
    how = add.add_mutually_exclusive_group()
    how.add_argument("--password-env", metavar="VAR",
                     help="set the login's password from this environment variable")
    how.add_argument("--ask-password", action="store_true", help="ask for the login's password")


def _url_ok(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://")) or ("=" in url and "://" not in url)


def cmd_team(args) -> int:
    from .project.errors import ProjectError

    command = getattr(args, "team_command", None)
    if command is None:
        print("team: say what to do: `kcplanner team init …`, `add-user …`, `list-users …`, `remove-user …` or "
              "`upgrade …` (see --help)",
              file=sys.stderr)
        return EXIT_USAGE
    if not _url_ok(args.url):
        print(f"team {command}: {args.url!r} is not a PostgreSQL URL (expected postgresql://user@host/database)",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        return {"init": _init, "upgrade": _upgrade, "add-user": _add_user, "list-users": _list_users,
                "remove-user": _remove_user}[command](args)
    except ProjectError as exc:  # TeamError and the file's errors: each names where
        print(f"team {command}: {exc}", file=sys.stderr)
        return EXIT_INVALID


def _init(args) -> int:
    from .project.postgres import init_from_file, init_team

    if (args.from_project is None) == (not args.budget):
        print("team init: give either --from PROJECT.kcplan or --budget PATH … (with --plan PLAN)", file=sys.stderr)
        return EXIT_USAGE
    if args.from_project is not None and (args.plan or args.mapping or args.actuals):
        print("team init: --plan, --mapping and --actuals go with --budget, not with --from", file=sys.stderr)
        return EXIT_USAGE
    paths = [args.from_project] if args.from_project else \
        ([args.plan] if args.plan else []) + list(args.budget) + list(args.mapping) + list(args.actuals)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print("No such file or folder: " + ", ".join(missing), file=sys.stderr)
        return EXIT_USAGE
    if args.from_project is not None:
        report = init_from_file(args.url, args.from_project)
    else:
        from .cli_inputs import load_inputs
        from .scenario import Scenario

        dataset, status = load_inputs(args)
        if dataset is None:
            return status
        from .readers import load_mapping
        mappings = [load_mapping(p) for p in args.mapping]
        report = init_team(args.url, dataset, {"plan": args.plan, "budgets": list(args.budget)},
                           scenarios=[Scenario("Baseline")], mappings=mappings)
    print(f"Created the shared project (schema version {max(report.schema_versions, default=0) or 'as it was'}): "
          f"{report.summary()}")
    print("Next: `kcplanner team add-user URL LOGIN --role …` for each analyst, manager and viewer.")
    return EXIT_OK


def _upgrade(args) -> int:
    from .project.postgres import upgrade

    before, after = upgrade(args.url)
    print(f"Schema version {after}" + (f" (was {before})" if after != before else " (already up to date)"))
    return EXIT_OK


def _add_user(args) -> int:
    from .project.postgres import add_user

    password = None
    if args.password_env:
        password = os.environ.get(args.password_env)
        if password is None:
            print(f"team add-user: the environment variable {args.password_env} is not set", file=sys.stderr)
            return EXIT_USAGE
    elif args.ask_password:
        password = getpass.getpass(f"Password for {args.login}: ")
    if args.role == "department_manager" and not args.department:
        print("team add-user: a department_manager needs at least one --department", file=sys.stderr)
        return EXIT_USAGE
    if args.role != "department_manager" and args.department:
        print(f"team add-user: --department is for department managers, not {args.role}", file=sys.stderr)
        return EXIT_USAGE
    departments = add_user(args.url, args.login, args.role, args.department, password=password)
    rights = f", changes {', '.join(departments)}" if departments else ""
    print(f"{args.login}: {args.role}{rights}" + ("" if password is None else " (password set on the server)"))
    return EXIT_OK


def _list_users(args) -> int:
    from .project.postgres.users import list_users

    users = list_users(args.url)
    width = max(len("login"), *(len(u.login) for u in users))
    print(f"{'login':<{width}}  {'role':<18}  departments")
    for u in users:
        print(f"{u.login:<{width}}  {u.role:<18}  {', '.join(u.departments)}".rstrip())
    return EXIT_OK


def _remove_user(args) -> int:
    from .project.postgres.users import remove_user

    user = remove_user(args.url, args.login)
    rights = f" (changed {', '.join(user.departments)})" if user.departments else ""
    print(f"Removed {user.login}: {user.role}{rights}. What it did stays in the audit trail.")
    return EXIT_OK


__all__ = ["add_parser", "cmd_team"]

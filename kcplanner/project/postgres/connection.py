"""Connecting to the shared project's PostgreSQL server, and turning the server's refusals into
messages that name what and where (never a traceback, never the password)."""

from __future__ import annotations

import contextlib
import re
from typing import Iterator

import psycopg
from psycopg import errors as pg

from ..audit import host_name
from .errors import ConnectionLost, NotAllowed, TeamError, WorkflowError

SCHEMA = "kcplanner"
CONNECT_TIMEOUT = 10


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(postgres(?:ql)?://[^:/@]*):[^@]*@", r"\1:***@", str(url))


def where(conn_or_url) -> str:
    """`database city_budget on db.city.gov:5432` for messages."""
    if isinstance(conn_or_url, str):
        return safe_url(conn_or_url)
    info = conn_or_url.info
    return f"database {info.dbname} on {info.host}:{info.port}"


def connect(url: str, *, session: str = "", autocommit: bool = False) -> psycopg.Connection:
    """A connection to the shared project at `url` (a postgresql:// URL or a libpq "key=value"
    string; the password from the URL, PGPASSWORD or ~/.pgpass, never stored by kcplanner)."""
    if not isinstance(url, str) or not url.strip():
        raise TeamError("no database given: expected a URL like postgresql://user@host/database")
    if "://" in url and not url.startswith(("postgresql://", "postgres://")):
        raise TeamError(f"{safe_url(url)}: not a PostgreSQL URL (expected postgresql://user@host/database)")
    try:
        conn = psycopg.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT,
                               application_name="kcplanner")
    except psycopg.ProgrammingError as exc:
        raise TeamError(f"{safe_url(url)}: not a valid connection URL ({_first_line(exc)})") from None
    except psycopg.OperationalError as exc:
        raise TeamError(f"{safe_url(url)}: cannot connect to the PostgreSQL server: {_first_line(exc)}") from None
    with contextlib.suppress(psycopg.Error):
        with conn.transaction() if not autocommit else contextlib.nullcontext():
            conn.execute("SELECT set_config('search_path', %s, false), set_config('kcplanner.host', %s, false), "
                         "set_config('kcplanner.session', %s, false)", (f"{SCHEMA}, pg_temp", host_name(), session))
        if not autocommit:
            conn.commit()
    return conn


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextlib.contextmanager
def translated(place: str, action: str) -> Iterator[None]:
    """Turn the server's errors during `action` into TeamError subclasses with a message for people."""
    try:
        yield
    except (pg.InsufficientPrivilege,) as exc:
        raise NotAllowed(f"{place}: {action} is not allowed for this login ({_first_line(exc)})") from None
    except pg.RaiseException as exc:
        raise TeamError(f"{place}: {action}: {_first_line(exc)}") from None
    except psycopg.errors.DatabaseError as exc:
        code = getattr(exc, "sqlstate", None) or ""
        if code in ("KC001", "KC002", "KC004"):
            raise WorkflowError(f"{place}: {_first_line(exc)}") from None
        if code == "KC003":
            raise NotAllowed(f"{place}: {_first_line(exc)}") from None
        if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)) or code.startswith("08") \
                or code in ("57P01", "57P02", "57P03"):
            raise ConnectionLost(f"{place}: the connection to the server was lost during {action}; nothing of it "
                                 f"was written ({_first_line(exc)}). Try again when the server is back.") from None
        raise TeamError(f"{place}: {action} failed: {_first_line(exc)}") from None
    except psycopg.InterfaceError as exc:
        raise ConnectionLost(f"{place}: the connection to the server is closed ({_first_line(exc)}); "
                             f"{action} was not done") from None


__all__ = ["connect", "translated", "safe_url", "where", "SCHEMA"]

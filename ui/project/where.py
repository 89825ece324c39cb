"""Where the open project is, in words: a `.kcplan` file (its name) or a shared project on a
PostgreSQL server (`budget_fy2028 on db.city.gov`), and the location kept in the recent list
(the file's path, or the URL without its password: a password is never written by kcplanner)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from kcplanner.project import is_shared
from kcplanner.project.interface import is_shared_location


def url_without_password(url: str) -> str:
    """`postgresql://jsmith:secret@db:5432/budget?password=x` → `postgresql://jsmith@db:5432/budget`."""
    parts = urlsplit(str(url))
    netloc = parts.netloc
    if "@" in netloc:
        who, host = netloc.rsplit("@", 1)
        netloc = f"{who.split(':', 1)[0]}@{host}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() != "password"])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def shared_name(url: str) -> str:
    """`budget_fy2028 on db.city.gov` (the database and the server) for a shared project's URL."""
    parts = urlsplit(url_without_password(url))
    database = parts.path.lstrip("/") or "postgres"
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port and parts.port != 5432 else ""
    return f"{database} on {host}{port}"


def display_name(project) -> str:
    """The file's name, or the shared project's database and server."""
    if project is None:
        return ""
    if is_shared(project):
        return shared_name(getattr(project, "url", "") or getattr(project, "location", ""))
    return Path(project.path).name


def location_of(project) -> str:
    """What File > Open Recent Project reopens: the file's path, or the URL without a password."""
    if is_shared(project):
        return url_without_password(getattr(project, "url", "") or getattr(project, "location", ""))
    return str(Path(project.path).resolve())


def recent_label(location: str) -> str:
    """The recent list's text for a location: the file's name, or `budget_fy2028 on db.city.gov (shared)`."""
    if is_shared_location(location):
        return f"{shared_name(location)} (shared)"
    return Path(location).name


__all__ = ["url_without_password", "shared_name", "display_name", "location_of", "recent_label", "is_shared",
           "is_shared_location"]

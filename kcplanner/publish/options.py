"""What a publish takes besides the data (`PublishOptions`) and what it gives back (`PublishReport`),
and the two ways it can stop (`PublishError`, `PublishCancelled`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class PublishError(ValueError):
    """The site cannot be written as asked; the message says why and where (a folder that is not
    a kcplanner site, a story that names an unknown chart).  Nothing was written."""


class PublishCancelled(PublishError):
    """`cancelled()` said stop: the temporary folder was removed and any earlier site is unchanged."""


@dataclass(frozen=True)
class PublishOptions:
    """How the site reads to residents.

    title: the site's name (default: "<City> Open Budget", from the plan's Settings City).
    city: the city's name where the plan has none.
    page_size: line items per page of a department's line-item table (10..500).
    """

    title: str | None = None
    city: str | None = None
    page_size: int = 25

    def __post_init__(self) -> None:
        if not isinstance(self.page_size, int) or not 10 <= self.page_size <= 500:
            raise PublishError(f"page_size: expected a whole number from 10 to 500, found {self.page_size!r}")


@dataclass
class PublishReport:
    """What was written: `pages` HTML pages, `files` files in all (`bytes` bytes) under `out_dir`."""

    out_dir: Path
    pages: int = 0
    files: int = 0
    bytes: int = 0
    messages: list[str] = field(default_factory=list)  # scenario rules skipped, stories without a chart, …

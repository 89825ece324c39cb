"""The list of files a site is made of, each with the function that makes its bytes."""

from __future__ import annotations

from typing import Callable

Make = Callable[[], bytes]


def site_files(dataset, results, stories, options) -> list[tuple[str, Make]]:
    """(path relative to the site folder, maker) for every file, pages first."""
    title = options.title or f"{options.city or dataset.plan.settings.city or 'City'} Open Budget"
    page = f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title></head>" \
           f"<body><main><h1>{title}</h1></main></body></html>"
    return [("index.html", lambda: page.encode("utf-8"))]

"""The Jinja2 environment of the site's templates, read from the package with importlib.resources
(so they work from a wheel or a frozen app as from a checkout), HTML autoescaped."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import jinja2

PACKAGE = "kcplanner.publish"


def _source(name: str):
    path = resources.files(PACKAGE).joinpath("templates", name)
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8"), None, lambda: True


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FunctionLoader(_source), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False, "separators": (",", ":")}
    return env


def render(template: str, **values) -> bytes:
    return environment().get_template(template).render(**values).encode("utf-8")


def asset(name: str, folder: str = "static") -> bytes:
    """The bytes of a file shipped in the package (static/site.js, vendor/echarts.min.js, …)."""
    return resources.files(PACKAGE).joinpath(folder, name).read_bytes()

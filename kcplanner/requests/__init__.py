"""Requests (decision packages): their projected effect, and editing them in a dataset.

- keys.py      how request IDs and names are compared, and what counts as a blank cell
- records.py   a request as an immutable value (Request), read from a dataset, validated, ranked
- editing.py   pure edits of a dataset's request tables (add, remove, update, duplicate, rerank)
- effects.py   the projected effect of funding a request: the engine with it minus without it
"""

from .editing import add_request, duplicate_request, remove_request, rerank_requests, update_request
from .effects import RequestEffect, cost_per_unit, effects_table, request_effect, request_effects
from .records import (NEW_ID_PREFIX, Request, RequestError, get_request, new_request_id, ranked, request_records,
                      validate_request)

__all__ = [
    "RequestEffect", "request_effects", "request_effect", "effects_table", "cost_per_unit",
    "Request", "RequestError", "request_records", "get_request", "new_request_id", "validate_request",
    "add_request", "remove_request", "update_request", "duplicate_request", "rerank_requests", "ranked",
    "NEW_ID_PREFIX",
]

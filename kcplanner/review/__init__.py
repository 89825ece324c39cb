"""The quarterly review (SPEC, "The quarterly review"): the year in execution against its budget.

    from kcplanner.review import review, Review, review_to_json, burn_up
    r = review(dataset, fiscal_year=None, through=None)
"""

from .burnup import burn_up
from .core import Review, review
from .output import review_to_json, write_review_json

__all__ = ["review", "Review", "burn_up", "review_to_json", "write_review_json"]

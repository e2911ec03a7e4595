"""Routes of the review area."""
from . import bp  # noqa: F401

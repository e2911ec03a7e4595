"""Routes of the search area."""
from . import bp  # noqa: F401

"""Routes of the records area."""
from . import bp  # noqa: F401

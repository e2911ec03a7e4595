"""Routes of the submit area."""
from . import bp  # noqa: F401

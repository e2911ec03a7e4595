"""Routes of the lists area."""
from . import bp  # noqa: F401

"""Routes of the auth area."""
from . import bp  # noqa: F401

"""Blueprint: learning (following a curriculum path: enrol, mark resources done, self-checks, certificate)."""
from flask import Blueprint

bp = Blueprint("learning", __name__)

from . import routes  # noqa: E402,F401

"""Blueprint: feeds (Atom feeds of any search, and of each theme and country)."""
from flask import Blueprint

bp = Blueprint("feeds", __name__)

from . import routes  # noqa: E402,F401

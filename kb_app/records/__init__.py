"""Blueprint: records."""
from flask import Blueprint

bp = Blueprint("records", __name__)

from . import events, routes  # noqa: E402,F401

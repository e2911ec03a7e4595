"""Blueprint: submit."""
from flask import Blueprint

bp = Blueprint("submit", __name__)

from . import routes  # noqa: E402,F401

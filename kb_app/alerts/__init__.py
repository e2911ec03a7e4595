"""Blueprint: alerts (saved searches that send e-mail digests)."""
from flask import Blueprint

bp = Blueprint("alerts", __name__)

from . import routes  # noqa: E402,F401

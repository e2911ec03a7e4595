"""Blueprint: organisations (public pages of the partners and other organisations behind the records)."""
from flask import Blueprint

bp = Blueprint("organisations", __name__)

from . import routes  # noqa: E402,F401

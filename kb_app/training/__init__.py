"""Blueprint: training (trainers' cohorts with their progress table, and the invitation links learners sign up with)."""
from flask import Blueprint

bp = Blueprint("training", __name__)

from . import routes  # noqa: E402,F401

"""Blueprint: harvest (OAI-PMH, the DCAT-AP catalogue description and the sitemap, for aggregators and crawlers)."""
from flask import Blueprint

bp = Blueprint("harvest", __name__)

from . import routes  # noqa: E402,F401

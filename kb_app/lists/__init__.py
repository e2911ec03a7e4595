"""Blueprint: lists (trainers' reading lists: build, annotate, share, export)."""
from flask import Blueprint

bp = Blueprint("lists", __name__, static_folder="static", static_url_path="/lists/static")


from . import routes  # noqa: E402,F401

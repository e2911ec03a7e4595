"""Blueprint: lists (trainers' reading lists: build, annotate, share, export)."""
from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("lists", __name__, static_folder="static", static_url_path="/lists/static")


@bp.record_once
def _ensure_interface_language(state: BlueprintSetupState) -> None:
    # Our templates need `_()`; init_app is idempotent, so this is harmless once the factory wires i18n itself.
    from ..i18n import init_app

    init_app(state.app)


from . import routes  # noqa: E402,F401

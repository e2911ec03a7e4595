"""Blueprint: api (the researchers' JSON API under /api/v1), plus the account page where users manage their API tokens."""
from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("api", __name__)
# The token page lives at /account/tokens, outside the /api/v1 prefix, so it needs a blueprint of its own.
account_bp = Blueprint("api_tokens", __name__)


@bp.record_once
def _wire(state: BlueprintSetupState) -> None:
    from ..i18n import init_app as init_i18n

    init_i18n(state.app)  # idempotent; the token and docs pages need `_()`
    state.app.register_blueprint(account_bp)


from . import account, learning, routes  # noqa: E402,F401
from .cors import add_cors_headers  # noqa: E402
from .throttle import add_rate_headers, check_rate_limit  # noqa: E402

bp.before_request(check_rate_limit)
bp.after_request(add_rate_headers)
# App-wide, so that unknown /api/ paths and their errors are readable cross-origin too.
bp.after_app_request(add_cors_headers)

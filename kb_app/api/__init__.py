"""Blueprint: api (the researchers' JSON API under /api/v1), plus the account page where users manage their API tokens."""
from flask import Blueprint

bp = Blueprint("api", __name__)
# The token page lives at /account/tokens, outside the /api/v1 prefix, so it needs a blueprint of its own.
account_bp = Blueprint("api_tokens", __name__)


from . import account, learning, routes  # noqa: E402,F401
from .throttle import add_rate_headers, check_rate_limit  # noqa: E402

bp.before_request(check_rate_limit)
bp.after_request(add_rate_headers)

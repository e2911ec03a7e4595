"""Applying the rate limit to API requests: per client IP when anonymous, per account (ten times more) with a token."""
from __future__ import annotations

from flask import Response, current_app, g, request

from ..access import current_user
from ..api_errors import ApiError
from ..rate_limit import allowance, get_limiter


def check_rate_limit() -> None:
    """Count this request; past the allowance answer 429 with Retry-After (preflights are free)."""
    if request.method == "OPTIONS":
        return
    user = current_user()  # an invalid token answers 401 here, before any counting
    with_token = user is not None and bool(g.get("auth_via_token"))
    limit = allowance(current_app, with_token)
    if limit <= 0:
        return
    key = f"user:{user.id}" if with_token and user is not None else f"ip:{request.remote_addr or 'unknown'}"
    verdict = get_limiter().hit(key, limit)
    g.rate_verdict = verdict
    if not verdict.allowed:
        who = "this API token's account" if with_token else "your address"
        raise ApiError(429, "rate_limited",
                       f"more than {limit} requests in a minute from {who}; retry in {verdict.retry_after} s"
                       + ("" if with_token else " (an API token raises the limit)"),
                       headers={"Retry-After": str(verdict.retry_after)})


def add_rate_headers(response: Response) -> Response:
    # Answers differ by caller (their own lists, their allowance): shared caches must key on the token.
    response.vary.add("Authorization")
    verdict = g.get("rate_verdict")
    if verdict is not None:
        response.headers["X-RateLimit-Limit"] = str(verdict.limit)
        response.headers["X-RateLimit-Remaining"] = str(verdict.remaining)
    return response

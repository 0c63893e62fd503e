"""Rate limits for posting: 5 contributions in 10 minutes per account (or client, when not
logged in) and per client IP, shared by comments, replies and ideas. Usage on a view:

    @bp.post(...)
    @public
    @posting_limits
    def view(): ...
"""

from flask import current_app, request
from flask_login import current_user

from participation.extensions import limiter

POSTING_LIMIT = "5 per 10 minutes"


def posting_limit() -> str:
    """RATELIMIT_POSTING (default POSTING_LIMIT); read per request so that a load test can
    raise it through the environment."""
    return current_app.config.get("RATELIMIT_POSTING") or POSTING_LIMIT


def client_ip() -> str:
    return request.remote_addr or "unknown"


def account_or_ip() -> str:
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"ip:{client_ip()}"


_per_account = limiter.shared_limit(
    posting_limit, scope="contributions", key_func=account_or_ip, methods=["POST"]
)
_per_client = limiter.shared_limit(
    posting_limit, scope="contributions-ip", key_func=client_ip, methods=["POST"]
)


def posting_limits(view):
    """Both limits on one view, keeping the permission marker of the view underneath."""
    limited = _per_client(_per_account(view))
    if hasattr(view, "required_permission"):
        limited.required_permission = view.required_permission
    return limited

"""ApiError: an error with a machine-readable code that any layer may raise; the errors blueprint renders it in the one shape."""
from __future__ import annotations


class ApiError(Exception):
    """An error with a machine-readable code, raised by views and rendered in the shared shape."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

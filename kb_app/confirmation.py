"""ConfirmForm: a button that changes something (send, withdraw, delete) carries only the CSRF token."""
from __future__ import annotations

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A button that changes something: carries only the CSRF token."""

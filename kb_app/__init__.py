"""The M.I.C.R.O. knowledge base: Flask application factory."""
from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from .settings import (
    PROJECT_ROOT,
    ensure_data_dir,
    load_or_create_secret,
    read_settings,
)

# The hub cannot be reached from our machines; never let a model load try it.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from defaults, then the environment, then the dict a caller (a test) passes."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
    )
    app.config.update(read_settings())
    if config:
        app.config.update(config)

    data_dir = ensure_data_dir(Path(app.config["KB_DATA_DIR"]).resolve())
    app.config["KB_DATA_DIR"] = str(data_dir)
    app.config["SECRET_KEY"] = app.config.get("KB_SECRET_KEY") or load_or_create_secret(data_dir)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=float(app.config["KB_SESSION_HOURS"]))
    app.config.setdefault("JSON_SORT_KEYS", False)
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    logging.basicConfig(level=getattr(logging, str(app.config["KB_LOG_LEVEL"]).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Migrations and model loading are routine; their INFO lines drown what an operator needs to see.
    for noisy in ("alembic", "sentence_transformers", "httpx", "faiss"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from . import attachment_files, bidi, db, i18n, notifications, rate_limit, request_limits, search_service
    from . import security, templating
    from .cors import add_cors_headers
    from .documents import reading

    # Set before any template compiles: the hook is compiled into every {{ ... }} output.
    app.jinja_env.finalize = bidi.finalize

    db.init_app(app)
    notifications.init_app(app)
    search_service.init_app(app)
    reading.init_app(app)
    security.init_app(app)
    request_limits.init_app(app)
    rate_limit.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)  # every template filter and helper, the blueprints' and documents' too
    attachment_files.init_app(app)
    # App-wide, so that unknown /api/ paths and their errors are readable cross-origin too.
    app.after_request(add_cors_headers)

    from .api import account_bp as api_tokens_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .errors import bp as errors_bp
    from .lists import bp as lists_bp
    from .feeds import bp as feeds_bp
    from .harvest import bp as harvest_bp
    from .learning import bp as learning_bp
    from .records import bp as records_bp
    from .review import bp as review_bp
    from .search import bp as search_bp
    from .submit import bp as submit_bp
    from .training import bp as training_bp
    from .alerts import bp as alerts_bp
    from .organisations import bp as organisations_bp

    app.register_blueprint(errors_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(api_tokens_bp)  # the token page lives at /account/tokens, outside the API prefix
    app.register_blueprint(auth_bp)
    app.register_blueprint(submit_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(lists_bp)
    app.register_blueprint(harvest_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(learning_bp)
    app.register_blueprint(training_bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(organisations_bp)
    return app

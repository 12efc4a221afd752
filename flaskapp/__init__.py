"""The Safety Desk web tool: ``create_app()`` builds it, one blueprint per audience."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from flaskapp import (
    access,
    admin,
    alerts,
    api,
    auth,
    context,
    devmode,
    errors,
    hash_matches,
    health,
    home,
    i18n,
    input_limits,
    locks,
    metrics,
    oncall,
    patterns,
    queue,
    reportincident,
    requests,
    security,
    wellness,
)
from flaskapp.extensions import csrf, init_limiter
from tools.base.config import Settings, load_settings
from tools.oncall import listen_for_emergencies

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from checked settings (read from the environment when none are given)."""
    settings = settings or load_settings()
    # Filing an emergency calls out in its own transaction (tools.cases.emergency).
    listen_for_emergencies()
    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()))
    i18n.init_app(app)  # before security: Flask-Babel's _() is there before any fallback
    security.init_app(app)
    input_limits.init_app(app)
    app.config.update(
        SECRET_KEY=settings.secret_key.get_secret_value() or _development_key(),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.environment == "production",
        SESSION_COOKIE_NAME="safetydesk_session",
    )
    app.config["HSTS"] = settings.environment == "production"  # browsers keep to https
    if settings.proxy_hops:  # Toolforge's front proxy: the client's address and https
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    context.init_app(app, settings)
    csrf.init_app(app)
    access.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    devmode.init_app(app)
    init_limiter(app)  # after access: limits count per signed-in person
    requests.init_app(app)
    api.init_app(app)

    app.register_blueprint(home.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(requests.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(locks.bp)
    app.register_blueprint(queue.bp)
    app.register_blueprint(alerts.bp)
    app.register_blueprint(patterns.bp)
    app.register_blueprint(metrics.bp)
    wellness.init_app(app)
    hash_matches.init_app(app)
    reportincident.init_app(app)
    oncall.init_app(app)
    return app


def _development_key() -> str:
    """A per-process key, so a missing SAFETYDESK_SECRET_KEY never means a guessable one."""
    log.warning("SAFETYDESK_SECRET_KEY is not set: sessions will not survive a restart")
    return secrets.token_hex(32)

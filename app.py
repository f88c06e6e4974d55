"""Interpelle: the application factory, and `app` for `flask --app app`."""
import os
from urllib.parse import urlsplit

from dotenv import load_dotenv
from flask import Flask, abort, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

import commands
import config as settings
from blueprints import (
    accounts, admin, api, campaigns, comments, devmail, elus, errors, feeds, filters, languages,
    moderation, newsletter, proposals, reach, rendering, request_log, site_pages, switches,
    system,
)
from extensions import babel, csrf, limiter, login_manager, mail
from models import db, is_sqlite, open_database
from services.accounts import user_for_session
from services.logs import configure_logging

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


# No page of ours uses any of these: no embedded page may either.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def create_app(config=None):
    """Build the application; `config` overrides what the environment says."""
    load_dotenv()
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(settings.from_environment(app.instance_path))
    app.config.update(config or {})
    _refuse_development_secret_in_production(app)
    _refuse_plain_http_in_production(app)
    os.makedirs(app.instance_path, exist_ok=True)
    _configure_defaults(app)

    _init_database(app)
    babel.init_app(app, default_locale=languages.DEFAULT_LANGUAGE, default_timezone="Europe/Paris",
                   locale_selector=languages.select_locale)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(user_for_session)
    filters.register(app)
    errors.register(app)
    app.register_blueprint(campaigns.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(comments.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(proposals.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(elus.bp)
    app.register_blueprint(system.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(newsletter.bp)
    app.register_blueprint(reach.bp)
    app.register_blueprint(site_pages.bp)
    languages.register(app)
    rendering.register(app)
    if app.config["DEV_MAILBOX"]:
        app.register_blueprint(devmail.bp)
    if app.config.get("BENCH_FLOOR", settings.env_bool("BENCH_FLOOR")):
        from blueprints import benchfloor  # the benchmark's floor, never on a real site
        benchfloor.register(app)
    commands.register(app)
    app.before_request(_refuse_nul_bytes)
    app.before_request(_refuse_file_parts)
    switches.register(app)  # read-only mode and paused signing refuse writes here
    request_log.register(app)
    app.after_request(_security_headers)
    if app.config.get("PROXY_COUNT"):
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    configure_logging(app.config["LOG_LEVEL"])
    return app


def _refuse_development_secret_in_production(app):
    if app.debug or app.testing:
        return
    if app.config["SECRET_KEY"] == settings.DEV_SECRET_KEY:
        raise RuntimeError(
            "SECRET_KEY is the development key: set SECRET_KEY in the environment "
            "or in .env (`make run` writes one for development).")


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _refuse_plain_http_in_production(app):
    """Links in emails and Secure cookies follow SITE_URL: in production it is the site's
    https address, unless the operator says this is a local install."""
    if app.debug or app.testing or app.config["LOCAL_INSTALL"]:
        return
    site = urlsplit(app.config["SITE_URL"])
    if site.scheme != "https" and site.hostname not in LOOPBACK:
        raise RuntimeError(
            "SITE_URL must be the site's https:// address in production "
            "(or set LOCAL_INSTALL=1 for a local install served over http).")


def _configure_defaults(app):
    config = app.config
    config.setdefault("DEV_MAILBOX", app.debug and not config["MAIL_SERVER"])
    config.setdefault("RATELIMIT_STORAGE_URI", config["REDIS_URL"] or "memory://")
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    config.setdefault("PROXY_COUNT", settings.env_int("PROXY_COUNT", 0))


def _init_database(app):
    db.initialize(open_database(app.config["DATABASE_URL"]))

    @app.before_request
    def _connect():
        # /healthz connects by itself, so that a broken database is its answer.
        if request.endpoint not in ("static", "system.healthz"):
            db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        # A SQLite connection is kept by its worker (opening one costs more than most
        # requests); a pooled PostgreSQL connection goes back to the pool.
        if not db.is_closed() and not is_sqlite():
            db.close()


def _refuse_nul_bytes():
    """No address or query of ours holds a NUL byte, and PostgreSQL answers one with an error.

    Form fields are left to their validators, which say so next to the field.
    """
    if any("\x00" in value for value in [request.path, *request.args.values()]):
        abort(400)


def _refuse_file_parts():
    """No form of ours takes a file: a text field sent as a file part would reach the
    validators as an object they cannot measure."""
    if request.method == "POST" and request.mimetype == "multipart/form-data" and request.files:
        abort(400)


def _security_headers(response):
    policy = response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    # No site may frame our pages, but the widget, whose own policy lets any site do so.
    if "frame-ancestors *" not in policy:
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if current_app.config["SITE_URL"].startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security",
                                    "max-age=31536000; includeSubDomains")
    return response


app = create_app()

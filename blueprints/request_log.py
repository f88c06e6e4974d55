"""One log line per request: method, path (tokens redacted), status, duration; the
client's address only when LOG_CLIENT_ADDRESSES says so."""
import logging
import time

from flask import current_app, g, request

from services.logs import keep_clean, redact_path

log = logging.getLogger("interpelle.request")


def _start_clock():
    g.request_started = time.perf_counter()


def _log_request(response):
    started = g.pop("request_started", None)
    if started is None or not log.isEnabledFor(logging.INFO):
        return response
    milliseconds = (time.perf_counter() - started) * 1000
    # The path only: a query string can hold what someone typed (a search, an address).
    line = (f"{request.method} {redact_path(request.path)} {response.status_code} "
            f"{milliseconds:.1f}ms")
    if current_app.config["LOG_CLIENT_ADDRESSES"]:
        line += f" client={request.remote_addr}"
    log.info(line)
    return response


def register(app):
    # First in, so that the duration counts the other hooks too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    app.after_request(_log_request)
    keep_clean(app.logger)  # Flask logs an unhandled error as "Exception on <path>"

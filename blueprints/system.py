"""Operators' endpoints."""
from flask import Blueprint, current_app, jsonify

from services import health

bp = Blueprint("system", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, the schema is migrated and the outbox worker beats;
    503 otherwise, saying which."""
    healthy, body = health.report(current_app.config["HEALTH_WORKER_MAX_AGE"])
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response

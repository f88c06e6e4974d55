"""Operators' endpoints."""
from flask import Blueprint, jsonify

from models import db

bp = Blueprint("system", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the application and its database answer."""
    try:
        db.execute_sql("SELECT 1").fetchone()
    except Exception:  # any database failure means "not healthy", whatever its type
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok")

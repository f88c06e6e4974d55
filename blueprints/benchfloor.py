"""The benchmark's floor: the cheapest write request this stack can answer.

`python -m bench` measures every scenario against this endpoint, which goes
through the same server, request hooks and database connection as the real
pages but does nothing except insert one row. The application registers it only
when BENCH_FLOOR is set; it must never be reachable on a real site.
"""
from flask import Blueprint
from peewee import AutoField, DateTimeField

from extensions import csrf
from models import BaseModel, db, utcnow

bp = Blueprint("benchfloor", __name__, url_prefix="/_bench")


class FloorHit(BaseModel):
    """One row per request to the floor endpoint."""

    id = AutoField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "bench_floor_hit"


@bp.post("/floor")
@csrf.exempt
def floor():
    """Insert one row, answer 204."""
    FloorHit.insert(created_at=utcnow()).execute()
    return "", 204


def create_table():
    """Create the floor's table if it is missing (safe to call again)."""
    with db.connection_context():
        FloorHit.create_table(safe=True)


def register(app):
    """Attach the floor endpoint to `app` and make sure its table exists."""
    app.register_blueprint(bp)
    create_table()

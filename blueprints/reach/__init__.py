"""Passing a campaign on: the widget other sites frame, share links, recommending by email."""
from flask import Blueprint

bp = Blueprint("reach", __name__)

# The routes and the template helpers register themselves on `bp`.
from blueprints.reach import routes  # noqa: E402,F401

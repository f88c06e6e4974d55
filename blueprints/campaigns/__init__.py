"""Public campaign pages: reading, signing (with or without an account), confirming."""
from flask import Blueprint

bp = Blueprint("campaigns", __name__)

# The modules register their routes on `bp`.
from blueprints.campaigns import lists, member, pages, participation  # noqa: E402,F401

"""Admin: journal."""
from blueprints.admin import bp  # noqa: F401

"""Admin: users."""
from blueprints.admin import bp  # noqa: F401

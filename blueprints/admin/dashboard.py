"""Admin: dashboard."""
from blueprints.admin import bp  # noqa: F401

"""Admin: campaigns."""
from blueprints.admin import bp  # noqa: F401

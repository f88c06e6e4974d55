"""Accounts: inscription, connexion, mot de passe, Mon profil, and the member's data."""
from blueprints.accounts.routes import bp

__all__ = ["bp"]

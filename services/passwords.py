"""Password rules and hashing (Argon2id, memory-hard)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

MIN_LENGTH = 10
FRENCH_FAVOURITES = {
    "azertyuiop", "azertyuiop1", "motdepasse", "motdepasse1", "motdepasse123",
    "1234567890a", "bonjour123", "soleil1234", "marseille13", "doudou1234",
    "chocolat12", "loulou1234", "nicolas123", "jetaime123", "coucou1234",
}
_common = []


def common_passwords():
    """zxcvbn's 30,000 most used passwords and a few French favourites, loaded on first use
    (its module holds several dictionaries: 12 MB a process that never checks a password
    need not carry)."""
    if not _common:
        from zxcvbn.frequency_lists import FREQUENCY_LISTS
        _common.append(set(FREQUENCY_LISTS["passwords"]) | FRENCH_FAVOURITES)
    return _common[0]


def password_problem(password, email=""):
    """What is wrong with a new password, in the page's language, or None."""
    if len(password or "") < MIN_LENGTH:
        return _("Le mot de passe doit compter au moins %(num)s caractères.", num=MIN_LENGTH)
    if len(password) > 200:
        return _("Le mot de passe ne peut pas dépasser 200 caractères.")
    lowered = password.lower()
    if lowered in common_passwords() or lowered == (email or "").lower() or len(set(password)) < 4:
        return _("Ce mot de passe est trop courant ou trop simple : choisissez-en un autre.")
    return None


def _hasher():
    config = current_app.config
    return PasswordHasher(time_cost=config.get("ARGON2_TIME_COST", 3),
                          memory_cost=config.get("ARGON2_MEMORY_KIB", 65536),
                          parallelism=config.get("ARGON2_PARALLELISM", 2))


def hash_password(password):
    return _hasher().hash(password)


# Checking a password against this hash costs the same as against a real one,
# so that an unknown address answers in the same time as a known one.
def _decoy_hash():
    config = current_app.extensions.setdefault("interpelle", {})
    if "decoy_hash" not in config:
        config["decoy_hash"] = hash_password("decoy password that matches nothing")
    return config["decoy_hash"]


def check_password(password_hash, password):
    """True when the password matches; a missing hash still costs one verification."""
    try:
        return _hasher().verify(password_hash or _decoy_hash(), password or "") and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False

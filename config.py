"""Configuration read from the environment (and an optional `.env`)."""
import os

DEV_SECRET_KEY = "dev-only-secret-key-change-me"

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name, default=False):
    """Read a boolean written as 1/0, true/false or yes/no."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{name} must be 1/0, true/false or yes/no, not {raw!r}")


def env_int(name, default):
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


# Thousands of people share each of these: a burst from one of them is no signal.
MAJOR_MAIL_PROVIDERS = (
    "gmail.com", "googlemail.com", "hotmail.com", "hotmail.fr", "outlook.com", "outlook.fr",
    "live.fr", "live.com", "msn.com", "yahoo.com", "yahoo.fr", "icloud.com", "me.com",
    "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "neuf.fr", "laposte.net", "bbox.fr",
    "gmx.fr", "gmx.com", "proton.me", "protonmail.com", "aol.com",
)


def env_list(name, default):
    """A comma-separated list (lower case); unset keeps `default`, empty means none."""
    raw = os.environ.get(name)
    if raw is None:
        return frozenset(default)
    return frozenset(item.strip().lower() for item in raw.split(",") if item.strip())


def from_environment(instance_path):
    """Build the configuration mapping that `create_app` starts from."""
    default_db = "sqlite:///" + os.path.join(instance_path, "interpelle.sqlite3")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "DATABASE_URL": os.environ.get("DATABASE_URL", default_db),
        "SITE_URL": os.environ.get("SITE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SITE_NAME": os.environ.get("SITE_NAME", "Interpelle"),
        # Production wants an https SITE_URL; a local install over http says so here.
        "LOCAL_INSTALL": env_bool("LOCAL_INSTALL"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": env_int("MAIL_PORT", 25),
        "MAIL_USE_TLS": env_bool("MAIL_USE_TLS"),
        "MAIL_USE_SSL": env_bool("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "ne-pas-repondre@interpelle.example.org"),
        # Flask-Mail follows TESTING unless told; the outbox decides when to send.
        "MAIL_SUPPRESS_SEND": False,
        # Messages per second to each recipient domain, with overrides
        # ("10;education.gouv.fr=5"), and over all domains (0: no limit).
        "MAIL_RATE_PER_DOMAIN": os.environ.get("MAIL_RATE_PER_DOMAIN", "10"),
        "MAIL_RATE": os.environ.get("MAIL_RATE", "0"),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "SIGN_RATE_LIMIT": os.environ.get("SIGN_RATE_LIMIT", "20 per minute;200 per hour"),
        "SIGN_ADDRESS_RATE_LIMIT": os.environ.get("SIGN_ADDRESS_RATE_LIMIT", "10 per hour"),
        "CONFIRM_RATE_LIMIT": os.environ.get("CONFIRM_RATE_LIMIT", "30 per minute"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "ACCOUNT_RATE_LIMIT": os.environ.get("ACCOUNT_RATE_LIMIT", "20 per hour"),
        "ACCOUNT_MAIL_RATE_LIMIT": os.environ.get("ACCOUNT_MAIL_RATE_LIMIT", "5 per hour"),
        # Per account: changing the password or address, deleting the account.
        "PASSWORD_CHECK_RATE_LIMIT": os.environ.get("PASSWORD_CHECK_RATE_LIMIT",
                                                    "5 per minute;20 per hour"),
        # Per member (keyed on the account, not the address of origin).
        "COMMENT_RATE_LIMIT": os.environ.get("COMMENT_RATE_LIMIT", "5 per minute;30 per hour"),
        "PROPOSAL_RATE_LIMIT": os.environ.get("PROPOSAL_RATE_LIMIT", "5 per day"),
        "REPORT_RATE_LIMIT": os.environ.get("REPORT_RATE_LIMIT", "10 per minute;50 per day"),
        # The public Lettre d'infos form mails a confirmation link: per client and per address.
        "NEWSLETTER_SUBSCRIBE_RATE_LIMIT": os.environ.get("NEWSLETTER_SUBSCRIBE_RATE_LIMIT",
                                                          "5 per hour"),
        # How fast an announcement leaves, all subscribers together.
        "NEWSLETTER_RATE": os.environ.get("NEWSLETTER_RATE", "3000 per hour"),
        "RATELIMIT_ENABLED": env_bool("RATELIMIT_ENABLED", True),
        # Soft signals (services/abuse.py): beyond these, a participation is held as suspect.
        "SUSPECT_NETWORK_BURST": os.environ.get("SUSPECT_NETWORK_BURST", "30 per 10 minutes"),
        "SUSPECT_DOMAIN_BURST": os.environ.get("SUSPECT_DOMAIN_BURST", "100 per 10 minutes"),
        "SUSPECT_DOMAIN_EXEMPT": env_list("SUSPECT_DOMAIN_EXEMPT", MAJOR_MAIL_PROVIDERS),
        # Privacy: personal fields erased this long after a campaign closed; networks sooner.
        "PURGE_AFTER_MONTHS": env_int("PURGE_AFTER_MONTHS", 6),
        "IP_RETENTION_DAYS": env_int("IP_RETENTION_DAYS", 30),
        "CONFIRMATION_MAX_AGE": env_int("CONFIRMATION_MAX_AGE", 7 * 24 * 3600),
        "COUNTER_CACHE_SECONDS": env_int("COUNTER_CACHE_SECONDS", 5),
        "PAGE_CACHE_SECONDS": env_int("PAGE_CACHE_SECONDS", 5),
        # The open-data API (/api/…): how long its answers are kept, here and by clients.
        "API_CACHE_SECONDS": env_int("API_CACHE_SECONDS", 30),
        # Operations: logs, health, backups.
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "LOG_CLIENT_ADDRESSES": env_bool("LOG_CLIENT_ADDRESSES"),
        "HEALTH_WORKER_MAX_AGE": env_int("HEALTH_WORKER_MAX_AGE", 300),
        "BACKUP_KEEP": env_int("BACKUP_KEEP", 14),
        "WTF_CSRF_TIME_LIMIT": None,
        # No form of ours needs more; a bigger body is refused before it is read (413).
        "MAX_CONTENT_LENGTH": env_int("MAX_CONTENT_LENGTH", 1024 * 1024),
        "PREVIEW_RATE_LIMIT": os.environ.get("PREVIEW_RATE_LIMIT", "120 per minute"),
        # Recommending a campaign by email: per sender (account or session) and per
        # address of origin; and per recipient address across all senders.
        "RECOMMEND_RATE_LIMIT": os.environ.get("RECOMMEND_RATE_LIMIT", "5 per hour;20 per day"),
        "RECOMMEND_RECIPIENT_LIMIT": os.environ.get("RECOMMEND_RECIPIENT_LIMIT", "3 per day"),
        # Where a recipient reports an abusive recommendation (default: MAIL_DEFAULT_SENDER).
        "ABUSE_CONTACT": os.environ.get("ABUSE_CONTACT", ""),
        # Who runs the site, for the Mentions légales (/pages/mentions-legales).
        "OPERATOR_NAME": os.environ.get("OPERATOR_NAME", ""),
        "OPERATOR_ADDRESS": os.environ.get("OPERATOR_ADDRESS", ""),
        "CONTACT_EMAIL": os.environ.get("CONTACT_EMAIL", ""),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SITE_URL", "").startswith("https://"),
        "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": os.environ.get("SITE_URL", "").startswith("https://"),
    }

"""Soft signals against bots: a participation that trips one is held as *suspect*.

A suspect participation is stored, never counted, and mails nobody, while its signer
gets the very answer anybody else gets: a bot learns nothing from trying. An admin then
releases or discards it (services/fraud.py). The signals are a filled honeypot, and a
burst of participations in one campaign from one client network or one email domain,
counted in a moving window on the rate limiter's storage (Redis when several workers
share the load), one storage round trip per signal.
"""
import functools
import ipaddress
import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from extensions import limiter
from models import BlockedAddress, Signature, run_sql

log = logging.getLogger(__name__)

HONEYPOT = "honeypot"
NETWORK_BURST = "network-burst"
DOMAIN_BURST = "domain-burst"
# Shown to the admin (the stored reason is the code).
REASONS = {HONEYPOT: _l("Champ piège rempli"), NETWORK_BURST: _l("Rafale depuis un même réseau"),
           DOMAIN_BURST: _l("Rafale depuis un même domaine de courriel")}

IPV4_PREFIX = 24
IPV6_PREFIX = 48


@dataclass(frozen=True)
class Origin:
    """Where a participation comes from, as the web layer saw it."""

    remote_addr: str = ""
    honeypot_filled: bool = False


def network_of(remote_addr):
    """The client's network, an IPv4 /24 or an IPv6 /48: precise enough to spot a burst,
    too coarse to name one machine. "" when unknown: no address, or the loopback, which
    is a reverse proxy speaking (PROXY_COUNT unset), not a client: counting it would
    hold every signer of a busy day as one burst."""
    try:
        address = ipaddress.ip_address((remote_addr or "").strip())
    except ValueError:
        return ""
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return ""
    prefix = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def domain_of(email_key):
    return email_key.rpartition("@")[2]


def assess(signature, origin):
    """Note the participation's network and, when a signal trips, hold it as suspect."""
    if origin is None:
        return
    signature.ip_network = network_of(origin.remote_addr)
    reason = _suspect_reason(signature, origin)
    if reason:
        signature.status = Signature.SUSPECT
        signature.suspect_reason = reason


def _suspect_reason(signature, origin):
    if origin.honeypot_filled:
        return HONEYPOT
    config = current_app.config
    if signature.ip_network and _burst("SUSPECT_NETWORK_BURST", "network",
                                       signature.campaign_id, signature.ip_network):
        return NETWORK_BURST
    domain = domain_of(signature.email_key)
    if domain not in config["SUSPECT_DOMAIN_EXEMPT"] and _burst(
            "SUSPECT_DOMAIN_BURST", "domain", signature.campaign_id, domain):
        return DOMAIN_BURST
    return ""


def _burst(setting, kind, campaign_id, value):
    """Count one more participation from `value`; True once beyond the configured rate."""
    rate = current_app.config[setting]
    if not rate or rate.strip() == "0":
        return False
    item = _parsed(rate)
    try:
        return not _window().hit(item, "suspect", kind, str(campaign_id), value)
    except Exception as error:  # noqa: BLE001 (storage down: sign as if there were no signal)
        log.warning("abuse signals: the counter storage failed (%s)", type(error).__name__)
        return False


@functools.lru_cache(maxsize=8)
def _parsed(rate):
    """The rate's `limits` item, parsed once per setting rather than at every signing."""
    return parse(rate)


def _window():
    """The moving-window counter on the limiter's storage, made once per application."""
    app = current_app._get_current_object()
    window = app.extensions.get("abuse_window")
    if window is None:
        window = app.extensions["abuse_window"] = MovingWindowRateLimiter(_storage(app))
    return window


def _storage(app):
    """The limiter's own storage when it runs (one memory store and its expiry thread per
    process, not two); the same URI opened apart when rate limits are switched off."""
    if app.config["RATELIMIT_ENABLED"] and limiter.enabled and limiter.initialized:
        return limiter.storage
    return storage_from_string(app.config["RATELIMIT_STORAGE_URI"])


# Blocked domains and addresses -------------------------------------------------------

BLOCKED_MESSAGE = _l("Cette adresse électronique ne peut pas être utilisée pour participer. "
                     "Indiquez votre adresse personnelle habituelle.")


def is_blocked(email_key):
    """True when the address, or its domain, is on the admins' list of blocked ones."""
    domain = domain_of(email_key)
    return run_sql('SELECT 1 FROM "blockedaddress" WHERE ("kind" = ? AND "value" = ?) '
                   'OR ("kind" = ? AND "value" = ?) LIMIT 1',
                   BlockedAddress.DOMAIN, domain, BlockedAddress.ADDRESS, email_key
                   ).fetchone() is not None

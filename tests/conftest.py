"""Fixtures: the app on a real database (SQLite file, or PostgreSQL), clients, a real SMTP server.

Every test that uses `app` runs once on SQLite and once on PostgreSQL. PostgreSQL
runs when TEST_DATABASE_URL is set; INTERPELLE_REQUIRE_POSTGRES=1 (as in CI)
turns its absence into a failure instead of a skip.
"""
import logging
import os
import re
import socket
import threading

import pytest

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from app import create_app  # noqa: E402  (the environment above must come first)
from migrations import create_latest  # noqa: E402
from models import ALL_MODELS, Campaign, db  # noqa: E402
from services import demo  # noqa: E402

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
DEMO_CYBERACTION = "/cyberactions/arret-migration-m365"
DEMO_PETITION = "/petitions/sauvons-la-ligne-paris-granville"
DEMO_CLOSED = "/cyberactions/eau-bien-commun"
SAMPLE_COMMUNES = os.path.join(os.path.dirname(__file__), "fixtures", "communes-sample.csv")


def required(name):
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


def empty_test_redis():
    """TEST_REDIS_URL's database, emptied; skips without it (fails where it is required)."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if required("INTERPELLE_REQUIRE_REDIS"):
            pytest.fail("TEST_REDIS_URL is required (INTERPELLE_REQUIRE_REDIS=1)")
        pytest.skip("Redis not configured (set TEST_REDIS_URL)")
    import redis
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if required("INTERPELLE_REQUIRE_POSTGRES"):
            pytest.fail("TEST_DATABASE_URL is required (INTERPELLE_REQUIRE_POSTGRES=1)")
        pytest.skip("PostgreSQL not configured (set TEST_DATABASE_URL)")
    return url


def make_test_app(database_url, **overrides):
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SITE_URL": "http://interpelle.test",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": "",
        "MAIL_DEFAULT_SENDER": "ne-pas-repondre@interpelle.test",
        "DEV_MAILBOX": False,
        # Argon2id still, at a cost that keeps the suite quick.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 8192,
        "ARGON2_PARALLELISM": 1,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app_config():
    """Extra configuration for the `app` fixture; override in a test module."""
    return {}


def demo_app(database_url, **config):
    """The test application on an emptied database holding the demo campaigns and places."""
    app = make_test_app(database_url, **config)
    with app.app_context():
        db.connect(reuse_if_open=True)
        db.drop_tables(ALL_MODELS, safe=True, cascade=not database_url.startswith("sqlite"))
        create_latest()
        demo.load_demo_campaigns()
        demo.load_demo_places(SAMPLE_COMMUNES)
        db.close()
    return app


@pytest.fixture
def app(database_url, app_config):
    app = demo_app(database_url, **app_config)
    yield app
    with app.app_context():
        db.close()
        if hasattr(db.obj, "close_all"):
            db.obj.close_all()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def htmx(app):
    """A client whose requests say they come from htmx."""
    client = app.test_client()
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def database(app):
    """Query the models directly (they connect on demand); no app context is held,
    so that `g` is not shared between the test's requests."""
    yield db
    if not db.is_closed():
        db.close()


def csrf_token(client, url=DEMO_CYBERACTION):
    html = client.get(url).get_data(as_text=True)
    return CSRF_INPUT.search(html).group(1)


def signer(**overrides):
    fields = {
        "last_name": "Durand",
        "first_name": "Hélène",
        "email": "helene.durand@example.net",
        "postal_code": "75011",
        "city": "Paris",
        "country": "FR",
        "profession": "Enseignante",
        "address": "",
    }
    fields.update(overrides)
    return fields


def post_signature(client, url=DEMO_CYBERACTION, **overrides):
    data = signer(**overrides)
    data["csrf_token"] = csrf_token(client, url)
    return client.post(f"{url}/signer", data=data)


def campaign_at(url):
    return Campaign.by_slug(*url.strip("/").split("/"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """What a real SMTP server received: envelopes and parsed messages."""

    def __init__(self):
        self.envelopes = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted"

    @property
    def messages(self):
        import email
        from email import policy
        with self.lock:
            return [email.message_from_bytes(env.content, policy=policy.default)
                    for env in self.envelopes]


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that can be stopped and started again on its port."""

    def __init__(self):
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller = None

    def start(self):
        from aiosmtpd.controller import Controller
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


MEMBER_PASSWORD = "cheval-batterie-agrafe"


def make_member(app, email="membre@example.net", role="member", **profile):
    """A verified account with complete details, as `create-user` then Mon profil make it."""
    from models import User
    from services import accounts
    with app.app_context():
        user = accounts.create_verified_user(email, MEMBER_PASSWORD, role)
        details = {"last_name": "Martin", "first_name": "Camille", "postal_code": "35000",
                   "city": "Rennes", "country": "FR", "profession": "Infirmière"}
        details.update(profile)
        User.update(**details).where(User.id == user.id).execute()
        return User.get_by_id(user.id)


ADMIN_EMAIL = "admin@example.net"


@pytest.fixture
def admin(app, client):
    """The test client, logged in as an admin named Alice Admin."""
    make_member(app, ADMIN_EMAIL, role="admin", first_name="Alice", last_name="Admin")
    log_in(client, ADMIN_EMAIL)
    return client


def log_in(client, email="membre@example.net", password=MEMBER_PASSWORD, remember=False):
    token = csrf_token(client, "/connexion")
    data = {"csrf_token": token, "email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/connexion", data=data)


def delete_own_account(client, password=MEMBER_PASSWORD):
    """Mon profil → Supprimer mon compte, confirmed."""
    return client.post("/compte/supprimer", data={
        "csrf_token": csrf_token(client, "/compte/supprimer"), "password": password,
        "confirm": "y"})


def assert_no_table_holds(*traces):
    """Walk every row of every model: none may contain any of the traces."""
    for model in ALL_MODELS:
        for row in model.select().dicts():
            assert not any(trace in str(value) for value in row.values()
                           for trace in traces), (model.__name__, row)


# Browser tests (tests/browser_support.py, imported here only when a test asks) -------------

@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module."""
    from browser_support import chromium
    with chromium() as launched:
        yield launched


@pytest.fixture
def live_server(tmp_path):
    """The demo site on a fresh SQLite database, served over HTTP for one test."""
    from browser_support import live_demo_server
    with live_demo_server(tmp_path) as server:
        yield server


# The log test over the whole suite ------------------------------------------------------------

# What no log line may hold: an address, a link's token (itsdangerous' payload.time.signature,
# or one of our 32-hex nonces), or the name conftest's signer() signs with.
PERSONAL_DATA_IN_LOGS = re.compile(
    r"[^\s@<>()\"',;:]+@[^\s@<>()\"',;:]+\.[A-Za-z]{2,}"
    r"|[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{16,}"
    r"|(?<![0-9a-fA-F])[0-9a-fA-F]{32}(?![0-9a-fA-F])"
    r"|Durand|Hélène")


class LogLines(logging.Handler):
    """Every record any logger writes during one test, formatted as a log file shows it."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines = []

    # The test's SMTP server (aiosmtpd) logs the envelopes it receives: the relay's side.
    # peewee's DEBUG lines (every query with its parameters) only exist where a test turns
    # them on to count queries: configure_logging keeps peewee at INFO whatever LOG_LEVEL.
    NOT_OURS = ("mail.log", "peewee")

    def emit(self, record):
        if record.name in self.NOT_OURS:
            return
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - a record that cannot format is still checked
            self.lines.append(f"{record.msg!r} {record.args!r}")


@pytest.fixture(autouse=True)
def no_personal_data_in_logs():
    """Fails the test whose log lines hold an address, a token or a signer's name."""
    lines = LogLines()
    root = logging.getLogger()
    root.addHandler(lines)
    yield lines
    root.removeHandler(lines)
    leaks = [line for line in lines.lines if PERSONAL_DATA_IN_LOGS.search(line)]
    assert not leaks, "personal data in the logs:\n" + "\n".join(leaks[:10])

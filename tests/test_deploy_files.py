"""The example files in deploy/ parse, and say what docs/deploy.md says they do.

systemd units are read with configparser in strict mode (a key twice in a section, or a
section twice, is an error there as it is a surprise in systemd); nginx's configuration
with crossplane, nginx's own grammar.
"""
import configparser
import re
import shlex
from pathlib import Path

import crossplane
import pytest

from app import create_app

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
UNITS = DEPLOY / "systemd"
NGINX = DEPLOY / "nginx" / "interpelle.conf"


def unit(name):
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((UNITS / name).read_text(), source=name)
    return parser


def exec_start(parsed):
    return shlex.split(parsed["Service"]["ExecStart"])


@pytest.mark.parametrize("name", sorted(path.name for path in UNITS.iterdir()))
def test_every_unit_parses_and_is_documented(name):
    parsed = unit(name)
    assert parsed["Unit"]["Description"]
    assert name in (DEPLOY.parent / "docs" / "deploy.md").read_text()


@pytest.mark.parametrize("name", ["interpelle-web.service", "interpelle-worker.service",
                                  "interpelle-backup.service"])
def test_services_run_as_the_application_user_with_its_environment(name):
    service = unit(name)["Service"]
    assert service["User"] == "interpelle" and service["Group"] == "interpelle"
    assert service["WorkingDirectory"] == "/srv/interpelle"
    assert service["EnvironmentFile"] == "/etc/interpelle/interpelle.env"
    assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict"
    assert exec_start(unit(name))[0].startswith("/srv/interpelle/.venv/bin/")


def test_the_web_unit_runs_gunicorn_on_the_loopback_with_the_exports_timeout():
    parsed = unit("interpelle-web.service")
    command = exec_start(parsed)
    assert command[0].endswith("/gunicorn") and command[-1] == "app:app"
    option = dict(zip(command[1:-1:2], command[2:-1:2]))
    assert option["--worker-class"] == "sync"
    assert option["--bind"] == "127.0.0.1:8000"
    assert int(option["--timeout"]) >= 300  # the admin's exports, built in the request
    assert "--access-logfile" not in command  # it would log the raw paths, tokens included
    assert parsed["Install"]["WantedBy"] == "multi-user.target"


def test_the_worker_unit_runs_the_outbox_worker_and_stops_it_with_sigterm():
    parsed = unit("interpelle-worker.service")
    assert exec_start(parsed)[1:] == ["--app", "app", "worker"]
    assert parsed["Service"]["KillSignal"] == "SIGTERM"
    assert parsed["Service"]["Restart"] == "always"


def test_the_backup_timer_runs_the_backup_command_every_night():
    service = unit("interpelle-backup.service")
    assert service["Service"]["Type"] == "oneshot"
    command = exec_start(service)
    assert command[1:4] == ["--app", "app", "backup"] and command[4] == "/var/backups/interpelle"
    assert "/var/backups/interpelle" in service["Service"]["ReadWritePaths"].split()
    timer = unit("interpelle-backup.timer")
    assert timer["Timer"]["Unit"] == "interpelle-backup.service"
    assert re.fullmatch(r"\*-\*-\* \d\d:\d\d:\d\d", timer["Timer"]["OnCalendar"])
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_the_environment_example_says_one_proxy():
    lines = dict(line.split("=", 1) for line in
                 (DEPLOY / "interpelle.env.example").read_text().splitlines()
                 if line and not line.startswith("#"))
    assert lines["PROXY_COUNT"] == "1"
    assert lines["SITE_URL"].startswith("https://")
    assert lines["BACKUP_KEEP"] == "14" and lines["LOG_CLIENT_ADDRESSES"] == "0"


# nginx ------------------------------------------------------------------------------------

def nginx_tree():
    parsed = crossplane.parse(str(NGINX), single=True, strict=False,
                              check_ctx=False, check_args=True)
    assert parsed["status"] == "ok", parsed["errors"]
    return parsed["config"][0]["parsed"]


def find(directives, name):
    return [directive for directive in directives if directive["directive"] == name]


def tls_server():
    servers = find(nginx_tree(), "server")
    return next(server["block"] for server in servers
                if any("443" in arguments for arguments in
                       [d["args"] for d in find(server["block"], "listen")]))


def locations(server):
    return {" ".join(directive["args"]): directive["block"]
            for directive in find(server, "location")}


def test_nginx_configuration_parses():
    assert nginx_tree()


def test_nginx_terminates_tls_and_redirects_plain_http():
    server = tls_server()
    assert find(server, "ssl_certificate") and find(server, "ssl_certificate_key")
    assert find(server, "ssl_protocols")[0]["args"] == ["TLSv1.2", "TLSv1.3"]
    plain = next(block["block"] for block in find(nginx_tree(), "server")
                 if block["block"] is not server)
    redirect = locations(plain)["/"]
    assert find(redirect, "return")[0]["args"] == ["301", "https://$host$request_uri"]


def test_nginx_forwards_what_proxy_count_1_reads():
    server = tls_server()
    headers = {d["args"][0]: d["args"][1] for d in find(server, "proxy_set_header")}
    # One proxy, which sets the header itself: ProxyFix with PROXY_COUNT=1 reads its entry.
    assert headers["X-Forwarded-For"] == "$remote_addr"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Forwarded-Host"] == "$host"
    upstream = find(nginx_tree(), "upstream")[0]["block"]
    assert find(upstream, "server")[0]["args"] == ["127.0.0.1:8000"]


def test_nginx_body_limit_matches_max_content_length():
    size = find(tls_server(), "client_max_body_size")[0]["args"][0]
    assert size.endswith("m")
    app = create_app({"TESTING": True})
    assert int(size[:-1]) * 1024 * 1024 == app.config["MAX_CONTENT_LENGTH"]


def test_nginx_caches_the_counter_and_the_widget_briefly():
    counters = "~ ^/(cyberactions|petitions)/[^/]+/(compteur|widget)$"
    every_location = locations(tls_server())
    cached = every_location[counters]
    pattern = re.compile(r"^/(cyberactions|petitions)/[^/]+/(compteur|widget)$")
    assert pattern.match("/petitions/sauvons-la-ligne-paris-granville/compteur")
    assert pattern.match("/cyberactions/arret-migration-m365/widget")
    assert not pattern.match("/cyberactions/arret-migration-m365/signer")
    zone = find(nginx_tree(), "proxy_cache_path")[0]["args"]
    assert find(cached, "proxy_cache")[0]["args"][0] in " ".join(zone)
    valid = find(cached, "proxy_cache_valid")[0]["args"]
    assert valid[0] == "200" and int(valid[1].rstrip("s")) <= 10
    # The signing form's answers are never cached: only this location has a cache.
    for where, block in every_location.items():
        if where != counters:
            assert not find(block, "proxy_cache"), where


def nginx_map():
    mapping = find(nginx_tree(), "map")[0]
    pairs = [(d["directive"], d["args"][0]) for d in mapping["block"]]
    return mapping["args"], pairs


def logged_path(path):
    """What the map gives for `path`, evaluated as nginx does (first regex that matches)."""
    _, pairs = nginx_map()
    for source, result in pairs:
        if source == "default":
            continue
        match = re.search(source.lstrip("~").replace("(?<", "(?P<"), path)  # PCRE → Python
        if match:
            return re.sub(r"\$(\w+)", lambda m: match.group(m.group(1)) or "", result)
    return path


def test_nginx_access_log_drops_tokens_and_query_strings():
    server = tls_server()
    log = find(server, "access_log")[0]["args"]
    formats = {d["args"][0]: "".join(d["args"][1:]) for d in find(nginx_tree(), "log_format")}
    line = formats[log[1]]
    assert "$interpelle_logged_path" in line
    for leaky in ("$request ", "$request_uri", "$args", "$query_string", "$remote_addr",
                  "$http_referer"):
        assert leaky not in line + " "
    arguments, _ = nginx_map()
    assert arguments == ["$uri", "$interpelle_logged_path"]
    assert logged_path("/confirmer/InFvbyI.aBcDeF.abcdefghijklmnop") == "/confirmer/<jeton>"
    assert logged_path("/participation/InFvbyI.aBc.def/retirer") == "/participation/<jeton>/retirer"
    assert logged_path("/mot-de-passe/abc.def.ghi") == "/mot-de-passe/<jeton>"
    assert logged_path("/compte/verifier/abc") == "/compte/verifier/<jeton>"
    assert logged_path("/compte/courriel/abc") == "/compte/courriel/<jeton>"
    assert logged_path("/lettre-d-infos/confirmer/abc") == "/lettre-d-infos/confirmer/<jeton>"
    assert logged_path("/cyberactions/arret-migration-m365") == "/cyberactions/arret-migration-m365"


def test_nginx_gives_exports_the_time_gunicorn_does():
    read_timeout = find(tls_server(), "proxy_read_timeout")[0]["args"][0]
    command = exec_start(unit("interpelle-web.service"))
    gunicorn_timeout = int(command[command.index("--timeout") + 1])
    assert int(read_timeout.rstrip("s")) > gunicorn_timeout

"""Plain HTTP before the load: an administrator's session for the dashboard
scenario, opened as a browser would (GET the login page for its CSRF token and
session cookie, POST the form), and a page timed alone, one request at a time."""
import http.client
import re
import statistics
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

# wrk sends the same User-Agent: Flask-Login ties a session to the agent and
# would mark it as no longer fresh on every request otherwise.
USER_AGENT = "interpelle-bench"
TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


class UnexpectedAnswer(RuntimeError):
    """The server did not answer as a browser would expect."""


def request(base_url, method, path, cookie="", body=None):
    """(status, headers, body) of one request, redirects not followed."""
    location = urlsplit(base_url)
    connection = http.client.HTTPConnection(location.hostname, location.port, timeout=120)
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.headers, answer.read().decode("utf-8", "replace")
    finally:
        connection.close()


def session_cookie(headers, previous=""):
    """The `session=…` cookie the answer sets, or the previous one."""
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return f"session={jar['session'].value}" if "session" in jar else previous


def admin_cookie(base_url, email, password):
    """Log in and return the Cookie header of the administrator's session."""
    status, headers, page = request(base_url, "GET", "/connexion")
    token = TOKEN.search(page)
    if status != 200 or token is None:
        raise UnexpectedAnswer(f"GET /connexion answered {status} without a CSRF token")
    cookie = session_cookie(headers)
    form = urlencode({"csrf_token": token.group(1), "email": email, "password": password})
    status, headers, _ = request(base_url, "POST", "/connexion", cookie, form)
    cookie = session_cookie(headers, cookie)
    if status not in (302, 303):
        raise UnexpectedAnswer(f"POST /connexion answered {status} instead of a redirect")
    return cookie


def timed_alone(base_url, path, cookie, count):
    """GET `path` `count` times in a row, nothing else asked of the server; the
    latencies in ms (the first one on cold caches). Each must answer 200."""
    latencies = []
    for _ in range(count):
        started = time.monotonic()
        status, _, _ = request(base_url, "GET", path, cookie)
        latencies.append(round((time.monotonic() - started) * 1000, 1))
        if status != 200:
            raise UnexpectedAnswer(f"GET {path} answered {status} with the admin's session")
    return {"requests": count, "first_ms": latencies[0],
            "median_ms": statistics.median(latencies), "max_ms": max(latencies)}

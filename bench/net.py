"""Local networking helpers: everything the benchmark opens is on 127.0.0.1."""
import socket
import time
import urllib.error
import urllib.request

HOST = "127.0.0.1"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until_healthy(base_url, timeout=30.0, is_alive=lambda: True):
    """Poll GET /healthz until it answers 200; raise after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive():
            raise RuntimeError(f"the server at {base_url} exited during start-up")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base_url}/healthz did not answer 200 within {timeout:.0f} s")

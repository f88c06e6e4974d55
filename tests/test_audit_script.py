"""`make audit`'s pip-audit step: a vulnerability fails it; data that cannot be fetched
skips it with a message, never a silent pass."""
import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pip_audit.py"
spec = importlib.util.spec_from_file_location("pip_audit_step", SCRIPT)
pip_audit_step = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pip_audit_step)

UNKNOWN = {"name": "flask", "version": "3.1.3", "skip_reason": "Dependency not found on PyPI"}


def test_a_known_vulnerability_fails_the_audit():
    status, lines = pip_audit_step.verdict([
        {"name": "jinja2", "version": "2.10", "vulns": [
            {"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"]}]},
        {"name": "idna", "version": "3.20", "vulns": []}, UNKNOWN])
    assert status == 1
    assert lines[0] == "jinja2 2.10: PYSEC-2019-217 (fixed in 2.10.1)"
    assert "not audited (unknown to the vulnerability service): flask" in lines
    assert lines[-1] == "pip-audit: 2 package(s) audited, 1 vulnerable."


def test_nothing_looked_up_is_a_skip_not_a_pass():
    assert pip_audit_step.verdict([UNKNOWN]) == (None, [])
    assert pip_audit_step.verdict([{"name": "idna", "version": "3.20", "vulns": []}])[0] == 0


def test_an_unreachable_service_skips_with_a_message(capsys, monkeypatch):
    # A proxy where nothing listens: pip-audit really fails to connect.
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    assert pip_audit_step.main(str(SCRIPT.parent.parent / "requirements.txt")) == 0
    assert "pip-audit skipped: the vulnerability service cannot be reached" in \
        capsys.readouterr().out

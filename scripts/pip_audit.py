"""`make audit`, first half: pip-audit on the pinned requirements.

Fails on a known vulnerability. Skips with a message, and exit status 0, when the
vulnerability data cannot be fetched (a machine that reaches a package mirror but not
the vulnerability service): a CI run offline must not fail for that, nor claim a pass.

    python scripts/pip_audit.py requirements.txt
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

TIMEOUT_SECONDS = 300
UNREACHABLE = ("ConnectionError", "NameResolutionError", "Max retries exceeded", "ReadTimeout",
               "ConnectTimeout", "Temporary failure in name resolution", "SSLError")


def run_pip_audit(requirements, report):
    # Every line of the file is pinned (==): audit those versions exactly, without
    # resolving them again in a throwaway environment.
    command = [sys.executable, "-m", "pip_audit", "-r", requirements, "--no-deps",
               "--disable-pip", "--progress-spinner", "off", "-f", "json", "-o", str(report)]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)


def skip(reason):
    print(f"pip-audit skipped: {reason}. Run `make audit` where the vulnerability data "
          "(pypi.org) can be reached.")
    return 0


def verdict(dependencies):
    """Exit status and lines to print for pip-audit's JSON report."""
    audited = [dep for dep in dependencies if "skip_reason" not in dep]
    if not audited:
        return None, []
    vulnerable = [dep for dep in audited if dep.get("vulns")]
    lines = [f"{dep['name']} {dep['version']}: "
             + ", ".join(f"{vuln['id']} (fixed in {', '.join(vuln.get('fix_versions') or ['?'])})"
                         for vuln in dep["vulns"]) for dep in vulnerable]
    unaudited = [dep["name"] for dep in dependencies if "skip_reason" in dep]
    if unaudited:
        lines.append(f"not audited (unknown to the vulnerability service): {', '.join(unaudited)}")
    lines.append(f"pip-audit: {len(audited)} package(s) audited, {len(vulnerable)} vulnerable.")
    return (1 if vulnerable else 0), lines


def main(requirements):
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "pip-audit.json"
        try:
            finished = run_pip_audit(requirements, report)
        except subprocess.TimeoutExpired:
            return skip(f"no answer from the vulnerability service in {TIMEOUT_SECONDS} s")
        if not report.exists():
            if any(marker in finished.stderr for marker in UNREACHABLE):
                return skip("the vulnerability service cannot be reached")
            sys.stderr.write(finished.stderr)
            return finished.returncode or 1
        dependencies = json.loads(report.read_text())["dependencies"]
    status, lines = verdict(dependencies)
    if status is None:
        return skip("no package could be looked up (the vulnerability data is not reachable)")
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "requirements.txt"))

"""Real nginx on a loopback port with deploy/'s basic-auth config and security headers."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
EXPECTED_HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_config(site: Path, htpasswd: Path, port: int) -> str:
    """deploy's basic-auth server block, adapted to a loopback port without TLS."""
    text = (DEPLOY / "supervision-basic-auth.conf").read_text()
    servers = text.split("\nserver {")
    assert len(servers) == 3, "a redirect server and the site server"
    block = "server {" + servers[2]
    swaps = {  # marker at the end of a line -> what the test serves instead (None: drop)
        "# LISTEN": f"    listen 127.0.0.1:{port};",
        "# LISTEN6": None,
        "# TLS": None,
        "(SITE_ROOT)": f"    root {site};",
        "(HTPASSWD)": f"    auth_basic_user_file {htpasswd};",
        "# HEADERS": f"    include {DEPLOY / 'security-headers.conf'};",
    }
    lines, used = [], []
    for line in block.splitlines():
        marker = next((m for m in swaps if line.rstrip().endswith(m)), None)
        if marker is None:
            lines.append(line)
            continue
        used.append(marker)
        if swaps[marker] is not None:
            lines.append(str(swaps[marker]))
    # the shipped config still has every line this test adapts (three for TLS)
    assert sorted(used) == sorted([*swaps, "# TLS", "# TLS"]), used
    return "\n".join(lines)


@pytest.fixture(scope="module")
def nginx(marked_site, tmp_path_factory):
    assert Path(NGINX).exists(), "nginx is needed for this test (.ci/run installs it)"
    prefix = tmp_path_factory.mktemp("nginx")
    site = prefix / "www" / "site"
    shutil.copytree(marked_site.site, site)
    # things next to the site that must never be served
    (prefix / "www" / "secret.txt").write_text("OUTSIDE-THE-SITE")
    (site / "link-out.txt").symlink_to(prefix / "www" / "secret.txt")
    (site / ".git").mkdir()
    (site / ".git" / "config").write_text("HIDDEN-FILE")
    (site / "empty-folder").mkdir()
    hashed = subprocess.run(["openssl", "passwd", "-6", "-stdin"], input="correct horse\n",
                            capture_output=True, text=True, check=True).stdout.strip()
    htpasswd = prefix / "htpasswd"
    htpasswd.write_text(f"staff:{hashed}\n")
    port = free_port()
    user = "user root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        f"  include /etc/nginx/mime.types;\n  access_log {prefix}/access.log;\n"
        f"  client_body_temp_path {prefix}/tmp-body;\n  proxy_temp_path {prefix}/tmp-proxy;\n"
        f"  fastcgi_temp_path {prefix}/tmp-fcgi;\n  uwsgi_temp_path {prefix}/tmp-uwsgi;\n"
        f"  scgi_temp_path {prefix}/tmp-scgi;\n"
        + site_config(site, htpasswd, port) + "\n}\n")
    check = subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                             "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def fetch(url: str, password: str | None = "correct horse") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url)
    if password is not None:
        token = base64.b64encode(f"staff:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def raw_get(base: str, path: str) -> bytes:
    """A request line sent as written (urllib would tidy '..' away)."""
    host, port = base.removeprefix("http://").split(":")
    token = base64.b64encode(b"staff:correct horse").decode()
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {token}\r\n"
                  "Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def test_no_credentials_no_site(nginx) -> None:
    status, headers, body = fetch(nginx + "/", password=None)
    assert status == 401
    assert "Basic" in headers.get("WWW-Authenticate", "")
    assert b"Reports" not in body
    status, _headers, _body = fetch(nginx + "/reports/", password="wrong")
    assert status == 401
    for name, value in EXPECTED_HEADERS.items():  # headers on the refusal too
        assert value in headers.get(name, ""), name


def test_signed_in_staff_get_the_site_with_security_headers(nginx) -> None:
    for path in ("/", "/reports/", "/policy/", "/search/search_index.json"):
        status, headers, body = fetch(nginx + path)
        assert status == 200, path
        for name, value in EXPECTED_HEADERS.items():
            assert value in headers.get(name, ""), (path, name)
    assert b"noindex" in fetch(nginx + "/")[2]


def test_nothing_outside_the_site_is_served(nginx) -> None:
    assert fetch(nginx + "/link-out.txt")[0] in (403, 404)
    assert fetch(nginx + "/.git/config")[0] == 404
    status, _h, body = fetch(nginx + "/empty-folder/")
    assert status in (403, 404) and b"Index of" not in body
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/reports/../../secret.txt",
                 "/..%2fsecret.txt", "/reports/%2e%2e/%2e%2e/secret.txt"):
        response = raw_get(nginx, path)
        assert b"OUTSIDE-THE-SITE" not in response, path
        assert b"HIDDEN-FILE" not in response
        status_line = response.split(b"\r\n", 1)[0]
        assert b" 200 " not in status_line, (path, status_line)

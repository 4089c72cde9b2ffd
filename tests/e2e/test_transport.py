"""A transport an enterprise network can trust (issue 13): proxies and private CAs.

Real parts only: a forward proxy on loopback (``tests/support/proxy.py``) that must see
expctl's requests, and the test server speaking TLS with a certificate from a throwaway
CA (``trustme``), which expctl must refuse at once unless told to trust that CA.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from expctl.standin.demo import add_demo_experiments
from tests.fakeposthog import FULL_KEY, FakePostHog, RunningServer
from tests.support.cli import Result, base_env, run
from tests.support.proxy import REMOTE_NAME, ForwardProxy


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    forward = ForwardProxy()
    yield forward
    forward.stop()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


class Tls:
    """The test server over https, and the CA that signed its certificate."""

    def __init__(self, ca: trustme.CA, directory: Path) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost", REMOTE_NAME).configure_cert(context)
        self.fake = FakePostHog("cloud")
        add_demo_experiments(self.fake)
        self.server = RunningServer(self.fake, tls=context)
        self.ca_file = directory / "private-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))

    def run(self, home: Path, *args: str, **env: str) -> Result:
        merged = base_env(home)
        merged.update({"EXPCTL_HOST": self.server.url, "EXPCTL_PROJECT": "1", "EXPCTL_API_KEY": FULL_KEY})
        merged.update(env)
        return run(list(args), merged)


@pytest.fixture
def tls(ca: trustme.CA, tmp_path: Path) -> Iterator[Tls]:
    server = Tls(ca, tmp_path)
    yield server
    server.server.stop()


@pytest.fixture
def plain() -> Iterator[RunningServer]:
    fake = FakePostHog("cloud")
    add_demo_experiments(fake)
    server = RunningServer(fake)
    yield server
    server.stop()


def _env(home: Path, server: RunningServer, **extra: str) -> dict[str, str]:
    env = base_env(home)
    env.update({"EXPCTL_HOST": server.url, "EXPCTL_PROJECT": "1", "EXPCTL_API_KEY": FULL_KEY})
    env.update(extra)
    return env


def _remote(server: RunningServer) -> str:
    """The server by a name only the proxy resolves: a remote host, as far as expctl knows."""
    return server.url.replace("127.0.0.1", REMOTE_NAME)


def test_http_proxy_carries_every_request(home: Path, plain: RunningServer, proxy: ForwardProxy) -> None:
    remote = _remote(plain)
    env = _env(home, plain, HTTP_PROXY=proxy.url, EXPCTL_HOST=remote)
    result = run(["--allow-insecure-http", "list", "-o", "ids"], env)
    assert result.returncode == 0, result
    assert result.stdout.split() == ["3", "2", "1"]
    assert proxy.seen and all(line.startswith(f"GET {remote}/api/projects/1/") for line in proxy.seen), proxy.seen
    requests_seen_by_server = len(plain.fake.requests())
    assert requests_seen_by_server == len(proxy.seen), "nothing went around the proxy"


def test_all_proxy_and_lowercase_names_work_too(home: Path, plain: RunningServer, proxy: ForwardProxy) -> None:
    for name in ("ALL_PROXY", "http_proxy"):
        proxy.seen.clear()
        env = _env(home, plain, EXPCTL_HOST=_remote(plain), **{name: proxy.url})
        result = run(["--allow-insecure-http", "get", "1", "-o", "json"], env)
        assert result.returncode == 0, (name, result)
        assert proxy.seen, name


def test_no_proxy_goes_direct(home: Path, plain: RunningServer, proxy: ForwardProxy) -> None:
    env = _env(home, plain, HTTP_PROXY=proxy.url, NO_PROXY=REMOTE_NAME, EXPCTL_HOST=_remote(plain))
    result = run(["--allow-insecure-http", "list", "-o", "ids"], env)
    assert result.returncode != 0, "posthog.test resolves nowhere but through the proxy"
    assert proxy.seen == []


def test_a_loopback_host_never_goes_through_a_proxy(home: Path, plain: RunningServer, proxy: ForwardProxy) -> None:
    """The key would travel in clear text to the proxy: a loopback host is always direct."""
    for name in ("HTTP_PROXY", "ALL_PROXY", "http_proxy"):
        proxy.seen.clear()
        result = run(["list", "-o", "ids"], _env(home, plain, **{name: proxy.url}))
        assert result.returncode == 0, (name, result)
        assert proxy.seen == [], name


def test_https_through_a_proxy_is_a_connect_tunnel(home: Path, tls: Tls, proxy: ForwardProxy) -> None:
    remote = tls.server.url.replace("127.0.0.1", REMOTE_NAME)
    result = tls.run(
        home, "--ca-bundle", str(tls.ca_file), "list", "-o", "ids", HTTPS_PROXY=proxy.url, EXPCTL_HOST=remote
    )
    assert result.returncode == 0, result
    port = tls.server.port
    assert proxy.seen and set(proxy.seen) == {f"CONNECT {REMOTE_NAME}:{port}"}, proxy.seen
    assert len(tls.fake.requests()) >= 1


def test_an_untrusted_certificate_fails_at_once_with_the_fix(home: Path, tls: Tls) -> None:
    result = tls.run(home, "list")
    assert result.returncode == 10, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: cannot verify the TLS certificate of {tls.server.url}: ")
    assert "certificate" in lines[0] and "--ca-bundle FILE" in lines[0] and "SSL_CERT_FILE" in lines[0]
    assert "retrying" not in result.stderr and "Traceback" not in result.stderr
    assert tls.server.connections == 1, "one handshake, no retries"
    assert tls.fake.requests() == []


def test_a_private_ca_is_trusted_with_ca_bundle_or_ssl_cert_file(home: Path, tls: Tls) -> None:
    flagged = tls.run(home, "--ca-bundle", str(tls.ca_file), "get", "checkout-redesign", "-o", "json")
    assert flagged.returncode == 0, flagged
    from_env = tls.run(home, "get", "checkout-redesign", "-o", "json", SSL_CERT_FILE=str(tls.ca_file))
    assert from_env.returncode == 0, from_env
    assert from_env.stdout == flagged.stdout


@pytest.mark.skipif(
    shutil.which("openssl") is None, reason="needs openssl to hash a CA directory (.ci/run installs it)"
)
def test_a_private_ca_directory_is_trusted_with_ssl_cert_dir(home: Path, tls: Tls, tmp_path: Path) -> None:
    directory = tmp_path / "certs"
    directory.mkdir()
    shutil.copy(tls.ca_file, directory / "private-ca.pem")
    subprocess.run(["openssl", "rehash", str(directory)], check=True, capture_output=True)
    result = tls.run(home, "list", "-o", "ids", SSL_CERT_DIR=str(directory))
    assert result.returncode == 0, result


def test_doctor_names_the_certificate_problem(home: Path, tls: Tls) -> None:
    result = tls.run(home, "doctor")
    assert result.returncode == 10, result
    assert "✗ TLS" in result.stdout and "--ca-bundle" in result.stdout


def test_https_to_a_plain_http_port_says_so_instead_of_blaming_the_ca(home: Path, plain: RunningServer) -> None:
    url = plain.url.replace("http://", "https://")
    result = run(["list"], _env(home, plain, EXPCTL_HOST=url))
    assert result.returncode == 7, result
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"error: {url} answers in plain http, not https (TLS: wrong version number); use {plain.url} if that is "
        "how this server is reached (loopback, or with --allow-insecure-http), or the port that serves https"
    ]
    assert "--ca-bundle" not in result.stderr
